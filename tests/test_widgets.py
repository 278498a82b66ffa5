"""ScenarioPanel: clicks go through Scenario.act into the script, redraw the PNG, and never raise."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import base64

import pytest
from IPython.display import Image

from kafkalab.lab import widgets
from kafkalab.lab.widgets import ScenarioPanel
from kafkalab.sim import library


@pytest.fixture
def panel() -> ScenarioPanel:
    sc = library.get("crash-before-commit")
    sc.run(until_ms=5_000)
    return ScenarioPanel(sc, plot="lag")


def test_widgets_crash_click_appends_action_and_redraws(panel: ScenarioPanel) -> None:
    """Clicking "crash c1" crashes the app now, appends the action at now_ms and changes the <img> bytes."""
    before = panel.figure.value
    panel.button("crash c1").click()
    sc = panel.scenario
    assert panel.error == ""
    assert sc.script[-1] == {"at_ms": 5_000, "action": "crash", "app": "c1", "point": "now"}
    assert [(ev.time_ms, ev["app"]) for ev in sc.trace.events("app_crash")] == [(5_000, "c1")]
    assert panel.figure.format == "png" and panel.figure.value[:4] == b"\x89PNG"
    assert panel.figure.value != before


def test_widgets_run_button_advances_and_scrubber_follows(panel: ScenarioPanel) -> None:
    """"run 10 s" appends an advance action; the scrubber follows now_ms; the table shows each partition."""
    panel.button("run 10 s").click()
    assert panel.scenario.script[-1] == {"at_ms": 5_000, "action": "advance", "ms": 10_000}
    assert panel.scenario.now_ms == 15_000
    assert (panel.scrubber.max, panel.scrubber.value) == (15_000, 15_000)
    assert "<table" in panel.table.value and "partition" in panel.table.value


def test_widgets_error_is_shown_not_raised(panel: ScenarioPanel) -> None:
    """Restarting a running consumer is refused: the message is in the panel, nothing is raised or appended."""
    script = list(panel.scenario.script)
    panel.button("restart c2").click()
    assert "restart" in panel.error and "c2" in panel.error
    assert "restart" in panel.last_error.value
    assert panel.scenario.script == script
    panel.button("run 1 s").click()
    assert panel.error == "" and panel.last_error.value == ""


def test_widgets_slider_appends_set_config(panel: ScenarioPanel) -> None:
    """Moving a slider appends set_config actions: one per consumer for consumer settings, one for the topic."""
    panel.slider("processing ms").value = 250
    assert [(s["app"], s["key"], s["value"]) for s in panel.scenario.script if s["action"] == "set_config"] == [
        ("c1", "processing_ms", 250), ("c2", "processing_ms", 250), ("c3", "processing_ms", 250)]
    panel.slider("retention.ms").value = 60_000
    assert panel.scenario.script[-1] == {"at_ms": 5_000, "action": "set_config", "topic": "orders",
                                         "key": "retention.ms", "value": 60_000}
    assert panel.error == ""


def test_widgets_scrubber_looks_back_without_changing_the_scenario(panel: ScenarioPanel) -> None:
    """Moving the time scrubber redraws at that moment and leaves the trace and the script alone."""
    panel.button("run 10 s").click()
    events, script, png = len(panel.scenario.trace), list(panel.scenario.script), panel.figure.value
    panel.scrubber.value = 2_000
    assert "looking back at 2 s" in panel.status.value
    assert panel.figure.value != png
    assert (len(panel.scenario.trace), panel.scenario.script) == (events, script)


def test_widgets_add_consumer_and_reset(panel: ScenarioPanel) -> None:
    """"add consumer" adds c4 with its own buttons; reset rebuilds the scenario as the panel found it."""
    panel.button("add consumer").click()
    assert panel.scenario.script[-1] == {"at_ms": 5_000, "action": "add_consumer", "name": "c4", "like": "c1"}
    panel.button("crash c4").click()
    panel.button("reset").click()
    assert panel.error == ""
    assert panel.scenario.now_ms == 5_000 and "c4" not in panel.scenario.apps
    with pytest.raises(ValueError, match="no button 'crash c4'"):
        panel.button("crash c4")


def test_widgets_snapshot_puts_figure_and_table_in_normal_output(panel: ScenarioPanel,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """snapshot() displays a PNG image and the table as ordinary outputs (kept by an HTML export)."""
    shown: list = []
    monkeypatch.setattr(widgets, "display", shown.append)
    panel.snapshot()
    images = [o for o in shown if isinstance(o, Image)]
    assert len(images) == 1 and images[0].data == panel.view.png() and images[0].format == "png"
    tables = [o for o in shown if hasattr(o, "to_html")]
    assert len(tables) == 1 and "partition" in tables[0].columns


def test_widgets_bad_arguments_name_the_parameter() -> None:
    """An unknown plot or slider name is a ValueError listing what is allowed."""
    sc = library.get("crash-before-commit")
    with pytest.raises(ValueError, match="plot must be one of"):
        ScenarioPanel(sc, plot="pie")
    with pytest.raises(ValueError, match="unknown sliders"):
        ScenarioPanel(sc, sliders=("speed",))


def test_widgets_display_carries_the_figure_as_png_fallback(panel: ScenarioPanel,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Displaying a panel publishes the widget view and, in the same output, the current figure as a PNG
    (what a report or a page without a widget manager shows) with the panel's status as text."""
    shown: list = []
    monkeypatch.setattr(widgets, "display", lambda obj, raw=False: shown.append((obj, raw)))
    panel._ipython_display_()
    [(bundle, raw)] = shown
    assert raw and bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == panel.widget.model_id
    assert base64.b64decode(bundle["image/png"]) == panel.view.png()
    assert bundle["text/plain"].startswith("virtual time 5 s (now)") and "Lag of group billing" in bundle["text/plain"]


def test_widgets_pipeline_crash_and_restart_buttons() -> None:
    """A pipeline gets crash/restart buttons; a crash at a named point is armed, then happens at that point."""
    panel = ScenarioPanel(library.get("exactly-once-pipeline"), plot="log", topic="receipts-eos",
                          crash_point="after_processing")
    panel.button("crash eos").click()
    assert panel.error == "" and panel.scenario.script[-1]["action"] == "crash"
    assert panel.scenario.script[-1]["app"] == "eos" and panel.scenario.script[-1]["point"] == "after_processing"
    panel.button("run 1 s").click()
    crashes = panel.scenario.trace.events("app_crash", app="eos")
    assert len(crashes) == 1 and crashes[0]["point"] == "after_processing"
    before_ms = panel.scenario.now_ms
    panel.button("restart eos").click()       # init_transactions takes its round trips: the clock moves a little
    assert panel.error == "" and panel.scenario.script[-1] == {"at_ms": before_ms, "action": "restart", "app": "eos"}
    assert len(panel.scenario.trace.events("app_restart", app="eos")) == 1


def test_widgets_click_that_preempts_the_script_does_not_stop_time() -> None:
    """The library script crashes eos at 2 s and restarts it at 2.5 s; crashing it by hand first makes the
    scripted crash inapplicable: it is traced as skipped and "run 10 s" still reaches its end."""
    panel = ScenarioPanel(library.get("exactly-once-pipeline"), plot="log", topic="receipts-eos")
    start = panel.scenario.now_ms
    panel.button("crash eos").click()
    panel.button("run 10 s").click()
    assert panel.error == "" and panel.scenario.now_ms == start + 10_000
    [skipped] = panel.scenario.trace.events("action_skipped")
    assert skipped.time_ms == 2_000 and skipped["action"] == "crash" and "not running" in skipped["error"]
    restarts = [ev.time_ms for ev in panel.scenario.trace.events("app_restart", app="eos")]
    assert len(restarts) == 1 and 2_500 <= restarts[0] < 2_600


def test_widgets_scrubber_looks_back_on_frames_without_a_time_column() -> None:
    """Redeliveries have no time_ms column: looking back re-derives them from the trace as it was then
    (before c1's crash: no redelivery), and coming back to now shows the redeliveries again."""
    sc = library.get("crash-before-commit")
    sc.run(until_ms=40_000)
    panel = ScenarioPanel(sc, plot="redeliveries")
    crash_ms = sc.trace.events("app_crash")[0].time_ms
    assert "0 of" not in panel.view.summary
    panel.scrubber.value = crash_ms - 1
    assert panel.view.summary.startswith("0 of ") and panel.error == ""
    assert len(sc.trace.until(crash_ms - 1)) < len(sc.trace) and sc.now_ms == 40_000
    panel.scrubber.value = sc.now_ms
    assert "0 of" not in panel.view.summary
