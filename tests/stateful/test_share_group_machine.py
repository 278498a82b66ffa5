"""Stateful test of one share group (KIP-932, ``kafkalab.ShareConsumer``) on one topic.

A Hypothesis ``RuleBasedStateMachine`` drives a ``Cluster`` with up to four share consumers (implicit or explicit
acknowledgement) on a topic of 1-3 partitions, so members sometimes outnumber partitions and share them: random
joins, polls, acknowledgements (ACCEPT / RELEASE / REJECT from a drawn pattern), ``commit_sync`` / ``commit_async``,
crashes (``cluster.crash``: connections closed), hangs (a member stops polling with its connections up) and
resumes, closes, produces and virtual time (past the lock duration and the session timeout). After every step:

- broker side, replayed from the share trace events: a record is acquired only while Available, so it is never
  Acquired by two consumers at once; its delivery count rises by one per acquisition and never passes
  ``group.share.delivery.count.limit`` (5); a delivery that ends at the limit archives the record; every offset below
  the share-partition start offset (SPSO) is Acknowledged or Archived;
- the broker's own window (``SharePartition.snapshot()``, ``start_offset``) equals the replayed model;
- client side, from what the consumers were handed and what their acknowledgement-commit callbacks reported: a
  record's delivery count strictly increases from one delivery to the next and never exceeds the limit; a record
  whose ACCEPT or REJECT was confirmed, or that was delivered at the limit and then released, is never delivered
  again; an explicit-mode poll with records still unacknowledged raises IllegalStateException with librdkafka's text.
  A record handed out after its lock expired in the client's buffer (fetched by an earlier ``poll(0)``) is counted
  as stale and only range-checked;
- acknowledgements never touch the log: the log start offset stays 0 and the log end offset counts every record
  produced.

At teardown the same steps are replayed on a fresh cluster with the same seed and the two trace texts must be equal.
Profiles: ``KAFKALAB_HYPOTHESIS_PROFILE=dev`` (default), ``ci``, ``nightly``; see ``tests/conftest.py``.
"""

from __future__ import annotations

import pytest
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import kafkalab

if not hasattr(kafkalab, "ShareConsumer") or not hasattr(kafkalab.Cluster, "set_group_config"):
    pytest.skip("kafkalab.ShareConsumer / share groups on the broker not built yet", allow_module_level=True)

from kafkalab import AcknowledgeType, IllegalStateException, Producer, ShareConsumer

TOPIC = "jobs"
GROUP = "sg"
MAX_LIVE = 4
MAX_CREATED = 10
LOCK_MS = 15_000          # group config share.record.lock.duration.ms (its lowest allowed value)
LIMIT = 5                 # group.share.delivery.count.limit (broker default)
ACK_TYPES = ("ACCEPT", "RELEASE", "REJECT")
SHARE_KINDS = ("share_acquired", "share_acknowledged", "share_lock_expired", "share_released", "share_archived",
               "share_start_offset")


def offsets_of(fields: dict) -> list[int]:
    """The offsets a share trace event names: ``first_offset..last_offset`` or ``offsets`` (ints or [first, last])."""
    if fields.get("first_offset") is not None:
        return list(range(int(fields["first_offset"]), int(fields["last_offset"]) + 1))
    out: list[int] = []
    for item in fields.get("offsets") or []:
        if isinstance(item, (list, tuple)):
            out.extend(range(int(item[0]), int(item[-1]) + 1))
        else:
            out.append(int(item))
    return out


def set_group_config(cluster, group: str, configs: dict) -> None:
    """The group configs (a GROUP resource) as the notebooks set them."""
    fn = getattr(cluster, "set_group_config", None)
    if fn is not None:
        fn(group, configs)
        return
    from kafkalab.admin import AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource
    admin = AdminClient({"bootstrap.servers": cluster.bootstrap_servers})
    res = ConfigResource("group", group, incremental_configs=[
        ConfigEntry(k, v, incremental_operation=AlterConfigOpType.SET) for k, v in configs.items()])
    for fut in admin.incremental_alter_configs([res]).values():
        fut.result()


class Member:
    """One share consumer and what the test knows about it."""

    def __init__(self, name: str, consumer: ShareConsumer, mode: str) -> None:
        self.name = name
        self.c = consumer
        self.mode = mode
        self.batch: list = []           # the last poll's records
        self.acked: dict = {}           # explicit: (partition, offset) -> type name, acknowledged locally
        self.pending: dict = {}         # sent or about to be sent: (partition, offset) -> (type, delivery count)
        self.hung = False


class ShareGroupMachine(RuleBasedStateMachine):
    """A share group on a real cluster, checked after every step."""

    def __init__(self) -> None:
        super().__init__()
        self.steps: list[tuple[str, dict]] = []

    @initialize(partitions=st.integers(1, 3), pattern=st.lists(st.sampled_from(ACK_TYPES), min_size=1, max_size=6),
                max_poll_records=st.sampled_from([1, 3, 500]), initial_members=st.integers(1, 3),
                initial_records=st.integers(1, 8))
    def start(self, **params):
        self.params = params
        self.cluster = kafkalab.Cluster(seed=5)
        self.cluster.create_topic(TOPIC, params["partitions"])
        set_group_config(self.cluster, GROUP, {"share.auto.offset.reset": "earliest",
                                               "share.record.lock.duration.ms": str(LOCK_MS)})
        self.conf = {"bootstrap.servers": self.cluster.bootstrap_servers}
        self.producer = Producer({**self.conf, "linger.ms": 0})
        self.produced = [0] * params["partitions"]
        self.members: list[Member] = []
        self.created = 0
        # client-side model, per (partition, offset)
        self.last_dc: dict[tuple[int, int], int] = {}
        self.finished: dict[tuple[int, int], str] = {}      # confirmed ACCEPT/REJECT, or released at the limit
        # broker-side model replayed from the trace
        self.trace_seen = 0
        self.state: dict[tuple[int, int], tuple[str, str | None, int]] = {}     # -> (state, member, dc)
        self.spso: dict[int, int] = {}
        self.acquired_by: dict[tuple[int, int], str] = {}    # client.id of the latest acquisition
        self.do_produce(params["initial_records"])
        for i in range(params["initial_members"]):
            self.do_add_consumer("explicit" if i % 2 else "implicit")

    # -- rules -----------------------------------------------------------------------------------------
    @precondition(lambda self: len(self.members) < MAX_LIVE and self.created < MAX_CREATED)
    @rule(mode=st.sampled_from(["implicit", "explicit"]))
    def add_consumer(self, mode):
        """A new member subscribes."""
        self._step("add_consumer", mode=mode)

    @rule(who=st.integers(0, MAX_LIVE - 1), timeout=st.sampled_from([0, 0.1, 1.0]))
    def poll(self, who, timeout):
        """One member polls (an explicit one with records unacknowledged must be refused)."""
        self._step("poll", who=who, timeout=timeout)

    @rule(who=st.integers(0, MAX_LIVE - 1), count=st.integers(1, 3))
    def acknowledge(self, who, count):
        """An explicit member acknowledges up to ``count`` records of its batch, each with the pattern's type."""
        self._step("acknowledge", who=who, count=count)

    @rule(who=st.integers(0, MAX_LIVE - 1), sync=st.booleans())
    def commit(self, who, sync):
        """commit_sync or commit_async of what is acknowledged (implicit: the last batch is accepted)."""
        self._step("commit", who=who, sync=sync)

    @rule(who=st.integers(0, MAX_LIVE - 1))
    def crash(self, who):
        """The process dies: its connections close, the broker releases what it held at once."""
        self._step("crash", who=who)

    @rule(who=st.integers(0, MAX_LIVE - 1))
    def hang(self, who):
        """The member stops polling (connections up): its records wait for the lock to expire."""
        self._step("hang", who=who)

    @rule(who=st.integers(0, MAX_LIVE - 1))
    def resume(self, who):
        """A hung member polls again (its late acknowledgements may fail with INVALID_RECORD_STATE)."""
        self._step("resume", who=who)

    @rule(who=st.integers(0, MAX_LIVE - 1))
    def close(self, who):
        """The member closes: pending acknowledgements sent, the rest released."""
        self._step("close", who=who)

    @rule(rounds=st.integers(1, 12))
    def work(self, rounds):
        """Every member that is not hung polls (0.5 s) and acknowledges its whole batch, ``rounds`` times."""
        self._step("work", rounds=rounds)

    @rule(ms=st.sampled_from([100, 2_000, 16_000, 16_000, 50_000]))
    def advance(self, ms):
        """Virtual time passes with nobody polling: locks expire, sessions time out."""
        self._step("advance", ms=ms)

    @rule(count=st.integers(1, 8))
    def produce(self, count):
        """Produce ``count`` records round robin over the partitions."""
        self._step("produce", count=count)

    @rule(count=st.integers(1, 8), who=st.integers(0, MAX_LIVE - 1))
    def produce_and_take(self, count, who):
        """Produce ``count`` records, then one member (hung or not) polls once and holds what it got."""
        self._step("produce_and_take", count=count, who=who)

    # -- the steps (replayable without Hypothesis) -------------------------------------------------------
    def _step(self, name: str, **kwargs) -> None:
        self.steps.append((name, kwargs))
        getattr(self, f"do_{name}")(**kwargs)

    def _member(self, who: int) -> Member | None:
        return self.members[who % len(self.members)] if self.members else None

    def _type(self, m) -> str:
        pattern = self.params["pattern"]
        return pattern[(m.offset() * 7 + m.partition() * 3 + m.delivery_count()) % len(pattern)]

    def do_add_consumer(self, mode: str) -> None:
        name = f"s{self.created}"
        self.created += 1
        c = ShareConsumer({**self.conf, "group.id": GROUP, "client.id": name, "share.acknowledgement.mode": mode,
                           "max.poll.records": self.params["max_poll_records"]})
        member = Member(name, c, mode)
        c.set_acknowledgement_commit_callback(lambda offsets, exc, m=member: self._on_ack_commit(m, offsets, exc))
        c.subscribe([TOPIC])
        self.members.append(member)

    def _on_ack_commit(self, m: Member, offsets: dict, exc) -> None:
        """The broker's verdict on acknowledgements ``m`` sent: on success, ACCEPT/REJECT finish the record."""
        if exc is not None:
            event(f"ack commit failed {exc.args[0].name()}")
        for tp, offs in offsets.items():
            for off in offs:
                key = (tp.partition, off)
                kind, dc = m.pending.pop(key, (None, None))
                if exc is None and kind in ("ACCEPT", "REJECT"):
                    self.finished[key] = kind
                elif exc is None and kind == "RELEASE" and dc == LIMIT:
                    self.finished[key] = "released at the limit"

    def _send_point(self, m: Member) -> None:
        """A poll, commit or close sends what ``m`` acknowledged (implicit: accepts the whole last batch); in explicit
        mode the records not acknowledged stay in the batch, unacknowledged."""
        if m.mode == "implicit":
            for r in m.batch:
                m.pending[(r.partition(), r.offset())] = ("ACCEPT", r.delivery_count())
            m.batch = []
        else:
            for r in m.batch:
                key = (r.partition(), r.offset())
                if key in m.acked:
                    m.pending[key] = (m.acked[key], r.delivery_count())
            m.batch = [r for r in m.batch if (r.partition(), r.offset()) not in m.acked]
        m.acked = {}

    def do_poll(self, who: int, timeout: float) -> None:
        m = self._member(who)
        if m is None:
            return
        if m.mode == "explicit" and len(m.acked) < len(m.batch):
            missing = len(m.batch) - len(m.acked)
            try:
                m.c.poll(timeout)
            except IllegalStateException as exc:
                assert str(exc) == f"{missing} records from previous poll have not been acknowledged", exc
                event("explicit poll refused")
                return
            raise AssertionError(f"{m.name}: poll with {missing} records unacknowledged was not refused")
        self._send_point(m)
        batch = m.c.poll(timeout)
        self._replay_trace()
        records = []
        for r in batch:
            if r.error() is not None:
                event(f"poll error {r.error().name()}")
                continue
            records.append(r)
            self._delivered(m, r)
        m.batch = records
        if records:
            event(f"batch of {min(len(records), 4)}{'+' if len(records) > 4 else ''}")

    def _delivered(self, m: Member, r) -> None:
        """Client-side checks of one record handed out by poll. A record whose lock already expired while it waited
        in the client (fetched by an earlier ``poll(0)``) is handed out stale: it is no longer ``m``'s, so only its
        delivery count range is checked (its acknowledgement will fail with INVALID_RECORD_STATE)."""
        key = (r.partition(), r.offset())
        dc = r.delivery_count()
        assert isinstance(dc, int) and 1 <= dc <= LIMIT, (m.name, key, dc)
        state, _member, model_dc = self.state.get(key, ("Available", None, 0))
        if not (state == "Acquired" and self.acquired_by.get(key) == m.name and model_dc == dc):
            event("stale record handed out (its lock expired in the client's buffer)")
            return
        assert key not in self.finished, f"{m.name} got {key} (dc {dc}) after it finished: {self.finished[key]}"
        assert dc > self.last_dc.get(key, 0), f"{m.name} got {key} with dc {dc} after dc {self.last_dc[key]}"
        assert r.value() == b"p%d-%d" % key, (key, r.value())
        self.last_dc[key] = dc
        if dc > 1:
            event(f"redelivered dc{dc}")

    def do_acknowledge(self, who: int, count: int) -> None:
        m = self._member(who)
        if m is None or m.mode != "explicit":
            return
        for r in [r for r in m.batch if (r.partition(), r.offset()) not in m.acked][:count]:
            kind = self._type(r)
            m.c.acknowledge(r, getattr(AcknowledgeType, kind))
            m.acked[(r.partition(), r.offset())] = kind

    def do_commit(self, who: int, sync: bool) -> None:
        m = self._member(who)
        if m is None:
            return
        self._send_point(m)
        if sync:
            result = m.c.commit_sync(5)
            assert isinstance(result, dict)
        else:
            assert m.c.commit_async() is None

    def do_crash(self, who: int) -> None:
        m = self._member(who)
        if m is None:
            return
        self.members.remove(m)
        self.cluster.crash(m.c)

    def do_hang(self, who: int) -> None:
        m = self._member(who)
        if m is not None:
            m.hung = True

    def do_resume(self, who: int) -> None:
        m = self._member(who)
        if m is not None:
            m.hung = False

    def do_close(self, who: int) -> None:
        m = self._member(who)
        if m is None:
            return
        self.members.remove(m)
        if m.mode == "explicit":        # acknowledged records are sent; the rest is released
            self._send_point(m)
        else:                           # implicit: close releases the last batch, it does not accept it
            m.batch = []
        m.c.close()

    def do_work(self, rounds: int) -> None:
        for _ in range(rounds):
            for i, m in enumerate(list(self.members)):
                if m.hung:
                    continue
                if m.mode == "explicit":
                    self.do_acknowledge(i, len(m.batch))
                self.do_poll(i, 0.5)

    def do_advance(self, ms: int) -> None:
        self.cluster.advance(ms)

    def do_produce(self, count: int) -> None:
        parts = self.params["partitions"]
        for _ in range(count):
            p = sum(self.produced) % parts
            self.producer.produce(TOPIC, b"p%d-%d" % (p, self.produced[p]), partition=p)
            self.produced[p] += 1
        assert self.producer.flush(10) == 0

    def do_produce_and_take(self, count: int, who: int) -> None:
        self.do_produce(count)
        m = self._member(who)
        if m is None:
            return
        if m.mode == "explicit":
            self.do_acknowledge(who, len(m.batch))
        self.do_poll(who, 0.5)

    # -- the broker-side model, replayed from the trace ----------------------------------------------------
    def _replay_trace(self) -> None:
        events = self.cluster.trace.events()
        for ev in events[self.trace_seen:]:
            if ev.kind not in SHARE_KINDS or ev.get("group") != GROUP:
                continue
            f = ev.fields
            p = int(f["partition"])
            if ev.kind == "share_start_offset":
                old, new = int(f["old"]), int(f["new"])
                assert new >= old, f"SPSO of p{p} moved back: {old} -> {new}"
                assert old == self.spso.get(p, old), (p, old, self.spso.get(p))
                for off in range(old, new):
                    st_ = self.state.get((p, off), ("Available", None, 0))[0]
                    assert st_ in ("Acknowledged", "Archived"), f"SPSO of p{p} passed {off} in state {st_}"
                self.spso[p] = new
                continue
            for off in offsets_of(f):
                key = (p, off)
                state, owner, dc = self.state.get(key, ("Available", None, 0))
                if ev.kind == "share_acquired":
                    assert state == "Available", f"{key} acquired by {f.get('member')} while {state} ({owner})"
                    assert off >= self.spso.get(p, 0), f"{key} acquired below the SPSO {self.spso[p]}"
                    new_dc = int(f["delivery_count"])
                    assert new_dc == dc + 1, f"{key}: delivery count {dc} -> {new_dc}"
                    assert new_dc <= LIMIT, f"{key}: delivery count {new_dc} over the limit"
                    self.state[key] = ("Acquired", f.get("member"), new_dc)
                    self.acquired_by[key] = f.get("client_id")
                elif ev.kind == "share_acknowledged":
                    kind = str(f["type"]).upper()
                    if kind == "GAP":
                        self.state[key] = ("Archived", None, dc)
                        continue
                    assert state == "Acquired" and owner == f.get("member"), (key, kind, state, owner, f)
                    to = {"ACCEPT": "Acknowledged", "REJECT": "Archived", "RELEASE": "Available"}[kind]
                    self.state[key] = (to, None, dc)
                elif ev.kind in ("share_lock_expired", "share_released"):
                    assert state in ("Acquired", "Available"), (ev.kind, key, state)
                    if state == "Acquired":
                        to = f.get("to") or ("Archived" if dc >= LIMIT else "Available")
                        assert to == ("Archived" if dc >= LIMIT else "Available"), (ev.kind, key, dc, to)
                        self.state[key] = (to, None, dc)
                elif ev.kind == "share_archived":
                    assert state != "Acknowledged", (key, f)
                    self.state[key] = ("Archived", None, dc)
        self.trace_seen = len(events)
        for (_p, _off), (state, _owner, dc) in self.state.items():   # released at the limit -> archived
            if state == "Available":
                assert dc < LIMIT, f"{(_p, _off)} Available again after {dc} deliveries"

    # -- invariants ---------------------------------------------------------------------------------------
    @invariant()
    def share_state_replays_consistently(self):
        """No record acquired unless Available (so never by two consumers at once); delivery counts rise by one per
        acquisition up to the limit; the SPSO only passes Acknowledged or Archived records."""
        if hasattr(self, "cluster"):
            self._replay_trace()

    @invariant()
    def broker_window_matches_the_replayed_trace(self):
        """The broker's own window agrees with the trace: the SPSO, and each in-flight offset's state, delivery
        count and holder; every offset below the SPSO is Acknowledged or Archived in the replayed model; the first
        offset of a non-empty window is unfinished (the SPSO moves over finished runs)."""
        if not hasattr(self, "cluster"):
            return
        self._replay_trace()
        for p in range(self.params["partitions"]):
            sp = self.cluster.share_partitions.share_partition(GROUP, TOPIC, p, create=False)
            if sp is None or not sp.initialized:
                continue
            start = sp.start_offset
            assert start == self.spso.get(p, start), (p, start, self.spso.get(p))
            assert 0 <= start <= self.produced[p], (p, start, self.produced[p])
            for off in range(start):
                state = self.state.get((p, off), ("Acknowledged", None, 0))[0]
                assert state in ("Acknowledged", "Archived"), f"p{p} offset {off} below the SPSO {start} is {state}"
            window = sp.snapshot()
            if window:
                assert window[0][0] == start and window[0][1] not in ("Acknowledged", "Archived"), (p, window[:3])
            now = self.cluster.now_ms
            for off, state, dc, member, deadline in window:
                assert start <= off < self.produced[p], (p, off, start)
                assert dc <= LIMIT, (p, off, dc)
                model = self.state.get((p, off), ("Available", None, 0))
                assert (state, dc) == (model[0], model[2]), f"p{p}@{off}: broker {state}/dc{dc}, trace {model}"
                if state == "Acquired":
                    assert member == model[1] and deadline is not None and deadline >= now, (p, off, member, model)
                else:
                    assert member is None and deadline is None, (p, off, state, member, deadline)
                if state == "Available":
                    assert dc < LIMIT, (p, off, dc)

    @invariant()
    def acknowledgements_never_touch_the_log(self):
        """ACCEPT and REJECT change share state only: the log start offset stays 0, the end counts every record."""
        if not hasattr(self, "cluster"):
            return
        for p, partition in enumerate(self.cluster.topics[TOPIC].partitions):
            assert partition.log_start_offset == 0, (p, partition.log_start_offset)
            assert partition.log_end_offset == self.produced[p], (p, partition.log_end_offset, self.produced[p])

    def teardown(self):
        if not hasattr(self, "cluster"):
            return
        trace = self.cluster.trace
        for kind in SHARE_KINDS:
            event(f"{kind}: {bool(trace.events(kind))}")
        event(f"finished records: {min(len(self.finished), 10)}{'+' if len(self.finished) >= 10 else ''}")
        replica = ShareGroupMachine()
        replica.start(**self.params)
        for name, kwargs in self.steps:
            getattr(replica, f"do_{name}")(**kwargs)
        same = replica.cluster.trace.text().replace(replica.cluster.name, "CLUSTER")
        assert trace.text().replace(self.cluster.name, "CLUSTER") == same, "same seed and steps, different trace"


ShareGroupMachine.TestCase.settings = settings(max_examples=settings().max_examples, stateful_step_count=50)
TestShareGroupMachine = ShareGroupMachine.TestCase
