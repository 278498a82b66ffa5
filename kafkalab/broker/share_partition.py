"""One share-partition: a share group's in-flight records of one topic partition (KIP-932).

Owns ``RecordState``, ``AcknowledgeType`` and ``SharePartition``: the share-partition start offset
(SPSO) and end of the in-flight window, each in-flight offset's state (Available, Acquired,
Acknowledged, Archived), delivery count, owner and acquisition lock; acquisition in offset order
up to a record count and the in-flight cap (``share.partition.max.record.locks``); the lock timer
(``share.record.lock.duration.ms``), after which a record is Available again or, at
``share.delivery.count.limit``, Archived; acknowledgements (ACCEPT, RELEASE, REJECT, GAP, RENEW);
releasing everything a member holds; and the SPSO moving over finished runs. The log is only read:
no acknowledgement touches it. Standard library only.

Kafka: ``core/.../kafka/server/share/SharePartition.java`` (``acquire``, ``acknowledge``,
``releaseAcquiredRecords``, ``maybeUpdateCachedStateAndOffsets``, the acquisition lock timer task).

Simplifications:
- State is kept per offset (Kafka keeps per batch and splits to per-offset only when needed); the
  observable states and counts are the same.
- Acquisition takes exactly up to ``max_records`` records (Kafka's default
  ``share.acquire.mode=batch_optimized`` may overshoot to a batch boundary; max.poll.records is a
  soft limit there).
- Offsets that hold no deliverable record (transaction markers, records removed by compaction,
  aborted transactional records under ``read_committed``) are Archived when they enter the window,
  never delivered: Kafka hands control records to the client, which acknowledges them as GAP.
- Durable state: Kafka persists the window through the share coordinator (``__share_group_state``,
  ShareSnapshot/ShareUpdate records). Here the state lives in memory; ``share_state_initialized``
  stands for the first ShareSnapshot and every ``share_*`` change event for a ShareUpdate.
- ``share.auto.offset.reset=latest`` starts at the high watermark (the LSO under read_committed).
"""

from __future__ import annotations

from enum import Enum, IntEnum
from typing import Any

from ..clock import Priority
from ..config import share_reset_duration_ms
from ..errors import ERR


class RecordState(Enum):
    """An in-flight record's state (``RecordState``)."""

    AVAILABLE = "Available"
    ACQUIRED = "Acquired"
    ACKNOWLEDGED = "Acknowledged"
    ARCHIVED = "Archived"


class AcknowledgeType(IntEnum):
    """Acknowledge types on the wire (``AcknowledgeType``; RENEW is Kafka 4.2, KIP-1222)."""

    GAP = 0
    ACCEPT = 1
    RELEASE = 2
    REJECT = 3
    RENEW = 4


_FINISHED = (RecordState.ACKNOWLEDGED, RecordState.ARCHIVED)


class InFlightRecord:
    """One offset of the window: state, delivery count, the member holding it and its lock."""

    __slots__ = ("state", "delivery_count", "member", "lock")

    def __init__(self) -> None:
        self.state = RecordState.AVAILABLE
        self.delivery_count = 0
        self.member: str | None = None
        self.lock: AcquisitionLock | None = None


class AcquisitionLock:
    """The timer of one acquisition: the offsets it locked, for whom, until when."""

    __slots__ = ("member", "deadline_ms", "timer")

    def __init__(self, member: str, deadline_ms: int) -> None:
        self.member = member
        self.deadline_ms = deadline_ms
        self.timer: Any = None


def _runs(offsets: list[int], key=None) -> list[tuple[int, int, Any]]:
    """Contiguous runs ``(first, last, key value)`` of sorted offsets with the same ``key(offset)``."""
    out: list[list] = []
    for off in offsets:
        k = key(off) if key is not None else None
        if out and out[-1][1] == off - 1 and out[-1][2] == k:
            out[-1][1] = off
        else:
            out.append([off, off, k])
    return [tuple(r) for r in out]


class SharePartition:
    """The in-flight window of one (share group, topic, partition), kept by the partition leader.

    ``start_offset`` is the SPSO: every offset below it is Acknowledged or Archived and forgotten.
    ``next_offset`` is one past the window's last offset (the SPEO is ``next_offset - 1``).
    ``records`` maps every offset in [SPSO, next_offset) to its ``InFlightRecord``.
    """

    def __init__(self, manager: Any, group_id: str, topic: str, partition: int, log: Any) -> None:
        self.manager = manager
        self.group_id = group_id
        self.topic = topic
        self.partition = partition
        self.log = log
        self.clock = manager.clock
        self.trace = manager.trace
        self.initialized = False
        self.start_offset = -1
        self.next_offset = -1
        self.records: dict[int, InFlightRecord] = {}
        self.state_epoch = 0

    # -- configs -------------------------------------------------------------------------------------
    def _conf(self, name: str) -> Any:
        return self.manager.group_config(self.group_id)[name]

    @property
    def end_offset(self) -> int:
        """The SPEO: the last offset in the window (``start_offset - 1`` when the window is empty)."""
        return self.next_offset - 1

    def _fields(self) -> dict[str, Any]:
        return {"group": self.group_id, "topic": self.topic, "partition": self.partition}

    # -- initialisation and the start offset ------------------------------------------------------------
    def maybe_initialize(self) -> None:
        """On first use by the group: the SPSO from ``share.auto.offset.reset`` (``InitializeShareGroupState``)."""
        if self.initialized:
            return
        reset = self._conf("share.auto.offset.reset")
        log = self.log
        if reset == "earliest":
            start = log.log_start_offset
        elif reset == "latest":
            start = log.last_stable_offset if self._read_committed() else log.high_watermark
        else:
            since = self.clock.now_ms - share_reset_duration_ms(reset)
            start = max(log.offset_for_timestamp(since), log.log_start_offset)
        self.initialized = True
        self.start_offset = self.next_offset = start
        self.state_epoch = 1
        self.trace.record("share_state_initialized", f"first fetch by the share group: share.auto.offset.reset="
                          f"{reset}", **self._fields(), start_offset=start, state_epoch=self.state_epoch,
                          reset=reset)

    def _read_committed(self) -> bool:
        return self._conf("share.isolation.level") == "read_committed"

    def _move_start(self, new: int, reason: str) -> None:
        old = self.start_offset
        if new == old:
            return
        for off in range(old, min(new, self.next_offset)):
            rec = self.records.pop(off, None)
            if rec is not None and rec.lock is not None:
                rec.lock = None
        self.start_offset = new
        if self.next_offset < new:
            self.next_offset = new
        self.trace.record("share_start_offset", reason, **self._fields(), old=old, new=new)

    def _advance_start(self) -> None:
        """The SPSO moves over the finished run at the front of the window."""
        off = self.start_offset
        records = self.records
        while off < self.next_offset and records[off].state in _FINISHED:
            off += 1
        if off != self.start_offset:
            self._move_start(off, "the records before the new start are all Acknowledged or Archived")

    def _check_log_start(self) -> None:
        """Records the log no longer holds (retention, DeleteRecords) count as Archived: the SPSO jumps."""
        if self.start_offset < self.log.log_start_offset:
            self._move_start(self.log.log_start_offset, f"the log start moved to {self.log.log_start_offset} "
                             "(retention or DeleteRecords): records below it are Archived")

    # -- acquisition -----------------------------------------------------------------------------------
    def in_flight_count(self) -> int:
        """Records in the window (counted against ``share.partition.max.record.locks``)."""
        return self.next_offset - self.start_offset

    def has_available(self) -> bool:
        """Whether an acquisition now would find something."""
        if not self.initialized:
            return True
        self._check_log_start()
        if any(r.state is RecordState.AVAILABLE for r in self.records.values()):
            return True
        upper = self.log.last_stable_offset if self._read_committed() else self.log.high_watermark
        return self.next_offset < upper and self.in_flight_count() < self._conf("share.partition.max.record.locks")

    def acquire(self, member_id: str, client_id: str, max_records: int) -> tuple[list, list]:
        """Acquire up to ``max_records`` records for ``member_id``: Available ones in the window first (offset
        order), then new ones from the log up to the HW (LSO under read_committed) and the in-flight cap.

        Returns ``(batches, acquired)``: the log batches holding them and ``(first, last, delivery_count)``
        ranges. The delivery count goes up by one on acquisition.
        """
        self.maybe_initialize()
        self._check_log_start()
        if max_records <= 0:
            return [], []
        taken: list[int] = []
        for off in range(self.start_offset, self.next_offset):
            rec = self.records[off]
            if rec.state is RecordState.AVAILABLE:
                taken.append(off)
                if len(taken) >= max_records:
                    break
        if len(taken) < max_records:
            self._extend(max_records - len(taken), taken)
        if not taken:
            return [], []
        duration = self._conf("share.record.lock.duration.ms")
        lock = AcquisitionLock(member_id, self.clock.now_ms + duration)
        for off in taken:
            rec = self.records[off]
            rec.state = RecordState.ACQUIRED
            rec.delivery_count += 1
            rec.member = member_id
            rec.lock = lock
        lock.timer = self.clock.call_at(lock.deadline_ms, self._lock_expired, lock, priority=Priority.EXPIRY)
        acquired = _runs(taken, key=lambda o: self.records[o].delivery_count)
        for first, last, dc in acquired:
            self.trace.record("share_acquired", f"ShareFetch: acquired under a {duration} ms lock "
                              "(share.record.lock.duration.ms)", **self._fields(), first_offset=first,
                              last_offset=last, member=member_id, client_id=client_id, delivery_count=dc,
                              lock_deadline_ms=lock.deadline_ms)
        batches = self._batches_for(taken)
        return batches, acquired

    def _extend(self, want: int, taken: list[int]) -> None:
        """Grow the window from ``next_offset`` with new log records (archiving offsets with nothing to deliver)."""
        log = self.log
        read_committed = self._read_committed()
        upper = log.last_stable_offset if read_committed else log.high_watermark
        cap = self._conf("share.partition.max.record.locks")
        added = 0
        archived: list[int] = []
        done = False
        while not done and self.next_offset < upper and added < want and self.in_flight_count() < cap:
            batches = log.read(self.next_offset, upper, 1 << 30)
            if not batches:
                break
            for batch in batches:
                aborted = read_committed and batch.is_transactional
                # Offsets between batches (a batch removed whole by compaction) hold nothing: archived.
                for off in range(max(self.next_offset, batch.base_offset), batch.last_offset + 1):
                    if off >= upper or added >= want or self.in_flight_count() >= cap:
                        done = True
                        break
                    for gap in range(self.next_offset, off):
                        entry = self.records[gap] = InFlightRecord()
                        entry.state = RecordState.ARCHIVED
                        archived.append(gap)
                    entry = self.records[off] = InFlightRecord()
                    self.next_offset = off + 1
                    rec = batch.records[off - batch.base_offset]
                    if batch.control is not None or rec is None or (
                            aborted and log.is_aborted(batch.producer_id, off)):
                        entry.state = RecordState.ARCHIVED
                        archived.append(off)
                    else:
                        taken.append(off)
                        added += 1
                if done:
                    break
        if archived:
            self._trace_archived(archived, "gap", "no record to deliver (transaction marker, compacted away, or "
                                                  "aborted under share.isolation.level=read_committed)")

    def _batches_for(self, offsets: list[int]) -> list:
        """The log batches holding ``offsets`` (whole batches, as Fetch returns them), in offset order."""
        out: list = []
        seen: set[int] = set()
        lo, hi = offsets[0], max(offsets) + 1
        for batch in self.log.read(lo, hi, 1 << 30):
            if batch.base_offset in seen:
                continue
            if any(batch.base_offset <= o <= batch.last_offset for o in offsets):
                seen.add(batch.base_offset)
                out.append(batch)
        return out

    # -- ending a delivery attempt ------------------------------------------------------------------------
    def _end_attempt(self, off: int) -> RecordState:
        """Release one acquired record: Available, or Archived once its delivery count reached the limit."""
        rec = self.records[off]
        rec.member = None
        rec.lock = None
        limit = self._conf("share.delivery.count.limit")
        rec.state = RecordState.ARCHIVED if rec.delivery_count >= limit else RecordState.AVAILABLE
        return rec.state

    def _trace_archived(self, offsets: list[int], cause: str, reason: str) -> None:
        for first, last, _ in _runs(sorted(offsets)):
            self.trace.record("share_archived", reason, **self._fields(), first_offset=first, last_offset=last,
                              cause=cause)

    def _after_release(self, offsets: list[int], member: str | None, expired: bool, cause: str, reason: str) -> None:
        """Trace a release (or expiry) and what became Archived at the limit; move the SPSO; wake fetchers."""
        avail = [o for o in offsets if self.records[o].state is RecordState.AVAILABLE]
        archived = [o for o in offsets if self.records[o].state is RecordState.ARCHIVED]
        for first, last, to in _runs(offsets, key=lambda o: self.records[o].state.value):
            if expired:
                self.trace.record("share_lock_expired", reason, **self._fields(), first_offset=first,
                                  last_offset=last, member=member, to=to)
            else:
                self.trace.record("share_released", reason, **self._fields(), first_offset=first, last_offset=last,
                                  member=member, cause=cause, to=to)
        if archived:
            limit = self._conf("share.delivery.count.limit")
            self._trace_archived(archived, "delivery_count_limit", f"delivered {limit} times "
                                 f"(share.delivery.count.limit={limit}): archived, never delivered again")
        self._advance_start()
        if avail or archived:
            self.manager.notify_available(self)

    def _lock_expired(self, lock: AcquisitionLock) -> None:
        """The acquisition lock timer: records still Acquired under this lock end their delivery attempt."""
        lock.timer = None
        offsets = [off for off, rec in self.records.items() if rec.lock is lock]
        if not offsets:
            return
        offsets.sort()
        for off in offsets:
            self._end_attempt(off)
        duration = lock.deadline_ms  # the deadline, for the reason text
        self._after_release(offsets, lock.member, True, "lock_expired",
                            f"the acquisition lock expired at {duration} ms (share.record.lock.duration.ms): "
                            f"the records are handed out again, or archived at the delivery count limit")

    def release_member(self, member_id: str, cause: str, reason: str) -> list[int]:
        """Release every record ``member_id`` holds here (close, disconnect, session timeout); the delivery
        counts stay (each was counted at acquisition)."""
        offsets = sorted(off for off, rec in self.records.items()
                         if rec.state is RecordState.ACQUIRED and rec.member == member_id)
        if not offsets:
            return offsets
        locks = {self.records[o].lock for o in offsets}
        for off in offsets:
            self._end_attempt(off)
        for lock in locks:
            if lock is not None and lock.timer is not None and not any(r.lock is lock for r in self.records.values()):
                lock.timer.cancel()
                lock.timer = None
        self._after_release(offsets, member_id, False, cause, reason)
        return offsets

    # -- acknowledgement ------------------------------------------------------------------------------------
    def acknowledge(self, member_id: str, batches: list[tuple[int, int, list[int]]]) -> int:
        """Apply ``(first_offset, last_offset, [ack_type])`` batches for ``member_id``: all or nothing.

        One type applies to every offset of its batch; several give one type per offset. Returns 0,
        INVALID_RECORD_STATE (121) when an offset is not Acquired by this member (lock expired, someone
        else's, already acknowledged, never delivered), or INVALID_REQUEST for a malformed batch.
        """
        plan: list[tuple[int, int]] = []
        for first, last, types in batches:
            if last < first or not types or (len(types) != 1 and len(types) != last - first + 1):
                return ERR.INVALID_REQUEST
            for i, off in enumerate(range(first, last + 1)):
                t = types[0] if len(types) == 1 else types[i]
                if t not in (0, 1, 2, 3, 4):
                    return ERR.INVALID_REQUEST
                plan.append((off, t))
        for off, t in plan:
            rec = self.records.get(off) if self.initialized else None
            if t == AcknowledgeType.GAP and rec is not None and rec.state is RecordState.ARCHIVED:
                continue
            if rec is None or rec.state is not RecordState.ACQUIRED or rec.member != member_id:
                return ERR.INVALID_RECORD_STATE
        by_type: dict[int, list[int]] = {}
        renewed: list[int] = []
        released: list[int] = []
        locks = set()
        for off, t in plan:
            rec = self.records[off]
            if rec.state is not RecordState.ACQUIRED:
                continue   # a GAP on an offset already archived
            locks.add(rec.lock)
            if t == AcknowledgeType.RENEW:
                renewed.append(off)
                continue
            by_type.setdefault(t, []).append(off)
            if t == AcknowledgeType.ACCEPT:
                rec.state, rec.member, rec.lock = RecordState.ACKNOWLEDGED, None, None
            elif t == AcknowledgeType.RELEASE:
                self._end_attempt(off)
                released.append(off)
            else:   # REJECT, GAP
                rec.state, rec.member, rec.lock = RecordState.ARCHIVED, None, None
        type_of = {off: t for t, offs in by_type.items() for off in offs}
        for first, last, t in _runs(sorted(type_of), key=type_of.get):
            name = AcknowledgeType(t).name
            self.trace.record("share_acknowledged", f"{name} from the member", **self._fields(),
                              first_offset=first, last_offset=last, type=name, member=member_id)
        if renewed:
            self._renew(member_id, renewed)
        rejected = by_type.get(AcknowledgeType.REJECT, []) + by_type.get(AcknowledgeType.GAP, [])
        if rejected:
            self._trace_archived(rejected, "reject", "REJECT (or GAP) acknowledgement: archived, never delivered "
                                                     "again")
        for lock in locks:
            if lock is not None and lock.timer is not None and not any(r.lock is lock for r in self.records.values()):
                lock.timer.cancel()
                lock.timer = None
        if released:
            archived = [o for o in released if self.records[o].state is RecordState.ARCHIVED]
            if archived:
                limit = self._conf("share.delivery.count.limit")
                self._trace_archived(archived, "delivery_count_limit", f"released after {limit} deliveries "
                                     f"(share.delivery.count.limit={limit}): archived")
        self._advance_start()
        if released:
            self.manager.notify_available(self)
        return 0

    def _renew(self, member_id: str, offsets: list[int]) -> None:
        """RENEW (KIP-1222): a new lock deadline without ending the delivery attempt."""
        lock = AcquisitionLock(member_id, self.clock.now_ms + self._conf("share.record.lock.duration.ms"))
        for off in offsets:
            self.records[off].lock = lock
        lock.timer = self.clock.call_at(lock.deadline_ms, self._lock_expired, lock, priority=Priority.EXPIRY)
        for first, last, _ in _runs(offsets):
            self.trace.record("share_acknowledged", "RENEW: the acquisition lock is extended", **self._fields(),
                              first_offset=first, last_offset=last, type="RENEW", member=member_id)

    # -- describe ---------------------------------------------------------------------------------------------
    def lag(self) -> int:
        """KIP-1226 share-partition lag: offsets from the SPSO up to the HW not yet Acknowledged or Archived."""
        if not self.initialized:
            return -1
        self._check_log_start()
        hw = self.log.high_watermark
        done = sum(1 for off, r in self.records.items() if off < hw and r.state in _FINISHED)
        return max(hw - self.start_offset - done, 0)

    def state_counts(self) -> dict[str, int]:
        """How many offsets of the window are in each state."""
        counts = {s.value: 0 for s in RecordState}
        for r in self.records.values():
            counts[r.state.value] += 1
        return counts

    def snapshot(self) -> list[tuple[int, str, int, str | None, int | None]]:
        """Every in-flight offset as ``(offset, state, delivery_count, member, lock_deadline_ms)``."""
        return [(off, r.state.value, r.delivery_count, r.member, r.lock.deadline_ms if r.lock else None)
                for off, r in sorted(self.records.items())]
