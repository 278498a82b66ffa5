"""Consumer with assign(): poll in virtual time, positions, commits, seek, watermarks, close."""

import pytest

from kafkalab import Consumer, KafkaError, KafkaException, Producer, TopicPartition


def fill(cluster, conf, topic="t", partitions=3, n=1000):
    cluster.create_topic(topic, partitions=partitions)
    p = Producer(conf)
    for i in range(n):
        p.produce(topic, value=f"v{i}", key=f"key-{i}")
    assert p.flush() == 0


def consumer(conf, **extra):
    return Consumer({**conf, "group.id": "g", "auto.offset.reset": "earliest", "enable.auto.commit": False, **extra})


def drain(c, limit=100_000):
    out = []
    while len(out) < limit:
        m = c.poll(0.5)
        if m is None:
            break
        assert m.error() is None, m.error()
        out.append(m)
    return out


def test_consumer_program_resumes_at_committed_offset(cluster, conf):
    """1,000 keyed records read back with assign(); after commit, a new consumer of the group resumes there."""
    fill(cluster, conf)
    c = consumer(conf)
    c.assign([TopicPartition("t", p) for p in range(3)])
    msgs = drain(c)
    assert len(msgs) == 1000
    assert sorted(m.value() for m in msgs) == sorted(f"v{i}".encode() for i in range(1000))
    per_partition = {p: [m.offset() for m in msgs if m.partition() == p] for p in range(3)}
    assert all(offs == list(range(len(offs))) for offs in per_partition.values())
    committed = c.commit(asynchronous=False)
    assert {(tp.partition, tp.offset) for tp in committed} == {(p, len(per_partition[p])) for p in range(3)}
    c.close()
    p = Producer(conf)
    p.produce("t", b"late", key=b"key-late")
    p.flush()
    c2 = consumer(conf)
    c2.assign([TopicPartition("t", p) for p in range(3)])
    again = drain(c2)
    assert [m.value() for m in again] == [b"late"]


def test_consumer_poll_advances_virtual_time_when_idle(cluster, conf):
    """With nothing to return, poll(2.5) moves the shared clock by 2.5 virtual seconds and returns None."""
    cluster.create_topic("t", partitions=1)
    c = consumer(conf)
    c.assign([TopicPartition("t", 0)])
    t0 = cluster.now_ms
    assert c.poll(2.5) is None
    assert cluster.now_ms - t0 == 2500


def test_consumer_poll_returns_at_once_when_data_arrives(cluster, conf):
    """A record produced while a consumer waits is returned as soon as it is fetched (long poll)."""
    cluster.create_topic("t", partitions=1)
    c = consumer(conf)
    c.assign([TopicPartition("t", 0)])
    assert c.poll(1.0) is None
    p = Producer(conf)
    p.produce("t", b"x")
    t0 = cluster.now_ms
    m = c.poll(10.0)
    assert m.value() == b"x" and cluster.now_ms - t0 < 20


def test_consumer_commit_message_commits_offset_plus_one(cluster, conf):
    """commit(message=m) commits m.offset() + 1: the next offset to consume."""
    fill(cluster, conf, partitions=1, n=5)
    c = consumer(conf)
    c.assign([TopicPartition("t", 0)])
    msgs = drain(c)
    res = c.commit(message=msgs[2], asynchronous=False)
    assert [(tp.partition, tp.offset, tp.error) for tp in res] == [(0, 3, None)]
    assert c.committed([TopicPartition("t", 0)])[0].offset == 3
    assert c.position([TopicPartition("t", 0)])[0].offset == 5


def test_consumer_async_commit_reports_to_on_commit_from_poll(cluster, conf):
    """commit() is asynchronous by default; on_commit runs inside a later poll()."""
    fill(cluster, conf, partitions=1, n=3)
    results = []
    c = consumer(conf, on_commit=lambda err, parts: results.append((err, [(p.partition, p.offset) for p in parts])))
    c.assign([TopicPartition("t", 0)])
    drain(c)
    assert c.commit() is None
    assert results == []
    c.poll(0.1)
    assert results == [(None, [(0, 3)])]


def test_consumer_commit_without_stored_offsets_raises_no_offset(cluster, conf):
    """A sync commit with nothing stored raises _NO_OFFSET with confluent-kafka's text."""
    cluster.create_topic("t", partitions=1)
    c = consumer(conf)
    c.assign([TopicPartition("t", 0)])
    with pytest.raises(KafkaException) as info:
        c.commit(asynchronous=False)
    assert str(info.value) == 'KafkaError{code=_NO_OFFSET,val=-168,str="Commit failed: Local: No offset stored"}'
    with pytest.raises(ValueError, match="message and offsets are mutually exclusive"):
        c.commit(message=object(), offsets=[])


def test_consumer_position_is_invalid_before_fetching(cluster, conf):
    """position() is -1001 before anything was fetched, then last handed out + 1."""
    fill(cluster, conf, partitions=1, n=4)
    c = consumer(conf)
    c.assign([TopicPartition("t", 0)])
    assert c.position([TopicPartition("t", 0)])[0].offset == -1001
    c.poll(1.0)
    assert c.position([TopicPartition("t", 0)])[0].offset == 1


def test_consumer_seek_and_offsets_reset_spellings(cluster, conf):
    """seek() refetches from an offset; latest/largest start at the end, earliest/smallest at the start."""
    fill(cluster, conf, partitions=1, n=6)
    c = consumer(conf)
    c.assign([TopicPartition("t", 0)])
    assert [m.offset() for m in drain(c)] == [0, 1, 2, 3, 4, 5]
    c.seek(TopicPartition("t", 0, 4))
    assert [m.offset() for m in drain(c)] == [4, 5]
    for spelling, first in (("smallest", 0), ("beginning", 0), ("largest", None), ("end", None)):
        c2 = Consumer({**conf, "group.id": f"g-{spelling}", "auto.offset.reset": spelling})
        c2.assign([TopicPartition("t", 0)])
        got = drain(c2)
        assert (got[0].offset() if got else None) == first
    with pytest.raises(KafkaException) as info:
        c.seek(TopicPartition("t", 9))
    assert info.value.args[0].code() == KafkaError._STATE     # mock run: seek of "t" [5] (not assigned) -> _STATE


def test_consumer_assign_with_explicit_offsets(cluster, conf):
    """assign() honours explicit offsets and OFFSET_BEGINNING/OFFSET_END."""
    fill(cluster, conf, partitions=2, n=20)
    c = consumer(conf)
    c.assign([TopicPartition("t", 0, 3), TopicPartition("t", 1, -1)])
    got = drain(c)
    ends = cluster.partition("t", 0).log_end_offset
    assert [m.offset() for m in got if m.partition() == 0] == list(range(3, ends))
    assert [m for m in got if m.partition() == 1] == []


def test_consumer_partition_eof_event(cluster, conf):
    """enable.partition.eof=true delivers _PARTITION_EOF at the end, with librdkafka's text.

    librdkafka rdkafka_fetcher.c (``_PARTITION_EOF`` case): "Fetch from broker %d reached end of partition at
    offset %d (HighwaterMark %d)"; the mock cluster run printed "... at offset 3 (HighwaterMark 3)"."""
    fill(cluster, conf, partitions=1, n=2)
    c = consumer(conf, **{"enable.partition.eof": True})
    c.assign([TopicPartition("t", 0)])
    events = [c.poll(1.0) for _ in range(3)]
    assert [m.offset() for m in events[:2]] == [0, 1]
    eof = events[2].error()
    assert (eof.code(), eof.str(), events[2].offset()) == (
        KafkaError._PARTITION_EOF, "Fetch from broker 1 reached end of partition at offset 2 (HighwaterMark 2)", 2)


def test_consumer_watermarks_and_offsets_for_times(cluster, conf):
    """get_watermark_offsets is (log start, HW); offsets_for_times finds the first offset at or after a time."""
    cluster.create_topic("t", partitions=1)
    p = Producer(conf)
    for ts in (1000, 2000, 3000):
        p.produce("t", b"x", timestamp=ts)
    p.flush()
    c = consumer(conf)
    assert c.get_watermark_offsets(TopicPartition("t", 0)) == (0, 3)
    assert c.get_watermark_offsets(TopicPartition("t", 0), cached=True) == (-1001, -1001)
    found = c.offsets_for_times([TopicPartition("t", 0, 1500), TopicPartition("t", 0, 9999)])
    assert [tp.offset for tp in found] == [1, -1]


def test_consumer_pause_and_resume(cluster, conf):
    """A paused partition returns nothing; resume() continues from the position."""
    fill(cluster, conf, partitions=1, n=5)
    c = consumer(conf)
    c.assign([TopicPartition("t", 0)])
    first = c.poll(1.0)
    c.pause([TopicPartition("t", 0)])
    assert c.poll(1.0) is None
    c.resume([TopicPartition("t", 0)])
    assert [m.offset() for m in drain(c)] == [1, 2, 3, 4] and first.offset() == 0


def test_consumer_auto_commit_librdkafka_commits_store_on_timer(cluster, conf):
    """librdkafka auto-commit: every auto.commit.interval.ms the offset store (updated on hand-out) is committed."""
    fill(cluster, conf, partitions=1, n=3)
    c = Consumer({**conf, "group.id": "auto", "auto.offset.reset": "earliest"})
    c.assign([TopicPartition("t", 0)])
    drain(c, limit=3)
    cluster.advance(5_000)
    assert c.committed([TopicPartition("t", 0)])[0].offset == 3
    assert cluster.trace.last("auto_commit").reason.startswith("auto.commit.interval.ms")


def test_consumer_close_commits_final_offsets_and_refuses_calls(cluster, conf):
    """close() commits the store when auto-commit is on; later calls raise RuntimeError('Consumer closed')."""
    fill(cluster, conf, partitions=1, n=2)
    c = Consumer({**conf, "group.id": "closing", "auto.offset.reset": "earliest"})
    c.assign([TopicPartition("t", 0)])
    drain(c)
    c.close()
    probe = Consumer({**conf, "group.id": "closing"})
    assert probe.committed([TopicPartition("t", 0)])[0].offset == 2
    with pytest.raises(RuntimeError, match="Consumer closed"):
        c.poll(0)


def test_consumer_crashed_client_raises_kafka_exception(cluster, conf):
    """After cluster.crash(c) every call raises KafkaException (_DESTROY); nothing more is committed."""
    fill(cluster, conf, partitions=1, n=2)
    c = Consumer({**conf, "group.id": "dead", "auto.offset.reset": "earliest"})
    c.assign([TopicPartition("t", 0)])
    drain(c)
    cluster.crash(c)
    cluster.advance(60_000)
    assert "dead" not in cluster.group_coordinator.offsets.committed
    with pytest.raises(KafkaException) as info:
        c.poll(0)
    assert info.value.args[0].code() == KafkaError._DESTROY
