"""The producer, with confluent-kafka's API: produce, poll, flush, delivery callbacks.

Owns ``Producer``: the record accumulator (``linger.ms``, ``batch.num.messages``,
``batch.size``), ``acks`` and delivery reports served only inside ``poll()``/``flush()``.
Produce requests, retries and idempotent sequences live in ``sender.py``; the transactional
API in ``transactional.py``. Standard library only.
"""

from __future__ import annotations

from typing import Any

from .. import config as _config
from ..errors import ERR, KafkaError, KafkaException
from .base import ClientBase, timeout_ms
from .message import OFFSET_INVALID, TIMESTAMP_CREATE_TIME, Message
from .partitioner import make_partitioner
from .sender import Sender
from .transactional import TransactionalMixin


def _to_bytes(value: Any, what: str) -> bytes | None:
    if value is None or type(value) is bytes:
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytes, memoryview)):
        return bytes(value)
    raise TypeError(f"a bytes-like object is required, not '{type(value).__name__}' ({what})")


def _headers(headers: Any) -> list[tuple[str, bytes | None]] | None:
    if headers is None:
        return None
    items = headers.items() if isinstance(headers, dict) else headers
    if not isinstance(headers, (dict, list, tuple)):
        raise TypeError(f"expected headers to be dict or list of (key, value) tuples, not {type(headers).__name__}")
    out = []
    for item in items:
        if not isinstance(item, tuple) or len(item) != 2 or not isinstance(item[0], str):
            raise TypeError(f"expected headers to be dict or list of (key, value) tuples, got item {item!r}")
        out.append((item[0], _to_bytes(item[1], f"header {item[0]!r}")))
    return out


class _Pending:
    """Records waiting in the accumulator for one partition."""

    __slots__ = ("records", "callbacks", "timer", "first_ms")

    def __init__(self) -> None:
        self.records: list[tuple] = []
        self.callbacks: dict[int, tuple] = {}   # index in records -> (on_delivery, enqueue time)
        self.timer = None
        self.first_ms = 0


class Producer(TransactionalMixin, Sender, ClientBase):
    """A Kafka producer in virtual time, with confluent-kafka's ``Producer`` API.

    ``produce()`` only enqueues. A batch is sent when ``linger.ms`` (librdkafka alias of
    ``queue.buffering.max.ms``, default 5) expires or it is full; the broker appends it one
    request latency later. Delivery callbacks ``on_delivery(err, msg)`` run only inside
    ``poll()`` or ``flush()``, with ``msg.offset()`` the assigned offset.

    Lost or failed requests are retried (``message.send.max.retries``, ``retry.backoff.ms``)
    until ``message.timeout.ms``; without ``enable.idempotence`` a retry after a lost ack writes
    a duplicate. With it, the producer id and epoch come from the cluster at construction and
    each batch carries per-partition sequence numbers. ``transactional.id`` enables the
    transactional API (``init_transactions`` ...).

    Kafka: confluent-kafka ``Producer``; librdkafka defaults (``acks=all``,
    ``partitioner=consistent_random``, ``enable.idempotence=false``).
    Simplification: one broker with one replica, so ``acks=1`` and ``acks=all`` wait equally long;
    an idempotent producer gets its id without an InitProducerId round trip.
    """

    _kind = "producer"
    _closed_text = "Producer has been closed"

    def __init__(self, config: dict | None = None, /, **kwargs: Any) -> None:
        super().__init__("producer", config, kwargs)
        _config.check_producer(self._conf)
        conf = self._conf
        rng = self._cluster.rng if self._cluster is not None else None
        if rng is None:
            import random
            rng = random.Random(0)
        self._partitioner = make_partitioner(conf["partitioner"], rng=rng, now_ms=self._now,
                                             sticky_linger_ms=conf["sticky.partitioning.linger.ms"])
        self._linger_ms = conf["queue.buffering.max.ms"]
        self._batch_max = conf["batch.num.messages"]
        self._batch_bytes = conf["batch.size"]
        self._max_queued = conf["queue.buffering.max.messages"]
        self._acks = conf["request.required.acks"]
        self._default_cb = conf.get("on_delivery")
        self._topic_info: dict[str, tuple[int, list[_Pending]]] = {}
        self._queued = 0          # messages produced and not yet reported (queued + in flight)
        self._reports = 0         # delivery reports waiting to be served
        self.producer_id = -1
        self.producer_epoch = -1
        self._sequences: dict[tuple[str, int], int] = {}
        self._init_sender()
        self._init_transactional()

    def _now(self) -> int:
        return self._clock.now_ms

    # -- produce --------------------------------------------------------------------------------
    def produce(self, topic: str, value: Any = None, key: Any = None, partition: int = -1,
                on_delivery: Any = None, timestamp: int = 0, headers: Any = None, *,
                callback: Any = None) -> None:
        """Enqueue one record; it is sent in the background and reported in ``poll``/``flush``.

        Args:
            topic: topic name (auto-created with ``num.partitions`` if the broker allows it).
            value: bytes, str (encoded as UTF-8) or None.
            key: bytes, str or None; chooses the partition through ``partitioner``.
            partition: an explicit partition, or -1 to let the partitioner choose.
            on_delivery: ``cb(err, msg)``; ``callback`` is an alias.
            timestamp: CreateTime in ms; 0 means now (virtual time).
            headers: dict or list of (str, bytes|str|None) pairs.

        Raises:
            BufferError: ``queue.buffering.max.messages`` messages are already queued: call
                ``poll()`` and retry.
            KafkaException: ``_UNKNOWN_PARTITION`` for a partition the topic does not have,
                ``_UNKNOWN_TOPIC`` when the topic does not exist and cannot be auto-created,
                ``_STATE`` for a transactional producer outside a transaction.
            TypeError: wrong argument types (as confluent-kafka).

        Kafka: confluent-kafka ``Producer.produce``.
        """
        if self._crashed or self._closed or self._txn_blocked:
            self._check_produce_allowed()
        info = self._topic_info.get(topic)
        if info is None:
            if type(topic) is not str:
                raise TypeError(f"argument 1 must be str, not {type(topic).__name__}")
            info = self._lookup_topic(topic)
        if value.__class__ is not bytes and value is not None:
            value = _to_bytes(value, "value")
        if key.__class__ is not bytes and key is not None:
            key = _to_bytes(key, "key")
        count = info[0]
        if partition == -1 and partition.__class__ is int:
            partition = self._partitioner(topic, key, count)
        elif partition.__class__ is not int:
            raise TypeError(f"'{type(partition).__name__}' object cannot be interpreted as an integer (partition)")
        elif not 0 <= partition < count:
            raise KafkaException(KafkaError(
                ERR._UNKNOWN_PARTITION, f"Local: Unknown partition: topic {topic!r} has partitions "
                                        f"0..{count - 1}, got partition={partition}"))
        now = self._clock.now_ms
        if timestamp == 0 and timestamp.__class__ is int:
            timestamp = now
        elif timestamp.__class__ is not int:
            raise TypeError(f"'{type(timestamp).__name__}' object cannot be interpreted as an integer (timestamp)")
        elif timestamp < 0:
            raise ValueError(f"produce: timestamp must be >= 0 ms (0 = now), got {timestamp}")
        if headers is not None:
            headers = _headers(headers)
        cb = on_delivery or callback or self._default_cb
        if cb is not None and not callable(cb):
            raise TypeError(f"on_delivery must be callable, got {type(cb).__name__}")
        if self._queued >= self._max_queued:
            raise BufferError("Local: Queue full")
        pend = info[1][partition]
        recs = pend.records
        recs.append((key, value, timestamp, headers))
        if cb is not None:
            pend.callbacks[len(recs) - 1] = (cb, now)
        self._queued += 1
        if pend.timer is None:
            pend.first_ms = now
            pend.timer = self._clock.call_at(now + self._linger_ms, self._send_partition, (topic, partition))
        elif len(recs) == self._batch_max:
            pend.timer.cancel()
            pend.timer = self._clock.call_at(now, self._send_partition, (topic, partition))

    def produce_batch(self, topic: str, messages: list, partition: int = -1, on_delivery: Any = None,
                      callback: Any = None) -> int:
        """Enqueue the dicts of ``messages`` to ``topic``; return how many were enqueued.

        Each dict may hold ``value`` and ``key`` (bytes or str) and ``callback`` (its own delivery callback,
        else ``callback``, else ``on_delivery``, else the producer's ``on_delivery``). Every message goes to
        ``partition`` (-1: the partitioner chooses per message); a ``partition`` entry in a dict is checked to
        be an int but not used, ``headers`` are checked but not sent, and a ``timestamp`` raises
        ``NotImplementedError`` (confluent-kafka 2.16.1 calls ``rd_kafka_produce_batch`` without
        ``RD_KAFKA_MSG_F_PARTITION`` and without headers; checked on librdkafka's mock cluster).

        All dicts are checked before any is enqueued (TypeError/ValueError name the index). A message that
        cannot be enqueued (``_UNKNOWN_PARTITION``, ``_UNKNOWN_TOPIC``, ``_QUEUE_FULL`` - no BufferError here)
        gets an ``_error`` entry, ``KafkaError(code, "Message failed: <text>")``, is not counted and gets no
        delivery report.

        Kafka: confluent-kafka ``Producer.produce_batch`` (``src/confluent_kafka/src/Producer.c``).
        """
        if type(topic) is not str:
            raise TypeError(f"argument 1 must be str, not {type(topic).__name__}")
        if type(partition) is not int:
            raise TypeError(f"'{type(partition).__name__}' object cannot be interpreted as an integer")
        if not isinstance(messages, list):
            raise TypeError("messages must be a list")
        if not messages:
            return 0
        self._check_usable()
        default_cb = callback if callback is not None else on_delivery
        callbacks = []
        for i, m in enumerate(messages):
            if not isinstance(m, dict):
                raise TypeError(f"Message at index {i} must be a dict")
            for field in ("value", "key"):
                if m.get(field) is not None and not isinstance(m[field], (bytes, str)):
                    raise TypeError(f"Message {field} at index {i} must be bytes or str")
            if m.get("partition") is not None and not isinstance(m["partition"], int):
                raise TypeError(f"Message partition at index {i} must be int")
            if m.get("timestamp") is not None:
                raise NotImplementedError("Message timestamps are not currently supported in batch mode")
            if m.get("headers") is not None:
                try:
                    _headers(m["headers"])
                except (TypeError, ValueError):
                    raise ValueError(f"Invalid headers at index {i}") from None
            callbacks.append(m.get("callback") or default_cb)
        queued = 0
        for m, cb in zip(messages, callbacks):
            try:
                self.produce(topic, m.get("value"), m.get("key"), partition, cb)
            except KafkaException as exc:
                code = exc.args[0].code()
                m["_error"] = KafkaError(code, f"Message failed: {KafkaError(code).str()}")
                continue
            except BufferError:
                m["_error"] = KafkaError(ERR._QUEUE_FULL, f"Message failed: {KafkaError(ERR._QUEUE_FULL).str()}")
                continue
            queued += 1
        return queued

    def _lookup_topic(self, topic: str) -> int:
        if self._cluster is None:
            return self._set_topic_info(topic, 1)
        info = self._roundtrip("Metadata", topics=[topic], allow_auto_topic_creation=True).topics[topic]
        if info.error is not None:
            if info.error.code() != ERR.UNKNOWN_TOPIC_OR_PART:
                raise KafkaException(info.error)
            raise KafkaException(KafkaError(
                ERR._UNKNOWN_TOPIC, f"Local: Unknown topic: {topic!r} does not exist and the cluster has "
                                    f"auto.create.topics.enable=false"))
        return self._set_topic_info(topic, info.partitions)

    def _set_topic_info(self, topic: str, count: int) -> tuple[int, list[_Pending]]:
        old = self._topic_info.get(topic)
        pendings = old[1] if old else []
        pendings.extend(_Pending() for _ in range(count - len(pendings)))
        info = (count, pendings)
        self._topic_info[topic] = info
        return info

    # -- send and deliver ----------------------------------------------------------------------
    def _pendings(self):
        for topic, (_, pendings) in self._topic_info.items():
            for partition, pend in enumerate(pendings):
                yield (topic, partition), pend

    def _take_batch(self, pend: _Pending) -> tuple[list, dict, int]:
        """Split off up to ``batch.num.messages`` records with their callbacks and enqueue time."""
        n = min(len(pend.records), self._batch_max)
        records = pend.records[:n]
        pend.records = pend.records[n:]
        cbs: dict[int, tuple] = {}
        if pend.callbacks:
            rest = {}
            for i, entry in pend.callbacks.items():
                if i < n:
                    cbs[i] = entry
                else:
                    rest[i - n] = entry
            pend.callbacks = rest
        first = pend.first_ms
        pend.first_ms = self._clock.now_ms
        return records, cbs, first

    def _send_partition(self, tp: tuple[str, int]) -> None:
        info = self._topic_info.get(tp[0])
        if info is None or not self._alive:
            return
        pend = info[1][tp[1]]
        pend.timer = None
        while pend.records:
            records, cbs, first_ms = self._take_batch(pend)
            if self._cluster is None:
                self._clock.call_at(first_ms + self._conf["message.timeout.ms"], self._report, tp, records, cbs,
                                    OFFSET_INVALID, KafkaError(ERR._MSG_TIMED_OUT))
            elif self._acks == 0:
                self._produce_request(self._new_batch(tp, records, None, first_ms), None)
                self._report(tp, records, cbs, OFFSET_INVALID, None)
            else:
                batch = self._new_batch(tp, records, cbs, first_ms)
                if self._txn_id is None or self._txn_may_send(batch):
                    self._send_batch(batch)

    def _report(self, tp, records, cbs, base_offset, err) -> None:
        self._queued -= len(records)
        if not cbs:
            return
        now = self._clock.now_ms
        topic, partition = tp
        append = self._callbacks.append
        for i, (cb, enq_ms) in cbs.items():
            rec = records[i]
            offset = base_offset + i if base_offset >= 0 else base_offset
            msg = Message(topic, partition if err is None else None, offset, rec[0], rec[1], None, err,
                          (TIMESTAMP_CREATE_TIME, rec[2]), (now - enq_ms) / 1000.0)
            self._reports += 1
            append((self._run_report, (cb, err, msg)))

    def _run_report(self, cb, err, msg) -> None:
        self._reports -= 1
        cb(err, msg)

    # -- poll / flush ----------------------------------------------------------------------------
    def poll(self, timeout: float | None = -1) -> int:
        """Serve delivery reports and other callbacks; wait up to ``timeout`` seconds (virtual) for one.

        Returns the number of events served. -1/None waits while messages are in flight.

        Kafka: confluent-kafka ``Producer.poll``.
        """
        self._check_usable()
        wait = timeout_ms(timeout, "poll")
        served = self._serve_callbacks()
        if served:
            return served
        if wait is None and self._queued == 0:
            return 0
        self._wait_until(lambda: bool(self._callbacks) or not self._alive, wait)
        return self._serve_callbacks()

    def flush(self, timeout: float | None = -1) -> int:
        """Wait until every queued message is delivered or failed, serving callbacks; return what is left.

        Kafka: confluent-kafka ``Producer.flush`` (returns the number of messages still queued).
        """
        self._check_usable()
        wait = timeout_ms(timeout, "flush")
        deadline = None if wait is None else self._clock.now_ms + wait
        self._txn_batching_adds = True
        for tp, pend in list(self._pendings()):
            if pend.records and pend.timer is not None:
                pend.timer.cancel()
                self._send_partition(tp)  # linger is cut short: send now
        self._txn_batching_adds = False
        if self._txn_to_add:
            self._txn_send_adds()
        while self._alive:
            self._serve_callbacks()
            if self._queued == 0:
                break
            remaining = None if deadline is None else max(0, deadline - self._clock.now_ms)
            if remaining == 0 or not self._wait_until(
                    lambda: self._queued == 0 or bool(self._callbacks) or not self._alive, remaining):
                break
        self._serve_callbacks()
        return len(self)

    def __len__(self) -> int:
        """Messages queued or in flight plus delivery reports not yet served."""
        return self._queued + self._reports

    def purge(self, in_queue: bool = True, in_flight: bool = True, blocking: bool = True) -> None:
        """Fail queued messages with ``_PURGE_QUEUE`` (in-flight ones cannot be recalled here).

        Kafka: confluent-kafka ``Producer.purge``. Simplification: ``in_flight`` is ignored.
        """
        self._check_usable()
        if not in_queue:
            return
        for tp, pend in self._pendings():
            if pend.timer is not None:
                pend.timer.cancel()
                pend.timer = None
            while pend.records:
                records, cbs, _ = self._take_batch(pend)
                self._report(tp, records, cbs, OFFSET_INVALID, KafkaError(ERR._PURGE_QUEUE))

    def _on_crash(self) -> None:
        for _, pend in self._pendings():
            if pend.timer is not None:
                pend.timer.cancel()
        self._cancel_batches()
        self._topic_info.clear()
        self._queued = 0
        self._reports = 0

    def close(self) -> bool:
        """Abort an open transaction, flush outstanding messages, and close; True if closed now.

        Afterwards every method raises ``RuntimeError: Producer has been closed``; a second ``close()``
        returns True again. Kafka: confluent-kafka 2.x ``Producer.close``.
        """
        if self._closed:
            return True
        if self._crashed:
            return False
        abort = getattr(self, "_abort_open_transaction", None)
        if abort is not None:
            abort()
        self.flush()
        self._closed = True
        return True

    def __repr__(self) -> str:
        return f"<Producer {self._client_id} queued={len(self)}>"
