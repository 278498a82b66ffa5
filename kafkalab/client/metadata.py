"""Cluster metadata as confluent-kafka returns it from ``list_topics``: brokers, topics and partitions.

Owns ``ClusterMetadata``, ``TopicMetadata``, ``PartitionMetadata``, ``BrokerMetadata`` and
``cluster_metadata``, which builds them from a Metadata response. Every client's ``list_topics``
(``client/base.py``) and the admin client use them; ``kafkalab.admin`` exports them, as
``confluent_kafka.admin`` does. Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import KafkaError


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

    def __str__(self) -> str:
        return str(self.id)


@dataclass
class TopicMetadata:
    topic: str
    partitions: dict[int, PartitionMetadata]
    error: KafkaError | None = None
    is_internal: bool = False

    def __str__(self) -> str:
        return str(self.topic)


@dataclass
class ClusterMetadata:
    cluster_id: str
    controller_id: int
    brokers: dict[int, BrokerMetadata]
    topics: dict[str, TopicMetadata]
    orig_broker_id: int = 1
    orig_broker_name: str = ""

    def __str__(self) -> str:
        return str(self.cluster_id)


def cluster_metadata(md: Any) -> ClusterMetadata:
    """confluent-kafka's ``ClusterMetadata`` from a Metadata response (``broker.apis.MetadataResult``)."""
    topics = {}
    for name, info in md.topics.items():
        if info.error is not None:
            topics[name] = TopicMetadata(name, {}, info.error, False)
        else:
            topics[name] = TopicMetadata(name, {p: PartitionMetadata(p) for p in range(info.partitions)},
                                         None, info.internal)
    brokers = {b.node_id: BrokerMetadata(b.node_id, b.host, b.port) for b in md.brokers}
    first = md.brokers[0]
    return ClusterMetadata(md.cluster_id, md.controller_id, brokers, topics, first.node_id,
                           f"{first.host}:{first.port}/{first.node_id}")
