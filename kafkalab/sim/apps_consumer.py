"""The consumer application: a poll loop that processes each record for a while and commits by a policy.

Owns ``ConsumerApp`` and ``COMMIT_POLICIES``. Standard library only; virtual time only.
"""

from __future__ import annotations

from typing import Any

from ..client.consumer import Consumer
from ..errors import KafkaException
from .apps import App, check_config, check_int, check_str

COMMIT_POLICIES = ("after_each", "after_each_async", "every_n", "every_ms", "auto", "auto_store_after_processing",
                   "before_processing", "none")

_STORE = "auto_store_after_processing"

#: ``group.protocol`` values (librdkafka: classic is the default).
GROUP_PROTOCOLS = ("classic", "consumer")

#: Client settings of the classic protocol that librdkafka refuses under ``group.protocol=consumer``
#: (the session timeout and heartbeat interval are broker settings there, the assignor is
#: ``group.remote.assignor``); ``group_protocol="consumer"`` drops them from the app's config.
CLASSIC_ONLY = ("session.timeout.ms", "heartbeat.interval.ms", "partition.assignment.strategy")


class ConsumerApp(App):
    """A consumer group member that polls, processes each record for ``processing_ms``, and commits.

    The loop: ``poll(0)``; with nothing to return it polls again ``poll_ms`` later; with a record
    it processes it for ``processing_ms`` of virtual time without polling (so
    ``max.poll.interval.ms`` and the session timeout behave as in Kafka), records
    ``app_processed``, then commits by ``commit``:

    - ``after_each``: ``commit(message=msg, asynchronous=False)`` after each record (at-least-once).
    - ``after_each_async``: ``commit(message=msg)`` after each record, asynchronous (confluent-kafka's
      default): a failure is not raised but reported to the ``on_commit`` callback, served by a later
      ``poll()``, and recorded as an outcome "on_commit (asynchronous commit)".
    - ``every_n``: ``commit(asynchronous=False)`` after every ``commit_every`` records.
    - ``every_ms``: ``commit(asynchronous=False)`` after a record when ``commit_every`` ms passed since
      the last commit.
    - ``auto``: ``enable.auto.commit=true``; librdkafka stores each offset when ``poll`` returns the
      record (before processing) and commits the store every ``auto.commit.interval.ms`` (5000).
    - ``auto_store_after_processing``: ``enable.auto.commit=true`` with ``enable.auto.offset.store=false``
      and ``store_offsets(message=msg)`` after processing: the timer commits only what is done
      (librdkafka's documented at-least-once with auto-commit).
    - ``before_processing``: commit the record, then process it (at-most-once).
    - ``none``: never commit.

    Crash points: ``mid_processing``, ``after_processing`` (processed, not committed),
    ``after_commit`` (right after a successful commit), ``now``. Client config: ``group.id`` =
    ``group``, ``client.id`` = the app name, ``auto.offset.reset=earliest``, and
    ``group.instance.id`` = the app name when ``static``; ``config`` overrides. librdkafka
    defaults otherwise (``session.timeout.ms`` 45000, ``max.poll.interval.ms`` 300000,
    ``isolation.level`` read_committed).

    ``group_protocol="consumer"`` sets ``group.protocol=consumer`` (Kafka 4's consumer group
    protocol, KIP-848) and drops ``CLASSIC_ONLY`` from ``config``: librdkafka refuses
    ``session.timeout.ms``, ``heartbeat.interval.ms`` and ``partition.assignment.strategy`` under it
    (the broker's ``group.consumer.session.timeout.ms``, 45 s, and
    ``group.consumer.heartbeat.interval.ms``, 5 s, apply instead), so one scenario runs under
    both protocols.

    Simplification: ``poll(0)`` every ``poll_ms`` (50) stands in for a blocking ``poll(timeout)``,
    so a record can wait up to ``poll_ms`` before the app sees it.
    """

    kind = "consumer"
    points = ("now", "mid_processing", "after_processing", "after_commit")
    settable = ("processing_ms", "commit", "commit_every", "poll_ms")

    def __init__(self, scenario: Any, name: str, spec: dict) -> None:
        super().__init__(scenario, name, spec)
        self.consumer: Consumer | None = None
        self._since_commit = 0
        self._last_commit_ms = 0
        self._validate_spec()

    @staticmethod
    def make_spec(group: Any, topics: Any, processing_ms: Any = 100, commit: Any = "after_each",
                  commit_every: Any = 10, static: Any = False, config: Any = None, poll_ms: Any = 50,
                  start_ms: Any = 0, group_protocol: Any = "classic") -> dict:
        """A JSON-friendly spec from ``add_consumer``'s arguments (validated by the app)."""
        if isinstance(topics, str):
            topics = [topics]
        spec = {"group": group, "topics": list(topics) if isinstance(topics, (list, tuple)) else topics,
                "processing_ms": processing_ms, "commit": commit, "commit_every": commit_every,
                "static": static, "config": config, "poll_ms": poll_ms, "start_ms": start_ms}
        if group_protocol != "classic":
            spec["group_protocol"] = group_protocol
        return spec

    def _validate_spec(self) -> None:
        s, where = self.spec, f"add_consumer({self.name!r})"
        check_str(s["group"], "group", where)
        if not isinstance(s["topics"], list) or not s["topics"]:
            raise TypeError(f"{where}: topics must be a non-empty list of topic names, got {s['topics']!r}")
        for t in s["topics"]:
            check_str(t, "topics[]", where)
        check_int(s["processing_ms"], "processing_ms", where)
        if s["commit"] not in COMMIT_POLICIES:
            raise ValueError(f"{where}: commit must be one of {list(COMMIT_POLICIES)}, got {s['commit']!r}")
        check_int(s["commit_every"], "commit_every", where, minimum=1)
        if not isinstance(s["static"], bool):
            raise TypeError(f"{where}: static must be True or False, got {s['static']!r}")
        s["config"] = check_config(s["config"], where)
        check_int(s["poll_ms"], "poll_ms", where, minimum=1)
        check_int(s["start_ms"], "start_ms", where)
        if s.get("group_protocol", "classic") not in GROUP_PROTOCOLS:
            raise ValueError(f"{where}: group_protocol must be one of {list(GROUP_PROTOCOLS)}, got "
                             f"{s['group_protocol']!r}")

    # -- clients --------------------------------------------------------------------------------------
    def client_config(self) -> dict:
        s = self.spec
        conf = {**self._bootstrap(), "group.id": s["group"], "client.id": self.name,
                "auto.offset.reset": "earliest", "enable.auto.commit": s["commit"] in ("auto", _STORE)}
        if s["commit"] == _STORE:
            conf["enable.auto.offset.store"] = False
        if s["static"]:
            conf["group.instance.id"] = self.name
        if s["commit"] == "after_each_async":
            conf["on_commit"] = self._on_commit
        conf.update(s["config"])
        if s.get("group_protocol", "classic") == "consumer":
            conf["group.protocol"] = "consumer"
            for key in CLASSIC_ONLY:
                conf.pop(key, None)
        return conf

    def _on_commit(self, err: Any, partitions: Any) -> None:
        """confluent-kafka's on_commit(err, partitions): a failed asynchronous commit becomes an outcome."""
        if err is not None and self.alive:
            self.outcome(err, "on_commit (asynchronous commit)")

    def _create_clients(self) -> None:
        self.consumer = Consumer(self.client_config())
        self.consumer.subscribe(list(self.spec["topics"]))
        self._since_commit = 0
        self._last_commit_ms = self.cluster.now_ms

    def _clients(self) -> list:
        return [self.consumer] if self.consumer is not None else []

    def member_id(self) -> str:
        """The current instance's member id ("" before it joined or when down)."""
        if not self.alive or self.consumer is None:
            return ""
        try:
            return self.consumer.memberid() or ""
        except (KafkaException, RuntimeError):
            return ""

    # -- the loop -------------------------------------------------------------------------------------
    def _poll(self) -> Any:
        try:
            return self.consumer.poll(0)
        except (KafkaException, RuntimeError) as e:
            self.outcome(e, "poll")
            return None

    def _step(self, inst: int) -> None:
        if not self._live(inst):
            return
        self._timer = None
        msg = self._poll()
        if not self._live(inst):
            return
        if msg is None:
            self._schedule(self.spec["poll_ms"], self._step)
            return
        if msg.error() is not None:
            self.outcome(msg.error(), "poll")
            self._schedule(0, self._step)
            return
        self._handling = msg
        if self.spec["commit"] == "before_processing" and (
                not self.commit_now(msg, "commit before processing") or self._at("after_commit")):
            return
        self._processing = msg
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
        self._record("app_processed", "record processed", topic=msg.topic(), partition=msg.partition(),
                     offset=msg.offset(), member_id=self.member_id(), instance=self.instance)
        if self._at("after_processing"):
            return
        policy = self.spec["commit"]
        self._since_commit += 1
        committed = False
        if policy == "after_each":
            committed = self.commit_now(msg, "commit after each record")
        elif policy == "after_each_async":
            committed = self.commit_async(msg)
        elif policy == "every_n" and self._since_commit >= self.spec["commit_every"]:
            committed = self.commit_now(None, f"commit every {self.spec['commit_every']} records")
        elif policy == _STORE:
            self.store_offsets(msg)
        elif policy == "every_ms" and self.cluster.now_ms - self._last_commit_ms >= self.spec["commit_every"]:
            committed = self.commit_now(None, f"commit every {self.spec['commit_every']} ms")
        if not self._live(inst) or (committed and self._at("after_commit")):
            return
        self._schedule(0, self._step)

    def store_offsets(self, msg: Any) -> None:
        """``store_offsets(message=msg)``: the next auto-commit commits it; a failure becomes an outcome."""
        try:
            self.consumer.store_offsets(message=msg)
        except (KafkaException, RuntimeError) as e:
            self.outcome(e, "store_offsets after processing")

    def commit_async(self, msg: Any) -> bool:
        """An asynchronous commit of ``msg``: it returns at once; the broker's answer goes to ``on_commit``."""
        try:
            self.consumer.commit(message=msg)
        except (KafkaException, RuntimeError) as e:    # only local errors are raised by an async commit
            self.outcome(e, "commit after each record (asynchronous)")
            return False
        self._since_commit = 0
        self._last_commit_ms = self.cluster.now_ms
        return True

    def commit_now(self, msg: Any = None, why: str = "commit") -> bool:
        """A synchronous commit of ``msg`` (or of the stored offsets); a failure becomes an outcome."""
        inst = self.instance
        try:
            if msg is not None:
                self.consumer.commit(message=msg, asynchronous=False)
            else:
                self.consumer.commit(asynchronous=False)
        except (KafkaException, RuntimeError) as e:
            if self._live(inst):
                self.outcome(e, why)
            return False
        if not self._live(inst):
            return False
        self._since_commit = 0
        self._last_commit_ms = self.cluster.now_ms
        return True
