"""Fixed-rate broker tasks that cost nothing while nothing can become due.

Owns ``QuietPeriodic``: a task run every ``interval_ms`` of virtual time on a fixed grid
(``first, first + interval, ...``). When a run changed nothing (no trace event was recorded while
it ran), the runs that follow can act only through the passing of time, until something else is
recorded; so the task asks ``due_fn`` for the earliest time it could act and sleeps until the first
grid point at or after it, or until the trace records anything (then it runs at the next grid
point as before). Outcomes are the same as running every interval; only the idle runs are skipped,
which makes ``Cluster.advance`` over a long idle period cheap. Standard library only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class QuietPeriodic:
    """Run ``fn`` every ``interval_ms`` on a fixed grid, skipping the runs of quiet periods.

    ``due_fn()`` answers, after a run that recorded nothing, the earliest time (ms) at which a run
    could act without any other recorded change, or None when nothing can become due by time
    alone. Every state change of the engine is traced (``Trace.record``), which wakes the task.

    Kafka: the broker's ``KafkaScheduler`` fixed-rate tasks (log retention, offsets expiry); a run
    over a period in which nothing can change does nothing, so skipping it changes no outcome.
    """

    def __init__(self, clock: Any, trace: Any, interval_ms: Callable[[], int], fn: Callable[[], Any],
                 due_fn: Callable[[], int | None], priority: int) -> None:
        self.clock = clock
        self.trace = trace
        self.interval_ms = interval_ms
        self.fn = fn
        self.due_fn = due_fn
        self.priority = priority
        self.timer: Any = None
        self.next_ms = 0            # the grid point of the next (or sleeping) run
        self.last_ms: int | None = None   # the grid point of the last run
        self.skipped = 0            # grid points whose run was skipped (quiet), up to last_ms
        self.sleeping = False
        self.active = False
        self._hooked = False

    @property
    def started(self) -> bool:
        return self.timer is not None or self.sleeping

    def start_at(self, first_ms: int) -> None:
        """Schedule the first run at ``first_ms``; the grid continues from there."""
        self.next_ms = first_ms
        self.last_ms = None
        self.active = True
        self.timer = self.clock.call_at(first_ms, self._run, priority=self.priority)

    def stop(self) -> None:
        """No more runs (``fn`` may call it); ``start_at`` starts a new grid."""
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self.sleeping = False
        self.active = False

    def missed(self) -> int:
        """Grid points passed without a run (skipped quiet runs), including the current sleep."""
        if not self.sleeping or self.last_ms is None:
            return self.skipped
        interval = self.interval_ms()
        return self.skipped + max(0, (self.clock.now_ms - self.last_ms) // interval)

    def last_grid_ms(self) -> int | None:
        """The grid point of the latest run, a skipped one included (None before the first)."""
        if self.last_ms is None:
            return None
        if not self.sleeping:
            return self.last_ms
        interval = self.interval_ms()
        return self.last_ms + max(0, (self.clock.now_ms - self.last_ms) // interval) * interval

    def _run(self) -> None:
        self.timer = None
        if self.sleeping:           # woke by time: the due grid point
            self.sleeping = False
        if self.last_ms is not None:
            interval = self.interval_ms()
            self.skipped += max(0, (self.next_ms - self.last_ms) // interval - 1)
        mark = len(self.trace._events)
        self.fn()
        if not self.active:
            return
        self.last_ms = self.next_ms
        interval = self.interval_ms()
        following = self.next_ms + interval
        if len(self.trace._events) == mark:
            due = self.due_fn()
            if due is None or due > following:
                self._sleep(due, interval)
                return
        self.next_ms = following
        self.timer = self.clock.call_at(following, self._run, priority=self.priority)

    def _sleep(self, due: int | None, interval: int) -> None:
        self.sleeping = True
        if not self._hooked:
            self._hooked = True
            self.trace.wake_on_record(self._wake)
        if due is not None:
            steps = -(-(due - self.last_ms) // interval)       # ceil: the first grid point >= due
            self.next_ms = self.last_ms + steps * interval
            self.timer = self.clock.call_at(self.next_ms, self._run, priority=self.priority)

    def _wake(self) -> None:
        """Something was recorded: run at the next grid point from now, as the fixed rate would."""
        self._hooked = False
        if not self.sleeping or not self.active:
            return
        self.sleeping = False
        if self.timer is not None:
            self.timer.cancel()
        interval = self.interval_ms()
        now = self.clock.now_ms
        steps = max(1, -(-(now - self.last_ms) // interval))
        self.next_ms = self.last_ms + steps * interval
        self.timer = self.clock.call_at(self.next_ms, self._run, priority=self.priority)
