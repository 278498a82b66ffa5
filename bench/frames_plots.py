"""Time every lab frame and plot: wall ms per frame and per plot (goals: frames < 200 ms, plots < 300 ms).

Uses the sim library's scenarios when present, otherwise engine-made traces from tests/test_frames.py.
Prints figures; asserts nothing. Run: /work/venv/bin/python bench/frames_plots.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg

from kafkalab.lab import frames as F
from kafkalab.lab import plots as P
from kafkalab.lab.frames_common import known_groups, topic_partitions


def _ms(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, (time.perf_counter() - t0) * 1000


def sources():
    try:
        from kafkalab.sim import library
    except ImportError:
        library = None
    if library is not None:
        for name in library.names():
            yield name, library.run(name)
        return
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.test_frames import crash_before_commit, transactions
    yield "engine:crash_before_commit", crash_before_commit()
    yield "engine:transactions", transactions()


def bench(name, source) -> None:
    trace = source.trace
    group = (known_groups(trace) or [None])[0]
    topic = sorted(topic_partitions(trace))[0]
    jobs = [("events_frame", lambda: F.events_frame(source), None),
            ("retention_frame", lambda: F.retention_frame(source, topic=topic), P.plot_retention_timeline),
            ("log_frame", lambda: F.log_frame(source, topic=topic, partition=0), P.plot_log)]
    if group is not None:
        jobs += [("lag_frame", lambda: F.lag_frame(source, group=group), P.plot_lag),
                 ("deliveries_frame", lambda: F.deliveries_frame(source, group=group), P.plot_redeliveries),
                 ("membership_frame", lambda: F.membership_frame(source, group=group), P.plot_membership)]
    if trace.events("app_produced"):
        jobs.append(("outputs_frame", lambda: F.outputs_frame(source), P.plot_duplicates))
    print(f"{name}: {len(trace)} events, group={group}, topic={topic}")
    total = 0.0
    for label, make, plot in jobs:
        frame, fms = _ms(make)
        total += fms
        line = f"  {label:<17} {fms:7.1f} ms  rows={len(frame)}"
        if plot is not None:
            ax, pms = _ms(lambda plot=plot, frame=frame: plot(frame))
            _, dms = _ms(lambda ax=ax: FigureCanvasAgg(ax.figure).draw())
            line += f"   {plot.__name__:<24} {pms:7.1f} ms (+ render {dms:6.1f} ms)"
        print(line)
    print(f"  all frames        {total:7.1f} ms")


def main() -> None:
    from matplotlib.figure import Figure
    FigureCanvasAgg(Figure()).draw()   # warm up the Agg canvas before timing
    for name, source in sources():
        bench(name, source)


if __name__ == "__main__":
    main()
