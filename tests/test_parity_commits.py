"""librdkafka parity of commits, config checks and error texts (issue 15, items 2, 3, 4 and 6).

Every expectation was observed with confluent-kafka 2.16.1 (librdkafka 2.16.0) on librdkafka's mock
cluster (one broker, id 1) and is quoted from librdkafka's sources where noted.
"""

import pytest

from kafkalab import Consumer, KafkaException, Producer, TopicPartition


def fill(cluster, conf, topic="t", partitions=2, n=10):
    cluster.create_topic(topic, partitions=partitions)
    p = Producer(conf)
    for i in range(n):
        p.produce(topic, value=f"v{i}", partition=0)
    assert p.flush() == 0


def consumer(conf, **extra):
    return Consumer({**conf, "group.id": "g", "auto.offset.reset": "earliest", "enable.auto.commit": False, **extra})


def raised(fn):
    with pytest.raises(KafkaException) as info:
        fn()
    err = info.value.args[0]
    return err.name(), err.str()


def committed(c, partition=0):
    return c.committed([TopicPartition("t", partition)])[0].offset


# -- item 2: auto-commit never moves backwards ------------------------------------------------------------
def test_auto_commit_does_not_commit_a_lower_stored_offset(cluster, conf):
    """Mock run: store 8, wait past auto.commit.interval.ms -> committed 8; store 3, wait -> still 8; commit()
    -> _NO_OFFSET; close() commits the store of the removed partition as it is (2).

    librdkafka rdkafka_partition.c ``rd_kafka_topic_partition_list_set_offsets``: only a stored position greater
    than the committed one goes into a commit; rdkafka_assignment.c ``rd_kafka_assignment_serve_removals``
    commits the stored offsets of removed partitions unconditionally.
    """
    fill(cluster, conf)
    c = consumer(conf, **{"enable.auto.commit": True, "auto.commit.interval.ms": 500,
                          "enable.auto.offset.store": False})
    c.assign([TopicPartition("t", 0)])
    assert len([m for m in c.consume(10, 2.0) if m.error() is None]) == 10
    c.store_offsets(offsets=[TopicPartition("t", 0, 8)])
    cluster.advance(1500)
    assert committed(c) == 8
    c.store_offsets(offsets=[TopicPartition("t", 0, 3)])
    cluster.advance(1500)
    assert committed(c) == 8
    assert raised(lambda: c.commit(asynchronous=False)) == ("_NO_OFFSET", "Commit failed: Local: No offset stored")
    c.store_offsets(offsets=[TopicPartition("t", 0, 2)])
    c.close()
    assert committed(consumer(conf)) == 2


def test_committed_offset_fetched_at_start_counts(cluster, conf):
    """A consumer that started from the group's committed offset 8 does not auto-commit a stored 3
    (librdkafka: the OffsetFetch answer sets ``rktp_committed_pos``, rdkafka_partition.c)."""
    fill(cluster, conf)
    c = consumer(conf)
    c.assign([TopicPartition("t", 0)])
    c.commit(offsets=[TopicPartition("t", 0, 8)], asynchronous=False)
    c.close()
    c = consumer(conf, **{"enable.auto.commit": True, "auto.commit.interval.ms": 500,
                          "enable.auto.offset.store": False})
    c.assign([TopicPartition("t", 0)])
    assert [m.offset() for m in c.consume(2, 2.0)] == [8, 9]
    c.store_offsets(offsets=[TopicPartition("t", 0, 3)])
    cluster.advance(1500)
    assert committed(c) == 8


# -- item 3: commit(offsets=...) with logical offsets ---------------------------------------------------
@pytest.mark.parametrize("logical", [-1001, -1, -2])
def test_commit_with_only_logical_offsets_raises_no_offset(cluster, conf, logical):
    """Mock run: commit(offsets=[TopicPartition("t", 0, -1001 | -1 | -2)], asynchronous=False) raises
    _NO_OFFSET "Commit failed: Local: No offset stored" (rdkafka_cgrp.c: no valid offsets -> _NO_OFFSET)."""
    fill(cluster, conf)
    c = consumer(conf)
    c.assign([TopicPartition("t", 0)])
    assert raised(lambda: c.commit(offsets=[TopicPartition("t", 0, logical)], asynchronous=False)) == (
        "_NO_OFFSET", "Commit failed: Local: No offset stored")
    assert raised(lambda: c.commit(offsets=[TopicPartition("t", 0)], asynchronous=False)) == (
        "_NO_OFFSET", "Commit failed: Local: No offset stored")


def test_commit_skips_logical_entries_and_commits_the_rest(cluster, conf):
    """Mock run: commit(offsets=[t0 -1001, t1 0], asynchronous=False) returns both entries as given (error None),
    commits t1 only; the asynchronous form calls on_commit(None, [t0 -1001, t1 0]); with no valid entry
    on_commit(_NO_OFFSET, [t0 -1001]). The common commit(offsets=c.position(c.assignment())) works."""
    fill(cluster, conf)
    seen = []
    c = consumer(conf, on_commit=lambda err, tps: seen.append((err and err.name(), [(tp.partition, tp.offset)
                                                                                   for tp in tps])))
    c.assign([TopicPartition("t", 0), TopicPartition("t", 1)])
    out = c.commit(offsets=[TopicPartition("t", 0, -1001), TopicPartition("t", 1, 0)], asynchronous=False)
    assert [(tp.topic, tp.partition, tp.offset, tp.error) for tp in out] == [("t", 0, -1001, None), ("t", 1, 0, None)]
    assert (committed(c, 0), committed(c, 1)) == (-1001, 0)
    c.commit(offsets=[TopicPartition("t", 0, -1001), TopicPartition("t", 1, 0)])
    c.commit(offsets=[TopicPartition("t", 0, -1001)])
    cluster.advance(100)
    c.pause(c.assignment())
    c.poll(0.1)
    c.resume(c.assignment())
    assert sorted(seen, key=str) == [("_NO_OFFSET", [(0, -1001)]), (None, [(0, -1001), (1, 0)])]
    assert [m.offset() for m in c.consume(3, 1.0)] == [0, 1, 2]
    out = c.commit(offsets=c.position(c.assignment()), asynchronous=False)   # t [1] has no position: skipped
    assert [(tp.partition, tp.offset) for tp in out] == [(0, 3), (1, -1001)]
    assert (committed(c, 0), committed(c, 1)) == (3, 0)


def test_async_commit_with_nothing_stored_reports_the_assignment(cluster, conf):
    """Mock run: commit() (asynchronous) with an empty offset store calls
    on_commit(_NO_OFFSET "Local: No offset stored", [t [0] -1001, t [1] -1001])."""
    fill(cluster, conf)
    seen = []
    c = consumer(conf, on_commit=lambda err, tps: seen.append((err.name(), err.str(),
                                                               [(tp.partition, tp.offset) for tp in tps])))
    c.assign([TopicPartition("t", 0), TopicPartition("t", 1)])
    assert c.commit() is None
    c.poll(0.1)
    assert seen == [("_NO_OFFSET", "Local: No offset stored", [(0, -1001), (1, -1001)])]


# -- item 4: max.poll.interval.ms >= session.timeout.ms -------------------------------------------------
def test_max_poll_interval_below_session_timeout_is_refused(conf):
    """rdkafka_conf.c ``rd_kafka_conf_finalize`` (classic protocol); the mock run raised exactly this."""
    assert raised(lambda: Consumer({**conf, "group.id": "g", "max.poll.interval.ms": 1000,
                                    "session.timeout.ms": 6000})) == (
        "_INVALID_ARG", "Failed to create consumer: `max.poll.interval.ms`must be >= `session.timeout.ms`")
    Consumer({**conf, "group.id": "g", "max.poll.interval.ms": 6000, "session.timeout.ms": 6000}).close()


# -- item 6: error texts and codes ------------------------------------------------------------------------
def test_max_poll_exceeded_event_text(cluster, conf):
    """rdkafka_cgrp.c ``rd_kafka_cgrp_max_poll_interval_check_tmr_cb``: the event says "Application maximum poll
    interval (%dms) exceeded by %dms"; "(adjust max.poll.interval.ms ...): leaving group" is only the log line."""
    fill(cluster, conf, partitions=1, n=1)
    c = consumer(conf, **{"max.poll.interval.ms": 7000, "session.timeout.ms": 6000})
    c.subscribe(["t"])
    assert c.poll(5.0).error() is None
    cluster.advance(9000)
    err = c.poll(0.1).error()
    assert err.name() == "_MAX_POLL_EXCEEDED"
    assert err.str().startswith("Application maximum poll interval (7000ms) exceeded by ")
    assert err.str().endswith("ms") and "adjust" not in err.str()


def test_auto_offset_reset_error_texts_and_offsets(cluster, conf):
    """Mock run, auto.offset.reset=error: with no committed offset the event is _AUTO_OFFSET_RESET "no previously
    committed offset available: Local: No offset stored" at offset -1001 (confluent-kafka shows None); from an
    offset out of range (50) "fetch failed due to requested offset not available on the broker: Broker: Offset out
    of range (broker 1)" at offset 50 (rdkafka_offset.c ``rd_kafka_offset_reset``)."""
    fill(cluster, conf)
    for start, text, offset in (
            (-1001, "no previously committed offset available: Local: No offset stored", -1001),
            (50, "fetch failed due to requested offset not available on the broker: Broker: Offset out of range "
                 "(broker 1)", 50)):
        c = consumer(conf, **{"auto.offset.reset": "error", "group.id": f"g{start}"})
        c.assign([TopicPartition("t", 0, start)])
        m = c.poll(2.0)
        assert (m.error().name(), m.error().str(), m.topic(), m.partition()) == ("_AUTO_OFFSET_RESET", text, "t", 0)
        assert m.offset() in (offset, None)
        c.close()


def test_seek_and_store_offsets_failures(cluster, conf):
    """Mock run: seek() of an unassigned partition of a known topic -> _STATE "Failed to seek to offset 0: Local:
    Erroneous state"; of an unknown topic -> _UNKNOWN_PARTITION "Failed to seek to offset 0: Local: Unknown
    partition"; store_offsets likewise "StoreOffsets failed: Local: Erroneous state" / "...: Local: Unknown
    partition", and with enable.auto.offset.store=true "StoreOffsets failed: Local: Invalid argument or
    configuration"; a duplicate incremental_assign -> _CONFLICT "t [0] is already part of the current assignment"."""
    fill(cluster, conf)
    c = consumer(conf, **{"enable.auto.offset.store": False})
    c.assign([TopicPartition("t", 0)])
    assert raised(lambda: c.seek(TopicPartition("t", 1, 0))) == ("_STATE", "Failed to seek to offset 0: Local: "
                                                                           "Erroneous state")
    assert raised(lambda: c.seek(TopicPartition("zz", 0, 0))) == ("_UNKNOWN_PARTITION", "Failed to seek to offset "
                                                                                        "0: Local: Unknown partition")
    assert raised(lambda: c.store_offsets(offsets=[TopicPartition("t", 1, 1)])) == (
        "_STATE", "StoreOffsets failed: Local: Erroneous state")
    assert raised(lambda: c.store_offsets(offsets=[TopicPartition("zz", 0, 1)])) == (
        "_UNKNOWN_PARTITION", "StoreOffsets failed: Local: Unknown partition")
    c.close()
    c = consumer(conf)
    c.incremental_assign([TopicPartition("t", 0)])
    assert raised(lambda: c.store_offsets(offsets=[TopicPartition("t", 0, 1)])) == (
        "_INVALID_ARG", "StoreOffsets failed: Local: Invalid argument or configuration")
    assert raised(lambda: c.incremental_assign([TopicPartition("t", 0)])) == (
        "_CONFLICT", "t [0] is already part of the current assignment")
