"""The broker-side KIP-848 assignors (kafkalab.broker.server_assignors): balance, stickiness, ranges."""

from __future__ import annotations

import random

from kafkalab.broker.server_assignors import ASSIGNORS, AssignmentMember, assignor_name, range_, uniform


def _m(mid, topics=("t",), instance=None):
    return AssignmentMember(mid, instance, frozenset(topics))


def _check_complete(out, partitions, members):
    every = [tp for tps in out.values() for tp in tps]
    assert len(every) == len(set(every)), "a partition assigned twice"
    wanted = {(t, p) for t, n in partitions.items() for p in range(n)
              if any(t in m.topics for m in members)}
    assert set(every) == wanted
    for m in members:
        assert all(t in m.topics for t, _ in out[m.member_id])


def test_names():
    assert set(ASSIGNORS) == {"uniform", "range"}
    assert assignor_name("org.apache.kafka.coordinator.group.assignor.UniformAssignor") == "uniform"
    assert assignor_name("range") == "range"
    assert assignor_name("sticky") is None


def test_uniform_balances_and_is_sticky_when_a_member_leaves():
    parts = {"t": 12}
    members = [_m(x) for x in "abcd"]
    first = uniform(members, parts, {})
    _check_complete(first, parts, members)
    assert sorted(len(v) for v in first.values()) == [3, 3, 3, 3]
    survivors = members[:3]
    second = uniform(survivors, parts, first)
    _check_complete(second, parts, survivors)
    assert sorted(len(v) for v in second.values()) == [4, 4, 4]
    for m in survivors:                            # nobody loses a partition: only d's move
        assert first[m.member_id] <= second[m.member_id]


def test_uniform_new_member_takes_only_the_excess():
    parts = {"t": 6, "u": 3}
    members = [_m(x, ("t", "u")) for x in "ab"]
    first = uniform(members, parts, {})
    members.append(_m("c", ("t", "u")))
    second = uniform(members, parts, first)
    _check_complete(second, parts, members)
    assert sorted(len(v) for v in second.values()) == [3, 3, 3]
    moved = sum(len(first[m] - second[m]) for m in ("a", "b"))
    assert moved == 3


def test_uniform_heterogeneous_random_is_valid_and_balanced_where_possible():
    rng = random.Random(5)
    for _ in range(200):
        topics = {f"t{i}": rng.randint(1, 6) for i in range(rng.randint(1, 4))}
        members = [_m(f"m{i}", rng.sample(sorted(topics), rng.randint(1, len(topics))))
                   for i in range(rng.randint(1, 6))]
        prev = uniform(members, topics, {})
        _check_complete(prev, topics, members)
        members = members[:-1] or members
        out = uniform(members, topics, prev)
        _check_complete(out, topics, members)
        if len({m.topics for m in members}) == 1:
            sizes = [len(v) for v in out.values()]
            assert max(sizes) - min(sizes) <= 1


def test_range_gives_contiguous_ranges_static_members_first():
    parts = {"t": 5}
    members = [_m("z"), _m("a"), _m("q", instance="i1")]
    out = range_(members, parts, {})
    _check_complete(out, parts, members)
    assert sorted(out["q"]) == [("t", 0), ("t", 1)]
    assert sorted(out["a"]) == [("t", 2), ("t", 3)]
    assert sorted(out["z"]) == [("t", 4)]
    assert range_(members, parts, out) == out      # same members, same assignment


def test_range_co_partitions_topics():
    parts = {"a": 4, "b": 4}
    members = [_m(x, ("a", "b")) for x in ("m1", "m2")]
    out = range_(members, parts, {})
    assert {p for t, p in out["m1"] if t == "a"} == {p for t, p in out["m1"] if t == "b"} == {0, 1}
