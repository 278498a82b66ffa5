"""The share consumer (KIP-932, "queues for Kafka"), with confluent-kafka 2.16.1's ``ShareConsumer`` API.

Owns ``ShareConsumer``: ``subscribe``/``unsubscribe``/``subscription``, ``poll`` (a batch, ``Messages``),
``acknowledge``/``acknowledge_offset``, ``commit_sync``/``commit_async``, the acknowledgement commit
callback, ``close`` and the crash path. Its helpers: membership by ShareGroupHeartbeat in
``share_membership.py``, the held records and marked acknowledgements in ``share_acks.py``. Records come
by ShareFetch (acknowledgements ride on it), acknowledgements alone by ShareAcknowledge; every broker call
is a request (``ClientCore._request``). Standard library only.

Kafka: KIP-932; confluent-kafka 2.16.1 ``ShareConsumer`` over librdkafka 2.16.0's share consumer
(``rdkafka_share_acknowledgement.c``), which talks to Kafka 4.2 brokers.
"""

from __future__ import annotations

import random as _random
import warnings
from collections.abc import Callable
from typing import Any

from .. import config as _config
from ..broker import apis as _apis
from ..errors import ERR, KafkaError, KafkaException
from .base import ClientCore, timeout_ms
from .consumer_membership import random_member_id
from .message import TIMESTAMP_CREATE_TIME, TIMESTAMP_LOG_APPEND_TIME, Message, TopicPartition
from .model import IllegalStateException
from .share_acks import GAP, AckLedger, AcknowledgeType, Messages, offsets_of
from .share_membership import ShareMembership

IMPLICIT, EXPLICIT = "implicit", "explicit"
CLOSE_EPOCH = -1                # closes the share session: the broker releases what it still holds for it
_INT32_MAX = 2**31 - 1
_SESSION_ERRORS = frozenset({ERR.SHARE_SESSION_NOT_FOUND, ERR.INVALID_SHARE_SESSION_EPOCH})
_CLOSED = "Share consumer closed"
_IN_CALLBACK = "Share consumer methods are not accessible from user-defined acknowledgement commit callback"


def _real_number(value: Any) -> None:
    if not isinstance(value, (int, float)):
        raise TypeError(f"must be real number, not {type(value).__name__}")


def _c_int(value: Any) -> int:
    """A C ``int`` argument as CPython parses it (``TypeError`` for a float or a non-number)."""
    if isinstance(value, float):
        raise TypeError("'float' object cannot be interpreted as an integer")
    if not isinstance(value, int):
        raise TypeError(f"'{type(value).__name__}' object cannot be interpreted as an integer")
    return int(value)


class ShareConsumer(ClientCore):
    """A share-group consumer in virtual time, with confluent-kafka 2.16.1's ``ShareConsumer`` API.

    Several members of one share group may read the same partition; the broker hands each record to one of
    them under an acquisition lock (``group.share.record.lock.duration.ms``, 30 s) and counts deliveries
    (``Message.delivery_count()``, 1 the first time). ``poll(timeout)`` returns a ``Messages`` batch (empty
    when the timeout passed); check each ``msg.error()``.

    ``share.acknowledgement.mode``:

    - ``implicit`` (default): the next ``poll``, ``commit_sync`` or ``commit_async`` accepts every record
      of the previous batch; ``acknowledge`` raises ``IllegalStateException``. ``close()`` does not accept
      the last batch: closing the share session releases it (it comes back with its delivery count raised).
    - ``explicit``: acknowledge every record (``acknowledge``/``acknowledge_offset``: ACCEPT, RELEASE or
      REJECT) before the next ``poll``, which otherwise raises ``IllegalStateException``. Marks are sent with
      the next poll (on its ShareFetch), commit (ShareAcknowledge) or close.
    - any other string: kept as librdkafka 2.16.1 keeps it, unvalidated and case-sensitive, giving a
      consumer that is neither: ``acknowledge`` works, ``poll`` never refuses, nothing is accepted for the
      application. kafkalab copies that quirk and also warns (``UserWarning``) when such a consumer is
      created. Its unacknowledged records stay acquired until their lock expires (librdkafka's mock cluster
      instead hands them out again; a real broker does not).

    Acknowledgement results come back asynchronously: ``commit_sync`` returns them, and the callback set
    by ``set_acknowledgement_commit_callback`` gets ``(offsets, exception)`` inside ``poll``,
    ``commit_sync``, ``commit_async`` or ``close``. A failed acknowledgement is not retried.

    Heartbeats run on timers, as librdkafka's background thread sends them: a consumer that stops polling
    stays in the group, and its records wait for their lock to expire. ``cluster.crash(share_consumer)``
    is a process death: the broker sees the connection close and releases its records at once (Kafka
    4.1+, KAFKA-19015); the member stays in the group until its session times out.

    Kafka: confluent-kafka ``ShareConsumer``; KIP-932. Simplifications: one broker, so one share session;
    records are fetched when the application polls (nothing is prefetched, so no lock runs while records
    wait in a local queue); ``max.poll.records`` is sent as the broker's soft limit; the order of
    acknowledgement-callback calls for several partitions is one call per partition (unverified).
    """

    _kind = "share_consumer"
    _closed_text = _CLOSED

    def __init__(self, config: dict | None = None, /, **kwargs: Any) -> None:
        merged = {**config, **kwargs} if isinstance(config, dict) else kwargs
        if config is None and not kwargs:
            raise TypeError("expected configuration dict")
        if config is not None and not isinstance(config, dict):
            raise TypeError("expected configuration dict")
        _config.check_share_consumer_keys({str(k): v for k, v in merged.items()})
        super().__init__("consumer", config, kwargs)
        _config.check_share_consumer(self._conf)
        conf = self._conf
        self._group_id: str = conf["group.id"]
        self._mode: str = conf["share.acknowledgement.mode"] or ""
        if self._mode not in (IMPLICIT, EXPLICIT):
            warnings.warn(f"share.acknowledgement.mode={self._mode!r} is neither 'implicit' nor 'explicit': "
                          "librdkafka accepts it unvalidated and the consumer then neither accepts batches "
                          "implicitly nor requires acknowledgements (kafkalab copies this)", UserWarning,
                          stacklevel=2)
        self._max_records: int = conf["max.poll.records"]
        self._max_wait_ms: int = conf["fetch.wait.max.ms"]
        self._socket_timeout_ms: int = conf["socket.timeout.ms"]
        self._retry_backoff_ms: int = conf["retry.backoff.ms"]
        connected = self._cluster is not None
        # KIP-932: the member id is the client's, drawn once (only a share consumer draws it here).
        member_id = random_member_id(self._cluster.rng if connected else _random.Random(self._name))
        self._membership = ShareMembership(
            conf, member_id=member_id, clock=self._clock, connected=connected, client_id=self._client_id,
            trace=self._trace, push_event=self._push_event, request=self._request, alive=self._is_alive,
            on_assignment=self._on_assignment, last_poll_ms=self._last_poll)
        self._last_poll_ms = self._clock.now_ms
        self._in_poll = False
        self._ledger = AckLedger()
        self._batch: list[Message] = []         # what the last poll returned
        self._buffer: list[Message] = []        # fetched, not yet returned by poll
        self._session_epoch = 0                 # the next ShareFetch/ShareAcknowledge epoch (0 opens)
        self._fetch = None                      # the ShareFetch in flight
        self._fetch_backoff_until = -1
        self._ack_cb: Callable | None = None
        self._in_ack_cb = False                 # the acknowledgement commit callback is running
        self._ack_requests = 0                  # ShareAcknowledge requests not yet answered

    # -- plumbing ----------------------------------------------------------------------------------------
    def _trace(self, kind: str, reason: str, **fields: Any) -> None:
        if self._cluster is None:
            return
        membership = getattr(self, "_membership", None)
        self._cluster.trace.record(kind, reason, group=self._group_id, client=self._name,
                                   client_id=self._client_id,
                                   member_id=membership.member_id if membership is not None else "", **fields)

    def _is_alive(self) -> bool:
        return self._alive

    def _last_poll(self) -> int:
        """When the application last returned from poll (now while it waits inside one: librdkafka does not
        count a blocked poll against ``max.poll.interval.ms``)."""
        return self._clock.now_ms if self._in_poll else self._last_poll_ms

    def _push_event(self, msg: Message) -> None:
        """Queue an error event for the application's next poll (it arrives inside a batch)."""
        self._buffer.append(msg)
        if msg.error() is not None:
            self._trace("consumer_error", msg.error().str(), error=msg.error().name(), topic=msg.topic(),
                        partition=msg.partition())

    def _check_usable(self) -> None:
        if self._crashed:
            raise KafkaException(KafkaError(
                ERR._DESTROY, "share consumer crashed (cluster.crash): the process is gone; create a new one"))
        if self._closed:
            raise IllegalStateException(_CLOSED)

    def _check_not_in_callback(self, what: str | None = None) -> None:
        """librdkafka refuses the share consumer's own calls from inside the acknowledgement commit callback
        (``rd_kafka_share_acquire``: ``_STATE``); ``what`` prefixes the text as confluent-kafka does."""
        if self._in_ack_cb:
            raise IllegalStateException(_IN_CALLBACK if what is None else f"{what}: {KafkaError(ERR._STATE).str()}")

    def __enter__(self):
        """``with ShareConsumer(conf) as c:``; as confluent-kafka's, entering a closed one does not raise."""
        if self._crashed:
            self._check_usable()
        return self

    # -- subscription ---------------------------------------------------------------------------------
    def subscribe(self, topics: list[str]) -> None:
        """Replace the subscription with ``topics``; ``[]`` is ``unsubscribe()``.

        Kafka: confluent-kafka ``ShareConsumer.subscribe`` (ShareGroupHeartbeat ``SubscribedTopicNames``;
        share groups take topic names only: a ``^`` name is sent as a name). Each entry is converted with
        ``str()`` as confluent-kafka converts it.

        Raises:
            TypeError: ``topics`` is not a list ("expected list of topic unicode strings").
            ValueError: an empty or repeated name ("Failed to subscribe: Local: Invalid argument or
                configuration").
        """
        self._check_usable()
        if not isinstance(topics, list):
            raise TypeError("expected list of topic unicode strings")
        names = [t if isinstance(t, str) else str(t) for t in topics]
        self._check_not_in_callback("Failed to subscribe")
        if not names:
            self.unsubscribe()
            return
        if any(not n for n in names) or len(set(names)) != len(names):
            raise ValueError(f"Failed to subscribe: {KafkaError(ERR._INVALID_ARG).str()}")
        self._membership.subscribe(names)

    def unsubscribe(self) -> None:
        """Leave the share group (ShareGroupHeartbeat epoch -1) and drop the subscription.

        Records still held stay held (the broker releases them when their locks expire or the share
        session closes); marked acknowledgements are still sent by the next commit or close.
        """
        self._check_usable()
        self._check_not_in_callback("Failed to unsubscribe")
        if self._membership.subscription:
            self._cancel_fetch()
            self._membership.unsubscribe()

    def subscription(self) -> list[str]:
        """The current subscription (a new list)."""
        self._check_usable()
        self._check_not_in_callback("Failed to get subscription")
        return list(self._membership.subscription)

    def _on_assignment(self) -> None:
        """The broker changed this member's partitions: fetch from the new set next."""
        self._trace("assigned", "ShareGroupHeartbeat assignment", partitions=[list(tp) for tp in
                                                                            self._membership.assignment],
                    generation_id=self._membership.member_epoch, incremental=False,
                    assignment=[list(tp) for tp in self._membership.assignment])

    # -- poll ------------------------------------------------------------------------------------------
    def poll(self, timeout: float = -1) -> Messages:
        """Return the next batch of acquired records, waiting up to ``timeout`` seconds of virtual time.

        Sends the marked acknowledgements on the ShareFetch (implicit mode: first accepts every record of
        the previous batch). An empty ``Messages`` means the timeout passed. ``timeout`` -1 waits (at most
        5 virtual minutes; see ``ClientBase._wait_until``).

        Kafka: confluent-kafka ``ShareConsumer.poll``; ShareFetch (78).

        Raises:
            IllegalStateException: not subscribed ("Consumer is not subscribed to any topics"); explicit
                mode with records of the previous batch not acknowledged ("N records from previous poll
                have not been acknowledged"); closed.
        """
        self._check_usable()
        _real_number(timeout)
        wait_ms = timeout_ms(timeout, "poll")
        self._check_not_in_callback()
        self._serve_callbacks()
        if self._mode == EXPLICIT:
            left = self._ledger.unmarked(self._batch)
            if left:
                raise IllegalStateException(f"{left} records from previous poll have not been acknowledged")
        elif self._mode == IMPLICIT:
            self._ledger.accept_all(self._batch)
        self._batch = []
        if not self._membership.subscription:       # checked after the two above, as rd_kafka_share_poll does
            raise IllegalStateException("Consumer is not subscribed to any topics")
        self._in_poll = True
        try:
            self._membership.on_poll()
            return self._poll_batch(wait_ms)
        finally:
            self._in_poll = False
            self._last_poll_ms = self._clock.now_ms

    def _poll_batch(self, wait_ms: int | None) -> Messages:
        clock = self._clock
        deadline = None if wait_ms is None else clock.now_ms + wait_ms
        marked = self._ledger.pending()     # marks of earlier batches: sent now, on a ShareFetch or alone
        while True:
            self._serve_callbacks()
            if not self._alive:
                return Messages()
            if self._buffer:
                batch, self._buffer = self._buffer, []
                self._batch = batch
                if marked and self._ledger.pending():
                    self._send_acknowledge()        # no fetch went out in this poll to carry them
                return Messages(batch)
            self._maybe_fetch()
            remaining = None if deadline is None else max(0, deadline - clock.now_ms)
            if remaining == 0:
                break
            if not self._wait_until(lambda: bool(self._callbacks) or bool(self._buffer) or self._fetch_wanted()
                                    or not self._alive, remaining):
                break
        self._serve_callbacks()
        if self._buffer and self._alive:
            batch, self._buffer = self._buffer, []
            self._batch = batch
            return Messages(batch)
        return Messages()

    def _fetch_wanted(self) -> bool:
        return (self._fetch is None and bool(self._membership.assignment)
                and self._clock.now_ms >= self._fetch_backoff_until)

    def _next_epoch(self) -> int:
        epoch = self._session_epoch
        self._session_epoch = 1 if epoch >= _INT32_MAX else epoch + 1
        return epoch

    def _maybe_fetch(self) -> None:
        """Send a ShareFetch for the assigned partitions, carrying the marked acknowledgements."""
        if not self._fetch_wanted() or self._cluster is None or not self._alive:
            return
        acks = self._ledger.take()
        partitions = list(self._membership.assignment)
        epoch = self._next_epoch()
        token: list = []
        req = self._request("ShareFetch", lambda res: self._on_fetch(res, acks, token[0]),
                            group_id=self._group_id, member_id=self._membership.member_id,
                            share_session_epoch=epoch, max_wait_ms=self._max_wait_ms,
                            max_records=self._max_records, partitions=partitions, acknowledgements=acks,
                            client_id=self._client_id)
        token.append(req)
        self._fetch = req

    def _on_fetch(self, res: Any, acks: dict, req: Any) -> None:
        if req is not self._fetch:
            return
        self._fetch = None
        if res.error_code:
            self._session_error(res.error_code)
            self._ack_results(acks, {tp: res.error_code for tp in acks})
            return
        parts = res.partitions or {}
        self._ack_results(acks, {tp: getattr(parts.get(tp), "acknowledge_error_code", 0) or 0 for tp in acks})
        for tp, data in parts.items():
            if data.error_code:
                self._push_event(Message(tp[0], tp[1], error=KafkaError(
                    data.error_code, f"{KafkaError(data.error_code).str()}: {tp[0]} [{tp[1]}]")))
                continue
            self._take_records(tuple(tp), data)

    def _session_error(self, code: int) -> None:
        """A share-session error: open a new session (epoch 0) on the next request, after a backoff."""
        if code in _SESSION_ERRORS:
            self._session_epoch = 0
        self._backoff()

    def _backoff(self) -> None:
        self._fetch_backoff_until = self._clock.now_ms + self._retry_backoff_ms
        self._clock.call_at(self._fetch_backoff_until, _nothing)

    def _take_records(self, tp: tuple[str, int], data: Any) -> None:
        """Keep the acquired records of one partition (with their delivery counts) for the application.

        An acquired offset without a record for the application (a control record) is acknowledged as
        GAP with the next request, as librdkafka does.
        """
        counts: dict[int, int] = {}
        for first, last, count in data.acquired_records or ():
            for off in range(first, last + 1):
                counts[off] = count
        if not counts:
            return
        topic, partition = tp
        found = set()
        ledger = self._ledger
        for batch in data.records or ():
            if getattr(batch, "control", None) is not None:
                continue
            base = batch.base_offset
            ts_type = (TIMESTAMP_LOG_APPEND_TIME if getattr(batch, "timestamp_type", None) == _apis.LOG_APPEND_TIME
                       else TIMESTAMP_CREATE_TIME)
            for i, rec in enumerate(batch.records):
                off = base + i
                if rec is None or off not in counts or off in found:
                    continue
                ts = batch.append_time_ms if ts_type == TIMESTAMP_LOG_APPEND_TIME else rec[2]
                found.add(off)
                self._buffer.append(Message(topic, partition, off, rec[0], rec[1], rec[3], None, (ts_type, ts),
                                            None, 0, counts[off]))
                ledger.deliver(tp, off)
        for off in counts:
            if off not in found:
                ledger.deliver(tp, off)
                ledger.mark(tp, off, GAP)

    def _cancel_fetch(self) -> None:
        if self._fetch is not None:
            self._fetch.cancel()
            self._fetch = None

    # -- acknowledging ---------------------------------------------------------------------------------
    def acknowledge(self, message: Message, ack_type: int = AcknowledgeType.ACCEPT) -> None:
        """Mark a record of a batch as ACCEPT (default), RELEASE or REJECT; sent with the next poll or commit.

        Marking it again before it is sent replaces the mark. Kafka: confluent-kafka
        ``ShareConsumer.acknowledge``.

        Raises:
            TypeError: ``message`` is not a Message, ``ack_type`` not an int.
            IllegalStateException: implicit mode, or the record is not held (never delivered, already
                sent): "Failed to acknowledge message: Local: Erroneous state"; closed.
            ValueError: ``ack_type`` not 1..3, or no topic or a negative partition or offset ("Failed to
                acknowledge message: Local: Invalid argument or configuration").
        """
        self._check_usable()
        if not isinstance(message, Message):
            raise TypeError(f"argument 1 must be confluent_kafka.cimpl.Message, not {type(message).__name__}")
        kind = _c_int(ack_type)
        self._mark("Failed to acknowledge message", message.topic(), message._partition, message._offset, kind)

    def acknowledge_offset(self, topic: str, partition: int, offset: int,
                           ack_type: int = AcknowledgeType.ACCEPT) -> None:
        """``acknowledge`` by topic, partition and offset. Kafka: confluent-kafka ``ShareConsumer.acknowledge_offset``.

        Raises:
            TypeError, IllegalStateException, ValueError: as ``acknowledge`` ("Failed to acknowledge offset:
                ...").
        """
        self._check_usable()
        if not isinstance(topic, str):
            raise TypeError(f"argument 1 must be str, not {type(topic).__name__}")
        partition, offset, kind = _c_int(partition), _c_int(offset), _c_int(ack_type)
        self._mark("Failed to acknowledge offset", topic, partition, offset, kind)

    def _mark(self, what: str, topic: str | None, partition: int | None, offset: int | None, kind: int) -> None:
        self._check_not_in_callback(what)
        if self._mode == IMPLICIT:
            raise IllegalStateException(f"{what}: {KafkaError(ERR._STATE).str()}")
        if kind not in (1, 2, 3) or topic is None or partition is None or partition < 0 or offset is None \
                or offset < 0:
            raise ValueError(f"{what}: {KafkaError(ERR._INVALID_ARG).str()}")
        if not self._ledger.mark((topic, partition), offset, AcknowledgeType(kind)):
            raise IllegalStateException(f"{what}: {KafkaError(ERR._STATE).str()}")

    def _implicit_accept(self) -> None:
        if self._mode == IMPLICIT:
            self._ledger.accept_all(self._batch)

    def _send_acknowledge(self, *, close: bool = False) -> tuple[dict, Any, dict] | None:
        """Send the marked acknowledgements by ShareAcknowledge; returns (acks, request) or None.

        ``close`` sends epoch -1, which closes the share session (the broker then releases what this
        session still holds). Without an open session there is nothing to acknowledge against: marks are
        kept for the next ShareFetch.
        """
        if self._cluster is None or (self._session_epoch == 0 and not close):
            return None
        acks = self._ledger.take()
        if not acks and not close:
            return None
        epoch = CLOSE_EPOCH if close else self._next_epoch()
        self._ack_requests += 1
        holder: dict = {}
        req = self._request("ShareAcknowledge", lambda res: self._on_acknowledge(res, acks, holder),
                            group_id=self._group_id, member_id=self._membership.member_id,
                            share_session_epoch=epoch, acknowledgements=acks, client_id=self._client_id)
        return acks, req, holder

    def _on_acknowledge(self, res: Any, acks: dict, holder: dict) -> None:
        self._ack_requests -= 1
        if res.error_code:
            if res.error_code in _SESSION_ERRORS:
                self._session_epoch = 0
            codes = {tp: res.error_code for tp in acks}
        else:
            parts = res.partitions or {}
            codes = {tp: parts.get(tp, 0) or 0 for tp in acks}
        holder["result"] = self._ack_results(acks, codes)

    def _ack_results(self, acks: dict, codes: dict[tuple[str, int], int]) -> dict[TopicPartition, Any]:
        """Queue the acknowledgement commit callback for each partition's result; return commit_sync's dict."""
        out: dict[TopicPartition, Any] = {}
        for tp, batches in acks.items():
            code = codes.get(tp, 0)
            exc = KafkaException(KafkaError(code)) if code else None
            key = TopicPartition(tp[0], tp[1], 0)
            if code:
                key.error = KafkaError(code)
            out[key] = exc
            offsets = offsets_of(batches)
            if offsets or exc is not None:
                self._callbacks.append((self._run_ack_callback, ({TopicPartition(tp[0], tp[1], 0): offsets}, exc)))
        return out

    def _run_ack_callback(self, offsets: dict, exc: Any) -> None:
        cb = self._ack_cb
        if cb is not None:
            self._in_ack_cb = True
            try:
                cb(offsets, exc)
            finally:
                self._in_ack_cb = False

    def set_acknowledgement_commit_callback(self, callback: Callable | None) -> None:
        """Set (or with None clear) ``callback(offsets, exception)``: ``offsets`` a dict TopicPartition ->
        set of offsets, ``exception`` a ``KafkaException`` or None. It runs inside ``poll``, ``commit_sync``,
        ``commit_async`` or ``close``. Note the order, the reverse of ``on_commit``.

        Kafka: confluent-kafka ``ShareConsumer.set_acknowledgement_commit_callback``.
        """
        self._check_usable()
        if callback is not None and not callable(callback):
            raise TypeError("callback must be callable or None")
        self._check_not_in_callback()
        self._ack_cb = callback

    def commit_sync(self, timeout: float = 60) -> dict[TopicPartition, KafkaException | None]:
        """Send the marked acknowledgements (implicit mode: first accept the last batch) and wait for them.

        Returns a dict TopicPartition -> None (accepted) or ``KafkaException`` (e.g. ``INVALID_RECORD_STATE``
        after the lock expired); ``{}`` when nothing was marked. The keys' ``offset`` is 0 (meaningless), as
        confluent-kafka's. A timeout gives ``REQUEST_TIMED_OUT`` for each partition (librdkafka translates its
        local ``_TIMED_OUT`` so, ``rd_kafka_share_translate_app_err``).

        Kafka: confluent-kafka ``ShareConsumer.commit_sync``; ShareAcknowledge (79).
        """
        self._check_usable()
        _real_number(timeout)
        wait_ms = timeout_ms(timeout, "commit_sync")
        self._check_not_in_callback()
        self._serve_callbacks()
        self._implicit_accept()
        if not self._ledger.pending():
            self._serve_callbacks()
            return {}
        sent = self._send_acknowledge()
        if sent is None:
            self._serve_callbacks()
            return {}
        acks, req, holder = sent
        self._wait_until(lambda: req.done or not self._alive, wait_ms)
        if req.done:
            self._clock.run_until(self._clock.now_ms)
            result = holder["result"]
        else:
            result = {}
            for t, p in acks:
                key = TopicPartition(t, p, 0)
                key.error = KafkaError(ERR.REQUEST_TIMED_OUT)
                result[key] = KafkaException(key.error)
        self._serve_callbacks()
        return result

    def commit_async(self, *args: Any) -> None:
        """Send the marked acknowledgements (implicit mode: first accept the last batch); do not wait.

        Results go to the acknowledgement commit callback, inside a later poll, commit or close.
        Kafka: confluent-kafka ``ShareConsumer.commit_async`` (no arguments).
        """
        if args:
            raise TypeError(f"ShareConsumer.commit_async() takes no arguments ({len(args)} given)")
        self._check_usable()
        self._check_not_in_callback()
        self._serve_callbacks()
        self._implicit_accept()
        self._send_acknowledge()

    def set_sasl_credentials(self, username: str, password: str) -> None:
        """Accepted and ignored: kafkalab has no SASL."""
        self._check_usable()
        for i, value in enumerate((username, password), 1):
            if not isinstance(value, str):
                raise TypeError(f"argument {i} must be str, not {type(value).__name__}")

    # -- close / crash -------------------------------------------------------------------------------------
    def close(self) -> None:
        """Send the marked acknowledgements, close the share session (epoch -1) and leave the group.

        Records held but not acknowledged are released by the broker at once and come back with their
        delivery count raised; in implicit mode that includes the last batch (``close`` does not accept it,
        as Java's ``ShareConsumerImpl.close`` and librdkafka). The acknowledgement callback runs here.
        A second ``close()`` does nothing; any other call afterwards raises ``IllegalStateException``
        ("Share consumer closed"). Kafka: confluent-kafka ``ShareConsumer.close`` (no timeout argument;
        bounded by ``socket.timeout.ms``).
        """
        if self._closed:
            return None
        self._check_usable()
        self._check_not_in_callback()
        self._cancel_fetch()
        if self._cluster is not None:
            sent = self._send_acknowledge(close=True) if self._session_epoch != 0 else None
            if sent is not None:
                req = sent[1]
                self._wait_until(lambda: req.done or not self._alive, self._socket_timeout_ms)
            self._membership.leave()
            self._clock.run_until(self._clock.now_ms + 2 * self._latency_ms)     # the leave round trip
        self._membership.stop_timers()
        self._serve_callbacks()
        self._trace("consumer_closed", "close()")
        self._closed = True
        self._ledger.clear()
        self._buffer = []
        self._batch = []

    def _on_crash(self) -> None:
        """The process died: no more requests; the broker sees the connection close (``apis.connection_closed``).

        The held long poll goes with the connection. Requests already on the wire still arrive first: the
        broker notices the close one latency later.
        """
        self._membership.stop_timers()
        self._cancel_fetch()
        self._ledger.clear()
        self._buffer = []
        self._batch = []
        if self._cluster is not None:
            self._clock.call_later(self._latency_ms, _apis.connection_closed, self._cluster, self._name,
                                   [self._membership.member_id])

    def __repr__(self) -> str:
        state = "closed" if self._closed else "crashed" if self._crashed else "open"
        return f"<ShareConsumer {self._name} group={self._group_id!r} {state}>"


def _nothing() -> None:
    """A timer that only wakes a waiting poll (the end of a fetch backoff)."""
