"""Simulated applications: the common life cycle (start, crash at a named point, restart) and helpers.

Owns ``App``, the crash points and the key templates. The three kinds live in
``apps_consumer.py`` (``ConsumerApp``), ``apps_producer.py`` (``ProducerApp``) and
``apps_pipeline.py`` (``PipelineApp``). An app runs by itself in virtual time: it schedules its
next step on the cluster clock (``clock.call_later``) and uses the public ``kafkalab.Consumer`` and
``kafkalab.Producer``; Kafka errors that reach it become outcomes (``Scenario.outcomes`` and an
``app_outcome`` trace event), never exceptions. Standard library only.

Trace events written here (every field JSON-friendly; partitions as ``[topic, partition]``):
``app_started`` (app, app_kind, instance), ``app_crash`` (app, point, instance, in_flight: the record being processed,
record: the record being handled from poll to the next poll),
``app_restart`` (app, instance), ``app_stopped`` (app, instance), ``app_outcome`` (app, error,
where), ``app_processed`` (app, topic, partition, offset, member_id), ``app_side_effect`` (app,
input), ``app_produced`` (app, input, topic, partition, offset, transactional).
"""

from __future__ import annotations

import re
from typing import Any, Literal, get_args

from ..errors import KafkaError, KafkaException

#: Where an app can be crashed (each kind has its subset, ``App.points``).
CrashPoint = Literal["now", "mid_processing", "after_processing", "after_commit", "in_transaction"]
CRASH_POINTS: tuple[str, ...] = get_args(CrashPoint)

_KEY_FIELD = re.compile(r"\{([^{}]*)\}")
_KEY_EXPR = re.compile(r"^i(?:(%|//)([1-9][0-9]*))?$")


def check_key_template(keys: Any, where: str) -> None:
    """Validate a key template such as ``"user-{i%12}"`` (``{i}``, ``{i%N}``, ``{i//N}``) or None."""
    if keys is None:
        return
    if not isinstance(keys, str):
        raise TypeError(f"{where}: keys must be a str template such as 'user-{{i%12}}' or None, got "
                        f"{type(keys).__name__} {keys!r}")
    for expr in _KEY_FIELD.findall(keys):
        if not _KEY_EXPR.match(expr.replace(" ", "")):
            raise ValueError(f"{where}: keys template field {{{expr}}} in {keys!r} is not allowed; use {{i}}, "
                             f"{{i%N}} or {{i//N}} with N >= 1")
    if keys.count("{") != keys.count("}"):
        raise ValueError(f"{where}: keys template {keys!r} has unbalanced braces")


def render_key(keys: str | None, i: int) -> str | None:
    """The key of the ``i``-th record from a template checked by ``check_key_template``."""
    if keys is None:
        return None

    def field(m: re.Match) -> str:
        expr = _KEY_EXPR.match(m.group(1).replace(" ", ""))
        op, n = expr.group(1), expr.group(2)
        if op == "%":
            return str(i % int(n))
        if op == "//":
            return str(i // int(n))
        return str(i)

    return _KEY_FIELD.sub(field, keys)


def check_int(value: Any, name: str, where: str, minimum: int = 0) -> int:
    """``value`` as an int >= ``minimum``, or a TypeError/ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{where}: {name} must be an int, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{where}: {name} must be >= {minimum}, got {value}")
    return value


def check_str(value: Any, name: str, where: str) -> str:
    """``value`` as a non-empty str, or a TypeError/ValueError naming ``name``."""
    if not isinstance(value, str):
        raise TypeError(f"{where}: {name} must be a str, got {type(value).__name__} {value!r}")
    if not value:
        raise ValueError(f"{where}: {name} must not be empty")
    return value


def check_config(value: Any, where: str) -> dict:
    """A client config dict with str keys (values are checked by the client itself)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TypeError(f"{where}: config must be a dict of client settings, got {type(value).__name__} {value!r}")
    for k in value:
        if not isinstance(k, str):
            raise TypeError(f"{where}: config keys must be str, got {k!r}")
    return dict(value)


def error_name(err: Any) -> str:
    """The error name of a KafkaError, a KafkaException or any other exception."""
    if isinstance(err, KafkaException) and err.args and isinstance(err.args[0], KafkaError):
        err = err.args[0]
    if isinstance(err, KafkaError):
        return err.name()
    return type(err).__name__


def error_text(err: Any) -> str:
    """A one-line description of ``err`` for outcomes and trace reasons."""
    if isinstance(err, KafkaException) and err.args and isinstance(err.args[0], KafkaError):
        err = err.args[0]
    if isinstance(err, KafkaError):
        return err.str()
    return str(err)


class App:
    """One simulated application process: a name, a spec (its settings) and a running instance.

    ``start()`` creates the clients and schedules the first step; ``crash(point)`` kills the
    process now (``point="now"``) or when it next reaches ``point``; ``restart()`` starts a new
    instance (new clients: a new member id, the same ``group.instance.id`` when static);
    ``stop()`` closes cleanly (a consumer sends LeaveGroup). ``kind`` is "consumer",
    "producer" or "pipeline"; ``spec`` is JSON-friendly and is what ``Scenario.to_json`` saves.
    """

    kind = "app"
    points: tuple[str, ...] = ("now",)

    def __init__(self, scenario: Any, name: str, spec: dict) -> None:
        self.scenario = scenario
        self.name = name
        self.spec = spec
        self.instance = 0
        self.alive = False
        self.armed: str | None = None
        self._timer: Any = None
        self.processed = 0

    # -- helpers ------------------------------------------------------------------------------------
    @property
    def cluster(self):
        return self.scenario.cluster

    @property
    def clock(self):
        return self.scenario.cluster.clock

    def _record(self, kind: str, reason: str, **fields: Any) -> None:
        self.cluster.trace.record(kind, reason, app=self.name, **fields)

    def outcome(self, err: Any, where: str) -> None:
        """Record a Kafka error that reached the app: ``Scenario.outcomes`` and an ``app_outcome`` event."""
        name, text = error_name(err), error_text(err)
        self.scenario.outcomes.append({"time_ms": self.cluster.now_ms, "app": self.name, "instance": self.instance,
                                       "error": name, "where": where, "text": text})
        self._record("app_outcome", f"{where}: {text}", error=name, where=where, instance=self.instance)

    def _live(self, inst: int) -> bool:
        return self.alive and inst == self.instance

    def _schedule(self, delay_ms: int, fn: Any, *args: Any) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self.clock.call_later(delay_ms, fn, self.instance, *args)

    def _bootstrap(self) -> dict:
        return {"bootstrap.servers": self.cluster.bootstrap_servers}

    # -- life cycle -------------------------------------------------------------------------------
    def start(self) -> None:
        """Create the clients and schedule the first step."""
        self.instance += 1
        self.alive = True
        self.armed = None
        self._create_clients()
        self._record("app_started", f"{self.kind} app started", app_kind=self.kind, instance=self.instance)
        self._schedule(self.spec.get("start_ms", 0) if self.instance == 1 else 0, self._step)

    def restart(self) -> None:
        """Start a new instance of a crashed or stopped app."""
        if self.alive:
            raise ValueError(f"restart: app {self.name!r} is running; crash or remove it first")
        self.start()
        self._record("app_restart", "restarted as a new instance", instance=self.instance)

    def crash(self, point: str = "now") -> None:
        """Kill the process now (``point="now"``) or when it next reaches ``point``."""
        if point not in self.points:
            raise ValueError(f"crash: point {point!r} is not one of {list(self.points)} for {self.kind} app "
                             f"{self.name!r}")
        if not self.alive:
            raise ValueError(f"crash: app {self.name!r} is not running (crash it only once; restart it first)")
        if point == "now" or (point == "mid_processing" and self._processing is not None):
            self._die(point)
        else:
            self.armed = point

    _processing: Any = None     # the record being processed (crash point mid_processing)
    _handling: Any = None       # the record the app is handling, from poll until its next poll

    def _at(self, point: str) -> bool:
        """At a crash point: die if it is armed; True when the process died."""
        if self.armed == point and self.alive:
            self._die(point)
            return True
        return False

    def _die(self, point: str) -> None:
        in_flight = record = None
        if self._processing is not None:
            m = self._processing
            in_flight = [m.topic(), m.partition(), m.offset()]
        if self._handling is not None:
            m = self._handling
            record = [m.topic(), m.partition(), m.offset()]
        self.alive = False
        self.armed = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._processing = None
        for client in self._clients():
            self.cluster.crash(client)
        self._handling = None
        self._record("app_crash", f"process died ({point})", point=point, instance=self.instance, in_flight=in_flight,
                     record=record)

    def stop(self) -> None:
        """Close the clients cleanly and stop stepping."""
        if not self.alive:
            raise ValueError(f"remove: app {self.name!r} is not running")
        self.alive = False
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._processing = None
        for client in self._clients():
            try:
                client.close()
            except (KafkaException, RuntimeError) as e:
                self.outcome(e, "close")
        self._record("app_stopped", "closed cleanly", instance=self.instance)

    # -- for subclasses -----------------------------------------------------------------------------
    def _create_clients(self) -> None:
        raise NotImplementedError

    def _clients(self) -> list:
        raise NotImplementedError

    def _step(self, inst: int) -> None:
        raise NotImplementedError

    def set(self, key: str, value: Any) -> None:
        """Change a setting: app settings at once, client ``config`` keys at the next restart."""
        if key in self.settable:
            self.spec[key] = value
            self._validate_spec()
        else:
            self.spec.setdefault("config", {})[key] = value

    settable: tuple[str, ...] = ()

    def _validate_spec(self) -> None:
        """Raise ValueError/TypeError for bad settings (overridden)."""

    def __repr__(self) -> str:
        state = "running" if self.alive else "down"
        return f"<{type(self).__name__} {self.name!r} instance={self.instance} {state}>"
