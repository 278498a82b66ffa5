"""Retention and compaction: the broker's periodic log-cleanup task, in virtual time.

Owns ``LogCleaner``. Every ``log.retention.check.interval.ms`` (the first time after
``log.initial.task.delay.ms``) it deletes whole old segments of each partition (below the log
start offset, over ``retention.bytes``, past ``retention.ms``) and compacts the logs whose
``cleanup.policy`` includes ``compact``. Segment mechanics (roll, delete, log start offset) live
in ``log.py``. Standard library only; every roll, deletion and cleaning is traced with its reason.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Iterator
from itertools import takewhile
from typing import Any

from ..clock import Priority
from .log import LogSegment, PartitionLog
from .periodic import QuietPeriodic


def size_breach_count(segment_sizes: Iterable[int], log_size: int, retention_bytes: int) -> int:
    """How many oldest segments size retention deletes: it stops before the rest would drop below the limit.

    The limit is a floor that is kept: after deletion ``retention_bytes <= size`` still holds.
    ``segment_sizes`` is consumed lazily, oldest first, and only as far as needed.

    Kafka: ``UnifiedLog.deleteRetentionSizeBreachedSegments`` (``retention.bytes``, per partition).

    >>> size_breach_count([100, 100, 100, 50], log_size=350, retention_bytes=200)
    1
    >>> size_breach_count([100, 100, 100, 50], log_size=350, retention_bytes=-1)
    0
    """
    if retention_bytes < 0 or log_size < retention_bytes:
        return 0
    diff = log_size - retention_bytes
    count = 0
    for size in segment_sizes:
        if diff - size < 0:
            break
        diff -= size
        count += 1
    return count


def time_breach_count(largest_timestamps: Iterable[int], now_ms: int, retention_ms: int) -> int:
    """How many oldest segments time retention deletes: those with ``now - largest timestamp > retention.ms``.

    The scan stops at the first segment that is young enough, so no holes appear.

    Kafka: ``UnifiedLog.deleteRetentionMsBreachedSegments`` (``retention.ms``; -1 disables it).

    >>> time_breach_count([1_000, 5_000, 9_000], now_ms=10_000, retention_ms=4_000)
    2
    >>> time_breach_count([1_000, 9_000, 2_000], now_ms=10_000, retention_ms=4_000)
    1
    """
    if retention_ms < 0:
        return 0
    return sum(1 for _ in takewhile(lambda ts: now_ms - ts > retention_ms, largest_timestamps))


def deletable_segments(log: PartitionLog) -> Iterator[LogSegment]:
    """The oldest segments that retention may delete at all, oldest first, generated lazily.

    A segment qualifies only if its upper bound (the next segment's base offset, or the LEO for
    the last one) is at most the high watermark, so the log start offset never passes the HW; an
    empty active segment never qualifies.

    Kafka: ``UnifiedLog.deletableSegments``.
    """
    segments = log.segments
    last = len(segments) - 1
    hw = log.high_watermark
    for i, seg in enumerate(segments):
        upper = segments[i + 1].base_offset if i < last else log.log_end_offset
        if upper > hw or (i == last and not seg.batches):
            return
        yield seg


class LogCleaner:
    """The periodic retention and compaction task of one cluster.

    ``start()`` schedules ``check()`` at ``log.initial.task.delay.ms`` and then every
    ``log.retention.check.interval.ms`` (a fixed rate in virtual time). Each check, for every
    partition: delete segments below the log start offset, then (``cleanup.policy`` with
    ``delete``) by size, then by time; then (policy with ``compact``) clean the log if it is dirty
    enough. The first dirty offset of each compacted log (its cleaner checkpoint) is kept here.

    Kafka: ``LogManager.cleanupLogs`` (the ``kafka-log-retention`` task) and ``LogCleaner``.
    Simplification: Kafka's cleaner runs in its own threads every ``log.cleaner.backoff.ms``
    (15 s), cleaning the dirtiest log first and running retention of compacted logs itself;
    kafkalab cleans every eligible log in the same periodic task, after retention.
    """

    def __init__(self, cluster: Any) -> None:
        self.cluster = cluster
        self.trace = cluster.trace
        self._checkpoints: weakref.WeakKeyDictionary[PartitionLog, int] = weakref.WeakKeyDictionary()
        self._runs = 0
        self._task = QuietPeriodic(cluster.clock, cluster.trace,
                                   lambda: cluster.broker_config["log.retention.check.interval.ms"],
                                   self.check, self._next_due_ms, Priority.RETENTION)

    @property
    def checks(self) -> int:
        """Checks so far, counting the skipped checks of quiet periods (they would have done nothing)."""
        return self._runs + self._task.missed()

    @property
    def last_check_ms(self) -> int | None:
        """When the latest periodic check ran (or was skipped as quiet); None before the first."""
        return self._task.last_grid_ms()

    def start(self) -> None:
        """Schedule the first check (``log.initial.task.delay.ms``) and the periodic ones.

        Kafka: ``LogManager.startup`` schedules ``kafka-log-retention`` with
        ``log.initial.task.delay.ms`` (30000) and period ``log.retention.check.interval.ms`` (300000).
        Simplification: while nothing is recorded, the checks before the next time-based deletion
        are skipped (``QuietPeriodic``; they would find nothing to do), so idle time costs nothing.
        """
        if self._task.started:
            return
        self._task.start_at(self.cluster.now_ms + self.cluster.broker_config["log.initial.task.delay.ms"])

    def _next_due_ms(self) -> int | None:
        """After a check that changed nothing: the earliest time a check could act by time alone.

        Only thresholds still ahead count (the check just ran with this state): ``retention.ms``
        passing for the oldest segment of a log with the ``delete`` policy, and for a compacted log
        a dirty segment passing ``min.compaction.lag.ms`` or becoming older than
        ``max.compaction.lag.ms``. None: only a recorded change can give a check something to do.
        """
        now = self.cluster.now_ms
        times = []
        for topic in self.cluster.topics.values():
            for log in topic.partitions:
                config = log.config
                policy = config["cleanup.policy"]
                first = log.segments[0]
                retention_ms = config["retention.ms"]
                if "delete" in policy and retention_ms >= 0 and first.batches:
                    times.append(first.largest_timestamp + retention_ms + 1)
                if "compact" in policy and len(log.segments) > 1:
                    first_dirty = self.first_dirty_offset(log)
                    if first_dirty < log.segments[-1].base_offset:
                        dirty = [s for s in _dirty_segments(log.segments, first_dirty) if s is not log.segments[-1]]
                        lag = config["min.compaction.lag.ms"]
                        times.extend(s.largest_timestamp + lag for s in dirty)
                        stamps = [s.rolling_base_timestamp for s in dirty if (s.rolling_base_timestamp or 0) > 0]
                        if stamps:
                            times.append(min(stamps) + config["max.compaction.lag.ms"] + 1)
        ahead = [t for t in times if t > now]
        return min(ahead) if ahead else None

    def check(self) -> int:
        """Run one retention and compaction pass over every partition now; return segments deleted.

        Cost: O(1) per partition plus O(deletable segments), and O(dirty segments) per
        compacted log with new data; an idle or empty log (most of ``__consumer_offsets``) is
        skipped in O(1).
        """
        self._runs += 1
        now = self.cluster.now_ms
        deleted = 0
        for topic in list(self.cluster.topics.values()):
            compact = "compact" in topic.config["cleanup.policy"]
            for log in topic.partitions:
                deleted += self.delete_old_segments(log, now)
                if compact:
                    self.clean(log, now)
        return deleted

    # -- delete retention ----------------------------------------------------------------------
    def delete_old_segments(self, log: PartitionLog, now_ms: int | None = None) -> int:
        """Delete ``log``'s old segments: below the log start offset, then by size, then by time.

        Whole segments only, oldest first; a fully expired active segment is rolled, then
        deleted (``PartitionLog.delete_oldest_segments``). The log start offset moves to the
        first remaining segment. Returns the number of segments deleted.

        Kafka: ``UnifiedLog.deleteOldSegments``; size and time apply only when ``cleanup.policy``
        includes ``delete``; ``retention.bytes=-1`` and ``retention.ms=-1`` disable them.
        Simplification: deleted segments vanish at once (Kafka renames them ``.deleted`` and
        removes the files after ``file.delete.delay.ms``; readers cannot see them either way).
        """
        now = self.cluster.now_ms if now_ms is None else now_ms
        deleted = self._delete_below_log_start(log)
        config = log.config
        if "delete" not in config["cleanup.policy"]:
            return deleted
        limit = config["retention.bytes"]
        if 0 <= limit <= log.size_bytes:
            count = size_breach_count((s.size_bytes for s in deletable_segments(log)), log.size_bytes, limit)
            if count:
                before = log.size_bytes
                after = before - sum(s.size_bytes for s in log.segments[:count])
                log.delete_oldest_segments(count, "size", f"retention.bytes={limit} breached: log size "
                                           f"{before} B, {after} B after deletion")
                deleted += count
        retention_ms = config["retention.ms"]
        if retention_ms >= 0 and log.segments[0].batches and now - log.segments[0].largest_timestamp > retention_ms:
            count = time_breach_count((s.largest_timestamp for s in deletable_segments(log)), now, retention_ms)
            if count:
                log.delete_oldest_segments(count, "time", f"retention.ms={retention_ms} breached by the "
                                           f"largest record timestamp")
                deleted += count
        return deleted

    @staticmethod
    def _delete_below_log_start(log: PartitionLog) -> int:
        start = log.log_start_offset
        segments = log.segments
        if len(segments) < 2 or segments[0].end_offset > start:
            return 0
        active = segments[-1]
        count = sum(1 for _ in takewhile(lambda s: s is not active and s.end_offset <= start,
                                         deletable_segments(log)))
        if count:
            log.delete_oldest_segments(count, "delete_records", f"log start offset {start} breached the segment")
        return count

    # -- compaction ----------------------------------------------------------------------------
    def first_dirty_offset(self, log: PartitionLog) -> int:
        """The first offset the cleaner has not cleaned yet (its checkpoint), at least the log start.

        Kafka: the ``cleaner-offset-checkpoint`` file.
        """
        return max(self._checkpoints.get(log, 0), log.log_start_offset)

    def clean(self, log: PartitionLog, now_ms: int | None = None) -> bool:
        """Compact ``log`` if it is dirty enough; return True if it was cleaned.

        The cleanable range is ``[first dirty offset, first uncleanable offset)``: it ends at the
        active segment (never cleaned), at the segment holding the last stable offset, and at the
        first segment younger than ``min.compaction.lag.ms``. The log is cleaned when
        ``cleanable bytes / (clean + cleanable bytes) > min.cleanable.dirty.ratio``, or when a
        dirty segment is older than ``max.compaction.lag.ms``. Then, in every segment below that
        end, each record is dropped unless it is the latest for its key; tombstones (null value)
        stay until ``delete.retention.ms`` after the cleaning that first kept them (KIP-534).
        Offsets never change; readers skip the removed ones.

        Kafka: ``LogCleanerManager.grabFilthiestCompactedLog`` (strictly ``>`` the ratio),
        ``LogCleanerManager.cleanableOffsets``, ``LogCleaner.doClean``.
        Simplification: cleaned segments are not merged; transaction markers are kept; keyless
        records (which Kafka refuses on a compacted topic) are dropped as Kafka's cleaner does;
        the offset map has no size limit (``log.cleaner.dedupe.buffer.size``).
        """
        segments = log.segments
        if len(segments) < 2:
            return False  # only the active segment, which is never cleaned: idle logs cost O(1)
        now = self.cluster.now_ms if now_ms is None else now_ms
        first_dirty = self.first_dirty_offset(log)
        if first_dirty >= segments[-1].base_offset:
            return False
        dirty = _dirty_segments(segments, first_dirty)
        upper, cleanable = self._cleanable(log, dirty, now)
        if not cleanable:
            return False
        config = log.config
        cleanable_bytes = sum(s.size_bytes for s in cleanable)
        clean_bytes = log.size_bytes - sum(s.size_bytes for s in dirty) - segments[-1].size_bytes
        total = clean_bytes + cleanable_bytes
        ratio = cleanable_bytes / total if total > 0 else 0.0
        min_ratio = config["min.cleanable.dirty.ratio"]
        max_lag = config["max.compaction.lag.ms"]
        first_ts = [s.rolling_base_timestamp for s in dirty if (s.rolling_base_timestamp or 0) > 0]
        overdue = bool(first_ts) and min(first_ts) < now - max_lag
        if ratio > min_ratio:
            reason = f"dirty ratio {ratio:.3f} > min.cleanable.dirty.ratio={min_ratio}"
        elif overdue and cleanable_bytes > 0:
            reason = f"a dirty segment is older than max.compaction.lag.ms={max_lag}"
        else:
            return False
        before = log.size_bytes
        stats = self._compact(log, first_dirty, upper, cleanable, now)
        self._checkpoints[log] = upper
        self.trace.record("log_cleaned", reason, topic=log.topic, partition=log.partition,
                          first_dirty_offset=first_dirty, end_offset=upper, dirty_ratio=round(ratio, 3),
                          size_bytes_before=before, size_bytes_after=log.size_bytes, **stats)
        return True

    @staticmethod
    def _cleanable(log: PartitionLog, dirty: list[LogSegment], now: int) -> tuple[int, list[LogSegment]]:
        """The first uncleanable offset (a segment base) and the dirty segments below it."""
        lso = log.last_stable_offset
        lag = log.config["min.compaction.lag.ms"]
        upper = log.segments[-1].base_offset
        cleanable = []
        for seg in dirty:
            if seg.end_offset > lso or (lag > 0 and seg.largest_timestamp > now - lag):
                upper = seg.base_offset
                break
            cleanable.append(seg)
        return upper, cleanable

    @staticmethod
    def _compact(log: PartitionLog, first_dirty: int, upper: int, cleanable: list[LogSegment],
                 now: int) -> dict[str, Any]:
        latest = _offset_map(log, cleanable, first_dirty)
        horizon = now + log.config["delete.retention.ms"]
        removed = tombstones_removed = tombstones_kept = 0
        for seg in log.segments:
            if seg.base_offset >= upper:
                break
            for batch in seg.batches:
                if batch.control is not None:
                    continue
                aborted = bool(log.aborted) and batch.is_transactional and \
                    log.is_aborted(batch.producer_id, batch.base_offset)
                base = batch.base_offset
                drop = []
                kept_tombstone = False
                for i, rec in enumerate(batch.records):
                    if rec is None:
                        continue
                    key = rec[0]
                    if aborted or key is None or latest.get(key, -1) > base + i:
                        drop.append(i)
                    elif rec[1] is None:
                        if 0 <= batch.delete_horizon_ms <= now:
                            drop.append(i)
                            tombstones_removed += 1
                        else:
                            kept_tombstone = True
                            tombstones_kept += 1
                if kept_tombstone and batch.delete_horizon_ms < 0:
                    batch.delete_horizon_ms = horizon
                if drop:
                    removed += len(drop)
                    log.remove_records(seg, batch, drop)
        return {"records_removed": removed, "tombstones_removed": tombstones_removed,
                "tombstones_retained": tombstones_kept, "keys": len(latest)}


def _dirty_segments(segments: list[LogSegment], first_dirty: int) -> list[LogSegment]:
    """Closed segments holding offsets at or after ``first_dirty``, oldest first (walked from the end)."""
    out = []
    i = len(segments) - 2
    while i >= 0 and segments[i].end_offset > first_dirty:
        out.append(segments[i])
        i -= 1
    out.reverse()
    return out


def _offset_map(log: PartitionLog, cleanable: list[LogSegment], first_dirty: int) -> dict[bytes, int]:
    """Key -> latest offset over the cleanable dirty range, skipping markers and aborted records.

    Kafka: ``LogCleaner.buildOffsetMap`` (``SkimpyOffsetMap``).
    """
    latest: dict[bytes, int] = {}
    for seg in cleanable:
        for batch in seg.batches:
            if batch.control is not None or batch.last_offset < first_dirty:
                continue
            if log.aborted and batch.is_transactional and log.is_aborted(batch.producer_id, batch.base_offset):
                continue
            base = batch.base_offset
            for i, rec in enumerate(batch.records):
                if rec is not None and rec[0] is not None and base + i >= first_dirty:
                    latest[rec[0]] = base + i
    return latest
