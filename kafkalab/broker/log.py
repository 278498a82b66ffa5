"""A partition's log: record batches in segments, offsets, and the log's markers.

Owns ``RecordBatch``, ``LogSegment`` and ``PartitionLog``: append (data and control batches),
read, segment rolling on append, and the offsets ``log_start_offset <= last_stable_offset <=
high_watermark <= log_end_offset``. Retention and compaction live in ``retention.py``.
Standard library only; every state change is traced with its reason.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from typing import Any

from . import producer_state as _producer_state

BATCH_OVERHEAD_BYTES = 61
RECORD_OVERHEAD_BYTES = 8

COMMIT = "COMMIT"
ABORT = "ABORT"

CREATE_TIME = "CreateTime"
LOG_APPEND_TIME = "LogAppendTime"

Record = tuple  # (key, value, timestamp_ms, headers)


def record_size(key: bytes | None, value: bytes | None, headers: Any = None) -> int:
    """Approximate encoded size of one record in bytes.

    Simplification: Kafka encodes records with varints; kafkalab counts a fixed 8-byte overhead
    plus key, value and header bytes, and 61 bytes per batch (the v2 batch header).
    """
    size = RECORD_OVERHEAD_BYTES + (len(key) if key else 0) + (len(value) if value else 0)
    if headers:
        for name, hval in headers:
            size += len(name) + (len(hval) if hval else 0)
    return size


class RecordBatch:
    """A batch of records sharing producer id, epoch, base sequence and flags.

    ``records[i]`` has offset ``base_offset + i``; a record removed by compaction is None (its
    offset is never reused) and ``compacted`` is then True. A control batch (transaction marker)
    holds exactly one record and takes exactly one offset.

    Kafka: RecordBatch v2 (``docs/implementation.html`` §5.3.1).
    """

    __slots__ = ("base_offset", "last_offset", "records", "producer_id", "producer_epoch",
                 "base_sequence", "is_transactional", "control", "max_timestamp", "timestamp_type",
                 "size_bytes", "append_time_ms", "compacted", "delete_horizon_ms")

    def __init__(self, base_offset: int, records: list, *, producer_id: int = -1, producer_epoch: int = -1,
                 base_sequence: int = -1, is_transactional: bool = False, control: str | None = None,
                 max_timestamp: int = -1, timestamp_type: str = CREATE_TIME, size_bytes: int = 0,
                 append_time_ms: int = 0) -> None:
        self.base_offset = base_offset
        self.last_offset = base_offset + len(records) - 1
        self.records = records
        self.producer_id = producer_id
        self.producer_epoch = producer_epoch
        self.base_sequence = base_sequence
        self.is_transactional = is_transactional
        self.control = control
        self.max_timestamp = max_timestamp
        self.timestamp_type = timestamp_type
        self.size_bytes = size_bytes
        self.append_time_ms = append_time_ms
        self.compacted = False
        self.delete_horizon_ms = -1

    @property
    def is_control(self) -> bool:
        """True for a transaction marker (COMMIT or ABORT control record)."""
        return self.control is not None

    def __repr__(self) -> str:
        kind = f"control={self.control}" if self.control else f"records={len(self.records)}"
        return f"RecordBatch({self.base_offset}..{self.last_offset}, {kind}, pid={self.producer_id})"


class LogSegment:
    """One segment: contiguous batches from ``base_offset`` to ``end_offset`` (exclusive).

    ``largest_timestamp`` is the largest record timestamp in the segment (time retention uses
    it); ``rolling_base_timestamp`` is the first batch's max timestamp (``segment.ms`` rolling
    uses it). ``rolled_ms`` is None while the segment is the active one.

    Kafka: ``storage/.../LogSegment.java``.
    """

    __slots__ = ("base_offset", "end_offset", "batches", "batch_bases", "size_bytes", "created_ms",
                 "rolling_base_timestamp", "largest_timestamp", "rolled_ms", "record_count")

    def __init__(self, base_offset: int, created_ms: int) -> None:
        self.base_offset = base_offset
        self.end_offset = base_offset
        self.batches: list[RecordBatch] = []
        self.batch_bases: list[int] = []
        self.size_bytes = 0
        self.created_ms = created_ms
        self.rolling_base_timestamp: int | None = None
        self.largest_timestamp = -1
        self.rolled_ms: int | None = None
        self.record_count = 0

    @property
    def is_active(self) -> bool:
        """True while the segment still receives appends."""
        return self.rolled_ms is None

    def __repr__(self) -> str:
        state = "active" if self.rolled_ms is None else f"rolled@{self.rolled_ms}"
        return f"LogSegment({self.base_offset}..{self.end_offset}, {self.size_bytes}B, {state})"


class PartitionLog:
    """The log of one topic partition, with dense offsets assigned on append.

    ``log_end_offset`` is the offset the next record will get; ``high_watermark`` is the end of
    what consumers may read; ``last_stable_offset`` is the first offset of the oldest open
    transaction (or the HW when none is open); ``log_start_offset`` is the first readable offset.

    Kafka: ``UnifiedLog``/``LocalLog``. Simplification: one replica, so the HW moves to the LEO
    right after each append (both are kept as separate fields).
    """

    def __init__(self, topic: str, partition: int, config: dict, clock, trace) -> None:
        self.topic = topic
        self.partition = partition
        self.config = config
        self._clock = clock
        self._trace = trace
        self.segments: list[LogSegment] = [LogSegment(0, clock.now_ms)]
        self._segment_bases: list[int] = [0]
        self.log_start_offset = 0
        self.log_end_offset = 0
        self.high_watermark = 0
        self.open_transactions: dict[int, int] = {}      # producer_id -> first offset
        self.aborted: list[tuple[int, int, int]] = []    # (producer_id, first_offset, last_offset)
        self.producer_states: dict[int, Any] = {}        # producer_id -> idempotence state (transactions issue)
        self.data_listeners: list[Callable[[PartitionLog], None]] = []
        self.size_bytes = 0
        if not topic.startswith("__"):
            trace.record("segment_created", "new log", topic=topic, partition=partition, base_offset=0)

    # -- offsets -----------------------------------------------------------------------------
    @property
    def last_stable_offset(self) -> int:
        """First offset of the oldest open transaction, or the HW when none is open."""
        if not self.open_transactions:
            return self.high_watermark
        return min(self.high_watermark, min(self.open_transactions.values()))

    # -- append ------------------------------------------------------------------------------
    def append(self, records: list, *, producer_id: int = -1, producer_epoch: int = -1,
               base_sequence: int = -1, is_transactional: bool = False, reason: str = "produce",
               client_id: str | None = None) -> RecordBatch:
        """Append one batch of ``(key, value, timestamp_ms, headers)`` records; return the batch.

        Offsets are assigned densely from the LEO. With ``message.timestamp.type=LogAppendTime``
        the broker's append time replaces the producer's timestamps. A batch with a producer id is
        first checked against the producer's state (``producer_state.check_append``): a duplicate
        of one of its last 5 batches is not appended, and the original batch is returned.

        Raises:
            ProducerStateError: ``INVALID_PRODUCER_EPOCH`` or ``OUT_OF_ORDER_SEQUENCE_NUMBER``.

        Kafka: ``UnifiedLog.append``; segment rolling per ``LogSegment.shouldRoll`` (§1.2).
        """
        if producer_id >= 0:
            original = _producer_state.check_append(self, producer_id, producer_epoch, base_sequence, len(records))
            if original is not None:
                self._trace.record("produce_duplicate", "sequence matches one of the producer's last 5 batches: "
                                   "answered with the original offsets, nothing appended", topic=self.topic,
                                   partition=self.partition, producer_id=producer_id, producer_epoch=producer_epoch,
                                   base_sequence=base_sequence, base_offset=original.base_offset,
                                   last_offset=original.last_offset, client_id=client_id)
                return original
        now = self._clock.now_ms
        size = BATCH_OVERHEAD_BYTES
        max_ts = -1
        for key, value, ts, headers in records:
            size += RECORD_OVERHEAD_BYTES + (len(key) if key else 0) + (len(value) if value else 0)
            if headers:
                size += record_size(None, None, headers) - RECORD_OVERHEAD_BYTES
            if ts > max_ts:
                max_ts = ts
        ts_type = self.config.get("message.timestamp.type", CREATE_TIME)
        if ts_type == LOG_APPEND_TIME:
            max_ts = now
        self._maybe_roll(size, max_ts, now)
        batch = RecordBatch(self.log_end_offset, records, producer_id=producer_id,
                            producer_epoch=producer_epoch, base_sequence=base_sequence,
                            is_transactional=is_transactional, max_timestamp=max_ts,
                            timestamp_type=ts_type, size_bytes=size, append_time_ms=now)
        if is_transactional and producer_id not in self.open_transactions:
            self.open_transactions[producer_id] = batch.base_offset
        self._add(batch)
        if producer_id >= 0:
            _producer_state.record_append(self, batch)
        self._trace.record("append", reason, topic=self.topic, partition=self.partition,
                           base_offset=batch.base_offset, last_offset=batch.last_offset,
                           count=len(records), producer_id=producer_id, transactional=is_transactional,
                           size_bytes=size, client_id=client_id)
        self._advance_high_watermark()
        return batch

    def append_control(self, control: str, producer_id: int, producer_epoch: int,
                       reason: str = "transaction marker") -> RecordBatch:
        """Append a COMMIT or ABORT marker for ``producer_id``; it takes exactly one offset.

        An ABORT marker records the aborted range (first transactional offset .. marker) so that
        read_committed readers drop those records.

        Kafka: ``WriteTxnMarkers``; control batches (``docs/implementation.html`` §5.3.1.1).
        """
        now = self._clock.now_ms
        size = BATCH_OVERHEAD_BYTES + RECORD_OVERHEAD_BYTES + 4
        self._maybe_roll(size, now, now)
        batch = RecordBatch(self.log_end_offset, [(None, None, now, None)], producer_id=producer_id,
                            producer_epoch=producer_epoch, is_transactional=True, control=control,
                            max_timestamp=now, size_bytes=size, append_time_ms=now)
        first = self.open_transactions.pop(producer_id, None)
        _producer_state.record_marker(self, producer_id, producer_epoch)
        if control == ABORT and first is not None:
            self.aborted.append((producer_id, first, batch.base_offset))
        self._add(batch)
        self._trace.record("control_record", reason, topic=self.topic, partition=self.partition,
                           offset=batch.base_offset, control=control, producer_id=producer_id,
                           first_offset=first)
        self._advance_high_watermark()
        return batch

    def _add(self, batch: RecordBatch) -> None:
        seg = self.segments[-1]
        if seg.rolling_base_timestamp is None:
            seg.rolling_base_timestamp = batch.max_timestamp
        if batch.max_timestamp > seg.largest_timestamp:
            seg.largest_timestamp = batch.max_timestamp
        seg.batches.append(batch)
        seg.batch_bases.append(batch.base_offset)
        seg.size_bytes += batch.size_bytes
        seg.record_count += len(batch.records)
        seg.end_offset = batch.last_offset + 1
        self.size_bytes += batch.size_bytes
        self.log_end_offset = batch.last_offset + 1

    def _advance_high_watermark(self) -> None:
        self.high_watermark = self.log_end_offset
        for listener in list(self.data_listeners):
            listener(self)

    def _maybe_roll(self, batch_size: int, batch_max_ts: int, now: int) -> None:
        seg = self.segments[-1]
        if not seg.batches:
            return
        segment_bytes = self.config.get("segment.bytes", 1073741824)
        if seg.size_bytes > segment_bytes - batch_size:
            self.roll(reason="size", detail=f"segment.bytes={segment_bytes}")
            return
        segment_ms = self.config.get("segment.ms", 604800000) - self.config.get("segment.jitter.ms", 0)
        base = seg.rolling_base_timestamp
        waited = (batch_max_ts - base) if (base is not None and base >= 0) else (now - seg.created_ms)
        if waited > segment_ms:
            self.roll(reason="time", detail=f"segment.ms={self.config.get('segment.ms')}")

    def roll(self, reason: str, detail: str = "") -> LogSegment:
        """Close the active segment and start a new one at the LEO (no-op if it is empty).

        Kafka: ``UnifiedLog.roll``.
        """
        seg = self.segments[-1]
        if not seg.batches:
            return seg
        now = self._clock.now_ms
        seg.rolled_ms = now
        new = LogSegment(self.log_end_offset, now)
        self.segments.append(new)
        self._segment_bases.append(new.base_offset)
        self._trace.record("segment_rolled", f"{reason}: {detail}" if detail else reason,
                           topic=self.topic, partition=self.partition, base_offset=seg.base_offset,
                           end_offset=seg.end_offset, size_bytes=seg.size_bytes,
                           largest_timestamp=seg.largest_timestamp, cause=reason)
        self._trace.record("segment_created", f"roll ({reason})", topic=self.topic,
                           partition=self.partition, base_offset=new.base_offset)
        return new

    # -- deletion (used by retention and delete_records) ---------------------------------------
    def delete_oldest_segments(self, count: int, reason: str, detail: str = "") -> int:
        """Delete the ``count`` oldest segments and move the log start offset; return records removed.

        Kafka: ``UnifiedLog.deleteSegments``; there is always at least one segment, so deleting
        the active segment first rolls a new empty one.
        """
        if count <= 0:
            return 0
        if count >= len(self.segments):
            self.roll(reason=reason, detail="active segment fully expired")
            count = min(count, len(self.segments) - 1)
        removed = 0
        for seg in self.segments[:count]:
            removed += max(0, seg.end_offset - max(seg.base_offset, self.log_start_offset))
            self.size_bytes -= seg.size_bytes
            self._trace.record("segment_deleted", f"{reason}: {detail}" if detail else reason,
                               topic=self.topic, partition=self.partition, base_offset=seg.base_offset,
                               end_offset=seg.end_offset, size_bytes=seg.size_bytes,
                               largest_timestamp=seg.largest_timestamp, cause=reason)
        del self.segments[:count]
        del self._segment_bases[:count]
        self._set_log_start(max(self.log_start_offset, self.segments[0].base_offset), reason)
        self.aborted = [a for a in self.aborted if a[2] >= self.log_start_offset]
        return removed

    def delete_records_before(self, offset: int, reason: str = "delete_records") -> int:
        """Move the log start offset to ``offset`` (at most the HW); delete segments wholly below it.

        Kafka: ``DeleteRecords`` / ``UnifiedLog.maybeIncrementLogStartOffset``.
        """
        offset = min(offset, self.high_watermark)
        if offset <= self.log_start_offset:
            return self.log_start_offset
        whole = 0
        while whole < len(self.segments) - 1 and self.segments[whole].end_offset <= offset:
            whole += 1
        if whole:
            self.delete_oldest_segments(whole, reason)
        self._set_log_start(offset, reason)
        return self.log_start_offset

    def _set_log_start(self, offset: int, reason: str) -> None:
        if offset > self.log_start_offset:
            old = self.log_start_offset
            self.log_start_offset = offset
            self._trace.record("log_start_offset", reason, topic=self.topic, partition=self.partition,
                               old=old, new=offset)

    def remove_records(self, segment: LogSegment, batch: RecordBatch, indexes: list[int]) -> int:
        """Replace ``batch.records[i]`` by None for each ``i`` in ``indexes``; return the bytes freed.

        The offsets stay taken (readers skip None because ``batch.compacted`` is set). ``records``
        becomes a new list, so a producer's pending delivery report keeps the original records.

        Kafka: ``LogCleaner.cleanSegments`` (used by the log cleaner in ``retention.py``).
        """
        records = list(batch.records)
        freed = 0
        for i in indexes:
            rec = records[i]
            if rec is not None:
                freed += record_size(rec[0], rec[1], rec[3])
                records[i] = None
                segment.record_count -= 1
        batch.records = records
        batch.compacted = True
        batch.size_bytes -= freed
        segment.size_bytes -= freed
        self.size_bytes -= freed
        return freed

    # -- read ---------------------------------------------------------------------------------
    def read(self, fetch_offset: int, upper: int, max_bytes: int) -> list[RecordBatch]:
        """Batches holding offsets in ``[fetch_offset, upper)``, at least one, up to ``max_bytes``.

        The caller checks bounds first (``OFFSET_OUT_OF_RANGE`` below the log start or past the
        LEO). Like Kafka, whole batches are returned: the first may start before ``fetch_offset``.

        Kafka: ``LocalLog.read``; ``max.partition.fetch.bytes``.
        """
        out: list[RecordBatch] = []
        if fetch_offset >= upper:
            return out
        segs = self.segments
        si = bisect_right(self._segment_bases, fetch_offset) - 1
        if si < 0:
            si = 0
        total = 0
        while si < len(segs):
            seg = segs[si]
            bi = bisect_right(seg.batch_bases, fetch_offset) - 1
            if bi < 0:
                bi = 0
            batches = seg.batches
            while bi < len(batches):
                batch = batches[bi]
                if batch.base_offset >= upper:
                    return out
                if batch.last_offset >= fetch_offset:
                    if out and total + batch.size_bytes > max_bytes:
                        return out
                    out.append(batch)
                    total += batch.size_bytes
                bi += 1
            si += 1
        return out

    def batches(self) -> list[RecordBatch]:
        """Every batch still in the log, oldest first."""
        return [b for seg in self.segments for b in seg.batches]

    def is_aborted(self, producer_id: int, offset: int) -> bool:
        """True if ``offset`` of ``producer_id`` lies in an aborted transaction."""
        return any(pid == producer_id and first <= offset <= last for pid, first, last in self.aborted)

    def offset_for_timestamp(self, timestamp_ms: int) -> int:
        """The earliest offset whose timestamp is >= ``timestamp_ms``, or the LEO if none is.

        Kafka: ``ListOffsets`` with a timestamp (``offsetsForTimes``).
        """
        for seg in self.segments:
            if seg.largest_timestamp < timestamp_ms:
                continue
            for batch in seg.batches:
                if batch.control or batch.max_timestamp < timestamp_ms:
                    continue
                for i, rec in enumerate(batch.records):
                    if rec is None:
                        continue
                    ts = batch.append_time_ms if batch.timestamp_type == LOG_APPEND_TIME else rec[2]
                    offset = batch.base_offset + i
                    if ts >= timestamp_ms and offset >= self.log_start_offset:
                        return offset
        return self.log_end_offset

    def __repr__(self) -> str:
        return (f"PartitionLog({self.topic}-{self.partition}: start={self.log_start_offset} "
                f"lso={self.last_stable_offset} hw={self.high_watermark} leo={self.log_end_offset} "
                f"segments={len(self.segments)})")
