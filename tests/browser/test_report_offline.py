"""(b) An exported report opened with every http(s) request blocked shows its figures and requests nothing."""

from __future__ import annotations

from pathlib import Path

import nbformat

from kafkalab.lab import report

from .conftest import open_offline


def _report_with_figures(tmp_path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Two figures\n\n![remote](https://example.org/x.png)"),
        nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nplt.plot([0, 1, 2], [1, 0, 2])\nplt.show()"),
        nbformat.v4.new_code_cell("import ipywidgets\nipywidgets.IntSlider()"),
        nbformat.v4.new_code_cell("plt.bar([0, 1], [2, 3])\nplt.show()"),
    ]
    src = tmp_path / "two-figures.ipynb"
    nbformat.write(nb, src)
    built = report.build_reports([src], tmp_path / "out", progress=lambda _line: None)
    assert built[0].html_path is not None, built[0].error
    return built[0].html_path


def test_report_shows_figures_with_network_blocked(browser_context, tmp_path: Path) -> None:
    html_path = _report_with_figures(tmp_path)
    page, blocked, failed = open_offline(browser_context, html_path)
    images = page.eval_on_selector_all(
        ".jp-OutputArea-output img", "els => els.map(i => [i.complete, i.naturalWidth, i.src.slice(0, 22)])")
    assert len(images) == 2, images
    assert all(done and width > 0 and src == "data:image/png;base64," for done, width, src in images), images
    assert blocked == [] and failed == [], (blocked, failed)
