"""kafkalab.ShareConsumer end to end with the broker's share groups (KIP-932): the seed's question as asked.

Three share consumers read one partition; two accept their records; the third crashes holding one: the broker
sees its connection close and another consumer gets the record at once, delivery count 2 (Kafka 4.1+,
KAFKA-19015). A consumer that hangs instead (connection up, heartbeats going on) holds it until the
acquisition lock expires (``share.record.lock.duration.ms``). close() in implicit mode releases the last batch.
"""

from __future__ import annotations

import pytest

import kafkalab
from kafkalab import AcknowledgeType, ShareConsumer
from kafkalab.broker import apis

pytestmark = pytest.mark.skipif("ShareFetch" not in apis.HANDLERS, reason="the broker's share groups are not there")

GROUP = "workers"


def _setup(records=3, lock_ms=None):
    cluster = kafkalab.Cluster(seed=3)
    cluster.create_topic("jobs", partitions=1)
    configs = {"share.auto.offset.reset": "earliest"}
    if lock_ms is not None:
        configs["share.record.lock.duration.ms"] = lock_ms
    cluster.set_group_config(GROUP, configs)
    p = kafkalab.Producer({"bootstrap.servers": cluster.bootstrap_servers, "linger.ms": 0})
    for i in range(records):
        p.produce("jobs", f"job-{i}".encode(), partition=0)
        p.flush()
    return cluster


def _consumer(cluster, name, **conf):
    c = ShareConsumer({"bootstrap.servers": cluster.bootstrap_servers, "group.id": GROUP, "client.id": name,
                       "max.poll.records": 1, **conf})
    c.subscribe(["jobs"])
    return c


def _first(c, timeout_s=10):
    """Poll until a non-empty batch comes (or the timeout): its (offset, delivery count) pairs."""
    for _ in range(50):
        batch = c.poll(timeout_s / 50)
        if batch:
            return [(m.offset(), m.delivery_count()) for m in batch if m.error() is None]
    return []


def _three_hold_one_each(cluster):
    cs = [_consumer(cluster, f"c{i}") for i in (1, 2, 3)]
    got = [_first(c) for c in cs]
    assert sorted(off for g in got for off, _ in g) == [0, 1, 2], got
    assert all(dc == 1 for g in got for _, dc in g)
    return cs, got


def test_crash_hands_the_held_record_to_another_consumer_at_once_with_delivery_count_2():
    cluster = _setup()
    (c1, c2, c3), got = _three_hold_one_each(cluster)
    held = got[2][0][0]
    assert c1.commit_sync() and c2.commit_sync()            # the two accept (implicit mode: commit accepts)
    crashed_at = cluster.now_ms
    cluster.crash(c3)
    again = _first(c1)
    assert again == [(held, 2)]
    assert cluster.now_ms - crashed_at < 1000               # at once: far below the 30 s lock
    c1.close()
    c2.close()


def test_hang_holds_the_record_until_the_lock_expires():
    cluster = _setup(lock_ms=15000)
    (c1, c2, c3), got = _three_hold_one_each(cluster)
    held = got[2][0][0]
    c1.commit_sync()
    c2.commit_sync()
    hung_at = cluster.now_ms
    again = _first(c1, timeout_s=60)                        # c3 never polls again; its heartbeats go on
    assert again == [(held, 2)]
    assert 14_000 <= cluster.now_ms - hung_at <= 16_000
    for c in (c1, c2, c3):
        c.close()


def test_close_releases_the_last_batch_in_implicit_mode_and_commit_accepts_it():
    cluster = _setup(records=2)
    a = _consumer(cluster, "a", **{"max.poll.records": 2})
    first = _first(a)
    assert [dc for _, dc in first] == [1] * len(first)
    a.close()                                               # not accepted: released
    b = _consumer(cluster, "b", **{"max.poll.records": 10})
    assert _first(b)[0] == (first[0][0], 2)
    b.commit_sync()
    b.close()
    c = _consumer(cluster, "c")
    assert c.poll(2).is_empty()                             # accepted: never again
    c.close()


def test_explicit_release_and_reject():
    cluster = _setup(records=2)
    c = _consumer(cluster, "x", **{"share.acknowledgement.mode": "explicit"})
    results = []
    c.set_acknowledgement_commit_callback(lambda offsets, exc: results.append(exc))
    m = c.poll(5)[0]
    c.acknowledge(m, AcknowledgeType.RELEASE)
    again = c.poll(5)
    assert (again[0].offset(), again[0].delivery_count()) == (m.offset(), 2)
    c.acknowledge(again[0], AcknowledgeType.REJECT)
    assert all(exc is None for exc in c.commit_sync().values())
    assert results and all(exc is None for exc in results)
    c.close()
