"""Virtual time: an integer count of milliseconds and a queue of timed callbacks.

Owns ``VirtualClock``. Nothing in the engine reads the wall clock, sleeps or starts a thread:
time moves only when a client waits (``poll``, ``flush``) or the program calls ``advance``.
Ties are broken by ``(time_ms, priority, seq)``, so every run is reproducible; the priorities the
engine uses are the one table ``Priority``. Standard library only.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import Any

MAX_TIME_MS = 2**63 - 1
"""The latest virtual time: Kafka's timestamps are int64 milliseconds. Advancing past it raises ValueError."""


class Priority:
    """The order of timers due at the same millisecond (lower runs first): the engine's one table.

    Within one level, timers run in the order they were scheduled. The levels only order work that
    falls due together; they never move a timer in time. Changing a value changes traces. The levels
    are plain ints, not an IntEnum: the timer heap compares them often, and int compares are faster.

    Attributes:
        DEFAULT: request and response deliveries, linger, retries, rebalance delays and every other
            timer without a reason to go elsewhere: the traffic of that millisecond happens first.
        HEARTBEAT: the consumer's heartbeat timer: after that millisecond's traffic, before the
            liveness checks.
        POLL_INTERVAL_CHECK: the consumer's ``max.poll.interval.ms`` check, after its heartbeat.
        SESSION_CHECK: the group coordinator's ``session.timeout.ms`` check, after the heartbeats
            and poll checks of that millisecond.
        AUTO_COMMIT: librdkafka's background auto-commit tick, after the group's liveness checks.
            ``OffsetCommitter`` also reads it: a tick due now has already run when the running timer
            is later than this level.
        EXPIRY: broker housekeeping that expires state: transactions past ``transaction.timeout.ms``
            and committed offsets past ``offsets.retention.minutes``; after the client timers.
        RETENTION: the log retention check, after heartbeats, session checks and offset expiry.
        DELIVERY_RUN: closing the consumer's run of delivered records into one ``deliver`` event,
            after every engine timer of that millisecond.
        SCRIPT_ACTION: a scenario's scripted action, after every other timer of that millisecond,
            so an action appended by ``act()`` (after ``run`` reached that time) lands at the same
            place when the script is replayed.
    """

    DEFAULT = 0
    HEARTBEAT = 3
    POLL_INTERVAL_CHECK = 4
    SESSION_CHECK = 5
    AUTO_COMMIT = 6
    EXPIRY = 20
    RETENTION = 30
    DELIVERY_RUN = 100
    SCRIPT_ACTION = 10_000


class Timer:
    """A scheduled callback; ``cancel()`` stops it from running."""

    __slots__ = ("time_ms", "priority", "seq", "fn", "args", "cancelled")

    def __init__(self, time_ms: int, priority: int, seq: int, fn: Callable[..., Any], args: tuple) -> None:
        self.time_ms = time_ms
        self.priority = priority
        self.seq = seq
        self.fn = fn
        self.args = args
        self.cancelled = False

    def cancel(self) -> None:
        """Prevent the callback from running (idempotent)."""
        self.cancelled = True


class VirtualClock:
    """An integer millisecond clock with a heap of timers ordered by (time_ms, priority, seq).

    ``now_ms`` never decreases. Callbacks due at the same time run in priority order (lower
    first), then in the order they were scheduled.

    Kafka: stands in for the broker's and clients' wall clocks and background threads.
    """

    def __init__(self, start_ms: int = 0) -> None:
        self.now_ms = int(start_ms)
        self._heap: list[tuple[int, int, int, Timer]] = []
        self._seq = 0
        self.current: Timer | None = None     # the timer whose callback is running (None: the program runs)

    def call_at(self, time_ms: int, fn: Callable[..., Any], *args: Any, priority: int = Priority.DEFAULT) -> Timer:
        """Schedule ``fn(*args)`` at ``time_ms`` (clamped to now if in the past)."""
        self._seq += 1
        when = max(int(time_ms), self.now_ms)
        timer = Timer(when, priority, self._seq, fn, args)
        heapq.heappush(self._heap, (when, priority, self._seq, timer))
        return timer

    def call_later(self, delay_ms: int, fn: Callable[..., Any], *args: Any, priority: int = Priority.DEFAULT) -> Timer:
        """Schedule ``fn(*args)`` ``delay_ms`` after now."""
        return self.call_at(self.now_ms + int(delay_ms), fn, *args, priority=priority)

    def next_time_ms(self) -> int | None:
        """The time of the earliest pending timer, or None when nothing is scheduled."""
        heap = self._heap
        while heap and heap[0][3].cancelled:
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def run_next(self, until_ms: int) -> bool:
        """Run the earliest timer due at or before ``until_ms``; return False if there is none.

        The clock moves to that timer's time first.
        """
        heap = self._heap
        while heap:
            timer = heap[0][3]
            if timer.cancelled:
                heapq.heappop(heap)
                continue
            if timer.time_ms > until_ms:
                return False
            heapq.heappop(heap)
            if timer.time_ms > self.now_ms:
                self.now_ms = timer.time_ms
            outer, self.current = self.current, timer
            try:
                timer.fn(*timer.args)
            finally:
                self.current = outer
            return True
        return False

    def run_until(self, until_ms: int, stop: Callable[[], bool] | None = None) -> bool:
        """Run timers up to ``until_ms``, then set the clock to it.

        With ``stop``, return True as soon as it reports True after a timer ran (the clock then
        stays at that timer's time); otherwise return False once ``until_ms`` is reached.
        """
        until_ms = int(until_ms)
        if until_ms > MAX_TIME_MS:
            raise ValueError(f"virtual time cannot pass kafkalab.clock.MAX_TIME_MS = 2**63 - 1 ms (Kafka's int64 "
                             f"timestamps): asked for {until_ms} ms, now is {self.now_ms} ms")
        if stop is not None and stop():
            return True
        while self.run_next(until_ms):
            if stop is not None and stop():
                return True
        if until_ms > self.now_ms:
            self.now_ms = until_ms
        return False

    def advance(self, ms: int) -> None:
        """Move time forward by ``ms`` milliseconds, running every timer that falls due.

        Idle periods cost nothing: periodic tasks sleep while nothing can become due (see
        ``broker.periodic``), so even a very long advance returns at once on a quiet cluster.

        Raises:
            ValueError: ``ms`` < 0, or now + ``ms`` beyond ``MAX_TIME_MS`` (2**63 - 1).
        """
        if isinstance(ms, bool) or not isinstance(ms, int):
            raise TypeError(f"advance: ms must be an int number of milliseconds, got {ms!r}")
        if ms < 0:
            raise ValueError(f"advance: ms must be >= 0 (time never goes back), got {ms}")
        self.run_until(self.now_ms + ms)
