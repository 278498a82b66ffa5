"""Partition-log frames: segments and retention over time, and a partition's offsets as cells.

Derived from the trace only (``segment_created``/``segment_rolled``/``segment_deleted``,
``log_start_offset``, ``append``, ``control_record``, ``offset_commit``). Imports pandas; the
engine never imports this module.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .frames_common import OffsetTracker, check_partition, check_topic, end_ms_of, trace_of

RETENTION_COLUMNS = ["kind", "topic", "partition", "time_ms", "base_offset", "end_offset", "created_ms",
                     "rolled_ms", "roll_cause", "deleted_ms", "delete_cause", "delete_reason", "group",
                     "offset", "reason"]
_RETENTION_INT = {"partition": "int64", "time_ms": "int64", "base_offset": "Int64", "end_offset": "Int64",
                  "created_ms": "Int64", "rolled_ms": "Int64", "deleted_ms": "Int64", "offset": "Int64"}


def retention_frame(trace: Any, topic: str) -> pd.DataFrame:
    """Segments, log start offset and every group's committed offsets of ``topic``, over time.

    A long frame; ``kind`` says what a row is:

    - ``"segment"``: one row per segment (``base_offset`` inclusive, ``end_offset`` exclusive: the
      log end offset at the trace's end for the active segment), ``created_ms``, ``rolled_ms`` and
      ``roll_cause`` ("size", "time", ... or NA while active), ``deleted_ms``, ``delete_cause``
      ("retention.ms", "retention.bytes", "delete_records", ...) and the full ``delete_reason``.
      ``time_ms`` = ``created_ms``.
    - ``"log_start_offset"``: the first retained offset moving to ``offset`` at ``time_ms`` (a row
      at the topic's creation with offset 0 starts it).
    - ``"committed_offset"``: ``group`` committed ``offset`` (the next offset to consume) at
      ``time_ms``; ``offset`` NA when the offsets expired. Deletion ignores committed offsets:
      a committed offset below the log start offset means the group's next fetch is out of range.

    Columns: kind, topic, roll_cause, delete_cause, delete_reason, group, reason (str or None);
    partition, time_ms (int64); base_offset, end_offset, created_ms, rolled_ms, deleted_ms,
    offset (Int64). Sorted by kind, partition, time. ``frame.attrs``: ``topic`` and ``end_ms``, the
    experiment's end (``frames_common.end_ms_of``: the scenario's clock or the cut of ``Trace.until``),
    up to which a plot draws the segments still in the log and the last offsets.

    Kafka: ``retention.ms``, ``retention.bytes``, ``segment.bytes``, ``segment.ms``, log start offset.

    Raises:
        ValueError: ``topic`` does not appear in the trace.
    """
    trace = trace_of(trace)
    check_topic(trace, topic)
    segments: dict[tuple[int, int], dict] = {}
    rows: list[dict] = []
    leo: dict[int, int] = {}
    for ev in trace:
        f = ev.fields
        if ev.kind == "topic_deleted" and f["topic"] == topic:
            segments.clear()
            rows.clear()
            leo.clear()
        if ev.kind == "topic_created" and f["topic"] == topic:
            for p in range(f["partitions"]):
                rows.append({"kind": "log_start_offset", "partition": p, "time_ms": ev.time_ms, "offset": 0,
                             "reason": "topic created"})
        if f.get("topic") == topic:
            _segment_event(ev, segments, rows, leo)
        elif ev.kind == "offset_commit" and not f.get("error"):
            for t, p, o in f["offsets"]:
                if t == topic:
                    rows.append({"kind": "committed_offset", "partition": p, "time_ms": ev.time_ms,
                                 "group": f["group"], "offset": o, "reason": ev.reason})
        elif ev.kind == "offsets_expired":
            for t, p in f["partitions"]:
                if t == topic:
                    rows.append({"kind": "committed_offset", "partition": p, "time_ms": ev.time_ms,
                                 "group": f["group"], "offset": None, "reason": ev.reason})
    for (p, _), seg in segments.items():
        if seg.get("end_offset") is None:
            seg["end_offset"] = leo.get(p, seg["base_offset"])
        rows.append(seg)
    order = {"segment": 0, "log_start_offset": 1, "committed_offset": 2}
    rows.sort(key=lambda r: (order[r["kind"]], r["partition"], r["time_ms"], r.get("base_offset") or 0))
    df = pd.DataFrame({c: pd.Series([topic if c == "topic" else r.get(c) for r in rows],
                                    dtype=_RETENTION_INT.get(c, "object")) for c in RETENTION_COLUMNS})
    df.attrs.update({"topic": topic, "end_ms": end_ms_of(trace)})
    return df


def _segment_event(ev, segments: dict, rows: list, leo: dict) -> None:
    f = ev.fields
    kind = ev.kind
    if kind == "segment_created":
        segments[(f["partition"], f["base_offset"])] = {
            "kind": "segment", "partition": f["partition"], "time_ms": ev.time_ms, "base_offset": f["base_offset"],
            "end_offset": None, "created_ms": ev.time_ms, "reason": ev.reason}
    elif kind == "segment_rolled":
        seg = segments.get((f["partition"], f["base_offset"]))
        if seg is not None:
            seg.update(end_offset=f["end_offset"], rolled_ms=ev.time_ms, roll_cause=f.get("cause"))
    elif kind == "segment_deleted":
        seg = segments.get((f["partition"], f["base_offset"]))
        if seg is not None:
            seg.update(end_offset=f["end_offset"], deleted_ms=ev.time_ms, delete_cause=f.get("cause"),
                       delete_reason=ev.reason)
    elif kind == "log_start_offset":
        rows.append({"kind": "log_start_offset", "partition": f["partition"], "time_ms": ev.time_ms,
                     "offset": f["new"], "reason": ev.reason})
    elif kind == "append":
        leo[f["partition"]] = f["last_offset"] + 1
    elif kind == "control_record":
        leo[f["partition"]] = f["offset"] + 1


LOG_COLUMNS = ["offset", "kind", "control", "producer_id", "transactional", "state", "append_ms"]


def log_frame(source: Any, topic: str, partition: int, *, at_ms: int | None = None) -> pd.DataFrame:
    """One partition's retained offsets as cells, with its offsets pointers in ``frame.attrs``.

    One row per offset from the log start offset to the log end offset (exclusive), as of
    ``at_ms`` (default: the end of the trace). ``kind``: "record" or "control" (a transaction
    marker, ``control`` "COMMIT"/"ABORT", which takes one offset and no consumer ever receives).
    ``state``: "committed" (a non-transactional record, or one whose transaction committed),
    "aborted" (its transaction's ABORT marker landed: read_committed consumers drop it), "open"
    (its transaction is still running: it holds back the LSO) or "marker".
    ``frame.attrs``: topic, partition, at_ms, ``log_start_offset``, ``last_stable_offset``,
    ``high_watermark``, ``log_end_offset``, ``committed`` ({group: committed offset}) and ``end_ms``
    (``at_ms``, or the experiment's end: ``frames_common.end_ms_of``).

    Columns: offset, producer_id, append_ms (int64); transactional (bool); kind, control, state (str).

    Kafka: ``docs/implementation.html`` §5.3 (control batches); KafkaConsumer javadoc "Reading
    Transactional Messages". Simplification: records removed by compaction still show as cells
    (the trace does not list them); the high watermark equals the log end offset (one broker).

    Raises:
        ValueError: unknown ``topic`` or ``partition``, or a negative ``at_ms``.
        TypeError: ``source`` is not a Trace, Cluster or Scenario.
    """
    trace = trace_of(source, "source")
    check_topic(trace, topic)
    check_partition(trace, topic, partition)
    if at_ms is not None and (isinstance(at_ms, bool) or not isinstance(at_ms, int) or at_ms < 0):
        raise ValueError(f"at_ms={at_ms!r} must be a non-negative int (virtual ms) or None")
    tp = (topic, partition)
    offsets = OffsetTracker()
    cells: dict[int, list] = {}
    committed: dict[str, int | None] = {}
    for ev in trace:
        if at_ms is not None and ev.time_ms > at_ms:
            break
        f = ev.fields
        if ev.kind == "topic_deleted" and f["topic"] == topic:
            cells.clear()
            committed.clear()
        if offsets.update(ev) == tp:
            _log_cell(ev, cells)
        elif ev.kind == "offset_commit" and not f.get("error"):
            for t, p, o in f["offsets"]:
                if (t, p) == tp:
                    committed[f["group"]] = o
        elif ev.kind == "offsets_expired" and [topic, partition] in f["partitions"]:
            committed.pop(f["group"], None)
    start = offsets.log_start.get(tp, 0)
    rows = [cells[o] for o in sorted(cells) if o >= start]
    df = pd.DataFrame({c: pd.Series([r[i] for r in rows], dtype={"offset": "int64", "producer_id": "int64",
                                                                   "append_ms": "int64", "transactional": "bool"}
                                    .get(c, "object")) for i, c in enumerate(LOG_COLUMNS)})
    df.attrs.update({"topic": topic, "partition": partition, "at_ms": at_ms, "log_start_offset": start,
                     "last_stable_offset": offsets.last_stable_offset(tp),
                     "high_watermark": offsets.high_watermark(tp), "log_end_offset": offsets.leo.get(tp, 0),
                     "committed": {g: o for g, o in sorted(committed.items()) if o is not None},
                     "end_ms": at_ms if at_ms is not None else end_ms_of(trace)})
    return df


def _log_cell(ev, cells: dict) -> None:
    f = ev.fields
    if ev.kind == "append":
        txn = bool(f.get("transactional"))
        for off in range(f["base_offset"], f["last_offset"] + 1):
            cells[off] = [off, "record", None, f.get("producer_id", -1), txn, "open" if txn else "committed",
                          ev.time_ms]
    elif ev.kind == "control_record":
        pid, first, marker = f["producer_id"], f.get("first_offset"), f["offset"]
        outcome = "committed" if f["control"] == "COMMIT" else "aborted"
        if first is not None:
            for off in range(first, marker):
                cell = cells.get(off)
                if cell is not None and cell[3] == pid and cell[4] and cell[5] == "open":
                    cell[5] = outcome
        cells[marker] = [marker, "control", f["control"], pid, True, "marker", ev.time_ms]
