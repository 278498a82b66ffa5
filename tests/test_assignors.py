"""Tests for kafkalab.client.assignors: the KAFKA_REFERENCE §3.3 examples, then properties.

The broker's vote for the group's assignor (``broker.protocol_selection.select_protocol``) is tested here too.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kafkalab.broker.protocol_selection import select_protocol
from kafkalab.client.assignors import (
    ASSIGNORS,
    PROTOCOL_TYPE,
    CooperativeResult,
    MemberSubscription,
    cooperative_sticky_assign,
    is_cooperative,
    librdkafka_sticky_assign,
    partitions_to_revoke,
    range_assign,
    roundrobin_assign,
    sort_members,
    sticky_assign,
)

M = MemberSubscription
TOPICS = ("t0", "t1", "t2")


def _ids(assignment):
    return {mid: sorted(tps) for mid, tps in assignment.items()}


# --------------------------------------------------------------------------- examples from §3.3


def test_range_assign_seven_partitions_three_members():
    """n // k each, the first n % k members get one extra, in contiguous runs."""
    result = range_assign([M(m, ("t",)) for m in "cab"], {"t": 7})
    assert result == {"a": [("t", 0), ("t", 1), ("t", 2)],
                      "b": [("t", 3), ("t", 4)],
                      "c": [("t", 5), ("t", 6)]}


def test_range_assign_extras_pile_up_on_early_members():
    """Each topic is split separately, so the first member gets the extra of every topic."""
    result = range_assign([M("C1", ("t0", "t1")), M("C0", ("t0", "t1"))], {"t0": 3, "t1": 3})
    assert result == {"C0": [("t0", 0), ("t0", 1), ("t1", 0), ("t1", 1)], "C1": [("t0", 2), ("t1", 2)]}


def test_roundrobin_assign_two_topics():
    """All partitions dealt around the sorted members."""
    result = roundrobin_assign([M("C0", ("t0", "t1")), M("C1", ("t0", "t1"))], {"t0": 3, "t1": 3})
    assert result == {"C0": [("t0", 0), ("t0", 2), ("t1", 1)], "C1": [("t0", 1), ("t1", 0), ("t1", 2)]}


def test_roundrobin_assign_skips_members_not_subscribed():
    """The RoundRobinAssignor javadoc example with unequal subscriptions."""
    members = [M("C0", ("t0",)), M("C1", ("t0", "t1")), M("C2", ("t0", "t1", "t2"))]
    result = roundrobin_assign(members, {"t0": 1, "t1": 2, "t2": 3})
    assert result == {"C0": [("t0", 0)], "C1": [("t1", 0)],
                      "C2": [("t1", 1), ("t2", 0), ("t2", 1), ("t2", 2)]}


def test_sort_members_static_members_first_by_instance_id():
    """MemberInfo.compareTo: instance ids first (by instance id), then member ids."""
    members = [M("a", ()), M("z", (), group_instance_id="i2"), M("0", ()), M("b", (), group_instance_id="i1")]
    assert [m.member_id for m in sort_members(members)] == ["b", "z", "0", "a"]


def test_range_assign_static_members_get_the_extras():
    """A static member sorts before a dynamic one even if its member id is larger."""
    members = [M("a-dynamic", ("t",)), M("z-static", ("t",), group_instance_id="host-1")]
    assert range_assign(members, {"t": 3}) == {"z-static": [("t", 0), ("t", 1)], "a-dynamic": [("t", 2)]}


def test_assignors_skip_empty_and_unsubscribed_topics():
    """Topics with 0 partitions or no subscriber are left out, as AbstractPartitionAssignor does."""
    members = [M("a", ("t", "empty", "missing"))]
    for assignor in (range_assign, roundrobin_assign, sticky_assign):
        assert assignor(members, {"t": 2, "empty": 0, "other": 5}) == {"a": [("t", 0), ("t", 1)]}


def test_assignors_no_members_give_empty_assignment():
    """An empty group gets an empty assignment from every assignor."""
    for assignor in (range_assign, roundrobin_assign, sticky_assign, *ASSIGNORS.values()):
        assert assignor([], {"t": 3}) == {}


# ----------------------------------------------------------------------------------- sticky


def test_sticky_assign_new_member_takes_over_quota_partitions():
    """b keeps min_quota (its first owned partition), the extra goes to the newcomer c."""
    members = [M("a", ("t",), owned_partitions=[("t", 0), ("t", 1)], generation_id=1),
               M("b", ("t",), owned_partitions=[("t", 2), ("t", 3)], generation_id=1),
               M("c", ("t",))]
    assert sticky_assign(members, {"t": 4}) == {"a": [("t", 0), ("t", 1)], "b": [("t", 2)], "c": [("t", 3)]}


def test_sticky_assign_departed_member_partitions_spread_out():
    """The survivors keep what they had; the partitions of the member that left are shared out."""
    members = [M("a", ("t",), owned_partitions=[("t", 0), ("t", 1)], generation_id=4),
               M("c", ("t",), owned_partitions=[("t", 4), ("t", 5)], generation_id=4)]
    assert _ids(sticky_assign(members, {"t": 6})) == {"a": [("t", 0), ("t", 1), ("t", 2)],
                                                      "c": [("t", 3), ("t", 4), ("t", 5)]}


def test_sticky_assign_higher_generation_claim_wins():
    """Two claims on t-0: the member of the newer generation owns it. Java keeps it there; librdkafka
    (performReassignments: a partition whose holder has 2+ more than its previous owner goes back to
    that previous owner) hands it back to a, so under cooperative b revokes t-0 first."""
    members = [M("a", ("t",), owned_partitions=[("t", 0)], generation_id=3),
               M("b", ("t",), owned_partitions=[("t", 0), ("t", 1)], generation_id=4)]
    assert sticky_assign(members, {"t": 2}) == {"a": [("t", 1)], "b": [("t", 0)]}
    result = cooperative_sticky_assign(members, {"t": 2}, algorithm="java")
    assert result.withheld == (("t", 1),) and result.assignment == {"a": [], "b": [("t", 0)]}
    assert librdkafka_sticky_assign(members, {"t": 2}) == {"a": [("t", 0)], "b": [("t", 1)]}
    result = cooperative_sticky_assign(members, {"t": 2})
    assert result.withheld == (("t", 0),) and result.assignment == {"a": [], "b": [("t", 1)]}


def test_sticky_assign_same_generation_conflict_is_dropped():
    """Two members of one generation both claim t-0: neither claim counts, and the partition is
    withheld under cooperative because whoever gets it may still be consuming it elsewhere."""
    members = [M("a", ("t",), owned_partitions=[("t", 0)], generation_id=3),
               M("b", ("t",), owned_partitions=[("t", 0), ("t", 1)], generation_id=3)]
    assert sticky_assign(members, {"t": 2}) == {"a": [("t", 0)], "b": [("t", 1)]}
    result = cooperative_sticky_assign(members, {"t": 2})
    assert result.withheld == (("t", 0),)
    assert result.revoked == {"a": [("t", 0)], "b": [("t", 0)]}


def test_sticky_assign_ignores_claims_on_missing_partitions():
    """A claim on a partition that no longer exists is not kept, and the member revokes it."""
    members = [M("a", ("t",), owned_partitions=[("t", 7), ("gone", 0)], generation_id=2), M("b", ("t",))]
    assert sticky_assign(members, {"t": 2}) == {"a": [("t", 0)], "b": [("t", 1)]}
    assert cooperative_sticky_assign(members, {"t": 2}).revoked["a"] == [("t", 7), ("gone", 0)]


# ------------------------------------------------------------------------------ cooperative


def test_cooperative_first_round_withholds_partition_that_moves_java():
    """Java: t-3 moves from b to c: c does not get it yet, b revokes it, and a second round follows."""
    members = [M("a", ("t",), owned_partitions=[("t", 0), ("t", 1)], generation_id=1),
               M("b", ("t",), owned_partitions=[("t", 2), ("t", 3)], generation_id=1),
               M("c", ("t",))]
    result = cooperative_sticky_assign(members, {"t": 4}, algorithm="java")
    assert result == CooperativeResult(
        assignment={"a": [("t", 0), ("t", 1)], "b": [("t", 2)], "c": []},
        target={"a": [("t", 0), ("t", 1)], "b": [("t", 2)], "c": [("t", 3)]},
        withheld=(("t", 3),),
        revoked={"a": [], "b": [("t", 3)], "c": []})
    assert result.needs_follow_up_rebalance
    second = cooperative_sticky_assign(_next_round(members, result.assignment), {"t": 4}, algorithm="java")
    assert second.assignment == result.target
    assert second.withheld == () and not second.needs_follow_up_rebalance


def test_cooperative_first_round_withholds_partition_that_moves():
    """librdkafka: sortPartitions deals the owned partitions round robin from the busiest member (ties: the
    larger member id first), so t-2 of b is the first considered and moves to c (b keeps t-3)."""
    members = [M("a", ("t",), owned_partitions=[("t", 0), ("t", 1)], generation_id=1),
               M("b", ("t",), owned_partitions=[("t", 2), ("t", 3)], generation_id=1),
               M("c", ("t",))]
    result = cooperative_sticky_assign(members, {"t": 4})
    assert result == CooperativeResult(
        assignment={"a": [("t", 0), ("t", 1)], "b": [("t", 3)], "c": []},
        target={"a": [("t", 0), ("t", 1)], "b": [("t", 3)], "c": [("t", 2)]},
        withheld=(("t", 2),),
        revoked={"a": [], "b": [("t", 2)], "c": []})
    second = cooperative_sticky_assign(_next_round(members, result.assignment), {"t": 4})
    assert second.assignment == result.target and not second.needs_follow_up_rebalance


def test_librdkafka_sticky_newcomer_takes_the_first_partitions():
    """The issue-15 case, checked on librdkafka's mock cluster with confluent-kafka 2.16.1: m1 owns ta (4)
    and tb (3), m2 joins; librdkafka moves ta0, ta1, ta2 (Java's constrained algorithm: tb0, tb1, tb2).
    Also checked on the mock: t (4) owned 2+2 by members ...7810 and ...89c0, a third member joins and
    takes t-0 from ...89c0 (the member with the larger id is dealt from first)."""
    owned = [("ta", p) for p in range(4)] + [("tb", p) for p in range(3)]
    members = [M("m1", ("ta", "tb"), owned_partitions=owned, generation_id=1), M("m2", ("ta", "tb"))]
    moved = [("ta", 0), ("ta", 1), ("ta", 2)]
    assert librdkafka_sticky_assign(members, {"ta": 4, "tb": 3})["m2"] == moved
    assert sticky_assign(members, {"ta": 4, "tb": 3})["m2"] == [("tb", 0), ("tb", 1), ("tb", 2)]
    a, b, c = "0x7fc798007810", "0x7fc7980089c0", "0x7fc798009fb0"
    members = [M(a, ("t",), owned_partitions=[("t", 2), ("t", 3)], generation_id=5),
               M(b, ("t",), owned_partitions=[("t", 0), ("t", 1)], generation_id=5), M(c, ("t",))]
    assert librdkafka_sticky_assign(members, {"t": 4}) == {a: [("t", 2), ("t", 3)], b: [("t", 1)], c: [("t", 0)]}


def test_cooperative_rejects_unknown_algorithm():
    with pytest.raises(ValueError, match="algorithm"):
        cooperative_sticky_assign([M("a", ("t",))], {"t": 1}, algorithm="sticky")


def test_cooperative_second_round_may_differ_from_first_round_target():
    """Kafka's constrained algorithm re-deals the freed partitions in round 2, so the final owners of
    withheld partitions need not be those of round 1's target; only the balance is guaranteed."""
    members = [M("A", ("t",)), M("B", ("t",), owned_partitions=[("t", i) for i in range(5)], generation_id=1),
               M("C", ("t",)), M("D", ("t",))]
    first = cooperative_sticky_assign(members, {"t": 6}, algorithm="java")
    assert first.target == {"A": [("t", 2), ("t", 5)], "B": [("t", 0), ("t", 1)],
                            "C": [("t", 3)], "D": [("t", 4)]}
    assert first.assignment == {"A": [("t", 5)], "B": [("t", 0), ("t", 1)], "C": [], "D": []}
    second = cooperative_sticky_assign(_next_round(members, first.assignment), {"t": 6}, algorithm="java")
    assert second.assignment == {"A": [("t", 5), ("t", 4)], "B": [("t", 0), ("t", 1)],
                                 "C": [("t", 2)], "D": [("t", 3)]}
    assert second.withheld == ()


def test_cooperative_owner_that_unsubscribed_revokes_before_handover():
    """x dropped t1 from its subscription but still owns t1-0: y may take it only in the next round."""
    members = [M("x", ("t0",), owned_partitions=[("t0", 0), ("t1", 0)], generation_id=2),
               M("y", ("t0", "t1"), owned_partitions=[("t0", 1)], generation_id=2)]
    result = cooperative_sticky_assign(members, {"t0": 2, "t1": 1})
    assert result.target == {"x": [("t0", 0)], "y": [("t0", 1), ("t1", 0)]}
    assert result.withheld == (("t1", 0),)
    assert result.revoked == {"x": [("t1", 0)], "y": []}


def test_partitions_to_revoke_is_owned_minus_assigned():
    """Each member revokes what it owns and was not given again; an absent member revokes all."""
    owned = {"a": [("t", 0), ("t", 1)], "b": [("t", 2)], "c": []}
    assert partitions_to_revoke(owned, {"a": [("t", 1), ("t", 3)], "c": [("t", 2)]}) == {
        "a": [("t", 0)], "b": [("t", 2)], "c": []}


# ---------------------------------------------------------------------- registry and the vote


def test_registry_uses_librdkafka_names():
    """partition.assignment.strategy accepts range, roundrobin and cooperative-sticky; no plain sticky."""
    assert set(ASSIGNORS) == set(PROTOCOL_TYPE) == {"range", "roundrobin", "cooperative-sticky"}
    assert [is_cooperative(n) for n in ("range", "roundrobin", "cooperative-sticky")] == [False, False, True]
    with pytest.raises(ValueError, match="'sticky'"):
        is_cooperative("sticky")


def test_registry_cooperative_sticky_returns_round_assignment():
    """The registry entry returns the SyncGroup assignment, withheld partitions left out."""
    members = [M("a", ("t",), owned_partitions=[("t", 0), ("t", 1)], generation_id=1), M("b", ("t",))]
    assert ASSIGNORS["cooperative-sticky"](members, {"t": 2}) == {"a": [("t", 1)], "b": []}


def test_select_protocol_majority_vote():
    """Each member votes for its first choice among the common names; the most votes win."""
    prefs = [["range", "roundrobin"], ["roundrobin", "range"], ["roundrobin", "range"]]
    assert select_protocol(prefs) == "roundrobin"


def test_select_protocol_votes_only_for_common_names():
    """A favourite that some member lacks is skipped in favour of the member's next choice."""
    prefs = [["cooperative-sticky", "range"], ["cooperative-sticky", "range"], ["range"]]
    assert select_protocol(prefs) == "range"


def test_select_protocol_tie_goes_to_java_hashmap_order():
    """One vote each: Java's HashMap puts "range" (bucket 9) before "roundrobin" (bucket 10), and
    stream().max() keeps the first of equal maxima, so range wins whatever the member order."""
    assert select_protocol([["range", "roundrobin"], ["roundrobin", "range"]]) == "range"
    assert select_protocol([["roundrobin", "range"], ["range", "roundrobin"]]) == "range"


def test_select_protocol_without_common_name_is_inconsistent():
    """The broker answers INCONSISTENT_GROUP_PROTOCOL (23); here a ValueError says so."""
    with pytest.raises(ValueError, match="INCONSISTENT_GROUP_PROTOCOL"):
        select_protocol([["range"], ["cooperative-sticky"]])
    with pytest.raises(ValueError, match="member_preferences"):
        select_protocol([])


# -------------------------------------------------------------------------------- validation


@pytest.mark.parametrize("assignor", [range_assign, roundrobin_assign, sticky_assign,
                                      cooperative_sticky_assign])
def test_assignors_reject_bad_input_naming_the_parameter(assignor):
    """Misuse raises at once and names the parameter and the value."""
    ok = [M("a", ("t",))]
    with pytest.raises(ValueError, match=r"partitions_per_topic\['t'\] must be >= 0, got -1"):
        assignor(ok, {"t": -1})
    with pytest.raises(TypeError, match=r"partitions_per_topic\['t'\] must be an int, got '3'"):
        assignor(ok, {"t": "3"})
    with pytest.raises(TypeError, match="partitions_per_topic"):
        assignor(ok, [("t", 3)])
    with pytest.raises(TypeError, match=r"members\[1\] must be a MemberSubscription, got str"):
        assignor([ok[0], "b"], {"t": 3})
    with pytest.raises(ValueError, match="duplicate member_id 'a'"):
        assignor(ok * 2, {"t": 3})


def test_member_subscription_rejects_bad_fields():
    """Fields are checked at construction; lists become tuples so the value stays hashable."""
    with pytest.raises(TypeError, match="topics"):
        M("a", "orders")
    with pytest.raises(ValueError, match="member_id"):
        M("", ("t",))
    with pytest.raises(ValueError, match="generation_id"):
        M("a", ("t",), generation_id=-2)
    with pytest.raises(TypeError, match="member_id"):
        M(7, ("t",))
    with pytest.raises(ValueError, match="owned_partitions"):
        M("a", ("t",), owned_partitions=[("t", -1)])
    member = M("a", ["t"], owned_partitions=[["t", 0]])
    assert member.topics == ("t",) and member.owned_partitions == (("t", 0),) and hash(member)


# -------------------------------------------------------------------------------- properties


@st.composite
def groups(draw, same_subscription: bool, conflicts: bool = False):
    """A group whose members may own partitions from a previous generation.

    Without ``conflicts`` each partition had at most one previous owner (one of the members, a
    member that has left, or nobody); with it, members claim random partitions in random generations.
    """
    ppt = {t: draw(st.integers(0, 7)) for t in TOPICS}
    ids = draw(st.lists(st.text("abcxyz", min_size=1, max_size=3), min_size=1, max_size=6, unique=True))
    partitions = [(t, p) for t in TOPICS for p in range(ppt[t])]
    previous = {tp: draw(st.sampled_from([*ids, "gone", None])) for tp in partitions}
    shared = tuple(draw(st.lists(st.sampled_from([*TOPICS, "missing"]), unique=True)))
    members = []
    for mid in ids:
        topics = shared if same_subscription else tuple(draw(st.lists(st.sampled_from(TOPICS), unique=True)))
        if conflicts:
            owned = tuple(draw(st.lists(st.sampled_from(partitions), unique=True))) if partitions else ()
        else:
            owned = tuple(tp for tp in partitions if previous[tp] == mid)
        members.append(M(mid, topics, draw(st.none() | st.sampled_from(["i1", "i2"])), owned,
                         draw(st.sampled_from([-1, 3, 4]))))
    return members, ppt


def _valid_owner(members, ppt):
    """Test model of ownership: the unique claimant of the highest generation, else nobody."""
    claims = {}
    for m in members:
        for tp in set(m.owned_partitions):
            if tp[1] < ppt.get(tp[0], 0):
                claims.setdefault(tp, []).append((m.generation_id, m.member_id))
    owner = {}
    for tp, cs in claims.items():
        top = max(g for g, _ in cs)
        winners = [mid for g, mid in cs if g == top]
        owner[tp] = winners[0] if len(winners) == 1 else None
    return owner


def _assert_valid(members, ppt, assignment, withheld=()):
    """Every subscribed partition is assigned (or withheld) exactly once, only to a subscriber."""
    subscribed = {t for m in members for t in m.topics}
    expected = sorted((t, p) for t in subscribed for p in range(ppt.get(t, 0)))
    got = sorted([tp for tps in assignment.values() for tp in tps] + list(withheld))
    assert got == expected
    assert set(assignment) == {m.member_id for m in members}
    for m in members:
        assert all(t in m.topics for t, _ in assignment[m.member_id])


def _counts(assignment):
    return [len(tps) for tps in assignment.values()]


def _assert_locally_balanced(members, assignment):
    """No single move to an eligible member can narrow a gap of 2 or more (Kafka's isBalanced)."""
    count = {mid: len(tps) for mid, tps in assignment.items()}
    for holder, tps in assignment.items():
        for topic, _ in tps:
            assert all(count[holder] - count[m.member_id] <= 1 for m in members if topic in m.topics)


def _next_round(members, assignment, generation=10):
    """Everyone rejoins reporting what it holds now (withheld partitions already revoked)."""
    return [M(m.member_id, m.topics, m.group_instance_id, tuple(assignment[m.member_id]), generation)
            for m in members]


@settings(deadline=None)
@given(groups(same_subscription=False, conflicts=True))
def test_all_assignors_assign_each_partition_once_to_a_subscriber(group):
    """Validity for every assignor, whatever the subscriptions and claims."""
    members, ppt = group
    for assignor in (range_assign, roundrobin_assign, sticky_assign):
        _assert_valid(members, ppt, assignor(members, ppt))
    result = cooperative_sticky_assign(members, ppt)
    _assert_valid(members, ppt, result.assignment, result.withheld)


@settings(deadline=None)
@given(groups(same_subscription=True))
def test_range_and_roundrobin_balance_identical_subscriptions(group):
    """Range balances each topic (runs differ by at most 1); roundrobin balances the totals."""
    members, ppt = group
    for topic, n in ppt.items():
        if topic in members[0].topics:
            sizes = [sum(1 for t, _ in tps if t == topic) for tps in range_assign(members, ppt).values()]
            assert max(sizes) - min(sizes) <= 1 and sum(sizes) == n
    counts = _counts(roundrobin_assign(members, ppt))
    assert max(counts) - min(counts) <= 1


@settings(deadline=None)
@given(groups(same_subscription=True))
def test_sticky_identical_subscriptions_balanced_and_sticky(group):
    """Counts differ by at most 1, and each member keeps >= min(min_quota, owned) of its partitions."""
    members, ppt = group
    result = sticky_assign(members, ppt)
    _assert_valid(members, ppt, result)
    counts = _counts(result)
    assert max(counts) - min(counts) <= 1
    min_quota = sum(counts) // len(members)
    for m in members:
        owned = {tp for tp in m.owned_partitions if tp[0] in m.topics and tp[1] < ppt.get(tp[0], 0)}
        kept = owned & set(result[m.member_id])
        assert len(kept) >= min(min_quota, len(owned))


@settings(deadline=None)
@given(groups(same_subscription=False))
def test_sticky_differing_subscriptions_locally_balanced(group):
    """With differing subscriptions no partition can move to a member with 2 or more fewer."""
    members, ppt = group
    result = sticky_assign(members, ppt)
    _assert_valid(members, ppt, result)
    _assert_locally_balanced(members, result)


@settings(deadline=None)
@given(st.booleans().flatmap(lambda same: groups(same_subscription=same)))
def test_sticky_assignment_is_stable_when_nothing_changes(group):
    """Feeding the result back as the owned partitions of the next generation changes nothing."""
    members, ppt = group
    first = sticky_assign(members, ppt)
    assert _ids(sticky_assign(_next_round(members, first), ppt)) == _ids(first)


@settings(deadline=None)
@given(st.booleans().flatmap(lambda same: groups(same_subscription=same, conflicts=True)))
def test_librdkafka_sticky_valid_balanced_and_stable(group):
    """librdkafka's sticky assignment: valid; balanced within 1 for identical subscriptions, locally
    balanced otherwise; fed back as the next generation's owned partitions, it changes nothing."""
    members, ppt = group
    result = librdkafka_sticky_assign(members, ppt)
    _assert_valid(members, ppt, result)
    if all(set(m.topics) == set(members[0].topics) for m in members):
        counts = _counts(result)
        assert max(counts) - min(counts) <= 1
    else:
        _assert_locally_balanced(members, result)
    assert librdkafka_sticky_assign(_next_round(members, result), ppt) == result


@settings(deadline=None)
@given(st.booleans().flatmap(lambda same: groups(same_subscription=same, conflicts=True)))
def test_cooperative_never_hands_a_partition_directly_to_another_member(group):
    """Nothing validly owned by one member is given to another in the same round; nothing
    contested is given at all; what is held back is exactly target minus assignment."""
    members, ppt = group
    result = cooperative_sticky_assign(members, ppt)
    assert result.target == librdkafka_sticky_assign(members, ppt)
    assert cooperative_sticky_assign(members, ppt, algorithm="java").target == sticky_assign(members, ppt)
    owner = _valid_owner(members, ppt)
    for mid, tps in result.assignment.items():
        for tp in tps:
            assert owner.get(tp, mid) == mid
    target = {tp for tps in result.target.values() for tp in tps}
    assigned = {tp for tps in result.assignment.values() for tp in tps}
    assert set(result.withheld) == target - assigned
    assert result.revoked == partitions_to_revoke({m.member_id: list(dict.fromkeys(m.owned_partitions))
                                                   for m in members}, result.assignment)


@settings(deadline=None)
@given(groups(same_subscription=True, conflicts=True))
def test_cooperative_second_round_releases_withheld_partitions(group):
    """Identical subscriptions: round 2 withholds nothing, keeps everything from round 1, equals the
    sticky assignment of the same input, and is balanced."""
    members, ppt = group
    first = cooperative_sticky_assign(members, ppt)
    second_members = _next_round(members, first.assignment)
    second = cooperative_sticky_assign(second_members, ppt)
    assert second.withheld == () and not second.needs_follow_up_rebalance
    assert second.assignment == librdkafka_sticky_assign(second_members, ppt)
    for mid, tps in first.assignment.items():
        assert set(tps) <= set(second.assignment[mid])
    counts = _counts(second.assignment)
    assert max(counts) - min(counts) <= 1


@settings(deadline=None)
@given(groups(same_subscription=False, conflicts=True))
def test_cooperative_differing_subscriptions_converge(group):
    """Differing subscriptions: repeated rounds stop withholding within 4 rounds (the bound of
    Kafka's CooperativeStickyAssignorTest) and end locally balanced."""
    members, ppt = group
    result = cooperative_sticky_assign(members, ppt)
    rounds = 1
    while result.withheld:
        members = _next_round(members, result.assignment, generation=10 + rounds)
        result = cooperative_sticky_assign(members, ppt)
        rounds += 1
        assert rounds <= 4
    _assert_valid(members, ppt, result.assignment)
    _assert_locally_balanced(members, result.assignment)


def test_assignors_handle_fifty_members_five_hundred_partitions():
    """The group benchmark's size: 50 members, 5 topics x 100 partitions, one member joining."""
    ppt = {f"t{i}": 100 for i in range(5)}
    members = [M(f"consumer-{i:02d}", tuple(ppt)) for i in range(50)]
    for assignor in (range_assign, roundrobin_assign, sticky_assign):
        counts = _counts(assignor(members, ppt))
        assert min(counts) == max(counts) == 10
    previous = sticky_assign(members, ppt)
    rejoined = [*_next_round(members, previous), M("consumer-50", tuple(ppt))]
    result = cooperative_sticky_assign(rejoined, ppt)
    assert len(result.withheld) == 9 and result.assignment["consumer-50"] == []
