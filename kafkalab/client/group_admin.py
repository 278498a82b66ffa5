"""Consumer-group administration: list, describe, offsets, delete, and the describe table.

Owns ``GroupAdmin`` (mixed into ``AdminClient``) with confluent-kafka's group methods and
result types, and ``describe_groups_text``, which prints what ``kafka-consumer-groups.sh
--describe`` prints, with the same columns and meanings. Standard library only.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from ..errors import ERR, KafkaError, KafkaException
from ..lag import consumer_lag
from . import admin_checks as check
from .base import admin_request
from .consumer_group_command import described_consumer_group
from .message import TopicPartition
from .model import ConsumerGroupType, Node


class ConsumerGroupState(Enum):
    """confluent-kafka's names for the group states."""

    UNKNOWN = 0
    PREPARING_REBALANCING = 1
    COMPLETING_REBALANCING = 2
    STABLE = 3
    DEAD = 4
    EMPTY = 5


# KIP-848 states without a confluent-kafka name (Assigning, Reconciling) are UNKNOWN, as librdkafka's
# rd_kafka_consumer_group_state_code maps them.
_STATE_MAP = {"Empty": ConsumerGroupState.EMPTY, "PreparingRebalance": ConsumerGroupState.PREPARING_REBALANCING,
              "CompletingRebalance": ConsumerGroupState.COMPLETING_REBALANCING, "Stable": ConsumerGroupState.STABLE,
              "Dead": ConsumerGroupState.DEAD}


@dataclass
class ConsumerGroupListing:
    group_id: str
    is_simple_consumer_group: bool
    state: ConsumerGroupState
    type: ConsumerGroupType = ConsumerGroupType.UNKNOWN


@dataclass
class ListConsumerGroupsResult:
    valid: list[ConsumerGroupListing] = field(default_factory=list)
    errors: list[KafkaError] = field(default_factory=list)


@dataclass
class MemberAssignment:
    topic_partitions: list[TopicPartition]


@dataclass
class MemberDescription:
    member_id: str
    client_id: str
    host: str
    assignment: MemberAssignment
    group_instance_id: str | None = None
    target_assignment: MemberAssignment | None = None     # KIP-848 groups: the member's target assignment


@dataclass
class ConsumerGroupDescription:
    group_id: str
    is_simple_consumer_group: bool
    members: list[MemberDescription]
    partition_assignor: str
    state: ConsumerGroupState
    coordinator: Node
    authorized_operations: list | None = None
    type: ConsumerGroupType = ConsumerGroupType.UNKNOWN


@dataclass
class ConsumerGroupTopicPartitions:
    group_id: str
    topic_partitions: list[TopicPartition] | None = None


def _timed_out(text: str = "Local: Timed out") -> Future:
    """The future of a request no broker answered: ``_TIMED_OUT`` after ``request_timeout`` (confluent-kafka 2.16.1
    with ``bootstrap.servers`` pointing nowhere; kafkalab fails it at once, no virtual time passes)."""
    return _future(exc=KafkaException(KafkaError(ERR._TIMED_OUT, text)))


_NO_RESPONSE = "Failed while waiting for response from broker: Local: Timed out"


def _future(value: Any = None, exc: Exception | None = None) -> Future:
    fut: Future = Future()
    if exc is not None:
        fut.set_exception(exc)
    else:
        fut.set_result(value)
    return fut


class GroupAdmin:
    """Group methods of ``AdminClient``.

    Kafka: confluent-kafka ``AdminClient.list_consumer_groups`` and friends.
    """

    def list_consumer_groups(self, request_timeout: float = 0, states: set | None = None,
                             types: set | None = None) -> Future:
        """A future of ``ListConsumerGroupsResult`` with every group the coordinator knows.

        ``states`` / ``types``: sets of ``ConsumerGroupState`` / ``ConsumerGroupType`` to keep; each listing has
        its ``type`` (CLASSIC, or CONSUMER for a KIP-848 group; ListGroups v5). With no broker the future
        succeeds with no group and a ``_TIMED_OUT`` in ``errors``,
        as librdkafka's ListConsumerGroups reports a broker it could not ask.
        """
        self._check_usable()
        check.enum_set(states, "states", ConsumerGroupState, "ConsumerGroupState")
        check.enum_set(types, "types", ConsumerGroupType, "ConsumerGroupType")
        check.timeouts(request_timeout)
        if self._cluster is None:
            return _future(ListConsumerGroupsResult(errors=[KafkaError(ERR._TIMED_OUT)]))
        valid = [ConsumerGroupListing(g.group_id, g.protocol_type is None, state, kind)
                 for g in self._roundtrip("ListGroups")
                 for state, kind in [(_state(g.state), _GROUP_TYPES.get(getattr(g, "group_type", "classic"),
                                                                       ConsumerGroupType.UNKNOWN))]
                 if (not states or state in states) and (not types or kind in types)]
        return _future(ListConsumerGroupsResult(valid=sorted(valid, key=lambda x: x.group_id)))

    def describe_consumer_groups(self, group_ids: list[str], request_timeout: float = 0,
                                 include_authorized_operations: bool = False) -> dict[str, Future]:
        """``{group_id: Future[ConsumerGroupDescription]}``: members, assignments, state, assignor, type.

        A KIP-848 group is described by ConsumerGroupDescribe (type CONSUMER, the server assignor, each
        member's target assignment; Assigning/Reconciling read as UNKNOWN state); a classic group by
        DescribeGroups (type CLASSIC). Kafka: librdkafka tries ConsumerGroupDescribe first and falls back
        to DescribeGroups on GROUP_ID_NOT_FOUND.
        """
        self._check_usable()
        check.group_ids(group_ids, "described", strings=False)
        check.flags(include_authorized_operations=include_authorized_operations)
        check.timeouts(request_timeout)
        if self._cluster is None:
            return {gid: _timed_out() for gid in group_ids}
        coordinator = self._roundtrip("FindCoordinator", key=group_ids[0] if group_ids else "").node
        node = Node(coordinator.node_id, coordinator.host, coordinator.port)
        described = self._roundtrip("DescribeGroups", group_ids=list(group_ids))
        modern = self._roundtrip("ConsumerGroupDescribe", group_ids=list(group_ids))
        out = {}
        for gid in group_ids:
            res = modern.get(gid)
            if res is not None and res.error is None and res.value is not None:
                out[gid] = _future(_consumer_group_description(res.value, node))
                continue
            grp = described[gid]
            if grp is None:
                out[gid] = _future(ConsumerGroupDescription(gid, False, [], "", ConsumerGroupState.DEAD, node))
                continue
            members = [MemberDescription(m.member_id, m.client_id, "/127.0.0.1",
                                         MemberAssignment([TopicPartition(t, p) for t, p in m.assignment]),
                                         m.group_instance_id) for m in grp.members]
            out[gid] = _future(ConsumerGroupDescription(gid, grp.protocol_type is None, members,
                                                        grp.protocol_name or "", _STATE_MAP[grp.state], node,
                                                        type=ConsumerGroupType.CLASSIC))
        return out

    def list_consumer_group_offsets(self, list_consumer_group_offsets_request: list[ConsumerGroupTopicPartitions],
                                    require_stable: bool = False, request_timeout: float = 0) -> dict[str, Future]:
        """``{group_id: Future[ConsumerGroupTopicPartitions]}`` with committed offsets (one group per call)."""
        self._check_usable()
        reqs = list_consumer_group_offsets_request
        check.group_offsets_request(reqs, ConsumerGroupTopicPartitions, TopicPartition, alter=False)
        check.flags(require_stable=require_stable)
        check.timeouts(request_timeout)
        req = reqs[0]
        if self._cluster is None:
            return {req.group_id: _timed_out(_NO_RESPONSE)}
        wanted = None if req.topic_partitions is None else [(tp.topic, tp.partition) for tp in req.topic_partitions]
        found = self._roundtrip("OffsetFetch", group_id=req.group_id, partitions=wanted).offsets
        if wanted is None:
            tps = [TopicPartition(t, p, o.offset) for (t, p), o in sorted(found.items())]
        else:
            tps = [TopicPartition(t, p, found[(t, p)].offset if found.get((t, p)) is not None else -1001)
                   for t, p in wanted]
        return {req.group_id: _future(ConsumerGroupTopicPartitions(req.group_id, tps))}

    def alter_consumer_group_offsets(self, alter_consumer_group_offsets_request: list[ConsumerGroupTopicPartitions],
                                     request_timeout: float = 0) -> dict[str, Future]:
        """Set committed offsets of an Empty group (``UNKNOWN_MEMBER_ID`` while it has members)."""
        self._check_usable()
        reqs = alter_consumer_group_offsets_request
        check.group_offsets_request(reqs, ConsumerGroupTopicPartitions, TopicPartition, alter=True)
        check.timeouts(request_timeout)
        req = reqs[0]
        if self._cluster is None:
            return {req.group_id: _timed_out(_NO_RESPONSE)}
        offsets = {(tp.topic, tp.partition): (tp.offset, tp.metadata or "") for tp in req.topic_partitions or []}
        results = self._roundtrip("OffsetCommit", group_id=req.group_id, member_id="", generation_id=-1,
                                  group_instance_id=None, offsets=offsets, client_id="admin")
        first = next((c for c in results.values() if c), 0)
        if first:
            return {req.group_id: _future(exc=KafkaException(KafkaError(first)))}
        return {req.group_id: _future(ConsumerGroupTopicPartitions(req.group_id, list(req.topic_partitions or [])))}

    def delete_consumer_groups(self, group_ids: list[str], request_timeout: float = 0) -> dict[str, Future]:
        """Delete Empty groups and their offsets (``NON_EMPTY_GROUP`` if members remain)."""
        self._check_usable()
        check.group_ids(group_ids, "deleted", strings=True)
        check.timeouts(request_timeout)
        if self._cluster is None:
            return {gid: _timed_out() for gid in group_ids}
        out = {}
        for gid in group_ids:      # one request per group, in order (a group named twice: its second answer)
            err = self._roundtrip("DeleteGroups", group_ids=[gid])[gid]
            out[gid] = _future(exc=KafkaException(KafkaError(err))) if err else _future(None)
        return out


_GROUP_TYPES = {"classic": ConsumerGroupType.CLASSIC, "consumer": ConsumerGroupType.CONSUMER}


def _state(name: str) -> ConsumerGroupState:
    return _STATE_MAP.get(name, ConsumerGroupState.UNKNOWN)


def _consumer_group_description(grp: Any, node: Node) -> ConsumerGroupDescription:
    """A ConsumerGroupDescribe answer (``apis.DescribedConsumerGroup``) as confluent-kafka's description."""
    members = [MemberDescription(m.member_id, m.client_id, "/127.0.0.1",
                                 MemberAssignment([TopicPartition(t, p) for t, p in m.assignment]), m.instance_id,
                                 MemberAssignment([TopicPartition(t, p) for t, p in m.target_assignment]))
               for m in grp.members]
    return ConsumerGroupDescription(grp.group_id, False, members, grp.assignor_name or "", _state(grp.state), node,
                                    type=ConsumerGroupType.CONSUMER)


def describe_groups_text(cluster: Any, group_id: str) -> tuple[str, str]:
    """``kafka-consumer-groups.sh --describe --group G``: (stdout table, stderr message).

    Columns: GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID.
    CURRENT-OFFSET is the committed offset, LOG-END-OFFSET the high watermark (ListOffsets latest
    with read_uncommitted), LAG their difference ('-' without a committed offset).

    Kafka: ``tools/.../consumer/group/ConsumerGroupCommand.java``.
    """
    grp = admin_request(cluster, "DescribeGroups", group_ids=[group_id])[group_id]
    grp = described_consumer_group(cluster, group_id) or grp     # KIP-848 groups: ConsumerGroupDescribe
    committed = {tp: oam.offset for tp, oam in
                 admin_request(cluster, "OffsetFetch", group_id=group_id, partitions=None).offsets.items()
                 if oam is not None}
    if grp is None and not committed:
        return "", f"Error: Consumer group '{group_id}' does not exist."
    rows = []
    owner = {}
    if grp is not None:
        for m in grp.members:
            for tp in m.assignment:
                owner[tp] = m
    tps = sorted(set(owner) | set(committed))
    ends = admin_request(cluster, "ListOffsets", partitions=[(t, p, "latest") for t, p in tps])
    for (t, p), end_result in zip(tps, ends):
        end = end_result.value[0] if end_result.error is None else None
        cur = committed.get((t, p))
        lag = consumer_lag(end, cur)
        m = owner.get((t, p))
        rows.append([group_id, t, str(p), _dash(cur), _dash(end), _dash(lag),
                     m.member_id if m else "-", "/127.0.0.1" if m else "-", m.client_id if m else "-"])
    header = ["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST",
              "CLIENT-ID"]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [" ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in [header, *rows]]
    err = ""
    if grp is not None and grp.state == "Empty":
        err = f"Consumer group '{group_id}' has no active members."
    elif grp is not None and grp.state in ("PreparingRebalance", "CompletingRebalance", "Assigning", "Reconciling"):
        err = f"Warning: Consumer group '{group_id}' is rebalancing."
    return "\n".join(lines), err


def _dash(value: int | None) -> str:
    return "-" if value is None else str(value)
