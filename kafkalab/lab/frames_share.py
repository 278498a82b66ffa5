"""Share groups (KIP-932) as frames: each record's state over time, and its delivery count.

Owns ``share_states_frame`` (one row per stretch of one record in one state: Available, Acquired by a
member, Acknowledged, Archived) and ``share_deliveries_frame`` (one row per record: how many times it was
acquired, by whom, and how it ended). Derived from the broker's share trace events only (``share_acquired``,
``share_acknowledged``, ``share_lock_expired``, ``share_released``, ``share_archived``) plus ``append``
(when a record entered the log), ``client_crashed`` (crash marks) and a scenario's ``hang`` actions. Lab layer
(pandas); the engine never imports it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .frames_common import check_group, end_ms_of, trace_of

AVAILABLE, ACQUIRED, ACKNOWLEDGED, ARCHIVED = "Available", "Acquired", "Acknowledged", "Archived"
STATES = (AVAILABLE, ACQUIRED, ACKNOWLEDGED, ARCHIVED)
STATE_COLUMNS = ["topic", "partition", "offset", "state", "client_id", "member", "delivery_count", "from_ms",
                 "to_ms", "cause"]
DELIVERY_COLUMNS = ["topic", "partition", "offset", "deliveries", "clients", "times_ms", "final_state",
                    "final_cause"]
_KINDS = ("share_acquired", "share_acknowledged", "share_lock_expired", "share_released", "share_archived")
_ACK_STATE = {"ACCEPT": ACKNOWLEDGED, "RELEASE": AVAILABLE, "REJECT": ARCHIVED, "GAP": ARCHIVED}


def offsets_of(fields: dict) -> list[int]:
    """The offsets a share event names: ``first_offset..last_offset``, or ``offsets`` as ints or [first, last] runs."""
    if "first_offset" in fields and fields["first_offset"] is not None:
        return list(range(int(fields["first_offset"]), int(fields["last_offset"]) + 1))
    out: list[int] = []
    for item in fields.get("offsets") or []:
        if isinstance(item, (list, tuple)):
            out.extend(range(int(item[0]), int(item[-1]) + 1))
        else:
            out.append(int(item))
    return out


def _target(ev: Any) -> tuple[str, str]:
    """(new state, cause) of one share event."""
    f, kind = ev.fields, ev.kind
    if kind == "share_acquired":
        return ACQUIRED, "acquired"
    if kind == "share_acknowledged":
        kind_of = str(f.get("type", "ACCEPT")).upper()
        return _ACK_STATE.get(kind_of, ACKNOWLEDGED), kind_of
    if kind == "share_lock_expired":
        return (ARCHIVED if f.get("to") == ARCHIVED else AVAILABLE), "lock expired"
    if kind == "share_released":
        return (ARCHIVED if f.get("to") == ARCHIVED else AVAILABLE), f"released ({f.get('cause', 'close')})"
    return ARCHIVED, str(f.get("cause", "archived"))


def share_states_frame(trace: Any, group: str, *, topic: str | None = None,
                       partition: int | None = None) -> pd.DataFrame:
    """Each record's state over time in share group ``group``: one row per stretch in one state.

    A record enters as Available when it is appended (or when the group first acquires from its partition,
    if that is later: records before the share-partition start offset are never in flight); ``share_acquired``
    makes it Acquired by one member (``client_id``, ``member``, ``delivery_count`` raised on acquisition);
    ACCEPT makes it Acknowledged, RELEASE Available, REJECT Archived; a lock expiry or a release on
    close/disconnect makes it Available again, or Archived when its delivery count reached the limit. The last
    stretch of each record runs to the end of the trace (``to_ms`` = ``attrs["end_ms"]``). ``cause`` says
    what started the stretch ("acquired", "ACCEPT", "RELEASE", "REJECT", "lock expired",
    "released (disconnect)", "delivery_count_limit", "appended"). Sorted by topic, partition, offset, from_ms.
    Text columns hold None (not NaN) where empty.

    ``attrs``: ``end_ms``, ``group``, ``crashes`` (list of (time_ms, client_id) from ``client_crashed``), ``hangs``
    ((time_ms, app) of the scenario's ``hang`` actions: the app's client id is its name),
    ``lock_expiries`` (list of (time_ms, topic, partition, offset, client_id)), ``clients`` (client ids in
    order of first acquisition).

    Kafka: share-partition record states (KIP-932; ``SharePartition.RecordState``) and the acquisition lock
    ``group.share.record.lock.duration.ms``. Simplification: kafkalab derives the states from trace events; a
    record is shown from its append, although Kafka's in-flight window [SPSO, SPEO] holds it only once fetched.

    Raises:
        ValueError: ``group`` does not appear in the trace.
    """
    trace = trace_of(trace)
    check_group(trace, group)
    end_ms = end_ms_of(trace)
    appended: dict[tuple[str, int, int], int] = {}
    first_fetch: dict[tuple[str, int], int] = {}
    state: dict[tuple[str, int, int], list] = {}      # key -> [state, client_id, member, dc, from_ms, cause]
    rows: list[list] = []
    member_client: dict[str, str] = {}
    crashes: list[tuple[int, str]] = []
    hangs: list[tuple[int, str]] = []
    expiries: list[tuple[int, str, int, int, str | None]] = []
    clients: list[str] = []

    def want(t: str, p: int) -> bool:
        return (topic is None or t == topic) and (partition is None or p == partition)

    def close(key: tuple, at_ms: int) -> None:
        s = state.get(key)
        if s is not None:
            rows.append([*key, s[0], s[1], s[2], s[3], s[4], at_ms, s[5]])

    for ev in trace:
        f = ev.fields
        if ev.kind == "append":
            for off in range(int(f["base_offset"]), int(f["last_offset"]) + 1):
                appended.setdefault((f["topic"], int(f["partition"]), off), ev.time_ms)
            continue
        if ev.kind == "client_crashed":
            crashes.append((ev.time_ms, f.get("client_id")))
            continue
        if ev.kind == "action" and f.get("action") == "hang":
            hangs.append((ev.time_ms, (f.get("args") or {}).get("app")))
            continue
        if ev.kind not in _KINDS or f.get("group") != group or not want(f["topic"], int(f["partition"])):
            continue
        t, p = f["topic"], int(f["partition"])
        first_fetch.setdefault((t, p), ev.time_ms)
        new, cause = _target(ev)
        member = f.get("member")
        if ev.kind == "share_acquired" and member is not None:
            member_client[member] = f.get("client_id") or member
            if member_client[member] not in clients:
                clients.append(member_client[member])
        for off in offsets_of(f):
            key = (t, p, off)
            old = state.get(key)
            if old is None:
                since = max(appended.get(key, ev.time_ms), first_fetch[(t, p)])
                if since < ev.time_ms:
                    state[key] = [AVAILABLE, None, None, 0, since, "appended"]
                    old = state[key]
            dc = int(f.get("delivery_count", old[3] if old else 0)) if ev.kind == "share_acquired" else (
                old[3] if old else 0)
            if ev.kind == "share_lock_expired":
                expiries.append((ev.time_ms, t, p, off, old[1] if old else member_client.get(member)))
            if old is not None and old[0] == new and new != ACQUIRED:
                if ev.kind == "share_archived" and cause.lower() not in old[5].lower():
                    old[5] = f"{old[5]}: {cause}"      # e.g. "lock expired: delivery_count_limit"
                continue
            close(key, ev.time_ms)
            holder = member_client.get(member, member) if new == ACQUIRED else None
            state[key] = [new, holder, member if new == ACQUIRED else None, dc, ev.time_ms, cause]
    for key in list(state):
        close(key, max(end_ms, state[key][4]))
    frame = pd.DataFrame(rows, columns=STATE_COLUMNS, dtype=object)     # object: None stays None
    frame = frame.sort_values(["topic", "partition", "offset", "from_ms"], kind="stable").reset_index(drop=True)
    for col in ("partition", "offset", "delivery_count", "from_ms", "to_ms"):
        frame[col] = frame[col].astype("int64")
    frame.attrs.update(end_ms=end_ms, group=group, crashes=crashes, hangs=hangs, lock_expiries=expiries,
                       clients=clients)
    return frame


def share_deliveries_frame(trace: Any, group: str, *, topic: str | None = None,
                           partition: int | None = None) -> pd.DataFrame:
    """Per record of share group ``group``: how many times it was delivered, to whom, and how it ended.

    One row per (topic, partition, offset) acquired at least once: ``deliveries`` (the last delivery count,
    int64 >= 1: 2 or more means redelivered), ``clients`` and ``times_ms`` (tuples in acquisition order),
    ``final_state`` (the state at the end of the trace: Acknowledged, Archived, Acquired or Available) and
    ``final_cause`` (what put it there). ``attrs``: ``end_ms``, ``group``.

    Kafka: the delivery count of KIP-932 (``Message.delivery_count()`` in confluent-kafka 2.16), bounded by
    ``group.share.delivery.count.limit`` (5): at the limit a record is archived, never delivered again.

    Raises:
        ValueError: ``group`` does not appear in the trace.
    """
    states = share_states_frame(trace, group, topic=topic, partition=partition)
    rows = []
    for (t, p, o), g in states.groupby(["topic", "partition", "offset"], sort=True):
        acquired = g[g["state"] == ACQUIRED]
        if acquired.empty:
            continue
        last = g.iloc[-1]
        rows.append([t, int(p), int(o), int(acquired["delivery_count"].max()), tuple(acquired["client_id"]),
                     tuple(int(x) for x in acquired["from_ms"]), last["state"], last["cause"]])
    frame = pd.DataFrame(rows, columns=DELIVERY_COLUMNS, dtype=object)
    for col in ("partition", "offset", "deliveries"):
        frame[col] = frame[col].astype("int64")
    frame.attrs.update(end_ms=states.attrs["end_ms"], group=group)
    return frame


__all__ = ["ACKNOWLEDGED", "ACQUIRED", "ARCHIVED", "AVAILABLE", "STATES", "offsets_of", "share_deliveries_frame",
           "share_states_frame"]
