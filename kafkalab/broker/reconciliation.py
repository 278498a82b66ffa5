"""Moving one consumer-group member from its current assignment towards its target (KIP-848).

Owns ``MemberState`` and ``next_assignment``: revoke first (the member keeps its epoch while it
still owns partitions that leave it), then assign, withholding any partition another member still
owns until that member reports it released. Standard library only.

Kafka: ``group-coordinator/.../modern/consumer/CurrentAssignmentBuilder.java`` and
``modern/MemberState.java``.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import NamedTuple

TopicPartition = tuple[str, int]


class MemberState(Enum):
    """A consumer-group member's reconciliation state on the coordinator (``MemberState``)."""

    STABLE = "STABLE"
    UNREVOKED_PARTITIONS = "UNREVOKED_PARTITIONS"
    UNRELEASED_PARTITIONS = "UNRELEASED_PARTITIONS"
    UNKNOWN = "UNKNOWN"


class Reconciled(NamedTuple):
    """The member after one reconciliation step: state, epoch, what it may own now, what it must revoke."""

    state: MemberState
    epoch: int
    assigned: frozenset[TopicPartition]
    pending_revocation: frozenset[TopicPartition]


def next_assignment(state: MemberState, epoch: int, assigned: frozenset[TopicPartition],
                    pending_revocation: frozenset[TopicPartition], target_epoch: int,
                    target: frozenset[TopicPartition], owned: frozenset[TopicPartition] | None,
                    owned_elsewhere: Callable[[TopicPartition], bool]) -> Reconciled:
    """One step of ``CurrentAssignmentBuilder.build`` for a member.

    Args:
        state, epoch, assigned, pending_revocation: the member now.
        target_epoch, target: the group's assignment epoch and this member's target partitions.
        owned: the partitions the member reported owning in this heartbeat (None: not sent).
        owned_elsewhere: whether a partition is still held (assigned or pending revocation) by
            another member.

    Returns:
        The member's next state; equal to the input when nothing can move yet.
    """
    same = Reconciled(state, epoch, assigned, pending_revocation)
    if state is MemberState.STABLE:
        if epoch == target_epoch:
            return same
        return _compute(epoch, assigned, target_epoch, target, owned, owned_elsewhere)
    if state is MemberState.UNREVOKED_PARTITIONS:
        if _owns_any(owned, pending_revocation):
            return same
        return _compute(epoch + 1, assigned, target_epoch, target, owned, owned_elsewhere)
    if state is MemberState.UNRELEASED_PARTITIONS:
        return _compute(epoch, assigned, target_epoch, target, owned, owned_elsewhere)
    return _compute(target_epoch, assigned, target_epoch, target, owned, owned_elsewhere)


def _owns_any(owned: frozenset[TopicPartition] | None, partitions: frozenset[TopicPartition]) -> bool:
    """True when the member (may) still own one of ``partitions``; a heartbeat without owned partitions
    counts as still owning them."""
    return owned is None or not owned.isdisjoint(partitions)


def _compute(epoch: int, assigned: frozenset[TopicPartition], target_epoch: int, target: frozenset[TopicPartition],
             owned: frozenset[TopicPartition] | None,
             owned_elsewhere: Callable[[TopicPartition], bool]) -> Reconciled:
    keep = assigned & target
    revoke = assigned - keep
    pending = target - keep
    unreleased = frozenset(tp for tp in pending if owned_elsewhere(tp))
    grant = pending - unreleased
    if revoke and _owns_any(owned, revoke):
        return Reconciled(MemberState.UNREVOKED_PARTITIONS, epoch, keep, revoke)
    state = MemberState.UNRELEASED_PARTITIONS if unreleased else MemberState.STABLE
    return Reconciled(state, target_epoch, keep | grant, frozenset())
