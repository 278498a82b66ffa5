"""Stateful test of transactions: random begin/produce/send_offsets/commit/abort, producer crashes and
restarts (``init_transactions`` fences the old instance), coordinator timeouts, an exactly-once pipeline.

A Hypothesis ``RuleBasedStateMachine`` drives a ``TxnWorld`` (a cluster, a transactional producer
``tx``, a plain producer, a ``read_committed`` and a ``read_uncommitted`` reader, and a
consume-transform-produce pipeline ``app-0`` reading ``in`` and writing ``out``). The model is what the
API reported: a value is committed only when ``commit_transaction`` returned. After every step:
``log_start <= LSO <= HW <= LEO``, offsets dense and never reused, a marker takes one offset,
``read_committed`` never returns an aborted, undecided or at/after-LSO record, and the pipeline's
committed output holds inputs ``0 .. committed offset - 1`` once each. At teardown the recorded steps
are replayed on a fresh cluster and the two traces must be equal (cluster name replaced).

Profiles: ``KAFKALAB_HYPOTHESIS_PROFILE=dev`` (default, fast), ``ci``, ``nightly``; see ``tests/conftest.py``.
"""

from __future__ import annotations

from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import kafkalab
from kafkalab import Consumer, KafkaException, Producer, TopicPartition
from kafkalab.broker.transactions import transaction_coordinator
from kafkalab.errors import ERR

PARTITIONS = 2
CRASH_POINTS = (None, None, "before_produce", "after_produce", "after_send_offsets", "after_commit")
READY, IN_TXN, ABORTABLE, FATAL = "ready", "in_txn", "abortable", "fatal"


class TxnWorld:
    """The system under test plus the model of what the API reported; every public method is a step."""

    def __init__(self, seed: int, txn_timeout_ms: int) -> None:
        self.cluster = kafkalab.Cluster(seed=seed, config={
            "transaction.abort.timed.out.transaction.cleanup.interval.ms": 1_000})
        self.cluster.create_topic("t", PARTITIONS)
        self.cluster.create_topic("in", 1)
        self.cluster.create_topic("out", 1)
        self.conf = {"bootstrap.servers": self.cluster.bootstrap_servers}
        self.txn_timeout_ms = txn_timeout_ms
        self.plain = Producer(self.conf)
        self.offsets_group = Consumer({**self.conf, "group.id": "g-tx", "enable.auto.commit": False})
        self.state = READY
        self.status: dict[bytes, str] = {}          # value -> plain / pending / committed / aborted
        self.pending: list[bytes] = []
        self.pending_offset: int | None = None
        self.committed_offset: int | None = None   # g-tx's committed offset for t-0, per the model
        self.counter = 0
        self.readers = {}
        self.returned: dict[str, list[tuple[int, int, bytes]]] = {}
        for level in ("read_committed", "read_uncommitted"):
            c = Consumer({**self.conf, "group.id": f"reader-{level}", "isolation.level": level,
                          "auto.offset.reset": "earliest", "enable.auto.commit": False})
            c.assign([TopicPartition("t", p, kafkalab.OFFSET_BEGINNING) for p in range(PARTITIONS)])
            self.readers[level] = c
            self.returned[level] = []
        self.lso_seen = dict.fromkeys(range(PARTITIONS), 0)
        self.contents: dict[tuple[str, int, int], tuple] = {}   # (topic, partition, offset) -> content seen
        self.inputs = 0
        self.out_seen: list[bytes] = []
        self.producer = self._new_txn_producer()
        self._start_pipeline()
        self.out_reader = Consumer({**self.conf, "group.id": "out-reader", "isolation.level": "read_committed",
                                    "auto.offset.reset": "earliest", "enable.auto.commit": False})
        self.out_reader.assign([TopicPartition("out", 0, kafkalab.OFFSET_BEGINNING)])

    # -- the transactional producer ``tx`` -------------------------------------------------------------
    def _new_txn_producer(self) -> Producer:
        producer = Producer({**self.conf, "transactional.id": "tx", "transaction.timeout.ms": self.txn_timeout_ms})
        producer.init_transactions()
        self._settle_pending(aborted=True)
        self.state = READY
        return producer

    def _value(self) -> bytes:
        self.counter += 1
        return b"v%d" % self.counter

    def _settle_pending(self, aborted: bool) -> None:
        for v in self.pending:
            self.status[v] = "aborted" if aborted else "committed"
        self.pending = []
        if not aborted and self.pending_offset is not None:
            self.committed_offset = self.pending_offset
        self.pending_offset = None

    def _on_error(self, exc: KafkaException) -> None:
        err = exc.args[0]
        event(f"tx error {err.name()} fatal={err.fatal()}")
        if err.fatal() or err.code() == ERR._FATAL:    # produce() refuses with a plain _FATAL code (as librdkafka)
            self.state = FATAL
            self._settle_pending(aborted=True)
        elif err.txn_requires_abort():
            self.state = ABORTABLE
        else:
            raise AssertionError(f"unexpected error in state {self.state}: {err}")

    def _expect_refused(self, call, *args, **kwargs) -> None:
        try:
            call(*args, **kwargs)
        except KafkaException:
            return
        raise AssertionError(f"{call.__name__} succeeded in state {self.state}")

    def begin(self) -> None:
        if self.state != READY:
            self._expect_refused(self.producer.begin_transaction)
            return
        self.producer.begin_transaction()
        self.state = IN_TXN

    def produce(self, partition: int, count: int) -> None:
        if self.state != IN_TXN:
            if self.state in (READY, FATAL):
                self._expect_refused(self.producer.produce, "t", b"refused", partition=partition)
            return
        for _ in range(count):
            value = self._value()
            try:
                self.producer.produce("t", value, partition=partition)
            except KafkaException as exc:
                # the coordinator aborted the transaction after transaction.timeout.ms and bumped the epoch: the
                # producer learnt it from an earlier request's answer, so this call fails (§5.1 step 6)
                self.status[value] = "aborted"
                self._on_error(exc)
                explained = self.cluster.trace.events("txn_state", transactional_id="tx", new="PrepareEpochFence")
                assert explained, f"produce refused without a fence or timeout: {exc}"
                return
            self.status[value] = "pending"
            self.pending.append(value)

    def produce_plain(self, partition: int, count: int) -> None:
        for _ in range(count):
            value = self._value()
            self.plain.produce("t", value, partition=partition)
            self.status[value] = "plain"
        self.plain.flush()

    def send_offsets(self, offset: int) -> None:
        meta = self.offsets_group.consumer_group_metadata()
        if self.state != IN_TXN:
            if self.state in (READY, FATAL):
                self._expect_refused(self.producer.send_offsets_to_transaction, [TopicPartition("t", 0, offset)],
                                     meta)
            return
        try:
            self.producer.send_offsets_to_transaction([TopicPartition("t", 0, offset)], meta)
            self.pending_offset = offset
        except KafkaException as exc:
            self._on_error(exc)

    def commit(self) -> None:
        if self.state != IN_TXN:
            self._expect_refused(self.producer.commit_transaction)
            return
        try:
            self.producer.commit_transaction()
        except KafkaException as exc:
            self._on_error(exc)
            explained = self.cluster.trace.events("txn_state", transactional_id="tx", new="PrepareEpochFence")
            assert explained, f"commit failed without a fence or timeout: {exc}"
            return
        self._settle_pending(aborted=False)
        self.state = READY

    def abort(self) -> None:
        if self.state not in (IN_TXN, ABORTABLE):
            self._expect_refused(self.producer.abort_transaction)
            return
        try:
            self.producer.abort_transaction()
        except KafkaException as exc:
            self._on_error(exc)
            assert self.state == FATAL, f"abort failed with a non-fatal error: {exc}"
            return
        self._settle_pending(aborted=True)
        self.state = READY

    def crash_restart(self) -> None:
        """The producer's process dies; a new instance with the same transactional.id starts."""
        self.cluster.crash(self.producer)
        self.producer = self._new_txn_producer()

    def fence_restart(self) -> None:
        """A second instance starts while the first still runs: the first is fenced (fatal)."""
        old, old_state = self.producer, self.state
        self.producer = self._new_txn_producer()
        zombie = self._value()
        self.status[zombie] = "aborted"
        try:
            if old_state == READY:
                old.begin_transaction()     # local only: the old instance does not know yet
            if old_state in (READY, IN_TXN):
                old.produce("t", zombie, partition=0)   # an empty commit needs no request
                old.commit_transaction()
            else:
                old.abort_transaction()
        except KafkaException as exc:
            err = exc.args[0]     # produce() refuses with _FATAL once the instance knows it is fenced
            assert err.fatal() or err.code() == ERR._FATAL, f"the fenced instance got a non-fatal error: {err}"
        else:
            raise AssertionError("a fenced producer committed a transaction")

    def replace_if_fatal(self) -> None:
        if self.state == FATAL:
            self.producer.close()
            self.producer = self._new_txn_producer()

    def advance(self, ms: int) -> None:
        self.cluster.advance(ms)

    def read(self, level: str, polls: int) -> None:
        reader = self.readers[level]
        for _ in range(polls):
            msg = reader.poll(0.05)
            if msg is None:
                return
            if msg.error() is not None:
                continue
            log = self.cluster.partition("t", msg.partition())
            upper = log.last_stable_offset if level == "read_committed" else log.high_watermark
            assert msg.offset() < upper, f"{level} returned offset {msg.offset()} at/after its limit {upper}"
            self.returned[level].append((msg.partition(), msg.offset(), msg.value()))

    # -- the exactly-once pipeline ``app-0`` -------------------------------------------------------------
    def feed(self, count: int) -> None:
        for _ in range(count):
            self.plain.produce("in", b"in-%d" % self.inputs, partition=0)
            self.inputs += 1
        self.plain.flush()

    def _start_pipeline(self) -> None:
        self.app_producer = Producer({**self.conf, "transactional.id": "app-0"})
        self.app_producer.init_transactions()
        self.app_consumer = Consumer({**self.conf, "group.id": "app", "isolation.level": "read_committed",
                                      "auto.offset.reset": "earliest", "enable.auto.commit": False})
        self.app_consumer.assign([TopicPartition("in", 0)])

    def pipeline_step(self, batch: int, crash_at: str | None) -> None:
        msgs = [m for m in self.app_consumer.consume(batch, timeout=0.2) if m.error() is None]
        if not msgs:
            return
        try:
            self._crash_point("before_produce", crash_at)
            self.app_producer.begin_transaction()
            for msg in msgs:
                self.app_producer.produce("out", msg.value().upper(), partition=0)
            self.app_producer.flush()
            self._crash_point("after_produce", crash_at)
            self.app_producer.send_offsets_to_transaction(self.app_consumer.position(self.app_consumer.assignment()),
                                                          self.app_consumer.consumer_group_metadata())
            self._crash_point("after_send_offsets", crash_at)
            self.app_producer.commit_transaction()
            self._crash_point("after_commit", crash_at)
        except _Crash:
            self.cluster.crash(self.app_producer)
            self.cluster.crash(self.app_consumer)
            self._start_pipeline()
        self._read_out()

    def _crash_point(self, point: str, crash_at: str | None) -> None:
        if point == crash_at:
            raise _Crash(point)

    def _read_out(self) -> None:
        while (msg := self.out_reader.poll(0.05)) is not None:
            if msg.error() is None:
                self.out_seen.append(msg.value())

    def finish_pipeline(self) -> None:
        """Run the pipeline without crashes until every input is processed."""
        for _ in range(self.inputs + 2):
            self.pipeline_step(50, None)
        self.cluster.advance(100)
        self._read_out()

    def trace_text(self) -> str:
        return self.cluster.trace.text().replace(self.cluster.name, "<cluster>")


class _Crash(Exception):
    """The pipeline's process died at a step."""


class TransactionsMachine(RuleBasedStateMachine):
    """Random transactional traffic against a real cluster; invariants after every step."""

    @initialize(seed=st.integers(0, 3), txn_timeout_ms=st.sampled_from([1_000, 5_000, 60_000]))
    def start(self, seed, txn_timeout_ms):
        self.args = (seed, txn_timeout_ms)
        self.world = TxnWorld(seed, txn_timeout_ms)
        self.steps: list[tuple[str, dict]] = []

    def _do(self, name: str, **kwargs) -> None:
        self.steps.append((name, kwargs))
        getattr(self.world, name)(**kwargs)

    @rule()
    def begin(self):
        self._do("begin")

    @rule(partition=st.integers(0, PARTITIONS - 1), count=st.integers(1, 3))
    def produce(self, partition, count):
        self._do("produce", partition=partition, count=count)

    @rule(partition=st.integers(0, PARTITIONS - 1), count=st.integers(1, 2))
    def produce_plain(self, partition, count):
        self._do("produce_plain", partition=partition, count=count)

    @rule(offset=st.integers(0, 20))
    def send_offsets(self, offset):
        self._do("send_offsets", offset=offset)

    @rule()
    def commit(self):
        self._do("commit")

    @rule()
    def abort(self):
        self._do("abort")

    @rule()
    def crash_restart(self):
        self._do("crash_restart")

    @rule()
    def fence_restart(self):
        self._do("fence_restart")

    @rule()
    def replace_if_fatal(self):
        self._do("replace_if_fatal")

    @rule(ms=st.sampled_from([5, 200, 1_500, 7_000]))
    def advance(self, ms):
        self._do("advance", ms=ms)

    @rule(level=st.sampled_from(["read_committed", "read_uncommitted"]), polls=st.integers(1, 10))
    def read(self, level, polls):
        self._do("read", level=level, polls=polls)

    @rule(count=st.integers(1, 6))
    def feed(self, count):
        self._do("feed", count=count)

    @rule(batch=st.integers(1, 4), crash_at=st.sampled_from(CRASH_POINTS))
    def pipeline_step(self, batch, crash_at):
        event(f"pipeline crash_at={crash_at}")
        self._do("pipeline_step", batch=batch, crash_at=crash_at)

    # -- invariants --------------------------------------------------------------------------------------
    @invariant()
    def offsets_are_ordered(self):
        for topic, count in (("t", PARTITIONS), ("in", 1), ("out", 1)):
            for p in range(count):
                log = self.world.cluster.partition(topic, p)
                lso = log.last_stable_offset
                assert log.log_start_offset <= lso <= log.high_watermark <= log.log_end_offset, log
                if topic == "t":
                    assert lso >= self.world.lso_seen[p], f"LSO of t-{p} went back"
                    self.world.lso_seen[p] = lso

    @invariant()
    def offsets_dense_never_reused_markers_take_one(self):
        for topic, count in (("t", PARTITIONS), ("out", 1)):
            for p in range(count):
                log = self.world.cluster.partition(topic, p)
                expected = log.log_start_offset
                for batch in log.batches():
                    assert batch.base_offset == expected, f"{topic}-{p}: gap or overlap at {batch}"
                    if batch.control:
                        assert batch.base_offset == batch.last_offset and len(batch.records) == 1, batch
                    for i, rec in enumerate(batch.records):
                        key = (topic, p, batch.base_offset + i)
                        content = (batch.control, batch.producer_id, rec[1] if rec else None)
                        assert self.world.contents.setdefault(key, content) == content, f"offset {key} reused"
                    expected = batch.last_offset + 1
                assert expected == log.log_end_offset

    @invariant()
    def read_committed_sees_only_committed(self):
        w = self.world
        got = [v for _, _, v in w.returned["read_committed"]]
        assert len(got) == len(set(got)), "read_committed returned a record twice"
        for value in got:
            assert w.status[value] in ("committed", "plain"), f"read_committed returned {w.status[value]} {value}"
        for p, offset, value in w.returned["read_committed"]:
            log = w.cluster.partition("t", p)
            batch = next(b for b in log.batches() if b.base_offset <= offset <= b.last_offset)
            assert not log.is_aborted(batch.producer_id, offset), f"read_committed returned aborted {value}"
        # every committed or plain record below the LSO that the reader has passed was returned
        reader = w.readers["read_committed"]
        positions = {tp.partition: tp.offset for tp in reader.position(reader.assignment())}
        seen = set(got)
        for p in range(PARTITIONS):
            log = w.cluster.partition("t", p)
            limit = min(positions[p], log.last_stable_offset)
            for batch in log.batches():
                if batch.control or batch.base_offset >= limit:
                    continue
                for i, rec in enumerate(batch.records):
                    if batch.base_offset + i < limit and w.status.get(rec[1]) in ("committed", "plain"):
                        assert rec[1] in seen, f"read_committed skipped committed {rec[1]} on t-{p}"

    @invariant()
    def read_uncommitted_sees_every_data_record(self):
        got = [(p, o) for p, o, _ in self.world.returned["read_uncommitted"]]
        assert len(got) == len(set(got))
        for p in range(PARTITIONS):
            offsets = [o for q, o in got if q == p]
            assert offsets == sorted(offsets)
            log = self.world.cluster.partition("t", p)
            markers = {b.base_offset for b in log.batches() if b.control}
            assert not markers & set(offsets), "read_uncommitted returned a control record"

    @invariant()
    def offsets_commit_with_their_transaction(self):
        w = self.world
        committed = w.cluster.group_coordinator.offsets.fetch("g-tx", [("t", 0)])[("t", 0)]
        state = (transaction_coordinator(w.cluster).describe("tx") or {}).get("state")
        if state not in ("PrepareCommit", "PrepareAbort", "PrepareEpochFence"):
            assert (committed.offset if committed else None) == w.committed_offset

    @invariant()
    def pipeline_output_holds_each_input_once(self):
        w = self.world
        assert len(w.out_seen) == len(set(w.out_seen)), "pipeline output has a duplicate"
        state = (transaction_coordinator(w.cluster).describe("app-0") or {}).get("state")
        if state in ("PrepareCommit", "PrepareAbort", "PrepareEpochFence"):
            return
        log = w.cluster.partition("out", 0)
        output = [rec[1] for b in log.batches() if not b.control and b.last_offset < log.last_stable_offset
                  and not log.is_aborted(b.producer_id, b.base_offset) for rec in b.records]
        committed = w.cluster.group_coordinator.offsets.fetch("app", [("in", 0)])[("in", 0)]
        done = committed.offset if committed else 0
        assert output == [b"IN-%d" % i for i in range(done)]
        assert w.out_seen == output[:len(w.out_seen)]

    def teardown(self):
        if not hasattr(self, "world"):
            return
        self._do("finish_pipeline")
        w = self.world
        assert sorted(w.out_seen) == sorted(b"IN-%d" % i for i in range(w.inputs)), "exactly-once output"
        event(f"inputs={w.inputs} steps={len(self.steps)}")
        replay = TxnWorld(*self.args)
        for name, kwargs in self.steps:
            getattr(replay, name)(**kwargs)
        assert replay.trace_text() == w.trace_text(), "same seed and steps gave a different trace"


TestTransactions = TransactionsMachine.TestCase
