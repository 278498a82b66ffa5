"""The consume-transform-produce pipeline, at-least-once or exactly-once, with a side effect outside Kafka.

Owns ``PipelineApp``. Standard library only; virtual time only.
"""

from __future__ import annotations

from typing import Any

from ..client.consumer import Consumer
from ..client.producer import Producer
from ..errors import KafkaException
from .apps import App, check_config, check_int, check_str
from .apps_producer import _requires_abort

MODES = ("at_least_once", "exactly_once")


class PipelineApp(App):
    """Reads ``input``, writes one record to ``output`` per input record, and appends to ``Scenario.sink``.

    Per record, in this order: process for ``processing_ms`` (crash point ``mid_processing``);
    the side effect outside Kafka (``sink.append``, trace ``app_side_effect``); produce the output
    (key = input key, value = ``"<input value>-><app>"``, header ``input`` = ``"topic/partition/offset"``);
    then commit the input offset. Crash points: ``mid_processing``, ``after_processing`` (side
    effect done and output produced, input offset not committed), ``in_transaction``
    (exactly-once: after ``send_offsets_to_transaction``, before ``commit_transaction``),
    ``after_commit`` (after the commit), ``now``.

    - ``at_least_once``: produce, ``flush()``, then ``commit(message=msg, asynchronous=False)``. A
      crash before the commit reprocesses the record: duplicate outputs and a second side effect.
    - ``exactly_once``: ``transactional.id`` = the app name, ``enable.auto.commit=false``,
      ``isolation.level=read_committed``; per record ``begin_transaction``, produce,
      ``send_offsets_to_transaction(consumer.position(consumer.assignment()),
      consumer.consumer_group_metadata())``, ``commit_transaction``. A crash before the commit
      leaves an open transaction that the restarted instance's ``init_transactions`` aborts (same
      transactional.id): read_committed readers never see a duplicate output, but the side effect
      outside Kafka still happens twice. That is the limit of exactly-once.
    """

    kind = "pipeline"
    points = ("now", "mid_processing", "after_processing", "in_transaction", "after_commit")
    settable = ("processing_ms", "poll_ms")

    def __init__(self, scenario: Any, name: str, spec: dict) -> None:
        super().__init__(scenario, name, spec)
        self.consumer: Consumer | None = None
        self.producer: Producer | None = None
        self._validate_spec()

    @staticmethod
    def make_spec(group: Any, input: Any, output: Any, mode: Any = "exactly_once", processing_ms: Any = 50,
                  config: Any = None, poll_ms: Any = 50, start_ms: Any = 0) -> dict:
        return {"group": group, "input": input, "output": output, "mode": mode, "processing_ms": processing_ms,
                "config": config, "poll_ms": poll_ms, "start_ms": start_ms}

    def _validate_spec(self) -> None:
        s, where = self.spec, f"add_pipeline({self.name!r})"
        check_str(s["group"], "group", where)
        check_str(s["input"], "input", where)
        check_str(s["output"], "output", where)
        if s["mode"] not in MODES:
            raise ValueError(f"{where}: mode must be one of {list(MODES)}, got {s['mode']!r}")
        check_int(s["processing_ms"], "processing_ms", where)
        s["config"] = check_config(s["config"], where)
        check_int(s["poll_ms"], "poll_ms", where, minimum=1)
        check_int(s["start_ms"], "start_ms", where)

    @property
    def exactly_once(self) -> bool:
        return self.spec["mode"] == "exactly_once"

    def crash(self, point: str = "now") -> None:
        if point == "in_transaction" and not self.exactly_once:
            raise ValueError(f"crash: point 'in_transaction' needs an exactly_once pipeline; {self.name!r} is "
                             f"{self.spec['mode']}")
        super().crash(point)

    # -- clients --------------------------------------------------------------------------------------
    def _create_clients(self) -> None:
        s = self.spec
        cconf = {**self._bootstrap(), "group.id": s["group"], "client.id": self.name,
                 "auto.offset.reset": "earliest", "enable.auto.commit": False, "isolation.level": "read_committed"}
        pconf = {**self._bootstrap(), "client.id": self.name}
        if self.exactly_once:
            pconf["transactional.id"] = self.name
        for k, v in s["config"].items():
            (pconf if k in _PRODUCER_KEYS else cconf)[k] = v
        self.producer = Producer(pconf)
        if self.exactly_once:
            try:
                self.producer.init_transactions()
            except KafkaException as e:
                self.outcome(e, "init_transactions")
        self.consumer = Consumer(cconf)
        self.consumer.subscribe([s["input"]])

    def _clients(self) -> list:
        return [c for c in (self.consumer, self.producer) if c is not None]

    # -- the loop -------------------------------------------------------------------------------------
    def _step(self, inst: int) -> None:
        if not self._live(inst):
            return
        self._timer = None
        try:
            msg = self.consumer.poll(0)
        except (KafkaException, RuntimeError) as e:
            self.outcome(e, "poll")
            msg = None
        if not self._live(inst):
            return
        if msg is None:
            self._schedule(self.spec["poll_ms"], self._step)
            return
        if msg.error() is not None:
            self.outcome(msg.error(), "poll")
            self._schedule(0, self._step)
            return
        self._processing = self._handling = msg
        delay = self.spec["processing_ms"]
        if self.armed == "mid_processing":
            self._timer = self.clock.call_later(delay // 2, self._at, "mid_processing")
        else:
            self._schedule(delay, self._finish, msg)

    def _finish(self, inst: int, msg: Any) -> None:
        if not self._live(inst):
            return
        self._timer = None
        self._processing = None
        self.processed += 1
        member = self.consumer.memberid() or ""
        where = [msg.topic(), msg.partition(), msg.offset()]
        self._record("app_processed", "record processed", topic=msg.topic(), partition=msg.partition(),
                     offset=msg.offset(), member_id=member, instance=self.instance)
        self.scenario.sink.append({"time_ms": self.cluster.now_ms, "app": self.name, "instance": self.instance,
                                   "input": where, "value": _text(msg.value())})
        self._record("app_side_effect", "side effect outside Kafka (sink.append)", input=where, instance=self.instance)
        ok = self._exactly_once(inst, msg, where) if self.exactly_once else self._at_least_once(inst, msg, where)
        if not ok or not self._live(inst) or self._at("after_commit"):
            return
        self._schedule(0, self._step)

    def _produce(self, inst: int, msg: Any, where: list) -> bool:
        def delivered(err: Any, out: Any) -> None:
            if err is not None:
                self.outcome(err, "delivery")
                return
            self._record("app_produced", "output record delivered", input=where, topic=out.topic(),
                         partition=out.partition(), offset=out.offset(), transactional=self.exactly_once,
                         instance=inst)

        try:
            self.producer.produce(self.spec["output"], value=f"{_text(msg.value())}->{self.name}", key=msg.key(),
                                  headers=[("input", f"{where[0]}/{where[1]}/{where[2]}")], on_delivery=delivered)
        except (KafkaException, BufferError, RuntimeError) as e:
            if self._live(inst):
                self.outcome(e, "produce")
            return False
        return self._live(inst)

    def _at_least_once(self, inst: int, msg: Any, where: list) -> bool:
        if not self._produce(inst, msg, where):
            return False
        try:
            self.producer.flush()
        except (KafkaException, RuntimeError) as e:
            if self._live(inst):
                self.outcome(e, "flush")
            return False
        if not self._live(inst) or self._at("after_processing"):
            return False
        try:
            self.consumer.commit(message=msg, asynchronous=False)
        except (KafkaException, RuntimeError) as e:
            if self._live(inst):
                self.outcome(e, "commit")
        return self._live(inst)

    def _exactly_once(self, inst: int, msg: Any, where: list) -> bool:
        p, c = self.producer, self.consumer
        try:
            p.begin_transaction()
            if not self._produce(inst, msg, where) or self._at("after_processing"):
                if self._live(inst):
                    p.abort_transaction()
                return False
            p.send_offsets_to_transaction(c.position(c.assignment()), c.consumer_group_metadata())
            if not self._live(inst) or self._at("in_transaction"):
                return False
            p.commit_transaction()
        except (KafkaException, RuntimeError) as e:
            if not self._live(inst):
                return False
            self.outcome(e, "transaction")
            if _requires_abort(e):
                try:
                    p.abort_transaction()
                except (KafkaException, RuntimeError) as e2:
                    if self._live(inst):
                        self.outcome(e2, "abort_transaction")
        return self._live(inst)


_PRODUCER_KEYS = {"acks", "enable.idempotence", "linger.ms", "transaction.timeout.ms", "retries",
                  "delivery.timeout.ms", "message.timeout.ms", "partitioner", "compression.type",
                  "max.in.flight.requests.per.connection", "batch.num.messages"}


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)
