"""The notebooks: committed clean (no outputs), and each one executes headless from top to bottom.

Execution uses nbclient with the ``python3`` kernel of this interpreter, working directory
``notebooks/``, and a fresh Jupyter/IPython/matplotlib configuration so that nothing from the
user's home changes the run. The notebook file is read into memory and never written back.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
CELL_TIMEOUT_S = 120
NAME = re.compile(r"^\d\d-[a-z0-9]+(-[a-z0-9]+)*\.ipynb$")


def test_notebooks_are_found() -> None:
    """The glob finds the notebooks, so the tests below cannot pass by checking nothing."""
    assert len(NOTEBOOKS) > 0, f"no notebooks found in {NOTEBOOK_DIR}"
    assert NOTEBOOK_DIR / "00-start-here.ipynb" in NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_clean(path: Path) -> None:
    """No outputs, execution counts or widget state; kernelspec python3; named NN-kebab-title."""
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert NAME.match(path.name), f"{path.name}: notebooks are named NN-kebab-title.ipynb"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", f"{path.name}: kernelspec must be python3"
    assert nb.metadata.get("language_info", {}).get("name") == "python", f"{path.name}: language_info.name"
    assert "widgets" not in nb.metadata, f"{path.name}: widget state is saved in metadata.widgets; strip it"
    dirty = [i for i, cell in enumerate(nb.cells)
             if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)]
    assert dirty == [], f"{path.name}: code cells {dirty} have outputs or execution counts; strip them"
    assert any(cell.cell_type == "code" for cell in nb.cells), f"{path.name}: no code cells"


@pytest.fixture
def isolated_jupyter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point Jupyter, IPython and matplotlib at empty folders, for the kernel too (it inherits env)."""
    for var, sub in (("JUPYTER_CONFIG_DIR", "jupyter-config"), ("JUPYTER_DATA_DIR", "jupyter-data"),
                     ("JUPYTER_RUNTIME_DIR", "jupyter-runtime"), ("IPYTHONDIR", "ipython"),
                     ("MPLCONFIGDIR", "matplotlib")):
        (tmp_path / sub).mkdir()
        monkeypatch.setenv(var, str(tmp_path / sub))
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.delenv("JUPYTER_PATH", raising=False)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_executes_headless(path: Path, isolated_jupyter: None, capsys: pytest.CaptureFixture,
                                    tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every cell runs without an error (nbclient raises CellExecutionError); the file is untouched; every
    figure shown (cell outputs and panels) passes ``kafkalab.lab.figcheck``."""
    checks = tmp_path / "figcheck.jsonl"
    monkeypatch.setenv("KAFKALAB_FIGCHECK", str(checks))
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=CELL_TIMEOUT_S, allow_errors=False,
                            store_widget_state=False, resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    with capsys.disabled():
        print(f"\n[notebook] {path.name}: {len(nb.cells)} cells executed in {elapsed:.1f} s (wall clock)")
    errors = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
              for out in cell.get("outputs", []) if out.get("output_type") == "error"]
    assert errors == [], f"{path.name}: cells {errors} produced errors"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before, f"{path.name} was modified by executing it"
    unseen = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code" and PLOT_CALL.search(cell.source)
              and not any("image/png" in out.get("data", {}) for out in cell.get("outputs", []))]
    assert unseen == [], f"{path.name}: cells {unseen} call a plot_* function but show no figure"
    checked = [json.loads(line) for line in checks.read_text().splitlines()] if checks.exists() else []
    shown = sum(1 for cell in nb.cells for out in cell.get("outputs", []) if "image/png" in out.get("data", {}))
    assert shown == 0 or checked, f"{path.name}: {shown} figures shown, none went through figcheck"
    bad = [f"{c['where']} {c['title']}: {p}" for c in checked for p in c["problems"]]
    assert bad == [], f"{path.name}: {len(bad)} figure problems:\n" + "\n".join(bad)


#: A kafkalab plot call that makes its own figure (no ``ax=``), which must appear as the cell's output.
PLOT_CALL = re.compile(r"\bplot_[a-z_]+\((?![^)]*\bax=)")
