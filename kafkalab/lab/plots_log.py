"""Partition-log plots: a retention timeline (segments, log start offset, committed offsets) and a
partition drawn as cells with its offset pointers.

Lab layer (matplotlib); the engine never imports it. Public names re-exported by ``plots``.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.patches import Rectangle

from . import palette
from .plots import check_frame, finish, new_axes


def plot_retention_timeline(frame: pd.DataFrame, *, ax: Axes | None = None, partition: int | None = None) -> Axes:
    """Segments of one partition as time x offset rectangles, the log start offset and committed offsets.

    From ``retention_frame``. A segment spans its offsets [base, end) from its creation until its
    deletion (grey once deleted is drawn up to the deletion, with an x at the deletion) or the end.
    The log start offset is a vermillion step line; each group's committed offset a step line.
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
    end_ms = int(frame["time_ms"].max()) if len(frame) else 0
    segs = part[part["kind"] == "segment"]
    for r in segs.itertuples():
        stop = end_ms if pd.isna(r.deleted_ms) else int(r.deleted_ms)
        gone = not pd.isna(r.deleted_ms)
        height = max(int(r.end_offset) - int(r.base_offset), 0.5)
        ax.add_patch(Rectangle((r.time_ms, r.base_offset), max(stop - r.time_ms, 1), height,
                               facecolor=palette.MUTED if gone else palette.SKY_BLUE, edgecolor=palette.BLUE,
                               alpha=0.6))
        if gone:
            ax.plot([stop], [r.base_offset + height / 2], marker="x", color=palette.BAD)
    starts = part[part["kind"] == "log_start_offset"]
    _steps(ax, starts, end_ms, palette.BAD, "log start offset")
    commits = part[part["kind"] == "committed_offset"]
    for i, (group, g) in enumerate(commits.groupby("group", sort=True)):
        _steps(ax, g, end_ms, palette.color(i + 1), f"committed ({group})")
    ax.autoscale_view()
    ax.legend(loc="upper left", fontsize="small")
    topic = frame["topic"].iloc[0] if len(frame) else "?"
    n_del = int(segs["deleted_ms"].notna().sum())
    lso = int(starts["offset"].iloc[-1]) if len(starts) else 0
    behind = [f"{g} committed {int(x.iloc[-1]['offset'])}" for g, x in commits.groupby("group", sort=True)
              if not pd.isna(x.iloc[-1]["offset"]) and int(x.iloc[-1]["offset"]) < lso]
    text = (f"{topic}-{partition}: {len(segs)} segments, {n_del} deleted; the log start offset ends at {lso}"
            f"{'; below it: ' + ', '.join(behind) if behind else ''}.")
    return finish(ax, f"Retention of {topic}-{partition}", "virtual time (ms)", "offset", text)


def _steps(ax: Axes, rows: pd.DataFrame, end_ms: int, color: str, label: str) -> None:
    rows = rows[rows["offset"].notna()]
    if not len(rows):
        return
    x = [*rows["time_ms"].astype(int), end_ms]
    y = list(rows["offset"].astype(int))
    ax.step(x, y + y[-1:], where="post", color=color, linewidth=2, label=label)


_CELL_COLORS = {"committed": palette.OK, "open": palette.WARN, "aborted": palette.MUTED, "marker": palette.MARKER}


def plot_log(frame: pd.DataFrame, *, ax: Axes | None = None, max_cells: int = 200) -> Axes:
    """One partition as a row of cells, one per offset, from ``log_frame``; pointers below and above.

    Records are blue (committed or non-transactional), orange (open transaction: held back from
    read_committed readers), grey hatched (aborted); transaction markers green with "C"/"A". Below
    the row: log start offset, LSO, HW, LEO; above: each group's committed offset (the next offset
    it will read). Only the last ``max_cells`` offsets are drawn.

    Kafka: ``docs/implementation.html`` §5.3; KafkaConsumer javadoc "Reading Transactional Messages".
    """
    check_frame(frame, ["offset", "kind", "control", "state"], "plot_log")
    if isinstance(max_cells, bool) or not isinstance(max_cells, int) or max_cells < 1:
        raise ValueError(f"plot_log: max_cells={max_cells!r} must be a positive int")
    ax = new_axes(ax)
    a = frame.attrs
    shown = frame.tail(max_cells)
    # one PolyCollection per cell state (a Rectangle per cell cost ~1 ms each to draw)
    cells: dict[str, list] = {}
    for r in shown.itertuples():
        cells.setdefault(r.state, []).append([(r.offset, 0), (r.offset, 1), (r.offset + 1, 1), (r.offset + 1, 0)])
    for state, verts in cells.items():
        ax.add_collection(PolyCollection(verts, facecolors=_CELL_COLORS.get(state, palette.OK), edgecolors="white",
                                         hatch="//" if state == "aborted" else None, label=state))
    for r in shown[shown["kind"] == "control"].itertuples():
        ax.text(r.offset + 0.5, 0.5, "C" if r.control == "COMMIT" else "A", ha="center", va="center",
                color="white", fontsize="small", fontweight="bold")
    below = [("log start", a.get("log_start_offset")), ("LSO", a.get("last_stable_offset")),
             ("HW", a.get("high_watermark")), ("LEO", a.get("log_end_offset"))]
    _pointers(ax, below, -0.15, -1)
    _pointers(ax, [(f"committed ({g})", o) for g, o in (a.get("committed") or {}).items()], 1.15, 1)
    lo = int(shown["offset"].min()) if len(shown) else int(a.get("log_start_offset") or 0)
    hi = max(int(shown["offset"].max()) + 1 if len(shown) else lo, int(a.get("log_end_offset") or 0))
    ax.set_xlim(lo - 0.5, hi + 1.5)
    ax.set_ylim(-2.2, 3.2)
    ax.set_yticks([])
    name = f"{a.get('topic', '?')}-{a.get('partition', '?')}"
    n_rec = int((frame["kind"] == "record").sum())
    n_mark = int((frame["kind"] == "control").sum())
    n_ab = int((frame["state"] == "aborted").sum())
    n_open = int((frame["state"] == "open").sum())
    committed = ", ".join(f"{g} committed {o}" for g, o in (a.get("committed") or {}).items())
    text = (f"{name} holds {n_rec} records and {n_mark} transaction markers ({n_ab} aborted, {n_open} in an open "
            f"transaction); log start {a.get('log_start_offset')}, LSO {a.get('last_stable_offset')}, "
            f"HW {a.get('high_watermark')}, LEO {a.get('log_end_offset')}{'; ' + committed if committed else ''}.")
    return finish(ax, f"Partition {name}", "offset", "", text)


def _pointers(ax: Axes, marks: list, y: float, direction: int) -> None:
    """Arrows pointing at offset boundaries; labels at the same offset share one arrow, one line each."""
    at: dict[int, list[str]] = {}
    for label, offset in marks:
        if offset is not None:
            at.setdefault(offset, []).append(label)
    for offset, labels in at.items():
        ax.annotate("\n".join(labels), xy=(offset, 0 if direction < 0 else 1), xytext=(offset, y + direction * 0.5),
                    ha="center", va="top" if direction < 0 else "bottom", fontsize="small",
                    arrowprops={"arrowstyle": "->", "color": palette.BLACK})
