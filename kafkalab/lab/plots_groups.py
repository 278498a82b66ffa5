"""Group plots: lag per partition over time, and the membership Gantt chart (who owned which partition
when, with crashes and rebalances marked).

Lab layer (matplotlib); the engine never imports it. Public name re-exported by ``plots``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.ticker import MaxNLocator

from . import palette
from .plots import check_frame, finish, new_axes

HATCH_LABEL = "still assigned to a crashed member"
CRASH_LABEL = "crash (process died)"
REMOVED_LABEL = "left the group (removed or LeaveGroup)"
GENERATION_LABEL = "new generation (dashed)"
REBALANCE_LABEL = "rebalance in progress"
IDLE_LABEL = "member owns nothing (idle)"


def legend_outside(ax: Axes, **kwargs: Any) -> None:
    """The legend right of the data area (figcheck: legends never sit on the data)."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0, fontsize="small", **kwargs)


def _member_rows(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """(client instance, label) per lane: every member that joined, in joining order; a restarted client.id
    gets one lane per instance ("c1 (instance 2)")."""
    members = list(frame.attrs.get("members", []))
    for client, client_id in zip(frame["client"], frame["client_id"]):
        if (client, client_id) not in members:
            members.append((client, client_id))
    seen: dict[str, int] = {}
    rows = []
    for client, client_id in members:
        seen[client_id] = seen.get(client_id, 0) + 1
        n = seen[client_id]
        rows.append((client, client_id if n == 1 else f"{client_id} (instance {n})"))
    return rows


def plot_membership(frame: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """A Gantt chart from ``membership_frame``: one lane per member, a bar per partition it owned.

    Lanes are per member (consumer instance), not per partition, so a member that owns nothing is a
    lane too: its idle stretches are a thin grey bar labelled "idle". Bars are coloured by
    partition (the legend names them), so a partition moving between members is a colour changing
    lanes. A bar still open at the experiment's end (``frame.attrs["end_ms"]``) runs to the end.
    After a crash (a vermillion cross, one per crash) the bar is hatched: the group still counts
    the dead member as owner until the coordinator removes it (a black tick, ``session.timeout.ms``
    after its last heartbeat; the same tick marks a member that left with LeaveGroup, e.g. after
    ``max.poll.interval.ms``). A member owning several partitions at once gets one thin sub-lane
    per partition. Dashed lines mark each new generation (numbered at the bottom), grey
    spans the rebalances (PreparingRebalance until the new generation: with an eager assignor
    nobody consumes then).

    Kafka: classic group protocol generations; ``session.timeout.ms``.
    """
    check_frame(frame, ["client_id", "client", "topic", "partition", "from_ms", "to_ms", "crashed_ms"],
                "plot_membership")
    ax = new_axes(ax)
    end_ms = int(frame.attrs.get("end_ms", 0))
    if len(frame):
        end_ms = max(end_ms, int(frame["from_ms"].max()))
    end_ms = max(end_ms, 1)
    rows = _member_rows(frame)
    lane = {client: len(rows) - 1 - i for i, (client, _label) in enumerate(rows)}     # first member on top
    parts = sorted({(t, int(p)) for t, p in zip(frame["topic"], frame["partition"])})
    color_of = {tp: palette.color(i) for i, tp in enumerate(parts)}
    live: dict[tuple[str, int], list] = {tp: [] for tp in parts}
    hatched, hatch_colors = [], []
    slots = {c: sorted({(t, int(p)) for t, p in zip(g["topic"], g["partition"])})
             for c, g in frame.groupby("client", sort=False)}
    for r in frame.itertuples():
        tp = (r.topic, int(r.partition))
        k, i = len(slots[r.client]), slots[r.client].index(tp)    # a member owning k partitions: k sub-lanes
        half = 0.3 / k
        y = lane[r.client] + 0.3 - half * (2 * i + 1)
        stop = end_ms if pd.isna(r.to_ms) else int(r.to_ms)
        crash = None if pd.isna(r.crashed_ms) else int(r.crashed_ms)
        live_end = stop if crash is None else min(crash, stop)
        if live_end > r.from_ms:
            live[tp].append(_box(r.from_ms, live_end, y, half * 0.92))
        if crash is not None and stop > crash:
            hatched.append(_box(crash, stop, y, half * 0.92))
            hatch_colors.append(color_of[tp])
    for tp in parts:
        ax.add_collection(PolyCollection(live[tp], facecolors=color_of[tp], edgecolors="none",
                                         label=f"{tp[0]}-{tp[1]}"))
    if hatched:
        ax.add_collection(PolyCollection(hatched, facecolors="white", edgecolors=hatch_colors, hatch="//",
                                         label=HATCH_LABEL))
    idle = [(lane[c], a, end_ms if b is None else b) for c, _cid, a, b in frame.attrs.get("idle", []) if c in lane]
    idle = [(y, a, b) for y, a, b in idle if b > a]
    if idle:
        ax.add_collection(PolyCollection([_box(a, b, y, 0.06) for y, a, b in idle], facecolors=palette.MUTED,
                                         edgecolors="none", label=IDLE_LABEL))
        for y, a, b in idle:
            if (b - a) / end_ms >= 0.12:
                ax.text((a + b) / 2, y + 0.1, "idle", ha="center", va="bottom", fontsize="small",
                        color=palette.BLACK)
    _rebalances(ax, frame.attrs.get("rebalances", []), frame.attrs.get("generations", []))
    _generations(ax, frame.attrs.get("generations", []), end_ms)
    crashes = [(t, lane[c]) for t, c in frame.attrs.get("crashed", []) if c in lane]
    removals = [(r[0], lane[r[4]]) for r in frame.attrs.get("removals", []) if len(r) > 4 and r[4] in lane]
    if removals:
        ax.plot([t for t, _ in removals], [y for _, y in removals], linestyle="none", marker="|", markersize=16,
                markeredgewidth=2.5, color=palette.BLACK, label=REMOVED_LABEL)
    if crashes:
        ax.plot([t for t, _ in crashes], [y for _, y in crashes], linestyle="none", marker="X", markersize=9,
                color=palette.BAD, markeredgecolor="white", label=CRASH_LABEL)
    ax.set_xlim(0, end_ms)
    ax.kafkalab_x_end = end_ms  # type: ignore[attr-defined]
    ax.set_yticks(range(len(rows)), [label for _c, label in reversed(rows)])
    ax.set_ylim(-1.0, max(len(rows), 1) - 0.4)
    if len(ax.get_legend_handles_labels()[0]):
        legend_outside(ax)
    group = frame.attrs.get("group", "the group")
    idle_members = sorted({cid for _c, cid, _a, _b in frame.attrs.get("idle", [])})
    n_reb, n_crash = len(frame.attrs.get("rebalances", [])), len(crashes)
    text = (f"Partition ownership in group {group}: {len(rows)} members "
            f"({', '.join(label for _c, label in rows) or 'none'}) over {len(parts)} partitions, "
            f"{n_reb} rebalance{'' if n_reb == 1 else 's'} and {n_crash} crash{'' if n_crash == 1 else 'es'}"
            f"{f'; idle at some point: {chr(44).join(idle_members)}' if idle_members else ''}.")
    return finish(ax, f"Who owned which partition (group {group})", "virtual time (ms)", "member", text)


def _box(x0: float, x1: float, y: float, half: float) -> list[tuple[float, float]]:
    return [(x0, y - half), (x0, y + half), (x1, y + half), (x1, y - half)]


def _rebalances(ax: Axes, rebalances: list, generations: list) -> None:
    """Grey spans from each PreparingRebalance to the generation that ends it."""
    labelled = False
    gen_times = sorted(t for t, _g in generations)
    for t_ms, _reason in rebalances:
        done = next((g for g in gen_times if g >= t_ms), None)
        if done is None or done <= t_ms:
            continue
        span = ax.axvspan(t_ms, done, color=palette.MUTED, alpha=0.25, linewidth=0, zorder=0,
                          label="_" if labelled else REBALANCE_LABEL)
        span.set_gid(REBALANCE_LABEL)
        labelled = True


def _generations(ax: Axes, generations: list, end_ms: int) -> None:
    """A dashed line at each new generation, numbered ("gen 2") below the lanes where there is room."""
    last_x = None
    for i, (t_ms, gen) in enumerate(generations):
        line = ax.axvline(t_ms, color=palette.MUTED, linestyle="--", linewidth=1,
                          label=GENERATION_LABEL if i == 0 else "_")
        line.set_gid(GENERATION_LABEL)
        if last_x is None or (t_ms - last_x) / end_ms >= 0.09:
            ax.text(t_ms, -0.75, f" gen {gen}", ha="left", va="center", fontsize="x-small", color=palette.BLACK)
            last_x = t_ms


def plot_lag(frame: pd.DataFrame, *, ax: Axes | None = None, column: str = "lag") -> Axes:
    """Lag of each partition over time (a step line per partition), from ``lag_frame``.

    ``column``: "lag" (end offset at the group's isolation level minus the committed offset) or
    "tool_lag" (high watermark minus committed offset, as ``kafka-consumer-groups`` prints it).
    Partitions without a committed offset leave a gap. Each line holds its last value up to the
    experiment's end (``frame.attrs["end_ms"]``); the legend sits right of the data.

    Kafka: ``kafka-consumer-groups.sh --describe`` LAG.
    """
    check_frame(frame, ["time_ms", "topic", "partition", column], "plot_lag")
    ax = new_axes(ax)
    end_ms = max(int(frame.attrs.get("end_ms", 0)), int(frame["time_ms"].max()) if len(frame) else 0, 1)
    parts = []
    for i, ((t, p), g) in enumerate(frame.groupby(["topic", "partition"], sort=True)):
        x = [*g["time_ms"].to_numpy(), end_ms]                 # the last value holds to the experiment's end
        y = [*g[column].astype("float64").to_numpy(), float(g[column].astype("float64").iloc[-1])]
        ax.step(x, y, where="post", color=palette.color(i), label=f"{t}-{p}")
        last = g[column].iloc[-1]
        parts.append(f"{t}-{p} {'-' if pd.isna(last) else int(last)}")
    ax.set_xlim(0, end_ms)
    ax.kafkalab_x_end = end_ms  # type: ignore[attr-defined]
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(bottom=0)
    if parts:
        legend_outside(ax, title="partition", title_fontsize="small")
    group = frame.attrs.get("group")
    whose = f"group {group}" if group else "the group"
    peak = frame[column].max() if len(frame) else None
    text = (f"Lag of {whose} per partition over time; at the end: {', '.join(parts) or 'no partitions'}"
            f"{'' if peak is None or pd.isna(peak) else f'; the largest lag was {int(peak)}'}.")
    return finish(ax, f"Consumer lag of {whose}: end offset - committed offset", "virtual time (ms)",
                  "lag (records)", text)
