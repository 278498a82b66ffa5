"""Bad input gets a clear, documented error naming the parameter and the value — never a deep traceback."""

import re

import pytest

import kafkalab
from kafkalab import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from kafkalab.admin import AdminClient, NewTopic


def code(exc_info):
    return exc_info.value.args[0].code()


def test_bad_input_unknown_config_property(conf):
    """Unknown keys fail as librdkafka fails, with _INVALID_ARG and the exact text."""
    with pytest.raises(KafkaException) as info:
        Producer({**conf, "foo.bar": 1})
    assert str(info.value) == 'KafkaError{code=_INVALID_ARG,val=-186,str="No such configuration property: "foo.bar""}'
    with pytest.raises(KafkaException, match=re.escape("key.serializer")):
        Consumer({**conf, "group.id": "g", "key.serializer": "x"})


def test_bad_input_mistyped_config_values(conf):
    """Wrong values name the property and the value."""
    text = 'Invalid value "none" for configuration property "auto.offset.reset"'
    with pytest.raises(KafkaException, match=re.escape(text)):
        Consumer({**conf, "group.id": "g", "auto.offset.reset": "none"})
    with pytest.raises(KafkaException, match=re.escape('"session.timeout.ms" value 0 is outside allowed range')):
        Consumer({**conf, "group.id": "g", "session.timeout.ms": 0})
    with pytest.raises(KafkaException, match=re.escape('Expected bool value for "enable.auto.commit"')):
        Consumer({**conf, "group.id": "g", "enable.auto.commit": "maybe"})
    with pytest.raises(ValueError, match=re.escape("group.id must be set")):
        Consumer(conf)


def test_bad_input_topic_partitions_below_one(cluster):
    """create_topic with partitions < 1 is refused naming the value (INVALID_PARTITIONS)."""
    with pytest.raises(KafkaException) as info:
        cluster.create_topic("t", partitions=0)
    assert code(info) == KafkaError.INVALID_PARTITIONS and "got 0" in str(info.value)
    with pytest.raises(TypeError, match="partitions must be an int"):
        cluster.create_topic("t", partitions="3")
    with pytest.raises(KafkaException) as info:
        cluster.create_topic("bad name!", partitions=1)
    assert code(info) == KafkaError.TOPIC_EXCEPTION


def test_bad_input_partition_out_of_range_on_produce(cluster, conf):
    """An explicit partition the topic lacks raises _UNKNOWN_PARTITION naming it."""
    cluster.create_topic("t", partitions=2)
    p = Producer(conf)
    for bad in (2, -5):
        with pytest.raises(KafkaException) as info:
            p.produce("t", b"x", partition=bad)
        assert code(info) == KafkaError._UNKNOWN_PARTITION and f"partition={bad}" in str(info.value)
    with pytest.raises(TypeError, match="cannot be interpreted as an integer"):
        p.produce("t", b"x", partition="1")


def test_bad_input_non_bytes_values_and_keys(cluster, conf):
    """Values and keys must be bytes, str or None (TypeError as confluent-kafka)."""
    p = Producer(conf)
    with pytest.raises(TypeError, match="a bytes-like object is required, not 'int'"):
        p.produce("t", 123)
    with pytest.raises(TypeError, match="not 'float'"):
        p.produce("t", b"x", key=1.5)
    with pytest.raises(TypeError, match="argument 1 must be str"):
        p.produce(5, b"x")
    with pytest.raises(TypeError, match="headers"):
        p.produce("t", b"x", headers=5)


def test_bad_input_unknown_topics(cluster, conf):
    """Unknown topics/partitions in calls that need them give UNKNOWN_TOPIC_OR_PART naming the topic."""
    c = Consumer({**conf, "group.id": "g"})
    with pytest.raises(KafkaException) as info:
        c.get_watermark_offsets(TopicPartition("nope", 0))
    assert code(info) == KafkaError.UNKNOWN_TOPIC_OR_PART and "nope" in str(info.value)
    cluster.create_topic("t", partitions=1)
    with pytest.raises(KafkaException) as info:
        cluster.partition("t", 3)
    assert "partitions 0..0" in str(info.value)
    admin = AdminClient(conf)
    fut = admin.delete_topics(["nope"])["nope"]
    with pytest.raises(KafkaException):
        fut.result()


def test_bad_input_calls_on_closed_clients(cluster, conf):
    """Every method of a closed consumer raises RuntimeError('Consumer closed')."""
    c = Consumer({**conf, "group.id": "g"})
    c.close()
    calls = [lambda: c.poll(0), lambda: c.consume(1, 0), lambda: c.assign([]), lambda: c.subscribe(["t"]),
             lambda: c.commit(), lambda: c.committed([]), lambda: c.position([]), lambda: c.assignment(),
             lambda: c.memberid(), lambda: c.list_topics()]
    for call in calls:
        with pytest.raises(RuntimeError, match="Consumer closed"):
            call()
    assert c.close() is None   # a second close() is a no-op, as confluent-kafka's


def test_bad_input_wrong_argument_types_on_consumer(cluster, conf):
    """Wrongly typed arguments are TypeErrors that say what was expected."""
    c = Consumer({**conf, "group.id": "g"})
    with pytest.raises(TypeError, match="TopicPartition"):
        c.assign([1])
    with pytest.raises(TypeError, match="timeout"):
        c.poll("x")
    with pytest.raises(ValueError, match="num_messages must be between 0 and 1000000"):
        c.consume(1_000_001)
    with pytest.raises(TypeError, match="topics"):
        c.subscribe("t")
    with pytest.raises(TypeError, match="seed"):
        kafkalab.Cluster(seed="x")


def test_bad_input_admin_create_topics_reports_already_exists(cluster, conf):
    """create_topics returns futures; an existing topic fails with TOPIC_ALREADY_EXISTS."""
    cluster.create_topic("t", partitions=1)
    admin = AdminClient(conf)
    futs = admin.create_topics([NewTopic("t", 1), NewTopic("u", 2)])
    with pytest.raises(KafkaException) as info:
        futs["t"].result()
    assert code(info) == KafkaError.TOPIC_ALREADY_EXISTS
    assert futs["u"].result() is None and len(cluster.topic("u").partitions) == 2
