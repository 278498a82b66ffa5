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
