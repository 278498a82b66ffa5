"""Widget benchmark (not a test): wall-clock time from a button click to a redrawn panel.

Builds a ScenarioPanel on the library's ``crash-before-commit`` scenario (run to 10 s) for each
plot, then calls ``.click()`` on buttons in turn (crash, run, restart, commit, produce burst, ...),
as a learner would, and prints the median and the maximum per plot. Each click runs the action
through ``Scenario.act``, derives the plot's frame from the trace, draws it and renders the HiDPI PNG
(192 dpi, shown at half size) that the panel's figure output is updated with.

Goal on the 2-core reference machine: median < 250 ms per click.

Usage: python bench/widgets.py [--repeat K]
"""

from __future__ import annotations

import argparse
import statistics
import time

import matplotlib

matplotlib.use("Agg")

from kafkalab.lab.widgets import ScenarioPanel
from kafkalab.sim import library

CLICKS = ["crash c1", "run 1 s", "run 10 s", "restart c1", "commit c2", "produce burst", "run 10 s", "crash c2",
          "run 60 s", "restart c2", "add consumer", "run 10 s"]
GOAL_MS = 250.0


def clicks(plot: str) -> list[float]:
    """Milliseconds per click for one panel."""
    sc = library.get("crash-before-commit")
    sc.run(until_ms=10_000)
    panel = ScenarioPanel(sc, plot=plot)
    out = []
    for name in CLICKS:
        button = panel.button(name)
        t0 = time.perf_counter()
        button.click()
        out.append((time.perf_counter() - t0) * 1000)
        if panel.error:
            raise SystemExit(f"{plot}: {name}: {panel.error}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    every = []
    for plot in ("lag", "redeliveries", "membership", "retention", "log"):
        ms = [m for _ in range(args.repeat) for m in clicks(plot)]
        every += ms
        print(f"{plot:13s} {len(ms):3d} clicks  median {statistics.median(ms):6.1f} ms  max {max(ms):6.1f} ms")
    med = statistics.median(every)
    print(f"{'all':13s} {len(every):3d} clicks  median {med:6.1f} ms  goal < {GOAL_MS:g} ms: "
          f"{'met' if med < GOAL_MS else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
