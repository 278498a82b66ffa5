"""The producer's sender: produce requests in virtual time, retries, request timeouts, sequences.

Owns ``ProduceBatch`` and ``Sender``, the mixin of ``Producer`` that turns accumulated records
into produce requests: idempotent sequence numbers and epochs, the request timeout, retries
with backoff (``message.send.max.retries``, ``retry.backoff.ms``), ``message.timeout.ms``
expiry (``_MSG_TIMED_OUT``) and delivery reports. Standard library only.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from ..broker.apis import next_sequence
from ..errors import ERR, RETRIABLE_PRODUCE_ERRORS, KafkaError
from .message import OFFSET_INVALID

_RETRIABLE = RETRIABLE_PRODUCE_ERRORS | {ERR._TIMED_OUT, ERR._TRANSPORT}


class ProduceBatch:
    """One batch for one partition: records, their callbacks, and its request state.

    ``base_sequence`` is -1 without idempotence; a retry resends the same batch with the same
    producer id, epoch and sequence (that is what lets the leader recognise a duplicate).
    ``deadline_ms`` is the first record's enqueue time + ``message.timeout.ms`` (None: infinite).
    """

    __slots__ = ("tp", "records", "cbs", "first_ms", "deadline_ms", "producer_id", "producer_epoch",
                 "base_sequence", "transactional", "attempts", "done", "timer", "request", "sent_ms", "timeout_ms")

    def __init__(self, tp: tuple[str, int], records: list, cbs: dict | None, first_ms: int,
                 deadline_ms: int | None) -> None:
        self.tp = tp
        self.records = records
        self.cbs = cbs
        self.first_ms = first_ms
        self.deadline_ms = deadline_ms
        self.producer_id = -1
        self.producer_epoch = -1
        self.base_sequence = -1
        self.transactional = False
        self.attempts = 0
        self.done = False
        self.timer: Any = None      # the backoff or expiry timer
        self.request: Any = None    # the InFlightRequest of the last attempt (its timer: the request timeout)
        self.sent_ms = 0
        self.timeout_ms = 0

    def __repr__(self) -> str:
        return (f"ProduceBatch({self.tp[0]}-{self.tp[1]}, records={len(self.records)}, seq={self.base_sequence}, "
                f"attempts={self.attempts})")


class Sender:
    """Mixin for ``Producer``: send batches, handle responses, retry, expire, report.

    Kafka: librdkafka's broker thread (``rd_kafka_ProduceRequest``, ``rd_kafka_handle_Produce_error``)
    and idempotence (``rdkafka_idempotence.c``). The request timeout is ``socket.timeout.ms``,
    capped by what is left of the first message's ``message.timeout.ms``, as in librdkafka.
    Simplification: the backoff doubles from ``retry.backoff.ms`` up to ``retry.backoff.max.ms``
    without librdkafka's jitter; ``max.in.flight`` is not enforced; after a failed batch an
    idempotent producer bumps its epoch locally (as the Java client does; librdkafka asks the
    coordinator).
    """

    def _init_sender(self) -> None:
        conf = self._conf
        self._idempotent = bool(conf["enable.idempotence"])
        self._max_retries = conf["message.send.max.retries"]
        self._backoff_ms = conf["retry.backoff.ms"]
        self._backoff_max_ms = conf["retry.backoff.max.ms"]
        self._msg_timeout_ms = conf["message.timeout.ms"]
        self._socket_timeout_ms = conf["socket.timeout.ms"]
        self._unacked: dict[tuple[str, int], list[ProduceBatch]] = {}

    def _new_batch(self, tp: tuple[str, int], records: list, cbs: dict | None, first_ms: int) -> ProduceBatch:
        tmo = self._msg_timeout_ms
        batch = ProduceBatch(tp, records, cbs, first_ms, first_ms + tmo if tmo > 0 else None)
        if self._idempotent:
            seq = self._sequences.get(tp, 0)
            self._sequences[tp] = next_sequence(seq, len(records))
            batch.base_sequence = seq
            batch.producer_id = self.producer_id
            batch.producer_epoch = self.producer_epoch
            batch.transactional = self._txn_id is not None
            self._unacked.setdefault(tp, []).append(batch)
        return batch

    def _send_batch(self, batch: ProduceBatch) -> None:
        """Send (or resend) ``batch`` as a Produce request; it times out unless a response arrives in time."""
        batch.attempts += 1
        now = self._clock.now_ms
        timeout = self._socket_timeout_ms
        if batch.deadline_ms is not None:
            remaining = batch.deadline_ms - now
            timeout = min(timeout, remaining) if remaining > 0 else 100
        batch.sent_ms = now
        batch.timeout_ms = timeout
        batch.timer = None
        attempt = batch.attempts
        req = batch.request = self._produce_request(batch, partial(self._on_produce_response, batch, attempt))
        req.set_timeout(now + timeout, self._on_request_timeout, batch, attempt, timeout)

    def _produce_request(self, batch: ProduceBatch, reply: Any) -> Any:
        """Produce (``reply`` None: acks=0, no response is wanted)."""
        tp = batch.tp
        return self._request("Produce", reply, topic=tp[0], partition=tp[1], records=batch.records,
                             producer_id=batch.producer_id, producer_epoch=batch.producer_epoch,
                             base_sequence=batch.base_sequence, transactional=batch.transactional,
                             client_id=self._client_id)

    def _on_produce_response(self, batch: ProduceBatch, attempt: int, res: Any) -> None:
        if batch.done or attempt != batch.attempts:
            return  # a late response to a request that already timed out and was retried
        self._stop_timers(batch)
        err = res.error
        if not err:
            self._complete(batch, res.base_offset)
        elif err in _RETRIABLE or (err == ERR.OUT_OF_ORDER_SEQUENCE_NUMBER and self._has_earlier_unacked(batch)):
            self._retry(batch, err, f"{KafkaError(err).name()}: {res.message}" if res.message else
                        KafkaError(err).name())
        else:
            self._fail(batch, KafkaError(err, f"{KafkaError(err).str()}: {res.message}" if res.message else None))

    def _on_request_timeout(self, batch: ProduceBatch, attempt: int, timeout_ms: int) -> None:
        if batch.done or attempt != batch.attempts or not self._alive:
            return
        self._retry(batch, ERR._TIMED_OUT, f"no response within the request timeout ({timeout_ms} ms)")

    def _has_earlier_unacked(self, batch: ProduceBatch) -> bool:
        unacked = self._unacked.get(batch.tp)
        return bool(unacked) and unacked[0] is not batch

    # -- retry, expiry, completion -------------------------------------------------------------------
    def _retry(self, batch: ProduceBatch, err: int, reason: str) -> None:
        """Resend after the backoff, unless retries or ``message.timeout.ms`` are used up."""
        now = self._clock.now_ms
        retries = batch.attempts - 1
        if batch.deadline_ms is not None and now >= batch.deadline_ms:
            self._expire(batch, reason)
            return
        if retries >= self._max_retries:
            self._fail(batch, KafkaError(err), f"{reason}; message.send.max.retries={self._max_retries} used up")
            return
        backoff = min(self._backoff_ms << min(retries, 20), self._backoff_max_ms)
        cluster = self._cluster
        cluster.trace.record("produce_retry", reason, client=self._name, client_id=self._client_id,
                             topic=batch.tp[0], partition=batch.tp[1], count=len(batch.records),
                             attempt=batch.attempts + 1, backoff_ms=backoff, producer_id=batch.producer_id,
                             base_sequence=batch.base_sequence, error=KafkaError(err).name())
        if batch.deadline_ms is not None and now + backoff >= batch.deadline_ms:
            batch.timer = self._clock.call_at(batch.deadline_ms, self._expire_if_pending, batch, batch.attempts,
                                              reason)
        else:
            batch.timer = self._clock.call_later(backoff, self._resend, batch, batch.attempts)

    def _resend(self, batch: ProduceBatch, attempt: int) -> None:
        if not batch.done and attempt == batch.attempts and self._alive:
            self._send_batch(batch)

    def _expire_if_pending(self, batch: ProduceBatch, attempt: int, reason: str) -> None:
        if not batch.done and attempt == batch.attempts and self._alive:
            self._expire(batch, reason)

    def _expire(self, batch: ProduceBatch, reason: str) -> None:
        self._fail(batch, KafkaError(ERR._MSG_TIMED_OUT),
                   f"message.timeout.ms={self._msg_timeout_ms} expired ({reason})")

    def _complete(self, batch: ProduceBatch, base_offset: int) -> None:
        batch.done = True
        self._forget(batch)
        self._report(batch.tp, batch.records, batch.cbs, base_offset, None)

    def _fail(self, batch: ProduceBatch, err: KafkaError, reason: str | None = None) -> None:
        """Fail ``batch`` for good: every record gets ``err`` in its delivery report."""
        batch.done = True
        self._stop_timers(batch)
        self._forget(batch)
        kind = "message_timed_out" if err.code() == ERR._MSG_TIMED_OUT else "produce_error"
        self._cluster.trace.record(kind, reason or err.str(), client=self._name, client_id=self._client_id,
                                   topic=batch.tp[0], partition=batch.tp[1], count=len(batch.records),
                                   attempts=batch.attempts, producer_id=batch.producer_id,
                                   base_sequence=batch.base_sequence, error=err.name())
        self._report(batch.tp, batch.records, batch.cbs, OFFSET_INVALID, err)
        if self._txn_id is not None:
            self._txn_on_batch_failed(batch, err)
        elif self._idempotent and batch.base_sequence >= 0:
            self._bump_idempotent_epoch(f"batch {batch.tp[0]}-{batch.tp[1]} seq {batch.base_sequence} failed "
                                        f"({err.name()}): later sequences would leave a gap")

    @staticmethod
    def _stop_timers(batch: ProduceBatch) -> None:
        if batch.timer is not None:
            batch.timer.cancel()
        if batch.request is not None:
            batch.request.stop_timeout()

    def _forget(self, batch: ProduceBatch) -> None:
        unacked = self._unacked.get(batch.tp)
        if unacked and batch in unacked:
            unacked.remove(batch)

    def _bump_idempotent_epoch(self, reason: str) -> None:
        """Bump the epoch and restart every partition's sequence at 0 (KIP-360)."""
        self.producer_epoch += 1
        self._sequences.clear()
        self._cluster.trace.record("producer_epoch_bumped", reason, client=self._name, client_id=self._client_id,
                                   producer_id=self.producer_id, producer_epoch=self.producer_epoch)

    def _cancel_batches(self) -> None:
        for unacked in self._unacked.values():
            for batch in unacked:
                self._stop_timers(batch)
        self._unacked.clear()
