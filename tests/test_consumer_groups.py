"""The KIP-848 consumer group on the broker, driven through apis.handle with the virtual clock.

Each test plays the clients by hand: heartbeats every 5 s (the broker's heartbeat interval), owned
partitions reported as a real client reports them (revoke first, then take what was granted).
"""

from __future__ import annotations

from kafkalab import Cluster
from kafkalab.broker import apis
from kafkalab.errors import ERR

G = "g"


def _ask(cluster, api, **fields):
    answers = []
    apis.handle(cluster, api, lambda resp, **extra: answers.append(resp), **fields)
    assert len(answers) == 1
    return answers[0]


class Member:
    """A hand-driven consumer-protocol client: remembers its epoch and what it owns."""

    def __init__(self, cluster, name, topics=("t",), instance_id=None, rebalance_timeout_ms=300_000):
        self.cluster, self.name, self.topics = cluster, name, list(topics)
        self.member_id = f"{name}-id-0000000000000"[:22]
        self.instance_id = instance_id
        self.rebalance_timeout_ms = rebalance_timeout_ms
        self.epoch = 0
        self.owned: set = set()

    def hb(self, epoch=None, full=False, **extra):
        epoch = self.epoch if epoch is None else epoch
        joining = epoch == 0
        fields = dict(group_id=G, member_id=self.member_id, member_epoch=epoch, instance_id=self.instance_id,
                      rebalance_timeout_ms=self.rebalance_timeout_ms if joining or full else -1,
                      subscribed_topic_names=self.topics if joining or full else None,
                      topic_partitions=sorted(self.owned) if not joining else [])
        fields.update(extra)
        res = _ask(self.cluster, "ConsumerGroupHeartbeat", **fields)
        if res.error_code == 0 and epoch >= 0:
            self.epoch = res.member_epoch
            if res.assignment is not None:
                self.owned = set(res.assignment)   # revoke what left, take what was granted
        return res

    def join(self):
        self.epoch = 0
        self.owned = set()
        return self.hb(0)


def _cluster(partitions=6):
    cluster = Cluster(seed=1)
    cluster.create_topic("t", partitions)
    return cluster


def _cg(cluster):
    return cluster.group_coordinator.consumer.groups[G]


def _no_double_ownership(cluster):
    """No partition is held by two members whose epochs are both current (the hand-over barrier)."""
    grp = _cg(cluster)
    seen = {}
    for m in grp.members.values():
        for tp in m.assigned | m.pending_revocation:
            assert tp not in seen, f"{tp} held by {seen[tp]} and {m.member_id}"
            seen[tp] = m.member_id


def _round(cluster, members, step_ms=5000):
    cluster.advance(step_ms)
    for m in members:
        assert m.hb().error_code == 0
        _no_double_ownership(cluster)


def test_api_keys():
    assert apis.API_KEYS["ConsumerGroupHeartbeat"] == 68
    assert apis.API_KEYS["ConsumerGroupDescribe"] == 69


def test_three_members_join_and_balance():
    cluster = _cluster(6)
    a, b, c = (Member(cluster, n) for n in "abc")
    r = a.join()
    assert (r.error_code, r.member_epoch, r.heartbeat_interval_ms) == (0, 1, 5000)
    assert len(r.assignment) == 6
    b.join()
    c.join()
    for _ in range(4):
        _round(cluster, [a, b, c])
    assert sorted(len(m.owned) for m in (a, b, c)) == [2, 2, 2]
    assert set().union(a.owned, b.owned, c.owned) == {("t", p) for p in range(6)}
    grp = _cg(cluster)
    assert grp.state.value == "Stable"
    assert grp.group_epoch == grp.assignment_epoch == 3
    assert {m.member_epoch for m in grp.members.values()} == {3}


def test_crashed_member_is_fenced_after_session_timeout_and_survivors_keep_their_partitions():
    cluster = _cluster(6)
    a, b, c = (Member(cluster, n) for n in "abc")
    for m in (a, b, c):
        m.join()
    for _ in range(4):
        _round(cluster, [a, b, c])
    before_a, before_b, lost = set(a.owned), set(b.owned), set(c.owned)
    t_last = cluster.now_ms
    revoked_from_survivors = []
    while cluster.now_ms + 5000 < t_last + 45_000:  # c crashed: only a and b heartbeat
        _round(cluster, [a, b])
        assert len(_cg(cluster).members) == 3
    cluster.advance(t_last + 45_000 - cluster.now_ms)   # 45 s after c's last heartbeat
    grp = _cg(cluster)
    assert c.member_id not in grp.members
    fenced = [e for e in cluster.trace if e.kind == "member_fenced"]
    assert len(fenced) == 1 and fenced[0].fields["cause"] == "session_timeout"
    assert fenced[0].time_ms == t_last + 45_000
    assert "the member session expired" in fenced[0].reason
    assert grp.state.value == "Assigning"
    for m in (a, b):                                # next heartbeat: c's partitions, nothing revoked
        old = set(m.owned)
        m.hb()
        revoked_from_survivors += list(old - m.owned)
    assert not revoked_from_survivors
    assert before_a <= a.owned and before_b <= b.owned
    assert a.owned | b.owned == before_a | before_b | lost
    assert _cg(cluster).state.value == "Stable"


def test_handover_barrier_new_member_waits_for_the_revocation():
    cluster = _cluster(4)
    a = Member(cluster, "a")
    a.join()
    assert len(a.owned) == 4
    b = Member(cluster, "b")
    r = b.join()                                   # target gives b two of a's partitions, still held by a
    assert r.assignment == []
    assert _cg(cluster).members[b.member_id].state.value == "UNRELEASED_PARTITIONS"
    _no_double_ownership(cluster)
    r = a.hb()                                     # a must revoke first: stays at its epoch
    assert r.member_epoch == 1 and len(r.assignment) == 2
    assert _cg(cluster).members[a.member_id].state.value == "UNREVOKED_PARTITIONS"
    r = b.hb()                                     # a still reports owning them (its heartbeat came first)
    assert r.assignment is None or r.assignment == []
    _no_double_ownership(cluster)
    r = a.hb()                                     # now a reports the smaller set: epoch moves on
    assert r.member_epoch == 2
    r = b.hb()
    assert len(r.assignment) == 2 and b.epoch == 2
    _no_double_ownership(cluster)
    assert a.owned.isdisjoint(b.owned)
    assert _cg(cluster).state.value == "Stable"


def test_rebalance_timeout_fences_a_member_that_does_not_revoke():
    cluster = _cluster(4)
    a = Member(cluster, "a", rebalance_timeout_ms=10_000)
    a.join()
    b = Member(cluster, "b")
    b.join()
    a.hb()                                         # asked to revoke
    keep_owned = set(_cg(cluster).members[a.member_id].assigned | _cg(cluster).members[a.member_id].pending_revocation)
    cluster.advance(5000)
    a.owned = set(keep_owned)                      # a never lets go
    a.hb()
    assert b.hb().assignment is None               # b still waits for a's partitions
    cluster.advance(5000)                          # 10 s after a was asked to revoke
    assert a.member_id not in _cg(cluster).members
    fenced = [e for e in cluster.trace if e.kind == "member_fenced"]
    assert fenced[-1].fields["cause"] == "rebalance_timeout"
    assert "failed to transition from epoch 1 within 10000ms" in fenced[-1].reason
    r = b.hb()
    assert len(r.assignment) == 4


def test_leave_with_minus_one_bumps_the_epoch_and_frees_the_partitions():
    cluster = _cluster(4)
    a, b = Member(cluster, "a"), Member(cluster, "b")
    a.join()
    b.join()
    for _ in range(3):
        _round(cluster, [a, b])
    epoch = _cg(cluster).group_epoch
    r = b.hb(-1)
    assert (r.error_code, r.member_epoch) == (0, -1)
    assert _cg(cluster).group_epoch == epoch + 1
    assert len(a.hb().assignment) == 4


def test_static_member_leaves_with_minus_two_and_rejoins_with_the_same_partitions():
    cluster = _cluster(6)
    a, b = Member(cluster, "a", instance_id="ia"), Member(cluster, "b", instance_id="ib")
    a.join()
    b.join()
    for _ in range(3):
        _round(cluster, [a, b])
    held = set(b.owned)
    epoch = _cg(cluster).group_epoch
    r = b.hb(-2)
    assert (r.error_code, r.member_epoch) == (0, -2)
    assert _cg(cluster).group_epoch == epoch                # no bump
    cluster.advance(20_000)
    assert not a.hb().assignment or set(a.hb().assignment) == set(a.owned)   # a gets nothing of b's
    b2 = Member(cluster, "b2", instance_id="ib")           # restarted process: new member id, same instance
    r = b2.join()
    assert r.error_code == 0 and set(r.assignment) == held
    assert _cg(cluster).group_epoch == epoch                # still no rebalance
    assert not [e for e in cluster.trace if e.kind == "target_assignment" and e.fields["assignment_epoch"] > epoch]


def test_static_member_not_back_within_the_session_timeout_is_removed():
    cluster = _cluster(4)
    a, b = Member(cluster, "a", instance_id="ia"), Member(cluster, "b", instance_id="ib")
    a.join()
    b.join()
    for _ in range(3):
        _round(cluster, [a, b])
    b.hb(-2)
    t = cluster.now_ms
    while cluster.now_ms < t + 50_000:
        _round(cluster, [a])
    assert b.member_id not in _cg(cluster).members
    assert len(a.owned) == 4


def test_unreleased_instance_id_for_a_second_live_static_member():
    cluster = _cluster(2)
    Member(cluster, "a", instance_id="same").join()
    r = Member(cluster, "b", instance_id="same").join()
    assert r.error_code == ERR.UNRELEASED_INSTANCE_ID == 111


def test_epoch_checks():
    cluster = _cluster(2)
    a = Member(cluster, "a")
    a.join()
    assert a.hb(epoch=7).error_code == ERR.FENCED_MEMBER_EPOCH == 110
    b = Member(cluster, "b")
    assert b.hb(epoch=3).error_code == ERR.UNKNOWN_MEMBER_ID
    # the previous epoch with a subset of the assignment is accepted (the bump's response was lost)
    b.join()
    a.hb()                                         # revoke: stays at epoch 1
    a.hb()                                         # revoked: epoch 2, previous 1
    grp = _cg(cluster)
    ma = grp.members[a.member_id]
    assert ma.previous_member_epoch < ma.member_epoch
    res = _ask(cluster, "ConsumerGroupHeartbeat", group_id=G, member_id=a.member_id,
               member_epoch=ma.previous_member_epoch, topic_partitions=sorted(ma.assigned))
    assert res.error_code == 0


def test_unsupported_assignor_and_range():
    cluster = _cluster(4)
    r = Member(cluster, "a").hb(0, server_assignor="sticky")
    assert r.error_code == ERR.UNSUPPORTED_ASSIGNOR == 112
    assert "Supported assignors: uniform, range." in r.error_message
    a, b = Member(cluster, "a"), Member(cluster, "b")
    a.hb(0, server_assignor="range")
    b.hb(0, server_assignor="range")
    target = [e for e in cluster.trace if e.kind == "target_assignment"][-1]
    assert target.fields["assignor"] == "range"
    assert sorted(map(tuple, target.fields["assignment"][a.member_id])) == [("t", 0), ("t", 1)]


def test_group_max_size():
    cluster = Cluster(seed=1, config={"group.consumer.max.size": 1})
    cluster.create_topic("t", 2)
    Member(cluster, "a").join()
    r = Member(cluster, "b").join()
    assert r.error_code == ERR.GROUP_MAX_SIZE_REACHED
    assert r.error_message == "The consumer group has reached its maximum capacity of 1 members."


def test_partition_count_change_bumps_the_epoch():
    cluster = _cluster(2)
    a = Member(cluster, "a")
    a.join()
    cluster.create_partitions("t", 4)
    cluster.advance(5000)
    r = a.hb()
    assert len(r.assignment) == 4
    assert [e.fields["cause"] for e in cluster.trace if e.kind == "consumer_group_epoch"] == ["member_joined",
                                                                                            "metadata"]


def test_offset_commits_stale_and_zombie():
    cluster = _cluster(4)
    a, b = Member(cluster, "a"), Member(cluster, "b")
    a.join()
    old_epoch = a.epoch

    def commit(m, epoch):
        return _ask(cluster, "OffsetCommit", group_id=G, member_id=m.member_id, generation_id=epoch,
                    group_instance_id=None, offsets={("t", 0): (5, "")})[("t", 0)]
    assert commit(a, a.epoch) == 0
    b.join()
    a.hb()
    a.hb()                                          # a moved to a newer epoch
    assert a.epoch > old_epoch
    assert commit(a, old_epoch) == ERR.STALE_MEMBER_EPOCH == 113
    assert commit(a, a.epoch) == 0
    fetch = _ask(cluster, "OffsetFetch", group_id=G, partitions=[("t", 0)], member_id=a.member_id,
                 member_epoch=old_epoch)
    assert fetch.error == ERR.STALE_MEMBER_EPOCH
    cluster.advance(46_000)                         # a and b both crashed: fenced
    assert commit(a, a.epoch) == ERR.UNKNOWN_MEMBER_ID == 25
    assert _cg(cluster).state.value == "Empty"
    assert commit(Member(cluster, "admin"), -1) == 0    # epoch < 0 only while the group has no members
    committed = _ask(cluster, "OffsetFetch", group_id=G, partitions=[("t", 0)])
    assert committed.offsets[("t", 0)].offset == 5


def test_describe_and_list():
    cluster = _cluster(3)
    a = Member(cluster, "a", instance_id="ia")
    a.join()
    got = _ask(cluster, "ConsumerGroupDescribe", group_ids=[G, "nope"])
    d = got[G].value
    assert (d.type, d.state, d.group_epoch, d.assignment_epoch, d.assignor_name) == ("consumer", "Stable", 1, 1,
                                                                                      "uniform")
    (m,) = d.members
    assert (m.member_id, m.instance_id, m.member_epoch) == (a.member_id, "ia", 1)
    assert m.assignment == m.target_assignment == [("t", 0), ("t", 1), ("t", 2)]
    assert got["nope"].error.code() == ERR.GROUP_ID_NOT_FOUND
    listed = _ask(cluster, "ListGroups")
    assert [(g.group_id, g.state, g.group_type) for g in listed] == [(G, "Stable", "consumer")]
    assert _ask(cluster, "DescribeGroups", group_ids=[G])[G].state == "Dead"


def test_mixed_groups_are_refused():
    cluster = _cluster(2)
    Member(cluster, "a").join()
    res = []
    apis.handle(cluster, "JoinGroup", res.append, group_id=G, member_id="", group_instance_id=None,
                client_id="x", session_timeout_ms=45000, rebalance_timeout_ms=300000,
                protocols=[("range", {"topics": ["t"], "owned": []})])
    assert res[0].error == ERR.INCONSISTENT_GROUP_PROTOCOL


def test_trace_records_changes_not_heartbeats():
    cluster = _cluster(2)
    a = Member(cluster, "a")
    a.join()
    n = len(cluster.trace)
    for _ in range(10):
        _round(cluster, [a])
    assert len(cluster.trace) == n


def test_fenced_member_rejoins_with_its_old_id_and_epoch_zero():
    cluster = _cluster(2)
    a = Member(cluster, "a")
    a.join()
    assert a.hb(epoch=9).error_code == ERR.FENCED_MEMBER_EPOCH
    r = a.join()                                   # same member id, epoch 0
    assert r.error_code == 0 and len(r.assignment) == 2
    assert [e.fields["cause"] for e in cluster.trace if e.kind == "member_fenced"] == ["rejoin"]
