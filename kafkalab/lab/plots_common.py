"""What every kafkalab plot shares: the alt-text summary, a new figure or the caller's Axes, the frame
check, titles and labels, the legend outside the data, plurals, and the offset axis of the count plots.

The plot modules (``plots``, ``plots_groups``, ``plots_log``, ``plots_handover``) import from here and
not from each other, except ``plot_membership(by="partition")``, which is ``plots_handover``'s view.
Lab layer (matplotlib, pandas); the engine never imports it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from matplotlib.axes import Axes
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


def legend_outside(ax: Axes, **kwargs: Any) -> None:
    """The legend right of the data area (figcheck: legends never sit on the data)."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0, fontsize="small", **kwargs)


# -- the offset axis of the count plots: one bar per offset, partitions side by side -------------------
def positions(keys: list[tuple]) -> list[float]:
    """x of each (topic, partition, offset): one unit per offset, and a gap before each next partition."""
    gap = max(1.0, len(keys) / 60)
    xs: list[float] = []
    for i, k in enumerate(keys):
        xs.append(0.0 if i == 0 else xs[-1] + 1 + (gap if keys[i - 1][:2] != k[:2] else 0))
    return xs


def bar(x: float, h: float, width: float) -> list[tuple[float, float]]:
    return [(x - width / 2, 0), (x - width / 2, h), (x + width / 2, h), (x + width / 2, 0)]


def runs(indices: list[int]) -> list[tuple[int, int]]:
    """Consecutive indices as (first, last) runs."""
    out: list[tuple[int, int]] = []
    for x in sorted(indices):
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


def run_label(keys: list[tuple], a: int, b: int) -> str:
    """``"offset 13"`` or ``"offsets 12–13"`` for the run ``keys[a..b]``."""
    return f"{'offset' if a == b else 'offsets'} {_run_name(keys, a, b)}"


def runs_text(keys: list[tuple], indices: list[int]) -> str:
    """``"offsets 12–13, orders-1@4"``: the offsets at ``indices`` of ``keys``, in runs."""
    return ("offset " if len(indices) == 1 else "offsets ") + ", ".join(
        _run_name(keys, a, b) for a, b in runs(indices))


def label_runs(ax: Axes, keys: list[tuple], xs: list[float], indices: list[int], top: int, suffix: Any) -> int:
    """Label each run of ``indices`` with its offsets above the bars; return the rows of labels used.

    Labels that would collide go one row higher (at most 3 rows); a run with no room is left unlabelled
    (the summary still lists it). Widths are estimated from the axes' size in inches.
    """
    found = runs(indices)
    if not found:
        return 0
    lo, hi = ax.get_xlim()
    axis_in = ax.figure.get_figwidth() * ax.get_position().width
    per_char = 7.5 * 0.62 / 72 * (hi - lo) / axis_in          # one character of 'small' text, in x data units
    ends: list[float] = []
    for a, b in found:
        text = run_label(keys, a, b) + suffix(a, b)
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


def count_axis(ax: Axes, top: int, label_rows: int) -> None:
    ax.set_ylim(0, top + 0.5 + 0.42 * label_rows)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))


def offset_ticks(ax: Axes, keys: list[tuple], xs: list[float], max_ticks: int = 10) -> None:
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


def offset_xlabel(keys: list[tuple], what: str = "") -> str:
    parts = sorted({k[:2] for k in keys})
    if len(parts) == 1:
        return f"{what}offset in {parts[0][0]}-{parts[0][1]}"
    return f"{what}partition @ offset"
