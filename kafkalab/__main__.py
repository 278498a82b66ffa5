"""Command line: ``python -m kafkalab report [NOTEBOOK ...] --out DIR [--no-input]`` and
``python -m kafkalab lite --out DIR [--offline]``.

report exit codes: 0 all reports written, 1 a notebook failed to execute (the others are still written),
2 bad input (unknown notebook, an output folder that cannot be written).
lite exit codes: 0 site written, 1 the build failed, 2 bad output folder or tools missing, 3 a verified
package file cannot be had (missing or refused; the message names it).
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
                                        "report per notebook plus index.html. No names: every notebook. "
                                        "Each runs in a Jupyter kernel process: on a machine, not in the "
                                        "JupyterLite site (Pyodide has no processes).")
    report.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                        help="a .ipynb path or a name in notebooks/ (e.g. 00-start-here)")
    report.add_argument("--out", required=True, type=Path, metavar="DIR", help="output folder (created)")
    report.add_argument("--no-input", action="store_true", help="a reader's version: leave out the code")
    lite = sub.add_parser("lite", help="write the workbook as a JupyterLite site (static files, no server)",
                          description="Write a JupyterLite site of the notebooks: they run in the browser on "
                                      "Pyodide, served as static files. Default: Pyodide from its public CDN. "
                                      "Runs pip, npm and jupyter lite build: on a machine, not in the site. "
                                      "See docs/lite.md.")
    lite.add_argument("--out", required=True, type=Path, metavar="DIR", help="output folder (created or replaced)")
    lite.add_argument("--offline", action="store_true",
                      help="no external request at all: Pyodide and its packages in the site, verified by sha256")
    args = parser.parse_args(argv)
    if args.command == "lite":
        return _lite(args.out, args.offline)

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


def _lite(out: Path, offline: bool) -> int:
    from kafkalab.lite import LiteBuildError, PackagesUnavailable, build_site

    try:
        site = build_site(out, offline=offline, progress=lambda line: print(line, flush=True))
    except PackagesUnavailable as exc:
        print(f"kafkalab lite: error: verified package unavailable: {exc}", file=sys.stderr)
        return 3
    except LiteBuildError as exc:
        print(f"kafkalab lite: error: {exc}", file=sys.stderr)
        return 1 if "failed" in str(exc) else 2
    kind = "offline (no external request)" if site.offline else "Pyodide from the CDN"
    print(f"kafkalab lite: wrote {site.out} ({kind}): {site.files} files, {site.size_bytes / 1e6:.1f} MB, "
          f"{site.seconds:.1f} s; open lab/index.html?path=notebooks/00-start-here.ipynb from a web server")
    return 0


if __name__ == "__main__":
    sys.exit(main())
