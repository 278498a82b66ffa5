"""The consumer's offset methods: commit, committed, store_offsets, position, seek, watermarks.

Owns ``OffsetsApi``, a mixin of ``Consumer`` holding the methods that read or move offsets.
Every "committed offset" here is the NEXT offset to consume (last processed + 1).
Standard library only.
"""

from __future__ import annotations

from typing import Any

from ..errors import ERR, KafkaError, KafkaException
from .base import timeout_ms
from .message import OFFSET_INVALID, Message, TopicPartition


class OffsetsApi:
    """Offset-related methods of ``Consumer`` (see there for the attributes they use)."""

    _fetcher: Any
    _commits: Any

    def commit(self, message: Message | None = None, offsets: list[TopicPartition] | None = None,
               asynchronous: bool = True) -> list[TopicPartition] | None:
        """Commit offsets for the group: ``message.offset() + 1``, the given ``offsets``, or the offset store.

        Asynchronous by default: returns None at once and reports to ``on_commit(err, partitions)``
        from a later ``poll``. With ``asynchronous=False`` it waits and returns the partitions,
        raising ``KafkaException`` if the broker rejected the commit (for example
        ``ILLEGAL_GENERATION`` or ``UNKNOWN_MEMBER_ID`` for a zombie) or ``_NO_OFFSET`` when nothing
        is stored. Entries of ``offsets`` with a logical offset (-1001, -1, -2) are not committed but
        are returned (and passed to ``on_commit``) as given; with no valid entry at all the commit
        fails with ``_NO_OFFSET`` "Commit failed: Local: No offset stored", as in librdkafka.

        Kafka: confluent-kafka ``Consumer.commit``; ``OffsetCommit``.
        """
        self._check_usable()
        if message is not None and offsets is not None:
            raise ValueError("message and offsets are mutually exclusive")
        if not isinstance(asynchronous, bool):
            raise TypeError(f"commit: asynchronous must be bool, got {asynchronous!r}")
        if message is not None:
            if not isinstance(message, Message):
                raise TypeError(f"commit: message must be a Message, got {type(message).__name__}")
            if message.error() is not None or message.offset() is None or message.offset() < 0:
                raise KafkaException(KafkaError(ERR._INVALID_ARG,
                                                "commit: message is an event or error, not a record"))
            wanted = {(message.topic(), message.partition()): (message.offset() + 1, "")}
        elif offsets is not None:
            if not isinstance(offsets, (list, tuple)):
                raise TypeError(f"commit: offsets must be a list of TopicPartition, got {type(offsets).__name__}")
            wanted = {}
            for tp in offsets:
                if not isinstance(tp, TopicPartition):
                    raise TypeError(f"expected cimpl.TopicPartition, got {type(tp).__name__}")
                wanted[(tp.topic, tp.partition)] = (tp.offset, tp.metadata or "")   # logical ones: skipped in send
        else:
            wanted = self._commits.stored_offsets()
            if not wanted:      # librdkafka reports every assigned partition with offset -1001
                wanted = {tp: (OFFSET_INVALID, "") for tp in self._fetcher.assigned}
        return self._commits.send(wanted, asynchronous=asynchronous, reason="commit()")

    def committed(self, partitions: list[TopicPartition], timeout: float | None = None) -> list[TopicPartition]:
        """The group's committed offsets (-1001 where there is none), fetched from the coordinator.

        Under ``isolation.level=read_committed`` (the default) the OffsetFetch asks for stable offsets:
        while an open transaction holds offsets of the group for one of ``partitions`` (KIP-447) the
        coordinator answers ``UNSTABLE_OFFSET_COMMIT`` and the request is retried every
        ``retry.backoff.ms`` of virtual time until the transaction ends or ``timeout`` (seconds; None
        or -1: no limit, and an open transaction ends within ``transaction.timeout.ms``) runs out.

        Kafka: confluent-kafka ``Consumer.committed``; ``OffsetFetch``; librdkafka ``rd_kafka_committed``
        and ``rd_kafka_handle_OffsetFetch`` (retries while a partition is unstable).
        Simplification: a fixed ``retry.backoff.ms`` between tries (librdkafka backs off exponentially).

        Raises:
            KafkaException: ``_TIMED_OUT``, "Failed to get committed offsets: Local: Timed out", when
                the offsets are still unstable at the timeout.
        """
        self._check_usable()
        tps = _tps(partitions, "committed")
        limit = timeout_ms(timeout, "committed")
        self._require_cluster("Failed to fetch committed offsets")
        keys = [(tp.topic, tp.partition) for tp in tps]
        deadline = None if limit is None else self._clock.now_ms + limit
        while True:
            res = self._roundtrip("OffsetFetch", group_id=self._group_id, partitions=keys,
                                  require_stable=self._fetcher.read_committed)
            found = res.offsets
            if not res.unstable:
                break
            retry_at = self._clock.now_ms + self._fetcher.retry_backoff_ms
            if deadline is not None and retry_at >= deadline:
                self._clock.run_until(max(deadline, self._clock.now_ms))
                raise KafkaException(KafkaError(ERR._TIMED_OUT, "Failed to get committed offsets: "
                                                f"{KafkaError(ERR._TIMED_OUT).str()}"))
            self._clock.run_until(retry_at)
        out = []
        for tp in tps:
            oam = found[(tp.topic, tp.partition)]
            out.append(TopicPartition(tp.topic, tp.partition, oam.offset if oam else OFFSET_INVALID,
                                      (oam.metadata or None) if oam else None))
        return out

    def store_offsets(self, message: Message | None = None, offsets: list[TopicPartition] | None = None) -> None:
        """Store ``message.offset() + 1`` (or ``offsets``) in the offset store for the next commit.

        Requires ``enable.auto.offset.store=false``. A logical offset (< 0; a message whose ``offset()`` is None
        stores -1001 + 1) replaces the stored offset, so nothing is committed for that partition until a real
        offset is stored again, and is accepted for an unassigned partition (librdkafka ``rd_kafka_offset_store0``
        skips the assignment check for logical offsets). Each entry is stored on its own; the call fails with
        the last entry's error only when no entry could be stored (``rd_kafka_offsets_store``).

        Kafka: confluent-kafka ``Consumer.store_offsets`` (``Consumer_store_offsets`` in Consumer.c).
        """
        self._check_usable()
        if message is not None and offsets is not None:
            raise ValueError("message and offsets are mutually exclusive")
        if message is not None:
            if not isinstance(message, Message):
                raise TypeError("expected confluent_kafka.cimpl.Message")
            if message.error() is not None:
                raise KafkaException(KafkaError(ERR._INVALID_ARG, f"Cannot store offsets for message with error: "
                                                                  f"'{message.error().str()}'"))
            off, part = message.offset(), message.partition()
            items = [(message.topic(), -1 if part is None else part, (OFFSET_INVALID if off is None else off) + 1)]
        elif offsets is not None:
            items = [(tp.topic, tp.partition, tp.offset) for tp in _tps(offsets, "store_offsets")]
        else:
            raise ValueError("expected either message or offsets")
        if self._auto_store:    # librdkafka: allowed only with enable.auto.offset.store=false
            raise KafkaException(KafkaError(ERR._INVALID_ARG, "StoreOffsets failed: Local: Invalid argument or "
                                            "configuration"))
        stored, last_err = 0, 0
        for topic, partition, offset in items:
            st = self._fetcher.assigned.get((topic, partition))
            if st is None:      # librdkafka: _STATE if unassigned, _UNKNOWN_PARTITION for an unknown topic
                if not self._knows_topic(topic):
                    last_err = ERR._UNKNOWN_PARTITION
                elif offset >= 0:
                    last_err = ERR._STATE
                else:
                    stored += 1  # a logical offset of a partition this consumer does not hold: nothing to keep
                continue
            st.stored = offset
            stored += 1
            if self._commits.asleep:
                self._commits.wake()
        if items and not stored:
            raise KafkaException(KafkaError(last_err, f"StoreOffsets failed: {KafkaError(last_err).str()}"))

    def position(self, partitions: list[TopicPartition]) -> list[TopicPartition]:
        """The next offset the application will receive per partition (-1001 before any fetch).

        Kafka: confluent-kafka ``Consumer.position``.
        """
        self._check_usable()
        out = []
        for tp in _tps(partitions, "position"):
            st = self._fetcher.assigned.get((tp.topic, tp.partition))
            out.append(TopicPartition(tp.topic, tp.partition, st.position if st is not None else OFFSET_INVALID))
        return out

    def seek(self, partition: TopicPartition) -> None:
        """Fetch ``partition.offset`` next; only for assigned partitions (else pass it to ``assign``).

        Kafka: confluent-kafka ``Consumer.seek``.
        """
        self._check_usable()
        if not isinstance(partition, TopicPartition):
            raise TypeError(f"seek: expected cimpl.TopicPartition, got {type(partition).__name__}")
        st = self._fetcher.assigned.get((partition.topic, partition.partition))
        if st is None:      # librdkafka: _STATE for an unassigned partition, _UNKNOWN_PARTITION for an unknown topic
            code = ERR._STATE if self._knows_topic(partition.topic) else ERR._UNKNOWN_PARTITION
            raise KafkaException(KafkaError(code, f"Failed to seek to offset {partition.offset}: "
                                            f"{KafkaError(code).str()}"))
        if st in self._fetcher.ready:
            self._fetcher.ready.remove(st)
        st.seek(partition.offset)
        self._trace("seek", "seek()", topic=partition.topic, partition=partition.partition, offset=partition.offset)
        self._fetcher.restart()

    def _knows_topic(self, topic: str) -> bool:
        """Whether the topic exists (librdkafka: the client holds a topic handle for it)."""
        return self._cluster is not None and self._roundtrip("Metadata", topics=[topic]).topics[topic].error is None

    def pause(self, partitions: list[TopicPartition]) -> None:
        """Stop fetching ``partitions`` (prefetched records are dropped and fetched again later)."""
        self._check_usable()
        for tp in _tps(partitions, "pause"):
            st = self._fetcher.assigned.get((tp.topic, tp.partition))
            if st is not None and not st.paused:
                st.paused = True
                if st.buffer:
                    if st in self._fetcher.ready:
                        self._fetcher.ready.remove(st)
                    st.seek(st.position if st.position >= 0 else st.start_offset)
                    st.paused = True

    def resume(self, partitions: list[TopicPartition]) -> None:
        """Start fetching paused ``partitions`` again."""
        self._check_usable()
        for tp in _tps(partitions, "resume"):
            st = self._fetcher.assigned.get((tp.topic, tp.partition))
            if st is not None:
                st.paused = False
        self._fetcher.restart()

    def get_watermark_offsets(self, partition: TopicPartition, timeout: float | None = None,
                              cached: bool = False) -> tuple[int, int]:
        """``(low, high)``: the log start offset and the HW (the LSO under read_committed).

        Kafka: confluent-kafka ``Consumer.get_watermark_offsets``; ``ListOffsets`` with the
        consumer's isolation level.
        """
        self._check_usable()
        if not isinstance(partition, TopicPartition):
            raise TypeError(f"get_watermark_offsets: expected cimpl.TopicPartition, got {partition!r}")
        timeout_ms(timeout, "get_watermark_offsets")
        if cached:
            st = self._fetcher.assigned.get((partition.topic, partition.partition))
            if st is None or st.high_watermark < 0:
                return (OFFSET_INVALID, OFFSET_INVALID)
            return (st.log_start_offset, st.last_stable_offset if self._fetcher.read_committed else st.high_watermark)
        self._require_cluster("Failed to get watermark offsets")
        tp = (partition.topic, partition.partition)
        low, high = self._list_offsets([(*tp, "earliest"), (*tp, "latest")], self._fetcher.read_committed)
        return (low[0], high[0])

    def _list_offsets(self, partitions: list[tuple[str, int, Any]], read_committed: bool) -> list[tuple[int, int]]:
        """ListOffsets: ``(offset, timestamp)`` per ``(topic, partition, spec)``; the first error is raised."""
        results = self._roundtrip("ListOffsets", partitions=partitions, read_committed=read_committed)
        for res in results:
            if res.error is not None:
                raise KafkaException(res.error)
        return [res.value for res in results]

    def offsets_for_times(self, partitions: list[TopicPartition], timeout: float | None = None) -> list[TopicPartition]:
        """For each partition, the earliest offset whose timestamp >= ``offset`` (a time in ms); -1 if none.

        Kafka: confluent-kafka ``Consumer.offsets_for_times``; ``ListOffsets`` by timestamp.
        """
        self._check_usable()
        timeout_ms(timeout, "offsets_for_times")
        self._require_cluster("Failed to get offsets for times")
        tps = _tps(partitions, "offsets_for_times")
        found = self._list_offsets([(tp.topic, tp.partition, tp.offset) for tp in tps], False)
        return [TopicPartition(tp.topic, tp.partition, offset) for tp, (offset, _ts) in zip(tps, found)]


def _tps(partitions: Any, what: str) -> list[TopicPartition]:
    if not isinstance(partitions, (list, tuple)):
        raise TypeError(f"{what}: expected a list of TopicPartition, got {type(partitions).__name__}")
    for tp in partitions:
        if not isinstance(tp, TopicPartition):
            raise TypeError(f"{what}: expected cimpl.TopicPartition, got {type(tp).__name__} {tp!r}")
    return list(partitions)
