"""Stateful test of one consumer group: random joins, polls, commits, crashes, closes, produces and time.

A Hypothesis ``RuleBasedStateMachine`` drives a ``Cluster`` with up to four ``Consumer``s
subscribed to one topic. After every step the group coordinator and the trace are checked
against a trivial model rebuilt from the trace: generations (one per completed join phase),
membership, the expected outcome of every OffsetCommit, the committed offsets, and the records
handed to the application. At teardown the same steps are replayed on a fresh cluster with the
same seed and the two traces must be identical.

Profiles: ``KAFKALAB_HYPOTHESIS_PROFILE=dev`` (default, fast), ``ci``, ``nightly`` (the long run);
see ``tests/conftest.py``.
"""

from __future__ import annotations

from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import kafkalab
from kafkalab import Consumer, KafkaException, Producer
from kafkalab.broker.groups import GroupState

TOPIC = "orders"
GROUP = "g"
MAX_LIVE = 4
MAX_CREATED = 10

#: What a synchronous commit may fail with in this machine (zombies, rebalances, nothing stored).
COMMIT_ERRORS = {"ILLEGAL_GENERATION", "UNKNOWN_MEMBER_ID", "REBALANCE_IN_PROGRESS", "_NO_OFFSET"}


class GroupMachine(RuleBasedStateMachine):
    """A consumer group on a real cluster against a model rebuilt from the trace."""

    def __init__(self) -> None:
        super().__init__()
        self.steps: list[tuple[str, dict]] = []

    @initialize(partitions=st.integers(1, 4), strategy=st.sampled_from(["range", "roundrobin", "cooperative-sticky"]),
                semantics=st.sampled_from(["librdkafka", "java"]), auto_commit=st.booleans(),
                reset=st.sampled_from(["earliest", "latest"]), initial_delay_ms=st.sampled_from([0, 3_000]),
                session_ms=st.sampled_from([6_000, 10_000]), initial_members=st.integers(0, 3))
    def start(self, **params):
        self.params = params
        self.cluster = kafkalab.Cluster(seed=3, config={"group.initial.rebalance.delay.ms": params["initial_delay_ms"]})
        self.cluster.create_topic(TOPIC, params["partitions"])
        self.conf = {"bootstrap.servers": self.cluster.bootstrap_servers}
        self.producer = Producer({**self.conf, "linger.ms": 0})
        self.produced = 0
        self.consumers: list[tuple[str, Consumer]] = []     # live ones, oldest first
        self.created = 0
        self.last_msg: dict[str, object] = {}
        self.delivered: set[tuple[int, int]] = set()         # (partition, offset) handed to any member
        # the model, rebuilt from the trace
        self.trace_seen = 0
        self.last_seq = -1
        self.last_now_ms = 0
        self.generation = 0
        self.state = GroupState.EMPTY.value
        self.members: set[str] = set()
        self.committed: dict[tuple[str, int], int] = {}
        self.reset_below: dict[int, list[tuple[int, int]]] = {}   # partition -> skipped [from, to) ranges
        for _ in range(params["initial_members"]):   # part of the setup (replayed by start), not of self.steps
            self.do_add_consumer()

    # -- rules -----------------------------------------------------------------------------------------
    @precondition(lambda self: len(self.consumers) < MAX_LIVE and self.created < MAX_CREATED)
    @rule()
    def add_consumer(self):
        """A new member subscribes to the topic."""
        self._step("add_consumer")

    @rule(who=st.integers(0, MAX_LIVE - 1), timeout=st.sampled_from([0, 0.05, 0.5, 3.0]))
    def poll(self, who, timeout):
        """One live consumer polls with a timeout of virtual seconds."""
        self._step("poll", who=who, timeout=timeout)

    @rule(who=st.integers(0, MAX_LIVE - 1), asynchronous=st.booleans(), use_message=st.booleans())
    def commit(self, who, asynchronous, use_message):
        """Commit the last message (offset + 1) or the offset store, synchronously or not."""
        self._step("commit", who=who, asynchronous=asynchronous, use_message=use_message)

    @rule(who=st.integers(0, MAX_LIVE - 1))
    def crash(self, who):
        """The consumer's process dies: no LeaveGroup, no heartbeats."""
        self._step("crash", who=who)

    @rule(who=st.integers(0, MAX_LIVE - 1))
    def close(self, who):
        """The consumer closes cleanly (final commit under auto-commit, LeaveGroup)."""
        self._step("close", who=who)

    @rule(stalled=st.integers(-1, MAX_LIVE - 1), rounds=st.integers(1, 12))
    def work(self, stalled, rounds):
        """Every live consumer but ``stalled`` (-1: none) polls for ``rounds`` rounds of 0.5 s: the stalled one
        may exceed max.poll.interval.ms and become a zombie while the others rebalance."""
        self._step("work", stalled=stalled, rounds=rounds)

    @rule(ms=st.sampled_from([100, 1_000, 4_000, 12_000, 40_000]))
    def advance(self, ms):
        """Virtual time passes: heartbeats, session timeouts, rebalance timeouts, auto-commits."""
        self._step("advance", ms=ms)

    @rule(count=st.integers(1, 8))
    def produce(self, count):
        """Produce ``count`` records round robin over the partitions and flush."""
        self._step("produce", count=count)

    # -- the steps themselves (replayable without Hypothesis) -----------------------------------------
    def _step(self, name: str, **kwargs) -> None:
        self.steps.append((name, kwargs))
        getattr(self, f"do_{name}")(**kwargs)

    def do_add_consumer(self) -> None:
        p = self.params
        name = f"c{self.created}"
        self.created += 1
        c = Consumer({**self.conf, "group.id": GROUP, "client.id": name, "auto.offset.reset": p["reset"],
                      "enable.auto.commit": p["auto_commit"], "partition.assignment.strategy": p["strategy"],
                      "kafkalab.client.semantics": p["semantics"], "session.timeout.ms": p["session_ms"],
                      "heartbeat.interval.ms": 2_000, "max.poll.interval.ms": 20_000})
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
        hw = self.cluster.partition(TOPIC, msg.partition()).high_watermark
        assert msg.topic() == TOPIC and 0 <= msg.offset() < hw
        self.delivered.add((msg.partition(), msg.offset()))
        self.last_msg[name] = msg

    def do_commit(self, who: int, asynchronous: bool, use_message: bool) -> None:
        if not self.consumers:
            return
        name, c = self.consumers[who % len(self.consumers)]
        msg = self.last_msg.get(name) if use_message else None
        try:
            if msg is not None:
                c.commit(message=msg, asynchronous=asynchronous)
            else:
                c.commit(asynchronous=asynchronous)
        except KafkaException as exc:
            code = exc.args[0].name()
            assert not asynchronous and code in COMMIT_ERRORS, exc
            event(f"sync commit failed {code}")

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

    # -- the model, replayed from the trace -----------------------------------------------------------
    def _replay_trace(self) -> None:
        events = self.cluster.trace.events()
        for ev in events[self.trace_seen:]:
            assert ev.seq == self.last_seq + 1 and ev.time_ms <= self.cluster.now_ms
            self.last_seq = ev.seq
            handler = getattr(self, f"_on_{ev.kind}", None)
            if handler is not None and ev.get("group") == GROUP:
                handler(ev)
        self.trace_seen = len(events)

    def _on_group_state(self, ev) -> None:
        assert ev["old"] == self.state, f"transition from {ev['old']} but the model is in {self.state}"
        if ev["old"] == GroupState.PREPARING_REBALANCE.value and ev["new"] in (
                GroupState.COMPLETING_REBALANCE.value, GroupState.EMPTY.value):
            self.generation += 1          # a completed join phase: exactly one new generation
        assert ev["generation_id"] == self.generation
        self.state = ev["new"]

    def _on_generation(self, ev) -> None:
        assert ev["generation_id"] == self.generation
        assert set(ev["members"]) == self.members

    def _on_member_joined(self, ev) -> None:
        assert ev["member_id"] not in self.members
        self.members.add(ev["member_id"])

    def _on_member_removed(self, ev) -> None:
        self.members.discard(ev["member_id"])

    def _on_offset_commit(self, ev) -> None:
        expected = None
        if ev["generation_id"] < 0 and not ev["member_id"]:
            # a commit outside the group protocol: accepted only while the group is Empty (§4.5)
            if self.state != GroupState.EMPTY.value:
                expected = "UNKNOWN_MEMBER_ID"
        elif ev["member_id"] not in self.members:
            expected = "UNKNOWN_MEMBER_ID"
        elif ev["generation_id"] != self.generation:
            expected = "ILLEGAL_GENERATION"
        elif self.state == GroupState.COMPLETING_REBALANCE.value:
            expected = "REBALANCE_IN_PROGRESS"
        assert ev["error"] == expected, f"commit {ev.to_dict()} answered {ev['error']}, expected {expected}"
        if expected is None:
            for topic, partition, offset in ev["offsets"]:
                self.committed[(topic, partition)] = offset

    def _on_offsets_expired(self, ev) -> None:
        for topic, partition in ev["partitions"]:
            self.committed.pop((topic, partition), None)

    def _trace_delivered(self) -> set[tuple[int, int]]:
        """(partition, offset) of every record the trace says was handed to the group. Read from every deliver
        event each time: a published run of deliveries keeps growing while its consumer's run is open, even
        after other consumers' runs were published behind it (Trace.defer)."""
        return {(ev["partition"], o) for ev in self.cluster.trace.events("deliver", group=GROUP)
                for o in range(ev["first_offset"], ev["last_offset"] + 1)}

    def _on_offset_reset(self, ev) -> None:
        low = 0 if ev["from_offset"] is None else ev["from_offset"]
        self.reset_below.setdefault(ev["partition"], []).append((low, ev["to_offset"]))

    # -- invariants ---------------------------------------------------------------------------------------
    @invariant()
    def trace_replays_into_the_model(self):
        """Every new trace event is consistent with the model: seq contiguous, generations, commit outcomes."""
        if hasattr(self, "cluster"):
            self._replay_trace()

    @invariant()
    def clock_never_goes_back(self):
        """Virtual time never decreases."""
        if hasattr(self, "cluster"):
            assert self.cluster.now_ms >= self.last_now_ms
            self.last_now_ms = self.cluster.now_ms

    @invariant()
    def coordinator_matches_the_model(self):
        """Generation, state and members as the trace says; a rejected commit changed nothing."""
        if not hasattr(self, "cluster"):
            return
        self._replay_trace()
        grp = self.cluster.group_coordinator.groups.get(GROUP)
        if grp is None:
            assert self.generation == 0 and not self.members
            return
        assert (grp.generation_id, grp.state.value, set(grp.members)) == (self.generation, self.state, self.members)
        committed = self.cluster.group_coordinator.offsets.committed.get(GROUP, {})
        assert {tp: oam.offset for tp, oam in committed.items()} == self.committed

    @invariant()
    def stable_group_owns_each_partition_once(self):
        """In Stable every partition has exactly one owner among the current generation's members
        (at most one under cooperative-sticky, whose first phase withholds partitions that move)."""
        if not hasattr(self, "cluster"):
            return
        grp = self.cluster.group_coordinator.groups.get(GROUP)
        if grp is None or grp.state is not GroupState.STABLE:
            return
        owned = [tp for m in grp.members.values() for tp in m.assignment]
        assert len(owned) == len(set(owned)), f"a partition has two owners: {sorted(owned)}"
        everything = {(TOPIC, p) for p in range(self.params["partitions"])}
        assert set(owned) <= everything
        if self.params["strategy"] != "cooperative-sticky":
            assert set(owned) == everything
        for member_id in grp.members:
            last = self.cluster.trace.last("assignment", group=GROUP, member_id=member_id)
            assert last is not None and last["generation_id"] == grp.generation_id

    @invariant()
    def committed_offsets_were_delivered(self):
        """At least once: every offset below a committed offset was handed to the group, or skipped by a
        traced offset reset; what the application received is exactly what the trace says."""
        if not hasattr(self, "cluster"):
            return
        self._replay_trace()
        assert self._trace_delivered() == self.delivered
        for (topic, partition), offset in self.committed.items():
            assert offset <= self.cluster.partition(topic, partition).high_watermark
            skipped = self.reset_below.get(partition, [])
            missing = [o for o in range(offset) if (partition, o) not in self.delivered
                       and not any(lo <= o < hi for lo, hi in skipped)]
            assert not missing, f"committed {offset} on partition {partition} but never delivered {missing}"

    def teardown(self):
        if not hasattr(self, "cluster"):
            return
        trace = self.cluster.trace
        event(f"generations: {min(self.generation, 5)}{'+' if self.generation >= 5 else ''}")
        for ev in trace.events("offset_commit", group=GROUP):
            event(f"commit error {ev['error']}" + (" (outside the group)" if ev["generation_id"] < 0 else ""))
        event(f"session timeouts: {bool(trace.events('member_removed', cause='session_timeout'))}")
        replica = GroupMachine()
        replica.start(**self.params)
        for name, kwargs in self.steps:
            getattr(replica, f"do_{name}")(**kwargs)
        same = replica.cluster.trace.text().replace(replica.cluster.name, "CLUSTER")
        assert trace.text().replace(self.cluster.name, "CLUSTER") == same, "same seed and steps, different trace"


# One example (up to 50 steps, invariants after each, then the replay) costs ~5-40 ms: run the profile's
# max_examples (dev 30, ci 60, nightly 2000).
GroupMachine.TestCase.settings = settings(max_examples=settings().max_examples, stateful_step_count=50)
TestGroupMachine = GroupMachine.TestCase
