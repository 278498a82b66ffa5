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
