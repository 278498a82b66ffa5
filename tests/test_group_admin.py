"""Group administration and the kafka-consumer-groups --describe table; commits are records in __consumer_offsets."""

import pytest

from kafkalab import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from kafkalab.admin import AdminClient, ConsumerGroupState, ConsumerGroupTopicPartitions, describe_groups_text
from kafkalab.broker.offsets import decode_record, offsets_partition


def running_group(cluster, conf, n=6):
    cluster.create_topic("orders", partitions=2)
    p = Producer(conf)
    for i in range(n):
        p.produce("orders", f"v{i}", partition=i % 2)
    p.flush()
    c = Consumer({**conf, "group.id": "billing", "client.id": "c1", "auto.offset.reset": "earliest",
                  "enable.auto.commit": False})
    c.subscribe(["orders"])
    got = []
    for _ in range(60):
        m = c.poll(0.1)
        if m is not None and m.error() is None:
            got.append(m)
            if m.partition() == 0:
                c.commit(m, asynchronous=False)
    return c, got


def test_group_admin_describe_table_has_kafka_columns_and_meanings(cluster, conf):
    """CURRENT-OFFSET is the committed offset, LOG-END-OFFSET the HW, LAG their difference, '-' when none."""
    c, _ = running_group(cluster, conf)
    out, err = describe_groups_text(cluster, "billing")
    lines = out.splitlines()
    assert lines[0].split() == ["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG",
                                "CONSUMER-ID", "HOST", "CLIENT-ID"]
    rows = [line.split() for line in lines[1:]]
    assert [r[:6] for r in rows] == [["billing", "orders", "0", "3", "3", "0"],
                                     ["billing", "orders", "1", "-", "3", "-"]]
    assert rows[0][6] == c.memberid() and rows[0][8] == "c1" and err == ""
    c.close()
    out, err = describe_groups_text(cluster, "billing")
    assert err == "Consumer group 'billing' has no active members."
    assert [line.split()[6] for line in out.splitlines()[1:]] == ["-"]
    assert describe_groups_text(cluster, "nope") == ("", "Error: Consumer group 'nope' does not exist.")


def test_group_admin_list_describe_and_offsets(cluster, conf):
    """list/describe_consumer_groups and list_consumer_group_offsets report what the coordinator holds."""
    _c, _ = running_group(cluster, conf)
    admin = AdminClient(conf)
    listing = admin.list_consumer_groups().result()
    assert [(g.group_id, g.state) for g in listing.valid] == [("billing", ConsumerGroupState.STABLE)]
    desc = admin.describe_consumer_groups(["billing"])["billing"].result()
    assert desc.partition_assignor == "range" and [m.client_id for m in desc.members] == ["c1"]
    assert sorted(tp.partition for tp in desc.members[0].assignment.topic_partitions) == [0, 1]
    offs = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions("billing")])["billing"].result()
    assert [(tp.partition, tp.offset) for tp in offs.topic_partitions] == [(0, 3)]


def test_group_admin_alter_and_delete_need_an_empty_group(cluster, conf):
    """alter_consumer_group_offsets fails with UNKNOWN_MEMBER_ID while members exist; delete needs Empty."""
    c, _ = running_group(cluster, conf)
    admin = AdminClient(conf)
    req = [ConsumerGroupTopicPartitions("billing", [TopicPartition("orders", 1, 2)])]
    with pytest.raises(KafkaException) as info:
        admin.alter_consumer_group_offsets(req)["billing"].result()
    assert info.value.args[0].code() == KafkaError.UNKNOWN_MEMBER_ID
    with pytest.raises(KafkaException) as info:
        admin.delete_consumer_groups(["billing"])["billing"].result()
    assert info.value.args[0].code() == KafkaError.NON_EMPTY_GROUP
    c.close()
    admin.alter_consumer_group_offsets(req)["billing"].result()
    committed = cluster.group_coordinator.offsets.fetch("billing", [("orders", 1)])
    assert c is not None and committed[("orders", 1)].offset == 2
    assert admin.delete_consumer_groups(["billing"])["billing"].result() is None
    assert admin.list_consumer_groups().result().valid == []


def test_group_admin_commit_is_just_a_record_in_consumer_offsets(cluster, conf):
    """Each commit appends a record to the group's __consumer_offsets partition; nothing is deleted from the topic."""
    _c, _got = running_group(cluster, conf)
    log = cluster.topic("__consumer_offsets").partitions[offsets_partition(cluster, "billing")]
    records = [decode_record(r[0], r[1]) for b in log.batches() for r in b.records]
    assert [(r["group"], r["topic"], r["partition"], r["offset"]) for r in records] == [
        ("billing", "orders", 0, 1), ("billing", "orders", 0, 2), ("billing", "orders", 0, 3)]
    assert cluster.partition("orders", 0).log_start_offset == 0 and cluster.partition("orders", 0).log_end_offset == 3
