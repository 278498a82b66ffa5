"""Consumer apps under group.protocol=consumer (KIP-848): the sim's plumbing and the crash-before-commit-kip848
scenario's facts (survivors never revoked, c3 fenced 45 s after its last heartbeat, the same redeliveries)."""

import pytest

from kafkalab.lab import deliveries_frame, handover_frame
from kafkalab.sim import Scenario, library

FAST = {"group.initial.rebalance.delay.ms": 0}


def test_consumer_app_group_protocol_consumer_drops_the_classic_only_configs():
    """group_protocol="consumer" sets group.protocol and drops what librdkafka refuses under it; classic keeps all."""
    sc = Scenario(seed=1, name="gp", topics={"t": {"partitions": 1}}, broker_config=FAST)
    conf = {"session.timeout.ms": 10_000, "heartbeat.interval.ms": 1_000, "partition.assignment.strategy": "range",
            "max.poll.interval.ms": 60_000}
    new = sc.add_consumer("new", group="g", topics=["t"], config=conf, group_protocol="consumer")
    old = sc.add_consumer("old", group="h", topics=["t"], config=conf)
    new_conf, old_conf = new.client_config(), old.client_config()
    assert new_conf["group.protocol"] == "consumer" and new_conf["max.poll.interval.ms"] == 60_000
    assert not {"session.timeout.ms", "heartbeat.interval.ms", "partition.assignment.strategy"} & set(new_conf)
    assert "group.protocol" not in old_conf and old_conf["session.timeout.ms"] == 10_000
    assert "group_protocol" not in old.spec and new.spec["group_protocol"] == "consumer"
    with pytest.raises(ValueError, match="group_protocol"):
        sc.add_consumer("bad", group="g", topics=["t"], group_protocol="eager")
    again = Scenario.from_json(sc.to_json())
    assert again.apps["new"].client_config()["group.protocol"] == "consumer"


@pytest.fixture(scope="module")
def both():
    return (library.run("crash-before-commit", session_timeout_ms=45_000, end_ms=70_000),
            library.run("crash-before-commit-kip848"))


def test_crash_before_commit_kip848_survivors_keep_their_partitions(both):
    """No survivor is revoked; only c3's partition changes hands, after the broker's 45 s session timeout."""
    classic, kip848 = both
    crash_ms = kip848.trace.events("app_crash")[0].time_ms
    assert not [e for e in kip848.trace.events("revoked", group="billing") if e.time_ms > crash_ms]
    assert {e["client_id"] for e in classic.trace.events("revoked", group="billing") if e.time_ms > crash_ms} == \
        {"c1", "c2"}
    fenced = kip848.trace.events("member_fenced", group="billing")
    assert [(e["client_id"], e["cause"]) for e in fenced] == [("c3", "session_timeout")]
    assert fenced[0].time_ms - fenced[0]["last_heartbeat_ms"] == 45_000
    pause = handover_frame(kip848, group="billing", since_ms=crash_ms).attrs["pause_ms"]
    moved = [k for k, v in pause.items() if v > 0]
    assert len(moved) == 1 and pause[moved[0]] > 40_000


def test_crash_before_commit_kip848_redelivers_c3s_uncommitted_records(both):
    """The records c3 received after its last commit come twice under both protocols; nothing else does."""
    for sc in both:
        twice = deliveries_frame(sc, group="billing").query("deliveries > 1")
        last = sc.trace.events("offset_commit", client_id="c3")[-1]["offsets"][0]
        crash = sc.trace.events("app_crash")[0]
        assert set(twice["partition"]) == {last[1]} and twice["offset"].min() == last[2]
        assert twice["offset"].max() == crash["in_flight"][2] and (twice["deliveries"] == 2).all()
