"""The cluster's append-only trace: one event per state change, with time and reason.

Owns ``TraceEvent`` and ``Trace``. Lag, redelivery counts, retention timelines and every plot
are derived from these events, never from private engine fields. No pandas here: the ``lab``
layer turns a trace into data frames. Standard library only.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple


class TraceEvent(NamedTuple):
    """One state change: ``seq`` (strictly increasing), ``time_ms``, ``kind``, ``fields``, ``reason``.

    Kafka: the analogue of librdkafka's "changing state X -> Y: reason" debug lines.
    """

    seq: int
    time_ms: int
    kind: str
    fields: dict[str, Any]
    reason: str

    def __getitem__(self, key):  # type: ignore[override]
        if isinstance(key, str):
            return self.fields[key]
        return tuple.__getitem__(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        """A field's value, or ``default``."""
        return self.fields.get(key, default)

    def to_dict(self) -> dict[str, Any]:
        """A flat, JSON-friendly dict: seq, time_ms, kind, reason and the fields."""
        return {"seq": self.seq, "time_ms": self.time_ms, "kind": self.kind, "reason": self.reason,
                **self.fields}


class Trace:
    """Append-only list of ``TraceEvent``; ``record`` is the only way in."""

    def __init__(self, clock) -> None:
        self._clock = clock
        self._events: list[TraceEvent] = []
        self._open = None       # the open run's fn (defer), or None
        self._wakers: list = []

    def defer(self, fn) -> None:
        """Open a run of coalesced events; the run open until now ends first (``seal_open``).

        ``fn(seal)`` is called before the next event is recorded or the next run opens
        (``seal=True``: the run ends there) and before the trace is read (``seal=False``: the run's
        event is published with ``append`` but the run stays open). A client ends its own run only
        through ``seal_open``.

        Clients coalesce per-record events (a run of delivered offsets) this way. At most one run is
        open, so a published run's event is always the trace's last one: only the last event may
        still grow (its ``last_offset``), and an event never changes once a later one is published.
        The events, their order and their final fields never depend on when, or whether, anyone
        read the trace: the same seed and steps give the same trace. Cost: a run ends whenever any
        other event is recorded or another run opens, so two consumers polling in turn get one
        event per record.
        """
        if self._open is not None:
            self.seal_open()
        self._open = fn

    def seal_open(self) -> None:
        """End the open run, if any (see ``defer``)."""
        fn = self._open
        if fn is not None:
            self._open = None
            fn(True)

    def _flush(self) -> None:
        fn = self._open
        if fn is not None:
            fn(False)

    def wake_on_record(self, fn) -> None:
        """Call ``fn()`` once, when the next event is recorded (periodic tasks sleeping through a quiet
        period use it: ``broker.periodic.QuietPeriodic``)."""
        self._wakers.append(fn)

    def _wake(self) -> None:
        wakers, self._wakers = self._wakers, []
        for fn in wakers:
            fn()

    def append(self, kind: str, reason: str = "", **fields: Any) -> TraceEvent:
        """Append an event without ending the open run (for the run's own event); see ``defer``."""
        event = TraceEvent(len(self._events), self._clock.now_ms, kind, fields, reason)
        self._events.append(event)
        if self._wakers:
            self._wake()
        return event

    def record(self, kind: str, reason: str = "", **fields: Any) -> TraceEvent:
        """Append an event at the clock's current time and return it (the open run ends first)."""
        if self._open is not None:
            self.seal_open()
        event = TraceEvent(len(self._events), self._clock.now_ms, kind, fields, reason)
        self._events.append(event)
        if self._wakers:
            self._wake()
        return event

    def __len__(self) -> int:
        self._flush()
        return len(self._events)

    def __iter__(self) -> Iterator[TraceEvent]:
        self._flush()
        return iter(list(self._events))

    def __getitem__(self, index):
        self._flush()
        return self._events[index]

    def until(self, time_ms: int) -> Trace:
        """A read-only copy holding the events at or before ``time_ms``: the trace as it was then.

        Simplification: a coalesced run of deliveries is one event at the time of its first record,
        so a run that went on past ``time_ms`` is included whole.
        """
        if isinstance(time_ms, bool) or not isinstance(time_ms, int):
            raise TypeError(f"until: time_ms must be an int, got {time_ms!r}")
        self._flush()
        copy = Trace(_StoppedClock(min(time_ms, self._clock.now_ms)))
        copy._events = [ev for ev in self._events if ev.time_ms <= time_ms]
        return copy

    def events(self, kind: str | None = None, **match: Any) -> list[TraceEvent]:
        """Events of ``kind`` (any kind when None) whose fields equal every ``match`` item."""
        self._flush()
        out = []
        for ev in self._events:
            if kind is not None and ev.kind != kind:
                continue
            if all(ev.fields.get(k) == v for k, v in match.items()):
                out.append(ev)
        return out

    def last(self, kind: str, **match: Any) -> TraceEvent | None:
        """The most recent event of ``kind`` matching ``match``, or None."""
        self._flush()
        for ev in reversed(self._events):
            if ev.kind == kind and all(ev.fields.get(k) == v for k, v in match.items()):
                return ev
        return None

    def kinds(self) -> list[str]:
        """The distinct kinds present, in order of first appearance."""
        return list(dict.fromkeys(ev.kind for ev in self))

    def text(self) -> str:
        """A stable, line-per-event text rendering, used for golden traces and determinism checks."""
        lines = []
        for ev in self:
            fields = " ".join(f"{k}={_fmt(v)}" for k, v in sorted(ev.fields.items()))
            lines.append(f"{ev.seq} {ev.time_ms} {ev.kind} {fields} | {ev.reason}")
        return "\n".join(lines)


class _StoppedClock:
    """The clock of a ``Trace.until`` copy: time stands at the cut."""

    def __init__(self, now_ms: int) -> None:
        self.now_ms = now_ms


def _fmt(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_fmt(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}:{_fmt(v)}" for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))) + "}"
    return str(value)
