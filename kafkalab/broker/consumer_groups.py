"""Consumer groups of the consumer group protocol (KIP-848, ``group.protocol=consumer``).

Owns ``ConsumerGroupState``, ``ConsumerGroup``, ``ConsumerGroupMember`` and ``ConsumerGroups`` (the
group coordinator's consumer-protocol half, built and driven by ``groups.GroupCoordinator``):
ConsumerGroupHeartbeat, the group epoch, the target assignment and its assignment epoch, member
epochs with reconciliation (``reconciliation.py``) and the per-partition hand-over, the broker-side
session and rebalance timeouts, leaving (-1) and static members leaving temporarily (-2), offset
commit validation with member epochs, and ConsumerGroupDescribe. Every group state change is traced
with its reason. Standard library only.

Kafka: ``GroupMetadataManager.consumerGroupHeartbeat`` and its helpers,
``modern/consumer/ConsumerGroup.java``, ``ConsumerGroupMember.java``.

Simplifications:
- Topic names instead of topic ids; a regex subscription is matched with Python's ``re.fullmatch``
  (Kafka uses RE2/J) against the non-internal topics, re-evaluated on every heartbeat.
- The target assignment is computed, as in Kafka 4.0, in the heartbeat that finds the group epoch
  ahead of the assignment epoch (so the group is ``Assigning`` between a fence and the next
  heartbeat of any member); the assignor runs synchronously (no ``consumer.assignment.interval.ms``).
- Partition-count changes of subscribed topics are noticed at the next heartbeat (Kafka: the next
  metadata image, then the next heartbeat).
- No online migration between classic and consumer groups: ``groups.GroupCoordinator`` refuses a
  mixed group with Kafka's errors (see there).
- Group metadata is not written to ``__consumer_offsets`` (only offset commits are); per-group
  configs (``consumer.session.timeout.ms`` on a GROUP resource) are not modelled.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from enum import Enum
from typing import Any, NamedTuple

from ..clock import Priority
from ..errors import ERR
from .reconciliation import MemberState, next_assignment
from .server_assignors import ASSIGNORS, AssignmentMember, assignor_name

TopicPartition = tuple[str, int]
EMPTY: frozenset[TopicPartition] = frozenset()

#: ConsumerGroupHeartbeat member epochs with a meaning (``ConsumerGroupHeartbeatRequest``).
JOIN_GROUP_MEMBER_EPOCH = 0
LEAVE_GROUP_MEMBER_EPOCH = -1
LEAVE_GROUP_STATIC_MEMBER_EPOCH = -2


class ConsumerGroupState(Enum):
    """A consumer group's state (``ConsumerGroup.ConsumerGroupState``)."""

    EMPTY = "Empty"
    ASSIGNING = "Assigning"
    RECONCILING = "Reconciling"
    STABLE = "Stable"
    DEAD = "Dead"


_S = ConsumerGroupState
#: The state follows from the members and epochs (``maybeUpdateGroupState``); Dead only by deletion.
_ALLOWED = {
    _S.EMPTY: {_S.ASSIGNING, _S.RECONCILING, _S.STABLE, _S.DEAD},
    _S.ASSIGNING: {_S.RECONCILING, _S.STABLE, _S.EMPTY},
    _S.RECONCILING: {_S.ASSIGNING, _S.STABLE, _S.EMPTY},
    _S.STABLE: {_S.ASSIGNING, _S.RECONCILING, _S.EMPTY},
    _S.DEAD: set(),
}


class ConsumerGroupHeartbeatResult(NamedTuple):
    """A ConsumerGroupHeartbeat response. ``assignment`` None means unchanged; otherwise the FULL set of
    ``(topic, partition)`` the member may own now. On an error only ``error_code``/``error_message`` count."""

    error_code: int
    error_message: str | None
    member_id: str
    member_epoch: int
    heartbeat_interval_ms: int
    assignment: list[TopicPartition] | None = None


class DescribedConsumerGroupMember(NamedTuple):
    """One member in a ConsumerGroupDescribe response (``ConsumerGroupDescribeResponse.Member``)."""

    member_id: str
    instance_id: str | None
    rack_id: str | None
    client_id: str
    member_epoch: int
    state: str
    subscribed_topic_names: list[str]
    subscribed_topic_regex: str | None
    assignment: list[TopicPartition]
    target_assignment: list[TopicPartition]


class DescribedConsumerGroup(NamedTuple):
    """A ConsumerGroupDescribe response for one group. ``type`` is always ``"consumer"``."""

    group_id: str
    state: str
    group_epoch: int
    assignment_epoch: int
    assignor_name: str
    members: list[DescribedConsumerGroupMember]
    type: str = "consumer"


class HeartbeatError(Exception):
    """An error answer to ConsumerGroupHeartbeat: Kafka's code and message."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(eq=False)
class ConsumerGroupMember:
    """A consumer-protocol member as the coordinator sees it (``ConsumerGroupMember``).

    ``assigned`` is what the member may own now, ``pending_revocation`` what it must still give up;
    a partition in either is held by this member for every other member's hand-over.
    """

    member_id: str
    instance_id: str | None = None
    rack_id: str | None = None
    client_id: str = ""
    rebalance_timeout_ms: int = -1
    subscribed_topic_names: tuple[str, ...] = ()
    subscribed_topic_regex: str | None = None
    server_assignor: str | None = None
    member_epoch: int = 0
    previous_member_epoch: int = 0
    state: MemberState = MemberState.STABLE
    assigned: frozenset[TopicPartition] = EMPTY
    pending_revocation: frozenset[TopicPartition] = EMPTY
    last_heartbeat_ms: int = 0
    session_timer: Any = None
    rebalance_timer: Any = None

    def is_reconciled_to(self, epoch: int) -> bool:
        """STABLE at ``epoch`` (``ModernGroupMember.isReconciledTo``)."""
        return self.state is MemberState.STABLE and self.member_epoch == epoch


class ConsumerGroup:
    """One consumer-protocol group: epochs, members, target assignment and who holds each partition.

    Kafka: ``modern/consumer/ConsumerGroup.java``.
    """

    type = "consumer"

    def __init__(self, group_id: str, now_ms: int) -> None:
        self.group_id = group_id
        self.state = ConsumerGroupState.EMPTY
        self.state_since_ms = now_ms
        self.group_epoch = 0
        self.assignment_epoch = 0
        self.members: dict[str, ConsumerGroupMember] = {}
        self.static_members: dict[str, str] = {}             # group.instance.id -> member id
        self.target: dict[str, frozenset[TopicPartition]] = {}
        self.holders: dict[TopicPartition, str] = {}          # partition -> member holding it (assigned/pending)
        self.subscription_metadata: dict[str, int] = {}     # subscribed topic -> partition count

    def computed_state(self) -> ConsumerGroupState:
        """The state the members and epochs say (``ConsumerGroup.maybeUpdateGroupState``)."""
        if not self.members:
            return ConsumerGroupState.EMPTY
        if self.group_epoch > self.assignment_epoch:
            return ConsumerGroupState.ASSIGNING
        for m in self.members.values():
            if not m.is_reconciled_to(self.assignment_epoch):
                return ConsumerGroupState.RECONCILING
        return ConsumerGroupState.STABLE

    def held_elsewhere(self, member_id: str):
        """A predicate: is a partition held by a member other than ``member_id``?"""
        holders = self.holders

        def check(tp: TopicPartition) -> bool:
            holder = holders.get(tp)
            return holder is not None and holder != member_id
        return check


def _pairs(partitions) -> list[list]:
    return [[t, p] for t, p in sorted(partitions)]


class ConsumerGroups:
    """The consumer-protocol groups of one group coordinator.

    Built by ``groups.GroupCoordinator`` (``coordinator.consumer``), which routes each request by group
    type; every state change of a consumer group happens here, traced with its reason.
    """

    def __init__(self, coordinator: Any) -> None:
        self.coordinator = coordinator
        self.cluster = coordinator.cluster
        self.clock = coordinator.clock
        self.trace = coordinator.trace
        self.groups: dict[str, ConsumerGroup] = {}

    # -- configuration -------------------------------------------------------------------------------
    def _conf(self, name: str) -> Any:
        return self.cluster.broker_config[name]

    def assignor_names(self) -> list[str]:
        """Short names of ``group.consumer.assignors``, the default first."""
        names = [assignor_name(a) for a in self._conf("group.consumer.assignors")]
        return [n for n in names if n is not None]

    def heartbeat_interval_ms(self) -> int:
        """``group.consumer.heartbeat.interval.ms``: how often members are told to heartbeat."""
        return self._conf("group.consumer.heartbeat.interval.ms")

    # -- group bookkeeping ---------------------------------------------------------------------------
    def group(self, group_id: str) -> ConsumerGroup | None:
        """The consumer group ``group_id``, or None."""
        return self.groups.get(group_id)

    def create(self, group_id: str) -> ConsumerGroup:
        """A new Empty consumer group (the coordinator checked that no classic group has the id)."""
        grp = self.groups[group_id] = ConsumerGroup(group_id, self.clock.now_ms)
        self.trace.record("group_created", "first ConsumerGroupHeartbeat", group=group_id, state=grp.state.value,
                          type="consumer")
        return grp

    def _update_state(self, grp: ConsumerGroup, reason: str) -> None:
        new = grp.computed_state()
        if new is grp.state:
            return
        self._transition(grp, new, reason)

    def _transition(self, grp: ConsumerGroup, new: ConsumerGroupState, reason: str) -> None:
        if new not in _ALLOWED[grp.state]:
            raise AssertionError(f"consumer group {grp.group_id}: {grp.state.value} -> {new.value} is not allowed")
        old = grp.state
        grp.state = new
        grp.state_since_ms = self.clock.now_ms
        self.trace.record("group_state", reason, group=grp.group_id, old=old.value, new=new.value,
                          generation_id=None, type="consumer", group_epoch=grp.group_epoch,
                          assignment_epoch=grp.assignment_epoch)

    def _bump(self, grp: ConsumerGroup, cause: str, member_id: str | None, reason: str) -> None:
        grp.group_epoch += 1
        self.trace.record("consumer_group_epoch", reason, group=grp.group_id, group_epoch=grp.group_epoch,
                          cause=cause, member=member_id)

    def delete(self, group_id: str, reason: str) -> int:
        """Delete an Empty consumer group (state -> Dead); 0 or NON_EMPTY_GROUP. Offsets are the caller's."""
        grp = self.groups[group_id]
        if grp.members:
            return ERR.NON_EMPTY_GROUP
        self._transition(grp, ConsumerGroupState.DEAD, reason)
        del self.groups[group_id]
        return 0

    # -- ConsumerGroupHeartbeat ----------------------------------------------------------------------
    def heartbeat(self, group_id: str, member_id: str, member_epoch: int, instance_id: str | None,
                  rack_id: str | None, rebalance_timeout_ms: int, subscribed_topic_names: list[str] | None,
                  subscribed_topic_regex: str | None, server_assignor: str | None,
                  topic_partitions: list[TopicPartition] | None, client_id: str = "") -> ConsumerGroupHeartbeatResult:
        """Handle one ConsumerGroupHeartbeat (join, heartbeat, leave); never raises for a Kafka error."""
        interval = self.heartbeat_interval_ms()
        try:
            self._validate_request(group_id, member_id, member_epoch, instance_id, rack_id, rebalance_timeout_ms,
                                   subscribed_topic_names, subscribed_topic_regex, server_assignor, topic_partitions)
            if member_epoch in (LEAVE_GROUP_MEMBER_EPOCH, LEAVE_GROUP_STATIC_MEMBER_EPOCH):
                return self._leave(group_id, member_id, member_epoch, instance_id, interval)
            return self._heartbeat(group_id, member_id, member_epoch, instance_id, rack_id, rebalance_timeout_ms,
                                   subscribed_topic_names, subscribed_topic_regex, server_assignor,
                                   topic_partitions, client_id, interval)
        except HeartbeatError as exc:
            return ConsumerGroupHeartbeatResult(exc.code, exc.message, member_id, 0, 0, None)

    def _validate_request(self, group_id, member_id, member_epoch, instance_id, rack_id, rebalance_timeout_ms,
                          names, regex, server_assignor, topic_partitions) -> None:
        """``throwIfConsumerGroupHeartbeatRequestIsInvalid`` (texts as Kafka's)."""
        def invalid(text: str) -> HeartbeatError:
            return HeartbeatError(ERR.INVALID_REQUEST, text)
        if group_id == "":
            raise invalid("GroupId can't be empty.")
        if instance_id == "":
            raise invalid("InstanceId can't be empty.")
        if rack_id == "":
            raise invalid("RackId can't be empty.")
        if member_epoch > 0 or member_epoch == LEAVE_GROUP_MEMBER_EPOCH:
            if member_id == "":
                raise invalid("MemberId can't be empty.")
        elif member_epoch == JOIN_GROUP_MEMBER_EPOCH:
            if rebalance_timeout_ms == -1:
                raise invalid("RebalanceTimeoutMs must be provided in first request.")
            if topic_partitions is None or topic_partitions:
                raise invalid("TopicPartitions must be empty when (re-)joining.")
            # Kafka 4.0 text with regex support (v1); the 2024 source read says only SubscribedTopicNames.
            if not names and regex is None:
                raise invalid("SubscribedTopicNames or SubscribedTopicRegex must be set in first request.")
        elif member_epoch == LEAVE_GROUP_STATIC_MEMBER_EPOCH:
            if member_id == "":
                raise invalid("MemberId can't be empty.")
            if instance_id is None:
                raise invalid("InstanceId can't be null.")
        else:
            raise invalid("MemberEpoch is invalid.")
        if server_assignor is not None and server_assignor not in self.assignor_names():
            raise HeartbeatError(ERR.UNSUPPORTED_ASSIGNOR, f"ServerAssignor {server_assignor} is not supported. "
                                 f"Supported assignors: {', '.join(self.assignor_names())}.")
        if regex is not None:
            try:
                re.compile(regex)
            except re.error as exc:
                raise HeartbeatError(ERR.INVALID_REGULAR_EXPRESSION,
                                     f"SubscribedTopicRegex `{regex}` is not a valid regular expression: {exc}.") \
                    from None

    def _existing(self, group_id: str) -> ConsumerGroup:
        grp = self.groups.get(group_id)
        if grp is None:
            if self.coordinator.group(group_id) is not None:
                raise HeartbeatError(ERR.GROUP_ID_NOT_FOUND, f"Group {group_id} is not a consumer group.")
            raise HeartbeatError(ERR.GROUP_ID_NOT_FOUND, f"Consumer group {group_id} not found.")
        return grp

    def _heartbeat(self, group_id, member_id, member_epoch, instance_id, rack_id, rebalance_timeout_ms, names,
                   regex, server_assignor, topic_partitions, client_id, interval) -> ConsumerGroupHeartbeatResult:
        joining = member_epoch == JOIN_GROUP_MEMBER_EPOCH
        grp = self.groups.get(group_id)
        if grp is None:
            if not joining:
                self._existing(group_id)
            err = self.coordinator.make_room_for_consumer_group(group_id)
            if err:
                raise HeartbeatError(ERR.GROUP_ID_NOT_FOUND, f"Group {group_id} is not a consumer group.")
            grp = self.create(group_id)
        max_size = self._conf("group.consumer.max.size")
        if len(grp.members) >= max_size and (member_id == "" or member_id not in grp.members):
            raise HeartbeatError(ERR.GROUP_MAX_SIZE_REACHED,
                                 f"The consumer group has reached its maximum capacity of {max_size} members.")
        if member_id == "":
            member_id = str(uuid.UUID(int=self.cluster.rng.getrandbits(128), version=4))
        owned = None if topic_partitions is None else frozenset(tuple(tp) for tp in topic_partitions)
        member, is_new = self._member_for(grp, member_id, member_epoch, instance_id, owned, joining)
        before = member.assigned
        bump_cause = None
        if is_new:
            member.client_id = client_id
            member.last_heartbeat_ms = self.clock.now_ms
        if instance_id is not None:
            member.instance_id = instance_id
        if rack_id is not None:
            member.rack_id = rack_id
        if rebalance_timeout_ms != -1:
            member.rebalance_timeout_ms = rebalance_timeout_ms
        if server_assignor is not None:
            member.server_assignor = server_assignor
        if names is not None and tuple(names) != member.subscribed_topic_names:
            member.subscribed_topic_names = tuple(names)
            bump_cause = "subscription"
        if regex is not None and regex != member.subscribed_topic_regex:
            member.subscribed_topic_regex = regex
            bump_cause = "subscription"
        if is_new:
            bump_cause = "member_joined"
            grp.members[member.member_id] = member
            if member.instance_id is not None:
                grp.static_members[member.instance_id] = member.member_id
            self.trace.record("member_joined", "ConsumerGroupHeartbeat (epoch 0)", group=group_id,
                              member_id=member.member_id, client_id=member.client_id,
                              group_instance_id=member.instance_id, topics=sorted(self._topics_of(member)))
        metadata = self._subscription_metadata(grp)
        if metadata != grp.subscription_metadata:
            if bump_cause is None:
                bump_cause = "metadata"
            grp.subscription_metadata = metadata
        if bump_cause is not None:
            why = {"member_joined": f"member {member.member_id} joined",
                   "subscription": f"member {member.member_id} changed its subscription",
                   "metadata": "the partitions of the subscribed topics changed"}[bump_cause]
            self._bump(grp, bump_cause, member.member_id, why)
        if grp.group_epoch > grp.assignment_epoch:
            self._update_target(grp, member)
        self._reconcile(grp, member, owned)
        member.last_heartbeat_ms = self.clock.now_ms
        if member.session_timer is None:
            self._schedule_session(grp, member)
        self._update_state(grp, f"heartbeat from {member.member_id}")
        full = joining or (rebalance_timeout_ms != -1 and names is not None and topic_partitions is not None)
        assignment = None
        if full or member.assigned != before:
            assignment = sorted(member.assigned)
        return ConsumerGroupHeartbeatResult(0, None, member.member_id, member.member_epoch, interval, assignment)

    def _member_for(self, grp: ConsumerGroup, member_id: str, member_epoch: int, instance_id: str | None,
                    owned: frozenset[TopicPartition] | None, joining: bool) -> tuple[ConsumerGroupMember, bool]:
        """``getOrMaybeSubscribe{Dynamic,Static}ConsumerGroupMember``: the member, and whether it is new."""
        if instance_id is None:
            member = grp.members.get(member_id)
            if member is None:
                if not joining:
                    raise HeartbeatError(ERR.UNKNOWN_MEMBER_ID,
                                         f"Member {member_id} is not a member of group {grp.group_id}.")
                return ConsumerGroupMember(member_id), True
            if joining:
                # Unverified (Kafka 4.x with client-generated ids, KIP-1082): a member that rejoins with
                # epoch 0 under its old id after FENCED_MEMBER_EPOCH starts over; its old partitions are freed.
                self._drop_member(grp, member)
                self.trace.record("member_fenced", "the member rejoined with epoch 0: its previous incarnation "
                                  "is removed and its partitions are free", group=grp.group_id, member=member_id,
                                  client_id=member.client_id, cause="rejoin", member_epoch=member.member_epoch,
                                  partitions=_pairs(member.assigned | member.pending_revocation),
                                  last_heartbeat_ms=member.last_heartbeat_ms)
                return ConsumerGroupMember(member_id), True
            self._check_epoch(member, member_epoch, owned)
            return member, False
        existing_id = grp.static_members.get(instance_id)
        existing = grp.members.get(existing_id) if existing_id is not None else None
        if joining:
            if existing is None:
                return ConsumerGroupMember(member_id, instance_id=instance_id), True
            if existing.member_epoch != LEAVE_GROUP_STATIC_MEMBER_EPOCH:
                raise HeartbeatError(ERR.UNRELEASED_INSTANCE_ID,
                                     f"Static member {member_id} with instance id {instance_id} cannot join the group "
                                     f"because the instance id is owned by {existing.member_id} member.")
            return self._replace_static(grp, existing, member_id), False
        if existing is None:
            raise HeartbeatError(ERR.UNKNOWN_MEMBER_ID, f"Instance id {instance_id} is unknown.")
        if existing.member_id != member_id:
            raise HeartbeatError(ERR.FENCED_INSTANCE_ID, f"Static member {member_id} with instance id {instance_id} "
                                 f"was fenced by member {existing.member_id}.")
        self._check_epoch(existing, member_epoch, owned)
        return existing, False

    @staticmethod
    def _check_epoch(member: ConsumerGroupMember, epoch: int, owned: frozenset[TopicPartition] | None) -> None:
        """``throwIfConsumerGroupMemberEpochIsInvalid``: the previous epoch is accepted with a subset of
        the current assignment (the response with the bump may have been lost)."""
        if epoch > member.member_epoch:
            raise HeartbeatError(ERR.FENCED_MEMBER_EPOCH, f"The consumer group member has a greater member epoch "
                                 f"({epoch}) than the one known by the group coordinator ({member.member_epoch}). "
                                 f"The member must abandon all its partitions and rejoin.")
        if epoch < member.member_epoch and (epoch != member.previous_member_epoch or owned is None
                                            or not owned <= member.assigned):
            raise HeartbeatError(ERR.FENCED_MEMBER_EPOCH, f"The consumer group member has a smaller member "
                                 f"epoch ({epoch}) than the one known by the group coordinator "
                                 f"({member.member_epoch}). The member must abandon all its partitions and rejoin.")

    def _replace_static(self, grp: ConsumerGroup, old: ConsumerGroupMember, new_id: str) -> ConsumerGroupMember:
        """A static member back with the same ``group.instance.id`` after leaving with -2: a new member id
        takes over the old member's assignment and target, epoch 0, no epoch bump (``replaceMember``)."""
        new = ConsumerGroupMember(new_id, instance_id=old.instance_id, rack_id=old.rack_id, client_id=old.client_id,
                                  rebalance_timeout_ms=old.rebalance_timeout_ms,
                                  subscribed_topic_names=old.subscribed_topic_names,
                                  subscribed_topic_regex=old.subscribed_topic_regex,
                                  server_assignor=old.server_assignor, member_epoch=0, previous_member_epoch=0,
                                  state=old.state, assigned=old.assigned, last_heartbeat_ms=self.clock.now_ms)
        target = grp.target.get(old.member_id, EMPTY)
        self._drop_member(grp, old)
        grp.members[new_id] = new
        grp.static_members[new.instance_id] = new_id
        grp.target[new_id] = target
        for tp in new.assigned:
            grp.holders[tp] = new_id
        self.trace.record("member_replaced", "static member rejoined with the same group.instance.id",
                          group=grp.group_id, old_member_id=old.member_id, member_id=new_id,
                          group_instance_id=new.instance_id)
        return new

    # -- subscriptions, target assignment, reconciliation --------------------------------------------
    def _topics_of(self, member: ConsumerGroupMember) -> set[str]:
        topics = set(member.subscribed_topic_names)
        if member.subscribed_topic_regex is not None:
            pattern = re.compile(member.subscribed_topic_regex)
            topics.update(name for name, t in self.cluster.topics.items()
                          if not t.internal and pattern.fullmatch(name))
        return topics

    def _subscription_metadata(self, grp: ConsumerGroup) -> dict[str, int]:
        """Partition count of every existing topic some member subscribes to."""
        topics = self.cluster.topics
        out = {}
        for m in grp.members.values():
            for name in self._topics_of(m):
                t = topics.get(name)
                if t is not None and name not in out:
                    out[name] = len(t.partitions)
        return out

    def _preferred_assignor(self, grp: ConsumerGroup) -> str:
        """The assignor most members name (``computePreferredServerAssignor``), else the default.
        Ties go to the earlier one in ``group.consumer.assignors`` (Kafka's tie-break is unverified)."""
        names = self.assignor_names()
        counts: dict[str, int] = {}
        for m in grp.members.values():
            if m.server_assignor is not None:
                counts[m.server_assignor] = counts.get(m.server_assignor, 0) + 1
        if not counts:
            return names[0]
        order = {n: i for i, n in enumerate(names)}
        return max(counts, key=lambda n: (counts[n], -order.get(n, len(order))))

    def _update_target(self, grp: ConsumerGroup, trigger: ConsumerGroupMember) -> None:
        """Run the group's assignor for the new group epoch (``updateTargetAssignment``)."""
        name = self._preferred_assignor(grp)
        specs = [AssignmentMember(m.member_id, m.instance_id, frozenset(self._topics_of(m)))
                 for m in grp.members.values()]
        result = ASSIGNORS[name](specs, grp.subscription_metadata, grp.target)
        grp.target = {mid: frozenset(result.get(mid, ())) for mid in grp.members}
        grp.assignment_epoch = grp.group_epoch
        self.trace.record("target_assignment", f"{name} assignor for group epoch {grp.group_epoch} "
                          f"(heartbeat from {trigger.member_id})", group=grp.group_id,
                          assignment_epoch=grp.assignment_epoch, assignor=name,
                          assignment={mid: _pairs(tps) for mid, tps in grp.target.items()})

    def _reconcile(self, grp: ConsumerGroup, member: ConsumerGroupMember,
                   owned: frozenset[TopicPartition] | None) -> None:
        """``maybeReconcile``: one ``CurrentAssignmentBuilder`` step; (re)arm or cancel the rebalance timeout."""
        if member.is_reconciled_to(grp.assignment_epoch):
            return
        step = next_assignment(member.state, member.member_epoch, member.assigned, member.pending_revocation,
                               grp.assignment_epoch, grp.target.get(member.member_id, EMPTY), owned,
                               grp.held_elsewhere(member.member_id))
        if (step.state, step.epoch, step.assigned, step.pending_revocation) == (
                member.state, member.member_epoch, member.assigned, member.pending_revocation):
            return
        old_epoch = member.member_epoch
        for tp in member.assigned | member.pending_revocation:
            if grp.holders.get(tp) == member.member_id:
                del grp.holders[tp]
        if step.epoch != member.member_epoch:
            member.previous_member_epoch = member.member_epoch
        member.member_epoch = step.epoch
        member.state = step.state
        member.assigned = step.assigned
        member.pending_revocation = step.pending_revocation
        for tp in step.assigned | step.pending_revocation:
            grp.holders[tp] = member.member_id
        why = {MemberState.STABLE: "reconciled to the target assignment",
               MemberState.UNREVOKED_PARTITIONS: "must revoke partitions before moving on",
               MemberState.UNRELEASED_PARTITIONS: "waiting for partitions other members still own"}.get(
            step.state, "reconciled")
        self.trace.record("member_epoch", why, group=grp.group_id, member=member.member_id,
                          client_id=member.client_id, old=old_epoch, new=member.member_epoch, state=member.state.value,
                          owned=_pairs(member.assigned), pending_revocation=_pairs(member.pending_revocation))
        if member.rebalance_timer is not None:
            member.rebalance_timer.cancel()
            member.rebalance_timer = None
        if step.state is MemberState.UNREVOKED_PARTITIONS:
            member.rebalance_timer = self.clock.call_later(member.rebalance_timeout_ms, self._rebalance_timeout,
                                                           grp, member, member.member_epoch,
                                                           priority=Priority.SESSION_CHECK)

    # -- timers, leaving, fencing --------------------------------------------------------------------
    def _schedule_session(self, grp: ConsumerGroup, member: ConsumerGroupMember) -> None:
        deadline = member.last_heartbeat_ms + self._conf("group.consumer.session.timeout.ms")
        member.session_timer = self.clock.call_at(deadline, self._check_session, grp, member,
                                                  priority=Priority.SESSION_CHECK)

    def _check_session(self, grp: ConsumerGroup, member: ConsumerGroupMember) -> None:
        """The session timer (``scheduleConsumerGroupSessionTimeout``), re-armed lazily: each heartbeat
        only moves ``last_heartbeat_ms``."""
        member.session_timer = None
        if self.groups.get(grp.group_id) is not grp or grp.members.get(member.member_id) is not member:
            return
        timeout = self._conf("group.consumer.session.timeout.ms")
        if self.clock.now_ms < member.last_heartbeat_ms + timeout:
            self._schedule_session(grp, member)
            return
        self._fence(grp, member, "session_timeout", f"the member session expired (no heartbeat for "
                    f"group.consumer.session.timeout.ms={timeout}, last at {member.last_heartbeat_ms} ms)")

    def _rebalance_timeout(self, grp: ConsumerGroup, member: ConsumerGroupMember, epoch: int) -> None:
        member.rebalance_timer = None
        if grp.members.get(member.member_id) is not member or member.member_epoch != epoch:
            return
        self._fence(grp, member, "rebalance_timeout", f"it failed to transition from epoch {epoch} within "
                    f"{member.rebalance_timeout_ms}ms")

    def _drop_member(self, grp: ConsumerGroup, member: ConsumerGroupMember) -> None:
        """Remove a member and free every partition it holds (no epoch bump here)."""
        grp.members.pop(member.member_id, None)
        if member.instance_id is not None and grp.static_members.get(member.instance_id) == member.member_id:
            del grp.static_members[member.instance_id]
        grp.target.pop(member.member_id, None)
        for tp in member.assigned | member.pending_revocation:
            if grp.holders.get(tp) == member.member_id:
                del grp.holders[tp]
        for timer in (member.session_timer, member.rebalance_timer):
            if timer is not None:
                timer.cancel()
        member.session_timer = member.rebalance_timer = None

    def _remove(self, grp: ConsumerGroup, member: ConsumerGroupMember, kind: str, cause: str, reason: str) -> None:
        """``consumerGroupFenceMember``: remove, free its partitions at once, bump the group epoch."""
        partitions = _pairs(member.assigned | member.pending_revocation)
        self._drop_member(grp, member)
        if kind == "member_fenced":
            self.trace.record("member_fenced", reason, group=grp.group_id, member=member.member_id,
                              client_id=member.client_id, cause=cause, member_epoch=member.member_epoch,
                              partitions=partitions, last_heartbeat_ms=member.last_heartbeat_ms)
        else:
            self.trace.record("member_left", reason, group=grp.group_id, member=member.member_id,
                              client_id=member.client_id, member_epoch=LEAVE_GROUP_MEMBER_EPOCH,
                              group_instance_id=member.instance_id, partitions=partitions)
        grp.subscription_metadata = self._subscription_metadata(grp)
        self._bump(grp, cause, member.member_id, f"member {member.member_id} removed: {reason}")
        self._update_state(grp, f"member {member.member_id} removed ({cause})")

    def _fence(self, grp: ConsumerGroup, member: ConsumerGroupMember, cause: str, reason: str) -> None:
        self._remove(grp, member, "member_fenced", cause, reason)

    def _leave(self, group_id: str, member_id: str, member_epoch: int, instance_id: str | None,
               interval: int) -> ConsumerGroupHeartbeatResult:
        """``consumerGroupLeave``: -1 removes the member and bumps the epoch; -2 (static) keeps its
        assignment reserved with epoch -2 and no bump until it rejoins or its session expires."""
        grp = self._existing(group_id)
        if instance_id is None:
            member = grp.members.get(member_id)
            if member is None:
                raise HeartbeatError(ERR.UNKNOWN_MEMBER_ID, f"Member {member_id} is not a member of group {group_id}.")
        else:
            existing_id = grp.static_members.get(instance_id)
            member = grp.members.get(existing_id) if existing_id is not None else None
            if member is None:
                raise HeartbeatError(ERR.UNKNOWN_MEMBER_ID, f"Instance id {instance_id} is unknown.")
            if member.member_id != member_id:
                raise HeartbeatError(ERR.FENCED_INSTANCE_ID, f"Static member {member_id} with instance id "
                                     f"{instance_id} was fenced by member {member.member_id}.")
        if member_epoch == LEAVE_GROUP_STATIC_MEMBER_EPOCH:
            old = member.member_epoch
            for tp in member.pending_revocation:
                if grp.holders.get(tp) == member.member_id:
                    del grp.holders[tp]
            member.member_epoch = LEAVE_GROUP_STATIC_MEMBER_EPOCH
            member.pending_revocation = EMPTY
            if member.rebalance_timer is not None:
                member.rebalance_timer.cancel()
                member.rebalance_timer = None
            self.trace.record("member_left", "static member left temporarily (epoch -2): its partitions stay "
                              "reserved until it rejoins or its session expires", group=group_id,
                              member=member_id, client_id=member.client_id,
                              member_epoch=LEAVE_GROUP_STATIC_MEMBER_EPOCH, group_instance_id=instance_id,
                              partitions=_pairs(member.assigned))
            self.trace.record("member_epoch", "static member left temporarily", group=group_id, member=member_id,
                              client_id=member.client_id, old=old, new=LEAVE_GROUP_STATIC_MEMBER_EPOCH,
                              state=member.state.value, owned=_pairs(member.assigned), pending_revocation=[])
            self._update_state(grp, f"static member {member_id} left temporarily")
            return ConsumerGroupHeartbeatResult(0, None, member_id, LEAVE_GROUP_STATIC_MEMBER_EPOCH, interval, None)
        self._remove(grp, member, "member_left", "member_left", "the member left the group (epoch -1)")
        return ConsumerGroupHeartbeatResult(0, None, member_id, LEAVE_GROUP_MEMBER_EPOCH, interval, None)

    # -- offsets ---------------------------------------------------------------------------------------
    def validate_offset_commit(self, grp: ConsumerGroup, member_id: str, member_epoch: int) -> int:
        """``ConsumerGroup.validateOffsetCommit``: epoch < 0 only while the group has no members; an
        unknown member gets UNKNOWN_MEMBER_ID; any other epoch than the member's STALE_MEMBER_EPOCH."""
        if member_epoch < 0 and not grp.members:
            return 0
        member = grp.members.get(member_id)
        if member is None:
            return ERR.UNKNOWN_MEMBER_ID
        if member_epoch != member.member_epoch:
            return ERR.STALE_MEMBER_EPOCH
        return 0

    def validate_offset_fetch(self, grp: ConsumerGroup, member_id: str | None, member_epoch: int) -> int:
        """``ConsumerGroup.validateOffsetFetch``: no member id and epoch < 0 (admin) is accepted."""
        if member_id is None and member_epoch < 0:
            return 0
        member = grp.members.get(member_id or "")
        if member is None:
            return ERR.UNKNOWN_MEMBER_ID
        return ERR.STALE_MEMBER_EPOCH if member_epoch != member.member_epoch else 0

    # -- describe -----------------------------------------------------------------------------------
    def describe(self, group_id: str) -> DescribedConsumerGroup | None:
        """ConsumerGroupDescribe for one group (``ConsumerGroup.asDescribedGroup``), None if not a consumer group."""
        grp = self.groups.get(group_id)
        if grp is None:
            return None
        members = [DescribedConsumerGroupMember(
            m.member_id, m.instance_id, m.rack_id, m.client_id, m.member_epoch, m.state.value,
            list(m.subscribed_topic_names), m.subscribed_topic_regex, sorted(m.assigned),
            sorted(grp.target.get(m.member_id, EMPTY))) for m in grp.members.values()]
        return DescribedConsumerGroup(grp.group_id, grp.state.value, grp.group_epoch, grp.assignment_epoch,
                                      self._preferred_assignor(grp), members)
