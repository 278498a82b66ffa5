"""Scenario: script as data, determinism, JSON round trip, act(), and bad input."""

from __future__ import annotations

import gc
import json

import pytest

from kafkalab.sim import Scenario, library


def small():
    sc = Scenario(seed=9, name="small", topics={"t": {"partitions": 2}},
                  broker_config={"group.initial.rebalance.delay.ms": 0})
    sc.add_producer("p", topic="t", rate_per_s=20, keys="k-{i%5}", count=40)
    sc.add_consumer("c1", group="g", topics=["t"], config={"session.timeout.ms": 6_000})
    sc.at(1_000, "add_consumer", name="c2", like="c1")
    sc.at(2_000, "crash", app="c1", point="after_processing")
    return sc


def test_scenario_same_seed_and_script_give_the_same_trace_text():
    a = small().run(10_000).trace.text()
    gc.collect()
    b = small().run(10_000).trace.text()
    assert a == b and "app_crash" in a


def test_scenario_json_round_trip_replays_act_at_the_same_place():
    sc = small()
    sc.run(3_000)
    sc.act("restart", app="c1")
    sc.act("produce_burst", topic="t", count=5, keys="b-{i}")
    sc.run(9_000)
    sc.act("commit", app="c2")
    sc.run(10_000)
    text = sc.to_json()
    assert json.loads(text)["script"][-1] == {"at_ms": 9_000, "action": "commit", "app": "c2"}
    expected = sc.trace.text()
    del sc
    gc.collect()
    again = Scenario.from_json(text)
    assert again.to_json() == text
    assert again.run(10_000).trace.text() == expected


def test_scenario_actions_are_in_the_trace():
    sc = small().run(5_000)
    acts = [(e.time_ms, e["action"]) for e in sc.trace.events("action")]
    assert acts == [(1_000, "add_consumer"), (2_000, "crash")]
    assert sc.trace.last("app_started", app="c2").time_ms == 1_000


def test_scenario_set_config_on_a_topic_and_on_an_app():
    sc = small()
    sc.act("set_config", topic="t", key="retention.ms", value=1000)
    assert sc.cluster.topic("t").config["retention.ms"] == 1000
    sc.act("set_config", app="c1", key="processing_ms", value=5)
    assert sc.apps["c1"].spec["processing_ms"] == 5


@pytest.mark.parametrize("call, exc, words", [
    (lambda sc: sc.at(100, "explode", app="c1"), ValueError, "unknown action 'explode'"),
    (lambda sc: sc.at(100, "crash", app="nobody"), ValueError, "unknown app 'nobody'"),
    (lambda sc: sc.at(100, "crash", app="c1", point="sideways"), ValueError, "point"),
    (lambda sc: sc.at(100, "crash", app="c1", colour="red"), ValueError, "unknown parameter 'colour'"),
    (lambda sc: sc.at(-5, "crash", app="c1"), ValueError, "at_ms"),
    (lambda sc: sc.at("soon", "crash", app="c1"), TypeError, "at_ms"),
    (lambda sc: sc.at(100, "produce_burst", count=0, topic="t"), ValueError, "count"),
    (lambda sc: sc.at(100, "produce_burst", count=3), ValueError, "exactly one of app= or topic="),
    (lambda sc: sc.at(100, "produce_burst", count=3, topic="nope"), ValueError, "unknown topic 'nope'"),
    (lambda sc: sc.at(100, "set_config", topic="t", key="k", value=object()), TypeError, "JSON"),
    (lambda sc: sc.act("restart", app="c1"), ValueError, "is running"),
    (lambda sc: sc.act("commit", app="p"), ValueError, "needs a consumer app"),
    (lambda sc: sc.act("crash", app="c1", point="in_transaction"), ValueError, "in_transaction"),
    (lambda sc: sc.act("commit_transaction", app="p"), ValueError, "not a transactional"),
    (lambda sc: sc.add_consumer("c1", group="g", topics=["t"]), ValueError, "already exists"),
    (lambda sc: sc.add_consumer("c9", group="g", topics=["t"], commit="sometimes"), ValueError, "commit"),
    (lambda sc: sc.add_consumer("c9", group="g", topics=[]), TypeError, "topics"),
    (lambda sc: sc.add_consumer("c9", group="g", topics=["t"], processing_ms=-1), ValueError, "processing_ms"),
    (lambda sc: sc.add_producer("p9", topic="t", keys="u-{j}"), ValueError, "{j}"),
    (lambda sc: sc.add_producer("p9", topic="t", rate_per_s=0), ValueError, "rate_per_s"),
    (lambda sc: sc.add_pipeline("x", group="g", input="t", output="o", mode="twice"), ValueError, "mode"),
    (lambda sc: sc.run(-1), ValueError, "until_ms"),
    (lambda sc: sc.app("ghost"), ValueError, "unknown app 'ghost'"),
])
def test_scenario_bad_input_is_a_clear_error(call, exc, words):
    sc = small()
    with pytest.raises(exc) as info:
        call(sc)
    assert words in str(info.value)


@pytest.mark.parametrize("kwargs, exc, words", [
    ({"seed": "7"}, TypeError, "seed"),
    ({"topics": ["t"]}, TypeError, "topics"),
    ({"topics": {"t": {"partitions": 0}}}, ValueError, "partitions"),
    ({"topics": {"t": {"parts": 2}}}, ValueError, "unknown key 'parts'"),
    ({"broker_config": 3}, TypeError, "config"),
])
def test_scenario_constructor_bad_input(kwargs, exc, words):
    with pytest.raises(exc) as info:
        Scenario(**kwargs)
    assert words in str(info.value)


@pytest.mark.parametrize("text, exc", [("{", ValueError), ("[]", TypeError), ('{"format": "x"}', ValueError),
                                       (3, TypeError)])
def test_scenario_from_json_bad_input(text, exc):
    with pytest.raises(exc):
        Scenario.from_json(text)


def test_library_bad_input():
    with pytest.raises(ValueError, match="unknown scenario 'nope'"):
        library.get("nope")
    with pytest.raises(ValueError, match="unknown override 'colour'"):
        library.get("crash-before-commit", colour=1)
    with pytest.raises(TypeError):
        library.get(3)


def test_scenario_lose_produce_response_action_is_validated():
    sc = small()
    with pytest.raises(ValueError, match="count"):
        sc.at(100, "lose_produce_response", topic="t", count=0)
    sc.at(100, "lose_produce_response", topic="t")
    assert sc.script[-1] == {"at_ms": 100, "action": "lose_produce_response", "topic": "t"}
