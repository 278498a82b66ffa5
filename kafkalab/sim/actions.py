"""The script's actions as Scenario methods: their names, parameters, checks and effects.

Owns ``ScriptActions``, the verbs a ``Scenario`` inherits (``crash``, ``restart``, ``commit``,
``add_consumer``, ``produce_burst``, ``set_config``, ...), the ``action`` decorator that turns a
method into a script action, and ``ACTIONS`` (action name -> ``Action``). A script entry is the
JSON-friendly dict ``{"at_ms": ..., "action": <method name>, **the arguments given}``; ``Scenario.at``,
``Scenario.act`` and ``Scenario.from_json`` dispatch the string form to the same methods, so the
parameter checks come from one place: each method's signature (names, required parameters, the
annotated types and ``Literal`` choices) plus a few cross-parameter rules. Standard library only.
"""

from __future__ import annotations

import functools
import inspect
import json
import types
import typing
from collections.abc import Callable
from typing import Any, Literal

from .apps import CrashPoint, check_int, check_str
from .apps_consumer import ConsumerApp
from .apps_pipeline import PipelineApp
from .apps_producer import ProducerApp
from .apps_share import ShareConsumerApp

#: App kind -> class (``add_<kind>`` builds one).
APP_KINDS: dict[str, type] = {"consumer": ConsumerApp, "producer": ProducerApp, "pipeline": PipelineApp,
                              "share_consumer": ShareConsumerApp}

_MISSING = inspect.Parameter.empty


class Action:
    """One script action: its name, the method's signature, its checks and its effect.

    ``bind(args, kwargs)`` checks a call against the signature and returns the arguments given, in
    the order given (defaults are not added: the script stores what the caller wrote).
    ``apply(scenario, params)`` carries the action out at its time.
    """

    def __init__(self, fn: Callable, minimum: dict[str, int], check: Callable | None, app_kind: str | None) -> None:
        self.name = fn.__name__
        self.fn = fn
        self.minimum = minimum
        self.check = check
        self.app_kind = app_kind
        sig = inspect.signature(fn)
        self.params = [p for p in sig.parameters.values() if p.name != "self"]
        self.allowed = [p.name for p in self.params]
        self.hints = typing.get_type_hints(fn)
        at_ms = inspect.Parameter("at_ms", inspect.Parameter.KEYWORD_ONLY, default=None, annotation="int | None")
        returns = "App | None" if app_kind else "dict"
        self.signature = sig.replace(parameters=[*sig.parameters.values(), at_ms], return_annotation=returns)

    def bind(self, args: tuple, kwargs: dict) -> dict:
        """The arguments of one call as ``{name: value}``, checked; ValueError/TypeError naming the parameter."""
        name = self.name
        positional = [p for p in self.params if p.kind == p.POSITIONAL_OR_KEYWORD]
        if len(args) > len(positional):
            raise TypeError(f"{name}: takes {len(positional)} positional arguments ({[p.name for p in positional]}), "
                            f"got {len(args)}: {list(args)!r}; give the others by name")
        given = {p.name: v for p, v in zip(positional, args)}
        for key, value in kwargs.items():
            if key not in self.allowed:
                raise ValueError(f"{name}: unknown parameter {key!r} (given {value!r}); allowed: {self.allowed}")
            if key in given:
                raise TypeError(f"{name}: parameter {key!r} given twice ({given[key]!r} and {value!r})")
            given[key] = value
        required = [p.name for p in self.params if p.default is _MISSING]
        for key in required:
            if key not in given:
                raise ValueError(f"{name}: missing parameter {key!r} (required: {required})")
        for key, value in given.items():
            _check_value(name, key, value, self.hints.get(key, Any), self.minimum.get(key, 0))
        if self.check is not None:
            self.check(name, given)
        try:
            json.dumps(given)
        except (TypeError, ValueError) as e:
            raise TypeError(f"{name}: every parameter must be JSON-serialisable (str, int, float, bool, None, "
                            f"list, dict): {e}") from None
        return given

    def apply(self, sc: Any, params: dict) -> Any:
        """Carry the action out on Scenario ``sc`` now."""
        if self.app_kind is not None:
            return _add(sc, self, dict(params))
        return self.fn(sc, **params)


#: action name -> Action, in the order the methods are defined.
ACTIONS: dict[str, Action] = {}


def action(minimum: dict[str, int] | None = None, check: Callable | None = None,
           app_kind: str | None = None) -> Callable:
    """Make a ``ScriptActions`` method a script action.

    The decorated method takes one extra keyword, ``at_ms``: None applies the action now (as
    ``Scenario.act``), a time schedules it (as ``Scenario.at``); either way it enters the script.
    ``minimum`` gives int parameters a lower bound other than 0; ``check(name, given)`` adds the
    rules that involve several parameters. For ``app_kind`` (the ``add_*`` methods) the body turns
    its arguments into the app's spec; the method returns the app (None while it is scheduled).
    """
    def wrap(fn: Callable) -> Callable:
        spec = Action(fn, minimum or {}, check, app_kind)
        ACTIONS[spec.name] = spec

        @functools.wraps(fn)
        def method(self: Any, *args: Any, at_ms: int | None = None, **kwargs: Any) -> Any:
            return self._action(spec, spec.bind(args, kwargs), at_ms)

        method.__signature__ = spec.signature   # type: ignore[attr-defined]
        return method
    return wrap


def _check_value(action_name: str, key: str, value: Any, hint: Any, minimum: int) -> None:
    """Check ``value`` against the annotation ``hint``: str, int, bool, ``Literal[...]``, ``X | None``."""
    where = f"action {action_name!r}"
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return
        rest = [h for h in options if h is not type(None)]
        if len(rest) != 1:
            return                                  # a union of several types: the app checks it
        hint, origin = rest[0], typing.get_origin(rest[0])
    if origin is Literal:
        choices = typing.get_args(hint)
        if value not in choices:
            raise ValueError(f"{action_name}: {key} must be one of {list(choices)}, got {value!r}")
    elif hint is str:
        check_str(value, key, where)
    elif hint is bool:
        if not isinstance(value, bool):
            raise TypeError(f"{where}: {key} must be True or False, got {type(value).__name__} {value!r}")
    elif hint is int:
        check_int(value, key, where, minimum=minimum)


def _one_target(name: str, given: dict) -> None:
    if ("app" in given) == ("topic" in given):
        raise ValueError(f"{name}: give exactly one of app= or topic=, got {sorted(given)}")
    if name == "produce_burst" and "keys" in given and "app" in given:
        raise ValueError("produce_burst: keys= goes with topic=; an app uses its own key template")


def _needs(*keys: str) -> Callable:
    def check(name: str, given: dict) -> None:
        if "like" in given:
            return
        for key in keys:
            if key not in given:
                raise ValueError(f"{name}: missing parameter {key!r} (give it, or like= an existing app)")
    return check


class ScriptActions:
    """The script's verbs; ``Scenario`` inherits them (``scenario.crash("c1", point="mid_processing")``).

    Each method takes ``at_ms`` too: None (the default) applies the action now and appends it to the
    script at ``now_ms`` (what a widget click does); a time at or after now appends it to run then.
    Each returns the script entry (the ``add_*`` methods return the app).
    """

    # -- processes ------------------------------------------------------------------------------------
    @action()
    def crash(self, app: str, point: CrashPoint = "now") -> None:
        """Kill app ``app``'s process now (``point="now"``) or when it next reaches ``point``; no goodbye to Kafka.

        Points: ``now``, ``mid_processing``, ``after_processing``, ``after_commit``, ``in_transaction``
        (each app kind has its own subset, ``App.points``).
        """
        self.app(app).crash(point)

    @action()
    def restart(self, app: str) -> None:
        """Start a new instance of crashed or removed app ``app`` (new clients: a new member id)."""
        target = self.app(app)
        self._activate()
        target.restart()

    @action()
    def hang(self, app: str, ms: int | None = None) -> None:
        """Share consumer app ``app`` hangs in processing: the record in hand finishes ``ms`` from now (None:
        never). Alive, connections up, no poll: its acquired records wait for their acquisition locks."""
        target = self.app(app)
        if not isinstance(target, ShareConsumerApp):
            raise ValueError(f"hang: app {target.name!r} is a {target.kind} app; hang needs a share consumer app")
        target.hang(ms)

    @action()
    def remove_consumer(self, app: str) -> None:
        """Close app ``app`` cleanly (a consumer sends LeaveGroup)."""
        self.app(app).stop()

    # -- new apps ------------------------------------------------------------------------------------------
    @action(check=_needs("group", "topics"), app_kind="consumer")
    def add_consumer(self, name: str, *, group: str | None = None, topics: list[str] | str | None = None,
                     processing_ms: int = 100, commit: str = "after_each", commit_every: int = 10,
                     static: bool = False, config: dict | None = None, poll_ms: int = 50, start_ms: int = 0,
                     group_protocol: Literal["classic", "consumer"] = "classic", like: str | None = None) -> dict:
        """A consumer app (see ``ConsumerApp``): setup before the first ``run``, an action after it or with ``at_ms``.

        ``like``: copy the settings of an existing consumer app, then apply the ones given (actions only).
        ``start_ms``: when the app starts (setup only; an action starts the app at its time).
        ``group_protocol``: ``group.protocol`` (``"consumer"``: Kafka 4's KIP-848 protocol).
        """
        return ConsumerApp.make_spec(group, topics, processing_ms, commit, commit_every, static, config, poll_ms,
                                     start_ms, group_protocol=group_protocol)

    @action(check=_needs("group", "topics"), app_kind="share_consumer")
    def add_share_consumer(self, name: str, *, group: str | None = None, topics: list[str] | str | None = None,
                           processing_ms: int = 100, ack: Literal["accept", "release", "reject"] = "accept",
                           acks: dict | None = None, mode: Literal["explicit", "implicit"] = "explicit",
                           config: dict | None = None, poll_ms: int = 50, start_ms: int = 0,
                           like: str | None = None) -> dict:
        """A share consumer app (KIP-932, see ``ShareConsumerApp``); ``like`` and ``start_ms`` as for ``add_consumer``.

        ``ack``: what it does with a processed record; ``acks``: per record key, a type or a list by delivery
        attempt; ``mode``: ``share.acknowledgement.mode``.
        """
        return ShareConsumerApp.make_spec(group, topics, processing_ms, ack, acks, mode, config, poll_ms, start_ms)

    @action(check=_needs("topic"), app_kind="producer")
    def add_producer(self, name: str, *, topic: str | None = None, rate_per_s: int = 10, keys: str | None = None,
                     transactional: bool = False, config: dict | None = None, count: int | None = None,
                     transaction_records: int | None = 10, start_ms: int = 0, like: str | None = None) -> dict:
        """A producer app (see ``ProducerApp``); ``like`` and ``start_ms`` as for ``add_consumer``."""
        return ProducerApp.make_spec(topic, rate_per_s, keys, transactional, config, count, transaction_records,
                                     start_ms)

    @action(check=_needs("group", "input", "output"), app_kind="pipeline")
    def add_pipeline(self, name: str, *, group: str | None = None, input: str | None = None,
                     output: str | None = None, mode: Literal["at_least_once", "exactly_once"] = "exactly_once",
                     processing_ms: int = 50, config: dict | None = None, poll_ms: int = 50, start_ms: int = 0,
                     like: str | None = None) -> dict:
        """A consume-transform-produce app (see ``PipelineApp``); ``like`` and ``start_ms`` as for ``add_consumer``."""
        return PipelineApp.make_spec(group, input, output, mode, processing_ms, config, poll_ms, start_ms)

    # -- what apps do ---------------------------------------------------------------------------------------
    @action()
    def commit(self, app: str) -> None:
        """A synchronous commit by consumer app ``app`` of its stored offsets, now."""
        target = self.app(app)
        if not target.alive:
            raise ValueError(f"commit: app {target.name!r} is not running")
        target.commit_now(None, "commit (script action)")

    @action(minimum={"count": 1}, check=_one_target)
    def produce_burst(self, count: int, *, app: str | None = None, topic: str | None = None,
                      keys: str | None = None) -> None:
        """Produce ``count`` records now: by producer app ``app`` (its key template), or to ``topic`` (``keys``)."""
        if app is not None:
            self.app(app).burst(count)
        else:
            self.burst_to_topic(topic, count, keys)

    @action()
    def begin_transaction(self, app: str) -> None:
        """Transactional producer app ``app`` begins a transaction."""
        self.app(app).begin()

    @action()
    def commit_transaction(self, app: str) -> None:
        """Transactional producer app ``app`` commits its open transaction."""
        self.app(app).commit_transaction()

    @action()
    def abort_transaction(self, app: str) -> None:
        """Transactional producer app ``app`` aborts its open transaction."""
        self.app(app).abort_transaction()

    # -- settings, time, faults ---------------------------------------------------------------------------
    @action(check=_one_target)
    def set_config(self, key: str, value: Any, *, app: str | None = None, topic: str | None = None) -> None:
        """Set ``key`` to ``value`` on app ``app`` (its settings, or client config at its next restart) or on
        ``topic`` (``AdminClient.alter_configs``, the other explicitly set keys kept)."""
        if app is not None:
            self.app(app).set(key, value)
            return
        from ..client.admin import AdminClient, ConfigResource
        target = self.cluster.topic(topic)
        current = {k: target.config[k] for k in target.config_given}
        current[key] = value
        admin = AdminClient(self.client_config())
        for fut in admin.alter_configs([ConfigResource("topic", topic, set_config=current)]).values():
            fut.result()

    @action()
    def advance(self, ms: int) -> None:
        """Move virtual time on by ``ms`` now (what a panel's "run N s" button does)."""
        self.cluster.advance(ms)

    @action(minimum={"count": 1})
    def lose_produce_response(self, topic: str | None = None, partition: int | None = None, count: int = 1) -> None:
        """The broker writes the next ``count`` produce requests (to ``topic``/``partition``), loses the answers."""
        self.cluster.lose_produce_response(topic, partition, count)


def check_now(sc: Any, entry: dict) -> None:
    """For an action applied now: refuse one the current state cannot take, before it enters the script."""
    name = entry["action"]
    app = sc.apps.get(entry.get("app")) if "app" in entry else None
    if name == "restart" and app is not None and app.alive:
        raise ValueError(f"restart: app {app.name!r} is running; crash or remove it first")
    if name in ("crash", "remove_consumer", "commit") and app is not None and not app.alive:
        raise ValueError(f"{name}: app {app.name!r} is not running; restart it first")
    check_kind(sc, entry)


def check_kind(sc: Any, entry: dict) -> None:
    """Refuse an action the named app's kind cannot take (a commit by a producer app, ...)."""
    name, app = entry["action"], sc.apps.get(entry.get("app"))
    if app is None:
        return
    if name == "commit" and not isinstance(app, ConsumerApp):
        raise ValueError(f"commit: app {app.name!r} is a {app.kind} app; commit needs a consumer app")
    if name == "produce_burst" and not isinstance(app, ProducerApp):
        raise ValueError(f"produce_burst: app {app.name!r} is a {app.kind} app; use a producer app or topic=")
    if name.endswith("_transaction") and not (isinstance(app, ProducerApp) and app.spec["transactional"]):
        raise ValueError(f"{name}: app {app.name!r} is not a transactional producer app")
    if name == "crash" and entry.get("point", "now") not in app.points:
        raise ValueError(f"crash: point {entry['point']!r} is not one of {list(app.points)} for {app.kind} app "
                         f"{app.name!r}")


def _add(sc: Any, spec_action: Action, args: dict) -> None:
    """``add_<kind>`` at its time: build the app from ``like``'s settings or from the arguments, and start it."""
    kind = spec_action.app_kind
    name = args.pop("name")
    like = args.pop("like", None)
    if like is not None:
        model = sc.app(like)
        if model.kind != kind:
            raise ValueError(f"add_{kind}: like={like!r} is a {model.kind} app")
        spec = {**json.loads(json.dumps(model.spec)), **args}
    else:
        spec = spec_action.fn(sc, name, **args)
    spec["start_ms"] = 0
    app = sc._build(kind, name, spec)
    sc._pending.discard(name)
    sc._start(app)
