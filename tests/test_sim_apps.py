"""Simulated apps: commit policies, crash points, restarts, pipelines (kafkalab.sim.apps*)."""

from __future__ import annotations

from collections import Counter

import pytest

from kafkalab.sim import Scenario

FAST = {"group.initial.rebalance.delay.ms": 0}


def deliveries(sc, group):
    d = Counter()
    for e in sc.trace.events("deliver", group=group):
        for o in range(e["first_offset"], e["last_offset"] + 1):
            d[(e["topic"], e["partition"], o)] += 1
    return d


def one_consumer(commit, point, commit_every=10, records=30):
    sc = Scenario(seed=3, name=f"t-{commit}-{point}", topics={"orders": {"partitions": 1}}, broker_config=FAST)
    sc.add_producer("p", topic="orders", rate_per_s=50, count=records)
    sc.add_consumer("c", group="g", topics=["orders"], processing_ms=20, commit=commit, commit_every=commit_every,
                    config={"session.timeout.ms": 6_000})
    sc.at(300, "crash", app="c", point=point)
    sc.at(500, "restart", app="c")
    return sc.run(15_000)


@pytest.mark.parametrize("commit, point, redelivered", [
    ("after_each", "mid_processing", 1),        # only the record in flight comes again
    ("after_each", "after_processing", 1),      # processed, not committed: it comes again
    ("after_each", "after_commit", 0),          # committed: nothing comes again
    ("none", "mid_processing", None),           # nothing ever committed: everything seen comes again
])
def test_apps_crash_points_and_commit_policies_give_the_redeliveries_kafka_gives(commit, point, redelivered):
    sc = one_consumer(commit, point)
    crash = sc.trace.last("app_crash", app="c")
    assert crash["point"] == point
    d = deliveries(sc, "g")
    assert set(d) == {("orders", 0, o) for o in range(30)}      # nothing lost
    twice = sorted(k for k, v in d.items() if v == 2)
    processed_before = [e for e in sc.trace.events("app_processed", app="c", instance=1)]
    if redelivered is None:
        assert len(twice) >= len(processed_before) >= 1
    else:
        assert len(twice) == redelivered
    assert sc.trace.last("app_restart", app="c")["instance"] == 2


def test_apps_commit_before_processing_loses_the_record_on_a_crash_after_commit():
    sc = one_consumer("before_processing", "after_commit")
    crash = sc.trace.last("app_crash", app="c")
    processed = {e["offset"] for e in sc.trace.events("app_processed", app="c")}
    lost = set(range(30)) - processed
    assert len(lost) == 1 and all(v == 1 for v in deliveries(sc, "g").values())
    assert crash.time_ms >= 300


def test_apps_every_n_commits_in_batches_and_redelivers_the_uncommitted_tail():
    sc = one_consumer("every_n", "mid_processing", commit_every=4)
    commits = [e["offsets"][0][2] for e in sc.trace.events("offset_commit", client_id="c") if not e["error"]]
    first_instance = [o for o in commits[:3]]
    assert all(o % 4 == 0 for o in first_instance)
    assert sum(1 for v in deliveries(sc, "g").values() if v == 2) >= 1


def test_apps_restart_is_a_new_member_and_static_keeps_group_instance_id():
    for static in (False, True):
        sc = Scenario(seed=5, name=f"static-{static}", topics={"t": {"partitions": 2}}, broker_config=FAST)
        sc.add_consumer("c", group="g", topics=["t"], static=static, config={"session.timeout.ms": 6_000})
        sc.run(1_000)
        first = sc.apps["c"].member_id()
        sc.act("crash", app="c")
        sc.act("restart", app="c")
        sc.run(15_000)                          # past session.timeout.ms: the old dynamic member is gone
        second = sc.apps["c"].member_id()
        assert first and second and first != second
        assert (sc.apps["c"].consumer._conf.get("group.instance.id") == "c") is static
        replaced = sc.trace.events("member_replaced", group="g")
        assert bool(replaced) is static        # a static member rejoining replaces its old member id at once


def test_apps_slow_consumer_exceeds_max_poll_interval_and_the_error_is_an_outcome():
    sc = Scenario(seed=2, name="slow", topics={"t": {"partitions": 1}}, broker_config=FAST)
    sc.add_producer("p", topic="t", rate_per_s=5, count=5)
    sc.add_consumer("c", group="g", topics=["t"], processing_ms=8_000,
                    config={"max.poll.interval.ms": 6_000, "session.timeout.ms": 6_000})
    sc.run(30_000)
    assert any(o["error"] == "_MAX_POLL_EXCEEDED" for o in sc.outcomes)
    assert sc.trace.events("app_outcome", app="c")


@pytest.mark.parametrize("mode", ["at_least_once", "exactly_once"])
def test_apps_pipeline_crash_after_processing_double_counts_the_side_effect(mode):
    sc = Scenario(seed=1, name=f"pipe-{mode}", topics={"in": {"partitions": 1}, "out": {"partitions": 1}},
                  broker_config=FAST)
    sc.add_producer("src", topic="in", rate_per_s=10, count=20)
    sc.add_pipeline("etl", group="etl", input="in", output="out", mode=mode, config={"session.timeout.ms": 6_000})
    sc.at(1_000, "crash", app="etl", point="after_processing")
    sc.at(1_500, "restart", app="etl")
    sc.run(20_000)
    effects = Counter(tuple(s["input"]) for s in sc.sink)
    assert sorted(effects) == [("in", 0, o) for o in range(20)]
    assert sorted(effects.values())[-1] == 2                   # the side effect outside Kafka happened twice
    log = sc.cluster.partition("out", 0)
    from kafkalab import Consumer, TopicPartition
    reader = Consumer(sc.client_config(**{"group.id": "reader", "auto.offset.reset": "earliest"}))
    reader.assign([TopicPartition("out", 0, 0)])
    values = []
    for _ in range(100):
        m = reader.poll(0.05)
        if m is not None and m.error() is None:
            values.append(m.value())
    dup = [v for v, n in Counter(values).items() if n > 1]
    assert len(set(values)) == 20
    assert (len(dup) == 1) is (mode == "at_least_once")         # read_committed readers see no duplicate with EOS
    assert log.high_watermark >= 20


def test_apps_producer_transactions_abort_by_script_hides_records_from_read_committed():
    sc = Scenario(seed=4, name="txn", topics={"t": {"partitions": 1}}, broker_config=FAST)
    sc.add_producer("p", topic="t", rate_per_s=10, transactional=True, transaction_records=None, count=10)
    sc.at(2_000, "abort_transaction", app="p")
    sc.run(3_000)
    assert sc.trace.events("control_record")
    log = sc.cluster.partition("t", 0)
    assert log.last_stable_offset == log.high_watermark


def test_apps_consumer_auto_store_after_processing_commits_only_processed_records():
    """commit="auto_store_after_processing": enable.auto.offset.store=false, store_offsets() after processing; a crash
    mid-processing redelivers the record in progress (at-least-once), where plain "auto" can lose it."""
    from kafkalab.sim import Scenario
    sc = Scenario(seed=3, name="store", topics={"t": {"partitions": 1}},
                  broker_config={"group.initial.rebalance.delay.ms": 0})
    sc.add_producer("p", topic="t", rate_per_s=50, count=30)
    sc.add_consumer("c", group="g", topics=["t"], processing_ms=300, commit="auto_store_after_processing",
                    config={"auto.commit.interval.ms": 1_000, "session.timeout.ms": 6_000})
    sc.crash("c", point="mid_processing", at_ms=4_000)
    sc.restart("c", at_ms=4_500)
    sc.run(25_000)
    done = [ev["offset"] for ev in sc.trace.events("app_processed", app="c")]
    assert sorted(set(done)) == list(range(30))
    commits = [ev["offsets"] for ev in sc.trace.events("auto_commit")]
    crash = sc.trace.last("app_crash", app="c")
    assert crash["in_flight"] is not None and done.count(crash["in_flight"][2]) == 1 and commits
