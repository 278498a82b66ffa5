"""Trace -> tidy pandas DataFrames: events, lag, deliveries, membership, retention, log cells, outputs.

Owns the public frame functions and the helpers they share. Every frame is derived from
``cluster.trace`` (``kafkalab.trace``), never from private engine fields, so a saved trace
explains itself. Concept modules: ``frames_groups`` (lag, deliveries, membership),
``frames_log`` (retention, log cells) and ``frames_outputs`` (pipeline outputs).
Imports pandas; the engine never imports this module.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .frames_common import trace_of
from .frames_groups import commits_frame, crash_timeline_frame, deliveries_frame, lag_frame, membership_frame
from .frames_log import log_frame, retention_frame
from .frames_outputs import outputs_frame

EVENT_COLUMNS = ["seq", "time_ms", "kind", "topic", "partition", "group", "client_id", "member_id",
                 "reason", "fields"]


def events_frame(trace: Any) -> pd.DataFrame:
    """Every trace event as one row, in trace order.

    Columns (stable): ``seq`` (int64, strictly increasing), ``time_ms`` (int64, virtual ms),
    ``kind`` (str), ``topic`` (str or None), ``partition`` (Int64, NA when the event has none),
    ``group``, ``client_id``, ``member_id`` (str or None), ``reason`` (str) and ``fields`` (the
    event's full field dict, a copy). The same seed and steps give an identical frame.

    Kafka: the analogue of librdkafka's debug log ("changing state X -> Y: reason").

    Raises:
        TypeError: ``trace`` is not a Trace or an object with one.
    """
    events = list(trace_of(trace))
    data: dict[str, list] = {c: [] for c in EVENT_COLUMNS}
    for ev in events:
        f = ev.fields
        data["seq"].append(ev.seq)
        data["time_ms"].append(ev.time_ms)
        data["kind"].append(ev.kind)
        data["topic"].append(f.get("topic"))
        part = f.get("partition")
        data["partition"].append(part if isinstance(part, int) else None)
        data["group"].append(f.get("group"))
        data["client_id"].append(f.get("client_id"))
        data["member_id"].append(f.get("member_id"))
        data["reason"].append(ev.reason)
        data["fields"].append(dict(f))
    return pd.DataFrame({
        "seq": pd.Series(data["seq"], dtype="int64"),
        "time_ms": pd.Series(data["time_ms"], dtype="int64"),
        "kind": pd.Series(data["kind"], dtype="object"),
        "topic": pd.Series(data["topic"], dtype="object"),
        "partition": pd.Series(data["partition"], dtype="Int64"),
        "group": pd.Series(data["group"], dtype="object"),
        "client_id": pd.Series(data["client_id"], dtype="object"),
        "member_id": pd.Series(data["member_id"], dtype="object"),
        "reason": pd.Series(data["reason"], dtype="object"),
        "fields": pd.Series(data["fields"], dtype="object"),
    })



__all__ = ["commits_frame", "crash_timeline_frame",
           "deliveries_frame", "events_frame", "lag_frame", "log_frame", "membership_frame", "outputs_frame",
           "retention_frame", "trace_of"]
