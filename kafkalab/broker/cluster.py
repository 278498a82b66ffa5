"""The in-process cluster: topics and partitions, internal topics, the clock, the trace.

Owns ``Cluster`` and ``Topic``: topic creation (explicit and automatic on produce), deletion,
partition growth and DeleteRecords, the registry that lets clients find a cluster from
``bootstrap.servers``, and the fault verb ``crash``. The cluster builds its broker components
directly: the group coordinator (with its offsets, ``OffsetManager``), the transaction
coordinator and the log cleaner. Clients reach all of it through ``apis.handle`` only.
Standard library only; virtual time only.
"""

from __future__ import annotations

import random
import re
import weakref
from typing import Any

from .. import config as _config
from ..clock import VirtualClock
from ..errors import ERR, KafkaError, KafkaException
from ..trace import Trace
from .faults import FaultVerbs
from .groups import GroupCoordinator
from .internal_topics import OFFSETS_TOPIC, TRANSACTION_STATE_TOPIC, partition_for
from .log import PartitionLog
from .retention import LogCleaner
from .share_partition_manager import SharePartitionManager
from .transactions import TransactionCoordinator

_REGISTRY: weakref.WeakValueDictionary[str, Cluster] = weakref.WeakValueDictionary()
_SCHEME = "kafkalab://"
_TOPIC_NAME = re.compile(r"^[a-zA-Z0-9._-]{1,249}$")

__all__ = ["OFFSETS_TOPIC", "TRANSACTION_STATE_TOPIC", "Cluster", "Topic", "lookup", "partition_for"]


class Topic:
    """A topic: its name, partitions (``PartitionLog``), resolved topic config and creation time."""

    def __init__(self, name: str, partitions: list[PartitionLog], config: dict, created_ms: int,
                 internal: bool = False) -> None:
        self.name = name
        self.partitions = partitions
        self.config = config
        self.created_ms = created_ms
        self.internal = internal
        self.config_given: set[str] = set()

    def __repr__(self) -> str:
        return f"Topic({self.name!r}, partitions={len(self.partitions)})"


class Cluster(FaultVerbs):
    """A deterministic single-broker Kafka cluster in virtual time.

    Clients connect with ``{"bootstrap.servers": cluster.bootstrap_servers}``. Time starts at 0
    and moves only through ``advance`` or clients waiting in ``poll``/``flush``.

    Args:
        seed: seeds the cluster's one ``random.Random`` (member ids, sticky partitioning).
        name: names the cluster; ``bootstrap_servers`` is ``"kafkalab://<name>"``.
        config: broker settings (``auto.create.topics.enable``, ``num.partitions``,
            ``group.initial.rebalance.delay.ms``, ``log.retention.check.interval.ms``, ...).

    Fault verbs for produce requests (``lose_produce_response``, ``delay_produce_response``,
    ``fail_produce``, ``clear_produce_faults``) come from ``faults.FaultVerbs``.

    Kafka: a KRaft cluster with one broker (id 1). Simplification: one replica per partition,
    so ``acks=all`` waits for the leader only and the HW follows the LEO at once.

    Clients send requests through ``apis.handle``. Outside the clients, these are read directly:
    ``clock``, ``trace``, ``now_ms``, ``advance``, ``crash`` and the fault verbs (sim, lab, notebooks);
    ``create_topic``, ``topics``/``user_topics`` and ``topic(name).config``/``config_given`` (sim
    scenarios and actions, lab widgets); ``partition(t, p).batches()`` (lab record headers);
    ``group_coordinator``, ``transaction_coordinator`` and ``log_cleaner`` (tests and benchmarks).
    """

    broker_id = 1

    def __init__(self, seed: int = 0, name: str | None = None, config: dict | None = None) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"Cluster: seed must be an int, got {type(seed).__name__} {seed!r}")
        if name is None:
            n = 1
            while f"cluster-{n}" in _REGISTRY:
                n += 1
            name = f"cluster-{n}"
        if not isinstance(name, str) or not name or "," in name or "/" in name:
            raise ValueError(f"Cluster: name must be a non-empty string without ',' or '/', got {name!r}")
        self.name = name
        self.seed = seed
        self.rng = random.Random(seed)
        self.clock = VirtualClock()
        self.trace = Trace(self.clock)
        self.broker_config = _config.resolve_broker(config or {})
        self.topics: dict[str, Topic] = {}
        self._topic_seq = 0
        self._clients: list[Any] = []
        self.bootstrap_servers = _SCHEME + name
        _REGISTRY[name] = self
        self.trace.record("cluster_started", "Cluster()", name=name, seed=seed)
        self.group_coordinator = GroupCoordinator(self)
        self.share_partitions = SharePartitionManager(self)
        self.transaction_coordinator = TransactionCoordinator(self)
        self.log_cleaner = LogCleaner(self)
        self.log_cleaner.start()

    # -- time -----------------------------------------------------------------------------------
    @property
    def now_ms(self) -> int:
        """Current virtual time in milliseconds."""
        return self.clock.now_ms

    def advance(self, ms: int) -> int:
        """Move virtual time forward by ``ms``; heartbeats, timeouts, auto-commits, retention run.

        Returns the new ``now_ms``.
        """
        self.clock.advance(ms)
        return self.clock.now_ms

    def request_latency_ms(self) -> int:
        """One-way latency of the broker's own requests (the transaction coordinator's WriteTxnMarkers).

        Simplification: fixed at 2 ms, the default of the clients' ``kafkalab.request.latency.ms``.
        """
        return 2

    # -- topics ---------------------------------------------------------------------------------
    def create_topic(self, name: str, partitions: int | None = None, config: dict | None = None,
                     *, reason: str = "create_topic") -> Topic:
        """Create a topic with ``partitions`` partitions (broker ``num.partitions`` when None).

        Raises:
            KafkaException: ``TOPIC_ALREADY_EXISTS`` (36), ``INVALID_PARTITIONS`` (37),
                ``INVALID_CONFIG`` (40) or ``TOPIC_EXCEPTION`` (17) for a bad name.
            TypeError: for wrongly typed arguments.

        Kafka: ``CreateTopics``; topic config names as in ``TopicConfig``.
        """
        self._check_topic_name(name)
        if partitions is None:
            partitions = self.broker_config["num.partitions"]
        if isinstance(partitions, bool) or not isinstance(partitions, int):
            raise TypeError(f"create_topic: partitions must be an int, got {type(partitions).__name__} "
                            f"{partitions!r}")
        if partitions < 1:
            raise KafkaException(KafkaError(ERR.INVALID_PARTITIONS,
                                             f"create_topic: partitions must be >= 1, got {partitions}"))
        if name in self.topics:
            raise KafkaException(KafkaError(ERR.TOPIC_ALREADY_EXISTS, f"Topic '{name}' already exists."))
        if config is not None and not isinstance(config, dict):
            raise TypeError(f"create_topic: config must be a dict, got {type(config).__name__}")
        topic_config = _config.resolve_topic(config or {}, broker=self.broker_config)
        topic = self._add_topic(name, partitions, topic_config, reason=reason)
        topic.config_given = set(config or {})
        return topic

    def _add_topic(self, name: str, partitions: int, topic_config: dict, *, reason: str,
                   internal: bool = False) -> Topic:
        logs = [PartitionLog(name, p, topic_config, self.clock, self.trace) for p in range(partitions)]
        topic = Topic(name, logs, topic_config, self.clock.now_ms, internal=internal)
        self.topics[name] = topic
        self.trace.record("topic_created", reason, topic=name, partitions=partitions,
                          config={k: v for k, v in topic_config.items() if k in (config_keys_shown())})
        return topic

    def _check_topic_name(self, name: Any) -> None:
        if not isinstance(name, str):
            raise TypeError(f"topic name must be str, got {type(name).__name__} {name!r}")
        if name in (".", "..") or not _TOPIC_NAME.match(name):
            raise KafkaException(KafkaError(
                ERR.TOPIC_EXCEPTION,
                f"Invalid topic name {name!r}: use 1-249 characters from [a-zA-Z0-9._-], not '.' or '..'"))

    def validate_new_topic(self, name: str, partitions: int | None = None, config: dict | None = None) -> None:
        """Check a topic creation without creating (CreateTopics with ``validate_only``).

        Raises:
            KafkaException: ``TOPIC_EXCEPTION`` (17) for a bad name, ``TOPIC_ALREADY_EXISTS`` (36),
                ``INVALID_PARTITIONS`` (37) or ``INVALID_CONFIG`` (40).
        """
        self._check_topic_name(name)
        if name in self.topics:
            raise KafkaException(KafkaError(ERR.TOPIC_ALREADY_EXISTS, f"Topic '{name}' already exists."))
        if partitions is not None and partitions < 1:
            raise KafkaException(KafkaError(ERR.INVALID_PARTITIONS, f"partitions must be >= 1, got {partitions}"))
        _config.resolve_topic(config or {}, broker=self.broker_config)

    def delete_topic(self, name: str) -> None:
        """Delete a topic and its committed offsets.

        Raises:
            KafkaException: ``UNKNOWN_TOPIC_OR_PART`` (3) if it does not exist.

        Kafka: ``DeleteTopics``.
        """
        topic = self.topics.get(name)
        if topic is None or topic.internal:
            raise KafkaException(KafkaError(ERR.UNKNOWN_TOPIC_OR_PART,
                                            f"delete_topic: topic {name!r} does not exist"))
        del self.topics[name]
        self.group_coordinator.on_topic_deleted(name)
        self.trace.record("topic_deleted", "delete_topic", topic=name)

    def create_partitions(self, name: str, new_total: int, *, validate_only: bool = False) -> None:
        """Raise the partition count of ``name`` to ``new_total`` (it can never shrink).

        With ``validate_only`` the request is checked and nothing changes.

        Kafka: ``CreatePartitions``; ``INVALID_PARTITIONS`` when not larger than now.
        """
        topic = self.topic(name)
        if isinstance(new_total, bool) or not isinstance(new_total, int):
            raise TypeError(f"create_partitions: new_total_count must be int, got {new_total!r}")
        if new_total <= len(topic.partitions):
            raise KafkaException(KafkaError(
                ERR.INVALID_PARTITIONS,
                f"Topic currently has {len(topic.partitions)} partitions, which is higher than or equal "
                f"to the requested {new_total}."))
        if validate_only:
            return
        for p in range(len(topic.partitions), new_total):
            topic.partitions.append(PartitionLog(name, p, topic.config, self.clock, self.trace))
        self.trace.record("partitions_created", "create_partitions", topic=name, partitions=new_total)

    def delete_records(self, topic: str, partition: int, offset: int) -> int:
        """Move the log start offset of ``topic``/``partition`` to ``offset`` (-1: the high watermark).

        Returns the new log start offset (the low watermark). Whole segments below it are deleted.

        Raises:
            KafkaException: ``UNKNOWN_TOPIC_OR_PART`` (3), or ``OFFSET_OUT_OF_RANGE`` (1) for an offset
                outside [0, high watermark].

        Kafka: ``DeleteRecords``.
        """
        log = self.partition(topic, partition)
        target = log.high_watermark if offset == -1 else offset
        if target < 0 or target > log.high_watermark:
            raise KafkaException(KafkaError(ERR.OFFSET_OUT_OF_RANGE, f"delete_records: offset {offset} is outside "
                                            f"[0, high watermark {log.high_watermark}]"))
        return log.delete_records_before(target)

    def elect_leaders(self, partitions: list[tuple[str, int]] | None) -> dict[tuple[str, int], int]:
        """ElectLeaders: the error per partition (every partition when None).

        Kafka: ``ElectLeaders``. The one broker already leads every partition, so each answers
        ``ELECTION_NOT_NEEDED`` (84), or ``UNKNOWN_TOPIC_OR_PART`` (3) if it does not exist.
        """
        if partitions is None:
            partitions = [(t, p) for t, topic in self.topics.items() for p in range(len(topic.partitions))]
        out = {}
        for t, p in partitions:
            topic = self.topics.get(t)
            known = topic is not None and 0 <= p < len(topic.partitions)
            out[(t, p)] = ERR.ELECTION_NOT_NEEDED if known else ERR.UNKNOWN_TOPIC_OR_PART
        return out

    def topic(self, name: str) -> Topic:
        """The topic called ``name``.

        Raises:
            KafkaException: ``UNKNOWN_TOPIC_OR_PART`` (3) if there is none.
        """
        topic = self.topics.get(name)
        if topic is None:
            if not isinstance(name, str):
                raise TypeError(f"topic name must be str, got {type(name).__name__} {name!r}")
            raise KafkaException(KafkaError(ERR.UNKNOWN_TOPIC_OR_PART,
                                            f"Unknown topic {name!r}; existing: {sorted(self.user_topics())}"))
        return topic

    def user_topics(self) -> list[str]:
        """Names of the non-internal topics."""
        return [n for n, t in self.topics.items() if not t.internal]

    def partition(self, topic: str, partition: int) -> PartitionLog:
        """The ``PartitionLog`` of ``topic``/``partition``.

        Raises:
            KafkaException: ``UNKNOWN_TOPIC_OR_PART`` (3) for an unknown topic or partition.
        """
        t = self.topic(topic)
        if isinstance(partition, bool) or not isinstance(partition, int):
            raise TypeError(f"partition must be int, got {type(partition).__name__} {partition!r}")
        if not 0 <= partition < len(t.partitions):
            raise KafkaException(KafkaError(
                ERR.UNKNOWN_TOPIC_OR_PART,
                f"Unknown partition {partition} of topic {topic!r} (partitions 0..{len(t.partitions) - 1})"))
        return t.partitions[partition]

    def ensure_topic_for_produce(self, name: str) -> Topic | None:
        """The topic, auto-created with ``num.partitions`` when ``auto.create.topics.enable``; else None.

        Kafka: broker ``auto.create.topics.enable`` (true) and ``num.partitions`` (1).
        """
        topic = self.topics.get(name)
        if topic is not None:
            return topic
        if not self.broker_config["auto.create.topics.enable"]:
            return None
        self._check_topic_name(name)
        topic_config = _config.resolve_topic({}, broker=self.broker_config)
        return self._add_topic(name, self.broker_config["num.partitions"], topic_config,
                               reason="auto.create.topics.enable")

    def internal_topic(self, name: str) -> Topic:
        """``__consumer_offsets`` or ``__transaction_state``, created (compacted, 50 partitions) on first use.

        Kafka: ``offsets.topic.num.partitions`` / ``transaction.state.log.num.partitions`` (50).
        """
        topic = self.topics.get(name)
        if topic is None:
            count = (self.broker_config["offsets.topic.num.partitions"] if name == OFFSETS_TOPIC
                     else self.broker_config["transaction.state.log.num.partitions"])
            segment_bytes = self.broker_config["offsets.topic.segment.bytes"]
            topic_config = _config.resolve_topic({"cleanup.policy": "compact", "segment.bytes": segment_bytes},
                                                 broker=self.broker_config)
            topic = self._add_topic(name, count, topic_config, reason="internal topic", internal=True)
        return topic

    # -- group configs -------------------------------------------------------------------------
    def set_group_config(self, group_id: str, configs: dict[str, Any]) -> None:
        """Set group configs of ``group_id`` (``share.auto.offset.reset``, ``share.record.lock.duration.ms``,
        ``share.delivery.count.limit``, ``share.isolation.level``, ...); a value None goes back to the default.

        The same as ``kafka-configs.sh --alter --entity-type groups --entity-name <group> --add-config ...``
        (IncrementalAlterConfigs on a GROUP resource, ``AdminClient.incremental_alter_configs``), without a
        client. The group need not exist yet.

        Raises:
            KafkaException: ``INVALID_CONFIG`` with Kafka's ``GroupConfig`` texts.
        """
        ops = [(name, "DELETE" if value is None else "SET", None if value is None else _config_text(value))
               for name, value in configs.items()]
        self.group_coordinator.share.alter_config(group_id, ops)

    # -- clients and faults --------------------------------------------------------------------
    def register_client(self, client: Any) -> int:
        """Note a new client connected to this cluster; returns its number (1, 2, ... in creation order),
        which names it in the trace (``client_id#consumer-2``)."""
        self._clients.append(client)
        return len(self._clients)

    def crash(self, client: Any) -> None:
        """Kill ``client``'s process: no LeaveGroup, no more heartbeats, commits or sends.

        Requests already on the wire still reach the broker; their responses are lost. Any later
        call on the client raises ``KafkaException`` (``_DESTROY``).
        """
        crash = getattr(client, "_crash", None)
        if crash is None:
            raise TypeError(f"crash: expected a kafkalab Producer or Consumer, got {type(client).__name__}")
        if getattr(client, "_cluster", None) is not self:
            raise ValueError("crash: that client is connected to another cluster")
        crash()

    def __repr__(self) -> str:
        return f"Cluster(name={self.name!r}, seed={self.seed}, now_ms={self.now_ms}, topics={self.user_topics()})"


def _config_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def config_keys_shown() -> tuple[str, ...]:
    """Topic configs worth showing in the ``topic_created`` trace event."""
    return ("cleanup.policy", "retention.ms", "retention.bytes", "segment.bytes", "segment.ms",
            "message.timestamp.type")


def lookup(bootstrap_servers: Any) -> Cluster | None:
    """The live cluster named by a ``bootstrap.servers`` string, or None."""
    if not isinstance(bootstrap_servers, str):
        return None
    for server in bootstrap_servers.split(","):
        server = server.strip()
        if server.startswith(_SCHEME):
            cluster = _REGISTRY.get(server[len(_SCHEME):].rstrip("/"))
            if cluster is not None:
                return cluster
    return None

