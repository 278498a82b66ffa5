"""Consumer groups (classic protocol): joins, rebalances, liveness, zombies, static members, auto-commit."""

import re

import pytest

import kafkalab
from kafkalab import Consumer, KafkaError, KafkaException, Producer, TopicPartition


def setup(cluster, conf, partitions=3, per_partition=10, topic="orders"):
    cluster.create_topic(topic, partitions=partitions)
    p = Producer(conf)
    for i in range(partitions * per_partition):
        p.produce(topic, f"v{i}", key=f"k{i}", partition=i % partitions)
    p.flush()


def member(conf, name, group="billing", **extra):
    c = Consumer({**conf, "group.id": group, "client.id": name, "auto.offset.reset": "earliest",
                  "enable.auto.commit": False, **extra})
    return c


def pump(consumers, rounds, on_msg, timeout=0.1):
    """Poll each live consumer in turn; on_msg(index, msg) handles records."""
    for _ in range(rounds):
        for i, c in enumerate(consumers):
            if c is None:
                continue
            m = c.poll(timeout)
            if m is not None and m.error() is None:
                on_msg(i, m)


def group_states(cluster, group="billing"):
    return [(e["old"], e["new"]) for e in cluster.trace.events("group_state", group=group)]


def test_groups_crash_before_commit_redelivers_exactly_uncommitted_records(cluster, conf):
    """C3 consumes without committing and crashes; after session.timeout.ms and the rebalance a survivor
    receives exactly C3's uncommitted records (and nothing is lost)."""
    setup(cluster, conf)
    cs = [member(conf, f"c{i + 1}") for i in range(3)]
    for c in cs:
        c.subscribe(["orders"])
    seen = {0: [], 1: [], 2: []}

    def first_pass(i, m):
        if len(seen[i]) < 5:
            seen[i].append((m.partition(), m.offset()))
            if i < 2:
                cs[i].commit(m, asynchronous=False)

    pump(cs, 150, first_pass)
    assert [len(seen[i]) for i in range(3)] >= [5, 5, 5]
    crashed_partition = seen[2][0][0]
    uncommitted = [(crashed_partition, o) for o in range(10)]
    assert seen[2] == uncommitted[:len(seen[2])]
    crash_ms = cluster.now_ms
    cluster.crash(cs[2])
    after = {0: [], 1: []}
    pump(cs[:2], 600, lambda i, m: (after[i].append((m.partition(), m.offset())), cs[i].commit(m, asynchronous=False)))
    removed = cluster.trace.last("member_removed", group="billing")
    assert removed["cause"] == "session_timeout" and removed.time_ms - crash_ms <= 45_000
    redelivered = sorted(tp for i in after for tp in after[i] if tp[0] == crashed_partition)
    assert redelivered == uncommitted            # C3's records 0..9 on its partition: it committed nothing
    survivors_own = sorted(tp for i in after for tp in after[i] if tp[0] != crashed_partition)
    assert all(o >= 5 for _, o in survivors_own)  # survivors committed what they processed: no redelivery
    assert ("Stable", "PreparingRebalance") in group_states(cluster)


def test_groups_three_groups_read_the_same_topic_independently(cluster, conf):
    """Each group has its own committed offsets; every group receives every record."""
    setup(cluster, conf, partitions=2, per_partition=5)
    cs = [member(conf, f"c{g}", group=f"group-{g}") for g in range(3)]
    for c in cs:
        c.subscribe(["orders"])
    got = {i: set() for i in range(3)}
    pump(cs, 80, lambda i, m: got[i].add((m.partition(), m.offset())))
    assert got[0] == got[1] == got[2] == {(p, o) for p in range(2) for o in range(5)}


def test_groups_generation_grows_by_one_per_completed_rebalance(cluster, conf):
    """Each completed join phase bumps the generation by exactly one; the leader assigns with range."""
    setup(cluster, conf, partitions=4, per_partition=1)
    a = member(conf, "a")
    a.subscribe(["orders"])
    pump([a], 40, lambda i, m: None)
    b = member(conf, "b")
    b.subscribe(["orders"])
    pump([a, b], 60, lambda i, m: None)
    gens = [e["generation_id"] for e in cluster.trace.events("generation", group="billing")]
    assert gens == [1, 2]
    assignment = {e["client_id"]: e["partitions"] for e in cluster.trace.events("assignment", generation_id=2)}
    first, second = sorted(assignment, key=lambda k: cluster.trace.last("member_joined", client_id=k)["member_id"])
    assert assignment[first] == [["orders", 0], ["orders", 1]] and assignment[second] == [["orders", 2], ["orders", 3]]
    assert group_states(cluster)[:4] == [("Empty", "PreparingRebalance"), ("PreparingRebalance", "CompletingRebalance"),
                                         ("CompletingRebalance", "Stable"), ("Stable", "PreparingRebalance")]


def test_groups_initial_rebalance_delay_holds_the_first_generation(cluster, conf):
    """A new group waits group.initial.rebalance.delay.ms (3000) before its first generation."""
    setup(cluster, conf, partitions=1, per_partition=1)
    c = member(conf, "a")
    c.subscribe(["orders"])
    pump([c], 50, lambda i, m: None)
    prep = cluster.trace.last("group_state", new="PreparingRebalance")
    done = cluster.trace.last("group_state", new="CompletingRebalance")
    assert done.time_ms - prep.time_ms == 3000


def test_groups_slow_consumer_leaves_and_its_commit_is_rejected(cluster, conf):
    """A member that does not poll within max.poll.interval.ms leaves by itself; its next poll returns
    _MAX_POLL_EXCEEDED and its late commit is rejected (UNKNOWN_MEMBER_ID)."""
    setup(cluster, conf, partitions=2, per_partition=5)
    slow = member(conf, "slow", **{"max.poll.interval.ms": 10_000, "session.timeout.ms": 10_000})
    fast = member(conf, "fast", **{"max.poll.interval.ms": 10_000, "session.timeout.ms": 10_000})
    slow.subscribe(["orders"])
    fast.subscribe(["orders"])
    held = []
    pump([slow, fast], 40, lambda i, m: held.append(m) if i == 0 and not held else None)
    assert held, "slow consumer got a record"
    for _ in range(120):                       # slow 'processes' for 12 s without polling; fast keeps polling
        fast.poll(0.1)
    assert cluster.trace.last("max_poll_exceeded", client_id="slow") is not None
    with pytest.raises(KafkaException) as info:
        slow.commit(held[0], asynchronous=False)
    assert info.value.args[0].code() in (KafkaError.UNKNOWN_MEMBER_ID, KafkaError.ILLEGAL_GENERATION)
    event = slow.poll(0)
    assert event.error().code() == KafkaError._MAX_POLL_EXCEEDED
    assert "Application maximum poll interval (10000ms) exceeded" in event.error().str()
    rejected = cluster.trace.last("offset_commit", client_id="slow")
    assert rejected["error"] in ("UNKNOWN_MEMBER_ID", "ILLEGAL_GENERATION")


def test_groups_zombie_commit_with_old_generation_is_illegal_generation(cluster, conf):
    """A commit carrying a generation the group has moved past gets ILLEGAL_GENERATION; offsets stay as they were."""
    setup(cluster, conf, partitions=2, per_partition=3)
    a = member(conf, "a")
    a.subscribe(["orders"])
    pump([a], 40, lambda i, m: None)
    coord = a._coordinator
    old_gen = coord.generation_id
    b = member(conf, "b")
    b.subscribe(["orders"])
    pump([a, b], 60, lambda i, m: None)
    om = cluster.group_coordinator.offsets
    before = dict(om.committed.get("billing", {}))
    result = om.commit("billing", coord.member_id, old_gen, None, {("orders", 0): (2, "")})
    assert result == {("orders", 0): KafkaError.ILLEGAL_GENERATION}
    assert om.committed.get("billing", {}) == before


def test_groups_commit_during_completing_rebalance_is_rebalance_in_progress(cluster, conf):
    """Between JoinGroup and SyncGroup (CompletingRebalance) a member's commit gets REBALANCE_IN_PROGRESS."""
    setup(cluster, conf, partitions=1, per_partition=1)
    gc = cluster.group_coordinator
    replies = []
    kw = dict(group_instance_id=None, client_id="x", session_timeout_ms=45_000, rebalance_timeout_ms=300_000,
              protocols=[("range", {"topics": ["orders"], "owned": []})])
    gc.join("manual", member_id="", reply=replies.append, **kw)
    cluster.advance(3_000)
    res = replies[0]
    assert gc.group("manual").state.value == "CompletingRebalance"
    out = gc.offsets.commit("manual", res.member_id, res.generation_id, None, {("orders", 0): (1, "")})
    assert out == {("orders", 0): KafkaError.REBALANCE_IN_PROGRESS}


def test_groups_standalone_consumers_sharing_group_id_overwrite_offsets(cluster, conf):
    """assign() consumers with one group.id overwrite each other's commits while the group is Empty,
    and fail with UNKNOWN_MEMBER_ID once the group has members (§4.5)."""
    setup(cluster, conf, partitions=1, per_partition=10)
    a, b = member(conf, "a", group="shared"), member(conf, "b", group="shared")
    a.assign([TopicPartition("orders", 0)])
    b.assign([TopicPartition("orders", 0)])
    msgs_a = [a.poll(1.0) for _ in range(8)]
    msgs_b = [b.poll(1.0) for _ in range(3)]
    a.commit(msgs_a[-1], asynchronous=False)
    b.commit(msgs_b[-1], asynchronous=False)
    assert a.committed([TopicPartition("orders", 0)])[0].offset == 3    # b overwrote a's 8
    sub = member(conf, "sub", group="shared")
    sub.subscribe(["orders"])
    pump([sub], 40, lambda i, m: None)
    with pytest.raises(KafkaException) as info:
        a.commit(msgs_a[-1], asynchronous=False)
    assert info.value.args[0].code() == KafkaError.UNKNOWN_MEMBER_ID


def test_groups_close_sends_leave_group_and_rebalances_at_once(cluster, conf):
    """close() leaves the group (no session timeout wait): the survivor takes over within milliseconds."""
    setup(cluster, conf, partitions=2, per_partition=2)
    a, b = member(conf, "a"), member(conf, "b")
    a.subscribe(["orders"])
    b.subscribe(["orders"])
    pump([a, b], 40, lambda i, m: None)
    t0 = cluster.now_ms
    a.close()
    pump([None, b], 20, lambda i, m: None)
    removed = cluster.trace.last("member_removed", client_id="a")
    assert removed["cause"] == "leave_group" and removed.time_ms - t0 < 10
    assert sorted(tp.partition for tp in b.assignment()) == [0, 1]


def test_groups_eager_revokes_everything_cooperative_only_what_moves(cluster, conf):
    """Eager (range): every member revokes all partitions; cooperative-sticky: only moved ones, in two rounds."""
    for strategy, group in (("range", "eager"), ("cooperative-sticky", "coop")):
        topic = f"t-{group}"
        setup(cluster, conf, partitions=4, per_partition=1, topic=topic)
        a = member(conf, f"a-{group}", group=group, **{"partition.assignment.strategy": strategy})
        a.subscribe([topic])
        pump([a], 40, lambda i, m: None)
        b = member(conf, f"b-{group}", group=group, **{"partition.assignment.strategy": strategy})
        b.subscribe([topic])
        pump([a, b], 80, lambda i, m: None)
        revoked = [e["partitions"] for e in cluster.trace.events("revoked", client_id=f"a-{group}")]
        if strategy == "range":
            assert revoked == [[[topic, p] for p in range(4)]]
        else:
            assert len(revoked) == 1 and len(revoked[0]) == 2
            gens = [e["generation_id"] for e in cluster.trace.events("generation", group=group)]
            assert gens == [1, 2, 3]          # the second rebalance hands the revoked partitions over
        assert len(a.assignment()) == 2 and len(b.assignment()) == 2


def test_groups_static_member_rejoins_without_rebalance(cluster, conf):
    """A static member (group.instance.id) that restarts within session.timeout.ms gets its partitions back
    without a rebalance; close() sends no LeaveGroup."""
    setup(cluster, conf, partitions=2, per_partition=2)
    a = member(conf, "a", **{"group.instance.id": "a-1"})
    b = member(conf, "b", **{"group.instance.id": "b-1"})
    a.subscribe(["orders"])
    b.subscribe(["orders"])
    pump([a, b], 40, lambda i, m: None)
    before = sorted(tp.partition for tp in a.assignment())
    generations = len(cluster.trace.events("generation"))
    a.close()
    assert cluster.trace.last("member_removed", client_id="a") is None
    a2 = member(conf, "a", **{"group.instance.id": "a-1"})
    a2.subscribe(["orders"])
    pump([a2, b], 40, lambda i, m: None)
    assert sorted(tp.partition for tp in a2.assignment()) == before
    assert len(cluster.trace.events("generation")) == generations
    assert cluster.trace.last("member_replaced")["group_instance_id"] == "a-1"


def test_groups_duplicate_static_instance_is_fenced(cluster, conf):
    """A second live instance with the same group.instance.id fences the first: a fatal error from poll."""
    setup(cluster, conf, partitions=1, per_partition=1)
    a = member(conf, "a", **{"group.instance.id": "same"})
    a.subscribe(["orders"])
    pump([a], 40, lambda i, m: None)
    a2 = member(conf, "a2", **{"group.instance.id": "same"})
    a2.subscribe(["orders"])
    events = []
    for _ in range(60):
        for c in (a, a2):
            m = c.poll(0.1)
            if m is not None and m.error() is not None:
                events.append((c, m.error()))
    fatal = [err for c, err in events if c is a]
    assert fatal and fatal[0].code() == KafkaError._FATAL and fatal[0].fatal()
    assert "fenced" in fatal[0].str()


def test_groups_auto_commit_loses_record_in_librdkafka_flavour_java_redelivers(cluster, conf):
    """librdkafka auto-commit commits what poll handed out (a crash mid-processing skips it);
    Java's commits only what earlier polls returned (the record is redelivered)."""
    results = {}
    for semantics in ("librdkafka", "java"):
        cl = kafkalab.Cluster(seed=3)
        cf = {"bootstrap.servers": cl.bootstrap_servers}
        cl.create_topic("t", partitions=1)
        p = Producer(cf)
        for i in range(3):
            p.produce("t", f"v{i}")
        p.flush()
        c = Consumer({**cf, "group.id": "g", "auto.offset.reset": "earliest", "kafkalab.client.semantics": semantics,
                      "auto.commit.interval.ms": 1000})
        c.subscribe(["t"])
        got = []
        while len(got) < 3:
            m = c.poll(1.0)
            if m is not None and m.error() is None:
                got.append(m.offset())
                cl.advance(600 if len(got) < 3 else 1_500)   # processing time; record 2 takes longer
        # Java committed offset 2 inside the poll that returned record 2 (the earlier polls' positions);
        # librdkafka's background timer committed its offset store, 3, while record 2 was being processed.
        cl.crash(c)             # dies while 'processing' record 2
        c2 = Consumer({**cf, "group.id": "g", "auto.offset.reset": "earliest", "kafkalab.client.semantics": semantics})
        c2.subscribe(["t"])
        again = []
        for _ in range(80):
            m = c2.poll(1.0)
            if m is not None and m.error() is None:
                again.append(m.offset())
        results[semantics] = again
    assert results["librdkafka"] == []      # record 2 was committed before it was processed: lost
    assert results["java"] == [2]           # redelivered


def test_groups_session_timeout_outside_broker_bounds_is_reported(cluster, conf):
    """session.timeout.ms below group.min.session.timeout.ms: JoinGroup fails with INVALID_SESSION_TIMEOUT."""
    setup(cluster, conf, partitions=1, per_partition=1)
    c = member(conf, "a", **{"session.timeout.ms": 1000})
    c.subscribe(["orders"])
    m = c.poll(1.0)
    assert m.error().code() == KafkaError.INVALID_SESSION_TIMEOUT
    assert "session.timeout.ms=1000" in m.error().str() and "6000..1800000" in m.error().str()


def test_groups_bad_assignor_and_mixed_protocols_are_refused(conf):
    """Unknown assignors and eager+cooperative mixes are refused at construction with librdkafka's texts."""
    with pytest.raises(KafkaException, match=re.escape("Unsupported partition.assignment.strategy: sticky-ish")):
        Consumer({**conf, "group.id": "g", "partition.assignment.strategy": "sticky-ish"})
    with pytest.raises(KafkaException, match="must have the same protocol type"):
        Consumer({**conf, "group.id": "g", "partition.assignment.strategy": "range,cooperative-sticky"})
    c = Consumer({**conf, "group.id": "g"})
    c.close()
    with pytest.raises(RuntimeError, match="Consumer closed"):
        c.subscribe(["t"])


def test_groups_offsets_expire_after_group_is_empty(conf):
    """KIP-211: offsets of an Empty group expire offsets.retention.minutes after it became Empty."""
    cluster = kafkalab.Cluster(seed=2, config={"offsets.retention.minutes": 10})
    cf = {"bootstrap.servers": cluster.bootstrap_servers}
    setup(cluster, cf, partitions=1, per_partition=3)
    c = member(cf, "a")
    c.subscribe(["orders"])
    got = []
    pump([c], 40, lambda i, m: (got.append(m), c.commit(m, asynchronous=False)))
    c.close()
    empty_at = cluster.now_ms
    cluster.advance(9 * 60_000)
    assert "billing" in cluster.group_coordinator.offsets.committed
    cluster.advance(12 * 60_000)
    expired = cluster.trace.last("offsets_expired", group="billing")
    assert expired is not None and expired.time_ms - empty_at >= 10 * 60_000
    c2 = member(cf, "b")
    c2.subscribe(["orders"])
    again = []
    pump([c2], 40, lambda i, m: again.append(m.offset()))
    assert again == [0, 1, 2]               # back to auto.offset.reset=earliest


def test_groups_assignment_queued_before_max_poll_exceeded_is_dropped(conf):
    """Found by tests/stateful/test_group_machine.py: a member gets a new assignment (queued for its next
    poll), then exceeds max.poll.interval.ms without polling and leaves. When it polls again, the queued
    assignment belongs to a membership that is gone: it must not be applied (librdkafka discards outdated
    rebalance ops). Before the fix the next generation's incremental assign raised _INVALID_ARG
    "already assigned" out of poll()."""
    cluster = kafkalab.Cluster(seed=3, config={"group.initial.rebalance.delay.ms": 0})
    cluster.create_topic("orders", 3)
    conf = {"bootstrap.servers": cluster.bootstrap_servers}
    members = {}
    for name in ("c0", "c1", "c2"):
        members[name] = Consumer({**conf, "group.id": "g", "client.id": name,
                                  "partition.assignment.strategy": "cooperative-sticky", "session.timeout.ms": 6_000,
                                  "heartbeat.interval.ms": 2_000, "max.poll.interval.ms": 20_000})
        members[name].subscribe(["orders"])
    for c in members.values():
        c.poll(0.05)
    assert len(members["c0"].assignment()) == 1
    cluster.crash(members["c1"])
    cluster.crash(members["c2"])
    cluster.advance(40_000)          # c0 is given all 3 partitions, never polls, and leaves the group
    assert cluster.trace.events("max_poll_exceeded", client_id="c0")
    late = Consumer({**conf, "group.id": "g", "client.id": "c3", "partition.assignment.strategy": "cooperative-sticky",
                     "session.timeout.ms": 6_000, "heartbeat.interval.ms": 2_000, "max.poll.interval.ms": 20_000})
    late.subscribe(["orders"])
    first = members["c0"].poll(0.05)
    assert first is not None and first.error().code() == KafkaError._MAX_POLL_EXCEEDED
    for _ in range(6):
        members["c0"].poll(0.5)      # raised KafkaException(_INVALID_ARG) before the fix
        late.poll(0.5)
    owned = sorted(tp.partition for c in (members["c0"], late) for tp in c.assignment())
    assert owned == [0, 1, 2]
    lost = cluster.trace.events("lost", client_id="c0")
    assert lost and lost[0]["partitions"] == [["orders", 0]]   # only what the application had been given


@pytest.mark.parametrize("semantics", ["librdkafka", "java"])
def test_groups_cooperative_sticky_moves_what_librdkafka_moves_with_its_callbacks(semantics):
    """Topics ta (4) and tb (3); m1 alone, then m2 joins (cooperative-sticky).

    confluent-kafka 2.16.1 / librdkafka 2.16.0 on librdkafka's mock cluster (two consumers in one
    process, polled in turns, callbacks recorded): m1 sees assign[all 7], revoke[ta0, ta1, ta2],
    assign[], assign[]; m2 sees assign[], assign[ta0, ta1, ta2]. librdkafka's sticky assignor
    (rdkafka_sticky_assignor.c, sortPartitions + performReassignments) moves the first partitions of
    the busiest member to the newcomer, and rd_kafka_cgrp_incr_unassign_done follows every revoke with
    the same generation's assign, even an empty one. Java's CooperativeStickyAssignor
    (kafkalab.client.semantics=java) moves tb0, tb1, tb2; Java's ConsumerCoordinator.onJoinComplete
    also calls onPartitionsAssigned(added) after every join, empty or not.
    """
    cluster = kafkalab.Cluster(seed=1, config={"group.initial.rebalance.delay.ms": 0})
    cluster.create_topic("ta", 4)
    cluster.create_topic("tb", 3)
    conf = {"bootstrap.servers": cluster.bootstrap_servers, "group.id": "g",
            "partition.assignment.strategy": "cooperative-sticky", "kafkalab.client.semantics": semantics}
    log = {"m1": [], "m2": []}

    def consumer(name):
        c = Consumer({**conf, "client.id": name})
        c.subscribe(["ta", "tb"],
                    on_assign=lambda _, ps: log[name].append(("assign", [(p.topic, p.partition) for p in ps])),
                    on_revoke=lambda _, ps: log[name].append(("revoke", [(p.topic, p.partition) for p in ps])))
        return c

    m1 = consumer("m1")
    for _ in range(20):
        m1.poll(0.1)
    m2 = consumer("m2")
    for _ in range(60):
        m1.poll(0.1)
        m2.poll(0.1)
    moved = [("ta", 0), ("ta", 1), ("ta", 2)] if semantics == "librdkafka" else [("tb", 0), ("tb", 1), ("tb", 2)]
    everything = [("ta", p) for p in range(4)] + [("tb", p) for p in range(3)]
    assert sorted((p.topic, p.partition) for p in m2.assignment()) == moved
    assert log["m1"] == [("assign", everything), ("revoke", moved), ("assign", []), ("assign", [])]
    assert log["m2"] == [("assign", []), ("assign", moved)]
