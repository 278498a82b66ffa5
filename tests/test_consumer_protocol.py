"""The consumer side of KIP-848 (``group.protocol=consumer``): heartbeats, reconciliation, fencing, leaving.

Most tests run against ``FakeCoordinator``, a small stand-in for the broker's ConsumerGroupHeartbeat
handler (installed for the test only), so the client is checked on its own: what it sends, in which
order its callbacks run, how it answers errors. The end-to-end tests at the bottom use the real broker.
"""

from __future__ import annotations

import itertools
from typing import Any, NamedTuple

import pytest

from kafkalab import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from kafkalab.broker import apis
from kafkalab.client.consumer_membership import MemberJoinState, random_member_id
from kafkalab.errors import ERR


class HB(NamedTuple):
    error_code: int = 0
    error_message: str | None = None
    member_id: str = ""
    member_epoch: int = 0
    heartbeat_interval_ms: int = 5000
    assignment: list | None = None


class FakeCoordinator:
    """Answers ConsumerGroupHeartbeat from a script: ``plan[member_id]`` is a list of answers (dicts);
    once a member's list is used up it gets "unchanged" answers at its current epoch. Records requests."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.plan: dict[str, list[dict]] = {}
        self.epochs: dict[str, int] = {}
        self.default: dict = {}

    def __call__(self, cluster: Any, respond: Any, /, **fields: Any) -> None:
        self.requests.append(dict(fields, time_ms=cluster.now_ms))
        mid = fields["member_id"]
        if fields["member_epoch"] < 0:
            respond(HB(member_id=mid, member_epoch=fields["member_epoch"]))
            return
        queue = self.plan.get(mid) or []
        answer = dict(queue.pop(0)) if queue else dict(self.default)
        if answer.get("error_code"):
            respond(HB(error_code=answer["error_code"], error_message=answer.get("error_message")))
            return
        epoch = answer.pop("member_epoch", self.epochs.get(mid, 1))
        self.epochs[mid] = epoch
        respond(HB(member_id=mid, member_epoch=epoch, **answer))

    def of(self, mid: str) -> list[dict]:
        return [r for r in self.requests if r["member_id"] == mid]


@pytest.fixture
def fake(monkeypatch):
    coordinator = FakeCoordinator()
    monkeypatch.setitem(apis.HANDLERS, "ConsumerGroupHeartbeat", coordinator)
    return coordinator


def consumer(conf, name="c1", **extra):
    return Consumer({**conf, "group.id": "g", "client.id": name, "group.protocol": "consumer",
                     "auto.offset.reset": "earliest", "enable.auto.commit": False, **extra})


def produce(cluster, conf, topic="orders", partitions=3, per_partition=5):
    cluster.create_topic(topic, partitions=partitions)
    p = Producer(conf)
    for i in range(partitions * per_partition):
        p.produce(topic, f"v{i}", partition=i % partitions)
    p.flush()


def tps(*pairs):
    return [list(p) for p in pairs]


class Recorder:
    def __init__(self):
        self.calls: list[tuple[str, list[tuple[str, int]]]] = []

    def cb(self, kind):
        def fn(consumer, partitions):
            self.calls.append((kind, [(tp.topic, tp.partition) for tp in partitions]))
        return fn

    def subscribe(self, c, topics=("orders",), lost=True):
        c.subscribe(list(topics), on_assign=self.cb("assign"), on_revoke=self.cb("revoke"),
                    on_lost=self.cb("lost") if lost else None)


def poll_for(c, ms, step=0.1):
    out = []
    end = c._clock.now_ms + ms
    while c._clock.now_ms < end:
        m = c.poll(step)
        if m is not None:
            out.append(m)
    return out


# -- member id and the first heartbeat ------------------------------------------------------------------
def test_member_id_is_a_client_uuid_kept_for_life(cluster, conf, fake):
    c = consumer(conf)
    mid = c.memberid()
    assert mid is not None and len(mid) == 22 and "=" not in mid
    fake.plan[mid] = [dict(member_epoch=1, assignment=[])]
    c.subscribe(["orders"])
    poll_for(c, 200)
    assert c.memberid() == mid
    assert fake.requests[0]["member_id"] == mid


def test_random_member_id_is_version_4_and_deterministic():
    import base64
    import random
    a, b = random_member_id(random.Random(7)), random_member_id(random.Random(7))
    assert a == b and len(a) == 22
    ids = [random_member_id(random.Random(i)) for i in range(200)]
    assert any("+" in i or "/" in i for i in ids) and not any("-" in i or "_" in i for i in ids)   # librdkafka's
    raw = base64.b64decode(a + "==")
    assert raw[6] >> 4 == 4 and raw[8] >> 6 == 2


def test_classic_consumer_draws_nothing_from_the_cluster_rng(cluster, conf):
    state = cluster.rng.getstate()
    c = Consumer({**conf, "group.id": "g"})
    assert cluster.rng.getstate() == state
    assert c.memberid() is None


def test_join_sends_a_full_request_then_unchanged_fields(cluster, conf, fake):
    produce(cluster, conf)
    c = consumer(conf, **{"group.remote.assignor": "range", "max.poll.interval.ms": 60000})
    mid = c.memberid()
    fake.plan[mid] = [dict(member_epoch=1, assignment=[("orders", 0), ("orders", 1)])]
    c.subscribe(["orders", "^ord.*"])
    poll_for(c, 11000)
    reqs = fake.of(mid)
    first = reqs[0]
    assert first["member_epoch"] == 0
    assert first["subscribed_topic_names"] == ["orders"]
    assert first["subscribed_topic_regex"] == "(^ord.*)"
    assert first["server_assignor"] == "range"
    assert first["rebalance_timeout_ms"] == 60000
    assert first["topic_partitions"] == []
    # after reconciling: the ack reports the owned partitions, at the new epoch, nothing else
    ack = reqs[1]
    assert ack["member_epoch"] == 1
    assert ack["topic_partitions"] == [("orders", 0), ("orders", 1)]
    assert ack["subscribed_topic_names"] is None and ack["rebalance_timeout_ms"] == -1
    later = reqs[2:]
    assert later and all(r["topic_partitions"] is None and r["subscribed_topic_names"] is None for r in later)
    # every heartbeat_interval_ms the broker gave (5000)
    gaps = {b["time_ms"] - a["time_ms"] for a, b in itertools.pairwise(reqs[1:])}
    assert gaps == {5000}
    assert c._coordinator.state is MemberJoinState.STEADY
    assert sorted((tp.topic, tp.partition) for tp in c.assignment()) == [("orders", 0), ("orders", 1)]


# -- reconciliation ---------------------------------------------------------------------------------------
def test_revoke_first_then_assign_incremental_callbacks(cluster, conf, fake):
    produce(cluster, conf)
    c = consumer(conf)
    mid = c.memberid()
    rec = Recorder()
    fake.plan[mid] = [dict(member_epoch=1, assignment=[("orders", 0), ("orders", 1)]),
                      {}, dict(member_epoch=1, assignment=[("orders", 1)]),       # revoke 0 first
                      dict(member_epoch=2, assignment=[("orders", 1), ("orders", 2)])]    # then grant 2
    rec.subscribe(c)
    poll_for(c, 15000)
    assert rec.calls == [("assign", [("orders", 0), ("orders", 1)]),
                         ("revoke", [("orders", 0)]), ("assign", []),
                         ("assign", [("orders", 2)])]
    reqs = fake.of(mid)
    reported = [r["topic_partitions"] for r in reqs if r["topic_partitions"] is not None]
    assert reported == [[], [("orders", 0), ("orders", 1)], [("orders", 1)], [("orders", 1), ("orders", 2)]]
    ev = cluster.trace.events("reconcile", client=c._name)
    assert [(e["revoked"], e["assigned"]) for e in ev] == [
        ([], tps(("orders", 0), ("orders", 1))), (tps(("orders", 0)), []), ([], tps(("orders", 2)))]
    assert c._coordinator.generation_id == 2


def test_assign_inside_a_callback_is_refused_as_librdkafka(cluster, conf, fake):
    produce(cluster, conf)
    c = consumer(conf)
    mid = c.memberid()
    fake.plan[mid] = [dict(member_epoch=1, assignment=[("orders", 0)])]
    errors = []

    def on_assign(consumer, partitions):
        try:
            consumer.assign(partitions)
        except KafkaException as e:
            errors.append(e.args[0])

    c.subscribe(["orders"], on_assign=on_assign)
    poll_for(c, 1000)
    assert [(e.code(), e.str()) for e in errors] == [(ERR._STATE, "Failed to set assignment: Local: Erroneous state")]
    assert c.assignment() == []     # the library does not assign in its place
    assert c._coordinator.state is MemberJoinState.WAIT_ASSIGN_CALL
    with pytest.raises(KafkaException) as e:
        c.unassign()
    assert e.value.args[0].str() == "Failed to remove assignment: Local: Erroneous state"


def test_stats_join_state_uses_librdkafka_names(cluster, conf, fake):
    import json
    got = []
    c = consumer(conf, **{"statistics.interval.ms": 1000, "stats_cb": lambda s: got.append(json.loads(s))})
    fake.plan[c.memberid()] = [dict(member_epoch=1, assignment=[])]
    c.subscribe(["orders"])
    poll_for(c, 1500)
    assert got[-1]["cgrp"]["join_state"] == "init"      # no partitions yet: librdkafka stays in init


# -- errors -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("code", [ERR.UNKNOWN_MEMBER_ID, ERR.FENCED_MEMBER_EPOCH])
def test_fenced_member_loses_its_assignment_and_rejoins_with_epoch_0(cluster, conf, fake, code):
    produce(cluster, conf)
    c = consumer(conf)
    mid = c.memberid()
    rec = Recorder()
    fake.plan[mid] = [dict(member_epoch=3, assignment=[("orders", 0)]), {}, dict(error_code=code),
                      dict(member_epoch=5, assignment=[("orders", 1)])]
    rec.subscribe(c)
    poll_for(c, 12000)
    assert rec.calls == [("assign", [("orders", 0)]), ("lost", [("orders", 0)]), ("assign", [("orders", 1)])]
    reqs = fake.of(mid)
    rejoin = reqs[3]
    assert rejoin["member_epoch"] == 0 and rejoin["member_id"] == mid
    assert rejoin["subscribed_topic_names"] == ["orders"] and rejoin["topic_partitions"] == []
    assert c._coordinator.generation_id == 5


def test_without_on_lost_the_loss_goes_to_on_revoke(cluster, conf, fake):
    produce(cluster, conf)
    c = consumer(conf)
    rec = Recorder()
    fake.plan[c.memberid()] = [dict(member_epoch=3, assignment=[("orders", 0)]), {},
                               dict(error_code=ERR.FENCED_MEMBER_EPOCH)]
    rec.subscribe(c, lost=False)
    poll_for(c, 12000)
    assert rec.calls[:2] == [("assign", [("orders", 0)]), ("revoke", [("orders", 0)])]


@pytest.mark.parametrize("code", [ERR.UNSUPPORTED_ASSIGNOR, ERR.UNRELEASED_INSTANCE_ID, ERR.GROUP_MAX_SIZE_REACHED,
                                  ERR.INVALID_REQUEST])
def test_fatal_heartbeat_errors(cluster, conf, fake, code):
    c = consumer(conf)
    fake.plan[c.memberid()] = [dict(error_code=code)]
    c.subscribe(["orders"])
    msgs = poll_for(c, 1000)
    errs = [m.error() for m in msgs if m.error() is not None]
    text = KafkaError(code).str()
    assert [(e.code(), e.str(), e.fatal()) for e in errs] == [
        (ERR._FATAL, f"Fatal error: {text}: ConsumerGroupHeartbeat fatal error: {text}", True)]
    n = len(fake.requests)
    poll_for(c, 20000)
    assert len(fake.requests) == n      # no more heartbeats
    c.close()


def test_max_poll_interval_exceeded_loses_then_leaves_then_rejoins_on_poll(cluster, conf, fake):
    produce(cluster, conf)
    c = consumer(conf, **{"max.poll.interval.ms": 10000})
    mid = c.memberid()
    rec = Recorder()
    fake.plan[mid] = [dict(member_epoch=1, assignment=[("orders", 0)])]
    rec.subscribe(c)
    poll_for(c, 1000)
    t_stop = cluster.now_ms
    cluster.advance(30000)                      # the application does not poll
    sent_while_stuck = [r for r in fake.of(mid) if t_stop + 10000 < r["time_ms"] <= cluster.now_ms]
    assert sent_while_stuck == []               # heartbeats stopped at the limit
    m = c.poll(0.1)
    assert m.error().code() == ERR._MAX_POLL_EXCEEDED
    assert m.error().str().startswith("Application maximum poll interval (10000ms) exceeded by ")
    fake.plan[mid] = [dict(member_epoch=4, assignment=[("orders", 2)])]
    poll_for(c, 1000)
    assert rec.calls == [("assign", [("orders", 0)]), ("lost", [("orders", 0)]), ("assign", [("orders", 2)])]
    after = [r for r in fake.of(mid) if r["time_ms"] > t_stop + 10000]
    assert [r["member_epoch"] for r in after[:2]] == [-1, 0]


def test_close_revokes_commits_and_leaves_with_minus_1(cluster, conf, fake):
    produce(cluster, conf)
    c = consumer(conf)
    mid = c.memberid()
    rec = Recorder()
    fake.plan[mid] = [dict(member_epoch=1, assignment=[("orders", 0)])]
    rec.subscribe(c)
    poll_for(c, 1000)
    c.close()
    assert rec.calls == [("assign", [("orders", 0)]), ("revoke", [("orders", 0)])]
    assert fake.of(mid)[-1]["member_epoch"] == -1


def test_static_member_leaves_with_minus_2(cluster, conf, fake):
    c = consumer(conf, **{"group.instance.id": "i1"})
    mid = c.memberid()
    fake.plan[mid] = [dict(member_epoch=1, assignment=[])]
    c.subscribe(["orders"])
    poll_for(c, 500)
    assert fake.of(mid)[0]["instance_id"] == "i1"
    c.close()
    assert fake.of(mid)[-1]["member_epoch"] == -2


def test_unsubscribe_then_subscribe_rejoins_with_epoch_0(cluster, conf, fake):
    produce(cluster, conf)
    c = consumer(conf)
    mid = c.memberid()
    rec = Recorder()
    fake.plan[mid] = [dict(member_epoch=1, assignment=[("orders", 0)])]
    rec.subscribe(c)
    poll_for(c, 500)
    c.unsubscribe()
    assert rec.calls == [("assign", [("orders", 0)])]       # the revoke runs in the next poll
    poll_for(c, 100)
    assert rec.calls == [("assign", [("orders", 0)]), ("revoke", [("orders", 0)])]
    assert fake.of(mid)[-1]["member_epoch"] == -1
    fake.plan[mid] = [dict(member_epoch=3, assignment=[("orders", 1)])]
    rec.subscribe(c)
    poll_for(c, 500)
    assert rec.calls == [("assign", [("orders", 0)]), ("revoke", [("orders", 0)]), ("assign", [("orders", 1)])]
    assert [r["member_epoch"] for r in fake.of(mid)[-2:]] == [0, 3]


# -- configs -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, value, tail", [
    ("session.timeout.ms", 45000, " or share consumer. It is defined broker side"),
    ("heartbeat.interval.ms", 3000, " or share consumer. It is defined broker side"),
    ("partition.assignment.strategy", "range", ". Use `group.remote.assignor` instead"),
    ("group.protocol.type", "consumer", " or share consumer"),
])
def test_configs_refused_under_consumer_protocol(conf, name, value, tail):
    with pytest.raises(KafkaException) as e:
        Consumer({**conf, "group.id": "g", "group.protocol": "consumer", name: value})
    err = e.value.args[0]
    assert err.code() == ERR._INVALID_ARG
    assert err.str() == f"Failed to create consumer: `{name}` is not supported for `group.protocol=consumer`{tail}"


def test_max_poll_below_session_timeout_is_not_checked_under_consumer_protocol(conf):
    Consumer({**conf, "group.id": "g", "group.protocol": "consumer", "max.poll.interval.ms": 1000}).close()


def test_incremental_assign_outside_a_group_still_works(cluster, conf):
    produce(cluster, conf)
    c = consumer(conf)
    c.assign([TopicPartition("orders", 0, 0)])      # not subscribed: a standalone consumer may assign()
    assert [tp.partition for tp in c.assignment()] == [0]


# -- end to end, with the broker's ConsumerGroupHeartbeat -------------------------------------------------
def test_e2e_crash_survivors_keep_their_partitions_and_get_the_crashed_ones(cluster, conf):
    """3 members, 3 partitions; c3 consumes without committing and crashes. After the broker's session
    timeout (45 s) a survivor gets c3's partition by one incremental on_assign; no survivor is ever revoked;
    c3's uncommitted records are redelivered from the last committed offset."""
    produce(cluster, conf, per_partition=10)
    cs = [consumer(conf, f"c{i + 1}") for i in range(3)]
    recs = [Recorder() for _ in cs]
    for c, rec in zip(cs, recs):
        rec.subscribe(c)
    seen: dict[int, list[tuple[int, int]]] = {0: [], 1: [], 2: []}
    stale: list[tuple[int, int]] = []
    for _ in range(300):
        for i, c in enumerate(cs):
            m = c.poll(0.1)
            if m is not None and m.error() is None and len(seen[i]) < 5:
                seen[i].append((m.partition(), m.offset()))
                if i < 2:
                    try:
                        c.commit(m, asynchronous=False)
                    except KafkaException as e:     # while the group settles an epoch may be stale
                        stale.append((cluster.now_ms, e.args[0].code()))
    assert {code for _, code in stale} <= {ERR.STALE_MEMBER_EPOCH}
    owned = [sorted(tp.partition for tp in c.assignment()) for c in cs]
    assert sorted(p for o in owned for p in o) == [0, 1, 2] and all(len(o) == 1 for o in owned)
    crashed_partition = owned[2][0]
    assert [p for p, _ in seen[2]] == [crashed_partition] * 5
    crashed_id = cs[2].memberid()
    cluster.crash(cs[2])
    crash_ms = cluster.now_ms
    before = [list(r.calls) for r in recs[:2]]
    redelivered = []
    got_at = None
    while cluster.now_ms < crash_ms + 60000:
        for i in (0, 1):
            m = cs[i].poll(0.1)
            if m is not None and m.error() is None and m.partition() == crashed_partition:
                redelivered.append(m.offset())
                if got_at is None:
                    got_at = cluster.now_ms
    new_calls = [r.calls[len(b):] for r, b in zip(recs[:2], before)]
    assert sorted(new_calls, key=len) == [[], [("assign", [("orders", crashed_partition)])]]
    assert redelivered[:10] == list(range(10))      # c3 committed nothing: from the start
    fenced = cluster.trace.events("member_fenced", group="g")
    assert [e["member"] for e in fenced] == [crashed_id]
    # the broker's session timeout runs from the crashed member's last heartbeat; a survivor's next
    # heartbeat (<= 5 s) picks the partition up
    assert fenced[0].time_ms - fenced[0]["last_heartbeat_ms"] == 45000
    assert 0 <= got_at - fenced[0].time_ms <= 5000 + 100


def test_e2e_zombie_commit_gets_unknown_member_id(cluster, conf):
    produce(cluster, conf, partitions=1)
    c = consumer(conf, **{"max.poll.interval.ms": 300000})
    c.subscribe(["orders"])
    m = None
    while m is None or m.error() is not None:
        m = c.poll(0.1)
    gen = c._coordinator.generation_id
    assert gen > 0
    # the member stops heartbeating (a stalled process): the broker fences it after 45 s
    c._coordinator._heartbeat = lambda: None    # no heartbeat goes out while the process is frozen
    cluster.advance(50000)
    with pytest.raises(KafkaException) as e:
        c.commit(m, asynchronous=False)
    err = e.value.args[0]
    assert (err.code(), err.str()) == (ERR.UNKNOWN_MEMBER_ID, "Commit failed: Broker: Unknown member")


def test_e2e_close_hands_partitions_over_without_revoking_survivors(cluster, conf):
    produce(cluster, conf)
    cs = [consumer(conf, f"c{i + 1}") for i in range(3)]
    recs = [Recorder() for _ in cs]
    for c, rec in zip(cs, recs):
        rec.subscribe(c)
    for _ in range(200):
        for c in cs:
            c.poll(0.05)
    assert sorted(len(c.assignment()) for c in cs) == [1, 1, 1]
    mine = [tp.partition for tp in cs[2].assignment()]
    before = [len(r.calls) for r in recs[:2]]
    close_ms = cluster.now_ms
    cs[2].close()
    assert recs[2].calls[-1] == ("revoke", [("orders", mine[0])])
    for _ in range(150):
        for c in cs[:2]:
            c.poll(0.05)
    new_calls = [r.calls[b:] for r, b in zip(recs[:2], before)]
    assert sorted(new_calls, key=len) == [[], [("assign", [("orders", mine[0])])]]
    assert cluster.now_ms - close_ms < 15000


def test_admin_describe_and_list_show_the_group_type(cluster, conf):
    from kafkalab.admin import AdminClient, ConsumerGroupState
    from kafkalab.client.model import ConsumerGroupType
    produce(cluster, conf)
    c = consumer(conf)
    c.subscribe(["orders"])
    classic = Consumer({**conf, "group.id": "old", "auto.offset.reset": "earliest"})
    classic.subscribe(["orders"])
    for _ in range(100):
        c.poll(0.05)
        classic.poll(0.05)
    admin = AdminClient(conf)
    d = admin.describe_consumer_groups(["g", "old"])
    new, old = d["g"].result(), d["old"].result()
    assert (new.type, new.state, new.partition_assignor, new.is_simple_consumer_group) == (
        ConsumerGroupType.CONSUMER, ConsumerGroupState.STABLE, "uniform", False)
    assert [m.member_id for m in new.members] == [c.memberid()]
    assert sorted(tp.partition for tp in new.members[0].assignment.topic_partitions) == [0, 1, 2]
    assert sorted(tp.partition for tp in new.members[0].target_assignment.topic_partitions) == [0, 1, 2]
    assert old.type is ConsumerGroupType.CLASSIC
    listed = admin.list_consumer_groups().result().valid
    assert [(g.group_id, g.type) for g in listed] == [("g", ConsumerGroupType.CONSUMER),
                                                       ("old", ConsumerGroupType.CLASSIC)]
    only = admin.list_consumer_groups(types={ConsumerGroupType.CONSUMER}).result().valid
    assert [g.group_id for g in only] == ["g"]
