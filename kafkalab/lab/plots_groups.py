"""Group plots: lag per partition over time, and the membership Gantt chart (who owned which partition
when, with crashes and rebalances marked).

Lab layer (matplotlib); the engine never imports it. Public name re-exported by ``plots``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from . import palette, show
from .frames_handover import handover_from_membership
from .plots_common import (
    bar,
    check_frame,
    finish,
    label_runs,
    legend_outside,
    new_axes,
    offset_ticks,
    offset_xlabel,
    plural,
    positions,
    runs_text,
)
from .plots_handover import plot_handover

HATCH_LABEL = "still assigned to a crashed member"
CRASH_LABEL = "crash (process died)"
REMOVED_LABEL = "left the group (removed or LeaveGroup)"
GENERATION_LABEL = "new generation (dashed)"
REBALANCE_LABEL = "rebalance in progress"
IDLE_LABEL = "member owns nothing (idle)"


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


def plot_membership(frame: pd.DataFrame, *, ax: Axes | None = None, by: str = "member") -> Axes:
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

    ``by="partition"``: one lane per partition instead, coloured by owner, with the gaps where no
    live member owned it and their lengths (``plot_handover`` of ``handover_from_membership``).

    Kafka: classic group protocol generations; ``session.timeout.ms``. Under the consumer protocol
    (KIP-848) there are no generations and no rebalances to mark.
    """
    check_frame(frame, ["client_id", "client", "topic", "partition", "from_ms", "to_ms", "crashed_ms"],
                "plot_membership")
    if by not in ("member", "partition"):
        raise ValueError(f"plot_membership: by must be 'member' or 'partition', got {by!r}")
    if by == "partition":
        return plot_handover(handover_from_membership(frame), ax=ax)
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
    text = (f"Partition ownership in group {group}: {plural(len(rows), 'member')} "
            f"({', '.join(label for _c, label in rows) or 'none'}) over {plural(len(parts), 'partition')}, "
            f"{plural(n_reb, 'rebalance')} and {plural(n_crash, 'crash', 'crashes')}"
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
    values = frame[column].astype("float64")
    if values.notna().any() and values.max() > 0:
        at = values.idxmax()
        peak_row = frame.loc[at]
        right = int(peak_row["time_ms"]) / end_ms < 0.5       # the label goes where there is room
        ax.annotate(f"largest lag: {int(peak_row[column])} on {peak_row['topic']}-{int(peak_row['partition'])}"
                    f" at {int(peak_row['time_ms']) / 1000:.1f} s", (int(peak_row["time_ms"]), float(peak_row[column])),
                    xytext=(8, 6) if right else (-8, 6), textcoords="offset points",
                    ha="left" if right else "right", va="bottom", fontsize="small")
        ax.set_ylim(0, float(values.max()) * 1.2 + 1)
    else:
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


_STEP_COLORS = {"last heartbeat": palette.BLUE, "crash": palette.BAD, "removed": palette.BLACK,
                "new generation": palette.MUTED, "first redelivery": palette.ORANGE}


def plot_crash_timeline(frame: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """The crash-before-commit story from ``crash_timeline_frame``: one row per step, top to bottom.

    Last heartbeat -> crash -> removal by the coordinator -> new generation -> first redelivery,
    each a marker at its virtual time with the time written beside it. Two arrows carry the
    numbers the lesson is about: from the last heartbeat to the removal ("10.0 s =
    session.timeout.ms after the last heartbeat") and from the crash to the first redelivery (how
    long the crashed member's partitions went unread). The x axis covers the whole experiment.

    Kafka: ``session.timeout.ms``, ``heartbeat.interval.ms``; classic group rebalance.
    """
    check_frame(frame, ["event", "time_ms", "detail"], "plot_crash_timeline")
    ax = new_axes(ax)
    end_ms = max(int(frame.attrs.get("end_ms", 0)), int(frame["time_ms"].max()) if len(frame) else 0, 1)
    n = len(frame)
    y_of = {}
    for i, r in enumerate(frame.itertuples()):
        y = n - 1 - i
        y_of[r.event] = y
        ax.plot([r.time_ms], [y], linestyle="none", marker="o", markersize=8,
                color=_STEP_COLORS.get(r.event, palette.BLACK), gid=r.event)
        extra = f": {r.detail}" if r.event in ("new generation", "first redelivery") else ""
        ax.annotate(f"{r.time_ms / 1000:.1f} s{extra}", (r.time_ms, y), xytext=(8, 0), textcoords="offset points",
                    ha="left", va="center", fontsize="small", gid=r.event)
    times = dict(zip(frame["event"], frame["time_ms"]))
    who = frame.attrs.get("client_id", "the member")
    if "last heartbeat" in times and "removed" in times:
        gap = (times["removed"] - times["last heartbeat"]) / 1000
        y = y_of["removed"]
        _span_arrow(ax, times["last heartbeat"], times["removed"], y - 0.3,
                    f"{gap:.1f} s = session.timeout.ms after the last heartbeat", palette.BLACK)
    if "crash" in times and "first redelivery" in times:
        gap = (times["first redelivery"] - times["crash"]) / 1000
        _span_arrow(ax, times["crash"], times["first redelivery"], y_of["first redelivery"] - 0.3,
                    f"{gap:.1f} s from the crash until {who}'s records are delivered again", palette.BAD)
    names = {"last heartbeat": f"last heartbeat ({who})", "crash": f"crash ({who})",
             "removed": f"{who} removed from the group"}
    ax.set_yticks(range(n), [names.get(e, e) for e in reversed(list(frame["event"]))])
    ax.set_ylim(-0.9, max(n, 1) - 0.3)
    ax.set_xlim(0, end_ms)
    ax.kafkalab_x_end = end_ms  # type: ignore[attr-defined]
    steps = "; ".join(f"{e} at {t / 1000:.1f} s" for e, t in times.items())
    text = f"From {who}'s crash to the first redelivery in group {frame.attrs.get('group', 'the group')}: {steps}."
    return finish(ax, f"{who} crashes before committing: what happens, and when", "virtual time (ms)", "step", text)


def _span_arrow(ax: Axes, x0: float, x1: float, y: float, label: str, color: str) -> None:
    """A double-headed arrow from x0 to x1 at height y with ``label`` under it (left-aligned at x0)."""
    ax.annotate("", (x0, y), (x1, y), arrowprops={"arrowstyle": "<->", "color": color, "linewidth": 1.2})
    ax.text(x0, y - 0.06, label, ha="left", va="top", fontsize="small", color=color)


def plot_deliveries_by_group(frames: dict[str, pd.DataFrame]) -> list[Axes]:
    """Small multiples: one panel per group, one bar per offset, its height how often the group received it.

    ``frames`` maps a name (the group.id) to its ``deliveries_frame``. Panels share the x axis
    (the same offsets in every panel, a gap before each next partition, as in ``plot_redeliveries``)
    and the y axis (deliveries, integer ticks), so a group that received records twice stands out;
    each run of offsets a group received more than once is labelled with its offsets above the bars
    ("offsets orders-0@41–45: 2×"), and each panel's title gives its count. Returns the Axes, top to
    bottom (one new figure, displayed when the cell ends).

    Kafka: each group has its own committed offsets, so each group receives every record.
    """

    if not isinstance(frames, dict) or not frames:
        raise TypeError("plot_deliveries_by_group(frames): frames must be a non-empty dict {group: deliveries_frame}")
    for name, frame in frames.items():
        check_frame(frame, ["topic", "partition", "offset", "deliveries"], f"plot_deliveries_by_group[{name!r}]")
    figure = Figure(figsize=(7.5, 0.9 + 1.4 * len(frames)), layout="constrained")
    show.pending(figure)
    axes = list(figure.subplots(len(frames), 1, sharex=True, squeeze=False)[:, 0])
    keys = sorted({(t, int(p), int(o)) for f in frames.values()
                   for t, p, o in zip(f["topic"], f["partition"], f["offset"])})
    xs = positions(keys)
    top = max([2, *(int(f["deliveries"].max()) for f in frames.values() if len(f))])
    width = 1.0 if len(keys) > 60 else 0.8
    label_rows = 0
    for ax, (name, frame) in zip(axes, frames.items()):
        counts = {(t, int(p), int(o)): int(d) for t, p, o, d in
                  zip(frame["topic"], frame["partition"], frame["offset"], frame["deliveries"])}
        heights = [counts.get(k, 0) for k in keys]
        for label, color, pick in (("delivered once", palette.OK, lambda d: d == 1),
                                   ("delivered more than once", palette.BAD, lambda d: d > 1)):
            verts = [bar(x, d, width) for x, d in zip(xs, heights) if pick(d)]
            if verts:
                ax.add_collection(PolyCollection(verts, facecolors=color, edgecolors="none", label=label))
        again = [i for i, d in enumerate(heights) if d > 1]
        ax.set_xlim(-1, (xs[-1] if xs else 0) + 1)
        label_rows = max(label_rows, label_runs(ax, keys, xs, again, top,
                                                 lambda a, b, h=heights: f": {max(h[a:b + 1])}×"))
        which = f": {runs_text(keys, again)}" if again else ""
        finish(ax, f"{name}: {len(again)} of {len(counts)} records delivered more than once", "", "deliveries",
               f"Group {name} received {plural(len(counts), 'record')}, {len(again)} of them more than once{which}.")
        ax.title.set_fontsize("medium")
    for ax in axes:
        ax.set_ylim(0, top + 0.5 + 0.42 * label_rows)
        ax.set_yticks(range(top + 1))
    offset_ticks(axes[-1], keys, xs)
    axes[-1].set_xlabel(offset_xlabel(keys))
    handles: dict[str, Any] = {}
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(lab, h)
    labels = list(handles)
    figure.legend([handles[k] for k in labels], labels, loc="outside right upper", fontsize="small")
    return axes


def plot_commits(frame: pd.DataFrame, *, ax: Axes | None = None, partition: int | None = None) -> Axes:
    """The group's committed offset, commit after commit, coloured by the client that wrote it.

    From ``commits_frame`` (one partition: ``partition``, or the first). The x axis counts the
    commits in trace order; each commit is a step to the offset it wrote, drawn in its writer's
    colour and labelled "a: 15". A commit that moves the offset back is annotated with the offsets
    that will be read again; a rejected commit (``error``) is a grey cross that moves nothing.

    Kafka: the group keeps one committed offset per partition, the last one written (OffsetCommit
    from standalone ``assign()`` consumers is accepted while the group has no members).
    """
    check_frame(frame, ["client_id", "topic", "partition", "committed_offset", "error"], "plot_commits")
    ax = new_axes(ax)
    if partition is None and len(frame):
        partition = int(frame["partition"].iloc[0])
    rows = frame[frame["partition"] == partition] if len(frame) else frame
    writers = list(dict.fromkeys(rows["client_id"]))
    color_of = {w: palette.color(i) for i, w in enumerate(writers)}
    prev, prev_writer, drawn = None, None, set()
    ok = rows[rows["error"].isna()]
    for n, r in enumerate(ok.itertuples(), start=1):
        o, w = int(r.committed_offset), r.client_id
        label = f"written by {w}"
        xs, ys = ([n, n + 1], [o, o]) if prev is None else ([n, n, n + 1], [prev, o, o])
        ax.plot(xs, ys, color=color_of[w], linewidth=2.5, gid=label)
        ax.plot([n], [o], linestyle="none", marker="o", color=color_of[w],
                label="_" if label in drawn else label, gid=label)
        drawn.add(label)
        ax.annotate(f"{w}: {o}", (n, o), xytext=(6, 4), textcoords="offset points", fontsize="small",
                    color=color_of[w])
        if prev is not None and o < prev:
            ax.annotate(f"{w} moves it back: {o}..{prev - 1}\nwill be read again", (n, o), xytext=(6, -6),
                        textcoords="offset points", va="top", fontsize="small", color=palette.BAD)
        elif prev is not None and w != prev_writer:
            ax.annotate(f"{w} overwrites {prev_writer}'s {prev}:\n{prev_writer}, restarted, skips {prev}..{o - 1}",
                        (n, o), xytext=(6, -6), textcoords="offset points",
                        va="top", fontsize="small", color=palette.BLACK)
        prev, prev_writer = o, w
    bad = rows[rows["error"].notna()]
    if len(bad):
        ax.plot(list(range(len(ok) + 1, len(ok) + 1 + len(bad))), list(bad["committed_offset"]), linestyle="none",
                marker="x", color=palette.MUTED, label="rejected commit")
    ax.set_xlim(0.5, max(len(ok), 1) + 1.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    top = int(rows["committed_offset"].max()) if len(rows) else 1
    ax.set_ylim(0, top * 1.25 + 1)
    if drawn:
        legend_outside(ax)
    group = frame.attrs.get("group", "the group")
    topic = rows["topic"].iloc[0] if len(rows) else "?"
    story = ", ".join(f"{w} {int(o)}" for w, o in zip(ok["client_id"], ok["committed_offset"]))
    text = (f"Committed offset of group {group} on {topic}-{partition}, commit by commit: {story or 'none'}; "
            f"{plural(len(writers), 'client')} wrote it.")
    by = plural(len(writers), "client")
    return finish(ax, f"One committed offset per partition, written by {by} (group {group})",
                  "commit number, in trace order", "committed offset", text)
