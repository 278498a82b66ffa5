"""Command line: ``python -m kafkalab report [NOTEBOOK ...] --out DIR [--no-input]``.

Exit codes: 0 all reports written, 1 a notebook failed to execute (the others are still written),
2 bad input (unknown notebook, an output folder that cannot be written).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kafkalab", description="kafkalab tools")
    sub = parser.add_subparsers(dest="command", required=True)
    report = sub.add_parser("report", help="execute notebooks and write offline HTML reports",
                            description="Execute each notebook and write one self-contained, offline HTML "
                                        "report per notebook plus index.html. No names: every notebook.")
    report.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                        help="a .ipynb path or a name in notebooks/ (e.g. 00-start-here)")
    report.add_argument("--out", required=True, type=Path, metavar="DIR", help="output folder (created)")
    report.add_argument("--no-input", action="store_true", help="a reader's version: leave out the code")
    args = parser.parse_args(argv)

    from kafkalab.lab.report import ReportError, build_reports, find_notebooks, prepare_out_dir

    try:
        notebooks = find_notebooks(args.notebooks)
        prepare_out_dir(args.out)
    except ReportError as exc:
        print(f"kafkalab report: error: {exc}", file=sys.stderr)
        return 2
    reports = build_reports(notebooks, args.out, no_input=args.no_input,
                            progress=lambda line: print(line, flush=True))
    failed = [r for r in reports if r.error]
    if failed:
        print(f"kafkalab report: {len(failed)} of {len(reports)} notebooks failed: "
              + ", ".join(r.notebook.name for r in failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
