"""Pipeline outputs frame (each output record and side effect linked to the input record it came from) and
processed_frame (how many times each input record was processed, per application).

Derived from the trace: ``append``/``control_record`` on the output topic (which offsets exist and
whether their transaction committed), the sim's ``app_produced`` (output offset -> input offset)
and ``app_side_effect`` events. Imports pandas; the engine never imports this module.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .frames_common import check_topic, trace_of
from .frames_log import _log_cell

OUTPUT_COLUMNS = ["kind", "time_ms", "app", "instance", "topic", "partition", "offset", "input_topic",
                  "input_partition", "input_offset", "state", "visible", "copies", "duplicate", "linked_by"]
_DTYPES = {"time_ms": "int64", "instance": "Int64", "partition": "Int64", "offset": "Int64",
           "input_partition": "Int64", "input_offset": "Int64", "visible": "bool", "copies": "int64",
           "duplicate": "bool"}


def outputs_frame(source: Any, *, output: str | None = None, app: str | None = None,
                  header: str = "input") -> pd.DataFrame:
    """Output records of a consume-transform-produce pipeline and its side effects, linked to inputs.

    Rows of ``kind`` "output": every record offset appended to the ``output`` topic (default: the
    topics named by ``app_produced`` events), with ``state`` "committed", "aborted" or "open" (see
    ``log_frame``) and ``visible`` (True when a read_committed consumer receives it: state
    "committed"). The input (``input_topic``/``input_partition``/``input_offset``) comes from the
    app's ``app_produced`` event (``linked_by`` "trace"); when the delivery report never reached the
    app (it crashed first), from the record's ``header`` ("topic/partition/offset", ``linked_by``
    "header") read from the cluster's log if ``source`` has a ``.cluster`` or is one; else NA.
    Rows of ``kind`` "side_effect": one per ``app_side_effect`` event (a write outside Kafka, such
    as ``Scenario.sink``); topic/partition/offset NA and ``visible`` True.

    ``copies``: how many visible rows of the same kind and app share the input; ``duplicate``: a
    visible row that is not the first of its kind and app for its input (so at-least-once shows duplicate outputs, and
    exactly-once shows duplicate side effects but none among visible outputs).

    Columns: kind, app, topic, input_topic, state, linked_by (str or None); time_ms, copies
    (int64); instance, partition, offset, input_partition, input_offset (Int64); visible,
    duplicate (bool). Sorted by kind, then time.

    Kafka: KIP-98/KIP-447 exactly-once (``docs/design.html`` §4.6); side effects outside Kafka are
    not covered. ``app`` filters by the sim app's name.

    Raises:
        ValueError: unknown ``output`` topic or ``app``, or no outputs to show.
    """
    trace = trace_of(source, "source")
    produced = [ev for ev in trace.events("app_produced") if app is None or ev.fields.get("app") == app]
    effects = [ev for ev in trace.events("app_side_effect") if app is None or ev.fields.get("app") == app]
    if app is not None and not trace.events("app_started", app=app):
        apps = sorted({ev.fields["app"] for ev in trace.events("app_started")})
        raise ValueError(f"app={app!r} does not appear in the trace; known apps: {apps}")
    outputs = [output] if output is not None else sorted({ev.fields["topic"] for ev in produced})
    if not outputs:
        raise ValueError("no pipeline output in the trace (no app_produced events): pass output=<topic>")
    for t in outputs:
        check_topic(trace, t)
    links = {(ev.fields["topic"], ev.fields["partition"], ev.fields["offset"]): ev for ev in produced}
    rows = _output_rows(trace, set(outputs), links, getattr(source, "cluster", source), header)
    for ev in effects:
        inp = ev.fields.get("input") or [None, None, None]
        rows.append({"kind": "side_effect", "time_ms": ev.time_ms, "app": ev.fields.get("app"),
                     "instance": ev.fields.get("instance"), "input_topic": inp[0], "input_partition": inp[1],
                     "input_offset": inp[2], "state": "done", "visible": True, "linked_by": "trace"})
    _mark_duplicates(rows)
    rows.sort(key=lambda r: (r["kind"], r["time_ms"], r.get("partition") or 0, r.get("offset") or 0))
    return pd.DataFrame({c: pd.Series([r.get(c) for r in rows], dtype=_DTYPES.get(c, "object"))
                         for c in OUTPUT_COLUMNS})


def _output_rows(trace, outputs: set[str], links: dict, cluster: Any, header: str) -> list[dict]:
    cells: dict[tuple[str, int], dict[int, list]] = {}
    for ev in trace:
        f = ev.fields
        if ev.kind == "topic_deleted" and f["topic"] in outputs:
            for tp in [tp for tp in cells if tp[0] == f["topic"]]:
                del cells[tp]
        if ev.kind in ("append", "control_record") and f["topic"] in outputs:
            _log_cell(ev, cells.setdefault((f["topic"], f["partition"]), {}))
    rows = []
    for (t, p), by_offset in sorted(cells.items()):
        headers = None
        for off, cell in sorted(by_offset.items()):
            if cell[1] != "record":
                continue
            link = links.get((t, p, off))
            row = {"kind": "output", "time_ms": cell[6], "topic": t, "partition": p, "offset": off,
                   "state": cell[5], "visible": cell[5] == "committed", "linked_by": None}
            if link is not None:
                inp = link.fields.get("input") or [None, None, None]
                row.update(app=link.fields.get("app"), instance=link.fields.get("instance"), linked_by="trace",
                           input_topic=inp[0], input_partition=inp[1], input_offset=inp[2])
            else:
                headers = _headers(cluster, t, p) if headers is None else headers
                inp = _parse_input(headers.get(off, {}).get(header))
                if inp is not None:
                    row.update(linked_by="header", input_topic=inp[0], input_partition=inp[1], input_offset=inp[2])
            rows.append(row)
    return rows


def _headers(cluster: Any, topic: str, partition: int) -> dict[int, dict]:
    """Record headers by offset from the cluster's stored log (read-only), or {} without a cluster."""
    part = getattr(cluster, "partition", None)
    if not callable(part):
        return {}
    out: dict[int, dict] = {}
    for batch in part(topic, partition).batches():
        if batch.is_control:
            continue
        for i, rec in enumerate(batch.records):
            if rec is not None and rec[3]:
                out[batch.base_offset + i] = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in rec[3]}
    return out


def _parse_input(text: Any) -> tuple[str, int, int] | None:
    if not isinstance(text, str) or text.count("/") < 2:
        return None
    topic, part, off = text.rsplit("/", 2)
    try:
        return topic, int(part), int(off)
    except ValueError:
        return None


def _mark_duplicates(rows: list[dict]) -> None:
    seen: dict[tuple, int] = {}
    for r in sorted(rows, key=lambda r: (r["time_ms"], r.get("offset") or 0)):
        key = (r["kind"], r.get("app"), r.get("input_topic"), r.get("input_partition"), r.get("input_offset"))
        linked = r.get("input_topic") is not None
        if r["visible"] and linked:
            seen[key] = seen.get(key, 0) + 1
            r["duplicate"] = seen[key] > 1
        else:
            r["duplicate"] = False
    for r in rows:
        key = (r["kind"], r.get("app"), r.get("input_topic"), r.get("input_partition"), r.get("input_offset"))
        r["copies"] = seen.get(key, 0) if r.get("input_topic") is not None else 0


PROCESSED_COLUMNS = ["row", "app", "topic", "partition", "offset", "processed"]


def processed_frame(source: Any, *, topic: str | None = None, app: str | None = None) -> pd.DataFrame:
    """How many times each input record was processed, per application: 0 is a lost record, 2 a duplicate.

    ``source``: a Trace, anything with a ``.trace`` (Scenario, Cluster, a ``library_eos`` run), or a
    dict ``{row name: source}`` (one row per entry, e.g. one run per commit policy). Counts come from
    the trace's ``app_processed`` events (an application finished processing the record); the
    offsets are every data record appended to the topics those events name (or ``topic``), so an
    offset no application processed has a row with ``processed`` 0. Without a dict, rows are the
    apps of the trace (``app`` keeps one).

    Columns: row, app, topic (str); partition, offset, processed (int64). Sorted by row (in order of
    appearance), topic, partition, offset.

    Kafka: a lab metric; Kafka itself does not know whether a record was processed, only what was
    committed.

    Raises:
        ValueError: unknown ``topic`` or ``app``, or no ``app_processed`` events.
    """
    sources = source if isinstance(source, dict) else {None: source}
    rows: list[dict] = []
    for name, src in sources.items():
        trace = trace_of(src, "source")
        done = [ev for ev in trace.events("app_processed") if app is None or ev.fields.get("app") == app]
        if not done:
            raise ValueError(f"no app_processed events{f' for app={app!r}' if app else ''} in the trace"
                             f"{f' of {name!r}' if name is not None else ''}")
        topics = [topic] if topic is not None else sorted({ev.fields["topic"] for ev in done})
        for t in topics:
            check_topic(trace, t)
        offsets: dict[tuple[str, int], set[int]] = {}
        for ev in trace.events("append"):
            if ev.fields["topic"] in topics:
                offsets.setdefault((ev.fields["topic"], ev.fields["partition"]), set()).update(
                    range(ev.fields["base_offset"], ev.fields["last_offset"] + 1))
        apps = list(dict.fromkeys(ev.fields.get("app") for ev in done))
        for a in apps:
            counts: dict[tuple[str, int, int], int] = {}
            for ev in done:
                if ev.fields.get("app") == a:
                    key = (ev.fields["topic"], ev.fields["partition"], ev.fields["offset"])
                    counts[key] = counts.get(key, 0) + 1
            for (t, p), offs in sorted(offsets.items()):
                for o in sorted(offs):
                    rows.append({"row": a if name is None else name, "app": a, "topic": t, "partition": p,
                                 "offset": o, "processed": counts.get((t, p, o), 0)})
    return pd.DataFrame({c: pd.Series([r[c] for r in rows],
                                      dtype="int64" if c in ("partition", "offset", "processed") else "object")
                         for c in PROCESSED_COLUMNS})
