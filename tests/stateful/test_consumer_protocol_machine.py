"""Stateful test of one consumer group under Kafka 4's consumer group protocol (KIP-848, ``group.protocol=consumer``).

A Hypothesis ``RuleBasedStateMachine`` drives a ``Cluster`` with up to four ``Consumer``s subscribed to one topic
with ``group.protocol=consumer``: random joins (some static, ``group.instance.id``), polls, commits, crashes,
closes, stalls (no poll past ``max.poll.interval.ms``), produces and virtual time. After every step:

- no partition is owned by two members whose epochs are both current (the client's member epoch equals the
  coordinator's for that member id); on the coordinator, no partition is held (assigned or pending revocation) by
  two members;
- a current member's client owns only partitions the coordinator lets it hold (assigned or pending revocation);
- once the group is Stable, every partition of the subscribed topic is assigned exactly once;
- member epoch <= group epoch and assignment epoch <= group epoch;
- a commit by a member that is not current (fenced, crashed-and-replaced, stale epoch) never lands: it raises
  UNKNOWN_MEMBER_ID or STALE_MEMBER_EPOCH and the committed offsets do not change; the committed offsets are exactly
  those of the accepted ``offset_commit`` trace events.

At teardown the same steps are replayed on a fresh cluster with the same seed and the two trace texts must be equal.
Profiles: ``KAFKALAB_HYPOTHESIS_PROFILE=dev`` (default), ``ci``, ``nightly``; see ``tests/conftest.py``.
"""

from __future__ import annotations

from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import kafkalab
from kafkalab import Consumer, KafkaException, Producer, TopicPartition

TOPIC = "orders"
GROUP = "g"
MAX_LIVE = 4
MAX_CREATED = 10
MAX_POLL_MS = 10_000

#: What a synchronous commit may fail with here: a zombie or stale member, or nothing to commit.
COMMIT_ERRORS = {"UNKNOWN_MEMBER_ID", "STALE_MEMBER_EPOCH", "_NO_OFFSET"}


class ConsumerProtocolMachine(RuleBasedStateMachine):
    """A consumer-protocol group on a real cluster, checked after every step."""

    def __init__(self) -> None:
        super().__init__()
        self.steps: list[tuple[str, dict]] = []

    @initialize(partitions=st.integers(1, 4), assignor=st.sampled_from([None, "uniform", "range"]),
                auto_commit=st.booleans(), static=st.booleans(), initial_members=st.integers(0, 3))
    def start(self, **params):
        self.params = params
        self.cluster = kafkalab.Cluster(seed=3)
        self.cluster.create_topic(TOPIC, params["partitions"])
        self.conf = {"bootstrap.servers": self.cluster.bootstrap_servers}
        self.producer = Producer({**self.conf, "linger.ms": 0})
        self.produced = 0
        self.consumers: list[tuple[str, Consumer]] = []     # live ones, oldest first
        self.created = 0
        self.last_msg: dict[str, object] = {}
        self.trace_seen = 0
        self.committed: dict[tuple[str, int], int] = {}     # the model: accepted offset_commit events
        for _ in range(params["initial_members"]):
            self.do_add_consumer()

    # -- rules -----------------------------------------------------------------------------------------
    @precondition(lambda self: len(self.consumers) < MAX_LIVE and self.created < MAX_CREATED)
    @rule()
    def add_consumer(self):
        """A new member subscribes (static members reuse the instance id of the consumer they replace)."""
        self._step("add_consumer")

    @rule(who=st.integers(0, MAX_LIVE - 1), timeout=st.sampled_from([0, 0.05, 0.5, 3.0]))
    def poll(self, who, timeout):
        """One live consumer polls with a timeout of virtual seconds."""
        self._step("poll", who=who, timeout=timeout)

    @rule(who=st.integers(0, MAX_LIVE - 1), use_message=st.booleans())
    def commit(self, who, use_message):
        """Commit the last message (offset + 1) or the offset store, synchronously."""
        self._step("commit", who=who, use_message=use_message)

    @rule(who=st.integers(0, MAX_LIVE - 1))
    def crash(self, who):
        """The consumer's process dies: no leave heartbeat, no more heartbeats."""
        self._step("crash", who=who)

    @rule(who=st.integers(0, MAX_LIVE - 1))
    def close(self, who):
        """The consumer closes cleanly (revoke, final auto-commit, leave with epoch -1, or -2 if static)."""
        self._step("close", who=who)

    @rule(stalled=st.integers(-1, MAX_LIVE - 1), rounds=st.integers(1, 30))
    def work(self, stalled, rounds):
        """Every live consumer but ``stalled`` (-1: none) polls for ``rounds`` rounds of 0.5 s: past 20 rounds
        the stalled one exceeds max.poll.interval.ms (10 s), stops heartbeating and may be fenced."""
        self._step("work", stalled=stalled, rounds=rounds)

    @rule(ms=st.sampled_from([100, 1_000, 5_000, 20_000, 50_000]))
    def advance(self, ms):
        """Virtual time passes with nobody polling: heartbeats, session and rebalance timeouts, max.poll."""
        self._step("advance", ms=ms)

    @rule(count=st.integers(1, 8))
    def produce(self, count):
        """Produce ``count`` records round robin over the partitions and flush."""
        self._step("produce", count=count)

    # -- the steps (replayable without Hypothesis) -------------------------------------------------------
    def _step(self, name: str, **kwargs) -> None:
        self.steps.append((name, kwargs))
        getattr(self, f"do_{name}")(**kwargs)

    def do_add_consumer(self) -> None:
        p = self.params
        name = f"c{self.created}"
        self.created += 1
        conf = {**self.conf, "group.id": GROUP, "client.id": name, "group.protocol": "consumer",
                "auto.offset.reset": "earliest", "enable.auto.commit": p["auto_commit"],
                "max.poll.interval.ms": MAX_POLL_MS}
        if p["assignor"] is not None:
            conf["group.remote.assignor"] = p["assignor"]
        if p["static"]:
            conf["group.instance.id"] = f"i{self.created % 3}"      # a restart may take an old member's place
        c = Consumer(conf)
        c.subscribe([TOPIC])
        self.consumers.append((name, c))

    def do_work(self, stalled: int, rounds: int) -> None:
        for _ in range(rounds):
            for i in range(len(self.consumers)):
                if i != stalled:
                    self.do_poll(i, 0.5)

    def do_poll(self, who: int, timeout: float) -> None:
        if not self.consumers:
            return
        name, c = self.consumers[who % len(self.consumers)]
        msg = c.poll(timeout)
        if msg is None:
            return
        err = msg.error()
        if err is not None:
            event(f"poll error {err.name()}")
            return
        self.last_msg[name] = msg

    def do_commit(self, who: int, use_message: bool) -> None:
        if not self.consumers:
            return
        name, c = self.consumers[who % len(self.consumers)]
        msg = self.last_msg.get(name) if use_message else None
        current = self._is_current(c)
        before = self._committed_now()
        try:
            if msg is not None:
                c.commit(message=msg, asynchronous=False)
            else:
                c.commit(asynchronous=False)
        except KafkaException as exc:
            code = exc.args[0].name()
            assert code in COMMIT_ERRORS, exc
            event(f"sync commit failed {code}")
            assert self._committed_now() == before, "a rejected commit changed the committed offsets"
            return
        assert current is not False, "a member that is not current committed successfully"

    def do_crash(self, who: int) -> None:
        if not self.consumers:
            return
        _name, c = self.consumers.pop(who % len(self.consumers))
        self.cluster.crash(c)

    def do_close(self, who: int) -> None:
        if not self.consumers:
            return
        _name, c = self.consumers.pop(who % len(self.consumers))
        c.close()

    def do_advance(self, ms: int) -> None:
        self.cluster.advance(ms)

    def do_produce(self, count: int) -> None:
        parts = self.params["partitions"]
        for _ in range(count):
            self.producer.produce(TOPIC, b"v%d" % self.produced, partition=self.produced % parts)
            self.produced += 1
        assert self.producer.flush(10) == 0

    # -- helpers -----------------------------------------------------------------------------------------
    def _group(self):
        return self.cluster.group_coordinator.consumer.group(GROUP)

    def _committed_now(self) -> dict:
        committed = self.cluster.group_coordinator.offsets.committed.get(GROUP, {})
        return {tp: oam.offset for tp, oam in committed.items()}

    def _is_current(self, c: Consumer) -> bool | None:
        """True if the coordinator knows ``c``'s member id at the client's member epoch; False if it does not;
        None while the client has no epoch yet (joining)."""
        meta = c.consumer_group_metadata()
        if meta.generation_id <= 0:
            return None
        grp = self._group()
        member = grp.members.get(meta.member_id) if grp is not None else None
        return member is not None and member.member_epoch == meta.generation_id

    def _replay_trace(self) -> None:
        events = self.cluster.trace.events()
        for ev in events[self.trace_seen:]:
            if ev.kind == "offset_commit" and ev.get("group") == GROUP and ev["error"] is None:
                for topic, partition, offset in ev["offsets"]:
                    self.committed[(topic, partition)] = offset
        self.trace_seen = len(events)

    # -- invariants ---------------------------------------------------------------------------------------
    @invariant()
    def no_partition_has_two_current_owners(self):
        """Client side: among members whose epoch is current, each partition has at most one owner. Coordinator
        side: each partition is held (assigned or pending revocation) by at most one member."""
        if not hasattr(self, "cluster"):
            return
        owners: dict[TopicPartition, str] = {}
        for name, c in self.consumers:
            if not self._is_current(c):
                continue
            for tp in c.assignment():
                key = (tp.topic, tp.partition)
                assert key not in owners, f"{key} owned by {owners[key]} and {name}, both current"
                owners[key] = name
        grp = self._group()
        if grp is not None:
            held = [tp for m in grp.members.values() for tp in (m.assigned | m.pending_revocation)]
            assert len(held) == len(set(held)), f"a partition is held twice: {sorted(held)}"
            for name, c in self.consumers:      # a current client owns only what the coordinator lets it hold
                if self._is_current(c):
                    m = grp.members[c.consumer_group_metadata().member_id]
                    mine = {(tp.topic, tp.partition) for tp in c.assignment()}
                    assert mine <= m.assigned | m.pending_revocation, (name, sorted(mine))

    @invariant()
    def epochs_never_run_ahead_of_the_group(self):
        """member epoch <= group epoch; assignment epoch <= group epoch."""
        if not hasattr(self, "cluster"):
            return
        grp = self._group()
        if grp is None:
            return
        assert grp.assignment_epoch <= grp.group_epoch
        for m in grp.members.values():
            assert m.member_epoch <= grp.group_epoch, (m.member_id, m.member_epoch, grp.group_epoch)

    @invariant()
    def stable_group_owns_every_partition_once(self):
        """In Stable every partition is assigned to exactly one member, each member at the assignment epoch with
        nothing pending revocation. (A client may still lag behind: the coordinator moves a member with nothing to
        revoke to the new epoch at once, before its application's poll runs on_assign.)"""
        if not hasattr(self, "cluster"):
            return
        grp = self._group()
        if grp is None or grp.state.value != "Stable":
            return
        assigned = [tp for m in grp.members.values() for tp in m.assigned]
        assert sorted(assigned) == sorted({(TOPIC, p) for p in range(self.params["partitions"])}), sorted(assigned)
        for m in grp.members.values():
            assert m.member_epoch == grp.assignment_epoch and not m.pending_revocation

    @invariant()
    def committed_offsets_are_the_accepted_commits(self):
        """The committed offsets are exactly those of the accepted offset_commit events: a rejected commit
        (a fenced or stale member's) never lands."""
        if not hasattr(self, "cluster"):
            return
        self._replay_trace()
        assert self._committed_now() == self.committed

    def teardown(self):
        if not hasattr(self, "cluster"):
            return
        trace = self.cluster.trace
        grp = self._group()
        event(f"group epoch: {min(grp.group_epoch, 8) if grp else 0}{'+' if grp and grp.group_epoch >= 8 else ''}")
        for ev in trace.events("offset_commit", group=GROUP):
            event(f"commit error {ev['error']}")
        for kind in ("member_fenced", "reconcile"):
            event(f"{kind}: {bool(trace.events(kind))}")
        replica = ConsumerProtocolMachine()
        replica.start(**self.params)
        for name, kwargs in self.steps:
            getattr(replica, f"do_{name}")(**kwargs)
        same = replica.cluster.trace.text().replace(replica.cluster.name, "CLUSTER")
        assert trace.text().replace(self.cluster.name, "CLUSTER") == same, "same seed and steps, different trace"


ConsumerProtocolMachine.TestCase.settings = settings(max_examples=settings().max_examples, stateful_step_count=50)
TestConsumerProtocolMachine = ConsumerProtocolMachine.TestCase
