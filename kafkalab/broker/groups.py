"""The group coordinator: every group of the cluster, classic groups here, consumer groups delegated.

Owns ``GroupState``, ``ClassicGroup``, ``GroupMember`` and ``GroupCoordinator``: JoinGroup and
SyncGroup phases, heartbeats and session-timeout eviction, LeaveGroup, static membership, and
the group state machine with every transition traced with its reason. Groups of the consumer
group protocol (KIP-848, ConsumerGroupHeartbeat) live in ``consumer_groups.py``, share groups
(KIP-932, ShareGroupHeartbeat) in ``share_groups.py``; the coordinator keeps one group id
namespace for every type and routes each request by type (a share group's id is refused to
JoinGroup with INCONSISTENT_GROUP_PROTOCOL and to ConsumerGroupHeartbeat with GROUP_ID_NOT_FOUND,
and a classic or consumer group's id to ShareGroupHeartbeat with GROUP_ID_NOT_FOUND "Group g is
not a share group."). Committed offsets
and their validation live in ``offset_manager.py``. Standard library only.

Mixed groups (simplification): Kafka 4.x converts a non-empty classic group into a consumer group
when a consumer-protocol member joins, and back when the last one leaves
(``group.consumer.migration.policy=bidirectional``). kafkalab does not model that online migration:
it answers as Kafka does with the migration disabled. A ConsumerGroupHeartbeat for a classic group
with members gets GROUP_ID_NOT_FOUND ("Group g is not a consumer group."); a JoinGroup for a consumer
group with members gets INCONSISTENT_GROUP_PROTOCOL. An EMPTY group of the other type is replaced
(its committed offsets are kept), as in Kafka.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, NamedTuple

from ..clock import Priority
from ..errors import ERR
from .consumer_groups import ConsumerGroups
from .offset_manager import OffsetManager
from .protocol_selection import select_protocol
from .share_groups import ShareGroups


class GroupState(Enum):
    """The broker's classic group states (``ClassicGroupState``)."""

    EMPTY = "Empty"
    PREPARING_REBALANCE = "PreparingRebalance"
    COMPLETING_REBALANCE = "CompletingRebalance"
    STABLE = "Stable"
    DEAD = "Dead"


_S = GroupState
_ALLOWED = {
    _S.EMPTY: {_S.PREPARING_REBALANCE, _S.DEAD},
    _S.PREPARING_REBALANCE: {_S.COMPLETING_REBALANCE, _S.EMPTY, _S.DEAD},
    _S.COMPLETING_REBALANCE: {_S.PREPARING_REBALANCE, _S.STABLE, _S.DEAD},
    _S.STABLE: {_S.PREPARING_REBALANCE, _S.DEAD},
    _S.DEAD: {_S.DEAD},
}


@dataclass
class JoinResult:
    """A JoinGroup response: ``members`` (id, instance id, protocol metadata) only for the leader."""

    error: int
    member_id: str = ""
    generation_id: int = -1
    protocol_name: str | None = None
    leader_id: str = ""
    members: list[tuple[str, str | None, dict]] = field(default_factory=list)
    reason: str = ""


class SyncResult(NamedTuple):
    """A SyncGroup response: the error code and this member's assigned ``(topic, partition)`` list."""

    error: int
    assignment: list


class DescribedMember(NamedTuple):
    """One member in a DescribeGroups response."""

    member_id: str
    group_instance_id: str | None
    client_id: str
    assignment: list[tuple[str, int]]


class DescribedGroup(NamedTuple):
    """A DescribeGroups response for one group. ``state`` is Kafka's name (``"Stable"``, ``"Empty"``, ...);
    ``protocol_type`` is None for a group that only ever had standalone commits (no members)."""

    group_id: str
    state: str
    protocol_type: str | None
    protocol_name: str | None
    members: list[DescribedMember]


class ListedGroup(NamedTuple):
    """One group in a ListGroups response; ``group_type`` is ``"classic"`` or ``"consumer"`` (KIP-848)."""

    group_id: str
    protocol_type: str | None
    state: str
    group_type: str = "classic"


@dataclass
class GroupMember:
    """A member as the coordinator sees it. ``protocols`` is [(assignor name, metadata)], metadata
    holding ``topics`` and ``owned`` partitions."""

    member_id: str
    group_instance_id: str | None
    client_id: str
    session_timeout_ms: int
    rebalance_timeout_ms: int
    protocols: list[tuple[str, dict]]
    assignment: list[tuple[str, int]] = field(default_factory=list)
    join_reply: Callable[[JoinResult], None] | None = None
    sync_reply: Callable[[int, list], None] | None = None
    last_heartbeat_ms: int = 0
    session_timer: Any = None
    joined_ms: int = 0

    def metadata_for(self, protocol: str) -> dict:
        """The subscription metadata this member sent for ``protocol``."""
        for name, meta in self.protocols:
            if name == protocol:
                return meta
        return {"topics": [], "owned": []}


class ClassicGroup:
    """One consumer group: state, generation, leader, members and the selected assignor.

    Kafka: ``group-coordinator/.../classic/ClassicGroup.java``.
    """

    def __init__(self, group_id: str, now_ms: int) -> None:
        self.group_id = group_id
        self.state = GroupState.EMPTY
        self.state_since_ms = now_ms
        self.generation_id = 0
        self.protocol_type: str | None = None
        self.protocol_name: str | None = None
        self.leader_id: str | None = None
        self.members: dict[str, GroupMember] = {}
        self.static_members: dict[str, str] = {}       # group.instance.id -> member id
        self.rebalance_timer: Any = None
        self.initial_delay_remaining_ms = 0
        self.new_member_added = False

    def rebalance_timeout_ms(self) -> int:
        """The longest ``max.poll.interval.ms`` among the members (the join phase's deadline)."""
        return max((m.rebalance_timeout_ms for m in self.members.values()), default=0)

    def all_joined(self) -> bool:
        """True when every known member has an outstanding JoinGroup."""
        return all(m.join_reply is not None for m in self.members.values())


class GroupCoordinator:
    """The broker-side coordinator of every consumer group of one cluster.

    Every change of a group's state happens here (``_transition``, with its reason); the offsets
    (``self.offsets``, an ``OffsetManager``, built here as Kafka's coordinator shard holds its
    ``OffsetMetadataManager``) ask it only through public methods.

    Kafka: ``GroupCoordinatorService`` / ``GroupMetadataManager`` (classic protocol).
    Simplifications: a new member gets its member id in its first JoinGroup (no
    MEMBER_ID_REQUIRED round trip of KIP-394); group metadata itself is not written to
    ``__consumer_offsets`` (only offset commits are).
    """

    def __init__(self, cluster: Any) -> None:
        self.cluster = cluster
        self.clock = cluster.clock
        self.trace = cluster.trace
        self.groups: dict[str, ClassicGroup] = {}
        self.offsets = OffsetManager(cluster, self)
        self.consumer = ConsumerGroups(self)
        self.share = ShareGroups(self)

    # -- helpers ----------------------------------------------------------------------------------
    def group(self, group_id: str, create: bool = False) -> ClassicGroup | None:
        """The group called ``group_id`` (created Empty when ``create``)."""
        grp = self.groups.get(group_id)
        if grp is None and create:
            grp = self.groups[group_id] = ClassicGroup(group_id, self.clock.now_ms)
            self.trace.record("group_created", "first use", group=group_id, state=grp.state.value)
        return grp

    def group_type(self, group_id: str) -> str | None:
        """``"classic"``, ``"consumer"`` or ``"share"`` for a group the coordinator knows, else None (one id
        namespace for every group type)."""
        if group_id in self.groups:
            return "classic"
        if group_id in self.consumer.groups:
            return "consumer"
        if group_id in self.share.groups:
            return "share"
        return None

    def _transition(self, grp: ClassicGroup, new: GroupState, reason: str) -> None:
        if new not in _ALLOWED[grp.state]:
            raise AssertionError(f"group {grp.group_id}: {grp.state.value} -> {new.value} is not allowed")
        old = grp.state
        grp.state = new
        grp.state_since_ms = self.clock.now_ms
        self.trace.record("group_state", reason, group=grp.group_id, old=old.value, new=new.value,
                          generation_id=grp.generation_id)

    def _new_member_id(self, prefix: str) -> str:
        return f"{prefix}-{uuid.UUID(int=self.cluster.rng.getrandbits(128), version=4)}"

    def validate_member(self, grp: ClassicGroup | None, member_id: str, instance_id: str | None) -> int:
        """0 if ``member_id`` (with ``instance_id`` for a static member) belongs to ``grp``, else
        UNKNOWN_MEMBER_ID / FENCED_INSTANCE_ID (``ClassicGroup.validateMember``)."""
        if grp is None:
            return ERR.UNKNOWN_MEMBER_ID
        if instance_id is not None:
            known = grp.static_members.get(instance_id)
            if known is None:
                return ERR.UNKNOWN_MEMBER_ID
            if known != member_id:
                return ERR.FENCED_INSTANCE_ID
            return 0
        return 0 if member_id in grp.members else ERR.UNKNOWN_MEMBER_ID

    # -- what the offsets depend on -----------------------------------------------------------------
    def validate_offset_commit(self, group_id: str, member_id: str, generation_id: int,
                               group_instance_id: str | None, transactional: bool = False) -> int:
        """0 if an OffsetCommit (or a TxnOffsetCommit) may be applied, else the error code to answer.

        A standalone commit (``generation_id`` < 0, no member id) creates an unknown group and is
        accepted only while the group is Empty; a member's commit must carry its current generation,
        and is refused during CompletingRebalance (REBALANCE_IN_PROGRESS) unless transactional.

        A consumer-protocol group checks the member epoch instead
        (``consumer_groups.ConsumerGroups.validate_offset_commit``).

        Kafka: ``ClassicGroup.validateOffsetCommit``.
        """
        cgrp = self.consumer.groups.get(group_id)
        if cgrp is not None:
            return self.consumer.validate_offset_commit(cgrp, member_id, generation_id)
        grp = self.group(group_id)
        if grp is None:
            if generation_id < 0:
                grp = self.group(group_id, create=True)
            else:
                return ERR.ILLEGAL_GENERATION
        if grp.state is GroupState.DEAD:
            return ERR.COORDINATOR_NOT_AVAILABLE
        if generation_id < 0 and grp.state is GroupState.EMPTY:
            return 0
        if generation_id >= 0 or member_id or group_instance_id is not None:
            err = self.validate_member(grp, member_id, group_instance_id)
            if err:
                return err
            if generation_id != grp.generation_id:
                return ERR.ILLEGAL_GENERATION
        elif not transactional and grp.state is not GroupState.EMPTY:
            return ERR.UNKNOWN_MEMBER_ID
        if not transactional and grp.state is GroupState.COMPLETING_REBALANCE:
            return ERR.REBALANCE_IN_PROGRESS
        return 0

    def offsets_expire_since(self, group_id: str) -> int | None:
        """From when the group's committed offsets age towards ``offsets.retention.minutes`` (KIP-211).

        None while the group is not Empty (its offsets do not expire); the time it became Empty for a
        group that had members; 0 (each offset then ages from its own commit time) for a group that
        never had members or does not exist.

        A consumer group: None while it has members, else 0 (Kafka's ``ConsumerGroup`` ages each
        offset from its commit time).

        Kafka: ``ClassicGroup.offsetExpirationCondition`` (the current state's timestamp).
        """
        cgrp = self.consumer.groups.get(group_id)
        if cgrp is not None:
            return None if cgrp.members else 0
        grp = self.groups.get(group_id)
        if grp is None:
            return 0
        if grp.state is not GroupState.EMPTY:
            return None
        return grp.state_since_ms if grp.protocol_type is not None else 0

    # -- JoinGroup --------------------------------------------------------------------------------
    def join(self, group_id: str, *, member_id: str, group_instance_id: str | None, client_id: str,
             session_timeout_ms: int, rebalance_timeout_ms: int, protocols: list[tuple[str, dict]],
             reply: Callable[[JoinResult], None]) -> None:
        """Handle a JoinGroup request; ``reply`` gets the JoinResult when the join phase completes."""
        if group_id in self.share.groups:
            reply(JoinResult(ERR.INCONSISTENT_GROUP_PROTOCOL, reason=(
                f"JoinGroup failed: group {group_id} is a share group")))
            return
        cgrp = self.consumer.groups.get(group_id)
        if cgrp is not None:
            if cgrp.members:
                reply(JoinResult(ERR.INCONSISTENT_GROUP_PROTOCOL, reason=(
                    f"JoinGroup failed: group {group_id} is a consumer group (group.protocol=consumer) with "
                    f"members; kafkalab does not model the online migration of mixed groups")))
                return
            self.consumer.delete(group_id, "an empty consumer group is replaced by a classic group (JoinGroup)")
        bmin = self.cluster.broker_config["group.min.session.timeout.ms"]
        bmax = self.cluster.broker_config["group.max.session.timeout.ms"]
        if not bmin <= session_timeout_ms <= bmax:
            reply(JoinResult(ERR.INVALID_SESSION_TIMEOUT, reason=(
                f"JoinGroup failed: Broker: Invalid session timeout: session.timeout.ms={session_timeout_ms} is "
                f"outside the broker's group.min.session.timeout.ms..group.max.session.timeout.ms "
                f"({bmin}..{bmax})")))
            return
        grp = self.group(group_id, create=(member_id == ""))
        if grp is None:
            reply(JoinResult(ERR.UNKNOWN_MEMBER_ID, reason="JoinGroup: unknown member id for a missing group"))
            return
        names = [name for name, _ in protocols]
        if grp.members and not _common_protocol(grp, names, exclude=member_id):
            reply(JoinResult(ERR.INCONSISTENT_GROUP_PROTOCOL, reason=(
                f"JoinGroup failed: no partition.assignment.strategy in common: member offers {names}")))
            return
        grp.protocol_type = "consumer"
        if member_id == "":
            self._join_unknown(grp, group_instance_id, client_id, session_timeout_ms, rebalance_timeout_ms,
                               protocols, reply)
        else:
            self._join_known(grp, member_id, group_instance_id, protocols, session_timeout_ms,
                             rebalance_timeout_ms, reply)

    def _join_unknown(self, grp, instance_id, client_id, session_ms, rebalance_ms, protocols, reply) -> None:
        now = self.clock.now_ms
        new_id = self._new_member_id(instance_id or client_id)
        old_id = grp.static_members.get(instance_id) if instance_id else None
        member = GroupMember(new_id, instance_id, client_id, session_ms, rebalance_ms, protocols,
                             last_heartbeat_ms=now, joined_ms=now)
        if old_id is not None and old_id in grp.members:
            old = grp.members.pop(old_id)
            member.assignment = old.assignment
            if old.session_timer is not None:
                old.session_timer.cancel()
            grp.members[new_id] = member
            grp.static_members[instance_id] = new_id
            if grp.leader_id == old_id:
                grp.leader_id = new_id
            self.trace.record("member_replaced", "static member rejoined with the same group.instance.id",
                              group=grp.group_id, old_member_id=old_id, member_id=new_id,
                              group_instance_id=instance_id)
            self._schedule_session(grp, member)
            if old.join_reply is not None:
                old.join_reply(JoinResult(ERR.FENCED_INSTANCE_ID, reason="replaced by a newer instance"))
            if grp.state is GroupState.STABLE and _same_protocols(old.protocols, protocols):
                reply(self._join_result(grp, member, include_members=(new_id == grp.leader_id)))
                return
            member.join_reply = reply
            self._maybe_prepare(grp, f"static member {instance_id} rejoined with new metadata")
            self._maybe_complete_join(grp)
            return
        member.join_reply = reply
        grp.members[new_id] = member
        if instance_id:
            grp.static_members[instance_id] = new_id
        grp.new_member_added = True
        self.trace.record("member_joined", "JoinGroup", group=grp.group_id, member_id=new_id,
                          client_id=client_id, group_instance_id=instance_id,
                          topics=sorted(protocols[0][1].get("topics", [])) if protocols else [])
        self._schedule_session(grp, member)
        self._maybe_prepare(grp, f"new member {new_id} joined")
        self._maybe_complete_join(grp)

    def _join_known(self, grp, member_id, instance_id, protocols, session_ms, rebalance_ms, reply) -> None:
        err = self.validate_member(grp, member_id, instance_id)
        if err:
            reply(JoinResult(err, member_id=member_id, reason="JoinGroup rejected"))
            return
        member = grp.members[member_id]
        changed = not _same_protocols(member.protocols, protocols)
        member.protocols = protocols
        member.session_timeout_ms = session_ms
        member.rebalance_timeout_ms = rebalance_ms
        member.last_heartbeat_ms = self.clock.now_ms
        if grp.state is GroupState.STABLE and not changed and member_id != grp.leader_id:
            reply(self._join_result(grp, member, include_members=False))
            return
        member.join_reply = reply
        if grp.state in (GroupState.STABLE, GroupState.COMPLETING_REBALANCE):
            why = "member metadata changed" if changed else "leader rejoined"
            self._prepare_rebalance(grp, f"{why}: {member_id}")
        self._maybe_complete_join(grp)

    def _join_result(self, grp: ClassicGroup, member: GroupMember, include_members: bool) -> JoinResult:
        members = []
        if include_members:
            members = [(m.member_id, m.group_instance_id, m.metadata_for(grp.protocol_name or ""))
                       for m in grp.members.values()]
        return JoinResult(0, member.member_id, grp.generation_id, grp.protocol_name, grp.leader_id or "",
                          members)

    def _maybe_prepare(self, grp: ClassicGroup, reason: str) -> None:
        if grp.state in (GroupState.STABLE, GroupState.COMPLETING_REBALANCE, GroupState.EMPTY):
            self._prepare_rebalance(grp, reason)

    def _prepare_rebalance(self, grp: ClassicGroup, reason: str) -> None:
        if grp.state is GroupState.COMPLETING_REBALANCE:
            for m in grp.members.values():
                if m.sync_reply is not None:
                    m.sync_reply(ERR.REBALANCE_IN_PROGRESS, [])
                    m.sync_reply = None
        if grp.rebalance_timer is not None:
            grp.rebalance_timer.cancel()
        was_empty = grp.state is GroupState.EMPTY
        self._transition(grp, GroupState.PREPARING_REBALANCE, reason)
        if was_empty:
            delay = self.cluster.broker_config["group.initial.rebalance.delay.ms"]
            timeout = grp.rebalance_timeout_ms()
            first = min(delay, timeout)
            grp.initial_delay_remaining_ms = max(0, timeout - first)
            grp.new_member_added = False
            grp.rebalance_timer = self.clock.call_later(first, self._initial_delay_expired, grp)
        else:
            grp.initial_delay_remaining_ms = -1
            grp.rebalance_timer = self.clock.call_later(grp.rebalance_timeout_ms(), self._rebalance_timeout,
                                                        grp)

    def _initial_delay_expired(self, grp: ClassicGroup) -> None:
        """``InitialDelayedJoin``: extend by another delay while new members keep arriving."""
        delay = self.cluster.broker_config["group.initial.rebalance.delay.ms"]
        if grp.new_member_added and grp.initial_delay_remaining_ms > 0:
            step = min(delay, grp.initial_delay_remaining_ms)
            grp.initial_delay_remaining_ms -= step
            grp.new_member_added = False
            grp.rebalance_timer = self.clock.call_later(step, self._initial_delay_expired, grp)
            return
        grp.initial_delay_remaining_ms = -1
        grp.rebalance_timer = None
        self._complete_join(grp, "group.initial.rebalance.delay.ms elapsed")

    def _rebalance_timeout(self, grp: ClassicGroup) -> None:
        grp.rebalance_timer = None
        self._complete_join(grp, "rebalance timeout (max.poll.interval.ms) elapsed")

    def _maybe_complete_join(self, grp: ClassicGroup) -> None:
        if (grp.state is GroupState.PREPARING_REBALANCE and grp.initial_delay_remaining_ms < 0
                and grp.all_joined()):
            if grp.rebalance_timer is not None:
                grp.rebalance_timer.cancel()
                grp.rebalance_timer = None
            self._complete_join(grp, "all known members rejoined")

    def _complete_join(self, grp: ClassicGroup, reason: str) -> None:
        if grp.state is not GroupState.PREPARING_REBALANCE:
            return
        for m in [m for m in grp.members.values() if m.join_reply is None]:
            self._remove_member(grp, m, "rebalance_timeout",
                                f"did not rejoin within the rebalance timeout ({m.rebalance_timeout_ms} ms)",
                                rebalance=False)
        grp.generation_id += 1
        if not grp.members:
            grp.protocol_name = None
            grp.leader_id = None
            self._transition(grp, GroupState.EMPTY, f"{reason}; no members left")
            return
        grp.protocol_name = select_protocol([[n for n, _ in m.protocols] for m in grp.members.values()])
        if grp.leader_id not in grp.members:
            grp.leader_id = next(iter(grp.members))
        self._transition(grp, GroupState.COMPLETING_REBALANCE, reason)
        self.trace.record("generation", reason, group=grp.group_id, generation_id=grp.generation_id,
                          protocol=grp.protocol_name, leader_id=grp.leader_id, members=list(grp.members))
        for m in list(grp.members.values()):
            reply, m.join_reply = m.join_reply, None
            m.last_heartbeat_ms = self.clock.now_ms
            reply(self._join_result(grp, m, include_members=(m.member_id == grp.leader_id)))

    # -- SyncGroup ---------------------------------------------------------------------------------
    def sync(self, group_id: str, *, member_id: str, generation_id: int, group_instance_id: str | None,
             assignments: dict[str, list[tuple[str, int]]] | None,
             reply: Callable[[int, list], None]) -> None:
        """Handle SyncGroup; the leader's ``assignments`` complete the rebalance for everyone."""
        grp = self.groups.get(group_id)
        err = self.validate_member(grp, member_id, group_instance_id)
        if err:
            reply(err, [])
            return
        if generation_id != grp.generation_id:
            reply(ERR.ILLEGAL_GENERATION, [])
            return
        member = grp.members[member_id]
        member.last_heartbeat_ms = self.clock.now_ms
        if grp.state is GroupState.PREPARING_REBALANCE:
            reply(ERR.REBALANCE_IN_PROGRESS, [])
        elif grp.state is GroupState.STABLE:
            reply(0, list(member.assignment))
        elif grp.state is GroupState.COMPLETING_REBALANCE:
            member.sync_reply = reply
            if member_id == grp.leader_id and assignments is not None:
                for m in grp.members.values():
                    m.assignment = sorted(assignments.get(m.member_id, []))
                    self.trace.record("assignment", "SyncGroup from the leader", group=group_id,
                                      generation_id=grp.generation_id, member_id=m.member_id,
                                      client_id=m.client_id, partitions=[list(tp) for tp in m.assignment])
                self._transition(grp, GroupState.STABLE, f"leader {member_id} sent the assignment")
                for m in grp.members.values():
                    if m.sync_reply is not None:
                        r, m.sync_reply = m.sync_reply, None
                        r(0, list(m.assignment))
        else:
            reply(ERR.UNKNOWN_MEMBER_ID, [])

    # -- Heartbeat / LeaveGroup / expiry -----------------------------------------------------------
    def heartbeat(self, group_id: str, member_id: str, generation_id: int, group_instance_id: str | None) -> int:
        """Handle a Heartbeat; returns 0, REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID ..."""
        grp = self.groups.get(group_id)
        err = self.validate_member(grp, member_id, group_instance_id)
        if err:
            return err
        if generation_id != grp.generation_id:
            return ERR.ILLEGAL_GENERATION
        grp.members[member_id].last_heartbeat_ms = self.clock.now_ms
        if grp.state is GroupState.PREPARING_REBALANCE:
            return ERR.REBALANCE_IN_PROGRESS
        return 0

    def leave(self, group_id: str, member_id: str, group_instance_id: str | None, reason: str) -> int:
        """Handle LeaveGroup: remove the member and rebalance the rest."""
        grp = self.groups.get(group_id)
        err = self.validate_member(grp, member_id, group_instance_id)
        if err:
            return err
        self._remove_member(grp, grp.members[member_id], "leave_group", reason)
        return 0

    def _schedule_session(self, grp: ClassicGroup, member: GroupMember) -> None:
        deadline = member.last_heartbeat_ms + member.session_timeout_ms
        member.session_timer = self.clock.call_at(deadline, self._check_session, grp, member,
                                                  priority=Priority.SESSION_CHECK)

    def _check_session(self, grp: ClassicGroup, member: GroupMember) -> None:
        if grp.members.get(member.member_id) is not member:
            return
        now = self.clock.now_ms
        waiting = member.join_reply is not None or member.sync_reply is not None
        if waiting or now < member.last_heartbeat_ms + member.session_timeout_ms:
            base = now if waiting else member.last_heartbeat_ms
            member.session_timer = self.clock.call_at(base + member.session_timeout_ms, self._check_session,
                                                      grp, member, priority=Priority.SESSION_CHECK)
            return
        self._remove_member(grp, member, "session_timeout",
                            f"no heartbeat for session.timeout.ms={member.session_timeout_ms} "
                            f"(last at {member.last_heartbeat_ms} ms)")

    def _remove_member(self, grp: ClassicGroup, member: GroupMember, cause: str, reason: str,
                       rebalance: bool = True) -> None:
        grp.members.pop(member.member_id, None)
        if member.group_instance_id and grp.static_members.get(member.group_instance_id) == member.member_id:
            del grp.static_members[member.group_instance_id]
        if member.session_timer is not None:
            member.session_timer.cancel()
        self.trace.record("member_removed", reason, group=grp.group_id, member_id=member.member_id,
                          client_id=member.client_id, cause=cause, generation_id=grp.generation_id,
                          partitions=[list(tp) for tp in member.assignment],
                          last_heartbeat_ms=member.last_heartbeat_ms)
        if not rebalance:
            return
        if grp.state in (GroupState.STABLE, GroupState.COMPLETING_REBALANCE):
            self._prepare_rebalance(grp, f"member {member.member_id} removed ({cause})")
        elif grp.state is GroupState.PREPARING_REBALANCE:
            self._maybe_complete_join(grp)
            if not grp.members:
                self._complete_join(grp, "last member left")

    # -- consumer groups (KIP-848) ----------------------------------------------------------------
    def consumer_group_heartbeat(self, group_id: str, **fields: Any):
        """Handle a ConsumerGroupHeartbeat: ``consumer_groups.ConsumerGroups.heartbeat``."""
        return self.consumer.heartbeat(group_id, **fields)

    def make_room_for_consumer_group(self, group_id: str) -> int:
        """Before a consumer group ``group_id`` is created: drop an EMPTY classic group of that id (its
        offsets stay); GROUP_ID_NOT_FOUND while the classic group has members (no online migration)."""
        if group_id in self.share.groups:
            return ERR.GROUP_ID_NOT_FOUND
        grp = self.groups.get(group_id)
        if grp is None:
            return 0
        if grp.members:
            return ERR.GROUP_ID_NOT_FOUND
        self._transition(grp, GroupState.DEAD, "an empty classic group is replaced by a consumer group")
        if grp.rebalance_timer is not None:
            grp.rebalance_timer.cancel()
        del self.groups[group_id]
        return 0

    def validate_offset_fetch(self, group_id: str, member_id: str | None, member_epoch: int) -> int:
        """0 if an OffsetFetch may be answered; for a consumer group with a member id and epoch (v9+):
        UNKNOWN_MEMBER_ID or STALE_MEMBER_EPOCH (``ConsumerGroup.validateOffsetFetch``). Classic groups: 0."""
        cgrp = self.consumer.groups.get(group_id)
        if cgrp is None:
            return 0
        return self.consumer.validate_offset_fetch(cgrp, member_id, member_epoch)

    # -- admin: DescribeGroups / ListGroups / DeleteGroups -----------------------------------------
    def describe_group(self, group_id: str) -> DescribedGroup | None:
        """What DescribeGroups answers for ``group_id``: a snapshot, or None for an unknown group.

        A consumer-protocol group is described as Dead with no members, as Kafka's DescribeGroups does
        for a group that is not a classic group (use ConsumerGroupDescribe).
        """
        if group_id in self.consumer.groups or group_id in self.share.groups:
            return DescribedGroup(group_id, GroupState.DEAD.value, None, None, [])
        grp = self.groups.get(group_id)
        if grp is None:
            return None
        members = [DescribedMember(m.member_id, m.group_instance_id, m.client_id, list(m.assignment))
                   for m in grp.members.values()]
        return DescribedGroup(grp.group_id, grp.state.value, grp.protocol_type, grp.protocol_name, members)

    def list_groups(self) -> list[ListedGroup]:
        """Every group the coordinator knows (ListGroups): classic groups in creation order, then consumer
        groups (protocol type ``consumer``, KIP-848 state names), then share groups (type ``share``, KIP-932)."""
        return ([ListedGroup(g.group_id, g.protocol_type, g.state.value) for g in self.groups.values()]
                + [ListedGroup(g.group_id, "consumer", g.state.value, "consumer")
                   for g in self.consumer.groups.values()]
                + [ListedGroup(g.group_id, "share", g.state.value, "share") for g in self.share.groups.values()])

    def delete_group(self, group_id: str, reason: str) -> int:
        """Delete an Empty group and its committed offsets (state -> Dead); 0 or the error code.

        Kafka: ``DeleteGroups``; ``GROUP_ID_NOT_FOUND`` (69) for an unknown group, ``NON_EMPTY_GROUP`` (68)
        while it has members.
        """
        if group_id in self.consumer.groups:
            err = self.consumer.delete(group_id, reason) if not self.consumer.groups[group_id].members \
                else ERR.NON_EMPTY_GROUP
            if not err:
                self.offsets.delete_group_offsets(group_id, reason)
            return err
        if group_id in self.share.groups:
            return self.share.delete(group_id, reason)
        grp = self.groups.get(group_id)
        if grp is None:
            return ERR.GROUP_ID_NOT_FOUND
        if grp.members:
            return ERR.NON_EMPTY_GROUP
        self.offsets.delete_group_offsets(group_id, reason)
        self._transition(grp, GroupState.DEAD, reason)
        del self.groups[group_id]
        return 0

    def on_topic_deleted(self, topic: str) -> None:
        """Drop the committed offsets of a deleted topic in every group."""
        self.offsets.on_topic_deleted(topic)


def _same_protocols(a: list[tuple[str, dict]], b: list[tuple[str, dict]]) -> bool:
    return [(n, sorted(m.get("topics", [])), sorted(m.get("owned", []))) for n, m in a] == \
           [(n, sorted(m.get("topics", [])), sorted(m.get("owned", []))) for n, m in b]


def _common_protocol(grp: ClassicGroup, names: list[str], exclude: str) -> bool:
    others = [{n for n, _ in m.protocols} for mid, m in grp.members.items() if mid != exclude]
    return not others or any(all(n in o for o in others) for n in names)
