"""Library scenarios: each lesson asserted from the trace alone."""

from __future__ import annotations

from collections import Counter

import pytest

from kafkalab.sim import library


def deliveries(trace, group):
    d = Counter()
    for e in trace.events("deliver", group=group):
        for o in range(e["first_offset"], e["last_offset"] + 1):
            d[(e["topic"], e["partition"], o)] += 1
    return d


def test_library_crash_before_commit_redelivers_exactly_the_uncommitted_records_and_ends_with_lag_zero():
    sc = library.run("crash-before-commit")
    tr = sc.trace
    crash = tr.last("app_crash", app="c3")
    topic, part, in_flight = crash["in_flight"]
    c3_commits = [e["offsets"][0][2] for e in tr.events("offset_commit", client_id="c3") if not e["error"]]
    last_committed = c3_commits[-1] if c3_commits else 0
    uncommitted = {(topic, part, o) for o in range(last_committed, in_flight + 1)}
    d = deliveries(tr, "billing")
    assert {k for k, v in d.items() if v == 2} == uncommitted and len(uncommitted) > 1
    assert max(d.values()) == 2
    removed = tr.last("member_removed", group="billing")
    assert removed["client_id"] == "c3" and removed["cause"] == "session_timeout"
    second = [e for e in tr.events("deliver", group="billing", partition=part) if e.time_ms > removed.time_ms]
    assert second and second[0]["first_offset"] == last_committed and second[0]["client_id"] != "c3"
    # final lag 0: each partition's last committed offset equals its end offset
    committed = {}
    for e in tr.events("offset_commit", group="billing"):
        if not e["error"]:
            for t, p, o in e["offsets"]:
                committed[(t, p)] = o
    ends = {}
    for e in tr.events("append", topic="orders"):
        ends[("orders", e["partition"])] = e["last_offset"] + 1
    assert committed == ends and sum(ends.values()) == 300


@pytest.mark.parametrize("name", library.names())
def test_library_every_scenario_has_a_lesson_runs_and_replays(name):
    assert len(library.lesson(name)) > 40
    sc = library.run(name)
    assert sc.now_ms == sc.end_ms and len(sc.trace) > 10
    assert not [o for o in sc.outcomes if o["error"] in ("TypeError", "AttributeError", "KeyError")]


def test_library_delivery_semantics_at_most_once_loses_one_at_least_once_repeats_one():
    sc = library.run("delivery-semantics")
    for app, lost, repeated in (("amo", 1, 0), ("alo", 0, 1)):
        crash = sc.trace.last("app_crash", app=app)
        seen = Counter(e["offset"] for e in sc.trace.events("app_processed", app=app))
        assert len(set(range(60)) - set(seen)) == lost
        assert sum(1 for n in seen.values() if n == 2) == repeated
        offset = crash["record"][2]
        assert seen[offset] == (0 if app == "amo" else 2)


def test_library_read_committed_skips_the_aborted_transaction():
    sc = library.run("transactions-read-committed")
    abort = sc.trace.last("control_record", control="ABORT")
    aborted = set(range(abort["first_offset"], abort["offset"]))
    rc = {e["offset"] for e in sc.trace.events("app_processed", app="rc")}
    ru = {e["offset"] for e in sc.trace.events("app_processed", app="ru")}
    assert aborted and not (rc & aborted) and aborted <= ru


def test_library_exactly_once_pipeline_no_duplicate_output_but_side_effect_twice():
    sc = library.run("exactly-once-pipeline")
    for app in ("alo", "eos"):
        effects = Counter(tuple(s["input"]) for s in sc.sink if s["app"] == app)
        assert sorted(effects.values())[-1] == 2 and len(effects) == 40
    from kafkalab import Consumer, TopicPartition
    counts = {}
    for topic in ("receipts-alo", "receipts-eos"):
        r = Consumer(sc.client_config(**{"group.id": f"check-{topic}", "isolation.level": "read_committed"}))
        r.assign([TopicPartition(topic, 0, 0)])
        got = [m.value() for m in (r.poll(0.05) for _ in range(120)) if m is not None and m.error() is None]
        counts[topic] = Counter(got)
    assert max(counts["receipts-alo"].values()) == 2
    assert max(counts["receipts-eos"].values()) == 1 and len(counts["receipts-eos"]) == 40


def test_library_slow_consumer_becomes_a_zombie_whose_commit_fails():
    sc = library.run("slow-consumer-zombie")
    assert sc.trace.events("max_poll_exceeded")
    errors = {o["error"] for o in sc.outcomes if o["app"] == "slow"}
    assert errors & {"UNKNOWN_MEMBER_ID", "ILLEGAL_GENERATION"}


def test_library_every_consumer_reads_everything_in_its_own_group():
    sc = library.run("every-consumer-reads-everything")
    for g in ("a", "b", "c"):
        d = deliveries(sc.trace, f"group-{g}")
        assert len(d) == 120
        assert any(v == 2 for v in d.values()) is (g == "c")


def test_library_commit_is_not_delete_records_stay_until_retention():
    sc = library.run("commit-is-not-delete")
    first_commit = sc.trace.events("offset_commit", group="billing")[0]
    deleted = sc.trace.events("segment_deleted", topic="orders")
    assert deleted and deleted[0]["cause"] == "time"
    assert deleted[0].time_ms - first_commit.time_ms >= 20_000
    assert deleted[0].time_ms - deleted[0]["largest_timestamp"] >= 20_000   # retention.ms, not the commit


def test_library_lagging_group_falls_off_and_skips_records():
    sc = library.run("lagging-group-falls-off")
    reset = sc.trace.last("offset_reset", group="slow")
    assert reset["skipped"] > 0 and reset["to_offset"] > reset["from_offset"]
    after = [e for e in sc.trace.events("deliver", group="slow") if e.time_ms >= reset.time_ms]
    assert after and after[0]["first_offset"] == reset["to_offset"]        # the skipped offsets never come
    assert len(deliveries(sc.trace, "fast")) == 800


def test_library_lost_ack_duplicates_without_idempotence_only():
    sc = library.run("lost-ack-duplicate")
    assert sc.cluster.partition("plain", 0).high_watermark == 12      # 11 records, one written twice
    assert sc.cluster.partition("idem", 0).high_watermark == 11
    assert sc.trace.events("produce_duplicate", topic="idem") and not sc.trace.events("produce_duplicate",
                                                                                       topic="plain")


def test_library_crash_before_commit_auto_commit_loses_the_record_in_flight_only_if_a_commit_ran_meanwhile():
    """c3 on confluent-kafka's defaults (auto-commit, offset stored at poll): crashed at 10.1 s an auto-commit
    ran while offset 66 was processed, so it is never processed; crashed at 8 s the records since the last
    auto-commit are processed twice and none is lost. Keys are balanced: 100 records per partition."""
    for crash_ms, lost, twice in ((10_100, [66], []), (8_000, [], list(range(33, 52)))):
        tr = library.run("crash-before-commit", c3_commit="auto", crash_ms=crash_ms).trace
        done: dict[int, int] = {}
        for ev in tr.events("app_processed", partition=2):
            done[ev["offset"]] = done.get(ev["offset"], 0) + 1
        assert [o for o in range(100) if o not in done] == lost
        assert sorted(o for o, n in done.items() if n == 2) == twice
        assert max(ev["last_offset"] for ev in tr.events("append", partition=2)) == 99


def _owners_in_generation(tr, group, generation_id):
    return {(t, p): e["client_id"] for e in tr.events("assigned", group=group, generation_id=generation_id)
            for t, p in e["partitions"]}


def test_library_crash_before_commit_survivors_committing_by_hand_every_5s_get_their_uncommitted_records_again():
    """survivor_commit="every_ms" (by hand, nothing in on_revoke) and a producer still writing at the eager
    rebalance: for each survivor's partition, the offsets from its last commit before the revoke up to the last
    record it processed are delivered again, to the partition's owner in generation 2 (orders-1: c2 -> c1;
    orders-0 back to c1 itself)."""
    tr = library.run("crash-before-commit", records=600, survivor_commit="every_ms").trace
    revoked = {e["client_id"]: e for e in tr.events("revoked", group="billing")}
    assert set(revoked) == {"c1", "c2"} and tr.last("append", topic="orders").time_ms > max(
        e.time_ms for e in revoked.values())
    gen1, gen2 = _owners_in_generation(tr, "billing", 1), _owners_in_generation(tr, "billing", 2)
    assert gen2 == {("orders", 0): "c1", ("orders", 1): "c1", ("orders", 2): "c2"}
    expected = {}
    for tp, owner in gen1.items():
        if owner == "c3":
            continue
        t_rev = revoked[owner].time_ms
        commits = [o for e in tr.events("offset_commit", client_id=owner) if e.time_ms <= t_rev and not e["error"]
                   for t, p, o in e["offsets"] if (t, p) == tp]
        done = [e["offset"] for e in tr.events("app_processed", app=owner, partition=tp[1]) if e.time_ms <= t_rev]
        assert commits[-1] <= done[-1]
        expected.update({(*tp, o): (owner, gen2[tp]) for o in range(commits[-1], done[-1] + 1)})
    assert len(expected) == 38      # orders-0 100..119 (c1, c1), orders-1 102..119 (c2, c1)
    got = {}
    for e in tr.events("deliver", group="billing"):
        for o in range(e["first_offset"], e["last_offset"] + 1):
            got.setdefault((e["topic"], e["partition"], o), []).append(e["client_id"])
    twice = {k: tuple(v) for k, v in got.items() if len(v) > 1 and k[1] != 2}
    assert twice == expected and max(len(v) for v in got.values()) == 2


def test_library_crash_before_commit_survivors_on_auto_commit_commit_on_revoke_and_nothing_of_theirs_comes_again():
    """survivor_commit="auto": librdkafka commits the offset store of revoked partitions (rdkafka_assignment.c),
    so only the crashed member's records are delivered twice."""
    tr = library.run("crash-before-commit", records=600, survivor_commit="auto").trace
    on_revoke = [e for e in tr.events("auto_commit", group="billing") if e.reason == "before partitions are revoked"]
    assert sorted(e["client_id"] for e in on_revoke) == ["c1", "c2"]
    d = deliveries(tr, "billing")
    assert {k for k, v in d.items() if v > 1} == {("orders", 2, o) for o in (50, 51, 52)}


def test_library_crash_before_commit_survivor_commit_is_validated():
    with pytest.raises(ValueError, match="commit must be one of"):
        library.get("crash-before-commit", survivor_commit="sometimes")


def test_library_zombie_async_commit_failure_reaches_on_commit() -> None:
    """With commit="after_each_async" the zombie's late commit does not raise; UNKNOWN_MEMBER_ID reaches on_commit."""
    sync = library.run("slow-consumer-zombie", seed=7)
    async_ = library.run("slow-consumer-zombie", seed=7, commit="after_each_async")
    commits = [[(o["where"], o["error"], o["text"]) for o in run.outcomes if "commit" in o["where"]]
               for run in (sync, async_)]
    assert commits == [[("commit after each record", "UNKNOWN_MEMBER_ID", "Commit failed: Broker: Unknown member")],
                       [("on_commit (asynchronous commit)", "UNKNOWN_MEMBER_ID", "Broker: Unknown member")]]
