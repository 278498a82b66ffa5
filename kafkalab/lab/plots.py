"""matplotlib plots of the lab frames: redeliveries, duplicates, records processed per offset, and
(``plots_log``, ``plots_groups``) lag, retention timelines, partition logs and membership Gantt charts.

Each ``plot_*(frame, *, ax=None) -> Axes`` draws on ``ax`` (or on a new ``matplotlib.figure.Figure``,
never pyplot, so nothing leaks), never calls ``show()`` (a figure it makes itself is displayed when the
IPython cell ends, see ``kafkalab.lab.show``), titles and labels the axes, uses the Okabe-Ito palette
(``palette``) and stores a one-sentence alt text on ``ax.kafkalab_summary`` (read it with
``summary(ax)``). The helpers the plot modules share are in ``plots_common``. Lab layer; the engine
never imports it.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection

from . import palette
from .plots_common import (
    bar,
    check_frame,
    count_axis,
    finish,
    label_runs,
    legend_outside,
    new_axes,
    offset_ticks,
    offset_xlabel,
    plural,
    positions,
    run_label,
    runs,
    runs_text,
    summary,
)


def plot_redeliveries(frame: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """One bar per delivered offset, its height the number of deliveries, from ``deliveries_frame``.

    Offsets delivered once are blue, redelivered ones vermillion (two ``PolyCollection``s, one bar
    polygon per offset: fast for thousands of offsets), and every run of redelivered offsets is
    labelled with its offsets above the bars. Partitions follow each other on the x axis; ticks name
    each partition's first offset, then round offsets. The y axis has integer ticks only.
    Simplification: with more than 100 offsets a redelivered bar is drawn wider than one offset (at
    least 1/100 of the axis) so it stays visible; its label gives the exact offsets.
    """
    check_frame(frame, ["topic", "partition", "offset", "deliveries"], "plot_redeliveries")
    ax = new_axes(ax)
    counts = [int(c) for c in frame["deliveries"]]
    keys = [(t, int(p), int(o)) for t, p, o in zip(frame["topic"], frame["partition"], frame["offset"])]
    n, xs = len(counts), positions(keys)
    wide = max(0.8, n / 100)
    for label, color, pick, width in (("delivered once", palette.OK, lambda c: c == 1, 1.0 if n > 60 else 0.8),
                                      ("redelivered", palette.BAD, lambda c: c > 1, wide)):
        verts = [bar(x, h, width) for x, h in zip(xs, counts) if pick(h)]
        ax.add_collection(PolyCollection(verts, facecolors=color, edgecolors="none", label=label,
                                         zorder=2 if label == "redelivered" else 1))
    top = max([1, *counts])
    again = [i for i, c in enumerate(counts) if c > 1]
    ax.set_xlim(-1, (xs[-1] if xs else 0) + 1)
    rows = label_runs(ax, keys, xs, again, top, lambda a, b: f": {max(counts[a:b + 1])}×")
    count_axis(ax, top, rows)
    offset_ticks(ax, keys, xs)
    legend_outside(ax)
    most = max(counts) if counts else 0
    text = (f"{len(again)} of {plural(n, 'delivered offset')} {'was' if len(again) == 1 else 'were'} delivered "
            "more than once"
            f"{f' (at most {most} times): ' + runs_text(keys, again) if again else ''}.")
    return finish(ax, "Deliveries per offset (2 or more = redelivered)", offset_xlabel(keys), "deliveries", text)


def plot_duplicates(frame: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Per input offset: output records written, outputs a read_committed reader sees, and side effects.

    From ``outputs_frame`` (filter it to one app first when several pipelines read the same input:
    counts here add up over every row). One position per input: a wide grey bar counts every output
    record in the log (aborted attempts included), a narrow bar inside it the visible ones (blue;
    vermillion where more than one), and an orange mark the side effects outside Kafka. Runs of
    inputs that were duplicated, re-done (side effect repeated) or had an aborted output are
    labelled with their offsets. The y axis has integer ticks only.
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
    n, xs = len(keys), positions(keys)
    wide, narrow = (1.0 if n > 60 else 0.8), (0.6 if n > 60 else 0.45)
    for heights, width, label, color in (
            (written, wide, "output records in the log (all)", palette.MUTED),
            ([v if v <= 1 else 0 for v in visible], narrow, "visible to read_committed", palette.OK),
            ([v if v > 1 else 0 for v in visible], max(narrow, n / 100), "visible more than once", palette.BAD)):
        verts = [bar(x, h, width) for x, h in zip(xs, heights) if h]
        if verts or label != "visible more than once":
            ax.add_collection(PolyCollection(verts, facecolors=color, edgecolors="none", label=label, zorder=1))
    if any(effects):
        ax.scatter([x for x, e in zip(xs, effects) if e], [e for e in effects if e], marker="_",
                   s=max(30, 4000 / max(n, 1)), linewidths=2.5, color=palette.WARN, zorder=3,
                   label="side effects outside Kafka")
    top = max([1, *effects, *written, *visible])
    dup_out = [i for i, v in enumerate(visible) if v > 1]
    dup_fx = [i for i, e in enumerate(effects) if e > 1]
    aborted = [i for i in range(n) if written[i] > visible[i]]
    marked = sorted(set(dup_out) | set(dup_fx) | set(aborted))
    ax.set_xlim(-1, (xs[-1] if xs else 0) + 1)

    def why(a: int, b: int) -> str:
        span = range(a, b + 1)
        parts = [f"{max(visible[i] for i in span)} visible" if any(i in dup_out for i in span) else "",
                 f"side effect {max(effects[i] for i in span)}×" if any(i in dup_fx for i in span) else "",
                 "aborted output" if any(i in aborted for i in span) else ""]
        return ": " + ", ".join(p for p in parts if p)

    rows = label_runs(ax, keys, xs, marked, top, why)
    count_axis(ax, top, rows)
    offset_ticks(ax, keys, xs)
    if keys:
        legend_outside(ax)
    text = (f"Of {plural(n, 'input')}, {len(dup_out)} produced more than one visible output record"
            f"{' (' + runs_text(keys, dup_out) + ')' if dup_out else ''}, {len(dup_fx)} had their side effect "
            f"outside Kafka repeated{' (' + runs_text(keys, dup_fx) + ')' if dup_fx else ''} and "
            f"{len(aborted)} {'has' if len(aborted) == 1 else 'have'} an output record no read_committed reader sees.")
    return finish(ax, "Outputs and side effects per input record", offset_xlabel(keys, "input "), "count", text)


def plot_processed(frame: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """How many times each record was processed, one row per application or policy, from ``processed_frame``.

    One cell per offset and row, its number the count: 0 (vermillion, never processed: lost),
    1 (light blue), 2 or more (orange, processed again: a duplicate). Up to 40 offsets every cell
    carries its number; beyond, the cells that are not 1 are drawn at least 1/100 of the axis wide
    and each run of them is labelled beside it ("offsets 20–27: processed 2×"). Rows follow the frame's order.
    """
    check_frame(frame, ["row", "topic", "partition", "offset", "processed"], "plot_processed")
    names = list(dict.fromkeys(frame["row"]))
    ax = new_axes(ax, size=(7.5, 1.1 + 0.42 * max(len(names), 1)))
    keys = sorted(dict.fromkeys((t, int(p), int(o)) for t, p, o in
                                zip(frame["topic"], frame["partition"], frame["offset"])))
    xs = positions(keys)
    where = {k: i for i, k in enumerate(keys)}
    n, small = len(keys), len(keys) <= 40
    grid = [[1] * n for _ in names]
    for r, t, p, o, c in zip(frame["row"], frame["topic"], frame["partition"], frame["offset"], frame["processed"]):
        grid[names.index(r)][where[(t, int(p), int(o))]] = int(c)
    for label, color, pick in (("0: never processed (lost)", palette.BAD, lambda c: c == 0),
                               ("1: processed once", palette.SKY_BLUE, lambda c: c == 1),
                               ("2+: processed again", palette.ORANGE, lambda c: c > 1)):
        half = 0.5 if small or label.startswith("1") else max(0.5, n / 200)
        verts = [[(xs[i] - half, y - 0.4), (xs[i] - half, y + 0.4), (xs[i] + half, y + 0.4), (xs[i] + half, y - 0.4)]
                 for y, row in enumerate(grid) for i, c in enumerate(row) if pick(c)]
        if verts or label.startswith("1"):
            ax.add_collection(PolyCollection(verts, facecolors=color, edgecolors="white" if small else "none",
                                             linewidths=0.5, label=label, zorder=1 if label.startswith("1") else 2))
    ax.set_xlim(-0.5, (xs[-1] if xs else 0) + 0.5)
    for y, row in enumerate(grid):
        if small:
            for i, c in enumerate(row):
                ax.text(xs[i], y, str(c), ha="center", va="center", fontsize="x-small" if n > 25 else "small",
                        color="white" if c == 0 else "black")
            continue
        right = -1e9
        lo, hi = ax.get_xlim()
        per_char = 7.5 * 0.62 / 72 * (hi - lo) / (ax.figure.get_figwidth() * ax.get_position().width)
        for a, b in runs([i for i, c in enumerate(row) if c != 1]):
            if any(row[i] != row[a] for i in range(a, b + 1)):
                b = next(i for i in range(a, b + 1) if row[i] != row[a]) - 1
            text = f"{run_label(keys, a, b)}: " + ("never processed" if row[a] == 0 else f"processed {row[a]}×")
            x = xs[b] + max(0.5, n / 200) + per_char
            if x <= right or x + len(text) * per_char > hi:
                x = xs[a] - max(0.5, n / 200) - per_char - len(text) * per_char
            if x <= right:
                continue
            ax.text(x, y, text, ha="left", va="center", fontsize="small", color=palette.BLACK)
            right = x + (len(text) + 1) * per_char
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.set_yticks(range(len(names)), names, fontsize="small")
    offset_ticks(ax, keys, xs)
    legend_outside(ax)
    lost = {r: sorted(int(o) for rr, o, c in zip(frame["row"], frame["offset"], frame["processed"])
                      if rr == r and c == 0) for r in names}
    twice = {r: sorted(int(o) for rr, o, c in zip(frame["row"], frame["offset"], frame["processed"])
                       if rr == r and c > 1) for r in names}
    parts = [f"{r}: lost {lost[r] or 'none'}, processed again {twice[r] or 'none'}" for r in names]
    return finish(ax, "Times each record was processed (0 = lost, 2 = processed twice)", offset_xlabel(keys),
                  "", "Per row: " + "; ".join(parts) + ".")


from .plots_groups import (  # noqa: E402
    plot_commits,
    plot_crash_timeline,
    plot_deliveries_by_group,
    plot_lag,
    plot_membership,
)
from .plots_log import plot_log, plot_retention_timeline  # noqa: E402

__all__ = ["plot_commits", "plot_crash_timeline", "plot_deliveries_by_group",
           "plot_duplicates", "plot_lag", "plot_log", "plot_membership", "plot_processed",
           "plot_redeliveries", "plot_retention_timeline", "summary"]
