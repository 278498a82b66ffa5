"""What a figure shows, checked from matplotlib's own artists: the checks behind "the story is on the figure".

``problems(figure)`` draws the figure (Agg) and returns one sentence per defect, an empty list when
there is none. The checks, for every Axes a kafkalab plot drew (it carries ``kafkalab_summary``):

- **whole experiment**: a time axis ends at or after the experiment's end. A plot stores that end,
  in its x data units, as ``ax.kafkalab_x_end``; an Axes whose x label speaks of time must have it.
- **no overlaps**: no two visible texts of the figure overlap (titles, tick labels, annotations,
  legend entries), and no text leaves the figure (a clipped "rders-2" tick label).
- **legends outside the data**: a legend's box does not overlap any Axes' data area.
- **every mark explained**: each line, collection and patch with data has a legend entry (its label
  or gid is a legend text) or a direct label (a text artist with the same gid).
- **counts read as counts**: an axis labelled as a count ("count", "deliveries", "records",
  "times") has integer ticks only.

``record(figure, where)`` appends the result as one JSON line to the file named by the environment
variable ``KAFKALAB_FIGCHECK`` (nothing when it is unset): the notebook tests set it and read it back.
Lab layer (matplotlib); the engine never imports it.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import Collection
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.transforms import Bbox

ENV = "KAFKALAB_FIGCHECK"
_TIME = re.compile(r"\btime\b", re.IGNORECASE)
_COUNT = re.compile(r"\b(count|counts|deliveries|records|times|processed)\b", re.IGNORECASE)
_TOLERANCE_PX = 1.0


def problems(figure: Figure, *, tight: bool = False) -> list[str]:
    """Every defect of ``figure`` as one sentence; ``[]`` when it tells its story cleanly.

    ``tight``: the figure is saved with ``bbox_inches="tight"`` (``show`` does), so a text beyond the
    figure's edge is not cut off: the saved image grows to hold it.
    """
    if not isinstance(figure, Figure):
        raise TypeError(f"problems(figure): figure must be a matplotlib Figure, got {type(figure).__name__}")
    canvas = figure.canvas if isinstance(figure.canvas, FigureCanvasAgg) else FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    found: list[str] = []
    plotted = [ax for ax in figure.axes if hasattr(ax, "kafkalab_summary")]
    for ax in plotted:
        name = _name(ax)
        found += [f"{name}: {p}" for p in _x_range(ax)]
        found += [f"{name}: {p}" for p in _unexplained(ax)]
        found += [f"{name}: {p}" for p in _integer_ticks(ax)]
    found += _overlaps(figure, renderer, tight)
    found += _legends_inside(figure, renderer)
    return found


def record(figure: Figure, where: str, *, tight: bool = False, extra: list[str] | None = None) -> None:
    """Append ``{"where", "title", "problems"}`` as a JSON line to ``$KAFKALAB_FIGCHECK``, if set.

    ``extra``: problems the caller found itself (a panel's PNG smaller than 2x its display size).
    """
    path = os.environ.get(ENV)
    if not path:
        return
    titles = [_name(ax) for ax in figure.axes if hasattr(ax, "kafkalab_summary")]
    line = {"where": where, "title": "; ".join(titles), "problems": [*problems(figure, tight=tight), *(extra or [])]}
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")


# -- the checks -------------------------------------------------------------------------------------
def _name(ax: Axes) -> str:
    return repr(ax.get_title() or ax.get_ylabel() or "untitled axes")


def _x_range(ax: Axes) -> list[str]:
    end = getattr(ax, "kafkalab_x_end", None)
    if end is None:
        if _TIME.search(ax.get_xlabel() or ""):
            return ["a time axis without kafkalab_x_end: the plot does not know where the experiment ends"]
        return []
    right = max(ax.get_xlim())
    if right < float(end):
        return [f"the x axis stops at {right:g}, before the experiment's end at {float(end):g}"]
    return []


def _legend_texts(ax: Axes) -> set[str]:
    legends = [ax.get_legend(), *ax.figure.legends]
    return {t.get_text() for lg in legends if lg is not None for t in lg.get_texts()}


def _has_data(artist: Any) -> bool:
    if isinstance(artist, Line2D):
        return len(artist.get_xdata()) > 0
    if isinstance(artist, Collection):
        paths = artist.get_paths()
        return len(paths) > 0 and any(len(p.vertices) for p in paths)
    return True


def _unexplained(ax: Axes) -> list[str]:
    legend = _legend_texts(ax)
    direct = {t.get_gid() for t in ax.texts if t.get_gid()}
    out, seen = [], set()
    for artist in [*ax.lines, *ax.collections, *ax.patches]:
        if not artist.get_visible() or not _has_data(artist):
            continue
        label, gid = artist.get_label() or "", artist.get_gid()
        if (label and not label.startswith("_") and label in legend) or (gid and (gid in legend or gid in direct)):
            continue
        kind = f"{type(artist).__name__} {gid or label!r}"
        if kind not in seen:
            seen.add(kind)
            out.append(f"a {kind} has neither a legend entry nor a direct label")
    return out


def _integer_ticks(ax: Axes) -> list[str]:
    out = []
    for axis_name, label, ticks, lim in (("y", ax.get_ylabel(), ax.get_yticks(), ax.get_ylim()),
                                         ("x", ax.get_xlabel(), ax.get_xticks(), ax.get_xlim())):
        if not _COUNT.search(label or ""):
            continue
        lo, hi = min(lim), max(lim)
        shown = [t for t in ticks if lo - 1e-9 <= t <= hi + 1e-9]
        bad = [t for t in shown if abs(t - round(t)) > 1e-9]
        if bad:
            out.append(f"the {axis_name} axis counts ({label!r}) but has fractional ticks {bad[:4]}")
    return out


def _texts(figure: Figure) -> list[Text]:
    out = []
    for t in figure.findobj(Text):
        if not t.get_visible() or not t.get_text().strip():
            continue
        if t.axes is not None and not _tick_in_view(t):
            continue
        out.append(t)
    return out


def _tick_in_view(text: Text) -> bool:
    """False for tick labels matplotlib keeps but does not draw (outside the view limits)."""
    for axis in (text.axes.xaxis, text.axes.yaxis):
        for tick in axis.get_major_ticks() + axis.get_minor_ticks():
            if text in (tick.label1, tick.label2):
                return tick.get_visible() and tick.label1On if text is tick.label1 else tick.label2On
    return True


def _overlaps(figure: Figure, renderer: Any, tight: bool) -> list[str]:
    boxes = []
    for t in _texts(figure):
        try:
            box = Text.get_window_extent(t, renderer)   # an Annotation's own extent includes its arrow
        except (RuntimeError, ValueError):
            continue
        if box.width > 0 and box.height > 0:
            boxes.append((t, box))
    fig_box = figure.bbox
    out = []
    for t, box in boxes:
        if not tight and (box.x0 < fig_box.x0 - _TOLERANCE_PX or box.x1 > fig_box.x1 + _TOLERANCE_PX
                or box.y0 < fig_box.y0 - _TOLERANCE_PX or box.y1 > fig_box.y1 + _TOLERANCE_PX):
            out.append(f"text {t.get_text()!r} is cut off at the figure's edge")
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1:]:
            if _intersection(box_a, box_b) > _TOLERANCE_PX ** 2 * 4:
                out.append(f"texts {a.get_text()!r} and {b.get_text()!r} overlap")
    return out


def _intersection(a: Bbox, b: Bbox) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0


def _legends_inside(figure: Figure, renderer: Any) -> list[str]:
    out = []
    legends = [lg for lg in figure.findobj(Legend) if lg.get_visible()]
    for lg in legends:
        box = lg.get_window_extent(renderer)
        for ax in figure.axes:
            if hasattr(ax, "kafkalab_summary") and _intersection(box, ax.bbox) > _TOLERANCE_PX ** 2 * 4:
                out.append(f"{_name(ax)}: the legend sits on the data area; put it outside")
                break
    return out


__all__ = ["ENV", "problems", "record"]
