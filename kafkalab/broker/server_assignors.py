"""The broker-side assignors of the consumer group protocol (KIP-848): ``uniform`` and ``range``.

Owns ``ASSIGNORS`` (name -> function), ``AssignmentMember`` and the two assignors. The group
coordinator runs one of them when a consumer group's epoch moved past its assignment epoch; the
result is the group's new target assignment. Standard library only.

Kafka: ``group-coordinator/.../assignor/UniformAssignor.java`` (with
``UniformHomogeneousAssignmentBuilder`` and ``UniformHeterogeneousAssignmentBuilder``) and
``RangeAssignor.java``; ``group.consumer.assignors`` lists them, the first is the default.

Simplifications: members are visited in join order, topics by name and partitions by number, where
Kafka iterates Java hash maps and sets. The shape of every assignment (balanced to within one
partition, sticky for ``uniform``; contiguous ranges for ``range``) follows Kafka, but which member
gets an extra partition on a tie is not promised to be Kafka's (unverified). The heterogeneous
``uniform`` case (members subscribed to different topics) follows the builder's principles (balance
first, then stickiness), not its exact steps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

TopicPartition = tuple[str, int]


class AssignmentMember(NamedTuple):
    """What an assignor knows of one member: its id, static ``instance_id`` and subscribed topics."""

    member_id: str
    instance_id: str | None
    topics: frozenset[str]


def uniform(members: list[AssignmentMember], partitions: dict[str, int],
            current: dict[str, set[TopicPartition]]) -> dict[str, set[TopicPartition]]:
    """The ``uniform`` assignor: balanced (sizes differ by at most one) and sticky.

    Args:
        members: the group's members, in join order.
        partitions: partition count of every subscribed topic that exists.
        current: the current target assignment by member id (a new member has none).

    Returns:
        The new target assignment: member id -> set of (topic, partition).
    """
    if not members:
        return {}
    subscriptions = {m.topics for m in members}
    if len(subscriptions) == 1:
        return _uniform_homogeneous(members, partitions, current)
    return _uniform_heterogeneous(members, partitions, current)


def _uniform_homogeneous(members: list[AssignmentMember], partitions: dict[str, int],
                         current: dict[str, set[TopicPartition]]) -> dict[str, set[TopicPartition]]:
    """Every member subscribes to the same topics: keep each member's partitions up to its quota,
    then hand the rest out to the members under quota (``UniformHomogeneousAssignmentBuilder``)."""
    topics = sorted(t for t in members[0].topics if t in partitions)
    if not topics:
        return {m.member_id: set() for m in members}
    owned_by = {tp: mid for mid, tps in current.items() for tp in tps}
    member_ids = {m.member_id for m in members}
    unassigned = [(t, p) for t in topics for p in range(partitions[t]) if owned_by.get((t, p)) not in member_ids]
    total = sum(partitions[t] for t in topics)
    min_quota, extra = divmod(total, len(members))
    out: dict[str, set[TopicPartition]] = {}
    unfilled: list[tuple[str, int]] = []
    for m in members:
        quota = min_quota + (1 if extra > 0 else 0)
        extra -= 1 if extra > 0 else 0
        keep: set[TopicPartition] = set()
        for tp in sorted(current.get(m.member_id, ())):
            if tp[0] not in m.topics or tp[0] not in partitions or tp[1] >= partitions[tp[0]]:
                continue
            if quota > 0:
                keep.add(tp)
                quota -= 1
            else:
                unassigned.append(tp)
        out[m.member_id] = keep
        if quota > 0:
            unfilled.append((m.member_id, quota))
    i = 0
    for member_id, quota in unfilled:
        take = unassigned[i:i + quota]
        out[member_id].update(take)
        i += len(take)
    return out


def _uniform_heterogeneous(members: list[AssignmentMember], partitions: dict[str, int],
                           current: dict[str, set[TopicPartition]]) -> dict[str, set[TopicPartition]]:
    """Members subscribe to different topics: keep what is still subscribed, give each unassigned
    partition to the least-loaded member subscribed to its topic, then move partitions from the
    most- to the least-loaded eligible member while that narrows the gap (balance before stickiness)."""
    out: dict[str, set[TopicPartition]] = {m.member_id: set() for m in members}
    eligible: dict[str, list[str]] = {}
    for m in members:
        for t in m.topics:
            if t in partitions:
                eligible.setdefault(t, []).append(m.member_id)
    taken: set[TopicPartition] = set()
    for m in members:
        for tp in current.get(m.member_id, ()):
            if tp[0] in m.topics and tp[0] in partitions and tp[1] < partitions[tp[0]] and tp not in taken:
                out[m.member_id].add(tp)
                taken.add(tp)
    order = {m.member_id: i for i, m in enumerate(members)}
    for t in sorted(eligible):
        for p in range(partitions[t]):
            if (t, p) not in taken:
                target = min(eligible[t], key=lambda mid: (len(out[mid]), order[mid]))
                out[target].add((t, p))
    moved = True
    while moved:
        moved = False
        for t in sorted(eligible):
            cands = eligible[t]
            if len(cands) < 2:
                continue
            donor = max(cands, key=lambda mid: (sum(1 for tp in out[mid] if tp[0] == t) > 0, len(out[mid]),
                                                -order[mid]))
            taker = min(cands, key=lambda mid: (len(out[mid]), order[mid]))
            mine = sorted(tp for tp in out[donor] if tp[0] == t)
            if mine and len(out[donor]) - len(out[taker]) > 1:
                tp = mine[-1]
                out[donor].discard(tp)
                out[taker].add(tp)
                moved = True
    return out


def range_(members: list[AssignmentMember], partitions: dict[str, int],
           current: dict[str, set[TopicPartition]]) -> dict[str, set[TopicPartition]]:
    """The ``range`` assignor: per topic, contiguous ranges to the members subscribed to it.

    Members are ordered by ``group.instance.id`` (static members first), then by member id, so an
    unchanged membership gets an unchanged assignment; the first ``partitions % members`` get one
    extra partition. ``current`` is not used (Kafka's 4.0 ``RangeAssignor`` keeps no other stickiness).
    """
    ordered = sorted(members, key=lambda m: (0, m.instance_id, "") if m.instance_id is not None
                     else (1, "", m.member_id))
    out: dict[str, set[TopicPartition]] = {m.member_id: set() for m in members}
    for t in sorted({t for m in members for t in m.topics if t in partitions}):
        subs = [m for m in ordered if t in m.topics]
        quota, extra = divmod(partitions[t], len(subs))
        start = 0
        for m in subs:
            n = quota + (1 if extra > 0 else 0)
            extra -= 1 if extra > 0 else 0
            out[m.member_id].update((t, p) for p in range(start, start + n))
            start += n
    return out


Assignor = Callable[[list[AssignmentMember], dict[str, int], dict[str, set[TopicPartition]]],
                    dict[str, set[TopicPartition]]]

#: Short name -> assignor (``ConsumerGroupPartitionAssignor.name()``).
ASSIGNORS: dict[str, Assignor] = {"uniform": uniform, "range": range_}

#: The full class names ``group.consumer.assignors`` takes, and their short names.
CLASS_NAMES: dict[str, str] = {
    "org.apache.kafka.coordinator.group.assignor.UniformAssignor": "uniform",
    "org.apache.kafka.coordinator.group.assignor.RangeAssignor": "range",
}


def assignor_name(configured: str) -> str | None:
    """The short name for a ``group.consumer.assignors`` entry (class name or short name), or None."""
    name = CLASS_NAMES.get(configured, configured)
    return name if name in ASSIGNORS else None
