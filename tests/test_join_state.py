"""The consumer's join state: an enum with a table of allowed transitions, each one traced with its reason."""

import ast
from pathlib import Path

import pytest

from kafkalab import Consumer, Producer
from kafkalab.client import consumer_coordinator
from kafkalab.client.consumer_membership import ALLOWED as MEMBER_ALLOWED
from kafkalab.client.consumer_membership import MemberJoinState
from kafkalab.client.join_state import ALLOWED, JoinState
from kafkalab.sim import library


def _member(conf, name, **extra):
    return Consumer({**conf, "group.id": "g", "client.id": name, "auto.offset.reset": "earliest",
                     "enable.auto.commit": False, **extra})


def _setup(cluster, conf):
    cluster.create_topic("orders", partitions=2)
    p = Producer(conf)
    for i in range(20):
        p.produce("orders", f"v{i}", partition=i % 2)
    p.flush()


def test_join_state_every_state_has_a_row():
    assert set(ALLOWED) == set(JoinState)
    assert all(new in JoinState for row in ALLOWED.values() for new in row)


def test_join_state_illegal_transition_raises_and_records_nothing(cluster, conf):
    _setup(cluster, conf)
    c = _member(conf, "a")
    c.subscribe(["orders"])
    coord = c._coordinator
    assert coord.state is JoinState.JOINING
    before = len(cluster.trace.events("join_state"))
    with pytest.raises(AssertionError, match="joining -> stable is not allowed"):
        coord._set_state(JoinState.STABLE, "skipping SyncGroup")
    assert coord.state is JoinState.JOINING
    assert len(cluster.trace.events("join_state")) == before


def test_join_state_transitions_are_traced_with_reasons(cluster, conf):
    """A member joins, a second one makes the group rebalance, the first one closes: every step is an event."""
    _setup(cluster, conf)
    a = _member(conf, "a")
    a.subscribe(["orders"])
    for _ in range(50):
        a.poll(0.1)
    b = _member(conf, "b")
    b.subscribe(["orders"])
    for _ in range(80):
        a.poll(0.1)
        b.poll(0.1)
    a.close()
    steps = [(e["old"], e["new"]) for e in cluster.trace.events("join_state", client_id="a")]
    assert steps[:3] == [("init", "joining"), ("joining", "syncing"), ("syncing", "stable")]
    assert ("stable", "init") in steps          # the heartbeat said REBALANCE_IN_PROGRESS
    assert steps[-1] == ("stable", "left")      # close() leaves the group
    for old, new in steps:
        assert JoinState(new) in ALLOWED[JoinState(old)]
    assert all(e.reason for e in cluster.trace.events("join_state"))
    assert {e["member_id"] for e in cluster.trace.events("join_state", client_id="b", new="stable")} != {""}


@pytest.mark.parametrize("name", library.names())
def test_join_state_library_transitions_chain_and_are_allowed(name):
    """Per consumer, each event's old state is the previous event's new state, starting from INIT (the
    consumer protocol's clients, which reconcile, by ``MemberJoinState``'s table)."""
    trace = library.run(name).trace
    kip848 = {e["client"] for e in trace.events("reconcile")}
    last: dict[str, JoinState | MemberJoinState] = {}
    for e in trace.events("join_state"):
        states, allowed = (MemberJoinState, MEMBER_ALLOWED) if e["client"] in kip848 else (JoinState, ALLOWED)
        old, new = states(e["old"]), states(e["new"])
        assert last.get(e["client"], states.INIT) is old
        assert new in allowed[old]
        last[e["client"]] = new


def test_join_state_assigned_only_in_set_state():
    """``state`` is assigned in ``__init__`` and ``_set_state`` only (no bare assignments elsewhere)."""
    tree = ast.parse(Path(consumer_coordinator.__file__).read_text(encoding="utf-8"))
    where = []
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef):
            for node in ast.walk(fn):
                if isinstance(node, ast.Assign) and any(
                        isinstance(t, ast.Attribute) and t.attr == "state" for t in node.targets):
                    where.append(fn.name)
    assert sorted(where) == ["__init__", "_set_state"]
