"""``python -m kafkalab report`` and a learner's own export (``jupyter nbconvert --to html``).

The reports are checked by parsing their HTML: nothing fetched from http(s), every figure an embedded
PNG, widget views replaced by a note. A small notebook made here (a matplotlib figure, an ipywidgets
view, a remote image in markdown) exercises every case; the real notebooks are checked for TeX math,
which the offline reports do not render.
"""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from kafkalab.lab import export, report
from kafkalab.lab.export import WIDGET_VIEW

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def make_notebook(path: Path) -> Path:
    """Two figures (pyplot, kafkalab), a widget view, a remote image and a heading."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Figures and a panel\n\n![logo](https://example.org/logo.png)"),
        nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\n"
                                  "ax.plot([0, 1, 2], [2, 0, 1])\nplt.show()"),
        nbformat.v4.new_code_cell("import ipywidgets\nipywidgets.Button(description='crash c1')"),
        # a kafkalab plot: its own Figure (not pyplot), shown when the cell ends, title set after the call
        nbformat.v4.new_code_cell("import pandas as pd\nfrom kafkalab import lab\n"
                                  "lag = pd.DataFrame({'time_ms': [0, 5], 'topic': 't', 'partition': 0,"
                                  " 'lag': [3, 0]})\n"
                                  "ax = lab.plot_lag(lag);\nax.set_title('lag')\nprint('done')"),
    ]
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess]:
    tmp = tmp_path_factory.mktemp("report")
    src = make_notebook(tmp / "figures.ipynb")
    out = tmp / "out"
    run = subprocess.run([sys.executable, "-m", "kafkalab", "report", str(src), "--out", str(out)],
                         capture_output=True, text=True, timeout=300, cwd=ROOT)
    return out, run


def png_images(page: str) -> list[bytes]:
    """The decoded PNG payloads of the page's ``<img src="data:image/png;base64,...">`` elements."""
    from html.parser import HTMLParser

    found = []

    class Finder(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list) -> None:
            src = dict(attrs).get("src") or ""
            if tag == "img" and src.startswith("data:image/png;base64,"):
                found.append(base64.b64decode(src.split(",", 1)[1]))

    Finder().feed(page)
    return found


def test_report_command_writes_offline_report_and_index(built: tuple) -> None:
    out, run = built
    assert run.returncode == 0, run.stderr
    assert "[1/1] figures: executing" in run.stdout and "index:" in run.stdout
    page = (out / "figures.html").read_text(encoding="utf-8")
    assert export.network_references(page) == []
    images = png_images(page)
    assert len(images) == 2 and all(img.startswith(PNG_MAGIC) for img in images)
    assert 'alt="Lag of the group per partition' in page and "No description has been provided" not in page
    assert "kafkalab-widget-note" in page and "application/vnd.jupyter.widget-view+json" not in page
    assert "image not included offline" in page and "done" in page
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="figures.html"' in index and "Figures and a panel" in index
    assert export.network_references(index) == []


def test_no_input_leaves_out_code_but_keeps_figures(tmp_path: Path) -> None:
    src = make_notebook(tmp_path / "figures.ipynb")
    reports = report.build_reports([src], tmp_path / "out", no_input=True, progress=lambda _line: None)
    page = reports[0].html_path.read_text(encoding="utf-8")
    assert "subplots" not in page and len(png_images(page)) == 2
    with_code = report.render_html(export.to_static(report.execute(src)), "figures", tmp_path)
    assert "subplots" in with_code


def test_network_references_finds_every_kind_of_remote_load() -> None:
    page = """<script src="https://cdn.example/x.js"></script><link rel="stylesheet" href="//cdn.example/a.css">
    <img src="http://example.org/a.png"><style>@font-face { src: url('https://f.example/f.woff2') }</style>
    <div style="background: url(https://example.org/b.png)"></div><a href="https://example.org">a link</a>"""
    found = export.network_references(page)
    assert len(found) == 5, found
    assert export.network_references('<img src="data:image/png;base64,AAAA"><script>var a=1;</script>') == []


@pytest.mark.parametrize("args, message", [
    (["no-such-notebook"], "unknown notebook 'no-such-notebook'"),
    (["--out-is-a-file"], "cannot write to the output folder"),
])
def test_bad_input_exits_2_with_a_message(tmp_path: Path, args: list, message: str) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    out = blocker / "sub" if args == ["--out-is-a-file"] else tmp_path / "out"
    names = [] if args == ["--out-is-a-file"] else args
    run = subprocess.run([sys.executable, "-m", "kafkalab", "report", *names, "--out", str(out)],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert run.returncode == 2
    assert message in run.stderr and "Traceback" not in run.stderr


def test_failing_notebook_is_reported_and_others_still_built(tmp_path: Path) -> None:
    good = make_notebook(tmp_path / "good.ipynb")
    bad_nb = nbformat.v4.new_notebook()
    bad_nb.cells = [nbformat.v4.new_code_cell("raise ValueError('boom')")]
    bad = tmp_path / "bad.ipynb"
    nbformat.write(bad_nb, bad)
    lines: list[str] = []
    reports = report.build_reports([bad, good], tmp_path / "out", progress=lines.append)
    assert "ValueError: boom" in reports[0].error and reports[0].html_path is None
    assert reports[1].html_path.is_file()
    assert any("FAILED" in line for line in lines)
    assert "not built" in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")


def test_to_static_keeps_a_panels_png_and_drops_a_bare_widget() -> None:
    """A widget view becomes the note; a kafkalab panel's PNG fallback in the same output is kept."""
    view = {"version_major": 2, "version_minor": 0, "model_id": "abc"}
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("panel")
    cell.outputs = [nbformat.v4.new_output("display_data", data={WIDGET_VIEW: view, "text/plain": "Button()"}),
                    nbformat.v4.new_output("display_data", data={WIDGET_VIEW: view, "image/png": "iVBORw0KGgo=",
                                                                 "text/plain": "virtual time 5 s"})]
    nb.cells = [cell]
    outputs = export.to_static(nb).cells[0].outputs
    assert [sorted(o["data"]) for o in outputs] == [["text/html"], ["text/html"], ["image/png", "text/plain"]]
    assert outputs[2]["data"]["image/png"] == "iVBORw0KGgo="


def test_find_notebooks_defaults_to_every_notebook() -> None:
    assert report.find_notebooks([]) == NOTEBOOKS
    assert report.find_notebooks(["00-start-here"]) == [ROOT / "notebooks" / "00-start-here.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_use_no_tex_math(path: Path) -> None:
    """The reports load no MathJax (it would come from the network); math would stay raw text."""
    assert report.uses_math(nbformat.read(path, as_version=4)) == [], (
        f"{path.name} uses TeX math, which the offline report does not render: write it in plain text")


def test_uses_math_finds_tex_but_not_code_or_prices() -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("lag $L = h - c$ and $$x^2$$; costs $5 and $6; `echo $HOME$`")]
    assert report.uses_math(nb) == ["$$x^2$$", "$L = h - c$"] or sorted(report.uses_math(nb)) == sorted(
        ["$$x^2$$", "$L = h - c$"])


def test_learner_export_with_nbconvert_keeps_final_figures(tmp_path: Path) -> None:
    """A learner's File > Save and Export Notebook As > HTML after running all cells is nbconvert's HTML
    exporter on the saved (executed) notebook: its figures are <img> data URIs in the file."""
    src = make_notebook(tmp_path / "mine.ipynb")
    executed = report.execute(src)
    nbformat.write(executed, src)
    run = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", str(src)],
                         capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    images = png_images((tmp_path / "mine.html").read_text(encoding="utf-8"))
    assert len(images) == 2 and all(img.startswith(PNG_MAGIC) for img in images)


# -- the ``kafkalab`` nbconvert exporter (JupyterLab's File > Save and Export Notebook As > Kafkalab) ----------
def saved_notebook(path: Path) -> Path:
    """A notebook as a learner saved it after clicking a panel: outputs present, never executed here.

    Its code would fail if run (``raise SystemExit``), so an exporter that re-executed it could not
    produce the saved outputs. The panel is in H4's form: a widget view (the controls) and a normal
    image/png output with its status as text/plain, updated in place through a display_id.
    """
    view = {"version_major": 2, "version_minor": 0, "model_id": "abc"}
    png = base64.b64encode(PNG_MAGIC + b"not-a-real-image").decode("ascii")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    panel = nbformat.v4.new_code_cell("raise SystemExit('not executed by an export')", execution_count=3)
    panel.outputs = [
        nbformat.v4.new_output("display_data", data={WIDGET_VIEW: view, "text/plain": "VBox(...)"}),
        nbformat.v4.new_output("display_data", data={"image/png": png,
                                                     "text/plain": "virtual time 70 s (now); script: 4 actions"},
                               metadata={"image/png": {"width": 720, "height": 330}}),
    ]
    printed = nbformat.v4.new_code_cell("print('x')", execution_count=4)
    printed.outputs = [nbformat.v4.new_output("stream", name="stdout", text="saved output 42\n")]
    nb.cells = [nbformat.v4.new_markdown_cell("# Crash before commit\n\n## The panel\n\nA <b>bold</b> claim."),
                panel, printed]
    nbformat.write(nb, path)
    return path


def test_exporter_is_registered_as_kafkalab() -> None:
    from nbconvert.exporters import get_export_names, get_exporter

    from kafkalab.lab.export import KafkalabExporter

    assert get_exporter("kafkalab") is KafkalabExporter
    assert "kafkalab" in get_export_names()            # what jupyter_server's /api/nbconvert lists
    assert KafkalabExporter.export_from_notebook == "kafkalab report (offline HTML)"
    assert KafkalabExporter.output_mimetype == "text/html"


def test_nbconvert_to_kafkalab_keeps_the_saved_notebook_and_renders_markdown_when_sanitizing(tmp_path: Path) -> None:
    """``jupyter nbconvert --to kafkalab`` with sanitize_html set (as JupyterLab's HTML dialog does)."""
    src = saved_notebook(tmp_path / "mine.ipynb")
    run = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "kafkalab", str(src),
                          "--HTMLExporter.sanitize_html=True", "--KafkalabExporter.sanitize_html=True"],
                         capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    page = (tmp_path / "mine.html").read_text(encoding="utf-8")
    assert '<h1 id="Crash-before-commit">' in page and '<h2 id="The-panel">' in page and "<b>bold</b>" in page
    assert "&lt;h1" not in page and "&lt;p" not in page and "&lt;b&gt;" not in page
    assert "saved output 42" in page and "not executed by an export" in page    # the saved outputs, not a run
    assert "kafkalab-widget-note" in page and WIDGET_VIEW not in page and "widget-state" not in page
    images = png_images(page)
    assert len(images) == 1 and images[0].startswith(PNG_MAGIC)
    assert 'alt="virtual time 70 s (now); script: 4 actions"' in page
    assert 'width="720"' in page and 'height="330"' in page      # a 2x PNG is shown at its display size
    assert export.network_references(page) == []
    assert nbformat.read(src, as_version=4).metadata.get("widgets"), "the export must not change the notebook"


def test_exporter_leaves_the_notebook_unchanged_and_matches_the_report(tmp_path: Path) -> None:
    from kafkalab.lab.export import KafkalabExporter

    nb = nbformat.read(saved_notebook(tmp_path / "mine.ipynb"), as_version=4)
    before = nbformat.writes(nb)
    body, resources = KafkalabExporter(sanitize_html=True).from_notebook_node(
        nb, resources={"metadata": {"name": "mine", "path": str(tmp_path)}})
    assert nbformat.writes(nb) == before and resources["output_extension"] == ".html"
    assert body == report.render_html(nb, "mine", tmp_path)
    assert "<title>mine</title>" in body


def test_exporter_refuses_a_page_that_would_load_from_the_network(tmp_path: Path) -> None:
    from kafkalab.lab.export import KafkalabExporter

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("show()")
    cell.outputs = [nbformat.v4.new_output("display_data",
                                           data={"text/html": '<script src="https://cdn.example/x.js"></script>'})]
    nb.cells = [cell]
    with pytest.raises(RuntimeError, match="would load from the network"):
        KafkalabExporter().from_notebook_node(nb)


def test_exporter_keeps_inline_html_and_embeds_local_images(tmp_path: Path) -> None:
    """nbconvert's embed_images re-parses inline HTML (``<b>x</b>`` became ``<b></b>x``); kafkalab's does not."""
    from kafkalab.lab.export import KafkalabExporter

    (tmp_path / "pic.png").write_bytes(PNG_MAGIC + b"local")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("A <b>bold</b> word, <i>two</i>.\n\n![local](pic.png)\n\n"
                                              '<img src="pic.png" alt="html image">')]
    body, _ = KafkalabExporter().from_notebook_node(nb, resources={"metadata": {"name": "m", "path": str(tmp_path)}})
    assert "A <b>bold</b> word, <i>two</i>." in body
    images = png_images(body)
    assert images == [PNG_MAGIC + b"local"] * 2 and export.network_references(body) == []
