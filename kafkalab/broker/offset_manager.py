"""Offset commits on the coordinator: validation, storage, fetch, and expiry.

Owns ``OffsetManager``: applies OffsetCommit requests the group coordinator validated
(``GroupCoordinator.validate_offset_commit``: zombies get UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION or
REBALANCE_IN_PROGRESS; standalone commits only while the group is Empty), writes each commit as
a record to ``__consumer_offsets``, and expires offsets of Empty groups (KIP-211). It asks the
group coordinator only through its public methods. Standard library only.
"""

from __future__ import annotations

from typing import Any

from ..clock import Priority
from ..errors import ERR, KafkaError
from .offsets import OffsetAndMetadata, write_commit
from .periodic import QuietPeriodic


class OffsetManager:
    """Committed offsets of every group of one cluster.

    A committed offset is the NEXT offset the group will consume (last processed + 1).

    Kafka: ``OffsetMetadataManager`` (group coordinator); ``offsets.retention.minutes``.
    """

    def __init__(self, cluster: Any, coordinator: Any) -> None:
        self.cluster = cluster
        self.coordinator = coordinator
        self.trace = cluster.trace
        self.committed: dict[str, dict[tuple[str, int], OffsetAndMetadata]] = {}
        self._expiry = QuietPeriodic(cluster.clock, cluster.trace,
                                     lambda: cluster.broker_config["offsets.retention.check.interval.ms"],
                                     self._expire, self._next_expiry_ms, Priority.EXPIRY)

    def validate(self, group_id: str, member_id: str, generation_id: int,
                 group_instance_id: str | None, transactional: bool = False) -> int:
        """0 if the commit may be applied, else the error code the broker answers with.

        The group decides (``GroupCoordinator.validate_offset_commit``).
        """
        return self.coordinator.validate_offset_commit(group_id, member_id, generation_id, group_instance_id,
                                                       transactional)

    def commit(self, group_id: str, member_id: str, generation_id: int, group_instance_id: str | None,
               offsets: dict[tuple[str, int], tuple[int, str]], client_id: str = "") -> dict[tuple[str, int], int]:
        """Validate and apply an OffsetCommit; return the error code per partition (0 = committed).

        A rejected commit leaves every committed offset unchanged.
        """
        err = self.validate(group_id, member_id, generation_id, group_instance_id)
        result: dict[tuple[str, int], int] = {}
        accepted: dict[tuple[str, int], OffsetAndMetadata] = {}
        now = self.cluster.now_ms
        for tp, (offset, metadata) in offsets.items():
            if err:
                result[tp] = err
            elif tp[0] not in self.cluster.topics or not 0 <= tp[1] < len(self.cluster.topics[tp[0]].partitions):
                result[tp] = ERR.UNKNOWN_TOPIC_OR_PART
            else:
                result[tp] = 0
                accepted[tp] = OffsetAndMetadata(offset, metadata or "", now)
        if accepted:
            self._apply(group_id, accepted)
        self.trace.record("offset_commit", "OffsetCommit" if not err else "OffsetCommit rejected",
                          group=group_id, member_id=member_id, client_id=client_id,
                          generation_id=generation_id, offsets=[[t, p, o] for (t, p), (o, _) in offsets.items()],
                          error=_name(err) if err else None)
        return result

    def _apply(self, group_id: str, accepted: dict[tuple[str, int], OffsetAndMetadata]) -> None:
        self.committed.setdefault(group_id, {}).update(accepted)
        write_commit(self.cluster, group_id, accepted)
        self._ensure_expiry_timer()

    def apply_transactional(self, group_id: str, offsets: dict[tuple[str, int], OffsetAndMetadata]) -> None:
        """Make offsets sent in a committed transaction visible (the COMMIT marker landed)."""
        self.committed.setdefault(group_id, {}).update(offsets)
        self._ensure_expiry_timer()
        self.trace.record("offset_commit", "transaction committed", group=group_id, member_id="",
                          client_id="", generation_id=-1,
                          offsets=[[t, p, o.offset] for (t, p), o in offsets.items()], error=None)

    def fetch(self, group_id: str,
              partitions: list[tuple[str, int]] | None) -> dict[tuple[str, int], OffsetAndMetadata | None]:
        """The committed offset of each partition for ``group_id`` (None where there is none).

        ``partitions`` None: every partition the group has an offset for."""
        committed = self.committed.get(group_id, {})
        if partitions is None:
            return dict(committed)
        return {tp: committed.get(tp) for tp in partitions}

    def unstable(self, group_id: str, partitions: list[tuple[str, int]]) -> list[tuple[str, int]]:
        """The partitions an OffsetFetch with ``require_stable`` answers ``UNSTABLE_OFFSET_COMMIT`` (88):
        those for which an open transaction holds offsets of ``group_id`` (TxnOffsetCommit sent, no
        marker yet). librdkafka sets ``require_stable`` when ``isolation.level=read_committed``.

        Kafka: KIP-447; ``GroupCoordinator.fetchOffsets(requireStable=true)``.
        """
        pending = self.cluster.transaction_coordinator.has_pending_offsets
        return [tp for tp in partitions if pending(group_id, tp)]

    def delete_group_offsets(self, group_id: str, reason: str) -> None:
        """Remove every committed offset of a group, writing tombstones."""
        committed = self.committed.pop(group_id, None)
        if committed:
            write_commit(self.cluster, group_id, dict.fromkeys(committed), reason=reason)

    # -- expiry (KIP-211) ---------------------------------------------------------------------------
    def _ensure_expiry_timer(self) -> None:
        """Run ``_expire`` every ``offsets.retention.check.interval.ms`` while offsets are committed.

        Simplification: checks that could expire nothing are skipped (``QuietPeriodic``)."""
        if not self._expiry.active:
            interval = self.cluster.broker_config["offsets.retention.check.interval.ms"]
            self._expiry.start_at(self.cluster.now_ms + interval)

    def _next_expiry_ms(self) -> int | None:
        """After an expiry check that changed nothing: when the next offset of an Empty (or standalone)
        group reaches ``offsets.retention.minutes``; None if none can by time alone."""
        retention_ms = self.cluster.broker_config["offsets.retention.minutes"] * 60_000
        due = None
        for group_id, committed in self.committed.items():
            since = self.coordinator.offsets_expire_since(group_id)
            if since is None:
                continue
            for oam in committed.values():
                at = max(since, oam.commit_ms) + retention_ms
                due = at if due is None or at < due else due
        return due

    def _expire(self) -> None:
        """Expire offsets of Empty groups ``offsets.retention.minutes`` after they became Empty
        (standalone groups: after the last commit); a group left with no offsets is deleted."""
        now = self.cluster.now_ms
        retention_ms = self.cluster.broker_config["offsets.retention.minutes"] * 60_000
        for group_id in list(self.committed):
            since = self.coordinator.offsets_expire_since(group_id)
            if since is None:
                continue
            committed = self.committed[group_id]
            expired = {tp: oam for tp, oam in committed.items() if now - max(since, oam.commit_ms) >= retention_ms}
            if expired:
                for tp in expired:
                    del committed[tp]
                write_commit(self.cluster, group_id, dict.fromkeys(expired), reason="offsets expired")
                self.trace.record("offsets_expired", f"offsets.retention.minutes={retention_ms // 60_000} "
                                  f"passed while the group was Empty", group=group_id,
                                  partitions=[[t, p] for t, p in expired])
            if not committed:
                del self.committed[group_id]
                self.coordinator.delete_group(group_id, "Empty group has no offsets left")
        if not self.committed:
            self._expiry.stop()

    def on_topic_deleted(self, topic: str) -> None:
        for committed in self.committed.values():
            for tp in [tp for tp in committed if tp[0] == topic]:
                del committed[tp]


def _name(code: int) -> str:
    return KafkaError(code).name()
