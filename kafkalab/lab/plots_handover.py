"""The per-partition hand-over plot: one lane per partition, coloured by its owner, with the pauses named.

Owns ``plot_handover`` (from ``frames_handover.handover_frame``; one frame or a dict of runs as small
multiples). Lab layer (matplotlib); the engine never imports it.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from . import palette, show
from .frames_handover import CLOSED, CRASHED, NOBODY, OWNED
from .plots_common import check_frame, finish, new_axes, plural

CRASHED_LABEL = "still assigned to a crashed member"
CLOSED_LABEL = "still assigned after close() (no LeaveGroup)"
NOBODY_LABEL = "no member owns it"
CRASH_LABEL = "crash (process died)"
_COLUMNS = ["topic", "partition", "state", "owner", "from_ms", "to_ms"]
_MIN_LABEL = 0.07    # a pause narrower than this share of the axis gets only its length as text
_MIN_SHORT = 0.02    # and one narrower than this no text at all (its bar still shows)
_CHAR = 0.0125       # the width of one character of a small label, as a share of the axis (an estimate)


def plot_handover(frames: pd.DataFrame | dict[str, pd.DataFrame], *, ax: Axes | None = None) -> Axes | list[Axes]:
    """Who owned each partition when, from ``handover_frame``: one lane per partition, a bar per owner.

    Bars are coloured by owner (the legend names them), so a hand-over is a colour change along a
    lane. A hatched bar is a crashed member that the group still counts as owner, a dotted one a member
    that closed without LeaveGroup (a static member) and still owns it until it is removed; a thin grey bar
    is a stretch when no member owns the partition; each pause (no live owner) of at least 2% of the
    time axis is labelled with its length. Crashes are vermillion crosses. ``frames`` may be a dict
    ``{run name: handover_frame}``: one panel per run, top to bottom, on one shared time axis and
    one owner palette; then a list of Axes is returned (``ax`` must be None).

    Kafka: partition ownership in a consumer group (rebalance callbacks), ``session.timeout.ms``.
    """
    if isinstance(frames, dict):
        if ax is not None:
            raise TypeError("plot_handover(frames): ax is only for one frame; a dict of runs draws its own figure")
        return _small_multiples(frames)
    check_frame(frames, _COLUMNS, "plot_handover")
    ax = new_axes(ax, size=(9.0, 1.1 + 0.55 * max(1, frames[["topic", "partition"]].drop_duplicates().shape[0])))
    _draw(ax, frames, _colors([frames]), int(frames.attrs.get("end_ms", 0)))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0, fontsize="small")
    return ax


def _colors(frames: list[pd.DataFrame]) -> dict[str, str]:
    owners: list[str] = []
    for f in frames:
        for o in [*f.attrs.get("owners", []), *f["owner"].dropna()]:
            if o not in owners:
                owners.append(o)
    return {o: palette.color(i) for i, o in enumerate(owners)}


def _small_multiples(frames: dict[str, pd.DataFrame]) -> list[Axes]:
    if not frames:
        raise TypeError("plot_handover(frames): frames must be a non-empty dict {run name: handover_frame}")
    for name, frame in frames.items():
        check_frame(frame, _COLUMNS, f"plot_handover[{name!r}]")
    lanes = [max(1, f[["topic", "partition"]].drop_duplicates().shape[0]) for f in frames.values()]
    figure = Figure(figsize=(7.5, 1.2 + sum(0.75 + 0.45 * n for n in lanes)), layout="constrained")
    show.pending(figure)
    axes = list(figure.subplots(len(frames), 1, sharex=True, squeeze=False,
                                gridspec_kw={"height_ratios": [0.75 + 0.45 * n for n in lanes]})[:, 0])
    colors = _colors(list(frames.values()))
    end_ms = max(int(f.attrs.get("end_ms", 0)) for f in frames.values())
    for a, (name, frame) in zip(axes, frames.items()):
        _draw(a, frame, colors, end_ms, title=name)
        a.title.set_fontsize("medium")
        if a is not axes[-1]:
            a.set_xlabel("")
    handles: dict[str, object] = {}
    for a in axes:
        for h, lab in zip(*a.get_legend_handles_labels()):
            handles.setdefault(lab, h)
    figure.legend(list(handles.values()), list(handles), loc="outside lower center", ncols=3, fontsize="small")
    return axes


def _draw(ax: Axes, frame: pd.DataFrame, colors: dict[str, str], end_ms: int, title: str | None = None) -> None:
    end_ms = max(end_ms, int(frame["to_ms"].max()) if len(frame) else 0, 1)
    parts = sorted({(t, int(p)) for t, p in zip(frame["topic"], frame["partition"])})
    lane = {tp: len(parts) - 1 - i for i, tp in enumerate(parts)}        # first partition on top
    owned: dict[str, list] = {}
    crashed, closed, nobody = _Boxes(), _Boxes(), []
    for r in frame.itertuples():
        y = lane[(r.topic, int(r.partition))]
        if r.state == OWNED:
            owned.setdefault(r.owner, []).append(_box(r.from_ms, r.to_ms, y, 0.3))
        elif r.state in (CRASHED, CLOSED):
            held = crashed if r.state == CRASHED else closed
            held.append(_box(r.from_ms, r.to_ms, y, 0.3))
            held.colors.append(colors.get(r.owner, palette.BLACK))
        elif r.state == NOBODY:
            nobody.append(_box(r.from_ms, r.to_ms, y, 0.05))
    for owner, boxes in owned.items():
        ax.add_collection(PolyCollection(boxes, facecolors=colors.get(owner, palette.BLACK), edgecolors="none",
                                         label=f"owned by {owner}"))
    for boxes, hatch, label in ((crashed, "//", CRASHED_LABEL), (closed, "..", CLOSED_LABEL)):
        if boxes:
            ax.add_collection(PolyCollection(boxes, facecolors="white", edgecolors=boxes.colors, hatch=hatch,
                                             label=label))
    if nobody:
        ax.add_collection(PolyCollection(nobody, facecolors=palette.MUTED, edgecolors="none", label=NOBODY_LABEL))
    _label_pauses(ax, frame, lane, end_ms)
    crosses = _crosses(frame, lane)
    if crosses:
        ax.plot([x for x, _ in crosses], [y for _, y in crosses], linestyle="none", marker="X", markersize=9,
                color=palette.BAD, markeredgecolor="white", label=CRASH_LABEL)
    ax.set_xlim(0, end_ms)
    ax.kafkalab_x_end = end_ms  # type: ignore[attr-defined]
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{x / 1000:g}"))
    ax.set_yticks(range(len(parts)), [f"{t}-{p}" for t, p in reversed(parts)])
    ax.set_ylim(-0.5, max(len(parts), 1) + 0.05)
    group = frame.attrs.get("group", "the group")
    pauses = frame.attrs.get("pause_ms", {})
    said = ", ".join(f"{k} {v / 1000:.1f} s" for k, v in pauses.items()) or "none"
    n_moves = sum(1 for _tp, g in frame.groupby(["topic", "partition"]) for a, b in zip(g["owner"], g["owner"][1:])
                  if a is not None and b is not None and a != b)
    text = (f"Hand-over per partition in group {group}: {plural(len(parts), 'partition')}, "
            f"{plural(n_moves, 'change')} of owner; time without a live owner after the first assignment: {said}.")
    finish(ax, title or f"Who owned each partition, and when nobody did (group {group})", "virtual time (s)",
           "partition", text)


def _pauses(g: pd.DataFrame) -> list[tuple[int, int]]:
    """Runs of consecutive non-owned stretches of one lane, as (from_ms, to_ms)."""
    out: list[tuple[int, int]] = []
    for r in g.sort_values("from_ms").itertuples():
        if r.state == OWNED:
            continue
        if out and out[-1][1] == r.from_ms:
            out[-1] = (out[-1][0], int(r.to_ms))
        else:
            out.append((int(r.from_ms), int(r.to_ms)))
    return out


def _label_pauses(ax: Axes, frame: pd.DataFrame, lane: dict, end_ms: int) -> None:
    """Label each lane's pauses above it, longest first: "9.8 s without a live owner", or only "9.8 s" where
    the long text would run into a label already placed; a pause under ``_MIN_SHORT`` of the axis gets none."""
    for (t, p), g in frame.groupby(["topic", "partition"]):
        placed: list[tuple[float, float]] = []
        open_end = g["state"].iloc[-1] == NOBODY
        for a, b in sorted(_pauses(g), key=lambda ab: ab[0] - ab[1]):
            if (b - a) / end_ms < _MIN_SHORT:
                continue
            texts = ["no live owner since then"] if open_end and b >= end_ms else []
            texts += [f"{(b - a) / 1000:.1f} s without a live owner"] if (b - a) / end_ms >= _MIN_LABEL else []
            texts.append(f"{(b - a) / 1000:.1f} s")
            for what in texts:
                span = (a / end_ms, a / end_ms + _CHAR * (len(what) + 1))
                if all(span[1] <= x0 or span[0] >= x1 for x0, x1 in placed):
                    placed.append(span)
                    ax.text(a, lane[(t, int(p))] + 0.34, what, ha="left", va="bottom", fontsize="small",
                            color=palette.BLACK)
                    break


def _crosses(frame: pd.DataFrame, lane: dict) -> list[tuple[int, float]]:
    """A cross where each crashed stretch starts (the crash), on its partition's lane."""
    return [(int(r.from_ms), lane[(r.topic, int(r.partition))]) for r in frame.itertuples() if r.state == CRASHED]


class _Boxes(list):
    """Bar polygons with one edge colour each (the owner's)."""

    def __init__(self) -> None:
        super().__init__()
        self.colors: list[str] = []


def _box(x0: float, x1: float, y: float, half: float) -> list[tuple[float, float]]:
    return [(x0, y - half), (x0, y + half), (x1, y + half), (x1, y - half)]


__all__ = ["plot_handover"]
