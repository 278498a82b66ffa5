"""Share groups (KIP-932) on the broker, driven through apis.handle with the virtual clock.

Each test plays the share consumers by hand: ShareGroupHeartbeat to join, ShareFetch with the share
session epoch, acknowledgements piggy-backed on the next ShareFetch or sent with ShareAcknowledge.
"""

from __future__ import annotations

import pytest

from kafkalab import Cluster
from kafkalab.broker import apis
from kafkalab.broker.share_groups import simple_assignment
from kafkalab.errors import ERR, KafkaException

G = "sg"
ACCEPT, RELEASE, REJECT = 1, 2, 3


def _ask(cluster, api, **fields):
    answers = []
    apis.handle(cluster, api, lambda resp, **extra: answers.append(resp), **fields)
    assert len(answers) == 1
    return answers[0]


class Member:
    """A hand-driven share consumer: member id, member epoch, share session epoch."""

    def __init__(self, cluster, name, topics=("t",)):
        self.cluster, self.name, self.topics = cluster, name, list(topics)
        self.member_id = f"{name}-member-id-00000000"[:22]
        self.epoch = 0
        self.session_epoch = 0
        self.assignment: list = []

    def hb(self, epoch=None, **extra):
        epoch = self.epoch if epoch is None else epoch
        fields = dict(group_id=G, member_id=self.member_id, member_epoch=epoch,
                      subscribed_topic_names=self.topics if epoch == 0 else None, client_id=self.name)
        fields.update(extra)
        res = _ask(self.cluster, "ShareGroupHeartbeat", **fields)
        if res.error_code == 0 and epoch >= 0:
            self.epoch = res.member_epoch
            if res.assignment is not None:
                self.assignment = res.assignment
        return res

    def fetch(self, max_records=500, acks=None, partitions=None, epoch=None, max_wait_ms=0):
        epoch = self.session_epoch if epoch is None else epoch
        res = _ask(self.cluster, "ShareFetch", group_id=G, member_id=self.member_id, share_session_epoch=epoch,
                   max_wait_ms=max_wait_ms, max_records=max_records,
                   partitions=self.assignment if partitions is None else partitions,
                   acknowledgements=acks or {}, client_id=self.name)
        if res.error_code == 0 and epoch >= 0:
            self.session_epoch = epoch + 1
        return res

    def ack(self, acks, epoch=None):
        epoch = self.session_epoch if epoch is None else epoch
        res = _ask(self.cluster, "ShareAcknowledge", group_id=G, member_id=self.member_id,
                   share_session_epoch=epoch, acknowledgements=acks, client_id=self.name)
        if res.error_code == 0 and epoch > 0:
            self.session_epoch = epoch + 1
        return res


def _offsets(res, tp=("t", 0)):
    part = res.partitions.get(tp)
    return [] if part is None else [(o, dc) for f, la, dc in part.acquired_records for o in range(f, la + 1)]


def _produce(cluster, n, topic="t", partition=0):
    cluster.partition(topic, partition).append([(b"k", f"v{i}".encode(), cluster.now_ms, None) for i in range(n)])


def _cluster(partitions=1, earliest=True, **group_config):
    cluster = Cluster(seed=1)
    cluster.create_topic("t", partitions)
    conf = {"share.auto.offset.reset": "earliest"} if earliest else {}
    conf.update(group_config)
    if conf:
        cluster.set_group_config(G, conf)
    return cluster


def _kinds(cluster, kind):
    return [e for e in cluster.trace.events() if e.kind == kind]


# -- membership and the simple assignor -----------------------------------------------------------------
def test_api_keys():
    assert apis.API_KEYS["ShareGroupHeartbeat"] == 76
    assert apis.API_KEYS["ShareGroupDescribe"] == 77
    assert apis.API_KEYS["ShareFetch"] == 78
    assert apis.API_KEYS["ShareAcknowledge"] == 79


def test_join_stable_and_epochs():
    cluster = _cluster()
    a = Member(cluster, "a")
    res = a.hb()
    assert res.error_code == 0 and res.member_epoch == 1 and res.heartbeat_interval_ms == 5000
    assert res.assignment == [("t", 0)]
    grp = cluster.group_coordinator.share.group(G)
    assert grp.state.value == "Stable" and grp.group_epoch == 1
    b = Member(cluster, "b")
    assert b.hb().assignment == [("t", 0)]           # M > P: the partition is shared
    assert a.hb().member_epoch == 2                   # a catches up with the group epoch
    assert a.hb(epoch=99).error_code == ERR.FENCED_MEMBER_EPOCH
    assert a.hb(epoch=-1).member_epoch == -1
    assert b.hb(epoch=-1).error_code == 0
    assert grp.state.value == "Empty"
    states = [(e.fields["old"], e.fields["new"]) for e in _kinds(cluster, "group_state")
              if e.fields.get("type") == "share"]
    assert states == [("Empty", "Stable"), ("Stable", "Empty")]


def test_heartbeat_errors():
    cluster = _cluster()
    a = Member(cluster, "a")
    assert a.hb(epoch=3).error_code == ERR.GROUP_ID_NOT_FOUND
    assert a.hb(subscribed_topic_names=None).error_code == ERR.INVALID_REQUEST
    a.hb()
    assert Member(cluster, "x").hb(epoch=1).error_code == ERR.UNKNOWN_MEMBER_ID


@pytest.mark.parametrize("m,p,shares,counts", [
    (2, 1, [2], [1, 1]), (3, 2, [2, 2], [2, 1, 1]), (2, 4, [1, 1, 1, 1], [2, 2]), (1, 3, [1, 1, 1], [3]),
    (5, 2, [3, 3], [2, 1, 1, 1, 1]),
])
def test_simple_assignor_sharing(m, p, shares, counts):
    subs = {f"m{i}": frozenset({"t"}) for i in range(m)}
    out = simple_assignment(subs, {"t": p}, {})
    per_partition = [sum(1 for tps in out.values() if ("t", q) in tps) for q in range(p)]
    assert per_partition == shares
    assert sorted((len(t) for t in out.values()), reverse=True) == counts


def test_simple_assignor_sticky_and_balanced():
    subs = {"a": frozenset({"t"}), "b": frozenset({"t"})}
    first = simple_assignment(subs, {"t": 4}, {})
    subs["c"] = frozenset({"t"})
    second = simple_assignment(subs, {"t": 4}, first)
    assert sorted(len(v) for v in second.values()) == [1, 1, 2]
    assert all(second[m] <= first[m] for m in ("a", "b"))     # a and b only give up, never swap


def test_group_id_namespace():
    cluster = _cluster()
    ans = []
    apis.handle(cluster, "JoinGroup", ans.append, group_id="classic", member_id="", group_instance_id=None,
                client_id="c", session_timeout_ms=45000, rebalance_timeout_ms=300000,
                protocols=[("range", {"topics": ["t"], "owned": []})])
    res = _ask(cluster, "ShareGroupHeartbeat", group_id="classic", member_id="m" * 22, member_epoch=0,
               subscribed_topic_names=["t"])
    assert res.error_code == ERR.GROUP_ID_NOT_FOUND and res.error_message == "Group classic is not a share group."
    Member(cluster, "a").hb()
    join = []
    apis.handle(cluster, "JoinGroup", join.append, group_id=G, member_id="", group_instance_id=None,
                client_id="c", session_timeout_ms=45000, rebalance_timeout_ms=300000,
                protocols=[("range", {"topics": ["t"], "owned": []})])
    assert join[0].error == ERR.INCONSISTENT_GROUP_PROTOCOL
    cg = _ask(cluster, "ConsumerGroupHeartbeat", group_id=G, member_id="c" * 22, member_epoch=0,
              rebalance_timeout_ms=300000, subscribed_topic_names=["t"], topic_partitions=[])
    assert cg.error_code == ERR.GROUP_ID_NOT_FOUND
    listed = {g.group_id: g.group_type for g in _ask(cluster, "ListGroups")}
    assert listed[G] == "share"


def test_session_timeout_removes_member_and_releases():
    cluster = _cluster()
    _produce(cluster, 3)
    a, b = Member(cluster, "a"), Member(cluster, "b")
    a.hb()
    b.hb()
    assert [o for o, _ in _offsets(a.fetch())] == [0, 1, 2]
    for _ in range(10):                               # b heartbeats, a is silent (hung, connection up)
        cluster.advance(5000)
        b.hb()
    grp = cluster.group_coordinator.share.group(G)
    assert list(grp.members) == [b.member_id]
    fenced = _kinds(cluster, "member_fenced")
    assert fenced and fenced[0].fields["cause"] == "session_timeout"
    # The 30 s lock expired first (before the 45 s session timeout): b gets them with delivery count 2.
    assert _offsets(b.fetch()) == [(0, 2), (1, 2), (2, 2)]


# -- acquisition, acknowledgement, locks --------------------------------------------------------------------
def test_default_reset_latest_skips_earlier_records():
    cluster = _cluster(earliest=False)
    _produce(cluster, 3)
    a = Member(cluster, "a")
    a.hb()
    assert _offsets(a.fetch()) == []
    _produce(cluster, 2)
    assert _offsets(a.fetch()) == [(3, 1), (4, 1)]
    init = _kinds(cluster, "share_state_initialized")[0]
    assert init.fields["start_offset"] == 3 and init.fields["reset"] == "latest"


def test_accept_release_reject():
    cluster = _cluster()
    _produce(cluster, 6)
    a = Member(cluster, "a")
    a.hb()
    res = a.fetch()
    assert _offsets(res) == [(o, 1) for o in range(6)]
    assert res.partitions[("t", 0)].records                      # the log batches come along
    acks = {("t", 0): [(0, 1, [ACCEPT]), (2, 2, [RELEASE]), (3, 3, [REJECT]), (4, 5, [ACCEPT])]}
    res = a.fetch(acks=acks)
    assert res.partitions[("t", 0)].acknowledge_error_code == 0
    assert _offsets(res) == [(2, 2)]                             # only the released one, delivery count 2
    sp = cluster.share_partitions.share_partition(G, "t", 0)
    assert sp.start_offset == 2
    assert a.ack({("t", 0): [(2, 2, [ACCEPT])]}).partitions[("t", 0)] == 0
    assert sp.start_offset == 6 and sp.records == {}
    types = [e.fields["type"] for e in _kinds(cluster, "share_acknowledged")]
    assert types == ["ACCEPT", "RELEASE", "REJECT", "ACCEPT", "ACCEPT"]


def test_acks_never_touch_the_log():
    cluster = _cluster()
    _produce(cluster, 4)
    log = cluster.partition("t", 0)
    a = Member(cluster, "a")
    a.hb()
    a.fetch()
    a.ack({("t", 0): [(0, 1, [ACCEPT]), (2, 3, [REJECT])]})
    assert log.log_start_offset == 0 and log.log_end_offset == 4
    assert len([r for b in log.batches() for r in b.records if r is not None]) == 4


def test_invalid_record_state_all_or_nothing():
    cluster = _cluster()
    _produce(cluster, 4)
    a, b = Member(cluster, "a"), Member(cluster, "b")
    a.hb()
    b.hb()
    assert [o for o, _ in _offsets(a.fetch(max_records=2))] == [0, 1]
    assert [o for o, _ in _offsets(b.fetch(max_records=2))] == [2, 3]
    res = a.ack({("t", 0): [(0, 2, [ACCEPT])]})                # offset 2 is b's
    assert res.partitions[("t", 0)] == ERR.INVALID_RECORD_STATE
    sp = cluster.share_partitions.share_partition(G, "t", 0)
    assert [s for _, s, *_ in sp.snapshot()] == ["Acquired"] * 4   # nothing applied
    assert a.ack({("t", 0): [(1, 1, [ACCEPT])]}).partitions[("t", 0)] == 0
    assert a.ack({("t", 0): [(1, 1, [ACCEPT])]}).partitions[("t", 0)] == ERR.INVALID_RECORD_STATE  # twice


def test_lock_expiry_then_invalid_record_state():
    cluster = _cluster()
    _produce(cluster, 2)
    a, b = Member(cluster, "a"), Member(cluster, "b")
    a.hb()
    b.hb()
    a.fetch()
    cluster.advance(29_999)
    assert _offsets(b.fetch()) == []                             # still locked to a
    cluster.advance(1)
    expired = _kinds(cluster, "share_lock_expired")
    assert expired and expired[0].fields["to"] == "Available" and expired[0].time_ms == 30_000
    assert _offsets(b.fetch()) == [(0, 2), (1, 2)]
    assert a.ack({("t", 0): [(0, 1, [ACCEPT])]}).partitions[("t", 0)] == ERR.INVALID_RECORD_STATE


def test_lock_duration_group_config():
    cluster = _cluster(**{"share.record.lock.duration.ms": "15000"})
    _produce(cluster, 1)
    a = Member(cluster, "a")
    a.hb()
    a.fetch()
    assert _kinds(cluster, "share_acquired")[0].fields["lock_deadline_ms"] == 15_000


def test_delivery_count_limit_archives():
    cluster = _cluster()
    _produce(cluster, 2)
    a = Member(cluster, "a")
    a.hb()
    counts = []
    acks = None
    for _ in range(7):
        res = a.fetch(max_records=1, acks=acks)
        got = _offsets(res)
        counts.append(got)
        acks = {("t", 0): [(got[0][0], got[0][0], [RELEASE])]} if got and got[0][0] == 0 else None
    assert counts[:5] == [[(0, d)] for d in range(1, 6)]
    assert counts[5] == [(1, 1)]                                 # offset 0 archived after 5 deliveries
    archived = [e for e in _kinds(cluster, "share_archived") if e.fields["cause"] == "delivery_count_limit"]
    assert archived and archived[0].fields["first_offset"] == 0


def test_delivery_count_limit_on_lock_expiry():
    cluster = _cluster(**{"share.delivery.count.limit": "2"})
    _produce(cluster, 1)
    a = Member(cluster, "a")
    a.hb()
    assert _offsets(a.fetch()) == [(0, 1)]
    cluster.advance(30_000)
    a.hb()
    assert _offsets(a.fetch()) == [(0, 2)]
    cluster.advance(30_000)
    assert _kinds(cluster, "share_lock_expired")[-1].fields["to"] == "Archived"
    assert _offsets(a.fetch()) == []
    assert cluster.share_partitions.share_partition(G, "t", 0).start_offset == 1


def test_in_flight_cap():
    cluster = Cluster(seed=1, config={"group.share.partition.max.record.locks": 100})
    cluster.create_topic("t", 1)
    cluster.set_group_config(G, {"share.auto.offset.reset": "earliest"})
    _produce(cluster, 150)
    a, b = Member(cluster, "a"), Member(cluster, "b")
    a.hb()
    b.hb()
    assert len(_offsets(a.fetch(max_records=500))) == 100
    assert _offsets(b.fetch()) == []                             # the partition is stalled for the group
    a.ack({("t", 0): [(0, 9, [ACCEPT])]})
    assert [o for o, _ in _offsets(b.fetch())] == list(range(100, 110))


# -- share sessions, close, crash ----------------------------------------------------------------------------
def test_share_session_epochs():
    cluster = _cluster()
    _produce(cluster, 1)
    a = Member(cluster, "a")
    a.hb()
    assert a.fetch(epoch=3).error_code == ERR.SHARE_SESSION_NOT_FOUND
    assert a.ack({}, epoch=0).error_code == ERR.INVALID_SHARE_SESSION_EPOCH
    assert a.fetch().error_code == 0                             # epoch 0 opens
    assert a.fetch(epoch=5).error_code == ERR.INVALID_SHARE_SESSION_EPOCH
    assert a.fetch().error_code == 0                             # epoch 1
    assert a.ack({}).error_code == 0                             # epoch 2


def test_close_session_releases_at_once():
    cluster = _cluster()
    _produce(cluster, 3)
    a, b = Member(cluster, "a"), Member(cluster, "b")
    a.hb()
    b.hb()
    a.fetch()
    res = a.ack({("t", 0): [(0, 0, [ACCEPT])]}, epoch=-1)        # close: offset 0 accepted, 1-2 released
    assert res.error_code == 0
    released = _kinds(cluster, "share_released")
    assert released[0].fields["cause"] == "close" and released[0].fields["first_offset"] == 1
    assert _offsets(b.fetch()) == [(1, 2), (2, 2)]
    assert a.fetch(epoch=1).error_code == ERR.SHARE_SESSION_NOT_FOUND


def test_connection_closed_releases_at_once_member_stays():
    cluster = _cluster()
    _produce(cluster, 3)
    a, b = Member(cluster, "a"), Member(cluster, "b")
    a.hb()
    b.hb()
    a.fetch()
    apis.connection_closed(cluster, "rdkafka#share_consumer-1", [a.member_id])
    assert _offsets(b.fetch()) == [(0, 2), (1, 2), (2, 2)]       # at once, delivery count kept (+1 now)
    assert a.member_id in cluster.group_coordinator.share.group(G).members
    assert _kinds(cluster, "share_released")[0].fields["cause"] == "disconnect"


def test_long_poll_wakes_on_release_and_data():
    cluster = _cluster()
    a, b = Member(cluster, "a"), Member(cluster, "b")
    a.hb()
    b.hb()
    answers = []
    apis.handle(cluster, "ShareFetch", answers.append, group_id=G, member_id=b.member_id, share_session_epoch=0,
                max_wait_ms=10_000, max_records=10, partitions=[("t", 0)], acknowledgements={}, client_id="b")
    assert answers == []
    _produce(cluster, 1)
    assert _offsets(answers[0]) == [(0, 1)]
    a.fetch()                                                    # nothing left for a
    answers.clear()
    apis.handle(cluster, "ShareFetch", answers.append, group_id=G, member_id=a.member_id, share_session_epoch=1,
                max_wait_ms=10_000, max_records=10, partitions=[("t", 0)], acknowledgements={}, client_id="a")
    assert answers == []
    b.ack({("t", 0): [(0, 0, [RELEASE])]}, epoch=1)
    assert _offsets(answers[0]) == [(0, 2)]


def test_read_committed_and_aborted():
    cluster = _cluster(**{"share.isolation.level": "read_committed"})
    log = cluster.partition("t", 0)
    log.append([(None, b"a", 0, None)])                          # 0
    log.append([(None, b"x", 0, None)], producer_id=7, producer_epoch=0, is_transactional=True)   # 1 (open)
    a = Member(cluster, "a")
    a.hb()
    assert _offsets(a.fetch()) == [(0, 1)]                       # nothing at or above the LSO
    log.append_control("ABORT", 7, 0)                            # 2: marker
    log.append([(None, b"b", 0, None)])                          # 3
    assert _offsets(a.fetch()) == [(3, 1)]                       # the aborted record and the marker: archived
    gaps = [e for e in _kinds(cluster, "share_archived") if e.fields["cause"] == "gap"]
    assert (gaps[0].fields["first_offset"], gaps[0].fields["last_offset"]) == (1, 2)


def test_retention_moves_start_offset():
    cluster = _cluster()
    _produce(cluster, 5)
    a = Member(cluster, "a")
    a.hb()
    a.fetch(max_records=2)
    _ask(cluster, "DeleteRecords", partitions=[("t", 0, 3)])
    assert [o for o, _ in _offsets(a.fetch())] == [3, 4]
    assert cluster.share_partitions.share_partition(G, "t", 0).start_offset == 3


# -- configs and describe -------------------------------------------------------------------------------------
def test_group_config_via_incremental_alter_configs():
    cluster = _cluster(earliest=False)
    res = _ask(cluster, "IncrementalAlterConfigs",
               resources=[("group", G, [("share.auto.offset.reset", "SET", "earliest")])])
    assert res[("group", G)].error is None
    bad = _ask(cluster, "IncrementalAlterConfigs",
               resources=[("group", G, [("share.record.lock.duration.ms", "SET", "5000")])])
    assert bad[("group", G)].error.str() == ("share.record.lock.duration.ms must be greater than or equal to "
                                             "group.share.min.record.lock.duration.ms")
    described = _ask(cluster, "DescribeConfigs", resources=[("group", G)])[("group", G)].value
    assert described["share.auto.offset.reset"] == ("earliest", False)
    assert described["share.record.lock.duration.ms"] == (30000, True)
    with pytest.raises(KafkaException, match="Unknown group config name: foo"):
        cluster.set_group_config(G, {"foo": 1})


def test_broker_share_configs():
    c = Cluster(seed=1).broker_config
    assert (c["group.share.record.lock.duration.ms"], c["group.share.delivery.count.limit"],
            c["group.share.partition.max.record.locks"], c["group.share.session.timeout.ms"]) == (30000, 5, 2000, 45000)
    with pytest.raises(KafkaException, match=r"group\.share\.record\.lock\.duration\.ms must be greater than or equal"):
        Cluster(seed=1, config={"group.share.record.lock.duration.ms": 10000})
    with pytest.raises(KafkaException, match="Value must be no more than 10"):
        Cluster(seed=1, config={"group.share.delivery.count.limit": 11})


def test_describe_group_and_offsets():
    cluster = _cluster(partitions=2)
    _produce(cluster, 5)
    a = Member(cluster, "a")
    a.hb()
    a.fetch()
    a.ack({("t", 0): [(0, 1, [ACCEPT])]})
    desc = _ask(cluster, "ShareGroupDescribe", group_ids=[G, "nope"])
    g = desc[G].value
    assert (g.state, g.group_epoch, g.assignment_epoch, g.type) == ("Stable", 1, 1, "share")
    assert g.members[0].assignment == [("t", 0), ("t", 1)] and g.members[0].member_epoch == 1
    assert desc["nope"].error.code() == ERR.GROUP_ID_NOT_FOUND
    offs = _ask(cluster, "DescribeShareGroupOffsets", group_ids=[G])[G].value
    assert offs.partitions == {("t", 0): (2, 3), ("t", 1): (0, 0)}


# -- more edges ------------------------------------------------------------------------------------------------
def test_connection_closed_cancels_a_waiting_fetch():
    cluster = _cluster()
    a, b = Member(cluster, "a"), Member(cluster, "b")
    a.hb()
    b.hb()
    answers = []
    apis.handle(cluster, "ShareFetch", answers.append, group_id=G, member_id=a.member_id, share_session_epoch=0,
                max_wait_ms=None, max_records=10, partitions=[("t", 0)], acknowledgements={}, client_id="a")
    apis.connection_closed(cluster, "a", [a.member_id])
    _produce(cluster, 2)
    assert answers == []                                         # the dead client's long poll acquires nothing
    assert _offsets(b.fetch()) == [(0, 1), (1, 1)]


def test_session_epoch_wraps_to_one():
    cluster = _cluster()
    a = Member(cluster, "a")
    a.hb()
    a.fetch()
    cluster.share_partitions.sessions[(G, a.member_id)].epoch = 2**31 - 1
    assert a.fetch(epoch=2**31 - 1).error_code == 0
    assert a.fetch(epoch=1).error_code == 0


def test_leave_releases_and_member_left():
    cluster = _cluster()
    _produce(cluster, 2)
    a, b = Member(cluster, "a"), Member(cluster, "b")
    a.hb()
    b.hb()
    a.fetch()
    assert a.hb(epoch=-1).error_code == 0
    assert _kinds(cluster, "share_released")[0].fields["cause"] == "member_left"
    assert _offsets(b.fetch()) == [(0, 2), (1, 2)]


def test_renew_extends_the_lock_and_gap():
    cluster = _cluster()
    _produce(cluster, 2)
    a = Member(cluster, "a")
    a.hb()
    a.fetch()
    cluster.advance(20_000)
    a.hb()
    assert a.ack({("t", 0): [(0, 1, [4])]}).partitions[("t", 0)] == 0      # RENEW (Kafka 4.2)
    cluster.advance(20_000)                                                 # past the first deadline
    a.hb()
    assert not _kinds(cluster, "share_lock_expired")
    assert a.ack({("t", 0): [(0, 1, [0, 1])]}).partitions[("t", 0)] == 0   # GAP for 0, ACCEPT for 1
    sp = cluster.share_partitions.share_partition(G, "t", 0)
    assert sp.start_offset == 2
    assert a.ack({("t", 0): [(0, 0, [7])]}).partitions[("t", 0)] == ERR.INVALID_REQUEST


def test_max_records_spans_partitions_and_heterogeneous_assignment():
    cluster = _cluster(partitions=2)
    cluster.create_topic("u", 1)
    _produce(cluster, 3, partition=0)
    _produce(cluster, 3, partition=1)
    a = Member(cluster, "a")
    a.hb()
    res = a.fetch(max_records=4)
    assert len(_offsets(res, ("t", 0))) + len(_offsets(res, ("t", 1))) == 4
    out = simple_assignment({"a": frozenset({"t"}), "b": frozenset({"t", "u"})}, {"t": 2, "u": 1}, {})
    assert out["b"] >= {("u", 0)} and ("u", 0) not in out["a"]
    assert len(out["a"] & {("t", 0), ("t", 1)}) == 1 and len(out["b"] & {("t", 0), ("t", 1)}) == 1


def test_reset_by_duration():
    cluster = _cluster(earliest=False, **{"share.auto.offset.reset": "by_duration:PT10S"})
    _produce(cluster, 2)                 # at 0 ms
    cluster.advance(20_000)
    _produce(cluster, 1)                 # at 20 s: offset 2
    cluster.advance(5_000)
    a = Member(cluster, "a")
    a.hb()
    assert _offsets(a.fetch()) == [(2, 1)]


def test_delete_share_group():
    cluster = _cluster()
    a = Member(cluster, "a")
    a.hb()
    a.fetch()
    assert _ask(cluster, "DeleteGroups", group_ids=[G]) == {G: ERR.NON_EMPTY_GROUP}
    a.hb(epoch=-1)
    assert _ask(cluster, "DeleteGroups", group_ids=[G]) == {G: 0}
    assert cluster.share_partitions.share_partition(G, "t", 0, create=False) is None
    assert _ask(cluster, "ShareGroupDescribe", group_ids=[G])[G].error.code() == ERR.GROUP_ID_NOT_FOUND


def test_same_seed_same_trace():
    def run():
        cluster = _cluster(partitions=2)
        _produce(cluster, 5)
        ms = [Member(cluster, n) for n in "abc"]
        for m in ms:
            m.hb()
        for m in ms:
            m.fetch(max_records=2)
        apis.connection_closed(cluster, "b", [ms[1].member_id])
        cluster.advance(60_000)
        return cluster.trace.text().split("\n", 1)[1]       # past cluster_started (its name differs)
    assert run() == run()


def test_share_fetch_invalid_requests_and_session_limit():
    cluster = Cluster(seed=1, config={"group.share.max.share.sessions": 200})
    cluster.create_topic("t", 1)
    a = Member(cluster, "a")
    a.hb()
    assert a.fetch(acks={("t", 0): [(0, 0, [ACCEPT])]}).error_code == ERR.INVALID_REQUEST   # acks with epoch 0
    a.fetch()
    assert a.fetch(epoch=-1).error_code == ERR.INVALID_REQUEST                              # -1 with partitions
    assert a.fetch(epoch=-1, partitions=[]).error_code == 0
    cluster.share_partitions.sessions.update({(G, f"m{i}"): None for i in range(200)})
    assert a.fetch(epoch=0).error_code == ERR.SHARE_SESSION_LIMIT_REACHED
