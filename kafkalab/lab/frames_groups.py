"""Consumer-group frames: lag over time, deliveries per offset, and partition ownership (membership).

Derived from the trace only (``offset_commit``, ``append``, ``control_record``, ``deliver``,
``assigned``/``revoked``/``lost``, ``member_removed``, ``client_crashed``, ...). Imports pandas;
the engine never imports this module.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..lag import consumer_lag
from .frames_common import (
    OffsetTracker,
    check_group,
    check_isolation,
    end_ms_of,
    int_col,
    topic_partitions,
    trace_of,
)

LAG_COLUMNS = ["seq", "time_ms", "topic", "partition", "committed_offset", "high_watermark",
               "last_stable_offset", "end_offset", "lag", "tool_lag", "cause"]


def _group_topics(trace, group: str) -> set[str]:
    """Topics the group subscribed to, was assigned, delivered or committed."""
    topics: set[str] = set()
    for ev in trace:
        f = ev.fields
        if f.get("group") != group:
            continue
        topics.update(f.get("topics") or ())
        for tp in (f.get("partitions") or []) + (f.get("offsets") or []):
            topics.add(tp[0])
        if isinstance(f.get("topic"), str):
            topics.add(f["topic"])
    return topics


def lag_frame(trace: Any, group: str, *, isolation_level: str = "read_committed") -> pd.DataFrame:
    """Committed offset, end offsets and lag of every partition of ``group``'s topics, over time.

    One row each time something moved one partition's numbers: a record or transaction marker
    appended (``cause`` "append" / "control_record"), a commit by the group ("offset_commit"),
    offsets expired ("offsets_expired"); plus one row per partition at the trace's last event
    ("end"). ``committed_offset`` is the *next* offset the group will consume (last processed + 1).
    ``end_offset`` is the end visible at ``isolation_level``: the last stable offset for
    ``read_committed`` (librdkafka's default, used here by default), the high watermark for
    ``read_uncommitted``. ``lag = end_offset - committed_offset``. ``tool_lag`` is what
    ``kafka-consumer-groups --describe`` prints: ``high_watermark - committed_offset`` whatever the
    consumers' isolation level (transaction markers add about one per transaction).

    Partitions with no committed offset: ``committed_offset``, ``lag`` and ``tool_lag`` are NA, as
    the tool prints "-" for them; the rows are kept so the end offsets still show.

    Columns: seq, time_ms, partition, committed_offset, high_watermark, last_stable_offset,
    end_offset (int64 except committed_offset, lag, tool_lag: Int64), topic and cause (str).
    ``frame.attrs``: ``group``, ``isolation_level``, ``end_ms`` (the experiment's end,
    ``frames_common.end_ms_of``: a plot draws every partition's last value up to it).

    Kafka: ``kafka-consumer-groups.sh --describe`` (CURRENT-OFFSET, LOG-END-OFFSET, LAG);
    ``isolation.level``. Simplification: the high watermark equals the log end offset (one broker).

    Raises:
        ValueError: ``group`` does not appear in the trace, or a bad ``isolation_level``.
    """
    trace = trace_of(trace)
    check_group(trace, group)
    check_isolation(isolation_level)
    topics = _group_topics(trace, group)
    counts = topic_partitions(trace)
    offsets = OffsetTracker()
    committed: dict[tuple[str, int], int | None] = {}
    rows: list[tuple] = []

    def row(ev, tp: tuple[str, int], cause: str) -> None:
        hw, lso = offsets.high_watermark(tp), offsets.last_stable_offset(tp)
        end = lso if isolation_level == "read_committed" else hw
        c = committed.get(tp)
        rows.append((ev.seq, ev.time_ms, tp[0], tp[1], c, hw, lso, end, consumer_lag(end, c), consumer_lag(hw, c),
                     cause))

    last = None
    for ev in trace:
        last = ev
        tp = offsets.update(ev)
        if tp is not None and tp[0] in topics and ev.kind != "log_start_offset":
            row(ev, tp, ev.kind)
        elif ev.fields.get("group") == group and ev.kind == "offset_commit" and not ev.fields.get("error"):
            for t, p, o in ev.fields["offsets"]:
                committed[(t, p)] = o
                row(ev, (t, p), "offset_commit")
        elif ev.fields.get("group") == group and ev.kind == "offsets_expired":
            for t, p in ev.fields["partitions"]:
                committed[(t, p)] = None
                row(ev, (t, p), "offsets_expired")
    if last is not None:
        for t in sorted(topics):
            for p in range(counts.get(t, 0)):
                row(last, (t, p), "end")
    df = _lag_df(rows)
    df.attrs.update({"group": group, "isolation_level": isolation_level, "end_ms": end_ms_of(trace)})
    return df


def _lag_df(rows: list[tuple]) -> pd.DataFrame:
    cols = list(zip(*rows)) if rows else [[] for _ in LAG_COLUMNS]
    nullable = {"committed_offset", "lag", "tool_lag"}
    data = {}
    for name, values in zip(LAG_COLUMNS, cols):
        if name in ("topic", "cause"):
            data[name] = pd.Series(list(values), dtype="object")
        else:
            data[name] = int_col(list(values), nullable=name in nullable)
    return pd.DataFrame(data)


DELIVERY_COLUMNS = ["topic", "partition", "offset", "deliveries", "first_ms", "last_ms", "members", "clients",
                    "generations", "times_ms"]


def deliveries_frame(trace: Any, group: str) -> pd.DataFrame:
    """How many times each offset was handed to the application by ``group``'s consumers.

    One row per (topic, partition, offset) that ``poll()``/``consume()`` returned at least once:
    ``deliveries`` (int64, >= 1; 2 or more means redelivered), ``first_ms``/``last_ms`` (int64),
    and tuples in delivery order: ``members`` (member ids), ``clients`` (client.id values),
    ``generations`` (generation ids; -1 for a standalone ``assign()`` consumer) and ``times_ms``.
    Control records and records a read_committed consumer dropped are never delivered, so their
    offsets are absent. Sorted by topic, partition, offset.

    Kafka: no Kafka metric counts this for classic groups; the idea is KIP-932's "delivery count"
    (share groups). A lab metric built from ``deliver`` trace events.

    Raises:
        ValueError: ``group`` does not appear in the trace.
    """
    trace = trace_of(trace)
    check_group(trace, group)
    per: dict[tuple[str, int, int], list] = {}
    for ev in trace.events("deliver", group=group):
        f = ev.fields
        for off in range(f["first_offset"], f["last_offset"] + 1):
            per.setdefault((f["topic"], f["partition"], off), []).append(
                (f["member_id"], f["client_id"], f.get("generation_id", -1), ev.time_ms))
    keys = sorted(per)
    cols: dict[str, list] = {c: [] for c in DELIVERY_COLUMNS}
    for key in keys:
        hits = per[key]
        cols["topic"].append(key[0])
        cols["partition"].append(key[1])
        cols["offset"].append(key[2])
        cols["deliveries"].append(len(hits))
        cols["first_ms"].append(hits[0][3])
        cols["last_ms"].append(hits[-1][3])
        cols["members"].append(tuple(h[0] for h in hits))
        cols["clients"].append(tuple(h[1] for h in hits))
        cols["generations"].append(tuple(h[2] for h in hits))
        cols["times_ms"].append(tuple(h[3] for h in hits))
    return pd.DataFrame({c: pd.Series(v, dtype="int64" if c in ("partition", "offset", "deliveries", "first_ms",
                                                                  "last_ms") else "object")
                         for c, v in cols.items()})


MEMBERSHIP_COLUMNS = ["member_id", "client_id", "client", "generation_id", "topic", "partition", "from_ms", "to_ms",
                      "end", "crashed_ms"]


def membership_frame(trace: Any, group: str) -> pd.DataFrame:
    """Who owned which partition when: one row per continuous ownership within one generation.

    A row opens when a member's consumer is assigned the partition (the ``assigned`` event after
    SyncGroup) and closes (``to_ms``, ``end``) when it is revoked ("revoked"), lost ("lost"), the
    consumer closes ("closed"), the broker removes the member ("removed: session_timeout", ...), a
    static member's new instance takes its place ("replaced"), or the next generation re-assigns it
    ("generation": the row continues in a new row, without a gap). ``to_ms``/``end`` are NA/None when
    the member still owned it at the end of the trace. A crashed consumer keeps its partitions, as
    far as the group knows, until the session times out: ``crashed_ms`` (Int64) marks the crash
    inside such a row. Standalone ``assign()`` consumers are not members and are left out.

    Columns: member_id, client_id, client (the instance name), topic, end (str); generation_id,
    partition, from_ms (int64); to_ms, crashed_ms (Int64). ``frame.attrs``: ``group``, ``end_ms``
    (the experiment's end, ``frames_common.end_ms_of``: the scenario's clock or the cut of
    ``Trace.until``), ``members`` (list of (client, client_id) of every consumer instance that joined the
    group, in joining order, including members that never owned a partition), ``idle`` (list of
    (client, client_id, from_ms, to_ms or None): a member assigned nothing in a generation),
    ``generations`` (list of (time_ms,
    generation_id)), ``rebalances`` (times the group entered PreparingRebalance, with the reason),
    ``crashes`` (list of (time_ms, client_id)), ``crashed`` (the same as (time_ms, client)) and
    ``removals`` (list of (time_ms, client_id, cause, last_heartbeat_ms, client); the last heartbeat is
    None when the trace does not say).

    Kafka: classic group protocol (JoinGroup/SyncGroup generations); ``session.timeout.ms``. Under
    the consumer protocol (KIP-848) ``generation_id`` is the member epoch of the assignment, a
    ``member_fenced`` or ``member_left`` (epoch -1) event is a removal, and ``generations`` and
    ``rebalances`` stay empty (there is no group-wide rebalance).

    Raises:
        ValueError: ``group`` does not appear in the trace.
    """
    trace = trace_of(trace)
    check_group(trace, group)
    own = _Ownership()
    attrs: dict[str, Any] = {"group": group, "end_ms": end_ms_of(trace), "members": [], "generations": [],
                             "rebalances": [], "crashes": [], "crashed": [], "removals": [], "idle": []}
    client_of: dict[str, str] = {}  # member id -> client instance
    client_id_of: dict[str, str] = {}   # member id -> client.id
    idle: dict[str, tuple] = {}     # client -> (client_id, member_id, from_ms): a member that owns nothing

    def stop_idle(which, time_ms) -> None:
        for client in [c for c, o in idle.items() if which(c, o)]:
            client_id, _member, since = idle.pop(client)
            attrs["idle"].append((client, client_id, since, time_ms))

    for ev in trace:
        f = ev.fields
        if ev.kind == "client_crashed" and (f["client"] in own.clients
                                            or f["client"] in {c for c, _ in attrs["members"]}):
            attrs["crashes"].append((ev.time_ms, f["client_id"]))
            attrs["crashed"].append((ev.time_ms, f["client"]))
            own.crash(f["client"], ev.time_ms)
        if f.get("group") != group:
            continue
        if f.get("member_id") and f.get("client"):
            client_of[f["member_id"]] = f["client"]
            client_id_of[f["member_id"]] = f.get("client_id") or ""
        if (ev.kind in ("join_group", "reconcile") and f.get("client")       # reconcile: KIP-848's first answer
                and (f["client"], f["client_id"]) not in attrs["members"]):
            attrs["members"].append((f["client"], f["client_id"]))
        if ev.kind == "generation":
            attrs["generations"].append((ev.time_ms, f["generation_id"]))
        elif ev.kind == "group_state" and f["new"] == "PreparingRebalance":
            attrs["rebalances"].append((ev.time_ms, ev.reason))
        elif ev.kind == "assigned" and f.get("member_id"):
            own.assigned(ev)
            owned = f.get("assignment") if f.get("assignment") is not None else f["partitions"]
            if owned:
                stop_idle(lambda c, o, f=f: c == f["client"], ev.time_ms)
            elif f["client"] not in idle:
                idle[f["client"]] = (f["client_id"], f["member_id"], ev.time_ms)
        elif ev.kind in ("revoked", "lost") and f.get("member_id"):
            own.close(lambda k, o, f=f: k[0] == f["client"] and list(k[1:]) in f["partitions"], ev.time_ms, ev.kind)
        elif ev.kind == "consumer_closed":
            own.close(lambda k, o, f=f: k[0] == f["client"], ev.time_ms, "closed")
            stop_idle(lambda c, o, f=f: c == f["client"], ev.time_ms)
        elif ev.kind == "member_removed":
            attrs["removals"].append((ev.time_ms, f["client_id"], f["cause"], f.get("last_heartbeat_ms"),
                                      client_of.get(f["member_id"])))
            own.close(lambda k, o, f=f: o["member_id"] == f["member_id"], ev.time_ms, f"removed: {f['cause']}")
            stop_idle(lambda c, o, f=f: o[1] == f["member_id"], ev.time_ms)
        elif ev.kind == "member_fenced" or (ev.kind == "member_left" and f.get("member_epoch") != -2):
            # KIP-848: the coordinator fenced the member (e.g. its session expired) or it left with epoch -1;
            # epoch -2 is a static member leaving temporarily, which keeps its assignment reserved.
            mid = f.get("member")
            cause = f.get("cause") or ("leave_group" if ev.kind == "member_left" else "fenced")
            cid = f.get("client_id") or client_id_of.get(mid, "")
            attrs["removals"].append((ev.time_ms, cid, cause, f.get("last_heartbeat_ms"), client_of.get(mid)))
            own.close(lambda k, o, mid=mid: o["member_id"] == mid, ev.time_ms, f"removed: {cause}")
            stop_idle(lambda c, o, mid=mid: o[1] == mid, ev.time_ms)
        elif ev.kind == "member_replaced":
            own.close(lambda k, o, f=f: o["member_id"] == f["old_member_id"], ev.time_ms, "replaced")
            stop_idle(lambda c, o, f=f: o[1] == f["old_member_id"], ev.time_ms)
    stop_idle(lambda c, o: True, None)
    own.close(lambda k, o: True, None, None)
    rows = sorted(own.rows, key=lambda r: (r["topic"], r["partition"], r["from_ms"], r["client"]))
    df = pd.DataFrame({c: pd.Series([r[c] for r in rows],
                                    dtype={"generation_id": "int64", "partition": "int64", "from_ms": "int64",
                                           "to_ms": "Int64", "crashed_ms": "Int64"}.get(c, "object"))
                       for c in MEMBERSHIP_COLUMNS})
    df.attrs.update(attrs)
    return df


class _Ownership:
    """Open ownership rows keyed by (client, topic, partition)."""

    def __init__(self) -> None:
        self.open: dict[tuple[str, str, int], dict] = {}
        self.rows: list[dict] = []
        self.clients: set[str] = set()

    def assigned(self, ev) -> None:
        f = ev.fields
        client, gen = f["client"], f.get("generation_id", -1)
        self.clients.add(client)
        full = {tuple(tp) for tp in (f.get("assignment") if f.get("assignment") is not None else f["partitions"])}
        self.close(lambda k, o: k[0] == client and (k[1:] not in full or o["generation_id"] != gen),
                   ev.time_ms, "generation")
        for t, p in sorted(full):
            if (client, t, p) not in self.open:
                self.open[(client, t, p)] = {"member_id": f["member_id"], "client_id": f["client_id"],
                                             "client": client, "generation_id": gen, "topic": t, "partition": p,
                                             "from_ms": ev.time_ms, "crashed_ms": None}

    def crash(self, client: str, time_ms: int) -> None:
        for key, o in self.open.items():
            if key[0] == client:
                o["crashed_ms"] = time_ms

    def close(self, which, time_ms: int | None, end: str | None) -> None:
        for key in [k for k, o in self.open.items() if which(k, o)]:
            o = self.open.pop(key)
            self.rows.append({**o, "to_ms": time_ms, "end": end})


CRASH_TIMELINE_COLUMNS = ["step", "event", "time_ms", "client_id", "detail"]


def crash_timeline_frame(trace: Any, group: str, *, client_id: str | None = None) -> pd.DataFrame:
    """The steps from a member's crash to the first redelivery of its records, one row per step.

    For the first crash of a member of ``group`` (or of ``client_id``'s consumer): ``last heartbeat``
    (the member's last heartbeat before the coordinator removed it), ``crash`` (the process died: no
    LeaveGroup), ``removed`` (the coordinator removed the member, ``session.timeout.ms`` after the
    last heartbeat), ``new generation`` (the rebalance that hands its partitions to survivors
    completed) and ``first redelivery`` (a survivor received an offset the crashed member had
    already received). A step the trace does not reach (the session has not timed out yet) is left
    out. Columns: step (int64, 0..), time_ms (int64), event, client_id, detail (str).
    ``frame.attrs``: ``group``, ``client_id``, ``end_ms`` (the experiment's end),
    ``session_timeout_ms`` (removal minus last heartbeat, None without a removal) and
    ``redelivery_gap_ms`` (crash to first redelivery, None without one).

    Kafka: ``session.timeout.ms`` (classic protocol: heartbeats to the group coordinator).

    Raises:
        ValueError: ``group`` does not appear in the trace, or no member of it crashed.
    """
    trace = trace_of(trace)
    check_group(trace, group)
    members = membership_frame(trace, group)
    crashed = [(t, c) for t, c in members.attrs["crashes"] if client_id is None or c == client_id]
    if not crashed:
        who = f"client.id {client_id!r}" if client_id else "a member"
        raise ValueError(f"crash_timeline_frame: {who} of group {group!r} never crashed in this trace")
    crash_ms, cid = crashed[0]
    rows: list[tuple[str, int, str]] = []
    removal = next((r for r in members.attrs["removals"] if r[1] == cid and r[0] >= crash_ms), None)
    if removal is not None and removal[3] is not None:
        rows.append(("last heartbeat", removal[3], "the coordinator's last sign of life from the member"))
    rows.append(("crash", crash_ms, "process died: no LeaveGroup, no commit"))
    gen = None
    if removal is not None:
        rows.append(("removed", removal[0], f"cause {removal[2]}"))
        gen = next(((t, g) for t, g in members.attrs["generations"] if t >= removal[0]), None)
    if gen is not None:
        rows.append(("new generation", gen[0], f"generation {gen[1]} without {cid}"))
    again = None
    for ev in trace.events("deliver", group=group):
        if ev.time_ms <= crash_ms or ev.fields["client_id"] == cid:
            continue
        if _delivered_to(trace, group, cid, ev, crash_ms):
            again = ev
            break
    if again is not None:
        f = again.fields
        rows.append(("first redelivery", again.time_ms,
                     f"{f['topic']}-{f['partition']}@{f['first_offset']} to {f['client_id']}"))
    rows.sort(key=lambda r: r[1])
    df = pd.DataFrame({"step": pd.Series(range(len(rows)), dtype="int64"),
                       "event": pd.Series([r[0] for r in rows], dtype="object"),
                       "time_ms": pd.Series([r[1] for r in rows], dtype="int64"),
                       "client_id": pd.Series([cid] * len(rows), dtype="object"),
                       "detail": pd.Series([r[2] for r in rows], dtype="object")})
    df.attrs.update({"group": group, "client_id": cid, "end_ms": members.attrs["end_ms"],
                     "session_timeout_ms": None if removal is None or removal[3] is None else removal[0] - removal[3],
                     "redelivery_gap_ms": None if again is None else again.time_ms - crash_ms})
    return df


def _delivered_to(trace, group: str, client_id: str, ev, before_ms: int) -> bool:
    """Whether ``client_id`` had received one of the offsets in deliver event ``ev`` before ``before_ms``."""
    f = ev.fields
    for old in trace.events("deliver", group=group, client_id=client_id):
        g = old.fields
        if (old.time_ms <= before_ms and (g["topic"], g["partition"]) == (f["topic"], f["partition"])
                and g["first_offset"] <= f["last_offset"] and f["first_offset"] <= g["last_offset"]):
            return True
    return False


COMMIT_COLUMNS = ["seq", "time_ms", "client_id", "member_id", "topic", "partition", "committed_offset", "error"]


def commits_frame(trace: Any, group: str) -> pd.DataFrame:
    """Every offset commit written for ``group``: one row per (commit, partition), in trace order.

    From ``offset_commit`` events: who wrote it (``client_id``; ``member_id`` is "" for a standalone
    ``assign()`` consumer, which commits under the group.id without being a member), the partition
    and ``committed_offset`` (the next offset to consume). Rejected commits keep their row with
    ``error`` set (the broker's error name) and did not change the group's offset.

    Columns: seq, time_ms, partition, committed_offset (int64); client_id, member_id, topic, error
    (str or None). ``frame.attrs``: ``group``, ``end_ms``.

    Kafka: OffsetCommit; the group keeps one committed offset per partition, the last one written.

    Raises:
        ValueError: ``group`` does not appear in the trace.
    """
    trace = trace_of(trace)
    check_group(trace, group)
    rows = []
    for ev in trace.events("offset_commit", group=group):
        f = ev.fields
        for t, p, o in f.get("offsets") or []:
            rows.append((ev.seq, ev.time_ms, f.get("client_id"), f.get("member_id") or "", t, p, o, f.get("error")))
    cols = list(zip(*rows)) if rows else [[] for _ in COMMIT_COLUMNS]
    ints = {"seq", "time_ms", "partition", "committed_offset"}
    df = pd.DataFrame({c: pd.Series(list(v), dtype="int64" if c in ints else "object")
                       for c, v in zip(COMMIT_COLUMNS, cols)})
    df.attrs.update({"group": group, "end_ms": end_ms_of(trace)})
    return df
