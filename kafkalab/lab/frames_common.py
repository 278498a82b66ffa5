"""Helpers shared by the frame modules: find a trace, check group/topic/partition names.

Derived from the trace only; imports pandas (``lab`` layer). The engine never imports it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..trace import Trace


def trace_of(source: Any, name: str = "trace") -> Trace:
    """The ``Trace`` of ``source``: a Trace itself, or anything with a ``.trace`` (Cluster, Scenario).

    Raises:
        TypeError: ``source`` is neither.
    """
    if isinstance(source, Trace):
        return source
    trace = getattr(source, "trace", None)
    if isinstance(trace, Trace):
        return trace
    raise TypeError(f"{name} must be a kafkalab Trace or an object with a .trace (Cluster, Scenario), "
                    f"got {type(source).__name__}")


def end_ms_of(trace: Trace) -> int:
    """The experiment's end: the virtual time the trace's clock stands at (a Scenario's ``now_ms``, or the
    cut of ``Trace.until``). Frames store it as ``frame.attrs["end_ms"]`` so a plot covers the whole run."""
    clock = getattr(trace, "_clock", None)
    now = getattr(clock, "now_ms", None)
    if isinstance(now, int):
        return now
    return max((int(ev.time_ms) for ev in trace), default=0)


def known_groups(trace: Trace) -> list[str]:
    """Group ids that appear in the trace (any event with a ``group`` field), sorted."""
    return sorted({ev.fields["group"] for ev in trace if isinstance(ev.fields.get("group"), str)})


def check_group(trace: Trace, group: Any) -> str:
    """``group`` if the trace knows it, else ValueError naming it and the known groups."""
    if not isinstance(group, str):
        raise TypeError(f"group must be a str (a group.id), got {type(group).__name__}")
    groups = known_groups(trace)
    if group not in groups:
        raise ValueError(f"group={group!r} does not appear in the trace; known groups: {groups}")
    return group


def topic_partitions(trace: Trace) -> dict[str, int]:
    """Partition count of each user topic as of the end of the trace (created and not deleted)."""
    out: dict[str, int] = {}
    for ev in trace:
        created = ev.kind == "topic_created" and not ev.fields["topic"].startswith("__")
        if created or (ev.kind == "partitions_created" and ev.fields["topic"] in out):
            out[ev.fields["topic"]] = ev.fields["partitions"]
        elif ev.kind == "topic_deleted":
            out.pop(ev.fields["topic"], None)
    return out


def check_topic(trace: Trace, topic: Any) -> str:
    """``topic`` if the trace created it, else ValueError naming it and the known topics."""
    if not isinstance(topic, str):
        raise TypeError(f"topic must be a str, got {type(topic).__name__}")
    topics = {ev.fields["topic"] for ev in trace.events("topic_created")}
    if topic not in topics:
        raise ValueError(f"topic={topic!r} does not appear in the trace; known topics: "
                         f"{sorted(t for t in topics if not t.startswith('__'))}")
    return topic


def check_partition(trace: Trace, topic: str, partition: Any) -> int:
    """``partition`` if ``topic`` has it, else ValueError naming it and the allowed range."""
    if isinstance(partition, bool) or not isinstance(partition, int):
        raise TypeError(f"partition must be an int, got {type(partition).__name__}")
    count = max((ev.fields["partitions"] for ev in trace if ev.kind in ("topic_created", "partitions_created")
                 and ev.fields.get("topic") == topic), default=0)
    if not 0 <= partition < count:
        raise ValueError(f"partition={partition} is not a partition of topic {topic!r} "
                         f"(it has partitions 0..{count - 1})")
    return partition


def int_col(values: list, nullable: bool = False) -> pd.Series:
    """A Series of ints: int64, or pandas' nullable Int64 (None -> NA) when ``nullable``."""
    return pd.Series(values, dtype="Int64" if nullable else "int64")


class OffsetTracker:
    """Replays ``append``/``control_record``/``log_start_offset`` events into per-partition offsets.

    ``update(ev)`` returns the ``(topic, partition)`` whose offsets the event changed, or None.
    ``high_watermark`` is the end of the last append or marker: the engine has one broker, so the HW
    moves with the log end offset (Kafka: HW = LEO once every in-sync replica has the record).
    ``last_stable_offset`` is the first offset of the oldest open transaction, or the HW.

    Simplification: the HW is taken equal to the LEO, as the engine's single broker makes it.
    """

    def __init__(self) -> None:
        self.leo: dict[tuple[str, int], int] = {}
        self.log_start: dict[tuple[str, int], int] = {}
        self.open_txns: dict[tuple[str, int], dict[int, int]] = {}

    def update(self, ev) -> tuple[str, int] | None:
        kind, f = ev.kind, ev.fields
        if kind == "append":
            tp = (f["topic"], f["partition"])
            self.leo[tp] = f["last_offset"] + 1
            if f.get("transactional") and f.get("producer_id", -1) >= 0:
                self.open_txns.setdefault(tp, {}).setdefault(f["producer_id"], f["base_offset"])
            return tp
        if kind == "control_record":
            tp = (f["topic"], f["partition"])
            self.leo[tp] = f["offset"] + 1
            self.open_txns.get(tp, {}).pop(f["producer_id"], None)
            return tp
        if kind == "log_start_offset":
            tp = (f["topic"], f["partition"])
            self.log_start[tp] = f["new"]
            return tp
        if kind == "topic_deleted":
            for tp in [tp for tp in self.leo if tp[0] == f["topic"]]:
                self.leo.pop(tp)
                self.log_start.pop(tp, None)
                self.open_txns.pop(tp, None)
        return None

    def high_watermark(self, tp: tuple[str, int]) -> int:
        return self.leo.get(tp, 0)

    def last_stable_offset(self, tp: tuple[str, int]) -> int:
        hw = self.leo.get(tp, 0)
        opened = self.open_txns.get(tp)
        return min(hw, min(opened.values())) if opened else hw

    def end_offset(self, tp: tuple[str, int], isolation_level: str) -> int:
        """The end offset a consumer at ``isolation_level`` sees: LSO (read_committed) or HW."""
        return self.last_stable_offset(tp) if isolation_level == "read_committed" else self.high_watermark(tp)


ISOLATION_LEVELS = ("read_committed", "read_uncommitted")


def check_isolation(isolation_level: Any) -> str:
    if isolation_level not in ISOLATION_LEVELS:
        raise ValueError(f"isolation_level={isolation_level!r} is not allowed; use one of {list(ISOLATION_LEVELS)}")
    return isolation_level
