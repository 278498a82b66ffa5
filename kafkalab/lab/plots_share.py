"""Share groups (KIP-932) as figures: each record's state over time, and the delivery count per record.

Owns ``plot_share_states`` (from ``frames_share.share_states_frame``: one lane per record, bars for
Acquired by whom, Available, Acknowledged, Archived; crashes and lock expiries marked and the first of each
annotated with its time) and ``plot_delivery_counts`` (from ``share_deliveries_frame``). Lab layer
(matplotlib); the engine never imports it.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.ticker import FuncFormatter

from . import palette
from .frames_share import ACKNOWLEDGED, ACQUIRED, ARCHIVED, AVAILABLE, DELIVERY_COLUMNS, STATE_COLUMNS
from .plots_common import (
    bar,
    check_frame,
    count_axis,
    finish,
    legend_outside,
    new_axes,
    offset_ticks,
    offset_xlabel,
    plural,
    positions,
    run_label,
    runs_text,
)

#: consumer colours: the palette without the colours the states and marks use
_CONSUMERS = (palette.BLUE, palette.ORANGE, palette.REDDISH_PURPLE, palette.SKY_BLUE, palette.YELLOW, palette.BLACK)
_HALF = {ACQUIRED: 0.32, AVAILABLE: 0.07, ACKNOWLEDGED: 0.14, ARCHIVED: 0.22}
STATE_LABELS = {AVAILABLE: "Available (waiting for a consumer)", ACKNOWLEDGED: "Acknowledged (accepted)",
                ARCHIVED: "Archived (never delivered again)"}
CRASH_LABEL = "crash: records released at once"
_RELEASE_WITHIN_MS = 1_000   # a crashed holder's record released this soon after the crash counts as released by it
EXPIRY_LABEL = "acquisition lock expired"
HANG_LABEL = "hang: process alive, stuck in processing"


def _colors(frame: pd.DataFrame) -> dict[str, str]:
    names = list(frame.attrs.get("clients") or [])
    names += [c for c in frame.loc[frame["state"] == ACQUIRED, "client_id"] if c not in names]
    return {c: _CONSUMERS[i % len(_CONSUMERS)] for i, c in enumerate(names)}


def _lanes(frame: pd.DataFrame) -> tuple[list[tuple], dict[tuple, int], list[str]]:
    keys = sorted({(t, int(p), int(o)) for t, p, o in zip(frame["topic"], frame["partition"], frame["offset"])})
    multi = len({k[:2] for k in keys}) > 1
    lane = {k: len(keys) - 1 - i for i, k in enumerate(keys)}             # first record on top
    names = [f"{t}-{p}@{o}" if multi else f"offset {o}" for t, p, o in reversed(keys)]
    return keys, lane, names


def plot_share_states(frame: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Each record's state over time in a share group, from ``share_states_frame``: one lane per record.

    A wide bar is the record Acquired, coloured by the consumer holding it (the legend names them); its
    delivery count is written in it from the second delivery on ("2nd"). A thin grey bar is Available, a
    green one Acknowledged, a hatched vermillion one Archived. A vermillion cross marks a record released
    because its holder crashed (the crash is annotated with its time), a black plus a record whose holder hangs
    (a scenario's ``hang`` action), a black triangle an expired acquisition lock (the first is annotated with
    the lock's length). The time axis covers the whole run.

    Kafka: share-partition record states and acquisition locks (KIP-932,
    ``group.share.record.lock.duration.ms``, 30 s by default); a crash closes the connections and the broker
    releases the crashed member's records at once (Kafka 4.1+, KAFKA-19015).
    """
    check_frame(frame, STATE_COLUMNS, "plot_share_states")
    keys, lane, names = _lanes(frame)
    ax = new_axes(ax, size=(9.0, 1.6 + 0.32 * max(1, len(keys))))
    end_ms = max(int(frame.attrs.get("end_ms", 0)), int(frame["to_ms"].max()) if len(frame) else 0, 1)
    colors = _colors(frame)
    boxes: dict[str, list] = {}
    for r in frame.itertuples():
        y, half = lane[(r.topic, int(r.partition), int(r.offset))], _HALF[r.state]
        group = f"acquired by {r.client_id}" if r.state == ACQUIRED else r.state
        boxes.setdefault(group, []).append([(r.from_ms, y - half), (r.from_ms, y + half), (r.to_ms, y + half),
                                            (r.to_ms, y - half)])
        if r.state == ACQUIRED and r.delivery_count > 1 and (r.to_ms - r.from_ms) / end_ms > 0.035:
            ax.text((r.from_ms + r.to_ms) / 2, y, _ordinal(int(r.delivery_count)), ha="center", va="center",
                    fontsize="x-small", color="white" if colors.get(r.client_id) in (palette.BLUE, palette.BLACK)
                    else palette.BLACK)
    for client, color in colors.items():
        if f"acquired by {client}" in boxes:
            # a white edge: back-to-back deliveries to one consumer stay separate bars
            ax.add_collection(PolyCollection(boxes[f"acquired by {client}"], facecolors=color, edgecolors="white",
                                             linewidth=1.0, label=f"Acquired by {client}"))
    for state, color in ((AVAILABLE, palette.MUTED), (ACKNOWLEDGED, palette.BLUISH_GREEN)):
        if state in boxes:
            ax.add_collection(PolyCollection(boxes[state], facecolors=color, edgecolors="none",
                                             label=STATE_LABELS[state]))
    if ARCHIVED in boxes:
        ax.add_collection(PolyCollection(boxes[ARCHIVED], facecolors="white", edgecolors=palette.BAD, hatch="////",
                                         linewidth=0.6, label=STATE_LABELS[ARCHIVED]))
    notes = _marks(ax, frame, lane)
    ax.set_xlim(0, end_ms)
    ax.kafkalab_x_end = end_ms  # type: ignore[attr-defined]
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{x / 1000:g}"))
    ax.set_yticks(range(len(keys)), names, fontsize="small" if len(keys) > 12 else None)
    ax.set_ylim(-0.6, len(keys) - 0.4 + 0.75 * notes)
    legend_outside(ax)
    group = frame.attrs.get("group", "the group")
    final = frame.groupby(["topic", "partition", "offset"]).tail(1)["state"].value_counts()
    redelivered = int((frame[frame["state"] == ACQUIRED].groupby(["topic", "partition", "offset"])
                       ["delivery_count"].max() > 1).sum())
    text = (f"Record states in share group {group}: {plural(len(keys), 'record')}, "
            f"{plural(len(colors), 'consumer')}; at the end {int(final.get(ACKNOWLEDGED, 0))} acknowledged, "
            f"{int(final.get(ARCHIVED, 0))} archived, {int(final.get(ACQUIRED, 0))} acquired, "
            f"{int(final.get(AVAILABLE, 0))} available; {plural(redelivered, 'record')} delivered more than once"
            f"{'' if not frame.attrs.get('crashes') else '; crash marked'}"
            f"{'' if not frame.attrs.get('lock_expiries') else '; lock expiries marked'}.")
    return finish(ax, f"Each record's state over time (share group {group})", "virtual time (s)", "record", text)


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _marks(ax: Axes, frame: pd.DataFrame, lane: dict) -> int:
    """Crash crosses, hang marks and lock-expiry triangles on the records' lanes; annotate the first of each.
    The rows of annotation text used above the lanes (0-3)."""
    top = max(lane.values(), default=0)
    notes: list[tuple[float, float, str]] = []
    acquired = frame[frame["state"] == ACQUIRED]
    crossed: list[tuple[int, int]] = []
    for at_ms, client in frame.attrs.get("crashes", []):
        held = acquired[(acquired["client_id"] == client) & (acquired["from_ms"] <= at_ms)
                        & (acquired["to_ms"] >= at_ms) & (acquired["to_ms"] < at_ms + _RELEASE_WITHIN_MS)]
        pts = [(int(at_ms), lane[(r.topic, int(r.partition), int(r.offset))]) for r in held.itertuples()]
        if pts:
            crossed += pts
            notes.append((at_ms, max(y for _x, y in pts), f"{client} crashes at {at_ms / 1000:g} s: "
                                                           f"{plural(len(pts), 'record')} released at once"))
    if crossed:
        ax.plot([x for x, _ in crossed], [y for _, y in crossed], linestyle="none", marker="X", markersize=9,
                color=palette.BAD, markeredgecolor="white", label=CRASH_LABEL, zorder=4)
    paused: list[tuple[int, int]] = []
    for at_ms, client in frame.attrs.get("hangs", []):
        held = acquired[(acquired["client_id"] == client) & (acquired["from_ms"] <= at_ms)
                        & (acquired["to_ms"] > at_ms)]
        pts = [(int(at_ms), lane[(r.topic, int(r.partition), int(r.offset))]) for r in held.itertuples()]
        if pts:
            paused += pts
            notes.append((at_ms, max(y for _x, y in pts), f"{client} hangs at {at_ms / 1000:g} s: connections open, "
                                                           "nothing released"))
    if paused:
        ax.plot([x for x, _ in paused], [y for _, y in paused], linestyle="none", marker="P", markersize=9,
                color=palette.BLACK, markeredgecolor="white", label=HANG_LABEL, zorder=4)
    expired = frame.attrs.get("lock_expiries", [])
    if expired:
        xs = [int(e[0]) for e in expired]
        ys = [lane[(t, int(p), int(o))] for _at, t, p, o, _c in expired]
        ax.plot(xs, ys, linestyle="none", marker="v", markersize=7, color=palette.BLACK, label=EXPIRY_LABEL,
                zorder=4)
        at, t, p, o, client = expired[0]
        since = acquired[(acquired["topic"] == t) & (acquired["partition"] == p) & (acquired["offset"] == o)
                         & (acquired["to_ms"] == at)]
        held = f" {(at - int(since['from_ms'].iloc[0])) / 1000:g} s after {client or 'its holder'} acquired it" if len(
            since) else ""
        notes.append((at, lane[(t, int(p), int(o))], f"lock expired at {at / 1000:.1f} s,{held}"))
    end_ms = max(int(frame.attrs.get("end_ms", 0)), 1)
    for row, (x, y, text) in enumerate(sorted(notes)[:3]):
        right = x / end_ms > 0.55
        ax.annotate(text, xy=(x, y + 0.3), xytext=(x, top + 0.55 + 0.75 * row), ha="right" if right else "left",
                    va="bottom", fontsize="small", color=palette.BLACK,
                    arrowprops={"arrowstyle": "-|>", "color": palette.BLACK, "linewidth": 0.8})
    return min(len(notes), 3)


def plot_delivery_counts(frame: pd.DataFrame, *, ax: Axes | None = None, limit: int | None = 5) -> Axes:
    """One bar per record, its height the delivery count, coloured by how the record ended.

    From ``share_deliveries_frame``. Blue: acknowledged; vermillion: archived (rejected, or delivered
    ``limit`` times); orange: still acquired or available at the end. Every run of records delivered more
    than once is labelled with its offsets. A dashed line marks ``limit`` (None: no line). Integer ticks.

    Kafka: ``Message.delivery_count()`` and ``group.share.delivery.count.limit`` (5; KIP-932).
    """
    check_frame(frame, DELIVERY_COLUMNS, "plot_delivery_counts")
    ax = new_axes(ax)
    keys = [(t, int(p), int(o)) for t, p, o in zip(frame["topic"], frame["partition"], frame["offset"])]
    counts = [int(c) for c in frame["deliveries"]]
    xs = positions(keys)
    ends = list(frame["final_state"])
    groups = (("acknowledged", palette.OK, (ACKNOWLEDGED,)), ("archived", palette.BAD, (ARCHIVED,)),
              ("still in flight (acquired or available)", palette.WARN, (ACQUIRED, AVAILABLE)))
    width = 1.0 if len(keys) > 60 else 0.8
    for label, color, states in groups:
        verts = [bar(x, h, width) for x, h, s in zip(xs, counts, ends) if s in states]
        if verts:
            ax.add_collection(PolyCollection(verts, facecolors=color, edgecolors="none", label=label))
    top = max([1, *counts])
    ax.set_xlim(-1, (xs[-1] if xs else 0) + 1)
    if limit:
        ax.axhline(limit, color=palette.BLACK, linestyle="--", linewidth=0.9,
                   label=f"group.share.delivery.count.limit ({limit})")
    again = [i for i, c in enumerate(counts) if c > 1]
    highest = _label_counts(ax, keys, xs, counts)
    count_axis(ax, top, 0)
    ax.set_ylim(0, max(top + 0.5, highest + 0.5, (limit or 0) + 0.5))
    offset_ticks(ax, keys, xs)
    legend_outside(ax)
    archived = [i for i, s in enumerate(ends) if s == ARCHIVED]
    text = (f"Delivery counts in share group {frame.attrs.get('group', '')}: {len(again)} of "
            f"{plural(len(keys), 'record')} delivered more than once"
            f"{': ' + runs_text(keys, again) if again else ''}; "
            f"{plural(len(archived), 'record')} archived{': ' + runs_text(keys, archived) if archived else ''}.")
    return finish(ax, "Delivery count per record (2 or more = delivered again)", offset_xlabel(keys), "deliveries",
                  text)


def _label_counts(ax: Axes, keys: list[tuple], xs: list[float], counts: list[int]) -> float:
    """Label each run of neighbouring records with the same count (2 or more) above its bars ("offset 3: 5×"),
    one row higher where it would run into a label already placed; return the highest label's y (0: none)."""
    lo, hi = ax.get_xlim()
    per_char = 7.5 * 0.62 / 72 * (hi - lo) / (ax.figure.get_figwidth() * ax.get_position().width)
    placed: list[tuple[float, float, float]] = []      # (x0, x1, y) of the labels placed
    i = 0
    while i < len(counts):
        j = i
        while (j + 1 < len(counts) and counts[j + 1] == counts[i] and keys[j + 1][:2] == keys[i][:2]
               and keys[j + 1][2] == keys[j][2] + 1):
            j += 1
        if counts[i] > 1:
            text = f"{run_label(keys, i, j)}: {counts[i]}×"
            half = (len(text) + 1) * per_char / 2
            centre = min(max((xs[i] + xs[j]) / 2, lo + half), hi - half)
            y = counts[i] + 0.12
            while any(centre - half < x1 and centre + half > x0 and abs(y - y0) < 0.4 for x0, x1, y0 in placed):
                y += 0.42
            placed.append((centre - half, centre + half, y))
            ax.text(centre, y, text, ha="center", va="bottom", fontsize="small", color=palette.BLACK)
        i = j + 1
    return max((y for _a, _b, y in placed), default=0.0)


__all__ = ["plot_delivery_counts", "plot_share_states"]
