"""A check cell run twice or out of order fails with advice (kafkalab.lab.checks), and still fails.

Run in a real kernel with nbclient: the error output carries the sentence, the failing line and the
restart hint, the execute reply's status is "error" (so "Run All" stops and the notebook tests fail),
and an assertion raised inside a library keeps its usual traceback.
"""

from __future__ import annotations

import linecache

import nbformat
import pytest

from kafkalab.lab import checks


def _run(cells: list[str]) -> tuple[nbformat.NotebookNode, list]:
    """Execute ``cells`` in one kernel, then the second cell again (a learner's second click on Run)."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
    client = NotebookClient(nb, kernel_name="python3", timeout=60, allow_errors=False)
    errors = []
    with client.setup_kernel():
        for index in [*range(len(cells)), 1]:
            try:
                client.execute_cell(nb.cells[index], index)
            except CellExecutionError as exc:
                errors.append((index, exc))
    return nb, errors


@pytest.fixture(scope="module")
def ran_twice() -> tuple[nbformat.NotebookNode, list]:
    return _run(["from kafkalab import lab\nseen = 0",
                 "seen += 1\nprint('seen', seen)\nassert seen == 1, 'one record seen'",
                 "import json\njson.loads('{')"])


def test_a_check_run_twice_says_what_to_do(ran_twice: tuple) -> None:
    nb, errors = ran_twice
    assert [index for index, _ in errors] == [2, 1]      # the JSON error, then the second run of the check
    _index, exc = errors[1]
    assert exc.ename == "AssertionError"                 # the cell still ends in error (status "error")
    text = str(exc)
    assert "A check in this cell failed (line 3 of this cell): assert seen == 1, 'one record seen'" in text
    assert "It says: one record seen" in text
    assert "Kernel → Restart Kernel and Run All Cells" in text
    assert "Traceback" not in text
    error = [o for o in nb.cells[1].outputs if o.output_type == "error"]
    assert len(error) == 1 and "Restart Kernel and Run All Cells" in "\n".join(error[0].traceback)


def test_other_errors_keep_their_traceback(ran_twice: tuple) -> None:
    _nb, errors = ran_twice
    index, exc = errors[0]
    assert index == 2 and exc.ename == "JSONDecodeError" and "Traceback" in str(exc)
    assert "Restart Kernel" not in str(exc)


def test_an_assert_inside_a_library_keeps_its_traceback(tmp_path) -> None:
    (tmp_path / "somelib.py").write_text("def check():\n    assert 1 == 2, 'inside a library'\n")
    _nb, errors = _run(["from kafkalab import lab\nimport sys", f"sys.path.insert(0, {str(tmp_path)!r})",
                        "import somelib\nsomelib.check()"])
    assert [index for index, _ in errors] == [2]
    exc = errors[0][1]
    assert exc.ename == "AssertionError" and "Traceback" in str(exc) and "somelib.py" in str(exc)
    assert "Restart Kernel" not in str(exc)


def test_explain_quotes_a_multiline_assert_from_a_cell() -> None:
    filename = "<ipython-input-7-abc>"
    source = "x = 2\nassert (x ==\n        3)\n"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    try:
        exec(compile(source, filename, "exec"), {})
    except AssertionError as exc:
        lines = checks.explain(exc, exc.__traceback__)
    finally:
        linecache.cache.pop(filename, None)
    assert lines is not None and "line 2 of this cell): assert (x == 3)" in lines[0]
    assert "\n".join(lines[-3:]) == checks.RESTART_HINT


def test_install_outside_ipython_does_nothing() -> None:
    assert checks.install() is False
