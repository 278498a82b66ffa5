"""Delete retention: whole segments, oldest first, on a periodic check in virtual time (§1.3, §1.5, §8)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import kafkalab
from kafkalab import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from kafkalab.admin import AdminClient, NewTopic
from kafkalab.broker.retention import deletable_segments

SEGMENT_KINDS = ("segment_rolled", "segment_created", "segment_deleted", "log_start_offset")


def make_cluster(**broker) -> kafkalab.Cluster:
    """A cluster whose retention check runs every 10 s (first at 30 s unless overridden)."""
    return kafkalab.Cluster(seed=7, config={"log.retention.check.interval.ms": 10_000, **broker})


def produce(cluster, topic, values, partition=0, timestamp=0, key=b"k"):
    """Produce ``values`` to one partition and wait for the acks; return their offsets."""
    offsets = []
    p = Producer({"bootstrap.servers": cluster.bootstrap_servers, "linger.ms": 0})
    for v in values:
        p.produce(topic, v, key, partition=partition, timestamp=timestamp,
                  on_delivery=lambda err, msg: offsets.append(msg.offset()))
    p.flush()
    return offsets


def consumer(cluster, group="g", reset="earliest"):
    return Consumer({"bootstrap.servers": cluster.bootstrap_servers, "group.id": group,
                     "auto.offset.reset": reset, "enable.auto.commit": False})


def segment_events(cluster, topic="t"):
    """(time, kind, base offset, cause/new log start) for every segment and log-start event of ``topic``."""
    out = []
    for ev in cluster.trace.events(topic=topic):
        if ev.kind in SEGMENT_KINDS:
            out.append((ev.time_ms, ev.kind, ev.get("base_offset", ev.get("new")), ev.get("cause")))
    return out


def test_retention_first_check_after_initial_delay_rolls_and_deletes_expired_active_segment():
    """The first check runs at log.initial.task.delay.ms; a fully expired active segment is rolled, then deleted."""
    cluster = make_cluster()
    cluster.create_topic("t", 1, {"retention.ms": 1_000})
    produce(cluster, "t", [b"a", b"b"])
    cluster.advance(29_999 - cluster.now_ms)
    assert segment_events(cluster) == [(0, "segment_created", 0, None)]
    cluster.advance(1)
    assert segment_events(cluster) == [
        (0, "segment_created", 0, None),
        (30_000, "segment_rolled", 0, "time"),
        (30_000, "segment_created", 2, None),
        (30_000, "segment_deleted", 0, "time"),
        (30_000, "log_start_offset", 2, None),
    ]
    rolled = cluster.trace.last("segment_rolled")
    assert rolled.reason == "time: active segment fully expired"
    log = cluster.partition("t", 0)
    assert (log.log_start_offset, log.high_watermark, log.log_end_offset, len(log.segments)) == (2, 2, 2, 1)


def test_retention_checks_every_interval_at_fixed_rate():
    """After the first check, checks follow every log.retention.check.interval.ms."""
    cluster = make_cluster()
    cluster.create_topic("t", 1, {"retention.ms": 0})
    deleted_at = []
    for _ in range(3):
        produce(cluster, "t", [b"x"])
        before = len(cluster.trace.events("segment_deleted"))
        while len(cluster.trace.events("segment_deleted")) == before:
            cluster.advance(1_000)
        deleted_at.append(cluster.trace.last("segment_deleted").time_ms)
    assert deleted_at == [30_000, 40_000, 50_000]
    assert cluster.log_cleaner.checks == 3


@given(gaps=st.lists(st.integers(0, 30_000), min_size=1, max_size=25))
def test_retention_records_live_between_retention_and_retention_plus_roll_plus_interval(gaps):
    """Each record lives more than retention.ms and at most retention.ms + segment.ms + the check interval."""
    retention_ms, segment_ms, interval_ms = 60_000, 20_000, 10_000
    cluster = make_cluster()
    cluster.create_topic("t", 1, {"retention.ms": retention_ms, "segment.ms": segment_ms})
    born = {}
    for gap in gaps:
        cluster.advance(gap)
        now = cluster.now_ms
        (offset,) = produce(cluster, "t", [b"v"], timestamp=now)
        born[offset] = now
    cluster.advance(retention_ms + segment_ms + 2 * interval_ms)
    died = {}
    for ev in cluster.trace.events("segment_deleted", topic="t"):
        for offset in range(ev["base_offset"], ev["end_offset"]):
            died[offset] = ev.time_ms
    assert sorted(died) == sorted(born)
    lives = [died[o] - born[o] for o in born]
    assert all(retention_ms < life <= retention_ms + segment_ms + interval_ms for life in lives), lives


def test_retention_committing_deletes_nothing():
    """A group that read and committed everything leaves the log intact: other groups still read it all."""
    cluster = make_cluster()
    cluster.create_topic("t", 1, {"retention.ms": 3_600_000})
    produce(cluster, "t", [b"%d" % i for i in range(5)])
    c = consumer(cluster, "billing")
    c.assign([TopicPartition("t", 0)])
    got = c.consume(5, timeout=5)
    c.commit(asynchronous=False)
    c.close()
    cluster.advance(600_000)
    assert [m.offset() for m in got] == [0, 1, 2, 3, 4]
    assert cluster.trace.events("segment_deleted", topic="t") == []
    other = consumer(cluster, "audit")
    other.assign([TopicPartition("t", 0)])
    assert [m.value() for m in other.consume(5, timeout=5)] == [b"0", b"1", b"2", b"3", b"4"]


def test_retention_bytes_applies_per_partition_and_keeps_the_limit():
    """retention.bytes is per partition: each keeps at least the limit and less than limit + one segment."""
    cluster = make_cluster()
    cluster.create_topic("t", 3, {"retention.bytes": 400, "segment.bytes": 250, "retention.ms": -1})
    value = b"x" * 42                               # 61 + 8 + 1 + 42 = 112 bytes per one-record batch
    for partition, count in ((0, 12), (1, 6), (2, 3)):
        for _ in range(count):
            produce(cluster, "t", [value], partition=partition)
    sizes_before = [log.size_bytes for log in cluster.topic("t").partitions]
    cluster.advance(30_000)
    logs = cluster.topic("t").partitions
    assert sizes_before == [1344, 672, 336]
    assert [log.size_bytes for log in logs] == [448, 448, 336]
    assert [log.log_start_offset for log in logs] == [8, 2, 0]
    assert all(400 <= log.size_bytes < 400 + 224 for log in logs[:2])
    causes = {(ev["partition"], ev["cause"]) for ev in cluster.trace.events("segment_deleted", topic="t")}
    assert causes == {(0, "size"), (1, "size")}


def test_retention_size_then_time_in_one_check():
    """Within one check the size predicate runs before the time predicate (UnifiedLog.deleteOldSegments)."""
    cluster = make_cluster()
    cluster.create_topic("t", 1, {"retention.bytes": 300, "segment.bytes": 150, "retention.ms": 20_000})
    for _ in range(4):
        produce(cluster, "t", [b"x" * 42])
    cluster.advance(10_000)
    produce(cluster, "t", [b"x" * 42])
    cluster.advance(20_000)
    deletions = [(ev.time_ms, ev["base_offset"], ev["cause"]) for ev in cluster.trace.events("segment_deleted")]
    assert deletions == [(30_000, 0, "size"), (30_000, 1, "size"), (30_000, 2, "time"), (30_000, 3, "time")]
    assert cluster.partition("t", 0).log_start_offset == 4


def test_retention_disabled_with_minus_one():
    """retention.ms=-1 and retention.bytes=-1 keep every record forever."""
    cluster = make_cluster()
    cluster.create_topic("t", 1, {"retention.ms": -1, "retention.bytes": -1, "segment.ms": 1_000})
    for _ in range(5):
        produce(cluster, "t", [b"v"])
        cluster.advance(2_000)
    cluster.advance(30 * 86_400_000)
    assert cluster.trace.events("segment_deleted") == []
    assert cluster.partition("t", 0).log_start_offset == 0


def test_retention_idle_partition_does_not_roll_on_segment_ms():
    """segment.ms rolls only at append time: an idle partition keeps its active segment."""
    cluster = make_cluster()
    cluster.create_topic("t", 1, {"segment.ms": 1_000, "retention.ms": -1})
    produce(cluster, "t", [b"v"])
    cluster.advance(3_600_000)
    assert cluster.trace.events("segment_rolled", topic="t") == []
    produce(cluster, "t", [b"w"])
    assert [(ev["base_offset"], ev["cause"]) for ev in cluster.trace.events("segment_rolled")] == [(0, "time")]


def test_retention_follows_record_timestamps_past_and_future():
    """Time retention uses record timestamps: an old CreateTime goes at the next check, a future one stays."""
    cluster = make_cluster()
    cluster.create_topic("t", 1, {"retention.ms": 60_000, "segment.bytes": 100})
    cluster.advance(100_000)                        # checks at 30 s ... 100 s have run
    produce(cluster, "t", [b"old"], timestamp=1)
    produce(cluster, "t", [b"future"], timestamp=cluster.now_ms + 1_000_000)
    produce(cluster, "t", [b"now"])
    cluster.advance(10_000)
    assert [(ev.time_ms, ev["base_offset"], ev["largest_timestamp"])
            for ev in cluster.trace.events("segment_deleted")] == [(110_000, 0, 1)]
    cluster.advance(1_000_000)
    log = cluster.partition("t", 0)
    assert log.log_start_offset == 1                # the future segment blocks the scan: no holes
    cluster.advance(100_000)
    assert log.log_start_offset == 3


def test_retention_log_append_time_ignores_producer_timestamps():
    """With message.timestamp.type=LogAppendTime a record lives retention.ms from its append time."""
    cluster = make_cluster()
    cluster.create_topic("t", 1, {"retention.ms": 60_000, "message.timestamp.type": "LogAppendTime"})
    cluster.advance(100_000)
    produce(cluster, "t", [b"old"], timestamp=1)
    cluster.advance(60_000)
    assert cluster.trace.events("segment_deleted") == []
    cluster.advance(10_000)
    assert [ev.time_ms for ev in cluster.trace.events("segment_deleted")] == [170_000]


def test_retention_only_segments_below_high_watermark_qualify():
    """A segment whose upper bound is above the high watermark is not deletable, nor anything after it."""
    cluster = make_cluster()
    cluster.create_topic("t", 1, {"segment.ms": 1, "retention.ms": -1})
    for _ in range(3):
        produce(cluster, "t", [b"v"])
        cluster.advance(10)
    log = cluster.partition("t", 0)
    assert [s.base_offset for s in deletable_segments(log)] == [0, 1, 2]
    log.high_watermark = 2                          # as if a follower had not caught up yet
    assert [s.base_offset for s in deletable_segments(log)] == [0, 1]
    log.high_watermark = 1
    assert [s.base_offset for s in deletable_segments(log)] == [0]


def test_retention_lagging_group_loses_records_silently_with_earliest():
    """A group whose committed offset fell below the log start resets to it; the trace counts what it skipped."""
    cluster = make_cluster()
    cluster.create_topic("t", 1, {"retention.ms": 100_000, "segment.ms": 10_000})
    produce(cluster, "t", [b"%d" % i for i in range(5)])
    cluster.advance(20_000)
    produce(cluster, "t", [b"%d" % i for i in range(5, 10)])
    c = consumer(cluster, "slow")
    c.assign([TopicPartition("t", 0)])
    assert [m.offset() for m in c.consume(3, timeout=5)] == [0, 1, 2]
    c.commit(asynchronous=False)
    c.close()
    cluster.advance(115_000 - cluster.now_ms)
    assert cluster.partition("t", 0).log_start_offset == 5
    again = consumer(cluster, "slow")
    again.assign([TopicPartition("t", 0)])
    got = again.consume(5, timeout=5)
    assert [m.offset() for m in got] == [5, 6, 7, 8, 9]
    reset = cluster.trace.last("offset_reset", group="slow")
    assert (reset["from_offset"], reset["to_offset"], reset["skipped"], reset["cause"]) == (3, 5, 2,
                                                                                         "OFFSET_OUT_OF_RANGE")


def test_retention_lagging_group_sees_error_with_auto_offset_reset_error():
    """With auto.offset.reset=error a position below the log start surfaces as an _AUTO_OFFSET_RESET event."""
    cluster = make_cluster()
    cluster.create_topic("t", 1, {"retention.ms": 100_000, "segment.ms": 10_000})
    produce(cluster, "t", [b"a", b"b"])
    cluster.advance(20_000)
    produce(cluster, "t", [b"c"])
    cluster.advance(100_000)
    c = consumer(cluster, "strict", reset="error")
    c.assign([TopicPartition("t", 0, 0)])
    msg = c.poll(1.0)
    assert msg is not None and msg.error() is not None
    assert (msg.error().code(), msg.topic(), msg.partition(), msg.offset()) == (
        KafkaError._AUTO_OFFSET_RESET, "t", 0, 0)
    assert "out of range" in msg.error().str()


def test_retention_latest_reset_skips_to_the_end():
    """With auto.offset.reset=latest an out-of-range position jumps to the high watermark."""
    cluster = make_cluster()
    cluster.create_topic("t", 1)
    produce(cluster, "t", [b"%d" % i for i in range(6)])
    AdminClient({"bootstrap.servers": cluster.bootstrap_servers}).delete_records([TopicPartition("t", 0, 4)])
    c = consumer(cluster, "late", reset="latest")
    c.assign([TopicPartition("t", 0, 1)])
    assert c.poll(0.5) is None
    reset = cluster.trace.last("offset_reset", group="late")
    assert (reset["from_offset"], reset["to_offset"], reset["skipped"]) == (1, 6, 5)


def test_retention_delete_records_moves_log_start_and_deletes_whole_segments():
    """AdminClient.delete_records moves the log start; segments wholly below it go with cause delete_records."""
    cluster = make_cluster()
    cluster.create_topic("t", 1, {"segment.ms": 1})
    for i in range(4):
        produce(cluster, "t", [b"%d" % i, b"%d" % i])
        cluster.advance(10)
    admin = AdminClient({"bootstrap.servers": cluster.bootstrap_servers})
    result = admin.delete_records([TopicPartition("t", 0, 5)])
    assert [f.result().low_watermark for f in result.values()] == [5]
    assert [(ev["base_offset"], ev["cause"]) for ev in cluster.trace.events("segment_deleted")] == [
        (0, "delete_records"), (2, "delete_records")]
    c = consumer(cluster, "g")
    c.assign([TopicPartition("t", 0, 0)])
    assert [m.offset() for m in c.consume(3, timeout=5)] == [5, 6, 7]


def test_retention_offsets_of_empty_group_expire_then_reset_applies():
    """Committed offsets of an Empty group expire after offsets.retention.minutes; the next start uses the reset."""
    cluster = make_cluster(**{"offsets.retention.minutes": 1, "offsets.retention.check.interval.ms": 10_000})
    cluster.create_topic("t", 1, {"retention.ms": -1})
    produce(cluster, "t", [b"a", b"b", b"c"])
    c = consumer(cluster, "g")
    c.assign([TopicPartition("t", 0)])
    c.consume(1, timeout=5)
    c.commit(asynchronous=False)
    c.close()
    cluster.advance(80_000)
    assert cluster.trace.last("offsets_expired", group="g") is not None
    again = consumer(cluster, "g", reset="latest")
    again.assign([TopicPartition("t", 0)])
    assert again.poll(0.5) is None
    reset = cluster.trace.last("offset_reset", group="g")
    assert (reset.reason, reset["to_offset"]) == ("no committed offset: auto.offset.reset=latest", 3)


@pytest.mark.parametrize(("config", "text"), [
    ({"segment.bytes": -1}, "Invalid value -1 for configuration segment.bytes: Value must be at least 14"),
    ({"cleanup.policy": "archive"},
     "Invalid value archive for configuration cleanup.policy: String must be one of: compact, delete"),
    ({"retention.ms": -2}, "Invalid value -2 for configuration retention.ms: Value must be at least -1"),
])
def test_retention_bad_topic_configs_are_refused(config, text):
    """Bad retention configs fail CreateTopics with INVALID_CONFIG and Kafka's ConfigDef text."""
    cluster = make_cluster()
    with pytest.raises(KafkaException) as direct:
        cluster.create_topic("t", 1, config)
    admin = AdminClient({"bootstrap.servers": cluster.bootstrap_servers})
    with pytest.raises(KafkaException) as via_admin:
        admin.create_topics([NewTopic("t", 1, config=config)])["t"].result()
    for info in (direct, via_admin):
        assert (info.value.args[0].code(), info.value.args[0].str()) == (KafkaError.INVALID_CONFIG, text)
    assert "t" not in cluster.topics


def test_retention_bytes_smaller_than_a_segment_is_accepted():
    """Kafka does not refuse retention.bytes < segment.bytes: the partition then keeps about one segment."""
    cluster = make_cluster()
    cluster.create_topic("t", 1, {"retention.bytes": 100, "segment.bytes": 1_000, "retention.ms": -1})
    for _ in range(20):
        produce(cluster, "t", [b"x" * 42])
    cluster.advance(30_000)
    log = cluster.partition("t", 0)
    assert [(s.base_offset, s.size_bytes) for s in log.segments] == [(16, 448)]
    assert log.log_start_offset == 16
