"""Group plots: lag per partition over time, and the membership Gantt chart (who owned which partition
when, with crashes and rebalances marked).

Lab layer (matplotlib); the engine never imports it. Public name re-exported by ``plots``.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes

from . import palette
from .plots import check_frame, finish, new_axes


def plot_membership(frame: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """A Gantt chart from ``membership_frame``: one lane per partition, one bar per ownership row.

    Bars are coloured by client.id; the part of a bar after its owner crashed is hatched (the group
    still counts the dead member as owner until ``session.timeout.ms``). Dashed grey lines mark
    rebalances (the group entering PreparingRebalance), vermillion lines crashes.

    Kafka: classic group protocol generations; ``session.timeout.ms``.
    """
    check_frame(frame, ["client_id", "topic", "partition", "from_ms", "to_ms", "crashed_ms"], "plot_membership")
    ax = new_axes(ax)
    end_ms = int(frame.attrs.get("end_ms", 0))
    if len(frame):
        end_ms = max(end_ms, int(frame["from_ms"].max()))
    lanes = sorted({(t, int(p)) for t, p in zip(frame["topic"], frame["partition"])})
    lane_of = {tp: i for i, tp in enumerate(lanes)}
    clients = sorted(set(frame["client_id"]))
    color_of = {c: palette.color(i) for i, c in enumerate(clients)}
    for r in frame.itertuples():
        y = lane_of[(r.topic, int(r.partition))]
        stop = end_ms if pd.isna(r.to_ms) else int(r.to_ms)
        crash = None if pd.isna(r.crashed_ms) else int(r.crashed_ms)
        live_end = stop if crash is None else min(crash, stop)
        ax.broken_barh([(r.from_ms, max(live_end - r.from_ms, 0))], (y - 0.35, 0.7),
                       facecolors=color_of[r.client_id], edgecolor="white")
        if crash is not None and stop > crash:
            ax.broken_barh([(crash, stop - crash)], (y - 0.35, 0.7), facecolors="white",
                           edgecolor=color_of[r.client_id], hatch="//")
    for t_ms, _reason in frame.attrs.get("rebalances", []):
        ax.axvline(t_ms, color=palette.MUTED, linestyle="--", linewidth=1)
    for t_ms, client_id in frame.attrs.get("crashes", []):
        ax.axvline(t_ms, color=palette.BAD, linewidth=1.5)
        ax.annotate(f"crash {client_id}", (t_ms, len(lanes) - 0.5), color=palette.BAD, fontsize="small",
                    rotation=90, va="top", ha="right")
    ax.set_yticks(range(len(lanes)), [f"{t}-{p}" for t, p in lanes])
    ax.set_ylim(-0.6, max(len(lanes), 1) - 0.4)
    for c in clients:
        ax.plot([], [], color=color_of[c], linewidth=6, label=c)
    if clients:
        ax.legend(loc="upper right", fontsize="small")
    group = frame.attrs.get("group", "the group")
    text = (f"Partition ownership in group {group}: {len(clients)} consumers ({', '.join(clients) or 'none'}) "
            f"over {len(lanes)} partitions, {len(frame.attrs.get('rebalances', []))} rebalances and "
            f"{len(frame.attrs.get('crashes', []))} crashes.")
    return finish(ax, f"Who owned which partition (group {group})", "virtual time (ms)", "partition", text)


def plot_lag(frame: pd.DataFrame, *, ax: Axes | None = None, column: str = "lag") -> Axes:
    """Lag of each partition over time (a step line per partition), from ``lag_frame``.

    ``column``: "lag" (end offset at the group's isolation level minus the committed offset) or
    "tool_lag" (high watermark minus committed offset, as ``kafka-consumer-groups`` prints it).
    Partitions without a committed offset leave a gap.

    Kafka: ``kafka-consumer-groups.sh --describe`` LAG.
    """
    check_frame(frame, ["time_ms", "topic", "partition", column], "plot_lag")
    ax = new_axes(ax)
    parts = []
    for i, ((t, p), g) in enumerate(frame.groupby(["topic", "partition"], sort=True)):
        y = g[column].astype("float64")
        ax.step(g["time_ms"].to_numpy(), y.to_numpy(), where="post", color=palette.color(i), label=f"{t}-{p}")
        last = g[column].iloc[-1]
        parts.append(f"{t}-{p} {'-' if pd.isna(last) else int(last)}")
    if parts:
        ax.legend(loc="upper left", fontsize="small")
    group = frame.attrs.get("group")
    whose = f"group {group}" if group else "the group"
    peak = frame[column].max() if len(frame) else None
    text = (f"Lag of {whose} per partition over time; at the end: {', '.join(parts) or 'no partitions'}"
            f"{'' if peak is None or pd.isna(peak) else f'; the largest lag was {int(peak)}'}.")
    return finish(ax, f"Consumer lag of {whose}", "virtual time (ms)", "lag (records)", text)
