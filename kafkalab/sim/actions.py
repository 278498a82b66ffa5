"""The script's actions: their names, parameters and validation.

Owns ``ACTIONS`` (action name -> required and optional parameters) and ``check_action``, which
turns ``(at_ms, action, args)`` into the JSON-friendly dict a script holds, or raises a
ValueError/TypeError that names the action, the parameter and the value. Standard library only.
"""

from __future__ import annotations

import json
from typing import Any

from .apps import CRASH_POINTS, check_int, check_str

_CONSUMER_ARGS = ("group", "topics", "processing_ms", "commit", "commit_every", "static", "config", "poll_ms")
_PRODUCER_ARGS = ("topic", "rate_per_s", "keys", "transactional", "config", "count", "transaction_records")
_PIPELINE_ARGS = ("group", "input", "output", "mode", "processing_ms", "config", "poll_ms")

#: action -> (required parameters, optional parameters)
ACTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "crash": (("app",), ("point",)),
    "restart": (("app",), ()),
    "add_consumer": (("name",), ("like", *_CONSUMER_ARGS)),
    "add_producer": (("name",), _PRODUCER_ARGS),
    "add_pipeline": (("name",), _PIPELINE_ARGS),
    "remove_consumer": (("app",), ()),
    "commit": (("app",), ()),
    "produce_burst": (("count",), ("app", "topic", "keys")),
    "set_config": (("key", "value"), ("app", "topic")),
    "begin_transaction": (("app",), ()),
    "commit_transaction": (("app",), ()),
    "abort_transaction": (("app",), ()),
    "advance": (("ms",), ()),
    "lose_produce_response": ((), ("topic", "partition", "count")),
}


def check_action(at_ms: Any, action: Any, args: dict) -> dict:
    """Validate one action and return it as ``{"at_ms": ..., "action": ..., **args}``.

    Checks names and types only; whether the named app exists is the Scenario's check.
    """
    check_int(at_ms, "at_ms", "script action")
    if not isinstance(action, str):
        raise TypeError(f"action must be a str, one of {sorted(ACTIONS)}; got {type(action).__name__} {action!r}")
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; allowed: {sorted(ACTIONS)}")
    required, optional = ACTIONS[action]
    for key in args:
        if key not in required and key not in optional:
            raise ValueError(f"{action}: unknown parameter {key!r}; allowed: {list(required + optional)}")
    for key in required:
        if key not in args:
            raise ValueError(f"{action}: missing parameter {key!r} (required: {list(required)})")
    where = f"action {action!r}"
    for key in ("app", "name", "like", "topic", "key"):
        if key in args:
            check_str(args[key], key, where)
    if action == "crash":
        point = args.get("point", "now")
        if point not in CRASH_POINTS:
            raise ValueError(f"crash: point must be one of {list(CRASH_POINTS)}, got {point!r}")
    elif action == "produce_burst":
        check_int(args["count"], "count", where, minimum=1)
        if ("app" in args) == ("topic" in args):
            raise ValueError(f"produce_burst: give exactly one of app= or topic=, got {sorted(args)}")
        if "keys" in args and "app" in args:
            raise ValueError("produce_burst: keys= goes with topic=; an app uses its own key template")
    elif action == "set_config":
        if ("app" in args) == ("topic" in args):
            raise ValueError(f"set_config: give exactly one of app= or topic=, got {sorted(args)}")
    elif action == "advance":
        check_int(args["ms"], "ms", where)
    elif action == "lose_produce_response":
        check_int(args.get("count", 1), "count", where, minimum=1)
        if args.get("partition") is not None:
            check_int(args["partition"], "partition", where)
    elif action.startswith("add_") and "like" not in args:
        needs = {"add_consumer": ("group", "topics"), "add_producer": ("topic",),
                 "add_pipeline": ("group", "input", "output")}[action]
        for key in needs:
            if key not in args:
                raise ValueError(f"{action}: missing parameter {key!r} (give it, or like= an existing app)")
    out = {"at_ms": at_ms, "action": action, **args}
    try:
        json.dumps(out)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{action}: every parameter must be JSON-serialisable (str, int, float, bool, None, "
                        f"list, dict): {e}") from None
    return out


def check_now(sc: Any, entry: dict) -> None:
    """For ``act()``: refuse an action the current state cannot take, before it enters the script."""
    action = entry["action"]
    app = sc.apps.get(entry.get("app")) if "app" in entry else None
    if action == "restart" and app is not None and app.alive:
        raise ValueError(f"restart: app {app.name!r} is running; crash or remove it first")
    if action in ("crash", "remove_consumer", "commit") and app is not None and not app.alive:
        raise ValueError(f"{action}: app {app.name!r} is not running; restart it first")
    _check_kind(sc, entry)


def _check_kind(sc: Any, entry: dict) -> None:
    action, app = entry["action"], sc.apps.get(entry.get("app"))
    if app is None:
        return
    if action == "commit" and app.kind != "consumer":
        raise ValueError(f"commit: app {app.name!r} is a {app.kind} app; commit needs a consumer app")
    if action == "produce_burst" and app.kind != "producer":
        raise ValueError(f"produce_burst: app {app.name!r} is a {app.kind} app; use a producer app or topic=")
    if action.endswith("_transaction") and not (app.kind == "producer" and app.spec["transactional"]):
        raise ValueError(f"{action}: app {app.name!r} is not a transactional producer app")
    if action == "crash" and entry.get("point", "now") not in app.points:
        raise ValueError(f"crash: point {entry['point']!r} is not one of {list(app.points)} for {app.kind} app "
                         f"{app.name!r}")


def apply(sc: Any, entry: dict) -> None:
    """Carry out one script action on Scenario ``sc`` (called at the action's time)."""
    action = entry["action"]
    args = {k: v for k, v in entry.items() if k not in ("at_ms", "action")}
    _check_kind(sc, entry)
    if action == "crash":
        sc.app(args["app"]).crash(args.get("point", "now"))
    elif action == "restart":
        app = sc.app(args["app"])
        sc._activate()
        app.restart()
    elif action in ("add_consumer", "add_producer", "add_pipeline"):
        _add(sc, action[4:], args)
    elif action == "remove_consumer":
        sc.app(args["app"]).stop()
    elif action == "commit":
        app = sc.app(args["app"])
        if not app.alive:
            raise ValueError(f"commit: app {app.name!r} is not running")
        app.commit_now(None, "commit (script action)")
    elif action == "produce_burst":
        if "app" in args:
            sc.app(args["app"]).burst(args["count"])
        else:
            sc.burst_to_topic(args["topic"], args["count"], args.get("keys"))
    elif action == "set_config":
        _set_config(sc, args)
    elif action == "begin_transaction":
        sc.app(args["app"]).begin()
    elif action == "commit_transaction":
        sc.app(args["app"]).commit_transaction()
    elif action == "abort_transaction":
        sc.app(args["app"]).abort_transaction()
    elif action == "advance":
        sc.cluster.advance(args["ms"])
    elif action == "lose_produce_response":
        sc.cluster.lose_produce_response(args.get("topic"), args.get("partition"), args.get("count", 1))


def _add(sc: Any, kind: str, args: dict) -> None:
    from .scenario import _KINDS
    name = args.pop("name")
    like = args.pop("like", None)
    cls = _KINDS[kind]
    if like is not None:
        model = sc.app(like)
        if model.kind != kind:
            raise ValueError(f"add_{kind}: like={like!r} is a {model.kind} app")
        spec = {**json.loads(json.dumps(model.spec)), **args}
    else:
        spec = cls.make_spec(**args)
    spec["start_ms"] = 0
    app = sc._build(kind, name, spec)
    sc._pending.discard(name)
    sc._start(app)


def _set_config(sc: Any, args: dict) -> None:
    key, value = args["key"], args["value"]
    if "app" in args:
        sc.app(args["app"]).set(key, value)
        return
    from ..client.admin import AdminClient, ConfigResource
    topic = sc.cluster.topic(args["topic"])
    current = {k: topic.config[k] for k in topic.config_given}
    current[key] = value
    admin = AdminClient(sc.client_config())
    for fut in admin.alter_configs([ConfigResource("topic", args["topic"], set_config=current)]).values():
        fut.result()
