"""Share groups (KIP-932, "Queues for Kafka"): membership and the ``simple`` assignor.

Owns ``ShareGroupState``, ``ShareGroup``, ``ShareGroupMember``, ``ShareGroups`` (the group
coordinator's share-group part, built and driven by ``groups.GroupCoordinator``) and
``simple_assignment``: ShareGroupHeartbeat (join with epoch 0, heartbeat, leave with -1), the
group epoch and assignment epoch, member epochs, the broker-side session timeout, the group
configs a GROUP resource holds, and ShareGroupDescribe. The records themselves (acquisition
locks, acknowledgements, the share-partition start offset) are the share-partition leader's:
``share_partition.py`` and ``share_partition_manager.py``. Standard library only.

Kafka: ``GroupMetadataManager.shareGroupHeartbeat``, ``modern/share/ShareGroup.java``,
``ShareGroupMember.java``, ``SimpleAssignor`` with ``SimpleHomogeneousAssignmentBuilder`` and
``SimpleHeterogeneousAssignmentBuilder`` (Kafka 4.1+, KAFKA-19362/19363).

There is no revocation handshake: a share group's target assignment is the members' assignment
at once (no partition is exclusive, so nothing must be given up first). A member's epoch moves to
the group epoch in its next heartbeat after a change.

Simplifications:
- Topic names instead of topic ids; no rack-aware assignment.
- With different subscriptions (the heterogeneous case) each topic is assigned on its own among the
  members subscribed to it, with the same rules (ceil(M/P) members per partition, balance, then
  stickiness); Kafka's heterogeneous builder is not verified to split exactly so.
- Share-group metadata (ShareGroupMetadata/Member/TargetAssignment records) is not written to
  ``__consumer_offsets``; the trace events stand for it.
- A disconnect does not remove a member: it stays until ``group.share.session.timeout.ms``
  (KAFKA-19015 releases its records at once; whether it also leaves is unverified, B.6).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import Any, NamedTuple

from .. import config as _config
from ..clock import Priority
from ..errors import ERR, KafkaError, KafkaException

TopicPartition = tuple[str, int]
EMPTY: frozenset[TopicPartition] = frozenset()

#: ShareGroupHeartbeat member epochs with a meaning (``ShareGroupHeartbeatRequest``); no -2 (no static members).
JOIN_GROUP_MEMBER_EPOCH = 0
LEAVE_GROUP_MEMBER_EPOCH = -1


class ShareGroupState(Enum):
    """A share group's state (``ShareGroup.ShareGroupState``): no Assigning or Reconciling."""

    EMPTY = "Empty"
    STABLE = "Stable"
    DEAD = "Dead"


_S = ShareGroupState
#: Empty while it has no members, Stable with members; Dead only by deletion.
_ALLOWED = {
    _S.EMPTY: {_S.STABLE, _S.DEAD},
    _S.STABLE: {_S.EMPTY},
    _S.DEAD: set(),
}


class ShareGroupHeartbeatResult(NamedTuple):
    """A ShareGroupHeartbeat response. ``assignment`` None means unchanged; otherwise the FULL list of
    ``(topic, partition)`` the member is assigned now. On an error only ``error_code``/``error_message`` count."""

    error_code: int
    error_message: str | None
    member_id: str
    member_epoch: int
    heartbeat_interval_ms: int
    assignment: list[TopicPartition] | None = None


class DescribedShareGroupMember(NamedTuple):
    """One member in a ShareGroupDescribe response (``ShareGroupDescribeResponse.Member``)."""

    member_id: str
    rack_id: str | None
    client_id: str
    client_host: str
    member_epoch: int
    subscribed_topic_names: list[str]
    assignment: list[TopicPartition]


class DescribedShareGroup(NamedTuple):
    """A ShareGroupDescribe response for one group. ``type`` is always ``"share"``."""

    group_id: str
    state: str
    group_epoch: int
    assignment_epoch: int
    assignor_name: str
    members: list[DescribedShareGroupMember]
    type: str = "share"


class HeartbeatError(Exception):
    """An error answer to ShareGroupHeartbeat: Kafka's code and message."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(eq=False)
class ShareGroupMember:
    """A share-group member as the coordinator sees it (``ShareGroupMember``)."""

    member_id: str
    rack_id: str | None = None
    client_id: str = ""
    subscribed_topic_names: tuple[str, ...] = ()
    member_epoch: int = 0
    previous_member_epoch: int = 0
    assigned: frozenset[TopicPartition] = EMPTY
    last_heartbeat_ms: int = 0
    session_timer: Any = None


class ShareGroup:
    """One share group: epochs, members and their assignment. Kafka: ``modern/share/ShareGroup.java``."""

    type = "share"

    def __init__(self, group_id: str, now_ms: int) -> None:
        self.group_id = group_id
        self.state = ShareGroupState.EMPTY
        self.state_since_ms = now_ms
        self.group_epoch = 0
        self.assignment_epoch = 0
        self.members: dict[str, ShareGroupMember] = {}
        self.target: dict[str, frozenset[TopicPartition]] = {}
        self.subscription_metadata: dict[str, int] = {}

    def computed_state(self) -> ShareGroupState:
        """Empty without members, else Stable."""
        return ShareGroupState.STABLE if self.members else ShareGroupState.EMPTY


def _pairs(partitions) -> list[list]:
    return [[t, p] for t, p in sorted(partitions)]


# -- the simple assignor ------------------------------------------------------------------------------
def _assign_homogeneous(members: list[str], partitions: list[TopicPartition],
                        current: dict[str, frozenset[TopicPartition]]) -> dict[str, set[TopicPartition]]:
    """One set of members all subscribed to one set of partitions (``SimpleHomogeneousAssignmentBuilder``).

    desiredSharing = ceil(M / P) members per partition; the desiredSharing * P slots are spread so that
    member counts differ by at most one. Balance first, then stickiness: keep what each member had
    while it stays within its quota and the partition within its sharing, then fill the least-shared
    partitions.
    """
    out: dict[str, set[TopicPartition]] = {m: set() for m in members}
    if not members or not partitions:
        return out
    m_count, p_count = len(members), len(partitions)
    sharing = math.ceil(m_count / p_count)
    slots = sharing * p_count
    base, extra = divmod(slots, m_count)
    valid = set(partitions)
    kept = {m: sorted(current.get(m, EMPTY) & valid) for m in members}
    # Members that held more keep the +1 quotas (stickiness), ties in member order.
    order = sorted(members, key=lambda m: -len(kept[m]))
    quota = {m: base + (1 if i < extra else 0) for i, m in enumerate(order)}
    shared = {tp: 0 for tp in partitions}
    for m in members:
        for tp in kept[m]:
            if len(out[m]) < quota[m] and shared[tp] < sharing:
                out[m].add(tp)
                shared[tp] += 1
    index = {tp: i for i, tp in enumerate(partitions)}
    for m in members:
        while len(out[m]) < quota[m]:
            choices = [tp for tp in partitions if tp not in out[m] and shared[tp] < sharing]
            if not choices:
                break
            tp = min(choices, key=lambda x: (shared[x], index[x]))
            out[m].add(tp)
            shared[tp] += 1
    return out


def simple_assignment(subscriptions: dict[str, frozenset[str]], metadata: dict[str, int],
                      current: dict[str, frozenset[TopicPartition]]) -> dict[str, frozenset[TopicPartition]]:
    """The ``simple`` share-group assignor of Kafka 4.1+ (B.3).

    Args:
        subscriptions: member id -> subscribed topic names, in joining order.
        metadata: topic -> partition count (existing topics only).
        current: the previous assignment, for stickiness.

    M <= P: each partition goes to exactly one member (partition counts differ by at most one);
    M > P: every partition is shared by ceil(M/P) members.
    """
    members = list(subscriptions)
    out: dict[str, set[TopicPartition]] = {m: set() for m in members}
    sets = {frozenset(t for t in subs if t in metadata) for subs in subscriptions.values()}
    if len(sets) <= 1:
        topics = sorted(next(iter(sets), frozenset()))
        parts = [(t, p) for t in topics for p in range(metadata[t])]
        for m, tps in _assign_homogeneous(members, parts, current).items():
            out[m] |= tps
    else:
        for topic in sorted(set().union(*sets)):
            subs = [m for m in members if topic in subscriptions[m]]
            parts = [(topic, p) for p in range(metadata[topic])]
            cur = {m: frozenset(tp for tp in current.get(m, EMPTY) if tp[0] == topic) for m in subs}
            for m, tps in _assign_homogeneous(subs, parts, cur).items():
                out[m] |= tps
    return {m: frozenset(tps) for m, tps in out.items()}


# -- the coordinator's share groups -----------------------------------------------------------------------
class ShareGroups:
    """The share groups of one group coordinator (``coordinator.share``).

    Every state change of a share group happens here, traced with its reason. The share-partition
    leader (``cluster.share_partitions``) is told when a member leaves or is fenced, to release what
    it still holds.
    """

    def __init__(self, coordinator: Any) -> None:
        self.coordinator = coordinator
        self.cluster = coordinator.cluster
        self.clock = coordinator.clock
        self.trace = coordinator.trace
        self.groups: dict[str, ShareGroup] = {}
        self.configs: dict[str, dict[str, str]] = {}      # group id -> given group configs (text values)
        self._resolved: dict[str, dict[str, Any]] = {}

    # -- configuration -------------------------------------------------------------------------------
    def config(self, group_id: str) -> dict[str, Any]:
        """The group's resolved configs (``GroupConfig``): its own overrides, else the broker's settings."""
        resolved = self._resolved.get(group_id)
        if resolved is None:
            resolved = self._resolved[group_id] = _config.resolve_group(self.configs.get(group_id),
                                                                        self.cluster.broker_config)
        return resolved

    def describe_config(self, group_id: str) -> dict[str, tuple[Any, bool]]:
        """DescribeConfigs of a GROUP resource: ``{config: (value, is_default)}``."""
        given = self.configs.get(group_id, {})
        return {k: (v, k not in given) for k, v in self.config(group_id).items()}

    def alter_config(self, group_id: str, ops: list[tuple[str, str | None, str | None]],
                     validate_only: bool = False) -> None:
        """IncrementalAlterConfigs on a GROUP resource: ``(config, SET|DELETE, value)`` ops.

        Raises:
            KafkaException: ``INVALID_CONFIG`` with Kafka's ``GroupConfig`` texts; ``INVALID_REQUEST`` for
                APPEND/SUBTRACT (no group config is a list).
        """
        new = dict(self.configs.get(group_id, {}))
        for name, op, value in ops:
            if op == "SET":
                new[name] = value
            elif op == "DELETE":
                new.pop(name, None)
            else:
                raise KafkaException(KafkaError(ERR.INVALID_CONFIG, f"Config value append is not allowed for "
                                                                    f"config key: {name}"))
        resolved = _config.resolve_group(new, self.cluster.broker_config)
        if validate_only:
            return
        self.configs[group_id] = new
        self._resolved[group_id] = resolved
        self.trace.record("group_config_altered", "incremental_alter_configs (GROUP resource)", group=group_id,
                          config=dict(new))

    # -- group bookkeeping ---------------------------------------------------------------------------
    def group(self, group_id: str) -> ShareGroup | None:
        """The share group ``group_id``, or None."""
        return self.groups.get(group_id)

    def _create(self, group_id: str) -> ShareGroup:
        grp = self.groups[group_id] = ShareGroup(group_id, self.clock.now_ms)
        self.trace.record("group_created", "first ShareGroupHeartbeat", group=group_id, state=grp.state.value,
                          type="share")
        return grp

    def _update_state(self, grp: ShareGroup, reason: str) -> None:
        new = grp.computed_state()
        if new is not grp.state:
            self._transition(grp, new, reason)

    def _transition(self, grp: ShareGroup, new: ShareGroupState, reason: str) -> None:
        if new not in _ALLOWED[grp.state]:
            raise AssertionError(f"share group {grp.group_id}: {grp.state.value} -> {new.value} is not allowed")
        old = grp.state
        grp.state = new
        grp.state_since_ms = self.clock.now_ms
        self.trace.record("group_state", reason, group=grp.group_id, old=old.value, new=new.value,
                          generation_id=None, type="share", group_epoch=grp.group_epoch,
                          assignment_epoch=grp.assignment_epoch)

    def _bump(self, grp: ShareGroup, cause: str, member_id: str | None, reason: str) -> None:
        grp.group_epoch += 1
        self.trace.record("share_group_epoch", reason, group=grp.group_id, group_epoch=grp.group_epoch,
                          cause=cause, member=member_id)

    def delete(self, group_id: str, reason: str) -> int:
        """DeleteGroups of an Empty share group (state -> Dead, its share-partition state dropped)."""
        grp = self.groups[group_id]
        if grp.members:
            return ERR.NON_EMPTY_GROUP
        self._transition(grp, ShareGroupState.DEAD, reason)
        del self.groups[group_id]
        self.cluster.share_partitions.delete_group(group_id, reason)
        return 0

    # -- ShareGroupHeartbeat ---------------------------------------------------------------------------
    def heartbeat(self, group_id: str, member_id: str, member_epoch: int, rack_id: str | None = None,
                  subscribed_topic_names: list[str] | None = None, client_id: str = "") -> ShareGroupHeartbeatResult:
        """Handle one ShareGroupHeartbeat (join 0, heartbeat, leave -1); never raises for a Kafka error."""
        interval = self.config(group_id)["share.heartbeat.interval.ms"]
        try:
            self._validate_request(group_id, member_id, member_epoch, rack_id, subscribed_topic_names)
            if member_epoch == LEAVE_GROUP_MEMBER_EPOCH:
                return self._leave(group_id, member_id, interval)
            return self._heartbeat(group_id, member_id, member_epoch, rack_id, subscribed_topic_names, client_id,
                                   interval)
        except HeartbeatError as exc:
            return ShareGroupHeartbeatResult(exc.code, exc.message, member_id, 0, 0, None)

    @staticmethod
    def _validate_request(group_id, member_id, member_epoch, rack_id, names) -> None:
        """``throwIfShareGroupHeartbeatRequestIsInvalid`` (texts as Kafka's)."""
        def invalid(text: str) -> HeartbeatError:
            return HeartbeatError(ERR.INVALID_REQUEST, text)
        if group_id == "":
            raise invalid("GroupId can't be empty.")
        if rack_id == "":
            raise invalid("RackId can't be empty.")
        if member_id == "":
            raise invalid("MemberId can't be empty.")
        if member_epoch == JOIN_GROUP_MEMBER_EPOCH:
            if not names:
                raise invalid("SubscribedTopicNames must be set in first request.")
        elif member_epoch < LEAVE_GROUP_MEMBER_EPOCH:
            raise invalid(f"MemberEpoch is {member_epoch}, but must be greater than or equal to -1.")

    def _existing(self, group_id: str) -> ShareGroup:
        grp = self.groups.get(group_id)
        if grp is None:
            if self.coordinator.group_type(group_id) is not None:
                raise HeartbeatError(ERR.GROUP_ID_NOT_FOUND, f"Group {group_id} is not a share group.")
            raise HeartbeatError(ERR.GROUP_ID_NOT_FOUND, f"Group {group_id} not found.")
        return grp

    def _heartbeat(self, group_id, member_id, member_epoch, rack_id, names, client_id,
                   interval) -> ShareGroupHeartbeatResult:
        joining = member_epoch == JOIN_GROUP_MEMBER_EPOCH
        grp = self.groups.get(group_id)
        if grp is None:
            if not joining or self.coordinator.group_type(group_id) is not None:
                self._existing(group_id)
            grp = self._create(group_id)
        max_size = self.cluster.broker_config["group.share.max.size"]
        member = grp.members.get(member_id)
        if member is None:
            if not joining:
                raise HeartbeatError(ERR.UNKNOWN_MEMBER_ID, f"Member {member_id} is not a member of group "
                                                            f"{group_id}.")
            if len(grp.members) >= max_size:
                raise HeartbeatError(ERR.GROUP_MAX_SIZE_REACHED,
                                     f"The share group has reached its maximum capacity of {max_size} members.")
        elif joining:
            # A member rejoining with epoch 0 under its old id starts over (as consumer_groups; unverified).
            self._remove(grp, member, "member_fenced", "rejoin", "the member rejoined with epoch 0")
            member = None
        else:
            self._check_epoch(member, member_epoch)
        bump_cause = None
        before = None
        if member is None:
            member = ShareGroupMember(member_id, client_id=client_id, last_heartbeat_ms=self.clock.now_ms)
            grp.members[member_id] = member
            bump_cause = "member_joined"
            self.trace.record("member_joined", "ShareGroupHeartbeat (epoch 0)", group=group_id, member_id=member_id,
                              client_id=client_id, group_instance_id=None, topics=sorted(names or ()))
        else:
            before = member.assigned
        if rack_id is not None:
            member.rack_id = rack_id
        if names is not None and tuple(names) != member.subscribed_topic_names:
            member.subscribed_topic_names = tuple(names)
            bump_cause = bump_cause or "subscription"
        metadata = self._subscription_metadata(grp)
        if metadata != grp.subscription_metadata:
            grp.subscription_metadata = metadata
            bump_cause = bump_cause or "metadata"
        if bump_cause is not None:
            why = {"member_joined": f"member {member_id} joined",
                   "subscription": f"member {member_id} changed its subscription",
                   "metadata": "the partitions of the subscribed topics changed"}[bump_cause]
            self._bump(grp, bump_cause, member_id, why)
        if grp.group_epoch > grp.assignment_epoch:
            self._update_target(grp, member)
        self._reconcile(grp, member)
        member.last_heartbeat_ms = self.clock.now_ms
        if member.session_timer is None:
            self._schedule_session(grp, member)
        self._update_state(grp, f"heartbeat from {member_id}")
        assignment = None
        if joining or names is not None or member.assigned != before:
            assignment = sorted(member.assigned)
        return ShareGroupHeartbeatResult(0, None, member_id, member.member_epoch, interval, assignment)

    @staticmethod
    def _check_epoch(member: ShareGroupMember, epoch: int) -> None:
        """``throwIfShareGroupMemberEpochIsInvalid``: FENCED_MEMBER_EPOCH for a greater epoch, or a smaller
        one that is not the previous epoch (whose response may have been lost)."""
        if epoch > member.member_epoch:
            raise HeartbeatError(ERR.FENCED_MEMBER_EPOCH, f"The share group member has a greater member epoch "
                                 f"({epoch}) than the one known by the group coordinator ({member.member_epoch}). "
                                 f"The member must abandon all its partitions and rejoin.")
        if epoch < member.member_epoch and epoch != member.previous_member_epoch:
            raise HeartbeatError(ERR.FENCED_MEMBER_EPOCH, f"The share group member has a smaller member epoch "
                                 f"({epoch}) than the one known by the group coordinator ({member.member_epoch}). "
                                 f"The member must abandon all its partitions and rejoin.")

    # -- assignment --------------------------------------------------------------------------------------
    def _subscription_metadata(self, grp: ShareGroup) -> dict[str, int]:
        topics = self.cluster.topics
        out = {}
        for m in grp.members.values():
            for name in m.subscribed_topic_names:
                t = topics.get(name)
                if t is not None and name not in out:
                    out[name] = len(t.partitions)
        return out

    def _update_target(self, grp: ShareGroup, trigger: ShareGroupMember) -> None:
        """Run the simple assignor for the new group epoch."""
        subs = {mid: frozenset(m.subscribed_topic_names) for mid, m in grp.members.items()}
        grp.target = simple_assignment(subs, grp.subscription_metadata, grp.target)
        grp.assignment_epoch = grp.group_epoch
        self.trace.record("target_assignment", f"simple assignor for group epoch {grp.group_epoch} "
                          f"(heartbeat from {trigger.member_id})", group=grp.group_id,
                          assignment_epoch=grp.assignment_epoch, assignor="simple",
                          assignment={mid: _pairs(tps) for mid, tps in grp.target.items()})

    def _reconcile(self, grp: ShareGroup, member: ShareGroupMember) -> None:
        """No revocation: the member takes its target and the assignment epoch at once."""
        target = grp.target.get(member.member_id, EMPTY)
        if member.member_epoch == grp.assignment_epoch and member.assigned == target:
            return
        old = member.member_epoch
        if grp.assignment_epoch != member.member_epoch:
            member.previous_member_epoch = member.member_epoch
        member.member_epoch = grp.assignment_epoch
        member.assigned = target
        self.trace.record("member_epoch", "share group: the member takes its target assignment (no revocation)",
                          group=grp.group_id, member=member.member_id, client_id=member.client_id, old=old,
                          new=member.member_epoch, state="STABLE", owned=_pairs(target), pending_revocation=[])

    # -- timers, leaving, fencing ------------------------------------------------------------------------
    def _schedule_session(self, grp: ShareGroup, member: ShareGroupMember) -> None:
        deadline = member.last_heartbeat_ms + self.config(grp.group_id)["share.session.timeout.ms"]
        member.session_timer = self.clock.call_at(deadline, self._check_session, grp, member,
                                                  priority=Priority.SESSION_CHECK)

    def _check_session(self, grp: ShareGroup, member: ShareGroupMember) -> None:
        """The session timer, re-armed lazily: each heartbeat only moves ``last_heartbeat_ms``."""
        member.session_timer = None
        if self.groups.get(grp.group_id) is not grp or grp.members.get(member.member_id) is not member:
            return
        timeout = self.config(grp.group_id)["share.session.timeout.ms"]
        if self.clock.now_ms < member.last_heartbeat_ms + timeout:
            self._schedule_session(grp, member)
            return
        self._remove(grp, member, "member_fenced", "session_timeout", f"the member session expired (no heartbeat "
                     f"for share.session.timeout.ms={timeout}, last at {member.last_heartbeat_ms} ms)")

    def _remove(self, grp: ShareGroup, member: ShareGroupMember, kind: str, cause: str, reason: str) -> None:
        """Remove a member, bump the group epoch, and have the share-partition leader release its records."""
        grp.members.pop(member.member_id, None)
        grp.target.pop(member.member_id, None)
        if member.session_timer is not None:
            member.session_timer.cancel()
            member.session_timer = None
        partitions = _pairs(member.assigned)
        if kind == "member_fenced":
            self.trace.record("member_fenced", reason, group=grp.group_id, member=member.member_id,
                              client_id=member.client_id, cause=cause, member_epoch=member.member_epoch,
                              partitions=partitions, last_heartbeat_ms=member.last_heartbeat_ms)
        else:
            self.trace.record("member_left", reason, group=grp.group_id, member=member.member_id,
                              client_id=member.client_id, member_epoch=LEAVE_GROUP_MEMBER_EPOCH,
                              group_instance_id=None, partitions=partitions)
        self.cluster.share_partitions.member_removed(grp.group_id, member.member_id, cause)
        grp.subscription_metadata = self._subscription_metadata(grp)
        self._bump(grp, cause, member.member_id, f"member {member.member_id} removed: {reason}")
        if grp.members:
            self._update_target(grp, member)
        else:
            grp.assignment_epoch = grp.group_epoch
        self._update_state(grp, f"member {member.member_id} removed ({cause})")

    def _leave(self, group_id: str, member_id: str, interval: int) -> ShareGroupHeartbeatResult:
        grp = self._existing(group_id)
        member = grp.members.get(member_id)
        if member is None:
            raise HeartbeatError(ERR.UNKNOWN_MEMBER_ID, f"Member {member_id} is not a member of group {group_id}.")
        self._remove(grp, member, "member_left", "member_left", "the member left the group (epoch -1)")
        return ShareGroupHeartbeatResult(0, None, member_id, LEAVE_GROUP_MEMBER_EPOCH, interval, None)

    # -- describe -------------------------------------------------------------------------------------------
    def describe(self, group_id: str) -> DescribedShareGroup | None:
        """ShareGroupDescribe for one group, None if it is not a share group."""
        grp = self.groups.get(group_id)
        if grp is None:
            return None
        members = [DescribedShareGroupMember(m.member_id, m.rack_id, m.client_id, "/127.0.0.1", m.member_epoch,
                                             list(m.subscribed_topic_names), sorted(m.assigned))
                   for m in grp.members.values()]
        return DescribedShareGroup(grp.group_id, grp.state.value, grp.group_epoch, grp.assignment_epoch, "simple",
                                   members)
