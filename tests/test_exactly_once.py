"""Consume-transform-produce with a crash at each step: what exactly-once covers and what it does not (§5.4)."""

from __future__ import annotations

from collections import Counter

import pytest

import kafkalab
from kafkalab import Consumer, Producer, TopicPartition

INPUTS = 20
BATCH = 5
STEPS = ("before_produce", "after_produce", "after_send_offsets", "after_commit")


class _Crash(Exception):
    """The simulated process died at a step."""


class _Pipeline:
    """An app that reads ``in``, writes ``out`` and counts a side effect outside Kafka per input."""

    def __init__(self, cluster: kafkalab.Cluster, transactional: bool, crash_at: str) -> None:
        self.cluster = cluster
        self.conf = {"bootstrap.servers": cluster.bootstrap_servers}
        self.transactional = transactional
        self.crash_at = crash_at
        self.crashed = False
        self.batches = 0
        self.side_effects: Counter[bytes] = Counter()

    def start(self) -> None:
        extra = {"transactional.id": "app-0"} if self.transactional else {}
        self.producer = Producer({**self.conf, **extra})
        if self.transactional:
            self.producer.init_transactions()
        self.consumer = Consumer({**self.conf, "group.id": "app", "auto.offset.reset": "earliest",
                                  "enable.auto.commit": False, "isolation.level": "read_committed"})
        self.consumer.assign([TopicPartition("in", 0)])

    def step(self, name: str) -> None:
        if name == self.crash_at and self.batches == 2 and not self.crashed:
            self.crashed = True
            self.cluster.crash(self.producer)
            self.cluster.crash(self.consumer)
            raise _Crash(name)

    def process_batch(self) -> bool:
        msgs = [m for m in self.consumer.consume(BATCH, timeout=1) if m.error() is None]
        if not msgs:
            return False
        self.batches += 1
        self.step("before_produce")
        if self.transactional:
            self.producer.begin_transaction()
        for msg in msgs:
            self.side_effects[msg.value()] += 1
            self.producer.produce("out", msg.value().upper(), partition=0)
        self.producer.flush()
        self.step("after_produce")
        if self.transactional:
            self.producer.send_offsets_to_transaction(self.consumer.position(self.consumer.assignment()),
                                                      self.consumer.consumer_group_metadata())
            self.step("after_send_offsets")
            self.producer.commit_transaction()
        else:
            self.consumer.commit(asynchronous=False)
        self.step("after_commit")
        return True

    def run(self) -> None:
        self.start()
        while True:
            try:
                if not self.process_batch():
                    return
            except _Crash:
                self.start()


def _run(transactional: bool, crash_at: str) -> tuple[Counter, Counter]:
    cluster = kafkalab.Cluster(seed=3)
    cluster.create_topic("in", 1)
    cluster.create_topic("out", 1)
    source = Producer({"bootstrap.servers": cluster.bootstrap_servers})
    for i in range(INPUTS):
        source.produce("in", b"r%02d" % i, partition=0)
    source.flush()
    app = _Pipeline(cluster, transactional, crash_at)
    app.run()
    reader = Consumer({"bootstrap.servers": cluster.bootstrap_servers, "group.id": "reader",
                       "auto.offset.reset": "earliest", "isolation.level": "read_committed"})
    reader.assign([TopicPartition("out", 0)])
    output: Counter[bytes] = Counter()
    while (msg := reader.poll(1)) is not None:
        if msg.error() is None:
            output[msg.value()] += 1
    return output, app.side_effects


EXPECTED = Counter({b"R%02d" % i: 1 for i in range(INPUTS)})


@pytest.mark.parametrize("crash_at", STEPS)
def test_exactly_once_transactions_output_each_input_once(crash_at):
    """With transactions, the read_committed output holds every input exactly once, whatever the crash."""
    output, _ = _run(True, crash_at)
    assert output == EXPECTED


@pytest.mark.parametrize(("crash_at", "twice"), [("before_produce", 0), ("after_produce", BATCH),
                                                  ("after_commit", 0)])
def test_exactly_once_plain_commits_duplicate_output(crash_at, twice):
    """With plain commits, a crash between produce and commit duplicates that batch in the output."""
    output, _ = _run(False, crash_at)
    assert set(output) == set(EXPECTED)
    assert sum(1 for n in output.values() if n == 2) == twice


@pytest.mark.parametrize(("transactional", "crash_at", "twice"), [
    (True, "before_produce", 0), (True, "after_produce", BATCH), (True, "after_send_offsets", BATCH),
    (True, "after_commit", 0), (False, "after_produce", BATCH)])
def test_exactly_once_side_effects_repeat(transactional, crash_at, twice):
    """A side effect outside Kafka runs twice for the reprocessed batch, with or without transactions."""
    _, side_effects = _run(transactional, crash_at)
    assert set(side_effects) == {b"r%02d" % i for i in range(INPUTS)}
    assert sum(1 for n in side_effects.values() if n == 2) == twice


def _source(records: int = INPUTS) -> kafkalab.Cluster:
    cluster = kafkalab.Cluster(seed=3)
    cluster.create_topic("in", 1)
    cluster.create_topic("out", 1)
    source = Producer({"bootstrap.servers": cluster.bootstrap_servers})
    for i in range(records):
        source.produce("in", b"r%02d" % i, partition=0)
    source.flush()
    return cluster


def _read(cluster: kafkalab.Cluster, isolation: str = "read_committed") -> Counter:
    reader = Consumer({"bootstrap.servers": cluster.bootstrap_servers, "group.id": f"reader-{isolation}",
                       "auto.offset.reset": "earliest", "isolation.level": isolation})
    reader.assign([TopicPartition("out", 0)])
    out: Counter[bytes] = Counter()
    while (msg := reader.poll(1)) is not None:
        if msg.error() is None:
            out[msg.value()] += 1
    return out


def test_exactly_once_seed_sample_crash_between_transaction_and_commit_duplicates_nothing_lost():
    """SEED Q4's sample as it is (auto-commit off, print(), commit_transaction() then commit(msg) outside):
    a crash after the transaction committed and before commit(msg) re-reads the record: a duplicate, no loss."""
    cluster = _source(4)
    conf = {"bootstrap.servers": cluster.bootstrap_servers}
    printed: Counter[bytes] = Counter()

    def start():
        consumer = Consumer({**conf, "group.id": "app", "auto.offset.reset": "earliest", "enable.auto.commit": False,
                             "isolation.level": "read_committed"})
        consumer.subscribe(["in"])
        producer = Producer({**conf, "transactional.id": "app"})
        producer.init_transactions()
        return consumer, producer

    consumer, producer = start()
    crashed = False
    while (msg := consumer.poll(5.0)) is not None:
        printed[msg.value()] += 1                      # print(msg.value()): the processing
        producer.begin_transaction()
        producer.produce("out", msg.value().upper(), partition=0)
        producer.commit_transaction()
        if msg.offset() == 2 and not crashed:
            crashed = True
            cluster.crash(consumer)
            cluster.crash(producer)
            cluster.advance(50_000)                    # the group forgets the dead member (session.timeout.ms)
            consumer, producer = start()
            continue
        consumer.commit(msg)                           # asynchronous, outside the transaction
    assert _read(cluster) == Counter({b"R00": 1, b"R01": 1, b"R02": 2, b"R03": 1})
    assert printed[b"r02"] == 2


def test_exactly_once_abortable_error_abort_and_rewind_to_committed():
    """A produce that times out (message.timeout.ms) makes commit_transaction raise txn_requires_abort();
    abort_transaction() and a seek to consumer.committed() re-process the batch: output once, aborted copy hidden."""
    cluster = _source(10)
    conf = {"bootstrap.servers": cluster.bootstrap_servers}
    consumer = Consumer({**conf, "group.id": "app", "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.assign([TopicPartition("in", 0)])
    producer = Producer({**conf, "transactional.id": "app-0", "message.timeout.ms": 5_000})
    producer.init_transactions()
    errors = []
    batches = 0
    while msgs := [m for m in consumer.consume(BATCH, timeout=1) if m.error() is None]:
        batches += 1
        if batches == 2:
            cluster.delay_produce_response(8_000, "out")
        producer.begin_transaction()
        for msg in msgs:
            producer.produce("out", msg.value().upper(), partition=0)
        try:
            producer.send_offsets_to_transaction(consumer.position(consumer.assignment()),
                                                 consumer.consumer_group_metadata())
            producer.commit_transaction()
        except kafkalab.KafkaException as exc:
            err = exc.args[0]
            errors.append((err.name(), err.txn_requires_abort(), err.retriable(), err.fatal()))
            producer.abort_transaction()
            for tp in consumer.committed(consumer.assignment()):
                consumer.seek(tp)
    assert errors == [("_MSG_TIMED_OUT", True, False, False)] and batches == 3
    assert _read(cluster) == Counter({b"R%02d" % i: 1 for i in range(10)})
    assert sum(_read(cluster, "read_uncommitted").values()) == 15
