"""Partition-log plots: a retention timeline (segments, log start offset, committed offsets) and a
partition drawn as cells with its offset pointers.

Both follow the figure contract of ``figcheck``: a time axis reaches the experiment's end
(``frame.attrs["end_ms"]``, stored as ``ax.kafkalab_x_end``), every kind of mark has a legend entry
(legends sit outside the data, at the right) and no two labels overlap.

Lab layer (matplotlib); the engine never imports it. Public names re-exported by ``plots``.
"""

from __future__ import annotations

import math

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.ticker import FuncFormatter, MaxNLocator

from . import palette
from .plots_common import check_frame, finish, legend_outside, new_axes, plural


def _seconds(value: float, _pos: object = None) -> str:
    return f"{value / 1000:g}"


def _end_ms(frame: pd.DataFrame) -> int:
    """The experiment's end: ``frame.attrs["end_ms"]``, else the latest time in the frame."""
    end = frame.attrs.get("end_ms")
    if isinstance(end, int) and not isinstance(end, bool):
        return end
    times = [int(frame["time_ms"].max())] if len(frame) else [0]
    if "deleted_ms" in frame.columns and frame["deleted_ms"].notna().any():
        times.append(int(frame["deleted_ms"].max()))
    return max(times)


def plot_retention_timeline(frame: pd.DataFrame, *, ax: Axes | None = None, partition: int | None = None) -> Axes:
    """Segments of one partition as time x offset rectangles, the log start offset and committed offsets.

    From ``retention_frame``. A segment spans its offsets [base, end) from its creation until its
    deletion (grey, with an x at the deletion) or, still in the log (blue), until the experiment's
    end (``frame.attrs["end_ms"]``, where the x axis ends too). The log start offset is a vermillion
    step line; each group's committed offset a step line (it stops where the offsets expired). The
    title gives the count of deleted segments and the time of the first deletion; x in seconds.
    ``partition``: default the one with the most deleted segments (lowest on ties).

    Kafka: ``retention.ms``, ``retention.bytes``, ``segment.bytes``; deletion ignores consumers.
    """
    check_frame(frame, ["kind", "partition", "time_ms", "base_offset", "end_offset", "deleted_ms", "offset",
                        "group"], "plot_retention_timeline")
    ax = new_axes(ax)
    segs_all = frame[frame["kind"] == "segment"]
    if partition is None:
        deleted = segs_all[segs_all["deleted_ms"].notna()].groupby("partition").size()
        partition = int(deleted.idxmax()) if len(deleted) else int(frame["partition"].min() if len(frame) else 0)
    part = frame[frame["partition"] == partition]
    end_ms = _end_ms(frame)
    segs = part[part["kind"] == "segment"]
    live: list = []
    empty: list = []
    gone: list = []
    cross_x: list[int] = []
    cross_y: list[float] = []
    top = 1.0
    highest = max([int(o) for o in segs["end_offset"].dropna()] + [1])
    for r in segs.itertuples():
        is_gone = not pd.isna(r.deleted_ms)
        stop = int(r.deleted_ms) if is_gone else end_ms
        base = int(r.base_offset)
        holds = int(r.end_offset) > base
        upper = int(r.end_offset) if holds else base + max(highest * 0.02, 0.5)   # an empty segment: a thin band
        t0 = int(r.time_ms)
        stop = max(stop, t0 + 1)
        (gone if is_gone else live if holds else empty).append([(t0, base), (t0, upper), (stop, upper), (stop, base)])
        top = max(top, upper)
        if is_gone:
            cross_x.append(stop)
            cross_y.append((base + upper) / 2)
    if live:
        ax.add_collection(PolyCollection(live, facecolors=palette.SKY_BLUE, edgecolors=palette.BLUE, alpha=0.6,
                                         label="segment still in the log"))
    if empty:
        ax.add_collection(PolyCollection(empty, facecolors="white", edgecolors=palette.BLUE, linestyles="--",
                                         label="segment still in the log, empty"))
    if gone:
        ax.add_collection(PolyCollection(gone, facecolors=palette.MUTED, edgecolors=palette.BLUE, alpha=0.6,
                                         label="segment, deleted"))
        ax.plot(cross_x, cross_y, linestyle="none", marker="x", markersize=7, color=palette.BLACK,
                label="deletion of a whole segment")
    starts = part[part["kind"] == "log_start_offset"]
    top = max(top, _steps(ax, starts, end_ms, palette.BAD, "log start offset"))
    commits = part[part["kind"] == "committed_offset"]
    for i, (group, g) in enumerate(commits.groupby("group", sort=True)):
        top = max(top, _steps(ax, g, end_ms, palette.color(i + 1), f"committed offset, group {group}"))
    ax.set_xlim(0, max(end_ms * 1.015, 1))
    ax.set_ylim(-top * 0.03, top * 1.05 + 1)       # below 0: a log start offset at 0 stays visible
    ax.kafkalab_x_end = end_ms  # type: ignore[attr-defined]
    ax.xaxis.set_major_formatter(FuncFormatter(_seconds))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if ax.get_legend_handles_labels()[0]:
        legend_outside(ax)
    topic = frame["topic"].iloc[0] if len(frame) else frame.attrs.get("topic", "?")
    n_del = len(gone)
    lso = int(starts["offset"].iloc[-1]) if len(starts) else 0
    behind = [f"{g} committed {int(x.iloc[-1]['offset'])}" for g, x in commits.groupby("group", sort=True)
              if not pd.isna(x.iloc[-1]["offset"]) and int(x.iloc[-1]["offset"]) < lso]
    first = f", the first at {min(cross_x) / 1000:g} s" if cross_x else ""
    title = (f"Retention of {topic}-{partition}: {n_del} of {plural(len(segs), 'segment')} deleted{first}" if n_del
             else f"Retention of {topic}-{partition}: no segment deleted")
    text = (f"{topic}-{partition}: {plural(len(segs), 'segment')}, {n_del} deleted{first}; the log start offset ends "
            f"at {lso}"
            f"{'; below it: ' + ', '.join(behind) if behind else ''}; the experiment ends at {end_ms / 1000:g} s.")
    return finish(ax, title, "virtual time (s)", "offset", text)


def _steps(ax: Axes, rows: pd.DataFrame, end_ms: int, color: str, label: str) -> float:
    """A step line of ``offset`` over time, held to ``end_ms``; NA (expired) breaks it. Returns its top."""
    if not len(rows) or not rows["offset"].notna().any():
        return 0.0
    x = [*rows["time_ms"].astype(int), end_ms]
    y = [float("nan") if pd.isna(o) else int(o) for o in rows["offset"]]
    ax.step(x, y + y[-1:], where="post", color=color, linewidth=2, label=label)
    return max(v for v in y if not math.isnan(v))


# cell state -> (colour, hatch, legend text)
_CELLS = {"committed": (palette.OK, None, "record (not transactional, or committed)"),
          "open": (palette.WARN, None, "record of an open transaction"),
          "aborted": (palette.MUTED, "//", "record of an aborted transaction"),
          "marker": (palette.MARKER, None, "transaction marker")}
_SMALL_PT = 8.33       # matplotlib's "small" at the default 10 pt font
_LETTER_PT = 6.94      # "x-small", the C/A letters
_LEVEL = 0.5           # data units between two rows of pointer labels


def plot_log(frame: pd.DataFrame, *, ax: Axes | None = None, max_cells: int = 200) -> Axes:
    """One partition as a row of cells, one per offset, from ``log_frame``; pointers below and above.

    Records are blue (committed or non-transactional), orange (open transaction: held back from
    read_committed readers), grey hatched (aborted: they stay in the log); transaction markers green,
    with "C"/"A" when the cells are wide enough. Below the row: log start offset, LSO, HW and LEO
    with their values (pointers at one offset share one label, "LSO = HW = LEO 62"); above: each
    group's committed offset (the next offset it will read). Labels of nearby pointers go on
    separate rows, so they never overlap. Only the last ``max_cells`` offsets are drawn.

    Kafka: ``docs/implementation.html`` §5.3; KafkaConsumer javadoc "Reading Transactional Messages".
    """
    check_frame(frame, ["offset", "kind", "control", "state"], "plot_log")
    if isinstance(max_cells, bool) or not isinstance(max_cells, int) or max_cells < 1:
        raise ValueError(f"plot_log: max_cells={max_cells!r} must be a positive int")
    ax = new_axes(ax)
    a = frame.attrs
    shown = frame.tail(max_cells)
    lo = int(shown["offset"].min()) if len(shown) else int(a.get("log_start_offset") or 0)
    hi = max(int(shown["offset"].max()) + 1 if len(shown) else lo, int(a.get("log_end_offset") or 0))
    ax.set_xlim(lo - 0.5, hi + 1.5)
    # points per offset, a little pessimistic: a panel narrows the axes to make room for the legend
    fig_w_pt = ax.figure.get_figwidth() * 72
    pt_per_offset = ax.get_position().width * fig_w_pt * 0.8 / max(hi - lo + 2, 1)
    letters = pt_per_offset >= 5.0      # a bold x-small "C" is about 5 pt wide
    # one PolyCollection per cell state (a Rectangle per cell cost ~1 ms each to draw)
    cells: dict[str, list] = {}
    for r in shown.itertuples():
        cells.setdefault(r.state, []).append([(r.offset, 0), (r.offset, 1), (r.offset + 1, 1), (r.offset + 1, 0)])
    for state in [*_CELLS, *(s for s in cells if s not in _CELLS)]:
        if state not in cells:
            continue
        color, hatch, label = _CELLS.get(state, (palette.OK, None, state))
        if state == "marker" and letters:
            label = "transaction marker (C commit, A abort)"
        elif state == "committed" and not shown["transactional"].any():
            label = "record"
        ax.add_collection(PolyCollection(cells[state], facecolors=color, edgecolors="white", hatch=hatch,
                                         label=label))
    if letters:
        for r in shown[shown["kind"] == "control"].itertuples():
            ax.text(r.offset + 0.5, 0.5, "C" if r.control == "COMMIT" else "A", ha="center", va="center",
                    color="white", fontsize=_LETTER_PT, fontweight="bold")
    below = [("log start", a.get("log_start_offset")), ("LSO", a.get("last_stable_offset")),
             ("HW", a.get("high_watermark")), ("LEO", a.get("log_end_offset"))]
    by_offset: dict[int, list[str]] = {}
    for group, offset in (a.get("committed") or {}).items():
        by_offset.setdefault(offset, []).append(group)
    above = [(f"{' and '.join(f'group {g}' for g in groups)}: committed", offset)   # "group a and group b"
             for offset, groups in by_offset.items()]
    n_below = _pointers(ax, below, -1, pt_per_offset, lo - 0.5, hi + 1.5)
    n_above = _pointers(ax, above, 1, pt_per_offset, lo - 0.5, hi + 1.5)
    ax.set_ylim(-0.9 - _LEVEL * max(n_below, 1), 1.9 + _LEVEL * max(n_above, 1))
    ax.set_yticks([])
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if ax.get_legend_handles_labels()[0]:
        legend_outside(ax)
    name = f"{a.get('topic', '?')}-{a.get('partition', '?')}"
    n_rec = int((frame["kind"] == "record").sum())
    n_mark = int((frame["kind"] == "control").sum())
    n_ab = int((frame["state"] == "aborted").sum())
    n_open = int((frame["state"] == "open").sum())
    committed = ", ".join(f"{g} {o}" for g, o in (a.get("committed") or {}).items())
    states = [f"{n} {what}" for n, what in ((n_ab, "aborted"), (n_open, "in an open transaction")) if n]
    markers = plural(n_mark, "transaction marker") if n_mark else "no transaction marker"
    text = (f"{name} holds {plural(n_rec, 'record')}{' (' + ', '.join(states) + ')' if states else ''} and "
            f"{markers}; log start {a.get('log_start_offset')}, LSO {a.get('last_stable_offset')}, "
            f"HW {a.get('high_watermark')}, LEO {a.get('log_end_offset')}"
            f"{'; committed offsets (group, offset): ' + committed if committed else ''}.")
    parts = [plural(n_rec, "record")]
    if n_mark:
        parts.append(plural(n_mark, "marker"))
    states = [f"{n} {what}" for n, what in ((n_ab, "aborted"), (n_open, "open")) if n]
    title = (f"Partition {name}: {', '.join(parts)}{' (' + ', '.join(states) + ')' if states else ''}"
             f"{f', last {max_cells} shown' if len(frame) > max_cells else ''}")
    return finish(ax, title, "offset   (LSO last stable offset, HW high watermark, LEO log end offset)", "", text)


def _pointers(ax: Axes, marks: list, direction: int, pt_per_offset: float, left: float, right: float) -> int:
    """Vertical arrows at offset boundaries, below (``direction`` -1) or above (+1) the row of cells.

    Pointers at one offset share a label ("LSO = HW = LEO 62"). A label goes on the first row (out
    from the cells) where it touches neither a label nor the arrow of another pointer, and its own
    arrow crosses no label of the rows it passes. The arrow is drawn apart from the label's text, so
    each text's box is just its text. Returns the number of rows used.
    """
    at: dict[int, list[str]] = {}
    for label, offset in marks:
        if offset is not None:
            at.setdefault(int(offset), []).append(label)
    gap = 4 / max(pt_per_offset, 1e-6)            # 4 pt between labels, in offset units
    blocked: list[float] = []                       # per row: the rightmost label end or arrow so far
    for offset, labels in sorted(at.items()):
        text = f"{' = '.join(labels)} {offset}"
        width = (len(text) * 0.6 * _SMALL_PT + 4) / max(pt_per_offset, 1e-6)
        ha, x_text, x0, x1 = "center", offset, offset - width / 2, offset + width / 2
        if offset - left < width / 2:
            ha, x_text = "left", offset - 0.2
            x0, x1 = x_text, x_text + width
        elif right - offset < width / 2:
            ha, x_text = "right", offset + 0.2
            x0, x1 = x_text - width, x_text
        row = 0
        while row < len(blocked) and (blocked[row] + gap > x0 or any(b + gap > offset for b in blocked[:row])):
            row += 1
        if row == len(blocked):
            blocked.append(float("-inf"))
        blocked[row] = x1
        for k in range(row):
            blocked[k] = max(blocked[k], offset)
        y = -0.45 - _LEVEL * row if direction < 0 else 1.45 + _LEVEL * row
        ax.text(x_text, y, text, ha=ha, va="top" if direction < 0 else "bottom", fontsize="small")
        ax.annotate("", xy=(offset, 0 if direction < 0 else 1), xytext=(offset, y - direction * 0.06),
                    arrowprops={"arrowstyle": "->", "color": palette.BLACK, "shrinkA": 0, "shrinkB": 0})
    return len(blocked)
