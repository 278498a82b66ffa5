"""Producer: confluent-kafka's API, delivery reports only inside poll/flush, batching in virtual time."""

import pytest

import kafkalab
from kafkalab import KafkaError, KafkaException, Producer


def test_producer_delivery_reports_only_inside_poll_or_flush(cluster, conf):
    """produce() only enqueues; callbacks run in flush() with the assigned offsets."""
    cluster.create_topic("t", partitions=1)
    p = Producer(conf)
    seen = []
    for i in range(3):
        p.produce("t", value=f"v{i}", on_delivery=lambda err, msg: seen.append((err, msg.offset(), msg.value())))
    cluster.advance(100)
    assert seen == [] and len(p) == 3
    assert p.flush() == 0
    assert seen == [(None, 0, b"v0"), (None, 1, b"v1"), (None, 2, b"v2")]
    assert len(p) == 0


def test_producer_batches_after_linger_ms_in_virtual_time(cluster, conf):
    """Records wait linger.ms (5) in the accumulator, then one request latency (2 ms) to append."""
    cluster.create_topic("t", partitions=1)
    p = Producer(conf)
    p.produce("t", b"a")
    p.produce("t", b"b")
    cluster.advance(6)
    assert cluster.partition("t", 0).log_end_offset == 0
    cluster.advance(1)
    appends = cluster.trace.events("append", topic="t")
    assert [(e.time_ms, e["base_offset"], e["count"]) for e in appends] == [(7, 0, 2)]


def test_producer_str_values_are_utf8_and_timestamps_default_to_now(cluster, conf):
    """str keys/values are encoded as UTF-8; timestamp 0 means the virtual now."""
    cluster.create_topic("t", partitions=1)
    cluster.advance(1234)
    p = Producer(conf)
    out = []
    p.produce("t", "café", key="ключ", on_delivery=lambda e, m: out.append(m))
    p.produce("t", b"x", timestamp=99, on_delivery=lambda e, m: out.append(m))
    p.flush()
    assert (out[0].value(), out[0].key(), out[0].timestamp()) == ("café".encode(), "ключ".encode(), (1, 1234))
    assert out[1].timestamp() == (1, 99)
    assert out[0].latency() == pytest.approx(0.004)   # flush() sends at once: 2 ms there, 2 ms back


def test_producer_auto_creates_topic_with_num_partitions(cluster, conf):
    """Producing to an unknown topic creates it with num.partitions (1), as the broker does."""
    p = Producer(conf)
    p.produce("fresh", b"x")
    p.flush()
    assert len(cluster.topic("fresh").partitions) == 1
    assert cluster.trace.last("topic_created", topic="fresh").reason == "auto.create.topics.enable"


def test_producer_without_auto_create_reports_unknown_topic():
    """With auto.create.topics.enable=false, produce() to a missing topic raises _UNKNOWN_TOPIC."""
    cluster = kafkalab.Cluster(seed=1, config={"auto.create.topics.enable": False})
    p = Producer({"bootstrap.servers": cluster.bootstrap_servers})
    with pytest.raises(KafkaException) as info:
        p.produce("missing", b"x")
    assert info.value.args[0].code() == KafkaError._UNKNOWN_TOPIC


def test_producer_buffer_error_when_queue_full(cluster, conf):
    """More than queue.buffering.max.messages queued raises BufferError; poll() makes room."""
    cluster.create_topic("t", partitions=1)
    p = Producer({**conf, "queue.buffering.max.messages": 3})
    for _ in range(3):
        p.produce("t", b"x")
    with pytest.raises(BufferError, match="Local: Queue full"):
        p.produce("t", b"x")
    p.poll(0.05)
    p.produce("t", b"x")
    assert p.flush() == 0 and cluster.partition("t", 0).log_end_offset == 4


def test_producer_keyed_records_use_consistent_random_crc32(cluster, conf):
    """The default partitioner is librdkafka's consistent_random: crc32(key) % partitions."""
    import zlib
    cluster.create_topic("t", partitions=6)
    p = Producer(conf)
    got = []
    for key in (b"user-42", b"a", b"key-1"):
        p.produce("t", b"v", key, on_delivery=lambda e, m: got.append((m.key(), m.partition())))
    p.flush()
    assert sorted(got) == sorted((k, zlib.crc32(k) % 6) for k in (b"user-42", b"a", b"key-1"))
    assert (b"user-42", 1) in got


def test_producer_acks_zero_reports_without_offsets(cluster, conf):
    """acks=0 does not wait for the broker: the report has no offset (librdkafka's -1001; confluent-kafka's
    ``Message.offset()`` gives None for a negative offset)."""
    cluster.create_topic("t", partitions=1)
    p = Producer({**conf, "acks": 0})
    got = []
    p.produce("t", b"x", on_delivery=lambda e, m: got.append((e, m.offset())))
    p.flush()
    assert got == [(None, None)]
    assert cluster.partition("t", 0).log_end_offset == 0      # reported before the broker even has it
    cluster.advance(2)
    assert cluster.partition("t", 0).log_end_offset == 1


def test_producer_unreachable_bootstrap_times_out_messages():
    """A bootstrap address with no cluster behaves like unreachable brokers: _MSG_TIMED_OUT after message.timeout.ms."""
    errors = []
    p = Producer({"bootstrap.servers": "kafkalab://nowhere", "message.timeout.ms": 10_000,
                  "error_cb": lambda err: errors.append(err.code())})
    got = []
    p.produce("t", b"x", on_delivery=lambda e, m: got.append(e.code()))
    assert p.flush(1.0) == 1
    assert p.flush(20.0) == 0
    assert got == [KafkaError._MSG_TIMED_OUT]
    assert errors == [KafkaError._ALL_BROKERS_DOWN]


def test_producer_close_flushes_and_then_refuses_calls(cluster, conf):
    """close() flushes outstanding messages; afterwards every call raises RuntimeError."""
    cluster.create_topic("t", partitions=1)
    p = Producer(conf)
    p.produce("t", b"x")
    assert p.close() is True
    assert cluster.partition("t", 0).log_end_offset == 1
    with pytest.raises(RuntimeError, match="Producer has been closed"):
        p.produce("t", b"y")
