"""The consumer's join state: where one member stands in the classic group protocol.

Owns ``JoinState`` and its table of allowed transitions. ``ConsumerCoordinator`` changes the
state only through ``ConsumerCoordinator._set_state``, which checks the table and records a
``join_state`` event with the reason. Standard library only.
"""

from __future__ import annotations

from enum import Enum


class JoinState(Enum):
    """A consumer's membership state (kafkalab's names; ``client/stats.py`` maps them to librdkafka's).

    Kafka: librdkafka ``rd_kafka_cgrp_join_state_t`` (rdkafka_cgrp.c), Java
    ``AbstractCoordinator.MemberState``. Simplification: librdkafka's wait states around the
    assign/unassign calls are folded into ``STABLE`` and ``REVOKING``; ``LEFT`` (after
    ``max.poll.interval.ms`` or a close), ``FENCED`` (a fenced static member) and ``FAILED`` (a
    JoinGroup error the consumer cannot retry) are kafkalab's, librdkafka reports them as ``init``.
    """

    INIT = "init"            # not a member, or about to rejoin
    JOINING = "joining"      # JoinGroup sent, waiting for its answer
    SYNCING = "syncing"      # SyncGroup sent, waiting for the assignment
    STABLE = "stable"        # a member of the current generation with its assignment
    REVOKING = "revoking"    # a revoke is queued for the application's next poll, then it rejoins
    LEFT = "left"            # left the group (max.poll.interval.ms, close); polling again rejoins
    FENCED = "fenced"        # a static member fenced by another with the same group.instance.id
    FAILED = "failed"        # JoinGroup failed for good (INVALID_SESSION_TIMEOUT, INCONSISTENT_GROUP_PROTOCOL)


_J = JoinState
# Every state may leave the group (LEFT, or INIT without a subscription): close() and unsubscribe().
ALLOWED: dict[JoinState, frozenset[JoinState]] = {
    _J.INIT: frozenset({_J.JOINING, _J.REVOKING, _J.LEFT}),
    _J.JOINING: frozenset({_J.SYNCING, _J.INIT, _J.FAILED, _J.FENCED, _J.LEFT}),
    _J.SYNCING: frozenset({_J.STABLE, _J.INIT, _J.FAILED, _J.FENCED, _J.LEFT}),
    _J.STABLE: frozenset({_J.JOINING, _J.REVOKING, _J.INIT, _J.FAILED, _J.FENCED, _J.LEFT}),
    _J.REVOKING: frozenset({_J.INIT, _J.FAILED, _J.FENCED, _J.LEFT}),
    _J.LEFT: frozenset({_J.INIT, _J.JOINING, _J.REVOKING}),
    _J.FENCED: frozenset({_J.INIT, _J.LEFT}),
    _J.FAILED: frozenset({_J.INIT, _J.LEFT}),
}

def check_transition(old: JoinState, new: JoinState, who: str) -> None:
    """Raise ``AssertionError`` when ``old -> new`` is not in ``ALLOWED`` (an engine bug)."""
    if new not in ALLOWED[old]:
        raise AssertionError(f"consumer {who}: join state {old.value} -> {new.value} is not allowed")
