"""The admin client, with confluent-kafka's ``AdminClient`` API: topics, configs, offsets, groups.

Owns ``AdminClient``, ``NewTopic``, ``NewPartitions``, ``ConfigResource``, ``OffsetSpec``,
``ClusterMetadata`` and the result types. Every call returns ``concurrent.futures.Future``s as
confluent-kafka does; ``result()`` raises ``KafkaException`` on failure. Standard library only.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from ..errors import ERR, KafkaError, KafkaException
from .base import ClientBase
from .group_admin import GroupAdmin, require_list_of
from .message import TopicPartition


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
    """Config resource types (TOPIC and BROKER are modelled)."""

    UNKNOWN = 0
    ANY = 1
    TOPIC = 2
    GROUP = 3
    BROKER = 4


class ConfigResource:
    """A config resource; ``set_config`` names values for ``alter_configs``."""

    def __init__(self, restype: ResourceType | str | int, name: str, set_config: dict | None = None) -> None:
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
    """One config value as ``describe_configs`` reports it."""

    name: str
    value: str | None
    is_default: bool = True
    is_read_only: bool = False
    is_sensitive: bool = False
    source: str = "DEFAULT_CONFIG"


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


class IsolationLevel(Enum):
    """Isolation level for ``list_offsets``."""

    READ_UNCOMMITTED = 0
    READ_COMMITTED = 1


@dataclass
class ListOffsetsResultInfo:
    offset: int
    timestamp: int
    leader_epoch: int | None = None


@dataclass
class DeletedRecords:
    """Result of ``delete_records``: the partition's new log start offset."""

    low_watermark: int


@dataclass
class BrokerMetadata:
    id: int
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}/{self.id}"


@dataclass
class PartitionMetadata:
    id: int
    leader: int = 1
    replicas: list[int] = field(default_factory=lambda: [1])
    isrs: list[int] = field(default_factory=lambda: [1])
    error: KafkaError | None = None


@dataclass
class TopicMetadata:
    topic: str
    partitions: dict[int, PartitionMetadata]
    error: KafkaError | None = None
    is_internal: bool = False


@dataclass
class ClusterMetadata:
    cluster_id: str
    controller_id: int
    brokers: dict[int, BrokerMetadata]
    topics: dict[str, TopicMetadata]
    orig_broker_id: int = 1
    orig_broker_name: str = ""


def cluster_metadata(cluster: Any, topic: str | None = None) -> ClusterMetadata:
    """Metadata of ``cluster`` (one topic when ``topic`` is given; unknown topics carry an error)."""
    if topic is not None and not isinstance(topic, str):
        raise TypeError(f"list_topics: topic must be str or None, got {topic!r}")
    names = [topic] if topic is not None else list(cluster.topics)
    topics = {}
    for name in names:
        t = cluster.topics.get(name)
        if t is None:
            topics[name] = TopicMetadata(name, {}, KafkaError(ERR.UNKNOWN_TOPIC_OR_PART), False)
        else:
            topics[name] = TopicMetadata(name, {p: PartitionMetadata(p) for p in range(len(t.partitions))},
                                         None, t.internal)
    host = f"{cluster.name}"
    return ClusterMetadata(cluster.name, 1, {1: BrokerMetadata(1, host, 9092)}, topics, 1, f"{host}:9092/1")


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
        self._check_usable()
        return self._require_cluster("Admin request failed")

    def create_topics(self, new_topics: list[NewTopic], operation_timeout: float = 0, request_timeout: float = 0,
                      validate_only: bool = False) -> dict[str, Future]:
        """Create topics; each future raises ``KafkaException`` (``TOPIC_ALREADY_EXISTS`` ...) on failure."""
        cluster = self._c()
        if not isinstance(new_topics, list) or not all(isinstance(t, NewTopic) for t in new_topics):
            raise TypeError("create_topics: expected a list of NewTopic")
        out = {}
        for nt in new_topics:
            parts = None if nt.num_partitions == -1 else nt.num_partitions
            if validate_only:
                out[nt.topic] = _attempt(self._validate_topic, cluster, nt.topic, parts, nt.config)
            else:
                out[nt.topic] = _attempt(lambda t=nt, p=parts: cluster.create_topic(t.topic, p, t.config) and None)
        return out

    @staticmethod
    def _validate_topic(cluster, name, partitions, config) -> None:
        from .. import config as _config
        cluster._check_topic_name(name)
        if name in cluster.topics:
            raise KafkaException(KafkaError(ERR.TOPIC_ALREADY_EXISTS, f"Topic '{name}' already exists."))
        if partitions is not None and partitions < 1:
            raise KafkaException(KafkaError(ERR.INVALID_PARTITIONS, f"partitions must be >= 1, got {partitions}"))
        _config.resolve_topic(config or {}, broker=cluster.broker_config)

    def delete_topics(self, topics: list[str], operation_timeout: float = 0,
                      request_timeout: float = 0) -> dict[str, Future]:
        """Delete topics (and the committed offsets of every group for them)."""
        cluster = self._c()
        if not isinstance(topics, list):
            raise TypeError("delete_topics: expected a list of topic names")
        return {t: _attempt(cluster.delete_topic, t) for t in topics}

    def create_partitions(self, new_partitions: list[NewPartitions], operation_timeout: float = 0,
                          request_timeout: float = 0, validate_only: bool = False) -> dict[str, Future]:
        """Raise partition counts (``INVALID_PARTITIONS`` if not larger)."""
        cluster = self._c()
        require_list_of("create_partitions", "new_partitions", new_partitions, NewPartitions)
        return {np.topic: _attempt(cluster.create_partitions, np.topic, np.new_total_count) for np in new_partitions}

    def describe_configs(self, resources: list[ConfigResource],
                         request_timeout: float = 0) -> dict[ConfigResource, Future]:
        """Current config values of topics (or the broker), with whether each is a default."""
        cluster = self._c()
        require_list_of("describe_configs", "resources", resources, ConfigResource)
        out = {}
        for res in resources:
            if res.restype is ResourceType.TOPIC:
                out[res] = _attempt(self._describe_topic, cluster, res.name)
            elif res.restype is ResourceType.BROKER:
                out[res] = _done({k: ConfigEntry(k, str(v)) for k, v in cluster.broker_config.items()})
            else:
                out[res] = _done(error=KafkaException(KafkaError(ERR.INVALID_REQUEST, f"unsupported {res.restype}")))
        return out

    @staticmethod
    def _describe_topic(cluster, name) -> dict[str, ConfigEntry]:
        topic = cluster.topic(name)
        given = topic.config_given
        return {k: ConfigEntry(k, _str(v), is_default=k not in given,
                               source="DYNAMIC_TOPIC_CONFIG" if k in given else "DEFAULT_CONFIG")
                for k, v in topic.config.items()}

    def alter_configs(self, resources: list[ConfigResource], request_timeout: float = 0,
                      validate_only: bool = False) -> dict[ConfigResource, Future]:
        """Replace a topic's configs with ``set_config`` values (unnamed ones revert to defaults).

        Kafka: ``AlterConfigs`` is not incremental: configs you do not name are reset.
        """
        cluster = self._c()
        require_list_of("alter_configs", "resources", resources, ConfigResource)
        out = {}
        for res in resources:
            out[res] = _attempt(self._alter_topic, cluster, res, validate_only)
        return out

    @staticmethod
    def _alter_topic(cluster, res: ConfigResource, validate_only: bool) -> None:
        from .. import config as _config
        if res.restype is not ResourceType.TOPIC:
            raise KafkaException(KafkaError(ERR.INVALID_REQUEST, "alter_configs: only TOPIC resources are modelled"))
        topic = cluster.topic(res.name)
        new = _config.resolve_topic(res.set_config_dict, broker=cluster.broker_config)
        if validate_only:
            return None
        topic.config.clear()
        topic.config.update(new)
        topic.config_given = set(res.set_config_dict)
        cluster.trace.record("topic_config_altered", "alter_configs", topic=res.name,
                             config={k: _str(v) for k, v in res.set_config_dict.items()})
        return None

    def list_offsets(self, topic_partition_offsets: dict[TopicPartition, OffsetSpec],
                     isolation_level: IsolationLevel = IsolationLevel.READ_UNCOMMITTED,
                     request_timeout: float = 0) -> dict[TopicPartition, Future]:
        """Earliest (log start), latest (HW, or LSO for READ_COMMITTED), max-timestamp or by-time offsets."""
        cluster = self._c()
        if not isinstance(topic_partition_offsets, dict) or not all(
                isinstance(tp, TopicPartition) and isinstance(spec, OffsetSpec)
                for tp, spec in topic_partition_offsets.items()):
            raise TypeError(f"list_offsets: topic_partition_offsets must be a dict of TopicPartition to OffsetSpec, "
                            f"got {topic_partition_offsets!r}")
        out = {}
        for tp, spec in topic_partition_offsets.items():
            out[tp] = _attempt(self._list_offset, cluster, tp, spec, isolation_level)
        return out

    @staticmethod
    def _list_offset(cluster, tp: TopicPartition, spec: OffsetSpec, iso: IsolationLevel) -> ListOffsetsResultInfo:
        log = cluster.partition(tp.topic, tp.partition)
        if spec.kind == "earliest":
            return ListOffsetsResultInfo(log.log_start_offset, -1)
        if spec.kind == "latest":
            end = log.last_stable_offset if iso is IsolationLevel.READ_COMMITTED else log.high_watermark
            return ListOffsetsResultInfo(end, -1)
        if spec.kind == "max_timestamp":
            best = (-1, -1)
            for batch in log.batches():
                if batch.control is not None or batch.max_timestamp <= best[1]:
                    continue
                for i, rec in enumerate(batch.records):
                    if rec is not None and rec[2] > best[1]:
                        best = (batch.base_offset + i, rec[2])
            return ListOffsetsResultInfo(best[0], best[1])
        found = log.offset_for_timestamp(spec.timestamp)
        return ListOffsetsResultInfo(-1 if found >= log.log_end_offset else found, spec.timestamp)

    def delete_records(self, topic_partition_offsets: list[TopicPartition], request_timeout: float = 0,
                       operation_timeout: float = 0) -> dict[TopicPartition, Future]:
        """Move each partition's log start offset to ``offset`` (-1 = the high watermark).

        Kafka: ``DeleteRecords``; whole segments below the new start are deleted.
        """
        cluster = self._c()
        require_list_of("delete_records", "topic_partition_offsets", topic_partition_offsets, TopicPartition)
        out = {}
        for tp in topic_partition_offsets:
            out[tp] = _attempt(self._delete_records, cluster, tp)
        return out

    @staticmethod
    def _delete_records(cluster, tp: TopicPartition) -> DeletedRecords:
        log = cluster.partition(tp.topic, tp.partition)
        target = log.high_watermark if tp.offset == -1 else tp.offset
        if target < 0 or target > log.high_watermark:
            raise KafkaException(KafkaError(ERR.OFFSET_OUT_OF_RANGE, f"delete_records: offset {tp.offset} is outside "
                                            f"[0, high watermark {log.high_watermark}]"))
        return DeletedRecords(log.delete_records_before(target))

    def describe_cluster(self, request_timeout: float = 0) -> Future:
        """Cluster id, controller and brokers."""
        md = cluster_metadata(self._c())
        return _done(md)


def _str(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)
