"""The figure and the table a ScenarioPanel shows: a PNG of one plot, state at a chosen moment.

Owns ``PanelView``: it derives a frame from the scenario's trace (``kafkalab.lab.frames``), draws it
(``kafkalab.lab.plots``) on a matplotlib ``Figure`` that never touches pyplot, and renders the PNG
bytes the panel's ``ipywidgets.Image`` shows. Lab layer: may import pandas and matplotlib; the
engine never imports this module.
"""

from __future__ import annotations

import importlib
import io
from collections.abc import Callable
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

#: plot name -> (frame function, plot function, the frame's scope: "group" | "topic" | "partition")
PLOTS: dict[str, tuple[str, str, str]] = {
    "lag": ("lag_frame", "plot_lag", "group"),
    "redeliveries": ("deliveries_frame", "plot_redeliveries", "group"),
    "membership": ("membership_frame", "plot_membership", "group"),
    "retention": ("retention_frame", "plot_retention_timeline", "topic"),
    "log": ("log_frame", "plot_log", "partition"),
}

#: A custom plot: ``draw(scenario, until_ms, ax) -> table or None`` (a pandas DataFrame for the table).
DrawFn = Callable[[Any, int, Any], Any]

_TABLE_KEYS = ("group", "topic", "partition", "member", "app", "offset")
_TABLE_ROWS = 12


class PanelView:
    """Draws one plot of a scenario at a moment of virtual time, and the table that goes with it.

    The frame is derived from the whole trace once per trace change and then cut at ``until_ms``
    (rows with ``time_ms <= until_ms``), so moving the time scrubber re-derives nothing. A frame
    without a ``time_ms`` column (deliveries, membership, retention, log) is derived again from the
    trace as it was at ``until_ms`` (``Trace.until``) when the scrubber looks back.

    Args:
        plot: a name in ``PLOTS`` or a callable ``draw(scenario, until_ms, ax)`` that draws on
            ``ax`` and returns a DataFrame for the table (or None).
        scope: keyword arguments for the frame function (``group=``, ``topic=``, ``partition=``).
        size: figure size in inches; ``dpi`` the PNG resolution.
    """

    def __init__(self, plot: str | DrawFn, scope: dict[str, Any], *, size: tuple[float, float] = (7.5, 3.4),
                 dpi: int = 80) -> None:
        if not callable(plot) and plot not in PLOTS:
            raise ValueError(f"ScenarioPanel: plot must be one of {sorted(PLOTS)} or a callable, got {plot!r}")
        self.plot = plot
        self.scope = scope
        self.dpi = dpi
        self.figure = Figure(figsize=size, dpi=dpi)
        self._canvas = FigureCanvasAgg(self.figure)
        self._cache_key: tuple | None = None
        self._frame: Any = None
        self._then_key: tuple | None = None
        self._then: Any = None
        self.summary = ""

    def frame(self, scenario: Any) -> Any:
        """The plot's frame for the whole trace so far (cached until the trace grows)."""
        key = (id(scenario), len(scenario.trace), scenario.now_ms)
        if key != self._cache_key:
            self._frame = self._derive(scenario)
            self._cache_key = key
        return self._frame

    def _derive(self, source: Any) -> Any:
        """The plot's frame function applied to ``source`` (a Scenario or a Trace) and the scope."""
        frame_name, _, _ = PLOTS[self.plot]
        frames = importlib.import_module("kafkalab.lab.frames")
        return getattr(frames, frame_name)(source, **self.scope)

    def _frame_then(self, scenario: Any, until_ms: int) -> Any:
        """The plot's frame derived from the trace as it was at ``until_ms`` (cached per moment)."""
        key = (id(scenario), len(scenario.trace), until_ms)
        if key != self._then_key:
            self._then = self._derive(scenario.trace.until(until_ms))
            self._then_key = key
        return self._then

    def draw(self, scenario: Any, until_ms: int, marks: list[tuple[int, str]]) -> Any:
        """Redraw the figure at ``until_ms`` with the script's actions marked; return the table frame."""
        self.figure.clear()
        ax = self.figure.add_subplot()
        if callable(self.plot):
            table = self.plot(scenario, until_ms, ax)
        else:
            table = self._draw_named(scenario, until_ms, ax)
        _mark_actions(ax, marks, until_ms, scenario.now_ms)
        self.summary = getattr(ax, "kafkalab_summary", "") or ""
        # fixed margins: tight_layout would cost about a third of a redraw
        self.figure.subplots_adjust(left=0.09, right=0.98, bottom=0.16, top=0.88)
        return table

    def _draw_named(self, scenario: Any, until_ms: int, ax: Any) -> Any:
        _, plot_name, _ = PLOTS[self.plot]
        plots = importlib.import_module("kafkalab.lab.plots")
        cut = cut_at(self.frame(scenario), until_ms)
        if until_ms < scenario.now_ms and "time_ms" not in getattr(cut, "columns", ()):
            cut = self._frame_then(scenario, until_ms)     # no time column to cut: derive it as it was then
        getattr(plots, plot_name)(cut, ax=ax)
        if "time_ms" in getattr(cut, "columns", ()):
            ax.set_xlim(left=0, right=max(scenario.now_ms, 1))
        return latest_rows(cut)

    def png(self) -> bytes:
        """The current figure as PNG bytes."""
        buf = io.BytesIO()
        self._canvas.print_png(buf)
        return buf.getvalue()


def cut_at(frame: Any, until_ms: int) -> Any:
    """The rows of ``frame`` at or before ``until_ms`` (all rows if it has no ``time_ms`` column)."""
    if frame is None or "time_ms" not in getattr(frame, "columns", ()):
        return frame
    return frame[frame["time_ms"] <= until_ms]


def latest_rows(frame: Any) -> Any:
    """The last row per key (group, topic, partition, member, ...) of a time-ordered frame: the state then."""
    if frame is None or not hasattr(frame, "columns") or len(frame) == 0:
        return frame
    keys = [k for k in _TABLE_KEYS if k in frame.columns and k != "offset"]
    if "time_ms" in frame.columns and keys:
        frame = frame.groupby(keys, sort=True, dropna=False).tail(1)
    return frame.tail(_TABLE_ROWS).reset_index(drop=True)


def _mark_actions(ax: Any, marks: list[tuple[int, str]], until_ms: int, now_ms: int) -> None:
    """Dotted lines for the script's actions up to ``until_ms``; a dashed line at the scrubber."""
    ymax = ax.get_ylim()[1]
    for at_ms, label in marks:
        if at_ms <= until_ms:
            ax.axvline(at_ms, color="0.35", linestyle=":", linewidth=1)
            ax.annotate(label, (at_ms, ymax), rotation=90, fontsize=7, va="top", ha="right", color="0.25")
    if until_ms < now_ms:
        ax.axvline(until_ms, color="#d55e00", linestyle="--", linewidth=1)
    ax.set_title(f"{ax.get_title()}  [t = {until_ms / 1000:g} s]".strip(), fontsize=9)
