"""The share consumer application (KIP-932): poll a batch, process each record, acknowledge it by a rule.

Owns ``ShareConsumerApp`` and ``ACK_TYPES``. It uses the public ``kafkalab.ShareConsumer`` (confluent-kafka
2.16's ``ShareConsumer`` API). Standard library only; virtual time only.
"""

from __future__ import annotations

from typing import Any

from ..errors import KafkaException
from .apps import App, check_config, check_int, check_str

#: What the app does with a record once processed: ``AcknowledgeType`` names, lower case.
ACK_TYPES = ("accept", "release", "reject")
ACK_MODES = ("explicit", "implicit")


class ShareConsumerApp(App):
    """A share-group member that polls a batch, processes each record for ``processing_ms``, acknowledges it.

    The loop: ``poll(0)`` returns a batch (``Messages``) of records this member acquired (each locked to it
    for ``group.share.record.lock.duration.ms``); each record is processed for ``processing_ms`` without
    polling, ``app_processed`` is recorded, and in ``explicit`` mode the app calls
    ``acknowledge(msg, AcknowledgeType.X)`` with X chosen by ``acks``; then the next ``poll`` sends the
    acknowledgements (piggybacked on the ShareFetch) and acquires more. ``acks`` maps a record key to a type
    (``"accept"``, ``"release"``, ``"reject"``) or to a list of types by delivery attempt (the last one
    repeats): ``{"order-3": "reject"}`` rejects a poison record, ``{"order-3": "release"}`` releases it every
    time (a record failing on every attempt, archived at ``group.share.delivery.count.limit``),
    ``{"order-4": ["release", "accept"]}`` releases it once. Other records get ``ack`` (default accept). In
    ``implicit`` mode (``share.acknowledgement.mode=implicit``, librdkafka's default) the app acknowledges
    nothing itself: the next poll accepts the whole previous batch, so ``acks`` must be empty.

    ``hang(ms)`` (the scenario action): the record being processed (or the next one) takes ``ms`` longer
    (None: forever). The process is alive and its connections stay open: nothing is released until the
    acquisition locks expire. A crash closes the connections: the broker releases the member's records at
    once (Kafka 4.1+). ``remove`` closes the consumer: acknowledgements are sent, the rest is released.

    Client config: ``group.id`` = ``group``, ``client.id`` = the app name,
    ``share.acknowledgement.mode`` = ``mode``; ``config`` adds to it (``max.poll.records``, ...).
    Acknowledgement errors (``INVALID_RECORD_STATE`` after the lock expired) reach the app through the
    acknowledgement commit callback and become outcomes.

    Simplification: ``poll(0)`` every ``poll_ms`` (50) stands in for a blocking ``poll(timeout)``.
    """

    kind = "share_consumer"
    points = ("now", "mid_processing")
    settable = ("processing_ms", "poll_ms", "ack", "acks")

    def __init__(self, scenario: Any, name: str, spec: dict) -> None:
        super().__init__(scenario, name, spec)
        self.consumer: Any = None
        self._batch: list = []
        self._hang_ms: int | None = -1            # -1: not hanging; None: forever
        self._validate_spec()

    @staticmethod
    def make_spec(group: Any, topics: Any, processing_ms: Any = 100, ack: Any = "accept", acks: Any = None,
                  mode: Any = "explicit", config: Any = None, poll_ms: Any = 50, start_ms: Any = 0) -> dict:
        """A JSON-friendly spec from ``add_share_consumer``'s arguments (validated by the app)."""
        if isinstance(topics, str):
            topics = [topics]
        return {"group": group, "topics": list(topics) if isinstance(topics, (list, tuple)) else topics,
                "processing_ms": processing_ms, "ack": ack, "acks": dict(acks or {}), "mode": mode,
                "config": config, "poll_ms": poll_ms, "start_ms": start_ms}

    def _validate_spec(self) -> None:
        s, where = self.spec, f"add_share_consumer({self.name!r})"
        check_str(s["group"], "group", where)
        if not isinstance(s["topics"], list) or not s["topics"]:
            raise TypeError(f"{where}: topics must be a non-empty list of topic names, got {s['topics']!r}")
        for t in s["topics"]:
            check_str(t, "topics[]", where)
        check_int(s["processing_ms"], "processing_ms", where)
        if s["ack"] not in ACK_TYPES:
            raise ValueError(f"{where}: ack must be one of {list(ACK_TYPES)}, got {s['ack']!r}")
        if not isinstance(s["acks"], dict):
            raise TypeError(f"{where}: acks must be a dict {{record key: ack type or list of them}}, got {s['acks']!r}")
        for key, rule in s["acks"].items():
            rules = rule if isinstance(rule, list) else [rule]
            if not rules or any(r not in ACK_TYPES for r in rules):
                raise ValueError(f"{where}: acks[{key!r}] must be one of {list(ACK_TYPES)} or a non-empty list of "
                                 f"them, got {rule!r}")
        if s["mode"] not in ACK_MODES:
            raise ValueError(f"{where}: mode must be one of {list(ACK_MODES)}, got {s['mode']!r}")
        if s["mode"] == "implicit" and s["acks"]:
            raise ValueError(f"{where}: acks needs mode='explicit' (in implicit mode the next poll accepts the "
                             "whole batch)")
        s["config"] = check_config(s["config"], where)
        check_int(s["poll_ms"], "poll_ms", where, minimum=1)
        check_int(s["start_ms"], "start_ms", where)

    # -- clients --------------------------------------------------------------------------------------
    def client_config(self) -> dict:
        s = self.spec
        return {**self._bootstrap(), "group.id": s["group"], "client.id": self.name,
                "share.acknowledgement.mode": s["mode"], **s["config"]}

    def _create_clients(self) -> None:
        from .. import ShareConsumer

        self.consumer = ShareConsumer(self.client_config())
        self.consumer.set_acknowledgement_commit_callback(self._on_ack_commit)
        self.consumer.subscribe(list(self.spec["topics"]))
        self._batch = []
        self._hang_ms = -1

    def _clients(self) -> list:
        return [self.consumer] if self.consumer is not None else []

    def _on_ack_commit(self, offsets: Any, exc: Any) -> None:
        """confluent-kafka's callback (offsets, exception): a failed acknowledgement becomes an outcome."""
        if exc is not None and self.alive:
            self.outcome(exc, "acknowledgement commit callback")

    def ack_type(self, msg: Any) -> str:
        """The type this app gives ``msg``: its key's rule at this delivery attempt, else ``ack``."""
        key = msg.key()
        key = key.decode() if isinstance(key, bytes) else key
        rule = self.spec["acks"].get(key, self.spec["ack"])
        if isinstance(rule, list):
            attempt = max(1, msg.delivery_count() or 1)
            return rule[min(attempt, len(rule)) - 1]
        return rule

    # -- the loop -------------------------------------------------------------------------------------
    def _step(self, inst: int) -> None:
        if not self._live(inst):
            return
        self._timer = None
        try:
            batch = self.consumer.poll(0)
        except (KafkaException, RuntimeError) as e:
            self.outcome(e, "poll")
            self._schedule(self.spec["poll_ms"], self._step)
            return
        if not self._live(inst):
            return
        self._batch = [m for m in batch]
        if not self._batch:
            self._schedule(self.spec["poll_ms"], self._step)
            return
        self._next(inst)

    def _next(self, inst: int) -> None:
        """Process the next record of the batch, or poll again when the batch is done."""
        if not self._live(inst):
            return
        while self._batch and self._batch[0].error() is not None:
            self.outcome(self._batch.pop(0).error(), "poll")
        if not self._batch:
            self._handling = None
            self._schedule(0, self._step)
            return
        msg = self._batch.pop(0)
        self._handling = self._processing = msg
        delay = self.spec["processing_ms"]
        if self.armed == "mid_processing":
            self._timer = self.clock.call_later(delay // 2, self._at, "mid_processing")
        elif self._hang_ms != -1:
            self._hang_now(delay)
        else:
            self._schedule(delay, self._finish, msg)

    def _hang_now(self, delay: int) -> None:
        """The record being processed finishes ``delay`` + the hang's length from now (never: a hang without end)."""
        extra, self._hang_ms = self._hang_ms, -1
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if extra is not None:
            self._schedule(delay + extra, self._finish, self._processing)

    def hang(self, ms: int | None = None) -> None:
        """Processing hangs: the record being processed finishes ``ms`` from now (None: never); with none
        being processed, the next record takes ``ms`` longer. No poll meanwhile; connections stay up."""
        if not self.alive:
            raise ValueError(f"hang: app {self.name!r} is not running")
        self._hang_ms = ms
        if self._processing is not None:
            self._hang_now(0)

    def _finish(self, inst: int, msg: Any) -> None:
        if not self._live(inst):
            return
        self._timer = None
        self._processing = None
        self.processed += 1
        self._record("app_processed", "record processed", topic=msg.topic(), partition=msg.partition(),
                     offset=msg.offset(), member_id="", instance=self.instance)
        if self.spec["mode"] == "explicit":
            from .. import AcknowledgeType

            kind = getattr(AcknowledgeType, self.ack_type(msg).upper())
            try:
                self.consumer.acknowledge(msg, kind)
            except (KafkaException, RuntimeError) as e:
                self.outcome(e, "acknowledge")
        self._schedule(0, self._next)


__all__ = ["ACK_MODES", "ACK_TYPES", "ShareConsumerApp"]
