"""Scenario actions as methods: the same script entries as the string form, checks from the signatures."""

from __future__ import annotations

import inspect

import pytest

from kafkalab.sim import Scenario
from kafkalab.sim.actions import ACTIONS, ScriptActions


def small() -> Scenario:
    sc = Scenario(seed=9, name="small", topics={"t": {"partitions": 2}},
                  broker_config={"group.initial.rebalance.delay.ms": 0})
    sc.add_producer("p", topic="t", rate_per_s=20, keys="k-{i%5}", count=40)
    sc.add_consumer("c1", group="g", topics=["t"], config={"session.timeout.ms": 6_000})
    return sc


def test_scenario_actions_every_action_is_a_method_with_at_ms():
    """Each action name is a Scenario method whose signature (Tab completion, help) ends with at_ms."""
    assert set(ACTIONS) == {"crash", "restart", "remove_consumer", "add_consumer", "add_producer", "add_pipeline",
                            "commit", "produce_burst", "begin_transaction", "commit_transaction",
                            "abort_transaction", "set_config", "advance", "lose_produce_response",
                            "add_share_consumer", "hang"}
    for name in ACTIONS:
        params = inspect.signature(getattr(Scenario, name)).parameters
        assert list(params)[-1] == "at_ms" and getattr(ScriptActions, name).__doc__
    assert list(inspect.signature(small().crash).parameters) == ["app", "point", "at_ms"]


def test_scenario_actions_method_and_string_forms_give_the_same_script_and_trace():
    """crash("c1", point=..., at_ms=...) is at(..., "crash", app="c1", point=...): same entry, same trace."""
    a, b = small(), small()
    a.at(1_000, "add_consumer", name="c2", like="c1")
    a.at(2_000, "crash", app="c1", point="after_processing")
    a.at(3_000, "restart", app="c1")
    b.add_consumer("c2", like="c1", at_ms=1_000)
    b.crash("c1", point="after_processing", at_ms=2_000)
    b.restart("c1", at_ms=3_000)
    assert a.script == b.script
    a.run(5_000)
    b.run(5_000)
    a.act("produce_burst", topic="t", count=3, keys="x-{i}")
    b.produce_burst(3, topic="t", keys="x-{i}")
    a.act("commit", app="c2")
    b.commit("c2")
    assert a.script == b.script and a.script[-1] == {"at_ms": 5_000, "action": "commit", "app": "c2"}
    assert a.run(8_000).trace.text() == b.run(8_000).trace.text()


def test_scenario_actions_from_json_replays_method_calls():
    sc = small()
    sc.crash("c1", point="mid_processing", at_ms=1_000)
    sc.restart("c1", at_ms=2_000)
    sc.run(3_000)
    sc.advance(500)
    again = Scenario.from_json(sc.to_json())
    assert again.script == sc.script and again.run(3_500).trace.text() == sc.trace.text()


def test_scenario_actions_add_app_is_setup_before_the_first_run_and_an_action_after():
    sc = small()
    assert [a["name"] for a in sc.setup_apps] == ["p", "c1"] and sc.script == []
    sc.run(1_000)
    app = sc.add_consumer("c2", group="g", topics="t")
    assert app is sc.apps["c2"] and sc.script[-1]["action"] == "add_consumer" and sc.script[-1]["topics"] == ["t"]
    assert sc.add_consumer("c3", like="c1", at_ms=2_000) is None and "c3" not in sc.apps
    sc.run(2_000)
    assert sc.apps["c3"].spec["group"] == "g"


@pytest.mark.parametrize("call, exc, words", [
    (lambda sc: sc.crash("c1", point="sideways"), ValueError,
     "crash: point must be one of ['now', 'mid_processing', 'after_processing', 'after_commit', 'in_transaction'], "
     "got 'sideways'"),
    (lambda sc: sc.crash("c1", speed="fast"), ValueError,
     "crash: unknown parameter 'speed' (given 'fast'); allowed: ['app', 'point']"),
    (lambda sc: sc.crash(), ValueError, "crash: missing parameter 'app' (required: ['app'])"),
    (lambda sc: sc.crash(3), TypeError, "action 'crash': app must be a str, got int 3"),
    (lambda sc: sc.crash("c1", "now", "later"), TypeError, "takes 2 positional arguments"),
    (lambda sc: sc.crash("c1", app="c1"), TypeError, "parameter 'app' given twice"),
    (lambda sc: sc.produce_burst(0, topic="t"), ValueError, "action 'produce_burst': count must be >= 1, got 0"),
    (lambda sc: sc.produce_burst(2), ValueError, "give exactly one of app= or topic="),
    (lambda sc: sc.advance(1.5), TypeError, "action 'advance': ms must be an int, got float 1.5"),
    (lambda sc: sc.restart("c1", at_ms=-1), ValueError, "at_ms"),
    (lambda sc: sc.add_consumer("c5", topics=["t"]), ValueError, "missing parameter 'group'"),
    (lambda sc: sc.add_pipeline("x", group="g", input="t", output="o", mode="twice"), ValueError,
     "add_pipeline: mode must be one of ['at_least_once', 'exactly_once'], got 'twice'"),
    (lambda sc: sc.run(1_000).add_consumer("c5", group="g", topics=["t"], start_ms=5), ValueError, "start_ms"),
])
def test_scenario_actions_bad_arguments_name_the_parameter_the_value_and_what_is_allowed(call, exc, words):
    with pytest.raises(exc) as info:
        call(small())
    assert words in str(info.value)
