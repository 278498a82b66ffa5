"""matplotlib plots of the lab frames: redeliveries, duplicates, records processed per offset, and
(``plots_log``, ``plots_groups``) lag, retention timelines, partition logs and membership Gantt charts.

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
from matplotlib.ticker import MaxNLocator

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


def plural(n: int, word: str, many: str | None = None) -> str:
    """``"1 rebalance"``, ``"2 rebalances"``, ``"0 crashes"`` (``many``: the plural when it is not ``word + "s"``)."""
    return f"{n} {word}" if n == 1 else f"{n} {many or word + 's'}"


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
    n, xs = len(counts), _positions(keys)
    wide = max(0.8, n / 100)
    for label, color, pick, width in (("delivered once", palette.OK, lambda c: c == 1, 1.0 if n > 60 else 0.8),
                                      ("redelivered", palette.BAD, lambda c: c > 1, wide)):
        verts = [_bar(x, h, width) for x, h in zip(xs, counts) if pick(h)]
        ax.add_collection(PolyCollection(verts, facecolors=color, edgecolors="none", label=label,
                                         zorder=2 if label == "redelivered" else 1))
    top = max([1, *counts])
    again = [i for i, c in enumerate(counts) if c > 1]
    ax.set_xlim(-1, (xs[-1] if xs else 0) + 1)
    rows = _label_runs(ax, keys, xs, again, top, lambda a, b: f": {max(counts[a:b + 1])}×")
    _count_axis(ax, top, rows)
    _offset_ticks(ax, keys, xs)
    _legend_outside(ax)
    most = max(counts) if counts else 0
    text = (f"{len(again)} of {plural(n, 'delivered offset')} {'was' if len(again) == 1 else 'were'} delivered "
            "more than once"
            f"{f' (at most {most} times): ' + _runs_text(keys, again) if again else ''}.")
    return finish(ax, "Deliveries per offset (2 or more = redelivered)", _offset_xlabel(keys), "deliveries", text)


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
    n, xs = len(keys), _positions(keys)
    wide, narrow = (1.0 if n > 60 else 0.8), (0.6 if n > 60 else 0.45)
    for heights, width, label, color in (
            (written, wide, "output records in the log (all)", palette.MUTED),
            ([v if v <= 1 else 0 for v in visible], narrow, "visible to read_committed", palette.OK),
            ([v if v > 1 else 0 for v in visible], max(narrow, n / 100), "visible more than once", palette.BAD)):
        verts = [_bar(x, h, width) for x, h in zip(xs, heights) if h]
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

    rows = _label_runs(ax, keys, xs, marked, top, why)
    _count_axis(ax, top, rows)
    _offset_ticks(ax, keys, xs)
    if keys:
        _legend_outside(ax)
    text = (f"Of {plural(n, 'input')}, {len(dup_out)} produced more than one visible output record"
            f"{' (' + _runs_text(keys, dup_out) + ')' if dup_out else ''}, {len(dup_fx)} had their side effect "
            f"outside Kafka repeated{' (' + _runs_text(keys, dup_fx) + ')' if dup_fx else ''} and "
            f"{len(aborted)} {'has' if len(aborted) == 1 else 'have'} an output record no read_committed reader sees.")
    return finish(ax, "Outputs and side effects per input record", _offset_xlabel(keys, "input "), "count", text)


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
    xs = _positions(keys)
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
        for a, b in _runs([i for i, c in enumerate(row) if c != 1]):
            if any(row[i] != row[a] for i in range(a, b + 1)):
                b = next(i for i in range(a, b + 1) if row[i] != row[a]) - 1
            text = f"{_run_label(keys, a, b)}: " + ("never processed" if row[a] == 0 else f"processed {row[a]}×")
            x = xs[b] + max(0.5, n / 200) + per_char
            if x <= right or x + len(text) * per_char > hi:
                x = xs[a] - max(0.5, n / 200) - per_char - len(text) * per_char
            if x <= right:
                continue
            ax.text(x, y, text, ha="left", va="center", fontsize="small", color=palette.BLACK)
            right = x + (len(text) + 1) * per_char
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.set_yticks(range(len(names)), names, fontsize="small")
    _offset_ticks(ax, keys, xs)
    _legend_outside(ax)
    lost = {r: sorted(int(o) for rr, o, c in zip(frame["row"], frame["offset"], frame["processed"])
                      if rr == r and c == 0) for r in names}
    twice = {r: sorted(int(o) for rr, o, c in zip(frame["row"], frame["offset"], frame["processed"])
                       if rr == r and c > 1) for r in names}
    parts = [f"{r}: lost {lost[r] or 'none'}, processed again {twice[r] or 'none'}" for r in names]
    return finish(ax, "Times each record was processed (0 = lost, 2 = processed twice)", _offset_xlabel(keys),
                  "", "Per row: " + "; ".join(parts) + ".")


# -- helpers of the count plots ---------------------------------------------------------------------
def _positions(keys: list[tuple]) -> list[float]:
    """x of each (topic, partition, offset): one unit per offset, and a gap before each next partition."""
    gap = max(1.0, len(keys) / 60)
    xs: list[float] = []
    for i, k in enumerate(keys):
        xs.append(0.0 if i == 0 else xs[-1] + 1 + (gap if keys[i - 1][:2] != k[:2] else 0))
    return xs


def _bar(x: float, h: float, width: float) -> list[tuple[float, float]]:
    return [(x - width / 2, 0), (x - width / 2, h), (x + width / 2, h), (x + width / 2, 0)]


def _runs(positions: list[int]) -> list[tuple[int, int]]:
    """Consecutive positions as (first, last) runs."""
    out: list[tuple[int, int]] = []
    for x in sorted(positions):
        if out and x == out[-1][1] + 1:
            out[-1] = (out[-1][0], x)
        else:
            out.append((x, x))
    return out


def _run_name(keys: list[tuple], a: int, b: int) -> str:
    multi = len({k[:2] for k in keys}) > 1
    prefix = f"{keys[a][0]}-{keys[a][1]}@" if multi else ""
    if a == b or keys[a][:2] != keys[b][:2]:
        return f"{prefix}{keys[a][2]}"
    return f"{prefix}{keys[a][2]}–{keys[b][2]}"


def _run_label(keys: list[tuple], a: int, b: int) -> str:
    return f"{'offset' if a == b else 'offsets'} {_run_name(keys, a, b)}"


def _runs_text(keys: list[tuple], positions: list[int]) -> str:
    return ("offset " if len(positions) == 1 else "offsets ") + ", ".join(
        _run_name(keys, a, b) for a, b in _runs(positions))


def _label_runs(ax: Axes, keys: list[tuple], xs: list[float], positions: list[int], top: int, suffix: Any) -> int:
    """Label each run of ``positions`` with its offsets above the bars; return the rows of labels used.

    Labels that would collide go one row higher (at most 3 rows); a run with no room is left unlabelled
    (the summary still lists it). Widths are estimated from the axes' size in inches.
    """
    runs = _runs(positions)
    if not runs:
        return 0
    lo, hi = ax.get_xlim()
    axis_in = ax.figure.get_figwidth() * ax.get_position().width
    per_char = 7.5 * 0.62 / 72 * (hi - lo) / axis_in          # one character of 'small' text, in x data units
    ends: list[float] = []
    for a, b in runs:
        text = _run_label(keys, a, b) + suffix(a, b)
        centre, half = (xs[a] + xs[b]) / 2, (len(text) + 1) * per_char / 2
        centre = min(max(centre, lo + half), hi - half)        # inside the axes
        row = next((r for r, end in enumerate(ends) if centre - half > end), len(ends))
        if row >= 3:
            continue
        if row == len(ends):
            ends.append(centre + half)
        ends[row] = centre + half
        ax.text(centre, top + 0.12 + 0.42 * row, text, ha="center", va="bottom", fontsize="small",
                color=palette.BLACK, clip_on=False)
    return len(ends)


def _count_axis(ax: Axes, top: int, label_rows: int) -> None:
    ax.set_ylim(0, top + 0.5 + 0.42 * label_rows)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))


def _offset_ticks(ax: Axes, keys: list[tuple], xs: list[float], max_ticks: int = 10) -> None:
    """Ticks at each partition's first offset (named when there are several partitions), then round offsets."""
    n = len(keys)
    step = next(s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10**9) if n / s <= max_ticks)
    multi = len({k[:2] for k in keys}) > 1
    ticks: list[float] = []
    labels: list[str] = []
    for i, (t, p, o) in enumerate(keys):
        first = i == 0 or keys[i - 1][:2] != (t, p)
        if not first and o % step:
            continue
        if ticks and xs[i] - ticks[-1] < step * (0.9 if multi else 0.6):
            if not first:
                continue
            ticks.pop()
            labels.pop()
        ticks.append(xs[i])
        labels.append(f"{t}-{p}\n@{o}" if first and multi else str(o))
    ax.set_xticks(ticks, labels, fontsize="small")


def _offset_xlabel(keys: list[tuple], what: str = "") -> str:
    parts = sorted({k[:2] for k in keys})
    if len(parts) == 1:
        return f"{what}offset in {parts[0][0]}-{parts[0][1]}"
    return f"{what}partition @ offset"


def _legend_outside(ax: Axes) -> None:
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0, fontsize="small")


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
