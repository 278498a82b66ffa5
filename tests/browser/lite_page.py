"""Drive a JupyterLite site of the workbook in Chromium: serve it on 127.0.0.1, open a notebook, Run All.

Shared by tests/browser/test_lite.py and bench/lite.py. Every request to a host other than 127.0.0.1
is aborted and recorded, except that ``cdn`` (a folder) may stand in for Pyodide's public CDN: its files
are served for CDN requests, so the default (CDN) site can be checked with no network.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlparse

from kafkalab.lite import CDN_URL

KERNEL_IDLE = """() => {
    const sb = [...document.querySelectorAll('.jp-StatusBar-TextItem')].map(e => e.textContent.trim());
    return sb.some(t => /\\| Idle$/.test(t) && !t.startsWith('No Kernel'));
}"""
ALL_RAN = """(n) => {
    const p = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')].slice(0, n);
    return p.length === n && p.every(e => /\\[\\d+\\]/.test(e.textContent));
}"""
FIRST_RAN = """() => [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]
    .some(e => /\\[\\d+\\]/.test(e.textContent))"""
ERROR_OUTPUTS = """() => [...document.querySelectorAll(
    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"],'
    + ' .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')].map(e => e.innerText.slice(0, 500))"""
LOCAL_HOSTS = ("127.0.0.1", "localhost")
# Pyodide starts with an empty file system, so matplotlib says this (on stderr) at its first import.
KNOWN_STDERR = ("Matplotlib is building the font cache; this may take a moment.",)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map: ClassVar[dict[str, str]] = {
        **http.server.SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm",
        ".js": "text/javascript", ".mjs": "text/javascript", ".json": "application/json"}

    def log_message(self, format, *args) -> None:
        pass


@contextlib.contextmanager
def serve(site: Path) -> Iterator[str]:
    """Serve ``site`` on 127.0.0.1 (a free port) from a thread; yields the base URL; stops at the end."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="lite-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def offline_page(browser_context, cdn: Path | None = None) -> tuple:
    """A new page on which every non-local request is aborted (or, with ``cdn``, CDN requests served from it).

    Returns (page, the aborted URLs, the CDN URLs served from ``cdn``).
    """
    page = browser_context.new_page()
    aborted: list[str] = []
    from_cdn: list[str] = []

    def route(r) -> None:
        url = r.request.url
        if url.startswith(("data:", "blob:")) or urlparse(url).hostname in LOCAL_HOSTS:
            r.continue_()
        elif cdn is not None and url.startswith(CDN_URL) and (cdn / url[len(CDN_URL):].split("?")[0]).is_file():
            from_cdn.append(url)
            name = url[len(CDN_URL):].split("?")[0]
            kind = "application/wasm" if name.endswith(".wasm") else (
                "text/javascript" if name.endswith((".js", ".mjs")) else "application/octet-stream")
            r.fulfill(path=str(cdn / name), headers={"Access-Control-Allow-Origin": "*", "Content-Type": kind})
        else:
            aborted.append(url)
            r.abort()

    # on the context, not the page: the kernel's web worker makes its own requests (Pyodide, packages)
    browser_context.route("**/*", route)
    return page, aborted, from_cdn


def run_all(page, base: str, notebook: str, timeout_ms: int = 300_000) -> dict:
    """Open ``notebook`` (a path in the site, e.g. notebooks/00-start-here.ipynb), Run All, wait until done.

    Returns seconds from the page's opening (notebook shown, kernel idle, first cell executed), the
    Run All time, the number of code cells and every error or stderr output's text.
    """
    t0 = time.perf_counter()
    page.goto(f"{base}/lab/index.html?path={notebook}", wait_until="domcontentloaded")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=timeout_ms)
    shown = time.perf_counter() - t0
    page.wait_for_function(KERNEL_IDLE, timeout=timeout_ms)
    idle = time.perf_counter() - t0
    n_code = page.locator(".jp-Notebook .jp-CodeCell").count()
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click(timeout=10_000)
    t_run = time.perf_counter()
    page.wait_for_function(FIRST_RAN, timeout=timeout_ms)
    first = time.perf_counter() - t0
    page.wait_for_function(ALL_RAN, arg=n_code, timeout=timeout_ms)
    page.wait_for_function(KERNEL_IDLE, timeout=timeout_ms)
    run_all_s = time.perf_counter() - t_run
    return {"notebook_shown_s": round(shown, 2), "kernel_idle_s": round(idle, 2),
            "first_cell_executed_s": round(first, 2), "run_all_s": round(run_all_s, 2),
            "total_s": round(time.perf_counter() - t0, 2), "code_cells": n_code,
            "images": page.locator(".jp-OutputArea-output img").count(),
            "error_outputs": page.evaluate(ERROR_OUTPUTS)}


def click_panel_button(page, label: str = "crash", timeout_ms: int = 60_000) -> tuple[bool, float]:
    """Click the first panel button labelled ``label``; (did its cell's figure change, seconds to redraw)."""
    button = page.locator(".jp-OutputArea-output button.jupyter-button", has_text=label).first
    button.wait_for(timeout=timeout_ms)
    button.scroll_into_view_if_needed()
    cell = button.locator("xpath=ancestor::div[contains(@class, 'jp-CodeCell')][1]")
    figure = cell.locator(".jp-OutputArea-output img").first
    figure.wait_for(timeout=timeout_ms)
    before = figure.get_attribute("src")
    t0 = time.perf_counter()
    button.click()
    page.wait_for_function(
        """([cell, old]) => [...cell.querySelectorAll('.jp-OutputArea-output img')].some(
               i => i.src !== old && i.complete && i.naturalWidth > 0)""",
        arg=[cell.element_handle(), before], timeout=timeout_ms)
    seconds = time.perf_counter() - t0
    return figure.get_attribute("src") != before, round(seconds, 2)
