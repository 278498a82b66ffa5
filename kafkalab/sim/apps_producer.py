"""The producer application: records at a rate, keys from a template, optionally in transactions.

Owns ``ProducerApp``. Standard library only; virtual time only.
"""

from __future__ import annotations

from typing import Any

from ..client.producer import Producer
from ..errors import KafkaException
from .apps import App, check_config, check_int, check_key_template, check_str, render_key


class ProducerApp(App):
    """Writes ``rate_per_s`` records per second to ``topic`` (``count`` records in all, or forever).

    Record ``i`` (from 0) has key ``keys`` rendered with ``i`` (``"user-{i%12}"``; None for no key)
    and value ``"<app>-<i>"``; it is produced at ``start_ms + i * 1000 // rate_per_s``. Delivery
    failures become outcomes. With ``transactional``, ``transactional.id`` is the app name,
    ``init_transactions`` runs at start, a transaction begins before the first record, and is
    committed after every ``transaction_records`` records (None: only the script's
    ``commit_transaction`` / ``abort_transaction`` actions end it). A restarted instance starts
    again at record 0. Crash points: ``now``, ``in_transaction`` (right after producing into an open
    transaction).
    """

    kind = "producer"
    points = ("now", "in_transaction")
    settable = ("rate_per_s", "keys", "count")

    def __init__(self, scenario: Any, name: str, spec: dict) -> None:
        super().__init__(scenario, name, spec)
        self.producer: Producer | None = None
        self.sent = 0
        self.in_transaction = False
        self._validate_spec()

    @staticmethod
    def make_spec(topic: Any, rate_per_s: Any = 10, keys: Any = None, transactional: Any = False,
                  config: Any = None, count: Any = None, transaction_records: Any = 10, start_ms: Any = 0) -> dict:
        return {"topic": topic, "rate_per_s": rate_per_s, "keys": keys, "transactional": transactional,
                "config": config, "count": count, "transaction_records": transaction_records, "start_ms": start_ms}

    def _validate_spec(self) -> None:
        s, where = self.spec, f"add_producer({self.name!r})"
        check_str(s["topic"], "topic", where)
        check_int(s["rate_per_s"], "rate_per_s", where, minimum=1)
        check_key_template(s["keys"], where)
        if not isinstance(s["transactional"], bool):
            raise TypeError(f"{where}: transactional must be True or False, got {s['transactional']!r}")
        s["config"] = check_config(s["config"], where)
        if s["count"] is not None:
            check_int(s["count"], "count", where)
        if s["transaction_records"] is not None:
            check_int(s["transaction_records"], "transaction_records", where, minimum=1)
        check_int(s["start_ms"], "start_ms", where)

    def _create_clients(self) -> None:
        conf = {**self._bootstrap(), "client.id": self.name}
        if self.spec["transactional"]:
            conf["transactional.id"] = self.name
        conf.update(self.spec["config"])
        self.producer = Producer(conf)
        self.sent = 0
        self.in_transaction = False
        self._started_ms = self.cluster.now_ms + (self.spec["start_ms"] if self.instance == 1 else 0)
        if self.spec["transactional"]:
            self._txn("init_transactions")

    def _clients(self) -> list:
        return [self.producer] if self.producer is not None else []

    # -- transactions -----------------------------------------------------------------------------
    def _txn(self, op: str) -> bool:
        inst = self.instance
        try:
            getattr(self.producer, op)()
        except (KafkaException, RuntimeError) as e:
            if self._live(inst):
                self.outcome(e, op)
                if op == "commit_transaction" and _requires_abort(e):
                    self._txn("abort_transaction")
            return False
        if op == "begin_transaction":
            self.in_transaction = True
        elif op in ("commit_transaction", "abort_transaction"):
            self.in_transaction = False
        return self._live(inst)

    def begin(self) -> bool:
        return self._txn("begin_transaction")

    def commit_transaction(self) -> bool:
        return self._txn("commit_transaction")

    def abort_transaction(self) -> bool:
        return self._txn("abort_transaction")

    # -- the loop ---------------------------------------------------------------------------------
    def _on_delivery(self, err: Any, msg: Any) -> None:
        if err is not None:
            self.outcome(err, "delivery")

    def produce_one(self) -> bool:
        """Produce the next record now (beginning a transaction if needed); False if the app stopped."""
        inst = self.instance
        if self.spec["transactional"] and not self.in_transaction and not self.begin():
            return False
        i = self.sent
        try:
            self.producer.produce(self.spec["topic"], value=f"{self.name}-{i}", key=render_key(self.spec["keys"], i),
                                  on_delivery=self._on_delivery)
            self.producer.poll(0)
        except (KafkaException, BufferError, RuntimeError) as e:
            if self._live(inst):
                self.outcome(e, "produce")
            return self._live(inst)
        self.sent += 1
        if not self._live(inst):
            return False
        if self.spec["transactional"]:
            if self._at("in_transaction"):
                return False
            every = self.spec["transaction_records"]
            if every is not None and self.sent % every == 0:
                return self.commit_transaction()
        return True

    def _step(self, inst: int) -> None:
        if not self._live(inst):
            return
        self._timer = None
        count = self.spec["count"]
        if count is not None and self.sent >= count:
            if self.spec["transactional"] and self.in_transaction and self.spec["transaction_records"] is not None:
                self.commit_transaction()
            return
        if not self.produce_one():
            return
        nxt = self._started_ms + self.sent * 1000 // self.spec["rate_per_s"]
        self._schedule(max(0, nxt - self.cluster.now_ms), self._step)

    def burst(self, count: int) -> None:
        """Produce ``count`` records now (the script's ``produce_burst``)."""
        for _ in range(count):
            if not self.alive or not self.produce_one():
                return


def _requires_abort(e: Any) -> bool:
    err = e.args[0] if isinstance(e, KafkaException) and e.args else None
    return bool(err is not None and getattr(err, "txn_requires_abort", lambda: False)())
