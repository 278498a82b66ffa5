"""Notebook benchmark (not a test): wall-clock seconds to execute every notebook headless.

Executes each ``notebooks/*.ipynb`` top to bottom with nbclient and the ``python3`` kernel, in a
fresh Jupyter/IPython/matplotlib configuration (as ``tests/test_notebooks.py`` does), one after the
other, and prints the seconds per notebook (kernel start included) and the total. The files are read
into memory and never written back.

Goals on the 2-core reference machine: the whole series < 90 s, no notebook > 20 s.

Usage: python bench/notebooks.py [NAME_SUBSTRING ...]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
SERIES_GOAL_S = 90.0
NOTEBOOK_GOAL_S = 20.0


def isolate(tmp: Path) -> None:
    """Point Jupyter, IPython and matplotlib at empty folders (the kernel inherits the environment)."""
    for var, sub in (("JUPYTER_CONFIG_DIR", "jupyter-config"), ("JUPYTER_DATA_DIR", "jupyter-data"),
                     ("JUPYTER_RUNTIME_DIR", "jupyter-runtime"), ("IPYTHONDIR", "ipython"),
                     ("MPLCONFIGDIR", "matplotlib")):
        (tmp / sub).mkdir()
        os.environ[var] = str(tmp / sub)
    os.environ["JUPYTER_PLATFORM_DIRS"] = "1"
    os.environ["MPLBACKEND"] = "Agg"
    os.environ.pop("JUPYTER_PATH", None)


def execute(path: Path) -> float:
    """Seconds (wall clock) to execute ``path``; raises nbclient's CellExecutionError on an error."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=120, allow_errors=False, store_widget_state=False,
                            resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="only notebooks whose file name contains one of these")
    args = parser.parse_args()
    paths = [p for p in sorted(NOTEBOOK_DIR.glob("*.ipynb")) if not args.names or any(n in p.name for n in args.names)]
    if not paths:
        print(f"no notebooks found in {NOTEBOOK_DIR}", file=sys.stderr)
        return 1
    total, slow = 0.0, []
    with tempfile.TemporaryDirectory() as tmp:
        isolate(Path(tmp))
        for path in paths:
            seconds = execute(path)
            total += seconds
            flag = "" if seconds <= NOTEBOOK_GOAL_S else f"  (over the {NOTEBOOK_GOAL_S:g} s goal)"
            print(f"{path.name:45s} {seconds:6.1f} s{flag}", flush=True)
            if seconds > NOTEBOOK_GOAL_S:
                slow.append(path.name)
    print(f"{'total (' + str(len(paths)) + ' notebooks)':45s} {total:6.1f} s   goal < {SERIES_GOAL_S:g} s: "
          f"{'met' if total < SERIES_GOAL_S and not slow else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
