"""Experiments for notebooks 05 and 08: delivery semantics by commit placement, and a pipeline crashed at each step.

Owns ``run_delivery_policy`` (one consumer process per commit policy, crashed mid-processing and
restarted) and ``run_pipeline`` (consume-transform-produce, at-least-once, the seed's "EOS" sample with
and without auto-commit, or exactly-once, crashed at one step and restarted). Each returns a result that
keeps the cluster, so every count can be re-derived from ``cluster.trace``. Standard library and kafkalab only; no
pandas, matplotlib or ipywidgets; virtual time only.

They speak the Scenario apps' vocabulary: the delivery policies are ``ConsumerApp`` commit policies
(``COMMIT_POLICIES``; ``auto_java`` is ``auto`` with ``kafkalab.client.semantics=java``), the pipeline
modes include ``PipelineApp``'s two (``at_least_once``, ``exactly_once``), and errors that reach the
application are outcomes shaped like ``Scenario.outcomes`` (time_ms, app, instance, error, where, text).
They stay plain loops, not Scenario apps, because what they show needs what an app's step does not
do: one process that crashes at a chosen offset (not at a time), ``assign()`` with no rebalance
before the restart, batches of ``consume(5)`` in one transaction, and the abort-and-rewind loop.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..broker.cluster import Cluster
from ..client.consumer import Consumer
from ..client.message import OFFSET_BEGINNING, TopicPartition
from ..client.producer import Producer
from ..errors import KafkaException
from ..trace import Trace
from .apps import error_name, error_text

#: Commit policies of ``run_delivery_policy``, in the order notebook 05 shows them: ``ConsumerApp`` commit
#: policies (``COMMIT_POLICIES``), and ``auto_java``: ``auto`` with the Java client's auto-commit.
POLICIES = ("before_processing", "after_each", "auto", "auto_java", "auto_store_after_processing")

#: Pipeline modes of ``run_pipeline``: at-least-once, the seed's sample as it is, the same sample with
#: auto-commit left on, and the corrected exactly-once loop.
PIPELINE_MODES = ("at_least_once", "seed_sample", "seed_sample_auto_commit", "exactly_once")

#: The corrected loop's ``transactional.id``: stable per application instance (instance 0 of
#: receipts-app here), the same after a restart, and not the ``group.id``.
EXACTLY_ONCE_TRANSACTIONAL_ID = "receipts-app-0"

#: The pipeline's ``client.id`` and its name in outcomes.
PIPELINE_APP = "pipeline"

#: Where ``run_pipeline`` can crash the application, in the order the steps happen in one batch. Nearest
#: ``PipelineApp`` crash points (one record per step there): after_consume ~ mid_processing (no side effect
#: yet), after_produce = after_processing, before_commit = in_transaction (exactly-once), after_commit.
PIPELINE_STEPS = ("after_consume", "after_produce", "before_commit", "after_commit")


def _check_choice(name: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")


def _check_int(name: str, value: Any, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")


def _new_cluster(seed: int, topics: tuple[str, ...], records: int) -> tuple[Any, dict]:
    cluster = Cluster(seed=seed)
    for topic in topics:
        cluster.create_topic(topic, partitions=1)
    conf = {"bootstrap.servers": cluster.bootstrap_servers}
    source = Producer({**conf, "client.id": "source"})
    for i in range(records):
        source.produce(topics[0], key=f"k{i:02d}", value=f"r{i:02d}")
    source.flush()
    return cluster, conf


def delivery_counts(trace: Trace, group: str, topic: str, partition: int = 0) -> Counter:
    """How many times poll() handed each offset of ``topic``/``partition`` to an application of ``group``.

    Derived from the trace's ``deliver`` events. Kafka: a lab metric, not a Kafka one (KIP-932's
    "delivery count" of share groups is the closest Kafka notion).
    """
    counts: Counter = Counter()
    for ev in trace.events("deliver", group=group, topic=topic, partition=partition):
        for offset in range(ev["first_offset"], ev["last_offset"] + 1):
            counts[offset] += 1
    return counts


@dataclass
class DeliveryRun:
    """One consumer process per commit policy, crashed while processing one record, then restarted.

    ``processed`` lists the offsets whose processing *finished*, in order, across both processes;
    ``crash_ms`` is the virtual time of the crash. ``lost`` are offsets never processed; ``duplicated``
    are offsets processed more than once; ``delivered`` counts hand-outs per offset from the trace.
    """

    policy: str
    group: str
    topic: str
    records: int
    crash_offset: int
    cluster: Any
    processed: list[int] = field(default_factory=list)
    crash_ms: int = -1

    @property
    def trace(self) -> Trace:
        return self.cluster.trace

    @property
    def delivered(self) -> Counter:
        return delivery_counts(self.trace, self.group, self.topic)

    @property
    def lost(self) -> list[int]:
        done = set(self.processed)
        return [o for o in range(self.records) if o not in done]

    @property
    def duplicated(self) -> list[int]:
        return sorted(o for o, n in Counter(self.processed).items() if n > 1)

    @property
    def commit(self) -> str:
        """The ``ConsumerApp`` commit policy (``COMMIT_POLICIES``) this run's policy is."""
        return "auto" if self.policy == "auto_java" else self.policy

    def summary(self) -> dict[str, Any]:
        """One row for a table: policy, records lost, records processed twice, hand-outs beyond the first."""
        delivered = self.delivered
        return {"policy": self.policy, "lost": len(self.lost), "processed_twice": len(self.duplicated),
                "redeliveries": sum(n - 1 for n in delivered.values() if n > 1)}


_POLICY_CONFIG = {
    "before_processing": {"enable.auto.commit": False},
    "after_each": {"enable.auto.commit": False},
    "auto": {},
    "auto_java": {"kafkalab.client.semantics": "java"},
    "auto_store_after_processing": {"enable.auto.offset.store": False},
}


def run_delivery_policy(policy: str, *, records: int = 20, processing_ms: int = 300, crash_offset: int = 13,
                        auto_commit_interval_ms: int = 1_000, seed: int = 5) -> DeliveryRun:
    """Run one commit policy: process ``records`` records, crash half-way through ``crash_offset``, restart.

    Each record takes ``processing_ms`` of virtual time. The first process is killed with
    ``cluster.crash`` half-way through processing ``crash_offset``; a second process of the same
    group then resumes from the group's committed offset (``assign()``, ``auto.offset.reset=earliest``)
    and processes to the end. A committed offset is the next offset to read (last processed + 1).

    Kafka: ``enable.auto.commit``, ``auto.commit.interval.ms``, ``enable.auto.offset.store`` and
    ``store_offsets`` (librdkafka, KAFKA_REFERENCE §4.2); ``kafkalab.client.semantics=java`` gives
    Java's auto-commit inside ``poll()``.
    Simplification: one partition and ``assign()``, so no rebalance delays the restart.
    """
    _check_choice("policy", policy, POLICIES)
    for name, value, low in (("records", records, 1), ("processing_ms", processing_ms, 2),
                             ("auto_commit_interval_ms", auto_commit_interval_ms, 1), ("seed", seed, 0)):
        _check_int(name, value, low)
    _check_int("crash_offset", crash_offset, 0)
    if crash_offset >= records:
        raise ValueError(f"crash_offset must be < records ({records}), got {crash_offset}")
    cluster, conf = _new_cluster(seed, ("payments",), records)
    run = DeliveryRun(policy, policy.replace("_", "-"), "payments", records, crash_offset, cluster)
    consumer_conf = {**conf, "group.id": run.group, "auto.offset.reset": "earliest",
                     "auto.commit.interval.ms": auto_commit_interval_ms, **_POLICY_CONFIG[policy]}
    for attempt in ("first", "restarted"):
        consumer = Consumer({**consumer_conf, "client.id": f"worker-{attempt}"})
        consumer.assign([TopicPartition("payments", 0)])
        crashed = _consume_until_crash(run, consumer, processing_ms, crash=(attempt == "first"))
        if not crashed:
            consumer.close()
    return run


def _consume_until_crash(run: DeliveryRun, consumer: Consumer, processing_ms: int, *, crash: bool) -> bool:
    """Poll and process until the partition is drained (False) or the crash point is reached (True)."""
    cluster, policy = run.cluster, run.policy
    while (msg := consumer.poll(1.0)) is not None:
        if msg.error() is not None:
            continue
        if policy == "before_processing":
            consumer.commit(message=msg, asynchronous=False)
        if crash and msg.offset() == run.crash_offset:
            cluster.advance(processing_ms // 2)
            run.crash_ms = cluster.now_ms
            cluster.crash(consumer)
            return True
        cluster.advance(processing_ms)
        run.processed.append(msg.offset())
        cluster.trace.record("app_processed", "record processed", app=policy, topic=msg.topic(),
                             partition=msg.partition(), offset=msg.offset())
        if policy == "after_each":
            consumer.commit(message=msg, asynchronous=False)
        elif policy == "auto_store_after_processing":
            consumer.store_offsets(message=msg)
    return False


@dataclass
class PipelineRun:
    """A consume-transform-produce application crashed once at ``crash_step`` of batch ``crash_batch``.

    ``side_effects`` counts, per input value, a write outside Kafka (a "send e-mail" call, the seed
    sample's ``print()``) made while processing. ``output(isolation)`` reads the output topic as a
    fresh consumer would. ``outcomes`` lists the errors the sample's asynchronous commits raised, as
    ``Scenario.outcomes`` does (dicts: time_ms, app, instance, error, where, text);
    ``aborts`` lists each abort-and-rewind of the exactly-once loop (``error``, ``time_ms``, and
    ``rewound_to``: the committed offsets it seeked to).
    """

    mode: str
    crash_step: str
    crash_batch: int
    inputs: int
    cluster: Any
    side_effects: Counter = field(default_factory=Counter)
    crashes: int = 0
    batches: int = 0
    outcomes: list[dict] = field(default_factory=list)
    aborts: list[dict] = field(default_factory=list)

    @property
    def trace(self) -> Trace:
        return self.cluster.trace

    def output(self, isolation: str = "read_committed") -> Counter:
        """Count each value in ``receipts`` as a new consumer at ``isolation`` reads it."""
        _check_choice("isolation", isolation, ("read_committed", "read_uncommitted"))
        reader = Consumer({"bootstrap.servers": self.cluster.bootstrap_servers, "group.id": f"reader-{isolation}",
                           "auto.offset.reset": "earliest", "enable.auto.commit": False,
                           "isolation.level": isolation})
        reader.assign([TopicPartition("receipts", 0)])
        seen: Counter = Counter()
        while (msg := reader.poll(1.0)) is not None:
            if msg.error() is None:
                seen[msg.value().decode()] += 1
        reader.close()
        return seen

    def summary(self) -> dict[str, Any]:
        """One row: mode, crash step, outputs missing and duplicated (read_committed), side effects repeated."""
        out = self.output()
        expected = [f"R{i:02d}" for i in range(self.inputs)]
        return {"mode": self.mode, "crash_step": self.crash_step,
                "missing": sum(1 for v in expected if out[v] == 0),
                "duplicated": sum(1 for v in expected if out[v] > 1),
                "side_effects_repeated": sum(1 for n in self.side_effects.values() if n > 1)}


class _Crashed(Exception):
    """The simulated process died at a step."""


def run_pipeline(mode: str, crash_step: str | None, *, inputs: int = 20, batch: int = 5, crash_batch: int = 3,
                 processing_ms: int = 400, seed: int = 3, slow_batch: int | None = None) -> PipelineRun:
    """Run a pipeline ``orders`` -> ``receipts`` in ``mode``, crash it once at ``crash_step``, restart it.

    Modes:

    - ``at_least_once``: plain producer, synchronous ``consumer.commit()`` after producing.
    - ``seed_sample``: the sample of SEED_QUESTIONS Q4 as it is: ``enable.auto.commit=False``,
      processing is a ``print()`` (the side effect), outputs in a transaction
      (``transactional.id`` = the group.id), then ``consumer.commit(message=msg)`` outside it
      (asynchronous by default). A crash between ``commit_transaction()`` and that commit
      duplicates outputs; nothing is lost.
    - ``seed_sample_auto_commit``: the same with ``enable.auto.commit`` left at its default (True):
      librdkafka's timer can commit a batch whose transaction is then aborted, so outputs go missing.
    - ``exactly_once``: ``transactional.id`` ``EXACTLY_ONCE_TRANSACTIONAL_ID`` (stable per
      instance), auto-commit off, ``send_offsets_to_transaction(consumer.position(...),
      consumer_group_metadata())`` inside the transaction; on an error with ``txn_requires_abort()``
      it calls ``abort_transaction()`` and seeks each partition back to ``consumer.committed()``;
      a ``retriable()`` error retries ``commit_transaction()``; anything else (fatal) is raised.

    Each input takes ``processing_ms`` of virtual time. ``crash_step=None`` runs without a crash.
    ``slow_batch``: during that batch (counted from 1) the broker answers the first produce request
    for ``receipts`` after ``message.timeout.ms`` (set to 10 s for the transactional modes), so the
    delivery fails with ``_MSG_TIMED_OUT`` and ``commit_transaction()`` raises an abortable error.

    Kafka: KIP-98/KIP-447 consume-transform-produce (KAFKA_REFERENCE §5.2, §5.4, §8(c)); librdkafka's
    transactional error classes (``KafkaError.txn_requires_abort()``, ``retriable()``, ``fatal()``).
    Simplification: one input partition read with ``assign()``; the crash kills producer and consumer
    together. librdkafka caps ``message.timeout.ms`` at ``transaction.timeout.ms`` (60 s) for a
    transactional producer; the 10 s here only makes the slow-broker run short.
    """
    _check_choice("mode", mode, PIPELINE_MODES)
    if crash_step is not None:
        _check_choice("crash_step", crash_step, PIPELINE_STEPS)
    for name, value, low in (("inputs", inputs, 1), ("batch", batch, 1), ("crash_batch", crash_batch, 1),
                             ("processing_ms", processing_ms, 0), ("seed", seed, 0)):
        _check_int(name, value, low)
    if slow_batch is not None:
        _check_int("slow_batch", slow_batch, 1)
    cluster, conf = _new_cluster(seed, ("orders", "receipts"), inputs)
    run = PipelineRun(mode, crash_step or "none", crash_batch, inputs, cluster)
    app = _BatchPipeline(run, conf, batch, processing_ms, slow_batch)
    while True:
        app.start()
        try:
            app.run_to_end()
            return run
        except _Crashed:
            run.crashes += 1


class _BatchPipeline:
    """The application process: started, crashed and started again by ``run_pipeline``."""

    def __init__(self, run: PipelineRun, conf: dict, batch: int, processing_ms: int, slow_batch: int | None) -> None:
        self.run, self.conf, self.batch, self.processing_ms = run, conf, batch, processing_ms
        self.transactional = run.mode != "at_least_once"
        self.slow_batch = slow_batch

    def start(self) -> None:
        txn_id = EXACTLY_ONCE_TRANSACTIONAL_ID if self.run.mode == "exactly_once" else "receipts-app"
        extra = {"transactional.id": txn_id, "message.timeout.ms": 10_000} if self.transactional else {}
        self.producer = Producer({**self.conf, "client.id": PIPELINE_APP, **extra})
        if self.transactional:
            self.producer.init_transactions()
        auto = {} if self.run.mode == "seed_sample_auto_commit" else {"enable.auto.commit": False}
        self.consumer = Consumer({**self.conf, "group.id": "receipts-app", "client.id": PIPELINE_APP,
                                  "auto.offset.reset": "earliest", "isolation.level": "read_committed", **auto})
        self.consumer.assign([TopicPartition("orders", 0)])

    def outcome(self, err: Any, where: str) -> None:
        """A Kafka error that reached the application: ``run.outcomes`` and ``app_outcome``, as ``App.outcome``."""
        run, instance = self.run, self.run.crashes + 1
        name, text = error_name(err), error_text(err)
        run.outcomes.append({"time_ms": run.cluster.now_ms, "app": PIPELINE_APP, "instance": instance, "error": name,
                             "where": where, "text": text})
        run.cluster.trace.record("app_outcome", f"{where}: {text}", app=PIPELINE_APP, error=name, where=where,
                                 instance=instance)

    def step(self, name: str) -> None:
        run = self.run
        if run.crashes == 0 and name == run.crash_step and run.batches == run.crash_batch:
            run.cluster.crash(self.producer)
            run.cluster.crash(self.consumer)
            raise _Crashed(name)

    def run_to_end(self) -> None:
        while msgs := [m for m in self.consumer.consume(self.batch, timeout=1.0) if m.error() is None]:
            self.run.batches += 1
            self.process(msgs)

    def process(self, msgs: list) -> None:
        self.step("after_consume")
        if self.slow_batch == self.run.batches and self.transactional:
            self.slow_batch = None                    # once: the broker answers after message.timeout.ms
            self.run.cluster.delay_produce_response(15_000, "receipts")
        if self.transactional:
            self.producer.begin_transaction()
        for msg in msgs:
            self.run.cluster.advance(self.processing_ms)
            value = msg.value().decode()
            self.run.side_effects[value] += 1          # an e-mail sent, the seed's print(): outside Kafka
            self.producer.produce("receipts", key=msg.key(), value=value.upper())
        self.producer.flush()
        self.step("after_produce")
        if self.run.mode == "exactly_once":
            self.commit_exactly_once()
            return
        self.step("before_commit")
        if self.transactional:
            self.producer.commit_transaction()
        else:
            self.consumer.commit(asynchronous=False)
        self.step("after_commit")
        if self.transactional:
            try:
                self.consumer.commit(message=msgs[-1])      # asynchronous by default, outside the transaction
            except KafkaException as exc:
                self.outcome(exc, "commit (asynchronous, outside the transaction)")

    def commit_exactly_once(self) -> None:
        """Input offsets inside the transaction; on an abortable error, abort and rewind to the committed offsets."""
        producer, consumer = self.producer, self.consumer
        try:
            producer.send_offsets_to_transaction(consumer.position(consumer.assignment()),
                                                 consumer.consumer_group_metadata())
            self.step("before_commit")
            try:
                producer.commit_transaction()
            except KafkaException as exc:
                if not exc.args[0].retriable():
                    raise
                producer.commit_transaction()          # retriable: the same call again
        except KafkaException as exc:
            err = exc.args[0]
            if not err.txn_requires_abort():
                raise                                  # fatal (e.g. fenced): this instance must stop
            producer.abort_transaction()
            rewound = []
            for tp in consumer.committed(consumer.assignment()):
                if tp.offset < 0:                      # nothing committed yet: where earliest starts
                    tp.offset = OFFSET_BEGINNING
                consumer.seek(tp)
                rewound.append([tp.topic, tp.partition, tp.offset])
            self.run.aborts.append({"error": err.name(), "time_ms": self.run.cluster.now_ms, "rewound_to": rewound})
            return
        self.step("after_commit")
