"""Bench: every library scenario runs (and, when kafkalab.lab.frames exists, builds its frames) fast.

Goal: each scenario run < 200 ms wall. Prints one line per scenario: wall ms for the run, events
in the trace, virtual ms covered, and the frame-building time when the lab layer is present.
Run: /work/venv/bin/python bench/scenarios.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kafkalab.sim import library

GOAL_MS = 200.0


def frames_time_ms(sc) -> float | None:
    """HOOK for the frames helper: time to build the lab frames from ``sc.trace`` (None without kafkalab.lab)."""
    try:
        from kafkalab.lab import frames
    except ImportError:
        return None
    t0 = time.perf_counter()
    groups = sorted({e["group"] for e in sc.trace.events("generation")})
    if hasattr(frames, "events_frame"):
        frames.events_frame(sc.trace)
    for name in ("lag_frame", "deliveries_frame", "membership_frame"):
        fn = getattr(frames, name, None)
        for group in groups if fn is not None else ():
            fn(sc.trace, group=group)
    return (time.perf_counter() - t0) * 1000


def main() -> int:
    worst = 0.0
    print(f"{'scenario':32} {'run ms':>8} {'events':>7} {'virtual ms':>11} {'frames ms':>10}")
    for name in library.names():
        best = None
        for _ in range(3):
            t0 = time.perf_counter()
            sc = library.run(name)
            ms = (time.perf_counter() - t0) * 1000
            best = ms if best is None else min(best, ms)
        fr = frames_time_ms(sc)
        worst = max(worst, best)
        print(f"{name:32} {best:8.1f} {len(sc.trace):7d} {sc.now_ms:11d} {'-' if fr is None else f'{fr:.1f}':>10}")
    print(f"worst run {worst:.1f} ms (goal < {GOAL_MS:.0f} ms): {'OK' if worst < GOAL_MS else 'SLOW'}")
    return 0 if worst < GOAL_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
