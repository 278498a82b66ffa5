"""JupyterLite benchmark (not a test): the offline site's size and build time, and the notebooks in Chromium.

Builds the offline site with ``kafkalab.lite.build_site`` (downloads are cached, so the first run
after a clean cache is slower; ``--cold`` times a build with an empty cache too), serves it on
127.0.0.1 from a thread and opens each notebook in headless Chromium (/usr/bin/chromium, Playwright)
with every non-local request aborted, in a fresh browser profile per notebook (nothing cached): seconds
from opening the page to an idle kernel and to the first executed cell, then Run All, and for 02 the
panel's crash-button redraw. Needs ``pip install -e '.[test]'`` (jupyterlite, playwright).

Goals on the 2-core reference machine: build < 30 s with a warm cache; first cell < 30 s after the
page opens; no notebook's Run All > 60 s.

Usage: python bench/lite.py [NAME_SUBSTRING ...] [--cold] [--site DIR] [--shots DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from lite_page import KNOWN_STDERR, click_panel_button, offline_page, run_all, serve  # noqa: E402

from kafkalab.lite import build_site, site_size  # noqa: E402

CHROMIUM = Path(os.environ.get("KAFKALAB_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
BUILD_GOAL_S, FIRST_CELL_GOAL_S, RUN_ALL_GOAL_S = 30.0, 30.0, 60.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="only notebooks whose file name contains one of these")
    parser.add_argument("--cold", action="store_true", help="also time a build with an empty download cache")
    parser.add_argument("--site", type=Path, help="use this built offline site instead of building one")
    parser.add_argument("--shots", type=Path, help="save a screenshot of each notebook after Run All here")
    args = parser.parse_args()
    notebooks = [p.stem for p in sorted((ROOT / "notebooks").glob("*.ipynb"))
                 if not args.names or any(n in p.name for n in args.names)]
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="kafkalab-bench-lite-") as tmp:
        tmp_path = Path(tmp)
        if args.cold:
            saved = os.environ.get("KAFKALAB_CACHE_DIR")
            os.environ["KAFKALAB_CACHE_DIR"] = str(tmp_path / "cold-cache")
            cold = build_site(tmp_path / "cold-site", offline=True, root=ROOT)
            print(f"build, empty cache (downloads included): {cold.seconds:.1f} s")
            if saved is None:
                os.environ.pop("KAFKALAB_CACHE_DIR")
            else:
                os.environ["KAFKALAB_CACHE_DIR"] = saved
        if args.site:
            site = args.site
        else:
            build_site(tmp_path / "warm-up", offline=True, root=ROOT)   # fills the cache if empty
            built = build_site(tmp_path / "site", offline=True, root=ROOT)
            site = built.out
            print(f"build, warm cache: {built.seconds:.1f} s (goal < {BUILD_GOAL_S:.0f} s)")
        size, files = site_size(site)
        print(f"offline site: {size / 1e6:.1f} MB in {files} files")
        print(f"{'notebook':40s} {'cells':>5s} {'shown':>6s} {'idle':>6s} {'1st cell':>8s} {'Run All':>8s} "
              f"{'click':>6s}  errors")
        slow = []
        with sync_playwright() as p, serve(site) as base:
            for name in notebooks:
                ctx = p.chromium.launch_persistent_context(
                    str(tmp_path / f"profile-{name}"), executable_path=str(CHROMIUM), headless=True, args=ARGS,
                    viewport={"width": 1400, "height": 1000})
                try:
                    page, aborted, _ = offline_page(ctx)
                    r = run_all(page, base, f"notebooks/{name}.ipynb")
                    if args.shots:
                        args.shots.mkdir(parents=True, exist_ok=True)
                        page.screenshot(path=str(args.shots / f"{name}.png"))
                    click = ""
                    if name.startswith("02"):
                        changed, seconds = click_panel_button(page, "crash")
                        click = f"{seconds:.2f}" if changed else "same"
                    errors = [e.strip()[:60] for e in r["error_outputs"] if e.strip() not in KNOWN_STDERR]
                    print(f"{name:40s} {r['code_cells']:5d} {r['notebook_shown_s']:6.1f} {r['kernel_idle_s']:6.1f} "
                          f"{r['first_cell_executed_s']:8.1f} {r['run_all_s']:8.1f} {click:>6s}  "
                          f"{errors or ''}{' ABORTED ' + str(aborted[:3]) if aborted else ''}", flush=True)
                    if r["first_cell_executed_s"] > FIRST_CELL_GOAL_S or r["run_all_s"] > RUN_ALL_GOAL_S:
                        slow.append(name)
                finally:
                    ctx.close()
        print("(seconds; shown, idle and 1st cell from opening the page; Run All from its click; "
              "click = crash button to redrawn figure)")
        if slow:
            print(f"over the goals: {', '.join(slow)}")
    return 0


if __name__ == "__main__":
    start = time.perf_counter()
    status = main()
    print(f"bench/lite.py: {time.perf_counter() - start:.0f} s in all")
    sys.exit(status)
