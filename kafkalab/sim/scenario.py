"""A Scenario: a cluster, its simulated apps, and a script of timed actions, run in virtual time.

Owns ``Scenario``. The setup (seed, topics, broker config, apps) and the script (a list of
JSON-friendly action dicts) are data: ``to_json`` / ``from_json`` save and replay a session, and
the same seed and script give the same trace, event for event. Standard library only.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..broker import cluster as _cluster_mod
from ..broker.cluster import Cluster
from ..client.producer import Producer
from ..clock import Priority
from .actions import apply, check_action, check_now
from .apps import App, check_config, check_int, check_key_template, check_str, render_key
from .apps_consumer import ConsumerApp
from .apps_pipeline import PipelineApp
from .apps_producer import ProducerApp

_KINDS = {"consumer": ConsumerApp, "producer": ProducerApp, "pipeline": PipelineApp}
FORMAT = "kafkalab.scenario/1"
MAX_RUN_MS = 3_600_000
"""The longest stretch one ``Scenario.run`` call covers (1 virtual hour): apps poll every few ms of
virtual time, so a longer run would keep a notebook cell busy for seconds or more; run again to go on."""


class Scenario:
    """A cluster, apps that run by themselves, and a script of timed actions.

    Args:
        seed: the cluster's seed (member ids, sticky partitioning).
        name: the scenario's name; the cluster is called ``"<name>-s<seed>"``.
        topics: ``{"orders": {"partitions": 3, "config": {...}}}``, created at time 0.
        broker_config: broker settings (``group.initial.rebalance.delay.ms``, ...).
        end_ms: the default end of ``run()``.
        description: a line saying what the scenario shows.

    ``add_consumer`` / ``add_producer`` / ``add_pipeline`` before the first ``run`` are setup;
    after it they go into the script as actions at ``now_ms``. ``at(ms, action, **args)``
    appends a timed action; ``act(action, **args)`` applies one now and appends it; ``run(until_ms)``
    moves virtual time. ``outcomes`` lists Kafka errors that reached apps; ``sink`` lists the
    side effects pipelines made outside Kafka.

    Simplification: scenarios with the same name and seed share a ``bootstrap.servers`` string;
    the one that last created a client answers it. Use ``client_config()`` for your own clients.
    """

    def __init__(self, seed: int = 0, name: str = "scenario", topics: dict | None = None,
                 broker_config: dict | None = None, end_ms: int = 60_000, description: str = "") -> None:
        check_int(seed, "seed", "Scenario")
        check_str(name, "name", "Scenario")
        check_int(end_ms, "end_ms", "Scenario", minimum=1)
        if not isinstance(description, str):
            raise TypeError(f"Scenario: description must be a str, got {type(description).__name__}")
        topics = {} if topics is None else topics
        if not isinstance(topics, dict):
            raise TypeError(f"Scenario: topics must be a dict such as {{'orders': {{'partitions': 3}}}}, got "
                            f"{type(topics).__name__} {topics!r}")
        broker_config = check_config(broker_config, "Scenario(broker_config)")
        self.seed, self.name, self.end_ms, self.description = seed, name, end_ms, description
        self.topics: dict[str, dict] = {}
        self.broker_config = broker_config
        slug = re.sub(r"[^a-zA-Z0-9._-]+", "-", name) or "scenario"
        self.cluster = Cluster(seed=seed, name=f"{slug}-s{seed}", config=broker_config)
        self.apps: dict[str, App] = {}
        self.setup_apps: list[dict] = []
        self.script: list[dict] = []
        self.outcomes: list[dict] = []
        self.sink: list[dict] = []
        self._started = False
        self._burst: Producer | None = None
        self._burst_sent = 0
        self._pending: set[str] = set()
        for topic, spec in topics.items():
            self._create_topic(topic, spec)

    # -- properties --------------------------------------------------------------------------------
    @property
    def started(self) -> bool:
        """True once ``run``, ``advance`` or ``act`` has started the apps (a built scenario is not started)."""
        return self._started

    @property
    def now_ms(self) -> int:
        """Current virtual time."""
        return self.cluster.now_ms

    @property
    def trace(self):
        """The cluster's trace (every event; ``kafkalab.lab.frames`` turns it into frames)."""
        return self.cluster.trace

    def client_config(self, **extra: Any) -> dict:
        """``{"bootstrap.servers": ...}`` for a client of your own on this scenario's cluster."""
        self._activate()
        return {"bootstrap.servers": self.cluster.bootstrap_servers, **extra}

    def _activate(self) -> None:
        _cluster_mod._REGISTRY[self.cluster.name] = self.cluster

    def _create_topic(self, topic: Any, spec: Any) -> None:
        check_str(topic, "topic name", "Scenario(topics)")
        if not isinstance(spec, dict):
            raise TypeError(f"Scenario(topics): topic {topic!r} needs a dict such as {{'partitions': 3}}, got {spec!r}")
        for key in spec:
            if key not in ("partitions", "config"):
                raise ValueError(f"Scenario(topics): topic {topic!r} has unknown key {key!r}; allowed: "
                                 f"['partitions', 'config']")
        partitions = check_int(spec.get("partitions", 1), "partitions", f"Scenario(topics[{topic!r}])", minimum=1)
        config = check_config(spec.get("config"), f"Scenario(topics[{topic!r}])")
        self.cluster.create_topic(topic, partitions=partitions, config=config)
        self.topics[topic] = {"partitions": partitions, "config": config}

    # -- apps ------------------------------------------------------------------------------------------
    def add_consumer(self, name: str, *, group: str, topics: list[str] | str, processing_ms: int = 100,
                     commit: str = "after_each", commit_every: int = 10, static: bool = False,
                     config: dict | None = None, poll_ms: int = 50, start_ms: int = 0) -> ConsumerApp | None:
        """A consumer app (see ``ConsumerApp``); after the first ``run`` it becomes an ``add_consumer`` action."""
        spec = ConsumerApp.make_spec(group, topics, processing_ms, commit, commit_every, static, config, poll_ms,
                                     start_ms)
        return self._add_app("consumer", name, spec)

    def add_producer(self, name: str, *, topic: str, rate_per_s: int = 10, keys: str | None = None,
                     transactional: bool = False, config: dict | None = None, count: int | None = None,
                     transaction_records: int | None = 10, start_ms: int = 0) -> ProducerApp | None:
        """A producer app (see ``ProducerApp``)."""
        spec = ProducerApp.make_spec(topic, rate_per_s, keys, transactional, config, count, transaction_records,
                                     start_ms)
        return self._add_app("producer", name, spec)

    def add_pipeline(self, name: str, *, group: str, input: str, output: str, mode: str = "exactly_once",
                     processing_ms: int = 50, config: dict | None = None, poll_ms: int = 50,
                     start_ms: int = 0) -> PipelineApp | None:
        """A consume-transform-produce app (see ``PipelineApp``)."""
        spec = PipelineApp.make_spec(group, input, output, mode, processing_ms, config, poll_ms, start_ms)
        return self._add_app("pipeline", name, spec)

    def _add_app(self, kind: str, name: Any, spec: dict) -> App | None:
        check_str(name, "name", f"add_{kind}")
        if name in self.apps or name in self._pending:
            raise ValueError(f"add_{kind}: an app called {name!r} already exists; names: {sorted(self.apps)}")
        if self._started:
            args = {k: v for k, v in spec.items() if k != "start_ms"}
            self.act(f"add_{kind}", name=name, **args)
            return self.apps[name]
        app = self._build(kind, name, spec)
        self.setup_apps.append({"kind": kind, "name": name, "spec": _copy(spec)})
        self._start(app)
        return app

    def _build(self, kind: str, name: str, spec: dict) -> App:
        app = _KINDS[kind](self, name, spec)
        if not isinstance(app.spec.get("config"), dict):
            app.spec["config"] = {}
        return app

    def _start(self, app: App) -> None:
        self._activate()
        self.apps[app.name] = app
        app.start()

    def app(self, name: Any) -> App:
        """The app called ``name``; ValueError naming the existing apps otherwise."""
        if not isinstance(name, str):
            raise TypeError(f"app name must be a str, got {type(name).__name__} {name!r}")
        app = self.apps.get(name)
        if app is None:
            raise ValueError(f"unknown app {name!r}; apps: {sorted(self.apps)}")
        return app

    # -- the script -------------------------------------------------------------------------------------
    def at(self, at_ms: int, action: str, **args: Any) -> dict:
        """Append ``action`` at virtual time ``at_ms`` (>= now) to the script; it runs during ``run``."""
        entry = check_action(at_ms, action, args)
        if at_ms < self.now_ms:
            raise ValueError(f"at: at_ms={at_ms} is in the past (now_ms={self.now_ms}); use act() for now")
        self._check_names(entry)
        self.script.append(entry)
        self._schedule(entry)
        return entry

    def act(self, action: str, **args: Any) -> dict:
        """Apply ``action`` now and append it to the script at ``now_ms`` (what a widget click does)."""
        entry = check_action(self.now_ms, action, args)
        self._check_names(entry)
        check_now(self, entry)
        self.script.append(entry)
        self._started = True
        self._apply(entry)
        return entry

    def _check_names(self, entry: dict) -> None:
        known = set(self.apps) | self._pending
        for key in ("app", "like"):
            if key in entry and entry[key] not in known:
                raise ValueError(f"{entry['action']}: unknown app {entry[key]!r}; apps: {sorted(known)}")
        if "name" in entry:
            if entry["name"] in known:
                raise ValueError(f"{entry['action']}: an app called {entry['name']!r} already exists")
            self._pending.add(entry["name"])
        if "topic" in entry and entry["action"] in ("set_config", "produce_burst") \
                and entry["topic"] not in self.cluster.topics:
            raise ValueError(f"{entry['action']}: unknown topic {entry['topic']!r}; topics: "
                             f"{sorted(self.cluster.user_topics())}")

    def _schedule(self, entry: dict) -> None:
        self.cluster.clock.call_at(entry["at_ms"], self._apply_scheduled, entry, priority=Priority.SCRIPT_ACTION)

    def _apply_scheduled(self, entry: dict) -> None:
        """A script action at its time. One that no longer applies (crash an app that a click already
        crashed, restart a running one) is traced as ``action_skipped`` and time goes on; raising here
        would stop ``run``/``advance`` half-way."""
        try:
            self._apply(entry)
        except (ValueError, TypeError) as exc:
            self.trace.record("action_skipped", f"script: {entry['action']} skipped: {exc}",
                              action=entry["action"], error=str(exc))

    def _apply(self, entry: dict) -> None:
        args = {k: v for k, v in entry.items() if k not in ("at_ms", "action")}
        self.trace.record("action", f"script: {entry['action']}", action=entry["action"], args=args)
        apply(self, entry)

    def run(self, until_ms: int | None = None) -> Scenario:
        """Run virtual time to ``until_ms`` (default ``end_ms``): apps step, script actions apply.

        Raises:
            ValueError: ``until_ms`` before now, or more than ``MAX_RUN_MS`` (1 virtual hour) after it.
        """
        if until_ms is None:
            until_ms = self.end_ms
        check_int(until_ms, "until_ms", "run")
        if until_ms < self.now_ms:
            raise ValueError(f"run: until_ms={until_ms} is before now_ms={self.now_ms}")
        if until_ms - self.now_ms > MAX_RUN_MS:
            raise ValueError(f"run: until_ms={until_ms} is more than kafkalab.sim.scenario.MAX_RUN_MS={MAX_RUN_MS} "
                             f"(1 virtual hour) after now_ms={self.now_ms}; run in steps of at most that")
        self._started = True
        self._activate()
        self.cluster.clock.run_until(until_ms)
        return self

    # -- bursts for a topic --------------------------------------------------------------------------------
    def burst_to_topic(self, topic: str, count: int, keys: str | None = None) -> None:
        """Produce ``count`` records to ``topic`` now from the scenario's own producer ``burst``."""
        check_key_template(keys, "produce_burst")
        if self._burst is None:
            self._activate()
            self._burst = Producer({"bootstrap.servers": self.cluster.bootstrap_servers, "client.id": "burst"})
        for _ in range(count):
            i = self._burst_sent
            self._burst.produce(topic, value=f"burst-{i}", key=render_key(keys, i))
            self._burst_sent += 1
        self._burst.poll(0)

    # -- JSON ------------------------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """Setup and script as plain data."""
        return {"format": FORMAT, "name": self.name, "seed": self.seed, "end_ms": self.end_ms,
                "description": self.description, "topics": _copy(self.topics),
                "broker_config": _copy(self.broker_config), "apps": _copy(self.setup_apps),
                "script": _copy(self.script)}

    def to_json(self, indent: int | None = 1) -> str:
        """The setup and the script as JSON; ``Scenario.from_json(text).run(t)`` replays it."""
        return json.dumps(self.to_dict(), indent=indent, sort_keys=False)

    @classmethod
    def from_dict(cls, data: Any) -> Scenario:
        """A new, not yet run Scenario from ``to_dict`` output."""
        if not isinstance(data, dict):
            raise TypeError(f"from_json: expected a JSON object, got {type(data).__name__}")
        if data.get("format") != FORMAT:
            raise ValueError(f"from_json: format must be {FORMAT!r}, got {data.get('format')!r}")
        missing = [k for k in ("name", "seed", "topics", "apps", "script") if k not in data]
        if missing:
            raise ValueError(f"from_json: missing keys {missing}")
        sc = cls(seed=data["seed"], name=data["name"], topics=data["topics"], broker_config=data.get("broker_config"),
                 end_ms=data.get("end_ms", 60_000), description=data.get("description", ""))
        for app in data["apps"]:
            if not isinstance(app, dict) or app.get("kind") not in _KINDS:
                raise ValueError(f"from_json: each app needs kind in {sorted(_KINDS)}, got {app!r}")
            spec = dict(app.get("spec") or {})
            getattr(sc, f"add_{app['kind']}")(app["name"], **spec)
        if not isinstance(data["script"], list):
            raise TypeError("from_json: script must be a list of actions")
        for entry in data["script"]:
            if not isinstance(entry, dict) or "at_ms" not in entry or "action" not in entry:
                raise ValueError(f"from_json: each script entry needs at_ms and action, got {entry!r}")
            args = {k: v for k, v in entry.items() if k not in ("at_ms", "action")}
            sc.at(entry["at_ms"], entry["action"], **args)
        return sc

    @classmethod
    def from_json(cls, text: str) -> Scenario:
        """A new, not yet run Scenario from ``to_json`` text."""
        if not isinstance(text, str):
            raise TypeError(f"from_json: expected a str of JSON, got {type(text).__name__}")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise ValueError(f"from_json: not valid JSON: {e}") from None
        return cls.from_dict(data)

    def __repr__(self) -> str:
        return (f"Scenario({self.name!r}, seed={self.seed}, now_ms={self.now_ms}, apps={sorted(self.apps)}, "
                f"script={len(self.script)} actions)")


def _copy(value: Any) -> Any:
    return json.loads(json.dumps(value))
