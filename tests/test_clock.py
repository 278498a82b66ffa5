"""VirtualClock: ordering, cancellation, and time that never goes back."""

import pytest

from kafkalab.clock import VirtualClock


def test_clock_runs_timers_in_time_priority_seq_order():
    """Timers fire by (time, priority, seq); the clock jumps to each timer's time."""
    clock = VirtualClock()
    log = []
    clock.call_at(5, lambda: log.append((clock.now_ms, "b")))
    clock.call_at(5, lambda: log.append((clock.now_ms, "a")), priority=-1)
    clock.call_at(2, lambda: log.append((clock.now_ms, "c")))
    clock.call_at(5, lambda: log.append((clock.now_ms, "d")))
    clock.advance(10)
    assert log == [(2, "c"), (5, "a"), (5, "b"), (5, "d")]
    assert clock.now_ms == 10


def test_clock_cancelled_timer_does_not_run():
    """A cancelled timer never fires and does not count as pending."""
    clock = VirtualClock()
    fired = []
    t = clock.call_later(3, fired.append, 1)
    t.cancel()
    assert clock.next_time_ms() is None
    clock.advance(5)
    assert fired == []


def test_clock_rejects_negative_and_non_int_advance():
    """advance() names the bad value; time never goes back."""
    clock = VirtualClock()
    with pytest.raises(ValueError, match="-1"):
        clock.advance(-1)
    with pytest.raises(TypeError, match=r"1\.5"):
        clock.advance(1.5)


def test_clock_timer_in_the_past_runs_now():
    """A timer scheduled before now runs at now, without moving the clock back."""
    clock = VirtualClock(100)
    seen = []
    clock.call_at(50, lambda: seen.append(clock.now_ms))
    clock.advance(0)
    assert seen == [100]


def test_clock_run_until_stops_when_ready():
    """run_until returns True at the first timer after which the predicate holds."""
    clock = VirtualClock()
    box = []
    clock.call_at(7, box.append, 1)
    clock.call_at(9, box.append, 2)
    assert clock.run_until(100, lambda: bool(box)) is True
    assert clock.now_ms == 7
