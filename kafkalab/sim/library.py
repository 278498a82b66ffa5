"""The named scenarios the notebooks use, one per seed question (SEED_QUESTIONS.md).

Owns the registry: ``names()``, ``get(name, **overrides)`` (a Scenario, not yet run),
``run(name, **overrides)`` (run to its default end) and ``lesson(name)``. Each builder's
docstring states the lesson and the trace facts that demonstrate it. Parameters are realistic
but fast: where a setting is shortened from Kafka's default, the docstring says so. Standard
library only.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from .scenario import Scenario

_BUILDERS: dict[str, Callable[..., Scenario]] = {}

#: Broker settings shared by the scenarios: no 3 s initial rebalance delay, so groups form at once.
FAST_BROKER = {"group.initial.rebalance.delay.ms": 0}


def _scenario(name: str) -> Callable:
    def register(fn: Callable[..., Scenario]) -> Callable[..., Scenario]:
        _BUILDERS[name] = fn
        fn.scenario_name = name  # type: ignore[attr-defined]
        return fn
    return register


def names() -> list[str]:
    """The scenario names, in notebook order."""
    return list(_BUILDERS)


def _builder(name: Any) -> Callable[..., Scenario]:
    if not isinstance(name, str):
        raise TypeError(f"scenario name must be a str, got {type(name).__name__} {name!r}")
    fn = _BUILDERS.get(name)
    if fn is None:
        raise ValueError(f"unknown scenario {name!r}; names: {names()}")
    return fn


def get(name: str, **overrides: Any) -> Scenario:
    """The scenario ``name``, set up but not run; ``overrides`` are its builder's keyword arguments."""
    fn = _builder(name)
    allowed = [p for p in inspect.signature(fn).parameters]
    for key in overrides:
        if key not in allowed:
            raise ValueError(f"{name}: unknown override {key!r}; allowed: {allowed}")
    sc = fn(**overrides)
    sc.description = lesson(name)
    return sc


def run(name: str, **overrides: Any) -> Scenario:
    """The scenario ``name``, run to its default end (``end_ms``)."""
    return get(name, **overrides).run()


def lesson(name: str) -> str:
    """The first paragraph of the scenario's docstring: what it teaches."""
    doc = inspect.getdoc(_builder(name)) or ""
    return doc.split("\n\n")[0].replace("\n", " ")


# -- Q1 -------------------------------------------------------------------------------------------------
@_scenario("crash-before-commit")
def crash_before_commit(seed: int = 7, records: int = 300, crash_ms: int = 8_000, session_timeout_ms: int = 10_000,
                        end_ms: int = 40_000) -> Scenario:
    """Three consumers share a group on a 3-partition topic; c3 crashes mid-processing before committing,
    and a survivor receives its uncommitted records again: nothing is lost, some are delivered twice.

    Setup: ``orders`` with 3 partitions; a producer writes ``records`` records at 20/s with keys
    ``user-{i%12}``; c1 and c2 commit after each record, c3 commits every 10 records (a common
    batching choice); each processes a record for 100 ms. At ``crash_ms`` c3 dies in the middle of
    a record (``cluster.crash``: no LeaveGroup). ``session.timeout.ms`` is 10 s here to keep the
    plots short; Kafka's default is 45 s.

    Trace facts: ``app_crash`` (c3, in_flight); ``member_removed`` with cause ``session_timeout``
    about ``session.timeout.ms`` after c3's last heartbeat; a ``generation`` without c3; then
    ``deliver`` events of c3's partition to a survivor from c3's last committed offset, so the
    offsets c3 received after its last commit have ``deliveries == 2``, all others 1; at the end
    every partition's committed offset equals its end offset (lag 0). Each record went to exactly
    one member of the group: no "two of three acknowledged".
    """
    sc = Scenario(seed=seed, name="crash-before-commit", topics={"orders": {"partitions": 3}},
                  broker_config=FAST_BROKER, end_ms=end_ms)
    sc.add_producer("producer", topic="orders", rate_per_s=20, keys="user-{i%12}", count=records)
    conf = {"session.timeout.ms": session_timeout_ms}
    sc.add_consumer("c1", group="billing", topics=["orders"], processing_ms=100, commit="after_each", config=conf)
    sc.add_consumer("c2", group="billing", topics=["orders"], processing_ms=100, commit="after_each", config=conf)
    sc.add_consumer("c3", group="billing", topics=["orders"], processing_ms=100, commit="every_n", commit_every=10,
                    config=conf)
    sc.at(crash_ms, "crash", app="c3", point="mid_processing")
    return sc
