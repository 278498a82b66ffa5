"""Trace: ``until`` gives the trace as it was at a moment, without changing the original."""

from __future__ import annotations

import pytest

import kafkalab
from kafkalab import Producer


def test_until_keeps_events_up_to_the_moment_and_leaves_the_trace_alone() -> None:
    cluster = kafkalab.Cluster(seed=1)
    cluster.create_topic("t", 1)
    producer = Producer({"bootstrap.servers": cluster.bootstrap_servers})
    producer.produce("t", b"a")
    producer.flush()
    cluster.advance(10_000)
    producer.produce("t", b"b")
    producer.flush()
    whole = cluster.trace.events()
    then = cluster.trace.until(5_000)
    assert [ev.seq for ev in then] == [ev.seq for ev in whole if ev.time_ms <= 5_000]
    assert 0 < len(then) < len(whole) and len(cluster.trace) == len(whole)
    assert len(then.events("append")) == 1 and len(cluster.trace.events("append")) == 2
    with pytest.raises(TypeError, match="time_ms must be an int"):
        cluster.trace.until("5s")
