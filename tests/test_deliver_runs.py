"""Coalesced ``deliver`` events: a published event never changes once a later event is published.

``poll`` hands records out one by one; the consumer records a run of consecutive offsets as one
``deliver`` event, which may still grow while it is the trace's last event (``Trace.defer``). Reading
the trace must not change what it ends up holding.
"""

from __future__ import annotations

import kafkalab
from kafkalab import Consumer, Producer, TopicPartition


def _cluster_with_records(per_partition: int = 6) -> kafkalab.Cluster:
    cluster = kafkalab.Cluster(seed=3)
    cluster.create_topic("t", partitions=2)
    producer = Producer({"bootstrap.servers": cluster.bootstrap_servers})
    for i in range(2 * per_partition):
        producer.produce("t", b"v%d" % i, partition=i % 2)
    producer.flush()
    return cluster


def _two_consumers(cluster: kafkalab.Cluster) -> list[Consumer]:
    out = []
    for p in range(2):
        c = Consumer({"bootstrap.servers": cluster.bootstrap_servers, "group.id": f"g{p}", "client.id": f"c{p}",
                      "enable.auto.commit": False})
        c.assign([TopicPartition("t", p, 0)])
        out.append(c)
    return out


def _snapshot(trace) -> list[tuple]:
    return [(e.seq, e.time_ms, e.kind, dict(e.fields), e.reason) for e in trace]


def _interleave(cluster: kafkalab.Cluster, read: bool) -> tuple[list[tuple], list[list[tuple]]]:
    """The two consumers take turns on the poll fast path (same millisecond); ``read``: snapshot each turn."""
    consumers = _two_consumers(cluster)
    first = [c.poll(1.0) for c in consumers]       # fetch: the rest of each partition is buffered
    assert all(m is not None and m.error() is None for m in first)
    snapshots = []
    now = cluster.now_ms
    for _ in range(5):
        for c in consumers:
            msg = c.poll(0)
            assert msg is not None and msg.error() is None
            if read:
                snapshots.append(_snapshot(cluster.trace))
    assert cluster.now_ms == now                   # all on the fast path, in one millisecond
    return _snapshot(cluster.trace), snapshots


def test_deliver_runs_published_events_never_change_after_a_later_event():
    final, snapshots = _interleave(_cluster_with_records(), read=True)
    for snap in snapshots:
        # Every event but the last one of a snapshot is final; the last one may only grow (same seq,
        # kind, first offset) while nothing is published after it.
        assert snap[:-1] == final[:len(snap) - 1]
        last = snap[-1]
        later = final[last[0]]
        assert later[:3] == last[:3] and later[3]["first_offset"] == last[3]["first_offset"]


def test_deliver_runs_reading_the_trace_changes_nothing():
    with_reads, _ = _interleave(_cluster_with_records(), read=True)
    without_reads, _ = _interleave(_cluster_with_records(), read=False)
    assert with_reads[1:] == without_reads[1:]      # event 0 names the cluster (cluster-N)


def test_deliver_runs_cover_every_record_once_in_delivery_order():
    final, _ = _interleave(_cluster_with_records(), read=False)
    delivered = [(e[3]["partition"], o) for e in final if e[2] == "deliver"
                 for o in range(e[3]["first_offset"], e[3]["last_offset"] + 1)]
    assert delivered == [(0, 0), (1, 0)] + [(p, o) for o in range(1, 6) for p in (0, 1)]


def test_deliver_runs_one_consumer_coalesces_a_whole_run():
    cluster = _cluster_with_records()
    c = _two_consumers(cluster)[0]
    assert c.poll(1.0) is not None
    for _ in range(5):
        assert c.poll(0) is not None
        len(cluster.trace)                         # a read publishes the open run; it keeps growing
    runs = [(e["first_offset"], e["last_offset"]) for e in cluster.trace.events("deliver")]
    assert runs == [(0, 5)]


def test_deliver_runs_one_consumer_two_partitions_one_run_each():
    """A new run of the same consumer (the next partition's records) ends its previous run first."""
    cluster = _cluster_with_records()
    c = Consumer({"bootstrap.servers": cluster.bootstrap_servers, "group.id": "g", "enable.auto.commit": False})
    c.assign([TopicPartition("t", 0, 0), TopicPartition("t", 1, 0)])
    assert c.poll(1.0) is not None
    now = cluster.now_ms
    for _ in range(11):
        assert c.poll(0) is not None
        len(cluster.trace)
    assert cluster.now_ms == now
    runs = [(e["partition"], e["first_offset"], e["last_offset"]) for e in cluster.trace.events("deliver")]
    assert runs == [(0, 0, 5), (1, 0, 5)]
