"""The statistics JSON that ``stats_cb`` receives every ``statistics.interval.ms`` of virtual time.

Owns ``stats_json``: the subset of librdkafka's statistics (its STATISTICS.md) a learner needs for
a lag dashboard: the top-level client fields, ``topics.<t>.partitions.<p>`` with the offsets and
``consumer_lag``, and ``cgrp`` for a consumer in a group. Standard library only.
"""

from __future__ import annotations

import json
from typing import Any

from ..lag import consumer_lag
from .message import OFFSET_INVALID


def stats_json(client: Any) -> str:
    """librdkafka-shaped statistics of ``client`` now, as a JSON string.

    Per partition (consumer): ``committed_offset``, ``stored_offset``, ``app_offset`` (the position),
    ``next_offset`` (the next to fetch), ``lo_offset`` (log start), ``hi_offset`` (high watermark),
    ``ls_offset`` (last stable offset), ``consumer_lag`` = hi_offset (ls_offset under read_committed)
    minus committed_offset, and ``consumer_lag_stored`` the same against stored_offset; -1 where
    unknown, as librdkafka. Simplification: brokers, byte counters and latency windows are not
    reported; times are virtual.
    """
    now_ms = client._clock.now_ms
    out: dict[str, Any] = {
        "name": client._name, "client_id": client._client_id, "type": client._kind,
        "ts": now_ms * 1000, "time": now_ms // 1000, "age": (now_ms - client._created_ms) * 1000,
        "replyq": len(client._callbacks), "brokers": {}, "topics": {},
    }
    fetcher = getattr(client, "_fetcher", None)
    if fetcher is not None:
        out["msg_cnt"] = 0
        _consumer_stats(client, fetcher, out)
    else:
        queued = getattr(client, "_queued", 0)
        out["msg_cnt"] = queued
        for topic, (_count, pendings) in getattr(client, "_topic_info", {}).items():
            parts = {str(p): {"partition": p, "msgq_cnt": len(pend.records)} for p, pend in enumerate(pendings)}
            out["topics"][topic] = {"topic": topic, "partitions": parts}
    return json.dumps(out, separators=(",", ":"))


def _lag(end: int, offset: int) -> int:
    """``lag.consumer_lag``, -1 where unknown as librdkafka reports it."""
    lag = consumer_lag(end, offset)
    return -1 if lag is None else lag


def _consumer_stats(client: Any, fetcher: Any, out: dict) -> None:
    read_committed = fetcher.read_committed
    for (topic, partition), st in sorted(fetcher.assigned.items()):
        end = st.last_stable_offset if read_committed else st.high_watermark
        entry = {
            "partition": partition,
            "fetch_state": "active" if st.fetch_position is not None and not st.paused else
                           ("stopped" if st.paused else "offset-query"),
            "committed_offset": st.committed, "stored_offset": st.stored,
            "app_offset": st.position,
            "next_offset": st.fetch_position if st.fetch_position is not None else OFFSET_INVALID,
            "lo_offset": st.log_start_offset, "hi_offset": st.high_watermark, "ls_offset": st.last_stable_offset,
            "consumer_lag": _lag(end, st.committed), "consumer_lag_stored": _lag(end, st.stored),
            "fetchq_cnt": len(st.buffer),
        }
        out["topics"].setdefault(topic, {"topic": topic, "partitions": {}})["partitions"][str(partition)] = entry
    coord = getattr(client, "_coordinator", None)
    if coord is not None:
        out["cgrp"] = {"state": "up" if client._cluster is not None else "query-coord",
                       "join_state": _JOIN_STATES.get(coord.state.value, "init"),
                       "assignment_size": len(fetcher.assigned)}


# kafkalab's coordinator states as librdkafka's cgrp join_state names (rdkafka_cgrp.c); the KIP-848
# membership (consumer_membership.MemberJoinState) uses librdkafka's names already.
_JOIN_STATES = {"init": "init", "joining": "wait-join", "syncing": "wait-sync", "stable": "steady",
                "revoking": "wait-unassign-call", "left": "init", "fenced": "init", "failed": "init",
                "steady": "steady", "wait-unassign-call": "wait-unassign-call",
                "wait-assign-call": "wait-assign-call", "fatal": "init"}
