"""The figure and the table a ScenarioPanel shows: a PNG of one plot, state at a chosen moment.

Owns ``PanelView``: it derives a frame from the scenario's trace (``kafkalab.lab.frames``), draws it
(``kafkalab.lab.plots``) on a matplotlib ``Figure`` that never touches pyplot, marks the script's
actions on a time axis, and renders HiDPI PNG bytes (2 pixels per CSS pixel: ``DPI`` is twice the
96 px/in of a browser, and the panel shows the image at half its pixel width). The Axes sits at a
fixed place on a canvas with room around it (legends outside the data at the right, action labels
above); the PNG is the drawn part of the canvas, so nothing is clipped and nothing is measured twice.
Lab layer: may import pandas, numpy, PIL and matplotlib; the engine never imports this module.
"""

from __future__ import annotations

import importlib
import io
import re
from collections.abc import Callable
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image as PILImage

from . import palette

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

#: PNG pixels per inch: twice a browser's 96 CSS px per inch, shown at half size (sharp on HiDPI screens).
DPI = 192
#: CSS pixels per inch: the panel's image is shown at ``pixels * CSS_DPI / DPI``.
CSS_DPI = 96

_TABLE_KEYS = ("group", "topic", "partition", "member", "app", "offset")
_TABLE_ROWS = 12
# The Axes' place on the canvas, in inches: (left, bottom, width, height), and the canvas around it
# (room for long tick labels at the left, legends at the right, action labels and the title above).
_AXES_IN = (1.6, 0.7, 5.6, 2.4)
_ROOM_IN = (3.2, 1.2)            # right of the Axes, above it
_PAD_PX = 12                     # white border kept around the drawn part
_TIME = re.compile(r"\btime\b", re.IGNORECASE)
_SECONDS = re.compile(r"\((s|seconds)\)|\bseconds\b", re.IGNORECASE)
_MAX_MARKED = 8                  # action groups labelled on the figure (the latest ones)
_MAX_ROWS = 4                    # rows of action labels above the Axes
_LABEL_PT, _ROW_PT = 7, 10       # action label font size and row height, in points


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
        size: the Axes' width and height in inches (the data area; labels and legend go around it).
        dpi: the PNG resolution (default ``DPI``, twice the CSS pixel density).
    """

    def __init__(self, plot: str | DrawFn, scope: dict[str, Any], *, size: tuple[float, float] | None = None,
                 dpi: int = DPI) -> None:
        if not callable(plot) and plot not in PLOTS:
            raise ValueError(f"ScenarioPanel: plot must be one of {sorted(PLOTS)} or a callable, got {plot!r}")
        self.plot = plot
        self.scope = scope
        self.dpi = dpi
        left, bottom, width, height = _AXES_IN
        if size is not None:
            width, height = size
        self._axes_in = (left, bottom, width, height)
        canvas = (left + width + _ROOM_IN[0], bottom + height + _ROOM_IN[1])
        self.figure = Figure(figsize=canvas, dpi=dpi, facecolor="white")
        self._canvas = FigureCanvasAgg(self.figure)
        self._cache_key: tuple | None = None
        self._frame: Any = None
        self._then_key: tuple | None = None
        self._then: Any = None
        self._png: bytes | None = None
        self.png_size = (0, 0)
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
        self._png = None
        ax = self.figure.add_axes(self._axes_rect())
        if callable(self.plot):
            table = self.plot(scenario, until_ms, ax)
        else:
            table = self._draw_named(scenario, until_ms, ax)
        mark_actions(ax, marks, until_ms, scenario.now_ms, self._canvas.get_renderer())
        self.summary = getattr(ax, "kafkalab_summary", "") or ""
        return table

    def _axes_rect(self) -> tuple[float, float, float, float]:
        """The Axes' place as fractions of the canvas: fixed in inches, whatever the canvas size."""
        left, bottom, width, height = self._axes_in
        w, h = self.figure.get_size_inches()
        return left / w, bottom / h, width / w, height / h

    def _draw_named(self, scenario: Any, until_ms: int, ax: Any) -> Any:
        _, plot_name, _ = PLOTS[self.plot]
        plots = importlib.import_module("kafkalab.lab.plots")
        cut = cut_at(self.frame(scenario), until_ms)
        columns = getattr(cut, "columns", ())
        if until_ms < scenario.now_ms and ("time_ms" not in columns or "deleted_ms" in columns):
            # no time column to cut, or rows that carry a later moment (a segment's deletion): derive it as it was then
            cut = self._frame_then(scenario, until_ms)
        elif until_ms < scenario.now_ms and hasattr(cut, "attrs"):
            cut = cut.copy()                               # the moment shown is the end of what is known then
            cut.attrs = {**cut.attrs, "end_ms": until_ms}
        getattr(plots, plot_name)(cut, ax=ax)        # its x range ends at the frame's end_ms: now, or the moment shown
        return latest_rows(cut)

    def png(self) -> bytes:
        """The current figure as PNG bytes: the drawn part of the canvas, ``dpi`` pixels per inch."""
        if self._png is None:
            self._canvas.draw()
            if self._fit_legends():
                self._canvas.draw()
            self._png, self.png_size = _crop_png(np.asarray(self._canvas.buffer_rgba()))
        return self._png

    def _fit_legends(self) -> bool:
        """Widen the canvas when a legend reaches past its right edge (the Axes keep their size); True if so."""
        renderer = self._canvas.get_renderer()
        right = max((lg.get_window_extent(renderer).x1 for ax in self.figure.axes
                     for lg in [ax.get_legend()] if lg is not None), default=0.0)
        over_in = (right - self.figure.bbox.x1) / self.dpi
        if over_in <= 0:
            return False
        w, h = self.figure.get_size_inches()
        self.figure.set_size_inches(w + over_in + 0.3, h)
        rect = self._axes_rect()
        for ax in self.figure.axes:
            ax.set_position(rect)
        return True

    def display_size(self) -> tuple[int, int]:
        """The size in CSS pixels the panel shows the PNG at (``png_size`` scaled by ``CSS_DPI / dpi``)."""
        self.png()
        w, h = self.png_size
        return int(w * CSS_DPI / self.dpi), int(h * CSS_DPI / self.dpi)


def _crop_png(rgba: np.ndarray) -> tuple[bytes, tuple[int, int]]:
    """PNG bytes of the part of ``rgba`` that is not white background (a small white border kept), and its size."""
    height, width = rgba.shape[:2]
    drawn = np.ascontiguousarray(rgba).view(np.uint32).reshape(height, width) != 0xFFFFFFFF
    rows, cols = np.flatnonzero(drawn.any(axis=1)), np.flatnonzero(drawn.any(axis=0))
    if len(rows) == 0:
        top, bottom, left, right = 0, height, 0, width
    else:
        top, bottom = max(rows[0] - _PAD_PX, 0), min(rows[-1] + 1 + _PAD_PX, height)
        left, right = max(cols[0] - _PAD_PX, 0), min(cols[-1] + 1 + _PAD_PX, width)
    image = PILImage.fromarray(np.ascontiguousarray(rgba[top:bottom, left:right, :3]), "RGB")
    buf = io.BytesIO()
    image.save(buf, format="png", compress_level=1)
    return buf.getvalue(), image.size


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


def _x_scale(ax: Any, now_ms: int) -> float:
    """Milliseconds per x data unit of a time axis: 1000 when the plot's data are seconds, else 1.

    Read from the plot's ``kafkalab_x_end`` (the experiment's end in x data units) against ``now_ms``;
    without it, from the axis label ("(s)"). A label alone can mislead: a plot may keep milliseconds and
    only format its ticks as seconds.
    """
    x_end = getattr(ax, "kafkalab_x_end", None)
    if x_end is not None and now_ms >= 1_000:
        return 1000.0 if float(x_end) * 30 < now_ms else 1.0
    return 1000.0 if _SECONDS.search(ax.get_xlabel() or "") else 1.0


def mark_actions(ax: Any, marks: list[tuple[int, str]], until_ms: int, now_ms: int, renderer: Any) -> None:
    """Mark the script's actions up to ``until_ms`` on a time axis, and the moment the scrubber looks at.

    One dotted line per moment with actions, labelled directly above the Axes (actions at the same
    moment share one label; labels that would overlap go to the next row up, the latest actions
    lowest). An action the plot already marks itself (its text is on the figure, or a line at that
    moment or a legend entry names it) is not drawn again. At most the latest ``_MAX_MARKED`` moments
    are marked, in at most ``_MAX_ROWS`` rows; an older one without room is left out. An x axis that
    is not time (offsets) gets no marks. The title gets ``[t = ... s]`` and moves up above the labels.
    """
    title = f"{ax.get_title()}  [t = {until_ms / 1000:g} s]".strip()
    if not _TIME.search(ax.get_xlabel() or ""):
        ax.set_title(title, fontsize=9)
        return
    scale = _x_scale(ax, now_ms)
    groups = _group_marks([(t, label) for t, label in marks if t <= until_ms], ax, scale)[-_MAX_MARKED:]
    placed: list[tuple[int, Any]] = []
    if until_ms < now_ms:
        gid = "panel: the moment shown"
        ax.axvline(until_ms / scale, color=palette.VERMILLION, linestyle="--", linewidth=1, gid=gid)
        _place_label(ax, until_ms / scale, f"looking at t = {until_ms / 1000:g} s", gid, palette.VERMILLION,
                     placed, renderer)
    for i, (t_ms, label) in reversed(list(enumerate(groups))):     # the latest first: they get the low rows
        gid = f"panel action {i + 1}"
        line = ax.axvline(t_ms / scale, color="0.45", linestyle=":", linewidth=1, gid=gid)
        if not _place_label(ax, t_ms / scale, label, gid, "0.25", placed, renderer):
            line.remove()                                           # no room left above the Axes
    rows = 1 + max((row for row, _ in placed), default=-1)
    ax.set_title(title, fontsize=9, pad=4 + rows * _ROW_PT)


def _group_marks(marks: list[tuple[int, str]], ax: Any, scale: float) -> list[tuple[int, str]]:
    """Actions at (nearly) the same moment as one (time, label); actions the plot already marks are left out.

    The plot marks an action when its label is a text of the plot ("crash c1"), when a vertical line at
    that moment names its verb, or when a legend entry names the verb ("crash (process died)": the plot
    draws every crash itself). Moments closer than 0.5% of the x range share one mark.
    """
    shown_texts = [t.get_text() for t in ax.texts]
    legend = " ".join(t.get_text() for t in (ax.get_legend().get_texts() if ax.get_legend() else ()))
    lines_at: dict[float, str] = {}
    for line in ax.lines:
        xs = line.get_xdata()
        if len(xs) == 2 and xs[0] == xs[1]:
            lines_at[float(xs[0])] = f"{lines_at.get(float(xs[0]), '')} {line.get_gid() or ''} {line.get_label()}"
    lo, hi = sorted(ax.get_xlim())
    near_ms = 0.005 * (hi - lo) * scale
    by_time: dict[int, list[str]] = {}
    for t_ms, label in sorted(marks):
        verb = label.split(" ")[0]
        drawn = re.compile(rf"(^|\W){re.escape(verb)}", re.IGNORECASE)
        if any(label in text for text in shown_texts) or drawn.search(lines_at.get(t_ms / scale, "")) \
                or drawn.search(legend):
            continue
        at = next((t for t in by_time if abs(t - t_ms) <= near_ms), t_ms)
        labels = by_time.setdefault(at, [])
        if label not in labels:
            labels.append(label)
    return [(t, _join(labels)) for t, labels in sorted(by_time.items())]


def _join(labels: list[str]) -> str:
    """``["crash c1", "crash c2", "run"]`` -> ``"crash c1, c2 + run"``: one verb once, its targets joined."""
    verbs: dict[str, list[str]] = {}
    for label in labels:
        verb, _, who = label.partition(" ")
        verbs.setdefault(verb, [])
        if who:
            verbs[verb].append(who)
    return " + ".join(f"{verb} {', '.join(who)}".strip() for verb, who in verbs.items())


def _place_label(ax: Any, x: float, text: str, gid: str, color: str, placed: list[tuple[int, Any]],
                 renderer: Any) -> bool:
    """A label above the Axes at data ``x``, in the lowest row where it overlaps no label already placed.

    False (and no label) when all ``_MAX_ROWS`` rows are taken there.
    """
    lo, hi = sorted(ax.get_xlim())
    frac = (x - lo) / (hi - lo) if hi > lo else 0.5
    ha = "left" if frac < 0.12 else "right" if frac > 0.88 else "center"
    row = 0
    while True:
        label = ax.annotate(text, (x, 1), xycoords=("data", "axes fraction"), xytext=(0, 3 + row * _ROW_PT),
                            textcoords="offset points", ha=ha, va="bottom", fontsize=_LABEL_PT, color=color,
                            gid=gid, annotation_clip=False)
        box = label.get_window_extent(renderer).expanded(1.06, 1.0)
        if not any(r == row and box.overlaps(other) for r, other in placed):
            placed.append((row, box))
            return True
        label.remove()
        row += 1
        if row >= _MAX_ROWS:
            return False
