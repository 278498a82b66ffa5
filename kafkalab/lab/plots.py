"""matplotlib plots of the lab frames: lag, redeliveries, duplicates, and (``plots_log``, ``plots_groups``)
retention timelines, partition logs and membership Gantt charts.

Each ``plot_*(frame, *, ax=None) -> Axes`` draws on ``ax`` (or on a new ``matplotlib.figure.Figure``,
never pyplot, so nothing leaks), never calls ``show()`` (a figure it makes itself is displayed when the
IPython cell ends, see ``kafkalab.lab.show``), titles and labels the axes, uses the Okabe-Ito palette
(``palette``) and stores a one-sentence alt text on ``ax.kafkalab_summary``
(read it with ``summary(ax)``). Lab layer; the engine never imports it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from . import palette, show


def summary(ax: Any) -> str:
    """The one-sentence text summary (alt text) a kafkalab plot stored on ``ax``.

    Raises:
        ValueError: ``ax`` was not drawn by a kafkalab plot.
    """
    text = getattr(ax, "kafkalab_summary", None)
    if not isinstance(text, str):
        raise ValueError("summary(ax): this Axes was not drawn by a kafkalab plot_* function")
    return text


def new_axes(ax: Axes | None, size: tuple[float, float] = (7.5, 3.4)) -> Axes:
    """``ax``, or the Axes of a new ``Figure`` (not registered with pyplot: garbage-collected).

    In IPython a new figure is displayed when the cell finishes (``show``); one drawn on your ``ax`` is not.
    """
    if ax is None:
        figure = Figure(figsize=size)
        show.pending(figure)
        return figure.add_subplot()
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}")
    return ax


def check_frame(frame: Any, columns: list[str], plot: str) -> pd.DataFrame:
    """``frame`` if it is a DataFrame with ``columns``; else a TypeError/ValueError naming the plot."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{plot}(frame): frame must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{plot}(frame): frame lacks columns {missing}; pass the matching *_frame() output")
    return frame


def finish(ax: Axes, title: str, xlabel: str, ylabel: str, text: str) -> Axes:
    """Title, axis labels and the alt-text summary."""
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.kafkalab_summary = text  # type: ignore[attr-defined]
    return ax


def plot_redeliveries(frame: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """One bar per delivered offset, its height the number of deliveries, from ``deliveries_frame``.

    Offsets delivered once are blue, redelivered ones vermillion (two ``PolyCollection``s, one bar
    polygon per offset: fast for thousands of offsets); partitions follow each other on the x axis
    (ticks at each partition's first offset).
    """
    check_frame(frame, ["topic", "partition", "offset", "deliveries"], "plot_redeliveries")
    ax = new_axes(ax)
    counts = frame["deliveries"].to_numpy()
    for label, color, pick in (("delivered once", palette.OK, counts == 1),
                               ("redelivered", palette.BAD, counts > 1)):
        verts = [[(x - 0.45, 0), (x - 0.45, h), (x + 0.45, h), (x + 0.45, 0)]
                 for x, h in zip(range(len(counts)), counts) if pick[x]]
        ax.add_collection(PolyCollection(verts, facecolors=color, edgecolors="none", label=label))
    ax.set_xlim(-1, max(len(counts), 1))
    ax.set_ylim(0, max(int(counts.max()) if len(counts) else 1, 1) + 0.5)
    ticks, labels = [], []
    for (t, p), g in frame.groupby(["topic", "partition"], sort=False):
        ticks.append(frame.index.get_loc(g.index[0]))
        labels.append(f"{t}-{p}@{int(g['offset'].iloc[0])}")
    ax.set_xticks(ticks, labels, fontsize="small")
    again = int((frame["deliveries"] > 1).sum())
    most = int(frame["deliveries"].max()) if len(frame) else 0
    text = (f"{again} of {len(frame)} delivered offsets were delivered more than once"
            f"{f' (at most {most} times)' if again else ''}.")
    return finish(ax, "Deliveries per offset (2 or more = redelivered)", "partition @ offset",
                  "deliveries", text)


def plot_duplicates(frame: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Per input offset: side effects, output records written, and outputs a read_committed reader sees.

    From ``outputs_frame`` (filter it to one app first when several pipelines read the same input:
    counts here add up over every row). Three bars per input: side effects outside Kafka (orange), every output
    record in the log (grey) and the visible ones (blue; vermillion where more than one).
    """
    check_frame(frame, ["kind", "input_topic", "input_partition", "input_offset", "visible"], "plot_duplicates")
    ax = new_axes(ax)
    linked = frame[frame["input_topic"].notna()]
    counts: dict[tuple, list[int]] = {}
    for kind, t, p, o, vis in zip(linked["kind"], linked["input_topic"], linked["input_partition"],
                                  linked["input_offset"], linked["visible"]):
        c = counts.setdefault((t, int(p), int(o)), [0, 0, 0])
        if kind == "side_effect":
            c[0] += 1
        else:
            c[1] += 1
            c[2] += bool(vis)
    keys = sorted(counts)
    effects, written, visible = ([counts[k][i] for k in keys] for i in range(3))
    # bars as PolyCollections (one polygon per bar), and at most 12 tick labels: a Rectangle and a rotated
    # label per input made this plot the slowest to draw (~450 ms for 60 inputs)
    for shift, heights, label, color in ((-0.27, effects, "side effects", palette.WARN),
                                         (0.0, written, "output records (all)", palette.MUTED),
                                         (0.27, [v if v <= 1 else 0 for v in visible], "visible to read_committed",
                                          palette.OK),
                                         (0.27, [v if v > 1 else 0 for v in visible], "visible more than once",
                                          palette.BAD)):
        verts = [[(i + shift - 0.13, 0), (i + shift - 0.13, h), (i + shift + 0.13, h), (i + shift + 0.13, 0)]
                 for i, h in enumerate(heights) if h]
        if verts or label != "visible more than once":
            ax.add_collection(PolyCollection(verts, facecolors=color, edgecolors="none", label=label))
    ax.set_xlim(-1, max(len(keys), 1))
    ax.set_ylim(0, max([1, *effects, *written, *visible]) + 0.5)
    step = max(1, -(-len(keys) // 12))
    ticks = list(range(0, len(keys), step))
    ax.set_xticks(ticks, [f"{keys[i][0]}-{keys[i][1]}@{keys[i][2]}" for i in ticks], rotation=90, fontsize="x-small")
    if keys:
        ax.legend(loc="upper right", fontsize="small")
    dup_out = sum(v > 1 for v in visible)
    dup_fx = sum(e > 1 for e in effects)
    text = (f"Of {len(keys)} inputs, {dup_out} produced more than one visible output record and "
            f"{dup_fx} had their side effect outside Kafka repeated.")
    return finish(ax, "Outputs and side effects per input record", "input record (topic-partition@offset)",
                  "count", text)


from .plots_groups import plot_lag, plot_membership  # noqa: E402
from .plots_log import plot_log, plot_retention_timeline  # noqa: E402

__all__ = ["plot_duplicates", "plot_lag", "plot_log", "plot_membership", "plot_redeliveries",
           "plot_retention_timeline", "summary"]
