"""The broker's request handlers, one per Kafka API: where does Kafka API X live? Here.

Every request a client sends reaches the broker through ``handle(cluster, api, respond, **fields)``,
which calls ``HANDLERS[api]``. Each handler is a thin function onto the module that owns the
concept; a new API is added here (a handler, its entry in ``API_KEYS`` and ``HANDLERS``).

Where each concept lives:

- Produce: ``produce.handle_produce`` (faults from ``faults.py``, producer state in ``producer_state.py``,
  the log in ``log.py``).
- Fetch, ListOffsets: ``fetch.py``.
- Metadata, CreateTopics, DeleteTopics, CreatePartitions, DeleteRecords, ElectLeaders, DescribeCluster:
  ``cluster.Cluster`` (``validate_new_topic``, ``create_topic``, ``delete_topic``, ...).
- DescribeConfigs, AlterConfigs, IncrementalAlterConfigs: ``configs.py``.
- FindCoordinator: answered here: the one broker leads every ``__consumer_offsets`` and
  ``__transaction_state`` partition (the coordinator partitions, ``internal_topics.partition_for``).
- DescribeAcls, CreateAcls, DeleteAcls: answered here: no authorizer, ``SECURITY_DISABLED``.
- JoinGroup, SyncGroup, Heartbeat, LeaveGroup, DescribeGroups, ListGroups, DeleteGroups:
  ``groups.GroupCoordinator``.
- ConsumerGroupHeartbeat, ConsumerGroupDescribe (KIP-848): ``groups.GroupCoordinator``, which delegates
  to ``consumer_groups.ConsumerGroups`` (assignors in ``server_assignors.py``, reconciliation in
  ``reconciliation.py``).
- ShareGroupHeartbeat, ShareGroupDescribe (KIP-932 share groups): ``groups.GroupCoordinator``, which
  delegates to ``share_groups.ShareGroups`` (membership, the ``simple`` assignor, group configs).
- ShareFetch, ShareAcknowledge, DescribeShareGroupOffsets: ``share_partition_manager.SharePartitionManager``
  (``cluster.share_partitions``; share sessions; each share-partition's records in ``share_partition.py``).
  ``connection_closed`` is not a Kafka API: the broker noticing that a client's TCP connections closed.
- OffsetCommit, OffsetFetch: ``offset_manager.OffsetManager`` (the group coordinator's offsets).
- InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit, EndTxn, DescribeTransactions:
  ``transactions.TransactionCoordinator``.

The contract: a handler answers by calling ``respond(response)`` exactly once, now (most APIs) or
later (JoinGroup and SyncGroup wait for the rebalance, Fetch long-polls, InitProducerId may wait
for an abort to complete). The response is ONE object, documented in the handler's docstring.
Produce calls ``respond(result, extra_delay_ms=ms)`` for a delayed response and never calls it for
a lost one (faults). A handler may also return a value, which ``handle`` passes back (Fetch: the
request, whose ``cancel()`` drops a long poll).

Error conventions follow the APIs: group, offset and transaction APIs answer Kafka error codes
(ints, 0 = none) as they do today; the admin APIs answer per resource a ``Result(value, error)``
whose ``error`` is a ``KafkaError`` (code and message, as Kafka sends both) or None.

Simplifications: one broker (id 1) is controller, leader of every partition and coordinator of
every group and transactional id; requests carry Python values, not Kafka's wire format.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from ..errors import ERR, KafkaError, KafkaException
from . import configs as _configs
from .configs import APPEND, DELETE, SET, SUBTRACT, config_str
from .consumer_groups import ConsumerGroupHeartbeatResult, DescribedConsumerGroup, DescribedConsumerGroupMember
from .faults import DELAY_RESPONSE, LOSE_RESPONSE
from .fetch import EARLIEST, ERROR, LATEST, MAX_TIMESTAMP, FetchRequest, PartitionData, list_offsets_for, reset_policy
from .groups import DescribedGroup, DescribedMember, JoinResult, ListedGroup, SyncResult
from .log import CREATE_TIME, LOG_APPEND_TIME
from .offsets import OffsetAndMetadata
from .produce import ProduceResult, handle_produce
from .producer_state import next_sequence
from .share_groups import DescribedShareGroup, DescribedShareGroupMember, ShareGroupHeartbeatResult
from .share_partition_manager import ShareAcknowledgeResult, ShareFetchPartition, ShareFetchResult
from .transactions import ConsumerGroupMember

#: The handlers, and the value types and constants clients need (so clients import only this module).
__all__ = [
    "API_KEYS", "APPEND", "BROKER", "CREATE_TIME", "DELAY_RESPONSE", "DELETE", "EARLIEST", "ERROR", "GROUP",
    "HANDLERS", "LATEST", "LOG_APPEND_TIME", "LOSE_RESPONSE", "MAX_TIMESTAMP", "SET", "SUBTRACT", "TOPIC",
    "BrokerNode", "ClusterInfo", "ConsumerGroupHeartbeatResult", "DescribedConsumerGroup",
    "DescribedConsumerGroupMember", "DescribedGroup", "DescribedMember", "DescribedShareGroup",
    "DescribedShareGroupMember", "FindCoordinatorResult", "InitProducerIdResult", "JoinResult", "ListedGroup",
    "MetadataResult", "OffsetAndMetadata", "OffsetFetchResult", "PartitionData", "ProduceResult", "Result",
    "ShareAcknowledgeResult", "ShareFetchPartition", "ShareFetchResult", "ShareGroupHeartbeatResult",
    "ShareGroupOffsets", "SyncResult", "TopicInfo", "config_str", "connection_closed", "handle", "next_sequence",
    "reset_policy",
]

#: The modelled Kafka APIs and their api keys (Kafka ``ApiKeys`` / the protocol guide).
API_KEYS: dict[str, int] = {
    "Produce": 0, "Fetch": 1, "ListOffsets": 2, "Metadata": 3, "OffsetCommit": 8, "OffsetFetch": 9,
    "FindCoordinator": 10, "JoinGroup": 11, "Heartbeat": 12, "LeaveGroup": 13, "SyncGroup": 14,
    "DescribeGroups": 15, "ListGroups": 16, "CreateTopics": 19, "DeleteTopics": 20, "DeleteRecords": 21,
    "InitProducerId": 22, "AddPartitionsToTxn": 24, "AddOffsetsToTxn": 25, "EndTxn": 26, "TxnOffsetCommit": 28,
    "DescribeAcls": 29, "CreateAcls": 30, "DeleteAcls": 31, "DescribeConfigs": 32, "AlterConfigs": 33,
    "CreatePartitions": 37, "DeleteGroups": 42, "ElectLeaders": 43, "IncrementalAlterConfigs": 44,
    "DescribeCluster": 60, "DescribeTransactions": 65, "ConsumerGroupHeartbeat": 68, "ConsumerGroupDescribe": 69,
    "ShareGroupHeartbeat": 76, "ShareGroupDescribe": 77, "ShareFetch": 78, "ShareAcknowledge": 79,
    "DescribeShareGroupOffsets": 90,
}

Respond = Callable[..., None]


# -- response value types -----------------------------------------------------------------------------
class Result(NamedTuple):
    """One resource's answer of an admin API: ``value``, or ``error`` (a ``KafkaError``) when it failed."""

    value: Any = None
    error: KafkaError | None = None


class BrokerNode(NamedTuple):
    """A broker as Metadata and DescribeCluster show it."""

    node_id: int
    host: str
    port: int


class TopicInfo(NamedTuple):
    """One topic of a Metadata response: ``error`` (a ``KafkaError``, e.g. UNKNOWN_TOPIC_OR_PART) or None."""

    error: KafkaError | None
    partitions: int
    internal: bool


class MetadataResult(NamedTuple):
    """A Metadata response: cluster id, controller, brokers, and ``topics`` {name: TopicInfo} in creation order."""

    cluster_id: str
    controller_id: int
    brokers: list[BrokerNode]
    topics: dict[str, TopicInfo]


class ClusterInfo(NamedTuple):
    """A DescribeCluster response."""

    cluster_id: str
    controller: BrokerNode
    brokers: list[BrokerNode]


class OffsetFetchResult(NamedTuple):
    """An OffsetFetch response: ``offsets`` {(topic, partition): OffsetAndMetadata or None}, and the
    partitions answered ``UNSTABLE_OFFSET_COMMIT`` (only with ``require_stable``; KIP-447). ``error``: the
    group-level error code (consumer groups: UNKNOWN_MEMBER_ID, STALE_MEMBER_EPOCH; then no offsets)."""

    offsets: dict[tuple[str, int], OffsetAndMetadata | None]
    unstable: list[tuple[str, int]]
    error: int = 0


class InitProducerIdResult(NamedTuple):
    """An InitProducerId response: error code, producer id and epoch (-1, -1 on error)."""

    error: int
    producer_id: int
    producer_epoch: int


class FindCoordinatorResult(NamedTuple):
    """A FindCoordinator response: error code and the coordinator broker."""

    error: int
    node: BrokerNode


def _node(cluster: Any) -> BrokerNode:
    return BrokerNode(cluster.broker_id, cluster.name, 9092)


def _outcome(fn: Callable, *args: Any, **kwargs: Any) -> Result:
    """Run an owner's operation; its ``KafkaException`` becomes the resource's error."""
    try:
        return Result(fn(*args, **kwargs))
    except KafkaException as exc:
        return Result(None, exc.args[0])


# -- Produce / Fetch / ListOffsets / Metadata ----------------------------------------------------------
def produce(cluster: Any, respond: Respond, /, *, topic: str, partition: int, records: list,
            producer_id: int = -1, producer_epoch: int = -1, base_sequence: int = -1,
            transactional: bool = False, client_id: str | None = None) -> ProduceResult:
    """Produce (0), one partition's batch: ``respond(ProduceResult)``.

    A ``delay_produce_response`` fault answers with ``extra_delay_ms``; a ``lose_produce_response`` fault
    never answers (the batch was written). Returns the ProduceResult too.
    """
    res = handle_produce(cluster, topic, partition, records, producer_id=producer_id, producer_epoch=producer_epoch,
                         base_sequence=base_sequence, transactional=transactional, client_id=client_id)
    if res.fault is None:
        respond(res)
    elif res.fault == DELAY_RESPONSE:
        respond(res, extra_delay_ms=res.delay_ms)
    return res


def fetch(cluster: Any, respond: Respond, /, *, group_id: str | None, partitions: list[tuple[str, int, int]],
          read_committed: bool, reset: str, max_partition_bytes: int, max_wait_ms: int | None) -> FetchRequest:
    """Fetch (1): ``respond(list[PartitionData])`` once data is there or ``max_wait_ms`` passed.

    Returns the ``FetchRequest``; its ``cancel()`` drops a waiting long poll. See ``fetch.FetchRequest`` for
    the fetch offsets (negative: committed offset, then ``reset``).
    """
    return FetchRequest(cluster, group_id=group_id, partitions=partitions, read_committed=read_committed,
                        reset=reset, max_partition_bytes=max_partition_bytes, max_wait_ms=max_wait_ms, reply=respond)


def list_offsets(cluster: Any, respond: Respond, /, *, partitions: list[tuple[str, int, str | int]],
                 read_committed: bool = False) -> None:
    """ListOffsets (2): ``respond(list[Result])``, one per ``(topic, partition, spec)`` in request order.

    ``spec`` is ``"earliest"``, ``"latest"``, ``"max_timestamp"`` or a time in ms; each value is
    ``(offset, timestamp)`` (see ``fetch.list_offsets_for``). A partition may be asked more than once.
    """
    respond([_outcome(lambda t=t, p=p, s=s: list_offsets_for(cluster.partition(t, p), s, read_committed))
             for t, p, s in partitions])


def metadata(cluster: Any, respond: Respond, /, *, topics: list[str] | None = None,
             allow_auto_topic_creation: bool = False) -> None:
    """Metadata (3): ``respond(MetadataResult)``; ``topics`` None means every topic (internal ones included).

    With ``allow_auto_topic_creation`` (a producer's lookup) a missing topic is created when the broker has
    ``auto.create.topics.enable``; a bad name answers ``TOPIC_EXCEPTION``.
    """
    names = list(cluster.topics) if topics is None else topics
    out = {}
    for name in names:
        try:
            t = cluster.ensure_topic_for_produce(name) if allow_auto_topic_creation else cluster.topics.get(name)
        except KafkaException as exc:
            out[name] = TopicInfo(exc.args[0], 0, False)
            continue
        out[name] = (TopicInfo(KafkaError(ERR.UNKNOWN_TOPIC_OR_PART), 0, False) if t is None
                     else TopicInfo(None, len(t.partitions), t.internal))
    respond(MetadataResult(cluster.name, cluster.broker_id, [_node(cluster)], out))


def describe_cluster(cluster: Any, respond: Respond, /) -> None:
    """DescribeCluster (60): ``respond(ClusterInfo)``."""
    respond(ClusterInfo(cluster.name, _node(cluster), [_node(cluster)]))


# -- topics admin ------------------------------------------------------------------------------------------
def create_topics(cluster: Any, respond: Respond, /, *, topics: list[tuple[str, int | None, dict | None]],
                  validate_only: bool = False) -> None:
    """CreateTopics (19): ``respond({name: Result(None)})`` for ``(name, partitions or None, config)`` entries."""
    if validate_only:
        respond({name: _outcome(cluster.validate_new_topic, name, parts, config) for name, parts, config in topics})
        return
    respond({name: _outcome(lambda n=name, p=parts, c=config: cluster.create_topic(n, p, c) and None)
             for name, parts, config in topics})


def delete_topics(cluster: Any, respond: Respond, /, *, topics: list[str]) -> None:
    """DeleteTopics (20): ``respond({name: Result(None)})``."""
    respond({name: _outcome(cluster.delete_topic, name) for name in topics})


def create_partitions(cluster: Any, respond: Respond, /, *, topics: list[tuple[str, int]],
                      validate_only: bool = False) -> None:
    """CreatePartitions (37): ``respond({name: Result(None)})`` for ``(name, new total count)`` entries."""
    respond({name: _outcome(cluster.create_partitions, name, total, validate_only=validate_only)
             for name, total in topics})


def delete_records(cluster: Any, respond: Respond, /, *, partitions: list[tuple[str, int, int]]) -> None:
    """DeleteRecords (21): ``respond({(topic, partition): Result(low_watermark)})``; offset -1 means the HW."""
    respond({(t, p): _outcome(cluster.delete_records, t, p, off) for t, p, off in partitions})


def elect_leaders(cluster: Any, respond: Respond, /, *, partitions: list[tuple[str, int]] | None = None) -> None:
    """ElectLeaders (43): ``respond({(topic, partition): error code})`` (every partition when None)."""
    respond(cluster.elect_leaders(partitions))


# -- configs -----------------------------------------------------------------------------------------------
TOPIC, BROKER, GROUP = "topic", "broker", "group"


def describe_configs(cluster: Any, respond: Respond, /, *, resources: list[tuple[str, str]]) -> None:
    """DescribeConfigs (32): ``respond({(type, name): Result({config: (value, is_default)})})``.

    ``type`` is ``"topic"``, ``"broker"`` or ``"group"`` (a group's configs, ``share.*``; the group need not
    exist); values are the resolved Python values (``configs.config_str`` gives Kafka's text form).
    """
    out = {}
    for restype, name in resources:
        if restype == TOPIC:
            out[(restype, name)] = _outcome(_configs.describe_topic_config, cluster, name)
        elif restype == GROUP:
            out[(restype, name)] = _outcome(cluster.group_coordinator.share.describe_config, name)
        elif restype == BROKER:
            out[(restype, name)] = _outcome(_configs.describe_broker_config, cluster)
        else:
            out[(restype, name)] = Result(None, KafkaError(ERR.INVALID_REQUEST, f"unsupported {restype}"))
    respond(out)


def alter_configs(cluster: Any, respond: Respond, /, *, resources: list[tuple[str, str, dict]],
                  validate_only: bool = False) -> None:
    """AlterConfigs (33): ``respond({(type, name): Result(None)})``; replaces a topic's configs.

    Only ``"topic"`` resources are modelled (others answer ``INVALID_REQUEST``).
    """
    out = {}
    for restype, name, configs in resources:
        if restype != TOPIC:
            out[(restype, name)] = Result(None, KafkaError(ERR.INVALID_REQUEST, "alter_configs: only TOPIC "
                                                                                "resources are modelled"))
        else:
            out[(restype, name)] = _outcome(_configs.alter_topic_config, cluster, name, configs, validate_only)
    respond(out)


def incremental_alter_configs(cluster: Any, respond: Respond, /, *,
                              resources: list[tuple[str, str, list[tuple[str, str | None, str | None]]]],
                              validate_only: bool = False) -> None:
    """IncrementalAlterConfigs (44): ``respond({(type, name): Result(None)})``.

    Each resource carries ``(config, operation, value)`` ops, operation ``SET``/``DELETE``/``APPEND``/
    ``SUBTRACT`` (``configs.incremental_alter_topic_config``). ``"topic"`` and ``"group"`` resources are
    modelled; a group takes ``SET``/``DELETE`` of its group configs (``share.auto.offset.reset``,
    ``share.record.lock.duration.ms``, ... as ``kafka-configs --entity-type groups``; ``share_groups.ShareGroups``).
    """
    out = {}
    for restype, name, ops in resources:
        if restype == GROUP:
            out[(restype, name)] = _outcome(cluster.group_coordinator.share.alter_config, name, ops, validate_only)
        elif restype != TOPIC:
            out[(restype, name)] = Result(None, KafkaError(ERR.INVALID_REQUEST, "incremental_alter_configs: only "
                                                                                "TOPIC resources are modelled"))
        else:
            out[(restype, name)] = _outcome(_configs.incremental_alter_topic_config, cluster, name, ops,
                                            validate_only)
    respond(out)


_NO_AUTHORIZER = "No Authorizer is configured on the broker"


def describe_acls(cluster: Any, respond: Respond, /, **_filter: Any) -> None:
    """DescribeAcls (29): ``respond(KafkaError(SECURITY_DISABLED))``: the broker has no authorizer."""
    respond(KafkaError(ERR.SECURITY_DISABLED, _NO_AUTHORIZER))


def create_acls(cluster: Any, respond: Respond, /, **_acls: Any) -> None:
    """CreateAcls (30): ``respond(KafkaError(SECURITY_DISABLED))``: the broker has no authorizer."""
    respond(KafkaError(ERR.SECURITY_DISABLED, _NO_AUTHORIZER))


def delete_acls(cluster: Any, respond: Respond, /, **_filters: Any) -> None:
    """DeleteAcls (31): ``respond(KafkaError(SECURITY_DISABLED))``: the broker has no authorizer."""
    respond(KafkaError(ERR.SECURITY_DISABLED, _NO_AUTHORIZER))


# -- groups --------------------------------------------------------------------------------------------------
def find_coordinator(cluster: Any, respond: Respond, /, *, key: str, key_type: str = "group") -> None:
    """FindCoordinator (10): ``respond(FindCoordinatorResult)``; ``key_type`` ``"group"`` or ``"transaction"``.

    Simplification: the one broker coordinates every group and transactional id.
    """
    respond(FindCoordinatorResult(0, _node(cluster)))


def join_group(cluster: Any, respond: Respond, /, *, group_id: str, member_id: str, group_instance_id: str | None,
               client_id: str, session_timeout_ms: int, rebalance_timeout_ms: int,
               protocols: list[tuple[str, dict]]) -> None:
    """JoinGroup (11): ``respond(JoinResult)`` when the join phase completes (or at once on an error)."""
    cluster.group_coordinator.join(group_id, member_id=member_id, group_instance_id=group_instance_id,
                                   client_id=client_id, session_timeout_ms=session_timeout_ms,
                                   rebalance_timeout_ms=rebalance_timeout_ms, protocols=protocols, reply=respond)


def sync_group(cluster: Any, respond: Respond, /, *, group_id: str, member_id: str, generation_id: int,
               group_instance_id: str | None, assignments: dict[str, list[tuple[str, int]]] | None) -> None:
    """SyncGroup (14): ``respond(SyncResult(error, assignment))`` once the leader's assignment is there."""
    cluster.group_coordinator.sync(group_id, member_id=member_id, generation_id=generation_id,
                                   group_instance_id=group_instance_id, assignments=assignments,
                                   reply=lambda err, parts: respond(SyncResult(err, parts)))


def heartbeat(cluster: Any, respond: Respond, /, *, group_id: str, member_id: str, generation_id: int,
              group_instance_id: str | None) -> None:
    """Heartbeat (12): ``respond(error code)`` (0, REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION, ...)."""
    respond(cluster.group_coordinator.heartbeat(group_id, member_id, generation_id, group_instance_id))


def leave_group(cluster: Any, respond: Respond, /, *, group_id: str, member_id: str, group_instance_id: str | None,
                reason: str) -> None:
    """LeaveGroup (13): ``respond(error code)``; ``reason`` is traced with the member's removal (KIP-800)."""
    respond(cluster.group_coordinator.leave(group_id, member_id, group_instance_id, reason))


def consumer_group_heartbeat(cluster: Any, respond: Respond, /, *, group_id: str, member_id: str, member_epoch: int,
                             instance_id: str | None = None, rack_id: str | None = None,
                             rebalance_timeout_ms: int = -1, subscribed_topic_names: list[str] | None = None,
                             subscribed_topic_regex: str | None = None, server_assignor: str | None = None,
                             topic_partitions: list[tuple[str, int]] | None = None, client_id: str = "") -> None:
    """ConsumerGroupHeartbeat (68), KIP-848: ``respond(ConsumerGroupHeartbeatResult)`` at once.

    ``member_epoch`` 0 joins, -1 leaves, -2 is a static member leaving temporarily; ``None`` fields are
    unchanged since the last heartbeat. ``topic_partitions`` are the partitions the member owns now
    (topic names instead of Kafka's topic ids). See ``consumer_groups.ConsumerGroups.heartbeat``.
    """
    respond(cluster.group_coordinator.consumer_group_heartbeat(
        group_id, member_id=member_id, member_epoch=member_epoch, instance_id=instance_id, rack_id=rack_id,
        rebalance_timeout_ms=rebalance_timeout_ms, subscribed_topic_names=subscribed_topic_names,
        subscribed_topic_regex=subscribed_topic_regex, server_assignor=server_assignor,
        topic_partitions=topic_partitions, client_id=client_id))


def consumer_group_describe(cluster: Any, respond: Respond, /, *, group_ids: list[str]) -> None:
    """ConsumerGroupDescribe (69): ``respond({group_id: Result(DescribedConsumerGroup)})``.

    A group that does not exist, or is a classic group, has ``error`` GROUP_ID_NOT_FOUND with Kafka's
    message ("Group g not found." / "Group g is not a consumer group.").
    """
    gc = cluster.group_coordinator
    out = {}
    for gid in group_ids:
        described = gc.consumer.describe(gid)
        if described is not None:
            out[gid] = Result(described)
        elif gc.group(gid) is not None:
            out[gid] = Result(None, KafkaError(ERR.GROUP_ID_NOT_FOUND, f"Group {gid} is not a consumer group."))
        else:
            out[gid] = Result(None, KafkaError(ERR.GROUP_ID_NOT_FOUND, f"Group {gid} not found."))
    respond(out)


def describe_groups(cluster: Any, respond: Respond, /, *, group_ids: list[str]) -> None:
    """DescribeGroups (15): ``respond({group_id: DescribedGroup or None})`` (None: the group does not exist)."""
    gc = cluster.group_coordinator
    respond({gid: gc.describe_group(gid) for gid in group_ids})


def list_groups(cluster: Any, respond: Respond, /) -> None:
    """ListGroups (16): ``respond(list[ListedGroup])``."""
    respond(cluster.group_coordinator.list_groups())


def delete_groups(cluster: Any, respond: Respond, /, *, group_ids: list[str]) -> None:
    """DeleteGroups (42): ``respond({group_id: error code})`` (GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP or 0)."""
    gc = cluster.group_coordinator
    respond({gid: gc.delete_group(gid, "delete_consumer_groups") for gid in group_ids})


# -- share groups (KIP-932) -------------------------------------------------------------------------------------
class ShareGroupOffsets(NamedTuple):
    """One group of a DescribeShareGroupOffsets response: ``partitions`` {(topic, partition): (start_offset,
    lag)} for every share-partition the group has initialised (start offset: the SPSO; lag: KIP-1226, the
    offsets from the SPSO to the high watermark not yet Acknowledged or Archived)."""

    group_id: str
    partitions: dict[tuple[str, int], tuple[int, int]]


def share_group_heartbeat(cluster: Any, respond: Respond, /, *, group_id: str, member_id: str, member_epoch: int,
                          rack_id: str | None = None, subscribed_topic_names: list[str] | None = None,
                          client_id: str = "") -> None:
    """ShareGroupHeartbeat (76), KIP-932: ``respond(ShareGroupHeartbeatResult)`` at once.

    ``member_epoch`` 0 joins (``member_id``: the client's own Uuid), -1 leaves; ``subscribed_topic_names``
    None is unchanged. The assignment is the ``simple`` assignor's, with no revocation step (see
    ``share_groups.ShareGroups.heartbeat``).
    """
    respond(cluster.group_coordinator.share.heartbeat(group_id, member_id=member_id, member_epoch=member_epoch,
                                                      rack_id=rack_id, subscribed_topic_names=subscribed_topic_names,
                                                      client_id=client_id))


def share_group_describe(cluster: Any, respond: Respond, /, *, group_ids: list[str]) -> None:
    """ShareGroupDescribe (77): ``respond({group_id: Result(DescribedShareGroup)})``.

    A group that does not exist, or is not a share group, has ``error`` GROUP_ID_NOT_FOUND ("Group g not
    found." / "Group g is not a share group.").
    """
    gc = cluster.group_coordinator
    out = {}
    for gid in group_ids:
        described = gc.share.describe(gid)
        if described is not None:
            out[gid] = Result(described)
        elif gc.group_type(gid) is not None:
            out[gid] = Result(None, KafkaError(ERR.GROUP_ID_NOT_FOUND, f"Group {gid} is not a share group."))
        else:
            out[gid] = Result(None, KafkaError(ERR.GROUP_ID_NOT_FOUND, f"Group {gid} not found."))
    respond(out)


def describe_share_group_offsets(cluster: Any, respond: Respond, /, *, group_ids: list[str]) -> None:
    """DescribeShareGroupOffsets (90): ``respond({group_id: Result(ShareGroupOffsets)})``; errors as
    ShareGroupDescribe. A partition the group never fetched is absent (the tool prints no row for it)."""
    gc = cluster.group_coordinator
    out = {}
    for gid in group_ids:
        if gid in gc.share.groups:
            out[gid] = Result(ShareGroupOffsets(gid, cluster.share_partitions.group_offsets(gid)))
        elif gc.group_type(gid) is not None:
            out[gid] = Result(None, KafkaError(ERR.GROUP_ID_NOT_FOUND, f"Group {gid} is not a share group."))
        else:
            out[gid] = Result(None, KafkaError(ERR.GROUP_ID_NOT_FOUND, f"Group {gid} not found."))
    respond(out)


def share_fetch(cluster: Any, respond: Respond, /, *, group_id: str, member_id: str, share_session_epoch: int,
                max_wait_ms: int | None = 500, max_records: int = 500, partitions: list[tuple[str, int]] = (),
                acknowledgements: dict | None = None, client_id: str = "", min_bytes: int = 1,
                max_bytes: int = 52428800):
    """ShareFetch (78): ``respond(ShareFetchResult)`` once records are acquired or ``max_wait_ms`` passed.

    ``share_session_epoch`` 0 opens the member's share session, then each request carries the next epoch
    (wrong: INVALID_SHARE_SESSION_EPOCH 123; none open: SHARE_SESSION_NOT_FOUND 122); -1 applies the
    acknowledgements, closes the session and releases everything the member acquired (no records; it must list
    no ``partitions``, and epoch 0 must carry no acknowledgements: INVALID_REQUEST).
    ``acknowledgements`` {(topic, partition): [(first_offset, last_offset, [ack_type, ...])]} are applied
    first (types 0 GAP, 1 ACCEPT, 2 RELEASE, 3 REJECT, 4 RENEW), per partition all or nothing
    (INVALID_RECORD_STATE 121 in that partition's ``acknowledge_error_code``). Up to ``max_records`` records
    are then acquired across ``partitions``. Returns the waiting request (its ``cancel()`` drops the long
    poll) or None. ``min_bytes``/``max_bytes`` are accepted and not modelled.
    """
    return cluster.share_partitions.share_fetch(
        group_id=group_id, member_id=member_id, share_session_epoch=share_session_epoch, max_wait_ms=max_wait_ms,
        max_records=max_records, partitions=list(partitions), acknowledgements=acknowledgements,
        client_id=client_id, reply=respond)


def share_acknowledge(cluster: Any, respond: Respond, /, *, group_id: str, member_id: str,
                      share_session_epoch: int, acknowledgements: dict | None = None, client_id: str = "") -> None:
    """ShareAcknowledge (79): ``respond(ShareAcknowledgeResult)`` at once.

    Acknowledgements as ShareFetch's; it never opens a session (epoch 0: INVALID_SHARE_SESSION_EPOCH);
    -1 closes the session after applying them and releases what the member still holds.
    """
    respond(cluster.share_partitions.share_acknowledge(
        group_id=group_id, member_id=member_id, share_session_epoch=share_session_epoch,
        acknowledgements=acknowledgements, client_id=client_id))


def connection_closed(cluster: Any, client: str, member_ids: list[str]) -> None:
    """Not a Kafka API: the broker noticing that ``client``'s TCP connections closed (its process died).

    Its members' share sessions are evicted and every record they acquired is released at once
    (KAFKA-19015, Kafka 4.1+), the delivery count kept (it was counted at acquisition). The members stay
    in their groups until ``share.session.timeout.ms``. Instant: no request latency.
    """
    cluster.share_partitions.connection_closed(client, list(member_ids))


# -- offsets ---------------------------------------------------------------------------------------------------
def offset_commit(cluster: Any, respond: Respond, /, *, group_id: str, member_id: str, generation_id: int,
                  group_instance_id: str | None, offsets: dict[tuple[str, int], tuple[int, str]],
                  client_id: str = "") -> None:
    """OffsetCommit (8): ``respond({(topic, partition): error code})`` for ``{tp: (offset, metadata)}``.

    A standalone commit (no group membership) sends ``member_id=""``, ``generation_id=-1``.
    """
    respond(cluster.group_coordinator.offsets.commit(group_id, member_id, generation_id, group_instance_id, offsets,
                                                     client_id=client_id))


def offset_fetch(cluster: Any, respond: Respond, /, *, group_id: str, partitions: list[tuple[str, int]] | None,
                 require_stable: bool = False, member_id: str | None = None, member_epoch: int = -1) -> None:
    """OffsetFetch (9): ``respond(OffsetFetchResult)``; ``partitions`` None means every committed partition.

    A consumer-protocol member may send its ``member_id`` and ``member_epoch`` (v9+, KIP-848); a stale
    epoch answers ``STALE_MEMBER_EPOCH``, an unknown member ``UNKNOWN_MEMBER_ID`` (``error``, no offsets).
    """
    err = cluster.group_coordinator.validate_offset_fetch(group_id, member_id, member_epoch)
    if err:
        respond(OffsetFetchResult({}, [], err))
        return
    om = cluster.group_coordinator.offsets
    found = om.fetch(group_id, partitions)
    respond(OffsetFetchResult(found, om.unstable(group_id, list(found)) if require_stable else []))


# -- transactions ------------------------------------------------------------------------------------------------
def init_producer_id(cluster: Any, respond: Respond, /, *, transactional_id: str | None,
                     transaction_timeout_ms: int = -1, client_id: str = "",
                     reason: str = "InitProducerId") -> None:
    """InitProducerId (22): ``respond(InitProducerIdResult)``.

    Without a transactional id (an idempotent producer) a new producer id with epoch 0 at once; with one,
    the epoch is bumped (fencing older instances), possibly after aborting their open transaction.
    ``reason`` is traced for the idempotent case.
    """
    coordinator = cluster.transaction_coordinator
    if transactional_id is None:
        respond(InitProducerIdResult(0, *coordinator.allocate_producer_id(client_id, reason)))
        return
    coordinator.init_producer_id(transactional_id, transaction_timeout_ms,
                                 lambda err, pid, epoch: respond(InitProducerIdResult(err, pid, epoch)), client_id)


def add_partitions_to_txn(cluster: Any, respond: Respond, /, *, transactional_id: str, producer_id: int,
                          producer_epoch: int, partitions: list[tuple[str, int]], client_id: str = "") -> None:
    """AddPartitionsToTxn (24): ``respond(error code)``."""
    respond(cluster.transaction_coordinator.add_partitions(transactional_id, producer_id, producer_epoch, partitions,
                                                           client_id))


def add_offsets_to_txn(cluster: Any, respond: Respond, /, *, transactional_id: str, producer_id: int,
                       producer_epoch: int, group_id: str, client_id: str = "") -> None:
    """AddOffsetsToTxn (25): ``respond(error code)``."""
    respond(cluster.transaction_coordinator.add_offsets(transactional_id, producer_id, producer_epoch, group_id,
                                                        client_id))


def txn_offset_commit(cluster: Any, respond: Respond, /, *, transactional_id: str, producer_id: int,
                      producer_epoch: int, group_id: str, member_id: str, generation_id: int,
                      group_instance_id: str | None, offsets: dict[tuple[str, int], int],
                      client_id: str = "") -> None:
    """TxnOffsetCommit (28): ``respond(error code)``; ``offsets`` {tp: next offset}, pending until COMMIT."""
    member = ConsumerGroupMember(group_id, member_id, generation_id, group_instance_id)
    respond(cluster.transaction_coordinator.txn_offset_commit(transactional_id, producer_id, producer_epoch, member,
                                                              offsets, client_id))


def end_txn(cluster: Any, respond: Respond, /, *, transactional_id: str, producer_id: int, producer_epoch: int,
            commit: bool, client_id: str = "") -> None:
    """EndTxn (26): ``respond(error code)`` once PrepareCommit/PrepareAbort is written (markers follow)."""
    respond(cluster.transaction_coordinator.end_transaction(transactional_id, producer_id, producer_epoch, commit,
                                                            client_id))


def describe_transactions(cluster: Any, respond: Respond, /, *, transactional_ids: list[str]) -> None:
    """DescribeTransactions (65): ``respond({transactional_id: dict or None})`` (``TransactionMetadata.describe``)."""
    coordinator = cluster.transaction_coordinator
    respond({tid: coordinator.describe(tid) for tid in transactional_ids})


#: API name -> handler.
HANDLERS: dict[str, Callable[..., Any]] = {
    "Produce": produce, "Fetch": fetch, "ListOffsets": list_offsets, "Metadata": metadata,
    "OffsetCommit": offset_commit, "OffsetFetch": offset_fetch, "FindCoordinator": find_coordinator,
    "JoinGroup": join_group, "Heartbeat": heartbeat, "LeaveGroup": leave_group, "SyncGroup": sync_group,
    "DescribeGroups": describe_groups, "ListGroups": list_groups, "CreateTopics": create_topics,
    "DeleteTopics": delete_topics, "DeleteRecords": delete_records, "InitProducerId": init_producer_id,
    "AddPartitionsToTxn": add_partitions_to_txn, "AddOffsetsToTxn": add_offsets_to_txn, "EndTxn": end_txn,
    "TxnOffsetCommit": txn_offset_commit, "DescribeAcls": describe_acls, "CreateAcls": create_acls,
    "DeleteAcls": delete_acls, "DescribeConfigs": describe_configs, "AlterConfigs": alter_configs,
    "CreatePartitions": create_partitions, "DeleteGroups": delete_groups, "ElectLeaders": elect_leaders,
    "IncrementalAlterConfigs": incremental_alter_configs, "DescribeCluster": describe_cluster,
    "DescribeTransactions": describe_transactions, "ConsumerGroupHeartbeat": consumer_group_heartbeat,
    "ConsumerGroupDescribe": consumer_group_describe, "ShareGroupHeartbeat": share_group_heartbeat,
    "ShareGroupDescribe": share_group_describe, "ShareFetch": share_fetch, "ShareAcknowledge": share_acknowledge,
    "DescribeShareGroupOffsets": describe_share_group_offsets,
}


def handle(cluster: Any, api: str, respond: Respond, /, **fields: Any) -> Any:
    """Handle one request for Kafka API ``api`` (``"JoinGroup"`` ...); returns what the handler returns.

    Raises:
        ValueError: ``api`` is not a modelled Kafka API.
    """
    handler = HANDLERS.get(api)
    if handler is None:
        raise ValueError(f"unknown Kafka API {api!r}; the broker models: {', '.join(sorted(HANDLERS))}")
    return handler(cluster, respond, **fields)
