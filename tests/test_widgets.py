"""ScenarioPanel: clicks go through Scenario.act into the script, redraw the PNG, update the panel's
display-handle outputs in place, and never raise; act() from a cell says why an action did nothing."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import base64
import io
import json

import pytest
from PIL import Image as PILImage

from kafkalab.lab import figcheck, widgets
from kafkalab.lab.widgets import ScenarioPanel
from kafkalab.sim import library


@pytest.fixture
def panel() -> ScenarioPanel:
    sc = library.get("crash-before-commit")
    sc.run(until_ms=5_000)
    return ScenarioPanel(sc, plot="lag")


def test_widgets_crash_click_appends_action_and_redraws(panel: ScenarioPanel) -> None:
    """Clicking "crash c1" crashes the app now, appends the action at now_ms and changes the <img> bytes."""
    before = panel.png
    panel.button("crash c1").click()
    sc = panel.scenario
    assert panel.error == ""
    assert sc.script[-1] == {"at_ms": 5_000, "action": "crash", "app": "c1", "point": "now"}
    assert [(ev.time_ms, ev["app"]) for ev in sc.trace.events("app_crash")] == [(5_000, "c1")]
    assert panel.png[:4] == b"\x89PNG" and panel.png != before


def test_widgets_run_button_advances_and_scrubber_follows(panel: ScenarioPanel) -> None:
    """"run 10 s" appends an advance action; the scrubber follows now_ms; the table shows each partition."""
    panel.button("run 10 s").click()
    assert panel.scenario.script[-1] == {"at_ms": 5_000, "action": "advance", "ms": 10_000}
    assert panel.scenario.now_ms == 15_000
    assert (panel.scrubber.max, panel.scrubber.value) == (15_000, 15_000)
    table = panel.outputs["table"][0]["text/html"]
    assert "<table" in table and "partition" in table


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
    events, script, png = len(panel.scenario.trace), list(panel.scenario.script), panel.png
    panel.scrubber.value = 2_000
    assert "looking back at 2 s" in panel.status.value
    assert panel.png != png
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
    """snapshot() displays the PNG (its text: the status) and the table as ordinary outputs of the cell."""
    shown: list = []
    monkeypatch.setattr(widgets, "display", lambda obj, raw=False, metadata=None: shown.append((obj, raw, metadata)))
    panel.snapshot()
    (bundle, raw, metadata), (table, _, _) = shown
    assert raw and base64.b64decode(bundle["image/png"]) == panel.png
    assert bundle["text/plain"].startswith("A copy of the panel at virtual time 5 s")
    assert metadata["image/png"]["width"] == panel.view.display_size()[0]
    assert "partition" in table.columns


def test_widgets_bad_arguments_name_the_parameter() -> None:
    """An unknown plot or slider name is a ValueError listing what is allowed."""
    sc = library.get("crash-before-commit")
    with pytest.raises(ValueError, match="plot must be one of"):
        ScenarioPanel(sc, plot="pie")
    with pytest.raises(ValueError, match="unknown sliders"):
        ScenarioPanel(sc, sliders=("speed",))


class _Display:
    """Records what the panel displays and updates, as an IPython front end would keep it (by display_id)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.outputs: list[dict] = []
        monkeypatch.setattr(widgets, "display", self.display)
        monkeypatch.setattr(widgets, "update_display", self.update)

    def display(self, data: dict, raw: bool = False, metadata: dict | None = None, display_id: str | None = None):
        assert raw
        self.outputs.append({"data": data, "metadata": metadata or {}, "display_id": display_id})

    def update(self, data: dict, raw: bool = False, metadata: dict | None = None, display_id: str | None = None):
        assert raw and display_id
        for out in self.outputs:
            if out["display_id"] == display_id:
                out.update(data=data, metadata=metadata or {})


def test_widgets_display_is_controls_then_figure_and_table_updated_in_place(panel: ScenarioPanel,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Displaying a panel publishes the widget view (no figure in it), then the figure (PNG, the status as text)
    and the table as normal outputs with display ids; a click updates those outputs in place, so a saved
    notebook holds the figure as the learner left it."""
    front = _Display(monkeypatch)
    panel._ipython_display_()
    view, figure, table, copy = front.outputs
    assert view["data"]["application/vnd.jupyter.widget-view+json"]["model_id"] == panel.widget.model_id
    assert "image/png" not in view["data"] and view["display_id"] is None
    assert base64.b64decode(figure["data"]["image/png"]) == panel.png
    assert figure["data"]["text/plain"].startswith("virtual time 5 s (now); script: 1 action. group billing: 3 members")
    assert "<table" in table["data"]["text/html"] and copy["data"] == {"text/plain": ""}
    before = figure["data"]["image/png"]
    panel.button("crash c1").click()
    panel.button("run 60 s").click()
    assert figure["data"]["image/png"] != before and base64.b64decode(figure["data"]["image/png"]) == panel.png
    assert figure["data"]["text/plain"].startswith("virtual time 65 s (now); script: 3 actions.")
    assert len(front.outputs) == 4                          # updated in place, nothing appended
    panel.button("snapshot").click()
    assert copy["data"]["image/png"] == figure["data"]["image/png"]
    assert copy["data"]["text/plain"].startswith("A copy of the panel at virtual time 65 s")
    panel.button("run 10 s").click()
    assert copy["data"]["image/png"] != figure["data"]["image/png"]      # the copy stays as it was


def test_widgets_png_is_hidpi_and_recorded_by_figcheck(panel: ScenarioPanel, tmp_path, monkeypatch) -> None:
    """The PNG has 2 pixels per displayed CSS pixel; each redraw is recorded by figcheck without problems,
    and a PNG shown at full size would be recorded as a problem."""
    width, height = panel.view.display_size()
    with PILImage.open(io.BytesIO(panel.png)) as im:
        assert im.size == panel.view.png_size and im.size[0] >= 2 * width and im.size[1] >= 2 * height
    assert panel.outputs["figure"][1] == {"image/png": {"width": width, "height": height}}
    checks = tmp_path / "figcheck.jsonl"
    monkeypatch.setenv(figcheck.ENV, str(checks))
    panel.button("crash c1").click()
    panel.button("run 60 s").click()
    panel.scrubber.value = 20_000
    lines = [json.loads(line) for line in checks.read_text().splitlines()]
    assert [line["where"] for line in lines] == ["panel lag"] * 3
    assert [p for line in lines for p in line["problems"]] == []
    assert widgets._sharpness((720, 300), 720) and not widgets._sharpness((1440, 600), 720)


def test_widgets_one_mark_per_moment_and_labels_never_overlap(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many actions at a few moments: one dotted line per moment, its label above the Axes, no two texts
    overlapping (figcheck); crashes the membership plot draws itself are not drawn again."""
    sc = library.get("crash-before-commit", seed=7).run(until_ms=5_000)
    panel = ScenarioPanel(sc, plot="lag")
    for name in ("crash c1", "crash c2", "remove c3", "add consumer", "run 1 s", "restart c1", "run 1 s",
                 "restart c2", "commit c4", "run 10 s"):
        panel.button(name).click()
    ax = panel.view.figure.axes[0]
    marks = [line for line in ax.lines if (line.get_gid() or "").startswith("panel action")]
    labels = {t.get_gid(): t.get_text() for t in ax.texts if (t.get_gid() or "").startswith("panel action")}
    assert len(marks) == len(labels) == len({m.get_xdata()[0] for m in marks})
    assert any("crash c1, c2" in text for text in labels.values())
    assert figcheck.problems(panel.view.figure) == []
    membership = ScenarioPanel(sc, plot="membership")
    assert not [t for t in membership.view.figure.axes[0].texts if (t.get_gid() or "").startswith("panel action")
                and "crash" in t.get_text()]
    assert figcheck.problems(membership.view.figure) == []


def test_widgets_no_marks_on_an_offset_axis() -> None:
    """A log plot's x axis is offsets: the script's actions (at times) are not drawn on it."""
    panel = ScenarioPanel(library.get("transactions-read-committed"), plot="log", topic="payments")
    ax = panel.view.figure.axes[0]
    assert not [t for t in ax.texts if (t.get_gid() or "").startswith("panel")]
    assert figcheck.problems(panel.view.figure) == []


def test_widgets_an_unrun_scenario_starts_after_its_script() -> None:
    """library.get() gives a scenario that never ran: the panel runs its script to the end first, so the
    first figure shows the story (07: two commits and an abort); a scenario run by hand stays where it is."""
    panel = ScenarioPanel(library.get("transactions-read-committed"), plot="log", topic="payments")
    sc = panel.scenario
    assert sc.now_ms == sc.end_ms == 20_000
    assert [ev["action"] for ev in sc.trace.events("action")] == ["commit_transaction", "abort_transaction",
                                                                  "commit_transaction"]
    assert "0 records" not in panel.view.summary and "aborted" in panel.view.summary
    panel.button("reset").click()
    assert panel.scenario.now_ms == 20_000 and panel.error == ""
    assert ScenarioPanel(library.get("crash-before-commit").run(until_ms=5_000)).scenario.now_ms == 5_000


def test_widgets_status_counts_idle_members_in_words() -> None:
    """The status line says how many members the group has, how many own nothing, in grammatical English."""
    sc = library.get("crash-before-commit", seed=7).run(until_ms=5_000)
    panel = ScenarioPanel(sc, plot="membership")
    assert "group billing: 3 members, none idle" in panel.status.value
    panel.button("add consumer").click()
    panel.button("run 10 s").click()
    assert "group billing: 4 members, 1 idle (c4)" in panel.status.value
    assert "script: 3 actions" in panel.status.value
    panel.button("crash c1").click()
    assert "script: 4 actions" in panel.status.value
    assert "c1, c3 crashed, still members until the session times out" in panel.status.value   # c3: the script
    assert "script: 1 action." in ScenarioPanel(library.get("crash-before-commit").run(until_ms=1)).status.value


def test_widgets_act_with_a_bad_app_name_says_so_in_the_cell(panel: ScenarioPanel,
                                                             capsys: pytest.CaptureFixture) -> None:
    """panel.act() from a cell with an unknown app prints one line naming it and the apps there are, shows
    it in the panel and returns False; nothing is raised or appended to the script."""
    script = list(panel.scenario.script)
    assert panel.act("crash", app="c9") is False
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "crash app=c9 did nothing: unknown app 'c9'; apps: ['c1', 'c2', 'c3', 'producer']" in err
    assert panel.error in err and "c9" in panel.last_error.value
    assert panel.scenario.script == script


def test_widgets_a_click_that_does_nothing_says_why() -> None:
    """commit/abort transaction with none open, or a consumer commit with nothing new, are refused by the
    client: the panel's error line says why (no traceback, nothing printed for a click)."""
    panel = ScenarioPanel(library.get("transactions-read-committed"), plot="log", topic="payments")
    panel.button("commit transaction").click()
    assert panel.error.startswith("commit_transaction app=txn did nothing: no transaction is open: begin one first")
    panel.button("abort transaction").click()
    assert "no transaction is open" in panel.error and "_STATE" in panel.error
    panel.button("begin transaction").click()
    assert panel.error == ""
    panel.button("begin transaction").click()
    assert "a transaction is already open" in panel.error
    panel.button("commit transaction").click()
    assert panel.error == ""
    group = ScenarioPanel(library.get("crash-before-commit", seed=7).run(until_ms=5_000), plot="lag")
    group.button("commit c1").click()
    group.button("commit c1").click()
    assert "nothing to commit" in group.error


def test_widgets_slider_readouts_are_short() -> None:
    """Duration sliders read "10 s", "7 days" (not 604800000); the setting in effect is one of the steps."""
    sc = library.get("crash-before-commit", seed=7).run(until_ms=5_000)
    panel = ScenarioPanel(sc, plot="lag")
    assert panel.slider("retention.ms").value == 604_800_000
    assert dict(panel.slider("retention.ms").options)["7 days"] == 604_800_000
    assert panel.slider("session.timeout.ms").label == "10 s"             # this scenario's setting
    assert max(len(label) for s in ("retention.ms", "segment.ms", "session.timeout.ms", "processing ms")
               for label, _ in panel.slider(s).options) <= 8


def test_widgets_pipeline_crash_and_restart_buttons() -> None:
    """A pipeline gets crash/restart buttons; a crash at a named point is armed, then happens at that point."""
    panel = ScenarioPanel(library.get("exactly-once-pipeline").run(until_ms=1_000), plot="log", topic="receipts-eos",
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
    panel = ScenarioPanel(library.get("exactly-once-pipeline").run(until_ms=1_000), plot="log", topic="receipts-eos")
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


def test_widgets_a_wide_legend_outside_the_axes_is_not_cropped() -> None:
    """A custom plot's legend at the right of the Axes, wider than the room left for it: the canvas grows,
    the whole legend is in the PNG (figcheck finds no text cut off) and the PNG is still 2x."""
    def draw(sc, until_ms, ax):
        ax.plot([0, until_ms], [0, 1], label="a legend entry far wider than the room at the right of the Axes " * 2)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0, fontsize="small")
        ax.kafkalab_summary = "a line"
        return None

    panel = ScenarioPanel(library.get("crash-before-commit").run(until_ms=1_000), plot=draw)
    assert panel.error == "" and figcheck.problems(panel.view.figure) == []
    legend = panel.view.figure.axes[0].get_legend().get_window_extent()
    assert legend.x1 <= panel.view.figure.bbox.x1
    assert panel.view.png_size[0] >= 2 * panel.view.display_size()[0]


def test_widgets_retention_looking_back_shows_no_later_deletion() -> None:
    """Scrubbing a retention panel back to 20 s shows the segments as they were then: none deleted yet (the first
    deletion is at 30 s), though the scenario at 60 s has deleted three."""
    p = ScenarioPanel(library.run("commit-is-not-delete"), plot="retention")
    assert "3 deleted" in p.view.summary or int(p.view.frame(p.scenario)["deleted_ms"].notna().sum()) == 3
    p.scrubber.value = 20_000
    assert "no segment deleted" in p.view.figure.axes[0].get_title() and "0 deleted" in p.view.summary
    p.scrubber.value = 31_000
    assert "1 deleted, the first at 30 s" in p.view.summary
    assert p.scenario.now_ms == 60_000 and p.error == ""
