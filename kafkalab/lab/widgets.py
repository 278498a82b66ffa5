"""Interactive panels on a Scenario: buttons and sliders call scenario actions, then redraw.

Owns ``ScenarioPanel``. Every click goes through ``Scenario.act`` (so it is appended to the
scenario's script and can be replayed). A click that fails or does nothing says why in the panel's
error line, never as a traceback; ``panel.act(...)`` called from a cell also prints that line there.

Displaying a panel makes three outputs in its cell: the widget view (buttons, sliders, the time
scrubber, the status and error lines), then the figure as a normal PNG output and the table as a
normal HTML output. The panel updates those two in place after every redraw (IPython display
handles, ``display_id``), so a saved or exported notebook holds the figure as the learner left it.
Built from ipywidgets only (no custom front end). Lab layer; the engine never imports it.
"""

from __future__ import annotations

import base64
import html
import sys
import uuid
from typing import Any

import ipywidgets as w
from IPython.display import display, update_display

from kafkalab.lab import figcheck
from kafkalab.lab.plots_common import plural
from kafkalab.lab.widgets_controls import Controls, app_kind, spec_of
from kafkalab.lab.widgets_view import PLOTS, DrawFn, PanelView
from kafkalab.sim.scenario import Scenario

__all__ = ["PLOTS", "ScenarioPanel"]

#: action -> the ``where`` of the app outcome that means the action did nothing, and a hint per error
_NO_EFFECT: dict[str, tuple[str, dict[str, str]]] = {
    "commit": ("commit (script action)", {"_NO_OFFSET": "nothing to commit: no new offsets since the last commit"}),
    "begin_transaction": ("begin_transaction", {"_STATE": "a transaction is already open: commit or abort it"}),
    "commit_transaction": ("commit_transaction", {"_STATE": "no transaction is open: begin one first"}),
    "abort_transaction": ("abort_transaction", {"_STATE": "no transaction is open: begin one first"}),
}


class ScenarioPanel:
    """Buttons, sliders, a time scrubber and a figure on one ``Scenario``.

    Each button press or slider change calls ``scenario.act(...)``: the action happens at the current
    virtual time and is appended to ``scenario.script``. Then the figure is redrawn at the new
    ``now_ms``. The time scrubber only chooses which moment the figure and table show; it never
    changes the scenario. ``reset()`` rebuilds the scenario as it was when the panel was made.

    A panel starts from its story: a scenario that was built but never run (``library.get(...)``) and
    has a script is first run to its end (``scenario.run()``), so the first figure shows what the script
    does. A scenario you ran (``.run(until_ms=...)``) starts where you left it.

    Shown in a notebook, the figure and the table are normal outputs below the controls, updated in
    place after every click: File → Save keeps them as they are. ``snapshot()`` in a new cell (or the
    **snapshot** button, into the output below the table) keeps a copy that later clicks leave alone.

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
        self.view = PanelView(plot, _scope(scenario, plot, group, topic, partition))   # checks plot first
        if not isinstance(scenario, Scenario):
            raise TypeError(f"ScenarioPanel: scenario must be a kafkalab.sim.Scenario, got {type(scenario).__name__}")
        if not scenario.started and scenario.script:     # built, never run: play its script
            scenario.run(until_ms=max([scenario.end_ms, *(int(s["at_ms"]) for s in scenario.script)]))
        self.scenario = scenario
        self._quiet = False
        self._table: Any = None
        self._error_text = ""
        self._initial = (scenario.to_json(), scenario.now_ms)
        self._plot_name = plot if isinstance(plot, str) else getattr(plot, "__name__", "custom")
        self.topic = topic or _first_topic(scenario)
        self.status = w.HTML()
        self.last_error = w.HTML(value="")
        self.scrubber = w.IntSlider(description="look at t (ms)", min=0, max=max(scenario.now_ms, 1),
                                    value=scenario.now_ms, step=100, continuous_update=False, readout_format=",d",
                                    style={"description_width": "initial"}, layout=w.Layout(width="95%"))
        self.scrubber.observe(self._on_scrub, names="value")
        self.controls = Controls(self, run_steps_ms=run_steps_ms, burst=burst, sliders=sliders,
                                 crash_point=crash_point)
        self.widget = w.VBox([self.controls.box, self.scrubber, self.status, self.last_error])
        self._ids = {name: f"kafkalab-panel-{name}-{uuid.uuid4().hex}" for name in ("figure", "table", "copy")}
        #: what the panel's normal outputs hold now: name -> (data, metadata) ("figure", "table", "copy")
        self.outputs: dict[str, tuple[dict, dict]] = {"copy": ({"text/plain": ""}, {})}
        self._shown = False
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

    @property
    def png(self) -> bytes:
        """The figure the panel shows now, as PNG bytes (2 pixels per CSS pixel)."""
        return self.view.png()

    def act(self, action: str, **args: Any) -> bool:
        """Do ``scenario.act(action, **args)`` and redraw; True if it took effect.

        An action that fails or does nothing (an unknown app, restarting a running app, committing a
        transaction when none is open) is not raised: the reason is shown in the panel's error line
        and printed as one line in the cell that called ``act``, and ``act`` returns False.
        """
        return self._act(action, args, from_click=False)

    def clicked(self, action: str, **args: Any) -> bool:
        """What a button or slider does: ``act`` without printing (the reason goes to the error line)."""
        return self._act(action, args, from_click=True)

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
            self._show_error(f"reset did nothing: {type(exc).__name__}: {exc}")
            return
        self.scenario = fresh
        self.controls.rebuild()
        self._clear_error()
        self.redraw()

    def snapshot(self) -> None:
        """Display a copy of the figure (with the status as its text) and of the table in this cell.

        The panel's own figure output below the controls follows every click; this copy stays as it is
        now, in the notebook file and in an HTML export.
        """
        data, metadata = self._copy_bundle()
        display(data, raw=True, metadata=metadata)
        if self._table is not None and len(self._table):
            display(self._table)

    def keep_copy(self) -> None:
        """The **snapshot** button: put a copy of the figure as it is now in the output below the table."""
        self.outputs["copy"] = self._copy_bundle()
        self._update("copy")

    def _ipython_display_(self) -> None:
        # Output 1: the widget view (controls, scrubber, status, error line); its text/plain is what a page
        # without widgets shows. Outputs 2-4: figure, table and kept copy, normal outputs with display ids
        # that every redraw updates in place (so a saved notebook and its HTML export hold them).
        widget_bundle = getattr(self.widget, "_repr_mimebundle_", None)      # None once the widget is closed
        bundle = dict(widget_bundle() or {}) if callable(widget_bundle) else {}
        bundle["text/plain"] = (f"Interactive panel on scenario {self.scenario.name!r}: its buttons run in "
                                "JupyterLab with a live kernel; its figure and table follow below.")
        display(bundle, raw=True)
        self._shown = True
        for name in ("figure", "table", "copy"):
            data, metadata = self.outputs[name]
            display(data, raw=True, metadata=metadata, display_id=self._ids[name])

    # -- internals -------------------------------------------------------------------------
    def _act(self, action: str, args: dict, *, from_click: bool) -> bool:
        what = " ".join([action, *(f"{k}={v}" for k, v in args.items())])
        before = len(self.scenario.outcomes)
        try:
            self.scenario.act(action, **args)
            reason = self._no_effect(action, args, before)
        except Exception as exc:  # a widget callback must never raise into the notebook
            text = str(exc)
            reason = (text[len(action) + 2:] if text.startswith(f"{action}: ") else text) or type(exc).__name__
            if not isinstance(exc, ValueError | TypeError):
                reason = f"{type(exc).__name__}: {reason}"
        if reason:
            self._show_error(f"{what} did nothing: {reason}")
            if not from_click:
                print(f"\u26a0 panel.act: {self._error_text}", file=sys.stderr)
            self.redraw()
            return False
        self._clear_error()
        self.redraw()
        return True

    def _no_effect(self, action: str, args: dict, before: int) -> str:
        """Why an action that was applied changed nothing (its app reported an error), or ``""``."""
        if action not in _NO_EFFECT:
            return ""
        where, hints = _NO_EFFECT[action]
        for out in self.scenario.outcomes[before:]:
            if out["app"] == args.get("app") and out["where"] == where:
                return f"{hints.get(out['error'], out['text'])} ({out['error']}: {out['text']})"
        return ""

    def _on_scrub(self, change: dict) -> None:
        if not self._quiet:
            self._render(int(change["new"]))

    def _render(self, until_ms: int) -> None:
        try:
            self._table = self.view.draw(self.scenario, until_ms, _marks(self.scenario.script))
            png = self.view.png()
        except Exception as exc:
            self._table = None
            self._show_error(f"redraw failed: {type(exc).__name__}: {exc}")
            self.status.value = f"<b>{html.escape(self._status_text(until_ms))}</b>"
            return
        status = self._status_text(until_ms)
        self.status.value = f"<b>{html.escape(status)}</b>"
        width, height = self.view.display_size()
        figcheck.record(self.view.figure, f"panel {self._plot_name}", extra=_sharpness(self.view.png_size, width))
        self.outputs["figure"] = ({"image/png": base64.b64encode(png).decode("ascii"), "text/plain": status},
                                  {"image/png": {"width": width, "height": height}})
        table = self._table
        if table is not None and hasattr(table, "to_html") and len(table):
            self.outputs["table"] = ({"text/html": _table_html(table), "text/plain": table.to_string(index=False)}, {})
        else:
            self.outputs["table"] = ({"text/plain": ""}, {})
        self._update("figure")
        self._update("table")

    def _update(self, name: str) -> None:
        if self._shown:
            data, metadata = self.outputs[name]
            update_display(data, raw=True, metadata=metadata, display_id=self._ids[name])

    def _copy_bundle(self) -> tuple[dict, dict]:
        data, metadata = self.outputs["figure"]
        return ({**data, "text/plain": f"A copy of the panel at virtual time {self.scrubber.value / 1000:g} s: "
                                       f"{data['text/plain']}"}, metadata)

    def _status_text(self, until_ms: int) -> str:
        sc = self.scenario
        where = "now" if until_ms >= sc.now_ms else f"looking back at {until_ms / 1000:g} s"
        parts = [f"virtual time {sc.now_ms / 1000:g} s ({where}); script: {plural(len(sc.script), 'action')}"]
        group = self.view.scope.get("group")
        if group and not callable(self.view.plot):
            parts.append(_group_status(sc, group, until_ms))
        if self.view.summary:
            parts.append(self.view.summary.rstrip("."))
        return ". ".join(p for p in parts if p) + "."

    def _clear_error(self) -> None:
        self._error_text = ""
        self.last_error.value = ""

    def _show_error(self, msg: str) -> None:
        self._error_text = msg
        self.last_error.value = f'<span style="color:#b00020">&#9888; {html.escape(msg)}</span>'


def _group_status(scenario: Any, group: str, until_ms: int) -> str:
    """``"group billing: 4 members, 1 idle (c4); c3 crashed, still a member until its session times out"``."""
    from kafkalab.lab import frames

    try:
        trace = scenario.trace if until_ms >= scenario.now_ms else scenario.trace.until(until_ms)
        m = frames.membership_frame(trace, group=group)
    except (ValueError, LookupError):
        return f"group {group}: no member has joined yet"
    owners = set(m.loc[m["to_ms"].isna(), "client"])
    idle = {client: client_id for client, client_id, _since, to in m.attrs["idle"] if to is None}
    name_of = dict(m.attrs["members"])
    members = owners | set(idle)
    crashed = sorted({name_of.get(c, c) for _t, c in m.attrs["crashed"] if c in members})
    text = f"group {group}: {plural(len(members), 'member')}"
    if members:
        text += f", {len(idle)} idle ({', '.join(sorted(idle.values()))})" if idle else ", none idle"
    if crashed:
        text += (f"; {', '.join(crashed)} crashed, still {'a member' if len(crashed) == 1 else 'members'} "
                 "until the session times out")
    return text


def _sharpness(png_size: tuple[int, int], display_width: int) -> list[str]:
    """A figcheck problem when the PNG has fewer than 2 pixels per displayed CSS pixel."""
    if png_size[0] < 2 * display_width:
        return [f"the panel's PNG is {png_size[0]} px wide for a display width of {display_width} px: "
                "less than 2x (blurred on a HiDPI screen)"]
    return []


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


_VERBS = {"remove_consumer": "remove", "add_consumer": "add", "add_producer": "add", "add_pipeline": "add",
          "produce_burst": "burst", "lose_produce_response": "lose-ack"}


def _marks(script: list[dict]) -> list[tuple[int, str]]:
    """``(at_ms, label)`` per script action worth marking on a time axis (not ``advance``)."""
    out = []
    for step in script:
        action = step.get("action")
        if action in (None, "advance"):
            continue
        if action == "set_config":
            label = f"{step['key']}={step['value']} {step.get('app') or ''}".strip()
        elif action == "produce_burst":
            label = f"burst {step['count']}"
        else:
            who = step.get("app") or step.get("name") or step.get("topic") or ""
            label = f"{_VERBS.get(action, action)} {who}".strip()
        out.append((int(step.get("at_ms", 0)), label))
    return out


def _table_html(frame: Any) -> str:
    if frame is None or not hasattr(frame, "to_html") or len(frame) == 0:
        return ""
    return frame.to_html(index=False, border=0, max_rows=12)
