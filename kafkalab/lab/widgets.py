"""Interactive panels on a Scenario: buttons and sliders call scenario actions, then redraw.

Owns ``ScenarioPanel``. Every click goes through ``Scenario.act`` (so it is appended to the
scenario's script and can be replayed); errors are shown in the panel, never raised into the
learner's cell. The figure is a PNG in an ``ipywidgets.Image`` (an ``<img>`` in the page), and
``snapshot()`` copies it and the table into the normal output area for HTML export.
Built from ipywidgets only (no custom front end). Lab layer; the engine never imports it.
"""

from __future__ import annotations

import base64
import html
from typing import Any

import ipywidgets as w
from IPython.display import HTML, Image, display

from kafkalab.lab.widgets_controls import Controls, app_kind, spec_of
from kafkalab.lab.widgets_view import PLOTS, DrawFn, PanelView

__all__ = ["PLOTS", "ScenarioPanel"]


class ScenarioPanel:
    """Buttons, sliders, a time scrubber and a figure on one ``Scenario``.

    Each button press or slider change calls ``scenario.act(...)``: the action happens at the current
    virtual time and is appended to ``scenario.script``. Then the figure is redrawn at the new
    ``now_ms``. The time scrubber only chooses which moment the figure and table show; it never
    changes the scenario. ``reset()`` rebuilds the scenario as it was when the panel was made.

    Kafka: the buttons are the operations of a Kafka deployment (kill a consumer process, start
    one, ``commit()``, produce, ``begin/commit/abort_transaction()``), the sliders are Kafka
    configs (``session.timeout.ms``, ``auto.commit.interval.ms``, ``retention.ms``, ``segment.ms``)
    and two properties of the simulated applications (processing time per record, records per second).

    Args:
        scenario: a ``kafkalab.sim.Scenario`` (run or not).
        plot: ``"lag" | "redeliveries" | "membership" | "retention" | "log"`` or a callable
            ``draw(scenario, until_ms, ax) -> DataFrame | None``.
        group: the consumer group for group plots (default: the first consumer's group).
        topic: the topic for topic plots and topic sliders (default: the scenario's first topic).
        partition: the partition for ``plot="log"``.
        run_steps_ms: one "run N s" button per entry.
        burst: records per "produce burst" click.
        sliders: which sliders to show (names in ``Controls.SLIDERS``); default: those that apply.
        crash_point: the ``point`` argument of the crash action.
    """

    def __init__(self, scenario: Any, plot: str | DrawFn = "lag", *, group: str | None = None,
                 topic: str | None = None, partition: int = 0, run_steps_ms: tuple[int, ...] = (1_000, 10_000, 60_000),
                 burst: int = 20, sliders: tuple[str, ...] | None = None, crash_point: str = "now") -> None:
        self.scenario = scenario
        self._quiet = False
        self._table: Any = None
        self._error_text = ""
        self._initial = (scenario.to_json(), scenario.now_ms)
        self.view = PanelView(plot, _scope(scenario, plot, group, topic, partition))
        self.topic = topic or _first_topic(scenario)
        self.figure = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.table = w.HTML()
        self.status = w.HTML()
        self.last_error = w.HTML(value="")
        self.scrubber = w.IntSlider(description="look at t (ms)", min=0, max=max(scenario.now_ms, 1),
                                    value=scenario.now_ms, step=100, continuous_update=False,
                                    style={"description_width": "initial"}, layout=w.Layout(width="95%"))
        self.scrubber.observe(self._on_scrub, names="value")
        self.controls = Controls(self, run_steps_ms=run_steps_ms, burst=burst, sliders=sliders,
                                 crash_point=crash_point)
        self.widget = w.VBox([self.controls.box, self.scrubber, self.status, self.last_error,
                              self.figure, self.table])
        self.redraw()

    # -- what the notebook uses ------------------------------------------------------------
    def button(self, description: str) -> w.Button:
        """The button whose description is ``description`` (e.g. ``"crash c1"``, ``"run 10 s"``)."""
        return self.controls.button(description)

    def slider(self, description: str) -> w.ValueWidget:
        """The slider named ``description`` (e.g. ``"session.timeout.ms"``, ``"processing ms"``)."""
        return self.controls.slider(description)

    @property
    def error(self) -> str:
        """The text of the last error shown in the panel, or ``""`` after a successful action."""
        return self._error_text

    def act(self, action: str, **args: Any) -> bool:
        """Do ``scenario.act(action, **args)`` and redraw; on error show it in the panel, return False."""
        try:
            self.scenario.act(action, **args)
        except Exception as exc:  # a widget callback must never raise into the notebook
            self._show_error(" ".join([action, *(f"{k}={v}" for k, v in args.items())]), exc)
            self.redraw()
            return False
        self._clear_error()
        self.redraw()
        return True

    def redraw(self) -> None:
        """Follow ``now_ms`` with the scrubber and redraw the figure and table there."""
        now = self.scenario.now_ms
        self._quiet = True
        try:
            self.scrubber.max = max(now, 1)
            self.scrubber.value = now
        finally:
            self._quiet = False
        self._render(now)

    def reset(self) -> None:
        """Rebuild the scenario as it was when the panel was made (same setup and script, same time)."""
        text, now_ms = self._initial
        try:
            fresh = type(self.scenario).from_json(text)
            if now_ms > fresh.now_ms:
                fresh.run(until_ms=now_ms)
        except Exception as exc:
            self._show_error("reset", exc)
            return
        self.scenario = fresh
        self.controls.rebuild()
        self._clear_error()
        self.redraw()

    def snapshot(self) -> None:
        """Put the current figure, its summary and the table into the normal output area.

        A learner's "Save and Export as HTML" keeps normal outputs but not widget views, so this is how
        a panel's state gets into a report.
        """
        display(Image(data=self.view.png(), format="png"))
        display(HTML(f"<p>{html.escape(self._status_text(self.scrubber.value))}</p>"))
        if self._table is not None and len(self._table):
            display(self._table)

    def _ipython_display_(self) -> None:
        # The widget view, plus the figure as it is now as a PNG fallback: JupyterLab renders the widget; a
        # page without a widget manager (a report, GitHub's preview) shows the PNG and the summary instead.
        widget_bundle = getattr(self.widget, "_repr_mimebundle_", None)      # None once the widget is closed
        bundle = dict(widget_bundle() or {}) if callable(widget_bundle) else {}
        bundle["image/png"] = base64.b64encode(self.view.png()).decode("ascii")
        bundle["text/plain"] = self._status_text(self.scrubber.value)
        display(bundle, raw=True)

    # -- internals -------------------------------------------------------------------------
    def _on_scrub(self, change: dict) -> None:
        if not self._quiet:
            self._render(int(change["new"]))

    def _render(self, until_ms: int) -> None:
        try:
            self._table = self.view.draw(self.scenario, until_ms, _marks(self.scenario.script))
            self.figure.value = self.view.png()
            self.table.value = _table_html(self._table)
        except Exception as exc:
            self._table = None
            self._show_error("redraw", exc)
        self.status.value = f"<b>{html.escape(self._status_text(until_ms))}</b>"

    def _status_text(self, until_ms: int) -> str:
        sc = self.scenario
        where = "now" if until_ms >= sc.now_ms else f"looking back at {until_ms / 1000:g} s"
        text = f"virtual time {sc.now_ms / 1000:g} s ({where}); script: {len(sc.script)} actions"
        return f"{text}. {self.view.summary}" if self.view.summary else text

    def _clear_error(self) -> None:
        self._error_text = ""
        self.last_error.value = ""

    def _show_error(self, what: str, exc: Exception) -> None:
        msg = self._error_text = f"{what} failed: {type(exc).__name__}: {exc}"
        self.last_error.value = f'<span style="color:#b00020">&#9888; {html.escape(msg)}</span>'


def _scope(scenario: Any, plot: Any, group: str | None, topic: str | None, partition: int) -> dict[str, Any]:
    if callable(plot) or plot not in PLOTS:
        return {}
    kind = PLOTS[plot][2]
    if kind == "group":
        return {"group": group or _first_group(scenario)}
    if kind == "topic":
        return {"topic": topic or _first_topic(scenario)}
    return {"topic": topic or _first_topic(scenario), "partition": partition}


def _first_group(scenario: Any) -> str | None:
    for kind in ("consumer", "pipeline"):
        for app in scenario.apps.values():
            if app_kind(app) == kind and spec_of(app).get("group"):
                return spec_of(app)["group"]
    return None


def _first_topic(scenario: Any) -> str | None:
    topics = scenario.cluster.user_topics()
    return topics[0] if topics else None


def _marks(script: list[dict]) -> list[tuple[int, str]]:
    out = []
    for step in script:
        if step.get("action") in (None, "advance", "set_config"):
            continue
        who = step.get("app") or step.get("name") or step.get("topic") or ""
        out.append((int(step.get("at_ms", 0)), f"{step['action']} {who}".strip()))
    return out


def _table_html(frame: Any) -> str:
    if frame is None or not hasattr(frame, "to_html") or len(frame) == 0:
        return ""
    return frame.to_html(index=False, border=0, max_rows=12)

