"""kafkalab: learn how Apache Kafka really behaves, by experiment.

A deterministic, virtual-time Kafka engine with confluent-kafka's client API::

    import kafkalab
    from kafkalab import Producer, Consumer, TopicPartition

    cluster = kafkalab.Cluster(seed=7)
    cluster.create_topic("orders", partitions=3)
    conf = {"bootstrap.servers": cluster.bootstrap_servers}
"""

from .broker.cluster import Cluster
from .client.consumer import Consumer, ConsumerGroupMetadata
from .client.group_admin import ConsumerGroupState, ConsumerGroupTopicPartitions
from .client.message import (
    OFFSET_BEGINNING,
    OFFSET_END,
    OFFSET_INVALID,
    OFFSET_STORED,
    TIMESTAMP_CREATE_TIME,
    TIMESTAMP_LOG_APPEND_TIME,
    TIMESTAMP_NOT_AVAILABLE,
    Message,
    TopicPartition,
)
from .client.model import (
    ConcurrentModificationException,
    ConsumerGroupType,
    ElectionType,
    IllegalStateException,
    IsolationLevel,
    Node,
    ThrottleEvent,
    TopicCollection,
    TopicPartitionInfo,
    Uuid,
    libversion,
    version,
)
from .client.partitioner import consistent_partition as consistent
from .client.partitioner import fnv1a_partition as fnv1a
from .client.partitioner import murmur2_partition as murmur2
from .client.producer import Producer
from .client.share_acks import AcknowledgeType, Messages
from .client.share_consumer import ShareConsumer
from .errors import KafkaError, KafkaException

__version__ = "0.1.0"

__all__ = [
    "OFFSET_BEGINNING",
    "OFFSET_END",
    "OFFSET_INVALID",
    "OFFSET_STORED",
    "TIMESTAMP_CREATE_TIME",
    "TIMESTAMP_LOG_APPEND_TIME",
    "TIMESTAMP_NOT_AVAILABLE",
    "AcknowledgeType",
    "Cluster",
    "ConcurrentModificationException",
    "Consumer",
    "ConsumerGroupMetadata",
    "ConsumerGroupState",
    "ConsumerGroupTopicPartitions",
    "ConsumerGroupType",
    "ElectionType",
    "IllegalStateException",
    "IsolationLevel",
    "KafkaError",
    "KafkaException",
    "Message",
    "Messages",
    "Node",
    "Producer",
    "ShareConsumer",
    "ThrottleEvent",
    "TopicCollection",
    "TopicPartition",
    "TopicPartitionInfo",
    "Uuid",
    "consistent",
    "fnv1a",
    "libversion",
    "murmur2",
    "version",
]
