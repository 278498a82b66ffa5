"""The admin client, with confluent-kafka's ``AdminClient`` API: topics, configs, offsets, groups.

Owns ``AdminClient``, ``NewTopic``, ``NewPartitions``, ``ConfigResource``, ``OffsetSpec``,
and the result types (``ClusterMetadata`` lives in ``metadata.py``). Every call returns
``concurrent.futures.Future``s as confluent-kafka does; ``result()`` raises ``KafkaException`` on
failure. Standard library only.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import Future
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from ..broker.apis import config_str
from ..errors import ERR, KafkaError, KafkaException
from . import admin_checks as check
from .base import ClientBase, timeout_ms
from .group_admin import GroupAdmin
from .message import TopicPartition
from .model import ElectionType, IsolationLevel, Node, TopicCollection, TopicPartitionInfo, Uuid, _enum


@dataclass
class NewTopic:
    """A topic to create. ``num_partitions=-1`` takes the broker's ``num.partitions``."""

    topic: str
    num_partitions: int = -1
    replication_factor: int = -1
    replica_assignment: list | None = None
    config: dict | None = None


@dataclass
class NewPartitions:
    """Raise ``topic`` to ``new_total_count`` partitions."""

    topic: str
    new_total_count: int
    replica_assignment: list | None = None


class ResourceType(Enum):
    """Config and ACL resource types (TOPIC and BROKER configs are modelled)."""

    UNKNOWN = 0
    ANY = 1
    TOPIC = 2
    GROUP = 3
    BROKER = 4
    TRANSACTIONAL_ID = 5


class ResourcePatternType(Enum):
    """How an ACL's resource name matches."""

    UNKNOWN = 0
    ANY = 1
    MATCH = 2
    LITERAL = 3
    PREFIXED = 4


class AclOperation(Enum):
    """An operation an ACL allows or denies."""

    UNKNOWN = 0
    ANY = 1
    ALL = 2
    READ = 3
    WRITE = 4
    CREATE = 5
    DELETE = 6
    ALTER = 7
    DESCRIBE = 8
    CLUSTER_ACTION = 9
    DESCRIBE_CONFIGS = 10
    ALTER_CONFIGS = 11
    IDEMPOTENT_WRITE = 12


class AclPermissionType(Enum):
    """Whether an ACL allows or denies."""

    UNKNOWN = 0
    ANY = 1
    DENY = 2
    ALLOW = 3


class AlterConfigOpType(Enum):
    """What ``incremental_alter_configs`` does with one config (APPEND/SUBTRACT: list-valued configs only)."""

    SET = 0
    DELETE = 1
    APPEND = 2
    SUBTRACT = 3


class ConfigSource(Enum):
    """Where a config value comes from, as ``describe_configs`` reports it."""

    UNKNOWN_CONFIG = 0
    DYNAMIC_TOPIC_CONFIG = 1
    DYNAMIC_BROKER_CONFIG = 2
    DYNAMIC_DEFAULT_BROKER_CONFIG = 3
    STATIC_BROKER_CONFIG = 4
    DEFAULT_CONFIG = 5
    GROUP_CONFIG = 8


RESOURCE_UNKNOWN, RESOURCE_ANY, RESOURCE_TOPIC, RESOURCE_GROUP, RESOURCE_BROKER, RESOURCE_TRANSACTIONAL_ID = range(6)
CONFIG_SOURCE_UNKNOWN_CONFIG = 0
CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG = 1
CONFIG_SOURCE_DYNAMIC_BROKER_CONFIG = 2
CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER_CONFIG = 3
CONFIG_SOURCE_STATIC_BROKER_CONFIG = 4
CONFIG_SOURCE_DEFAULT_CONFIG = 5
CONFIG_SOURCE_GROUP_CONFIG = 8


class AclBinding:
    """An ACL: who (principal, host) may or may not do what (operation) on which resource."""

    def __init__(self, restype: ResourceType | str | int, name: str,
                 resource_pattern_type: ResourcePatternType | str | int, principal: str, host: str,
                 operation: AclOperation | str | int, permission_type: AclPermissionType | str | int) -> None:
        self.restype = _enum(ResourceType, restype, "restype")
        self.name = name
        self.resource_pattern_type = _enum(ResourcePatternType, resource_pattern_type, "resource_pattern_type")
        self.principal = principal
        self.host = host
        self.operation = _enum(AclOperation, operation, "operation")
        self.permission_type = _enum(AclPermissionType, permission_type, "permission_type")

    def _key(self) -> tuple:
        return (self.restype, self.name, self.resource_pattern_type, self.principal, self.host, self.operation,
                self.permission_type)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.restype.name},{self.name},{self.resource_pattern_type.name},"
                f"{self.principal},{self.host},{self.operation.name},{self.permission_type.name})")


class AclBindingFilter(AclBinding):
    """A pattern over ACLs for ``describe_acls``/``delete_acls`` (ANY and None match everything)."""


class TopicDescription:
    """``describe_topics`` result: name, topic id, whether internal, and the partitions."""

    def __init__(self, name: str, topic_id: Uuid, is_internal: bool, partitions: list[TopicPartitionInfo],
                 authorized_operations: list | None = None) -> None:
        self.name = name
        self.topic_id = topic_id
        self.is_internal = is_internal
        self.partitions = partitions
        self.authorized_operations = authorized_operations


class DescribeClusterResult:
    """``describe_cluster`` result: the controller, the brokers and the cluster id."""

    def __init__(self, controller: Node, nodes: list[Node], cluster_id: str | None = None,
                 authorized_operations: list | None = None) -> None:
        self.controller = controller
        self.nodes = nodes
        self.cluster_id = cluster_id
        self.authorized_operations = authorized_operations


class ConfigResource:
    """A config resource; ``set_config`` names values for ``alter_configs``."""

    def __init__(self, restype: ResourceType | str | int, name: str, set_config: dict | None = None,
                 described_configs: dict | None = None, error: Any = None,
                 incremental_configs: list | None = None) -> None:
        if isinstance(restype, str):
            if restype.upper() not in ResourceType.__members__:
                raise ValueError(f"ConfigResource: restype {restype!r} is not one of {list(ResourceType.__members__)}")
            restype = ResourceType[restype.upper()]
        elif isinstance(restype, int) and not isinstance(restype, bool):
            restype = ResourceType(restype)
        elif not isinstance(restype, ResourceType):
            raise TypeError(f"ConfigResource: restype must be a ResourceType, str or int, got {restype!r}")
        self.restype = restype
        self.name = name
        self.set_config_dict: dict[str, str] = dict(set_config or {})
        self.configs = described_configs
        self.error = error
        self.incremental_configs: list[ConfigEntry] = list(incremental_configs or [])

    def add_incremental_config(self, config_entry: ConfigEntry) -> None:
        """Add a ``ConfigEntry`` (with its ``incremental_operation``) for ``incremental_alter_configs``."""
        self.incremental_configs.append(config_entry)

    def set_config(self, name: str, value: Any, overwrite: bool = True) -> None:
        """Set ``name`` to ``value`` for ``alter_configs``."""
        if overwrite or name not in self.set_config_dict:
            self.set_config_dict[name] = value

    def __hash__(self) -> int:
        return hash((self.restype, self.name))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ConfigResource) and (self.restype, self.name) == (other.restype, other.name)

    def __repr__(self) -> str:
        return f"ConfigResource({self.restype},{self.name})"


@dataclass
class ConfigEntry:
    """One config value as ``describe_configs`` reports it, or one change for ``incremental_alter_configs``."""

    name: str
    value: str | None
    source: ConfigSource = ConfigSource.UNKNOWN_CONFIG
    is_read_only: bool = False
    is_default: bool = False
    is_sensitive: bool = False
    is_synonym: bool = False
    synonyms: dict = field(default_factory=dict)
    incremental_operation: AlterConfigOpType | None = None


class OffsetSpec:
    """What ``list_offsets`` looks up: earliest, latest, max timestamp, or a timestamp."""

    def __init__(self, kind: str, timestamp: int | None = None) -> None:
        self.kind = kind
        self.timestamp = timestamp

    @classmethod
    def earliest(cls) -> OffsetSpec:
        return cls("earliest")

    @classmethod
    def latest(cls) -> OffsetSpec:
        return cls("latest")

    @classmethod
    def max_timestamp(cls) -> OffsetSpec:
        return cls("max_timestamp")

    @classmethod
    def for_timestamp(cls, timestamp: int) -> OffsetSpec:
        return cls("timestamp", timestamp)


@dataclass
class ListOffsetsResultInfo:
    offset: int
    timestamp: int
    leader_epoch: int | None = None


@dataclass
class DeletedRecords:
    """Result of ``delete_records``: the partition's new log start offset."""

    low_watermark: int


def _done(value: Any = None, error: KafkaException | None = None) -> Future:
    fut: Future = Future()
    if error is not None:
        fut.set_exception(error)
    else:
        fut.set_result(value)
    return fut


def _attempt(fn, *args) -> Future:
    try:
        return _done(fn(*args))
    except KafkaException as exc:
        return _done(error=exc)


class AdminClient(GroupAdmin, ClientBase):
    """An admin client in virtual time, with confluent-kafka's ``AdminClient`` API.

    Kafka: confluent-kafka ``confluent_kafka.admin.AdminClient``. Simplification: requests take
    effect when called (no virtual time passes); the returned futures are already done.
    """

    _kind = "admin"
    _closed_text = "AdminClient has been closed"

    def __init__(self, conf: dict, **kwargs: Any) -> None:
        super().__init__("producer", conf, kwargs)

    def _exit_close(self) -> None:
        """confluent-kafka's AdminClient has no ``close``: leaving ``with`` ends it."""
        self._closed = True

    def _c(self):
        """The cluster; for a client with no kafkalab cluster behind it, a stand-in whose every use fails.

        confluent-kafka checks the arguments at once and fails the returned futures with ``_TIMED_OUT``
        when no broker answers; the stand-in's exception is caught into each future by ``_attempt``.
        """
        self._check_usable()
        return self._cluster if self._cluster is not None else _Unreachable()

    def _ask(self, api: str, /, **fields: Any) -> Any:
        """One admin request (instant: ``base.is_instant``); with no cluster behind the client, ``_TIMED_OUT``."""
        if self._cluster is None:
            raise _no_broker()
        return self._roundtrip(api, **fields)

    def _futures(self, api: str, keys: list, /, **fields: Any) -> dict[Any, Future]:
        """Send ``api`` and turn its per-resource ``apis.Result`` answers into futures keyed by ``keys``'s items.

        ``keys`` pairs each future's key with the response's key: ``[(future key, response key), ...]``.
        """
        try:
            resp = self._ask(api, **fields)
        except KafkaException as exc:
            return {key: _done(error=KafkaException(*exc.args)) for key, _ in keys}
        return {key: _from_result(resp[rkey]) for key, rkey in keys}

    def create_topics(self, new_topics: list[NewTopic], operation_timeout: float = 0, request_timeout: float = 0,
                      validate_only: bool = False) -> dict[str, Future]:
        """Create topics; each future raises ``KafkaException`` (``TOPIC_ALREADY_EXISTS`` ...) on failure."""
        self._c()
        check.names_of(new_topics, "NewTopic", "create_topics", "new_topics")
        check.new_topic_configs(new_topics)
        check.flags(validate_only=validate_only)
        check.timeouts(request_timeout, operation_timeout)
        entries = [(nt.topic, None if nt.num_partitions == -1 else nt.num_partitions, nt.config) for nt in new_topics]
        return self._futures("CreateTopics", [(nt.topic, nt.topic) for nt in new_topics], topics=entries,
                             validate_only=validate_only)

    def delete_topics(self, topics: list[str], operation_timeout: float = 0,
                      request_timeout: float = 0) -> dict[str, Future]:
        """Delete topics (and the committed offsets of every group for them)."""
        self._c()
        check.topic_names(topics)
        check.timeouts(request_timeout, operation_timeout)
        return self._futures("DeleteTopics", [(t, t) for t in topics], topics=list(topics))

    def create_partitions(self, new_partitions: list[NewPartitions], operation_timeout: float = 0,
                          request_timeout: float = 0, validate_only: bool = False) -> dict[str, Future]:
        """Raise partition counts (``INVALID_PARTITIONS`` if not larger)."""
        self._c()
        check.names_of(new_partitions, "NewPartitions", "create_partitions", "new_partitions")
        check.flags(validate_only=validate_only)
        check.timeouts(request_timeout, operation_timeout)
        return self._futures("CreatePartitions", [(np.topic, np.topic) for np in new_partitions],
                             topics=[(np.topic, np.new_total_count) for np in new_partitions],
                             validate_only=validate_only)

    def describe_configs(self, resources: list[ConfigResource],
                         request_timeout: float = 0) -> dict[ConfigResource, Future]:
        """Current config values of topics (or the broker), with whether each is a default."""
        self._c()
        check.list_of(resources, ConfigResource, "ConfigResource", "describe_configs", "resources")
        check.timeouts(request_timeout)
        out = {}
        asked = [res for res in resources if res.restype in (ResourceType.TOPIC, ResourceType.BROKER)]
        keys = [(res, _config_key(res)) for res in asked]
        for res, fut in self._futures("DescribeConfigs", keys, resources=[k for _, k in keys]).items():
            out[res] = fut if fut.exception() is not None else _done(_config_entries(res, fut.result()))
        for res in resources:
            if res not in out:
                out[res] = _done(error=KafkaException(KafkaError(ERR.INVALID_REQUEST, f"unsupported {res.restype}")))
        return {res: out[res] for res in resources}

    def alter_configs(self, resources: list[ConfigResource], request_timeout: float = 0,
                      validate_only: bool = False) -> dict[ConfigResource, Future]:
        """Replace a topic's configs with ``set_config`` values (unnamed ones revert to defaults).

        Kafka: ``AlterConfigs`` is not incremental: configs you do not name are reset.
        """
        self._c()
        check.list_of(resources, ConfigResource, "ConfigResource", "alter_configs", "resources")
        check.flags(validate_only=validate_only)
        check.timeouts(request_timeout)
        keys = [(res, _config_key(res)) for res in resources]
        return self._futures("AlterConfigs", keys, resources=[(*k, dict(res.set_config_dict)) for res, k in keys],
                             validate_only=validate_only)

    def list_offsets(self, topic_partition_offsets: dict[TopicPartition, OffsetSpec],
                     isolation_level: IsolationLevel = IsolationLevel.READ_UNCOMMITTED,
                     request_timeout: float = 0) -> dict[TopicPartition, Future]:
        """Earliest (log start), latest (HW, or LSO for READ_COMMITTED), max-timestamp or by-time offsets."""
        self._c()
        check.list_offsets_request(topic_partition_offsets, TopicPartition, OffsetSpec, isolation_level,
                                   IsolationLevel)
        check.timeouts(request_timeout)
        tps = list(topic_partition_offsets)
        specs = [(tp.topic, tp.partition, spec.timestamp if spec.kind == "timestamp" else spec.kind)
                 for tp, spec in topic_partition_offsets.items()]
        try:
            results = self._ask("ListOffsets", partitions=specs, read_committed=isolation_level is
                                IsolationLevel.READ_COMMITTED)
        except KafkaException as exc:
            return {tp: _done(error=KafkaException(*exc.args)) for tp in tps}
        return {tp: _from_result(res, lambda v: ListOffsetsResultInfo(*v)) for tp, res in zip(tps, results)}

    def delete_records(self, topic_partition_offsets: list[TopicPartition], request_timeout: float = 0,
                       operation_timeout: float = 0) -> dict[TopicPartition, Future]:
        """Move each partition's log start offset to ``offset`` (-1 = the high watermark).

        Kafka: ``DeleteRecords``; whole segments below the new start are deleted.
        """
        self._c()
        check.partitions_list(topic_partition_offsets, TopicPartition, what="request")
        check.timeouts(request_timeout, operation_timeout)
        keys = [(tp, (tp.topic, tp.partition)) for tp in topic_partition_offsets]
        futures = self._futures("DeleteRecords", keys,
                                partitions=[(tp.topic, tp.partition, tp.offset) for tp in topic_partition_offsets])
        return {tp: fut if fut.exception() is not None else _done(DeletedRecords(fut.result()))
                for tp, fut in futures.items()}

    def describe_cluster(self, request_timeout: float = 0, include_authorized_operations: bool = False) -> Future:
        """Cluster id, controller and brokers, as a ``DescribeClusterResult``.

        ``include_authorized_operations``: the broker has no authorizer, so every cluster operation is allowed
        (Kafka answers all the resource's operations when no authorizer is configured).
        """
        self._c()
        check.flags(include_authorized_operations=include_authorized_operations)
        check.timeouts(request_timeout)
        ops = list(_CLUSTER_OPS) if include_authorized_operations else None
        try:
            info = self._ask("DescribeCluster")
        except KafkaException as exc:
            return _done(error=exc)
        return _done(DescribeClusterResult(_node(info.controller), [_node(b) for b in info.brokers], info.cluster_id,
                                           ops))

    def describe_topics(self, topics: TopicCollection, request_timeout: float = 0,
                        include_authorized_operations: bool = False) -> dict[str, Future]:
        """A ``TopicDescription`` per topic name; an unknown topic's future fails with UNKNOWN_TOPIC_OR_PART."""
        self._c()
        if not isinstance(topics, TopicCollection):
            raise TypeError("Expected input to be instance of TopicCollection")
        check.describe_topic_names(topics.topic_names)
        check.flags(include_authorized_operations=include_authorized_operations)
        check.timeouts(request_timeout)
        try:
            md = self._ask("Metadata", topics=list(topics.topic_names))
        except KafkaException as exc:
            return {name: _done(error=KafkaException(*exc.args)) for name in topics.topic_names}
        return {name: _done(error=KafkaException(KafkaError(md.topics[name].error.code())))
                if md.topics[name].error is not None else
                _done(_topic_description(md, name, include_authorized_operations))
                for name in topics.topic_names}

    def incremental_alter_configs(self, resources: list[ConfigResource], request_timeout: float = 0,
                                  validate_only: bool = False) -> dict[ConfigResource, Future]:
        """Change only the named configs (``ConfigEntry.incremental_operation``: SET, DELETE, APPEND, SUBTRACT).

        Kafka: ``IncrementalAlterConfigs`` (KIP-339); configs not named keep their values. DELETE reverts a
        config to its default; APPEND/SUBTRACT apply to list-valued configs (``cleanup.policy``).
        """
        self._c()
        check.list_of(resources, ConfigResource, "ConfigResource", "incremental_alter_configs", "resources",
                      error=TypeError)
        check.incremental_configs(resources, ConfigEntry, AlterConfigOpType)
        check.flags(validate_only=validate_only)
        check.timeouts(request_timeout)
        keys = [(res, _config_key(res)) for res in resources]
        ops = [(*k, [(e.name, e.incremental_operation.name if e.incremental_operation is not None else None, e.value)
                     for e in res.incremental_configs]) for res, k in keys]
        return self._futures("IncrementalAlterConfigs", keys, resources=ops, validate_only=validate_only)

    def create_acls(self, acls: list[AclBinding], request_timeout: float = 0) -> dict[AclBinding, Future]:
        """Each future fails with SECURITY_DISABLED: the broker has no authorizer (ACLs are not modelled)."""
        self._c()
        check.no_duplicates(acls, "ACL bindings")
        check.list_of(acls, AclBinding, "AclBinding", "create_acls", "acls")
        check.timeouts(request_timeout)
        return {acl: _done(error=self._no_authorizer()) for acl in acls}

    def describe_acls(self, acl_binding_filter: AclBindingFilter, request_timeout: float = 0) -> Future:
        """Fails with SECURITY_DISABLED: the broker has no authorizer (ACLs are not modelled)."""
        self._c()
        if not isinstance(acl_binding_filter, AclBindingFilter):
            raise TypeError("Expected an AclBindingFilter object")
        check.timeouts(request_timeout)
        return _done(error=self._no_authorizer())

    def delete_acls(self, acl_binding_filters: list[AclBindingFilter],
                    request_timeout: float = 0) -> dict[AclBindingFilter, Future]:
        """Each future fails with SECURITY_DISABLED: the broker has no authorizer (ACLs are not modelled)."""
        self._c()
        check.no_duplicates(acl_binding_filters, "ACL binding filters")
        check.list_of(acl_binding_filters, AclBindingFilter, "AclBindingFilter", "delete_acls",
                      "acl_binding_filters")
        check.timeouts(request_timeout)
        return {f: _done(error=self._no_authorizer()) for f in acl_binding_filters}

    def _no_authorizer(self) -> KafkaException:
        """SECURITY_DISABLED from the broker; with no broker, ``_TIMED_OUT`` waiting for the controller (librdkafka)."""
        if self._cluster is None:
            return KafkaException(KafkaError(ERR._TIMED_OUT, "Failed while waiting for controller: Local: Timed out"))
        return KafkaException(KafkaError(ERR.SECURITY_DISABLED, "No Authorizer is configured on the broker"))

    def elect_leaders(self, election_type: ElectionType, partitions: list[TopicPartition] | None = None,
                      request_timeout: float = 0, operation_timeout: float = 0) -> Future:
        """A future of ``{TopicPartition: KafkaException | None}``.

        Kafka: ``ElectLeaders``. kafkalab has one broker, which already leads every partition, so each
        partition answers ELECTION_NOT_NEEDED (UNKNOWN_TOPIC_OR_PART for one that does not exist).
        """
        self._c()
        if not isinstance(election_type, ElectionType):
            raise TypeError("Expected 'election_type' to be of type 'ElectionType'")
        if partitions is not None:
            check.partitions_list(partitions, TopicPartition, what="partitions")
        check.timeouts(request_timeout, operation_timeout)
        try:
            codes = self._ask("ElectLeaders", partitions=None if partitions is None else
                              [(tp.topic, tp.partition) for tp in partitions])
        except KafkaException as exc:
            return _done(error=exc)
        if partitions is None:
            return _done({TopicPartition(t, p): KafkaException(KafkaError(code)) for (t, p), code in codes.items()})
        return _done({tp: KafkaException(KafkaError(codes[(tp.topic, tp.partition)])) for tp in partitions})

    def list_groups(self, group: str | None = None, timeout: float = -1) -> list:
        """Not modelled (confluent-kafka deprecates it): raises ``_NOT_IMPLEMENTED``; use ``list_consumer_groups``."""
        self._c()
        raise KafkaException(KafkaError(ERR._NOT_IMPLEMENTED, "list_groups is not modelled in kafkalab: use "
                                                              "list_consumer_groups() and describe_consumer_groups()"))

    def describe_user_scram_credentials(self, users: list[str] | None = None, request_timeout: float = 0):
        """SASL/SCRAM is not modelled: the future fails with ``_NOT_IMPLEMENTED`` (``_TIMED_OUT`` with no broker).

        ``users`` is None (all users: one future) or a list of non-empty user names (a future per name).
        """
        self._check_usable()
        check.scram_users(users)
        check.timeouts(request_timeout)
        err = self._no_scram()
        return _done(error=err) if users is None else {u: _done(error=err) for u in users}

    def alter_user_scram_credentials(self, alterations: list, request_timeout: float = 0) -> dict:
        """SASL/SCRAM is not modelled: every future fails with ``_NOT_IMPLEMENTED`` (``_TIMED_OUT`` with no broker)."""
        self._check_usable()
        if not isinstance(alterations, list):
            raise TypeError("Expected input to be list")
        if not alterations:
            raise ValueError("Expected at least one alteration")
        check.timeouts(request_timeout)
        err = self._no_scram()
        return {getattr(a, "user", str(a)): _done(error=err) for a in alterations}

    def _no_scram(self) -> KafkaException:
        if self._cluster is None:
            return KafkaException(KafkaError(ERR._TIMED_OUT, "Failed while waiting for response from broker: Local: "
                                                             "Timed out"))
        return KafkaException(KafkaError(ERR._NOT_IMPLEMENTED, "SASL/SCRAM credentials are not modelled in kafkalab"))

    def __len__(self) -> int:
        """Requests waiting for an answer: always 0, kafkalab answers at once (confluent-kafka: its queue length)."""
        return 0

    def poll(self, timeout: float = -1) -> int:
        """Serve callbacks (``error_cb`` ...); returns how many. Requests need no poll: their futures are done."""
        self._check_usable()
        wait = timeout_ms(timeout, "poll", default_infinite=False)
        served = self._serve_callbacks()
        if served or not wait:
            return served
        self._wait_until(lambda: bool(self._callbacks) or not self._alive, wait)
        return self._serve_callbacks()


_CLUSTER_OPS = (AclOperation.CREATE, AclOperation.ALTER, AclOperation.DESCRIBE, AclOperation.CLUSTER_ACTION,
                AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS, AclOperation.IDEMPOTENT_WRITE)
_TOPIC_OPS = (AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE, AclOperation.DELETE, AclOperation.ALTER,
              AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS)


class _Unreachable:
    """Stands for the cluster of a client whose ``bootstrap.servers`` names none: every use times out."""

    def __getattr__(self, name: str) -> Any:
        raise _no_broker()


def _no_broker() -> KafkaException:
    """What a request gets when no broker answers (confluent-kafka: its future fails after request_timeout)."""
    return KafkaException(KafkaError(ERR._TIMED_OUT, "Failed while waiting for response from broker: Local: "
                                                     "Timed out (bootstrap.servers names no kafkalab cluster)"))


def _node(broker: Any) -> Node:
    """confluent-kafka's ``Node`` for a broker of a response (``apis.BrokerNode``)."""
    return Node(broker.node_id, broker.host, broker.port)


def _from_result(result: Any, wrap: Any = None) -> Future:
    """A future of one ``apis.Result``: its value (through ``wrap``), or its error as a ``KafkaException``."""
    if result.error is not None:
        return _done(error=KafkaException(result.error))
    return _done(result.value if wrap is None else wrap(result.value))


def _config_key(res: ConfigResource) -> tuple[str, str]:
    """The DescribeConfigs/AlterConfigs resource key: ``("topic" | "broker" | other type name, name)``."""
    kind = {ResourceType.TOPIC: "topic", ResourceType.BROKER: "broker"}.get(res.restype, str(res.restype))
    return (kind, res.name)


def _config_entries(res: ConfigResource, described: dict[str, tuple[Any, bool]]) -> dict[str, ConfigEntry]:
    if res.restype is ResourceType.BROKER:
        return {k: ConfigEntry(k, str(v), ConfigSource.DEFAULT_CONFIG, is_default=True)
                for k, (v, _default) in described.items()}
    return {k: ConfigEntry(k, config_str(v), is_default=default,
                           source=ConfigSource.DEFAULT_CONFIG if default else ConfigSource.DYNAMIC_TOPIC_CONFIG)
            for k, (v, default) in described.items()}


def _topic_description(md: Any, name: str, with_ops: bool) -> TopicDescription:
    info = md.topics[name]
    node = _node(md.brokers[0])
    digest = hashlib.sha256(f"{md.cluster_id}/{name}".encode()).digest()
    topic_id = Uuid(int.from_bytes(digest[:8], "big", signed=True),    # deterministic per cluster and name
                    int.from_bytes(digest[8:16], "big", signed=True))
    parts = [TopicPartitionInfo(p, node, [node], [node]) for p in range(info.partitions)]
    return TopicDescription(name, topic_id, info.internal, parts, list(_TOPIC_OPS) if with_ops else None)
