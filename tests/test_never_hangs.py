"""A learner's kernel never hangs: every verb that takes virtual time returns promptly for huge values.

Before issue 15, ``cluster.advance(2**63)`` never returned: the log cleaner woke every
``log.retention.check.interval.ms`` whether or not anything could expire (and the offsets-expiry
check and the auto-commit timer the same way). Idle periodic tasks now sleep until something can
become due (``kafkalab.broker.periodic``), time stops at ``kafkalab.clock.MAX_TIME_MS`` (Kafka's int64
timestamps), client timeouts longer than librdkafka's int32 milliseconds wait as infinite ones do (at
most ``INFINITE_WAIT_CAP_MS``), and ``Scenario.run`` covers at most ``MAX_RUN_MS`` per call. Each call
here runs under a wall-clock alarm, so a hang fails the test instead of blocking CI.
"""

from __future__ import annotations

import contextlib
import signal
import time

import pytest

import kafkalab
from kafkalab import Consumer, KafkaException, Producer, TopicPartition
from kafkalab.clock import MAX_TIME_MS
from kafkalab.sim.scenario import MAX_RUN_MS, Scenario

LIMIT_S = 10
HUGE_S = (1e7, 1e12, float(2**63), float("inf"))


class Hang(Exception):
    pass


@contextlib.contextmanager
def prompt(what: str, limit_s: float = LIMIT_S):
    """Fail (rather than block) if the body runs longer than ``limit_s`` seconds of wall time."""
    def on_alarm(signum, frame):
        raise Hang(f"{what}: no answer within {limit_s} s of wall time")
    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, limit_s)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def busy_cluster():
    """A cluster with a bit of everything periodic: retention, compaction, groups, offsets, a transaction."""
    cluster = kafkalab.Cluster(seed=7)
    conf = {"bootstrap.servers": cluster.bootstrap_servers}
    cluster.create_topic("t", partitions=2, config={"retention.ms": 3_600_000})
    cluster.create_topic("kv", partitions=1, config={"cleanup.policy": "compact", "segment.bytes": 200})
    p = Producer(conf)
    for i in range(20):
        p.produce("t", value=f"v{i}", partition=i % 2)
        p.produce("kv", key=f"k{i % 3}", value=f"v{i}")
    assert p.flush() == 0
    group = Consumer({**conf, "group.id": "g", "auto.offset.reset": "earliest"})
    group.subscribe(["t"])
    static = Consumer({**conf, "group.id": "s", "group.instance.id": "s-1", "auto.offset.reset": "earliest"})
    static.subscribe(["t"])
    standalone = Consumer({**conf, "group.id": "a", "auto.offset.reset": "earliest"})
    standalone.assign([TopicPartition("t", 0)])
    for c in (group, static, standalone):
        assert c.consume(5, 10.0)
    txn = Producer({**conf, "transactional.id": "tx", "transaction.timeout.ms": 60_000})
    txn.init_transactions()
    txn.begin_transaction()
    txn.produce("t", value="pending", partition=0)
    txn.flush()
    return cluster, conf, (group, static, standalone, txn)


def test_cluster_advance_to_the_end_of_time_is_instant():
    """The issue's case: advance(2**63) looped for ever; the largest advance now takes milliseconds and
    every periodic task still did its work on time (retention, the transaction timeout, offsets expiry)."""
    cluster, _conf, _clients = busy_cluster()
    with prompt("cluster.advance(MAX_TIME_MS - now)"):
        start = time.perf_counter()
        cluster.advance(MAX_TIME_MS - cluster.now_ms)
        assert time.perf_counter() - start < 5
    assert cluster.now_ms == MAX_TIME_MS
    kinds = {ev.kind for ev in cluster.trace.events()}
    assert {"segment_deleted", "log_cleaned", "offsets_expired", "max_poll_exceeded", "producer_fenced"} <= kinds
    fenced = cluster.trace.events("producer_fenced")[0]
    assert "transaction.timeout.ms=60000 expired" in fenced.reason and fenced.time_ms < 100_000
    assert cluster.log_cleaner.checks > 10**12       # the skipped checks of quiet periods are counted
    with pytest.raises(ValueError, match="MAX_TIME_MS"):
        cluster.advance(1)


def test_advance_beyond_the_int64_clock_is_refused():
    cluster = kafkalab.Cluster(seed=7)
    with prompt("cluster.advance(2**63)"), pytest.raises(ValueError, match="MAX_TIME_MS"):
        cluster.advance(2**63)
    assert cluster.now_ms == 0


def test_idle_checks_are_skipped_but_outcomes_are_the_same():
    """Retention still deletes at the first check after retention.ms (grid 30 s + k * 300 s), even after a long
    quiet period, and a record produced after a quiet day is deleted on the same fixed-rate grid."""
    cluster = kafkalab.Cluster(seed=7)
    conf = {"bootstrap.servers": cluster.bootstrap_servers}
    cluster.create_topic("t", partitions=1, config={"retention.ms": 1_000_000})
    p = Producer(conf)
    p.produce("t", value="a")
    p.flush()
    cluster.advance(86_400_000)
    first = cluster.trace.events("segment_deleted")[0].time_ms
    assert first == 30_000 + 4 * 300_000     # first grid point after 1_000_000 ms of retention
    cluster.advance(7 * 86_400_000)
    p.produce("t", value="b")
    p.flush()
    produced = cluster.now_ms
    cluster.advance(86_400_000)
    second = cluster.trace.events("segment_deleted")[-1].time_ms
    assert (second - 30_000) % 300_000 == 0 and 1_000_000 < second - produced <= 1_300_000


@pytest.mark.parametrize("huge", HUGE_S)
def test_client_waits_with_huge_timeouts_return(huge):
    """poll/consume/flush/list_topics/committed/transactions with timeouts far beyond librdkafka's int32 ms."""
    _cluster, conf, (group, static, standalone, txn) = busy_cluster()
    producer = Producer(conf)
    producer.produce("t", value="x")
    calls = {
        "consumer.poll": lambda: group.poll(huge),
        "consumer.consume": lambda: standalone.consume(1000, huge),
        "consumer.committed": lambda: standalone.committed([TopicPartition("t", 0)], timeout=huge),
        "consumer.list_topics": lambda: standalone.list_topics(timeout=huge),
        "producer.flush": lambda: producer.flush(huge),
        "producer.poll": lambda: producer.poll(huge),
        "txn.commit_transaction": lambda: txn.commit_transaction(huge),
        "static.poll": lambda: static.poll(huge),
    }
    for what, call in calls.items():
        with prompt(what), contextlib.suppress(KafkaException):
            call()


def test_consume_with_an_infinite_timeout_returns_when_nothing_comes():
    """consume(timeout=-1) used to loop for ever when no record ever came (the infinite poll gives up after
    INFINITE_WAIT_CAP_MS of virtual time; consume now does too)."""
    cluster = kafkalab.Cluster(seed=7)
    cluster.create_topic("t", partitions=1)
    c = Consumer({"bootstrap.servers": cluster.bootstrap_servers, "group.id": "g"})
    c.assign([TopicPartition("t", 0)])
    with prompt("consume(10, -1)"):
        assert c.consume(10, -1) == []


def test_scenario_run_is_bounded():
    sc = Scenario(seed=2, name="s", topics={"t": {"partitions": 1}})
    sc.add_producer("p", topic="t", rate_per_s=5, count=5)
    sc.add_consumer("c", group="g", topics=["t"])
    for until in (2**63, MAX_TIME_MS, MAX_RUN_MS + 1):
        with prompt(f"scenario.run({until})"), pytest.raises(ValueError, match="MAX_RUN_MS"):
            sc.run(until)
    with prompt("scenario.run(MAX_RUN_MS)", 30):
        sc.run(MAX_RUN_MS)
    assert sc.now_ms == MAX_RUN_MS
