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
from .actions import ACTIONS, APP_KINDS, Action, ScriptActions, check_kind, check_now
from .apps import App, check_config, check_int, check_key_template, check_str, render_key

FORMAT = "kafkalab.scenario/1"
MAX_RUN_MS = 3_600_000
"""The longest stretch one ``Scenario.run`` call covers (1 virtual hour): apps poll every few ms of
virtual time, so a longer run would keep a notebook cell busy for seconds or more; run again to go on."""


class Scenario(ScriptActions):
    """A cluster, apps that run by themselves, and a script of timed actions.

    Args:
        seed: the cluster's seed (member ids, sticky partitioning).
        name: the scenario's name; the cluster is called ``"<name>-s<seed>"``.
        topics: ``{"orders": {"partitions": 3, "config": {...}}}``, created at time 0.
        broker_config: broker settings (``group.initial.rebalance.delay.ms``, ...).
        end_ms: the default end of ``run()``.
        description: a line saying what the scenario shows.

    The script's verbs are methods (``ScriptActions``): ``crash("c3", point="mid_processing", at_ms=8_000)``
    appends a timed action; without ``at_ms`` it applies now and is appended at ``now_ms`` (what a
    widget click does). ``at(ms, "crash", app="c3")`` and ``act("crash", app="c3")`` are their string
    form, the one a saved script holds. ``add_consumer`` / ``add_producer`` / ``add_pipeline`` before
    the first ``run`` (and without ``at_ms``) are setup; after it they are actions too.
    ``run(until_ms)`` moves virtual time. ``outcomes`` lists Kafka errors that reached apps; ``sink``
    lists the side effects pipelines made outside Kafka.

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
    def _setup_app(self, spec_action: Action, given: dict) -> App:
        """``add_<kind>`` before the first run: an app of the setup (``to_json``'s ``apps``), starting at start_ms."""
        kind = spec_action.app_kind
        name = given.pop("name")
        like = given.pop("like", None)
        if like is not None:
            model = self.app(like)
            if model.kind != kind:
                raise ValueError(f"add_{kind}: like={like!r} is a {model.kind} app")
            spec = {**_copy(model.spec), **given}
        else:
            spec = spec_action.fn(self, name, **given)
        app = self._build(kind, name, spec)
        self.setup_apps.append({"kind": kind, "name": name, "spec": _copy(spec)})
        self._start(app)
        return app

    def _build(self, kind: str, name: str, spec: dict) -> App:
        app = APP_KINDS[kind](self, name, spec)
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
        """Append ``action`` at virtual time ``at_ms`` (>= now) to the script; it runs during ``run``.

        The string form of the action methods: ``at(8_000, "crash", app="c3")`` is
        ``crash("c3", at_ms=8_000)``.
        """
        check_int(at_ms, "at_ms", "script action")
        spec = _action_named(action)
        return self._action(spec, spec.bind((), args), at_ms, setup=False)

    def act(self, action: str, **args: Any) -> dict:
        """Apply ``action`` now and append it to the script at ``now_ms`` (what a widget click does).

        The string form of the action methods: ``act("restart", app="c3")`` is ``restart("c3")``.
        """
        spec = _action_named(action)
        return self._action(spec, spec.bind((), args), None, setup=False)

    def _action(self, spec: Action, given: dict, at_ms: int | None, setup: bool = True) -> Any:
        """An action method's call (checked by ``spec.bind``): setup, or an entry of the script now or at ``at_ms``."""
        name = spec.name
        if spec.app_kind is not None:
            if setup and at_ms is None and not self._started:
                self._check_new_name(name, given["name"])
                return self._setup_app(spec, given)
            if "start_ms" in given:
                raise ValueError(f"{name}: unknown parameter 'start_ms' (given {given['start_ms']!r}): it is for "
                                 f"setup before the first run; an action starts the app at its time")
            if setup and at_ms is None and "like" not in given:     # a call after the first run: the full spec
                spec_now = spec.fn(self, **given)
                given = {"name": given["name"], **{k: v for k, v in spec_now.items() if k != "start_ms"}}
        if at_ms is not None:
            check_int(at_ms, "at_ms", name)
            if at_ms < self.now_ms:
                raise ValueError(f"{name}: at_ms={at_ms} is in the past (now_ms={self.now_ms}); leave at_ms out "
                                 f"(or use act()) for now")
        entry = {"at_ms": self.now_ms if at_ms is None else at_ms, "action": name, **given}
        self._check_names(entry)
        if at_ms is None:
            check_now(self, entry)
        self.script.append(entry)
        if at_ms is not None:
            self._schedule(entry)
        else:
            self._started = True
            self._apply(entry)
        if spec.app_kind is not None and setup:
            return self.apps.get(given["name"])
        return entry

    def _check_new_name(self, action: str, name: str) -> None:
        if name in self.apps or name in self._pending:
            raise ValueError(f"{action}: an app called {name!r} already exists; names: {sorted(self.apps)}")

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
        check_kind(self, entry)
        ACTIONS[entry["action"]].apply(self, args)

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
            if not isinstance(app, dict) or app.get("kind") not in APP_KINDS:
                raise ValueError(f"from_json: each app needs kind in {sorted(APP_KINDS)}, got {app!r}")
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


def _action_named(action: Any) -> Action:
    if not isinstance(action, str):
        raise TypeError(f"action must be a str, one of {sorted(ACTIONS)}; got {type(action).__name__} {action!r}")
    spec = ACTIONS.get(action)
    if spec is None:
        raise ValueError(f"unknown action {action!r}; allowed: {sorted(ACTIONS)}")
    return spec


def _copy(value: Any) -> Any:
    return json.loads(json.dumps(value))
