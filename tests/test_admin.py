"""AdminClient: metadata, configs, partitions, list_offsets and delete_records, as confluent-kafka."""

import pytest

from kafkalab import KafkaError, KafkaException, Producer, TopicPartition
from kafkalab.admin import AdminClient, ConfigResource, IsolationLevel, NewPartitions, OffsetSpec, ResourceType


def produce(conf, topic, n, partition=0):
    p = Producer(conf)
    for i in range(n):
        p.produce(topic, f"v{i}", partition=partition, timestamp=1000 * (i + 1))
    p.flush()


def test_admin_list_topics_shows_partitions_and_internal_topics(cluster, conf):
    """list_topics returns ClusterMetadata with partitions, leader 1, and one broker."""
    cluster.create_topic("orders", partitions=3)
    md = AdminClient(conf).list_topics(timeout=1)
    assert sorted(md.topics["orders"].partitions) == [0, 1, 2]
    assert md.topics["orders"].partitions[1].leader == 1 and list(md.brokers) == [1]
    assert md.topics["orders"].error is None
    assert AdminClient(conf).list_topics("missing").topics["missing"].error.code() == KafkaError.UNKNOWN_TOPIC_OR_PART


def test_admin_describe_and_alter_configs(cluster, conf):
    """describe_configs marks set values as non-default; alter_configs replaces the whole set (not incremental)."""
    cluster.create_topic("t", partitions=1, config={"retention.ms": 60_000})
    admin = AdminClient(conf)
    res = ConfigResource(ResourceType.TOPIC, "t")
    entries = admin.describe_configs([res])[res].result()
    assert (entries["retention.ms"].value, entries["retention.ms"].is_default) == ("60000", False)
    assert entries["segment.bytes"].is_default
    alter = ConfigResource(ResourceType.TOPIC, "t", set_config={"segment.ms": "1000"})
    assert admin.alter_configs([alter])[alter].result() is None
    entries = admin.describe_configs([res])[res].result()
    assert entries["segment.ms"].value == "1000"
    assert entries["retention.ms"].value == "604800000"      # not named in alter_configs -> back to default


def test_admin_create_partitions_only_grows(cluster, conf):
    """create_partitions raises the count; asking for fewer fails with INVALID_PARTITIONS."""
    cluster.create_topic("t", partitions=2)
    admin = AdminClient(conf)
    assert admin.create_partitions([NewPartitions("t", 4)])["t"].result() is None
    assert len(cluster.topic("t").partitions) == 4
    with pytest.raises(KafkaException) as info:
        admin.create_partitions([NewPartitions("t", 3)])["t"].result()
    assert info.value.args[0].code() == KafkaError.INVALID_PARTITIONS


def test_admin_create_partitions_validate_only_changes_nothing(cluster, conf):
    """validate_only=True checks the request (errors as without it) and creates no partition."""
    cluster.create_topic("t", partitions=2)
    admin = AdminClient(conf)
    assert admin.create_partitions([NewPartitions("t", 4)], validate_only=True)["t"].result() is None
    assert len(cluster.topic("t").partitions) == 2
    assert not cluster.trace.events("partitions_created")
    with pytest.raises(KafkaException) as info:
        admin.create_partitions([NewPartitions("t", 2)], validate_only=True)["t"].result()
    assert info.value.args[0].code() == KafkaError.INVALID_PARTITIONS


def test_admin_list_offsets_earliest_latest_and_by_time(cluster, conf):
    """list_offsets: earliest = log start, latest = HW, for_timestamp = first offset at or after."""
    cluster.create_topic("t", partitions=1)
    produce(conf, "t", 5)
    admin = AdminClient(conf)
    tp = TopicPartition("t", 0)
    specs = {"earliest": OffsetSpec.earliest(), "latest": OffsetSpec.latest(),
             "t2500": OffsetSpec.for_timestamp(2500), "max": OffsetSpec.max_timestamp()}
    got = {name: admin.list_offsets({tp: spec})[tp].result().offset for name, spec in specs.items()}
    assert got == {"earliest": 0, "latest": 5, "t2500": 2, "max": 4}
    rc = admin.list_offsets({tp: OffsetSpec.latest()}, isolation_level=IsolationLevel.READ_COMMITTED)
    assert rc[tp].result().offset == 5


def test_admin_delete_records_moves_log_start(cluster, conf):
    """delete_records moves the low watermark; a consumer then starts there."""
    cluster.create_topic("t", partitions=1)
    produce(conf, "t", 10)
    admin = AdminClient(conf)
    res = admin.delete_records([TopicPartition("t", 0, 4)])
    assert [f.result().low_watermark for f in res.values()] == [4]
    assert cluster.partition("t", 0).log_start_offset == 4
    with pytest.raises(KafkaException):
        next(iter(admin.delete_records([TopicPartition("t", 0, 99)]).values())).result()
