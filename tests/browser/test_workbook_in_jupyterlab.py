"""(a) The workbook in a real JupyterLab: run notebook 02, press the panel's crash button, see the figure change.

A copy of the notebook is opened (from a temporary folder inside the served repository), so running
it never writes outputs into the committed file.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

import pytest

from .conftest import ROOT

NOTEBOOK = Path(os.environ.get("KAFKALAB_LAB_NOTEBOOK", ROOT / "notebooks" / "02-crash-before-commit.ipynb"))
TIMEOUT_MS = 120_000

# The kernel exists and is idle: the toolbar indicator says idle before the kernel has started,
# so also require the status bar to read "<kernel> | Idle".
KERNEL_IDLE = """() => {
    const ei = document.querySelector('.jp-Notebook-ExecutionIndicator');
    const sb = [...document.querySelectorAll('.jp-StatusBar-TextItem')].map(e => e.textContent.trim());
    return ei && ei.dataset.status === 'idle' && sb.some(t => /\\| Idle$/.test(t) && !t.startsWith('No Kernel'));
}"""
ALL_RAN = """(n) => {
    const p = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')].slice(0, n);
    return p.length === n && p.every(e => /\\[\\d+\\]/.test(e.textContent));
}"""
PANEL_FIGURE = "(b) => b.closest('.widget-vbox')"


@pytest.fixture
def notebook_copy() -> str:
    if not NOTEBOOK.exists():
        pytest.skip(f"{NOTEBOOK.name} is not written yet")
    folder = ROOT / f"tmp-browser-test-{secrets.token_hex(4)}"  # hidden folders are not served
    folder.mkdir()
    try:
        shutil.copy(NOTEBOOK, folder / NOTEBOOK.name)
        yield f"{folder.name}/{NOTEBOOK.name}"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_crash_button_redraws_the_lag_figure(jupyterlab: tuple[str, str], browser_context, notebook_copy: str,
                                             tmp_path: Path) -> None:
    url, token = jupyterlab
    page = browser_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)[:300]))
    try:
        page.goto(f"{url}/lab/tree/{notebook_copy}?reset&token={token}", wait_until="domcontentloaded")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=TIMEOUT_MS)
        page.wait_for_function(KERNEL_IDLE, timeout=TIMEOUT_MS)
        n_code = page.locator(".jp-Notebook .jp-CodeCell").count()
        assert n_code > 0
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click(timeout=10_000)
        page.wait_for_function(ALL_RAN, arg=n_code, timeout=TIMEOUT_MS)
        page.wait_for_function(KERNEL_IDLE, timeout=TIMEOUT_MS)

        crash = page.locator(".jp-OutputArea-output button.jupyter-button", has_text="crash").first
        crash.wait_for(timeout=int(os.environ.get("KAFKALAB_BUTTON_WAIT_MS", 30_000)))
        crash.scroll_into_view_if_needed()
        # the cell that holds this button, and the panel's figure: a normal image output of that cell,
        # updated in place (display_id) after every click
        cell = crash.locator("xpath=ancestor::div[contains(@class, 'jp-CodeCell')][1]")
        figure = cell.locator(".jp-OutputArea-output img").first
        figure.wait_for(timeout=30_000)
        before = figure.get_attribute("src")
        assert before, "the panel's figure has no image yet"
        crash.click()
        page.wait_for_function(
            """([cell, old]) => [...cell.querySelectorAll('.jp-OutputArea-output img')].some(
                   i => i.src !== old && i.complete && i.naturalWidth > 0)""",
            arg=[cell.element_handle(), before], timeout=30_000)
        after = figure.get_attribute("src")
        assert after != before, "the lag/redelivery figure did not change after the crash"
    except Exception:
        page.screenshot(path=str(tmp_path / "jupyterlab-failure.png"), full_page=True)
        raise
    assert not [e for e in errors if "kafkalab" in e.lower()], errors
