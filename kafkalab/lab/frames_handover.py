"""Per-partition hand-over: for each partition of a group, who owned it when, and when nobody live did.

Owns ``handover_frame``, a partition-first view of ``membership_frame`` (which is member-first):
one lane per partition, split into stretches owned by a live member, still assigned to a crashed
member, or owned by no member at all. The pause of a partition is the time, after its first owner,
that no live member owned it: nobody could consume it then. Imports pandas; the engine never imports
this module.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .frames_common import check_group, trace_of
from .frames_groups import membership_frame

OWNED = "owned"
CRASHED = "crashed owner"
CLOSED = "closed owner"
NOBODY = "no owner"

HANDOVER_COLUMNS = ["topic", "partition", "state", "owner", "client_id", "from_ms", "to_ms", "duration_ms"]


def owner_labels(members: pd.DataFrame) -> dict[str, str]:
    """Client instance -> lane label: the client.id, and "c1 (instance 2)" for its second instance.

    ``members`` is a ``membership_frame``; instances are numbered in joining order.
    """
    order = list(members.attrs.get("members", []))
    for client, client_id in zip(members["client"], members["client_id"]):
        if (client, client_id) not in order:
            order.append((client, client_id))
    seen: dict[str, int] = {}
    labels = {}
    for client, client_id in order:
        seen[client_id] = seen.get(client_id, 0) + 1
        n = seen[client_id]
        labels[client] = client_id if n == 1 else f"{client_id} (instance {n})"
    return labels


def handover_frame(trace: Any, group: str, *, since_ms: int = 0) -> pd.DataFrame:
    """Each partition of ``group`` over time: owned by a live member, by a crashed one, or by nobody.

    From ``membership_frame``: a member's ownership row is ``owned`` up to its crash and ``crashed
    owner`` after it (the group still counts the dead member as owner until the coordinator removes
    or replaces it); a member that closed without LeaveGroup (a static member) and was removed later
    is a ``closed owner`` from its close until that removal; the time between two owners is ``no
    owner`` (a rebalance in progress, or a partition waiting for its next assignment). Contiguous
    stretches of one owner in one state are merged (a new generation that keeps a partition where it
    was is no hand-over). Stretches start at the partition's first assignment and the last one runs
    to the experiment's end.

    Columns: topic, state, owner (the member's lane label, "c1 (instance 2)" for a restarted
    client; None for ``no owner``), client_id (str or None); partition, from_ms, to_ms,
    duration_ms (int64). Sorted by topic, partition, from_ms. ``frame.attrs``: ``group``,
    ``end_ms``, ``since_ms``, ``pause_ms`` (``{"orders-0": ms}``: per partition, the time after its
    first assignment and after ``since_ms`` (e.g. a crash) during which no live member owned it),
    ``crashed`` (list of (time_ms, owner) of the members' crashes), ``owners`` (the owner labels in
    joining order).

    Kafka: partition ownership in a consumer group; ``session.timeout.ms`` decides how long a
    crashed member keeps its partitions. Simplification: ownership is what the consumers' rebalance
    callbacks say (``assigned``/``revoked``/``lost`` trace events), not when fetching resumed.

    Raises:
        ValueError: ``group`` does not appear in the trace.
    """
    trace = trace_of(trace)
    check_group(trace, group)
    return handover_from_membership(membership_frame(trace, group), since_ms=since_ms)


def handover_from_membership(members: pd.DataFrame, *, since_ms: int = 0) -> pd.DataFrame:
    """``handover_frame`` from a ``membership_frame`` already made (``plot_membership(frame, by="partition")``)."""
    group = members.attrs.get("group", "")
    end_ms = int(members.attrs["end_ms"])
    labels = owner_labels(members)
    segments: dict[tuple[str, int], list[list]] = {}
    for r in members.itertuples():
        stop = end_ms if pd.isna(r.to_ms) else int(r.to_ms)
        crash = None if pd.isna(r.crashed_ms) else int(r.crashed_ms)
        live_end = stop if crash is None else min(crash, stop)
        tp = (r.topic, int(r.partition))
        owner = labels.get(r.client, r.client_id)
        if live_end > r.from_ms or crash is None:
            segments.setdefault(tp, []).append([int(r.from_ms), live_end, OWNED, owner, r.client_id])
        if crash is not None and stop > crash:
            segments.setdefault(tp, []).append([max(crash, int(r.from_ms)), stop, CRASHED, owner, r.client_id])
        held = _held_after_close(members, r)
        if held is not None:
            segments.setdefault(tp, []).append([stop, held, CLOSED, owner, r.client_id])
    rows: list[list] = []
    pauses: dict[str, int] = {}
    for tp in sorted(segments):
        lane = _fill(sorted(segments[tp], key=lambda s: (s[0], s[1])), end_ms)
        rows += [[*tp, state, owner, cid, a, b, b - a] for a, b, state, owner, cid in lane]
        pauses[f"{tp[0]}-{tp[1]}"] = _pause(lane, end_ms, since_ms)
    ints = ("partition", "from_ms", "to_ms", "duration_ms")
    df = pd.DataFrame({c: pd.Series([r[i] for r in rows], dtype="int64" if c in ints else "object")
                       for i, c in enumerate(HANDOVER_COLUMNS)})
    crashed = [(t, labels.get(c, c)) for t, c in members.attrs.get("crashed", [])]
    df.attrs.update({"group": group, "end_ms": end_ms, "since_ms": since_ms, "pause_ms": pauses, "crashed": crashed,
                     "owners": list(dict.fromkeys(labels.values()))})
    return df


def _held_after_close(members: pd.DataFrame, r: Any) -> int | None:
    """When a member let the partition go and left without LeaveGroup (a static member's ``close()``), the
    time the coordinator removed it; None otherwise (it owned something again, crashed, or sent LeaveGroup)."""
    if r.end not in ("closed", "revoked") or pd.isna(r.to_ms):
        return None
    stop = int(r.to_ms)
    mine = members[members["client"] == r.client]
    if (mine["from_ms"] >= stop).any():
        return None
    for time_ms, _cid, cause, _hb, client in members.attrs.get("removals", []):
        if client != r.client or time_ms <= stop:
            continue
        crashed = any(c == r.client and stop <= t <= time_ms for t, c in members.attrs.get("crashed", []))
        return None if cause == "leave_group" or crashed else int(time_ms)
    return None


def _fill(segs: list[list], end_ms: int) -> list[list]:
    """Merge contiguous stretches of one owner and state; add ``no owner`` stretches between owners."""
    out: list[list] = []
    cursor = segs[0][0] if segs else 0
    for a, b, state, owner, cid in segs:
        if a > cursor:
            out.append([cursor, a, NOBODY, None, None])
        if out and out[-1][1] == a and out[-1][2:4] == [state, owner]:
            out[-1][1] = max(out[-1][1], b)
        elif b > a or not out:
            out.append([a, b, state, owner, cid])
        cursor = max(cursor, b)
    if cursor < end_ms:
        out.append([cursor, end_ms, NOBODY, None, None])
    return out


def _pause(lane: list[list], end_ms: int, since_ms: int) -> int:
    """Time from the lane's start (or ``since_ms``) to ``end_ms`` not covered by any live (``owned``) stretch."""
    if not lane:
        return 0
    start = max(lane[0][0], since_ms)
    covered, cursor = 0, start
    for a, b, state, _o, _c in sorted(lane, key=lambda s: s[0]):
        if state != OWNED:
            continue
        a, b = max(a, cursor), min(b, end_ms)
        if b > a:
            covered += b - a
            cursor = b
    return max(0, end_ms - start - covered)


__all__ = ["CLOSED", "CRASHED", "HANDOVER_COLUMNS", "NOBODY", "OWNED", "handover_frame", "handover_from_membership",
           "owner_labels"]
