"""(c) The learner's export round trip: JupyterLab's own menu, the downloaded file opened offline.

Open a copy of notebook 02, Run All, press the panel's "run 10 s" button, then File → Save and Export
Notebook As → Kafkalab (the ``kafkalab`` nbconvert exporter; JupyterLab 4 labels an exporter by its
name, capitalised). The downloaded HTML is opened with every http(s) request aborted and must show
rendered markdown (headings are <h1>/<h2> elements, no escaped tags) and the panel's LAST figure: the
figure's alt text is the panel's status, whose virtual time must include the click.

The last check holds once a panel's figure is a normal output updated in place (display_id), so
that the saved notebook holds the figure after the clicks (issue 14, "Exports keep what the learner saw").
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from .conftest import ROOT, open_offline
from .test_workbook_in_jupyterlab import ALL_RAN, KERNEL_IDLE, TIMEOUT_MS, notebook_copy  # noqa: F401

# Run All has finished: some cell has a number, none is running or queued ([*]) and the kernel is idle.
# A failing cell stops Run All and leaves the cells after it unnumbered: the test says which one failed.
RUN_ALL_DONE = """() => {
    const p = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')].map(e => e.textContent);
    return p.some(t => /\\[\\d+\\]/.test(t)) && !p.some(t => t.includes('[*]'));
}"""
LAST_RUN_CELL = """() => {
    const cells = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell')].filter(
        c => /\\[\\d+\\]/.test(c.querySelector('.jp-InputPrompt').textContent));
    const last = cells[cells.length - 1];
    return last ? last.innerText.slice(-1500) : '';
}"""
VIRTUAL_TIME = re.compile(r"virtual time (\d+(?:\.\d+)?) s")
STEP_S = 10


def _panel_virtual_time(page, cell) -> float | None:
    """The virtual time the panel's status line shows in the live page, if it shows one."""
    found = VIRTUAL_TIME.findall(cell.locator(".jp-OutputArea").inner_text())
    return float(found[-1]) if found else None


def _panel_start_s(notebook: Path) -> float:
    """Where the panel's scenario starts: the ``until_ms=`` of the cell that builds the ScenarioPanel."""
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        until = re.search(r"ScenarioPanel\(.*?until_ms=([\d_]+)", cell.source, re.DOTALL)
        if cell.cell_type == "code" and until:
            return int(until.group(1).replace("_", "")) / 1000
    raise AssertionError(f"no cell of {notebook.name} builds a ScenarioPanel with run(until_ms=...)")


def _export_from_menu(page, context, target: Path) -> Path:
    """File → Save and Export Notebook As → Kafkalab; the download (JupyterLab opens it in a new tab)."""
    downloads: list = []
    page.on("download", lambda d: downloads.append(d))
    context.on("page", lambda popup: popup.on("download", lambda d: downloads.append(d)))
    page.locator(".lm-MenuBar-itemLabel", has_text="File").first.click()
    page.locator(".lm-Menu-item", has_text="Save and Export Notebook As").first.hover()
    item = page.locator('.lm-Menu-item[data-command="notebook:export-to-format"]', has_text="Kafkalab")
    item.first.click(timeout=15_000)
    page.wait_for_function("() => true")  # let the event loop deliver the popup / download events
    for _ in range(600):
        if downloads:
            break
        page.wait_for_timeout(100)
    assert downloads, "no download after File > Save and Export Notebook As > Kafkalab"
    download = downloads[0]
    assert download.suggested_filename.endswith(".html"), download.suggested_filename
    download.save_as(str(target))
    return target


def test_menu_export_opens_offline_with_markdown_and_the_panels_last_figure(
        jupyterlab: tuple[str, str], browser_context, notebook_copy: str, tmp_path: Path) -> None:  # noqa: F811
    url, token = jupyterlab
    page = browser_context.new_page()
    try:
        page.goto(f"{url}/lab/tree/{notebook_copy}?reset&token={token}", wait_until="domcontentloaded")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=TIMEOUT_MS)
        page.wait_for_function(KERNEL_IDLE, timeout=TIMEOUT_MS)
        n_code = page.locator(".jp-Notebook .jp-CodeCell").count()
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click(timeout=10_000)
        page.wait_for_function(RUN_ALL_DONE, timeout=TIMEOUT_MS)
        page.wait_for_function(KERNEL_IDLE, timeout=TIMEOUT_MS)
        if not page.evaluate(ALL_RAN, n_code):
            raise AssertionError(f"Run All stopped at a failing cell: {page.evaluate(LAST_RUN_CELL)}")

        run = page.locator(".jp-OutputArea-output button.jupyter-button", has_text=re.compile(rf"^run {STEP_S} s$"))
        run.first.wait_for(timeout=30_000)
        run.first.scroll_into_view_if_needed()
        cell = run.first.locator("xpath=ancestor::div[contains(@class, 'jp-CodeCell')][1]")
        before = _panel_virtual_time(page, cell)
        if before is None:  # the status is only in the figure's text/plain: the panel's cell says where it starts
            before = _panel_start_s(ROOT / notebook_copy)
        figures = cell.locator(".jp-OutputArea-output img")
        old_srcs = [figures.nth(i).get_attribute("src") for i in range(figures.count())]
        run.first.click()
        expected = before + STEP_S
        page.wait_for_function(  # the panel redrew its figure (an output of its own cell)
            """([cell, old]) => [...cell.querySelectorAll('.jp-OutputArea-output img')].some(
                   i => !old.includes(i.src) && i.complete && i.naturalWidth > 0)""",
            arg=[cell.element_handle(), old_srcs], timeout=30_000)
        page.wait_for_function(KERNEL_IDLE, timeout=TIMEOUT_MS)

        html_path = _export_from_menu(page, browser_context, tmp_path / "export.html")
    except Exception:
        page.screenshot(path=str(tmp_path / "jupyterlab-failure.png"), full_page=True)
        raise

    report, blocked, _ = open_offline(browser_context, html_path)
    headings = report.eval_on_selector_all(".jp-MarkdownCell h1, .jp-MarkdownCell h2", "els => els.length")
    assert headings >= 2, "markdown headings are not rendered as <h1>/<h2>"
    markdown_text = report.eval_on_selector_all(".jp-MarkdownCell", "els => els.map(e => e.innerText).join('\\n')")
    assert not re.search(r"</?(h[1-6]|p)\b", markdown_text), "escaped HTML tags in the markdown cells"
    images = report.eval_on_selector_all(
        ".jp-OutputArea-output img", "els => els.map(i => [i.complete && i.naturalWidth > 0, i.alt])")
    assert images and all(ok for ok, _alt in images), images
    panel_alts = [alt for _ok, alt in images if VIRTUAL_TIME.search(alt)]
    assert panel_alts, f"no panel figure in the export: {[alt[:60] for _ok, alt in images]}"
    shown = [float(t) for alt in panel_alts for t in VIRTUAL_TIME.findall(alt)]
    assert expected in shown, (f"the exported panel figure is not the last one: it shows virtual time {shown} s, "
                               f"the panel was at {expected:g} s after the click")
    assert blocked == [], blocked
