"""Log compaction: latest value per key, tombstones, dirty ratio and lags, offsets that never change (§1.4)."""

from __future__ import annotations

import kafkalab
from kafkalab import Consumer, KafkaError, Producer, TopicPartition
from kafkalab.broker.cluster import OFFSETS_TOPIC
from kafkalab.broker.offsets import decode_record, offsets_partition

# One record per segment: a 72-byte batch (61 + 8 + 1-byte key + 2-byte value) never fits twice in 100 bytes.
ONE_PER_SEGMENT = {"cleanup.policy": "compact", "segment.bytes": 100}


def make_cluster(**broker) -> kafkalab.Cluster:
    """A cluster whose retention/cleaner check runs at 30 s and then every 10 s."""
    return kafkalab.Cluster(seed=7, config={"log.retention.check.interval.ms": 10_000, **broker})


def put(cluster, topic, key, value, timestamp=0):
    """Produce one record as its own batch and wait for the ack."""
    p = Producer({"bootstrap.servers": cluster.bootstrap_servers, "linger.ms": 0})
    p.produce(topic, value, key, partition=0, timestamp=timestamp)
    p.flush()


def read_all(cluster, topic, partition=0, start=0):
    """(offset, key, value) of every record a fresh consumer reads from ``start`` up to the end."""
    c = Consumer({"bootstrap.servers": cluster.bootstrap_servers, "group.id": "reader",
                  "auto.offset.reset": "earliest", "enable.auto.commit": False, "enable.partition.eof": True})
    c.assign([TopicPartition(topic, partition, start)])
    out = []
    while True:
        msg = c.poll(1.0)
        if msg is None or (msg.error() is not None and msg.error().code() == KafkaError._PARTITION_EOF):
            break
        assert msg.error() is None, msg.error()
        out.append((msg.offset(), msg.key(), msg.value()))
    c.close()
    return out


def cleanings(cluster, topic="c"):
    """(time, first dirty offset, end offset, removed, tombstones removed, tombstones retained) per cleaning."""
    return [(ev.time_ms, ev["first_dirty_offset"], ev["end_offset"], ev["records_removed"],
             ev["tombstones_removed"], ev["tombstones_retained"])
            for ev in cluster.trace.events("log_cleaned", topic=topic)]


def test_compaction_keeps_latest_value_per_key_and_never_touches_active_segment():
    """The cleaner keeps the last value per key in closed segments; the active segment keeps everything."""
    cluster = make_cluster()
    cluster.create_topic("c", 1, {"cleanup.policy": "compact", "segment.bytes": 300,
                                  "min.cleanable.dirty.ratio": 0.01})
    writes = [b"a1", b"b1", b"a2", b"c1", b"b2", b"a3", b"d1", b"a4", b"b3", b"c2"]
    for w in writes:                                # four 72-byte batches per segment; offsets 8, 9 stay active
        put(cluster, "c", w[:1], w)
    cluster.advance(30_000 - cluster.now_ms)
    assert cleanings(cluster) == [(30_000, 0, 8, 4, 0, 0)]
    event = cluster.trace.last("log_cleaned")
    assert (event["dirty_ratio"], event["keys"], event.reason) == (
        1.0, 4, "dirty ratio 1.000 > min.cleanable.dirty.ratio=0.01")
    assert read_all(cluster, "c") == [(3, b"c", b"c1"), (4, b"b", b"b2"), (6, b"d", b"d1"), (7, b"a", b"a4"),
                                      (8, b"b", b"b3"), (9, b"c", b"c2")]
    log = cluster.partition("c", 0)
    assert (log.log_start_offset, log.high_watermark, log.log_end_offset) == (0, 10, 10)


def test_compaction_read_at_removed_offset_continues_at_next_survivor():
    """Offsets never change: a fetch at a removed offset returns the next surviving record."""
    cluster = make_cluster()
    cluster.create_topic("c", 1, {**ONE_PER_SEGMENT, "min.cleanable.dirty.ratio": 0.01})
    for w in (b"a1", b"a2", b"b1", b"a3", b"b2"):
        put(cluster, "c", w[:1], w)
    cluster.advance(30_000)
    assert read_all(cluster, "c", start=1) == [(2, b"b", b"b1"), (3, b"a", b"a3"), (4, b"b", b"b2")]


def test_compaction_drops_tombstones_only_after_delete_retention_ms():
    """A tombstone survives cleanings until delete.retention.ms after the cleaning that first kept it."""
    cluster = make_cluster()
    cluster.create_topic("c", 1, {**ONE_PER_SEGMENT, "min.cleanable.dirty.ratio": 0.01,
                                  "delete.retention.ms": 100_000})
    put(cluster, "c", b"a", b"a1")
    put(cluster, "c", b"a", None)
    put(cluster, "c", b"b", b"b1")
    cluster.advance(50_000 - cluster.now_ms)
    put(cluster, "c", b"c", b"c1")
    cluster.advance(100_000 - cluster.now_ms)
    assert read_all(cluster, "c") == [(1, b"a", None), (2, b"b", b"b1"), (3, b"c", b"c1")]
    cluster.advance(140_000 - cluster.now_ms)
    put(cluster, "c", b"d", b"d1")
    cluster.advance(160_000 - cluster.now_ms)
    assert cleanings(cluster) == [
        (30_000, 0, 2, 1, 0, 1),                    # a1 superseded; tombstone kept, horizon 130 s
        (60_000, 2, 3, 0, 0, 1),                    # before the horizon: still kept
        (150_000, 3, 4, 1, 1, 0),                   # after it: removed
    ]
    assert read_all(cluster, "c") == [(2, b"b", b"b1"), (3, b"c", b"c1"), (4, b"d", b"d1")]


def test_compaction_waits_for_dirty_ratio_above_min_cleanable_dirty_ratio():
    """A log is cleaned only when its dirty ratio is strictly above min.cleanable.dirty.ratio (0.5)."""
    cluster = make_cluster()
    cluster.create_topic("c", 1, ONE_PER_SEGMENT)
    for key in (b"k", b"l", b"m", b"n"):
        put(cluster, "c", key, key + b"0")
    cluster.advance(30_000 - cluster.now_ms)         # first cleaning: nothing clean yet, ratio 1.0
    cleaned = []
    for key in (b"k", b"l", b"m", b"k"):
        put(cluster, "c", key, key + b"1")
        before = len(cleanings(cluster))
        cluster.advance(10_000)
        cleaned.append(len(cleanings(cluster)) > before)
    assert cleaned == [False, False, False, True]    # dirty ratios 0.25, 0.4, 0.5 (not > 0.5), 0.571
    assert cluster.trace.last("log_cleaned")["dirty_ratio"] == 0.571


def test_compaction_min_compaction_lag_protects_young_segments():
    """Segments whose newest record is younger than min.compaction.lag.ms are not cleaned yet."""
    cluster = make_cluster()
    cluster.create_topic("c", 1, {**ONE_PER_SEGMENT, "min.cleanable.dirty.ratio": 0.01,
                                  "min.compaction.lag.ms": 60_000})
    for w in (b"a1", b"a2", b"a3"):
        put(cluster, "c", w[:1], w, timestamp=1)
    cluster.advance(65_000)
    assert cleanings(cluster) == []
    cluster.advance(10_000)
    assert cleanings(cluster) == [(70_000, 0, 2, 1, 0, 0)]


def test_compaction_max_compaction_lag_forces_cleaning():
    """max.compaction.lag.ms cleans a log whose dirty ratio never reaches min.cleanable.dirty.ratio."""
    cluster = make_cluster()
    for topic, extra in (("c", {"max.compaction.lag.ms": 50_000}), ("never", {})):
        cluster.create_topic(topic, 1, {**ONE_PER_SEGMENT, "min.cleanable.dirty.ratio": 1.0, **extra})
        for w in (b"a1", b"a2", b"a3"):
            put(cluster, topic, w[:1], w)
    cluster.advance(100_000)
    assert cleanings(cluster) == [(60_000, 0, 2, 1, 0, 0)]
    assert cluster.trace.last("log_cleaned").reason == "a dirty segment is older than max.compaction.lag.ms=50000"
    assert cleanings(cluster, "never") == []


def test_compaction_compact_delete_applies_both_policies():
    """cleanup.policy=compact,delete compacts the log and also deletes segments past retention.ms."""
    cluster = make_cluster()
    cluster.create_topic("c", 1, {**ONE_PER_SEGMENT, "cleanup.policy": "compact,delete",
                                  "min.cleanable.dirty.ratio": 0.01, "retention.ms": 100_000})
    for w in (b"a1", b"a2", b"b1"):
        put(cluster, "c", w[:1], w)
    cluster.advance(110_000 - cluster.now_ms)
    events = [(ev.time_ms, ev.kind, ev.get("base_offset"), ev.get("cause"))
              for ev in cluster.trace.events(topic="c") if ev.kind in ("log_cleaned", "segment_deleted")]
    assert events == [(30_000, "log_cleaned", None, None), (110_000, "segment_deleted", 0, "time"),
                      (110_000, "segment_deleted", 1, "time"), (110_000, "segment_deleted", 2, "time")]
    assert cluster.partition("c", 0).log_start_offset == 3


def test_compaction_consumer_offsets_keeps_latest_commit_per_group_partition():
    """__consumer_offsets is compacted: old commits of a group/partition go, the latest stays readable."""
    cluster = make_cluster(**{"offsets.topic.segment.bytes": 200})
    cluster.create_topic("t", 1)
    c = Consumer({"bootstrap.servers": cluster.bootstrap_servers, "group.id": "g", "enable.auto.commit": False})
    for offset in range(1, 21):
        c.commit(offsets=[TopicPartition("t", 0, offset)], asynchronous=False)
    c.close()
    cluster.advance(30_000)
    partition = offsets_partition(cluster, "g")
    assert cluster.topic(OFFSETS_TOPIC).config["cleanup.policy"] == ["compact"]
    assert [(ev["partition"], ev["records_removed"]) for ev in cluster.trace.events("log_cleaned")] == [
        (partition, 18)]
    records = read_all(cluster, OFFSETS_TOPIC, partition)
    assert [(offset, decode_record(key, value)["offset"]) for offset, key, value in records] == [(18, 19), (19, 20)]
