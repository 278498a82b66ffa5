"""Offline HTML reports of the notebooks: ``python -m kafkalab report [NOTEBOOK ...] --out DIR``.

Each notebook is executed headless (nbclient, the ``python3`` kernel, working directory = the
notebook's folder) and exported with nbconvert's ``lab`` template into ONE self-contained HTML file:
figures are PNG ``data:`` URIs, CSS is inlined, and nothing is loaded from the network. The stock
template's network loads are left out: require.js and the widget renderer (no widget views are kept,
see below), MathJax (the notebooks use no TeX math; ``uses_math`` checks that) and mermaid.

Interactive panels are **replaced by their static figure**: a widget view needs the JavaScript
widget runtime and the live kernel, so each widget view output becomes a one-line note, and the
panel's figure (a normal PNG output, or the PNG published beside the widget view) stays, as do
``panel.snapshot()`` outputs. ``index.html`` links the reports. The same page comes from a notebook the
learner ran and saved, without executing it again: the ``kafkalab`` nbconvert exporter
(``kafkalab.lab.export``; JupyterLab's File → Save and Export Notebook As → Kafkalab). That module
owns the page (template, ``to_static``, the offline check); this one runs notebooks and writes files.

Bad input (unknown notebook, an output folder that cannot be written) raises ``ReportError``, which
the command line turns into a message and exit code 2.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .export import KafkalabExporter

CELL_TIMEOUT_S = 300
DEFAULT_NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"

class ReportError(Exception):
    """Bad input to the report command: an unknown notebook or an output folder that cannot be written."""


@dataclass
class Report:
    """One notebook's report: where it was written, its size, and how the run went."""

    notebook: Path
    html_path: Path | None
    title: str
    seconds: float
    size_bytes: int = 0
    error: str = ""


# -- input -------------------------------------------------------------------------------------
def find_notebooks(names: Iterable[str], notebook_dir: Path = DEFAULT_NOTEBOOK_DIR) -> list[Path]:
    """The notebooks named (a path, or a name in ``notebook_dir`` with or without ``.ipynb``); all when none."""
    names = list(names)
    available = sorted(notebook_dir.glob("*.ipynb")) if notebook_dir.is_dir() else []
    if not names:
        if not available:
            raise ReportError(f"no notebooks found in {notebook_dir}")
        return available
    found = []
    for name in names:
        candidates = [Path(name), notebook_dir / name, notebook_dir / f"{name}.ipynb"]
        match = next((c for c in candidates if c.is_file() and c.suffix == ".ipynb"), None)
        if match is None:
            choices = ", ".join(p.stem for p in available) or "none"
            raise ReportError(f"unknown notebook {name!r}: not a .ipynb file, nor a notebook in {notebook_dir} "
                              f"(available: {choices})")
        found.append(match.resolve())
    return found


def prepare_out_dir(out: Path) -> Path:
    """Create ``out`` if needed and check that a file can be written there."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".kafkalab-write-check"
        probe.write_text("ok", encoding="utf-8")
        probe.unlink()
    except OSError as exc:
        raise ReportError(f"cannot write to the output folder {str(out)!r}: {exc.strerror or exc}") from None
    return out


# -- one notebook --------------------------------------------------------------------------------
def execute(path: Path, timeout_s: int = CELL_TIMEOUT_S) -> nbformat.NotebookNode:
    """Run every cell of ``path`` (read into memory; the file is not written back)."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=timeout_s, allow_errors=False,
                            store_widget_state=False, resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    return nb


def render_html(nb: nbformat.NotebookNode, name: str, source_dir: Path, *, no_input: bool = False) -> str:
    """The notebook as one offline HTML page: ``export.KafkalabExporter``, the ``kafkalab`` nbconvert exporter.

    Widget views become the note (``export.to_static``, on a copy); ``RuntimeError`` if anything would still load
    from the network.
    """
    exporter = KafkalabExporter()
    if no_input:
        exporter.exclude_input = True
        exporter.exclude_input_prompt = True
        exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": name, "path": str(source_dir)}})
    return body


def title_of(nb: nbformat.NotebookNode, fallback: str) -> str:
    """The first markdown heading of the notebook, without its ``#`` marks."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return fallback


_MATH = re.compile(r"\$\$.+?\$\$|(?<![\\$\w])\$(?=\S)[^$\n]+?(?<=\S)\$(?![\w$])|\\\(.+?\\\)|\\\[.+?\\\]", re.DOTALL)
_CODE = re.compile(r"```.*?```|~~~.*?~~~|`[^`\n]*`", re.DOTALL)


def uses_math(nb: nbformat.NotebookNode) -> list[str]:
    """TeX math found in markdown cells (outside code): the offline report does not load MathJax for it."""
    found = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            found += _MATH.findall(_CODE.sub("", cell.source))
    return found


# -- the whole run -------------------------------------------------------------------------------
def build_reports(notebooks: list[Path], out: Path, *, no_input: bool = False,
                  progress: Callable[[str], None] = print) -> list[Report]:
    """Execute and export each notebook into ``out``, then write ``out/index.html``; never raises for one
    notebook's failure (it is recorded in ``Report.error`` and listed in the index)."""
    prepare_out_dir(out)
    reports = []
    for i, path in enumerate(notebooks, 1):
        tag = f"[{i}/{len(notebooks)}] {path.stem}"
        progress(f"{tag}: executing ...")
        start = time.perf_counter()
        try:
            nb = execute(path)
            body = render_html(nb, path.stem, path.parent, no_input=no_input)
        except Exception as exc:  # one failing notebook must not stop the others
            seconds = time.perf_counter() - start
            error = _describe(exc)
            progress(f"{tag}: FAILED after {seconds:.1f} s: {error}")
            reports.append(Report(path, None, path.stem, seconds, error=error))
            continue
        target = out / f"{path.stem}.html"
        target.write_text(body, encoding="utf-8")
        seconds = time.perf_counter() - start
        report = Report(path, target, title_of(nb, path.stem), seconds, size_bytes=target.stat().st_size)
        progress(f"{tag}: {len(nb.cells)} cells in {seconds:.1f} s -> {target} ({_kb(report.size_bytes)})")
        reports.append(report)
    index = write_index(out, reports, no_input=no_input)
    progress(f"index: {index}")
    return reports


def _describe(exc: Exception) -> str:
    ename, evalue = getattr(exc, "ename", ""), getattr(exc, "evalue", "")
    if ename:  # nbclient.exceptions.CellExecutionError
        return f"a cell raised {ename}: {evalue}"
    return f"{type(exc).__name__}: {exc}"


def _kb(size: int) -> str:
    return f"{size / 1024:.0f} kB"


def write_index(out: Path, reports: list[Report], *, no_input: bool = False) -> Path:
    """``out/index.html``: one link per report (title, size), failures listed with their error."""
    rows = []
    for r in reports:
        if r.html_path is not None:
            rows.append(f'<li><a href="{html.escape(r.html_path.name)}">{html.escape(r.title)}</a> '
                        f'<small>({html.escape(r.notebook.name)}, {_kb(r.size_bytes)})</small></li>')
        else:
            rows.append(f"<li>{html.escape(r.notebook.name)}: <strong>not built</strong> "
                        f"<small>{html.escape(r.error)}</small></li>")
    kind = "reader's version, without code" if no_input else "with code"
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>kafkalab reports</title>
<style>body {{ font-family: sans-serif; max-width: 50em; margin: 2em auto; line-height: 1.5; }}</style>
</head><body>
<h1>kafkalab reports</h1>
<p>Each notebook executed from top to bottom ({kind}). The reports open offline; interactive panels
appear as their static snapshot.</p>
<ol>
{chr(10).join(rows)}
</ol>
</body></html>
"""
    index = out / "index.html"
    index.write_text(page, encoding="utf-8")
    return index

