"""Check cells that fail with advice, not a bare ``AssertionError``.

Every claim a notebook makes is checked by plain ``assert`` lines. Those hold when the cells run once
each, top to bottom, in a fresh kernel; a learner who runs a cell twice or out of order (the clock has
moved on, a consumer has read further) sees one fail. Importing ``kafkalab.lab`` inside IPython
(JupyterLab, nbclient, the terminal) calls ``install()``: an ``assert`` that fails in a notebook cell
then prints one sentence with the failing line and what to do (Kernel → Restart Kernel and Run All
Cells), in place of the traceback. The cell still ends in error, so "Run All" stops there and a
headless run (the notebook tests, ``python -m kafkalab report``) still fails. An assertion raised
inside a library (not written in a cell) keeps its usual traceback.
"""

from __future__ import annotations

import linecache
import sys
from types import TracebackType
from typing import Any

RESTART_HINT = ("The checks assume each cell ran once, top to bottom, in a fresh kernel.\n"
                "If you ran a cell twice or out of order: Kernel → Restart Kernel and Run All Cells…\n"
                "If it still fails after that, the run disagrees with the notebook: please report it.")
_RED, _BOLD, _RESET = "\x1b[31m", "\x1b[1m", "\x1b[0m"


def _is_cell_file(filename: str, shell: Any = None) -> bool:
    """Whether ``filename`` is the code of a notebook/IPython cell (not a module on disk)."""
    names = getattr(getattr(shell, "compile", None), "_filename_map", None) or {}
    return filename in names or filename.startswith("<ipython-input-") or "/ipykernel_" in filename


def _cell_frame(tb: TracebackType | None, shell: Any = None) -> TracebackType | None:
    """The innermost traceback entry, if it is in a cell (the ``assert`` was written there)."""
    last = None
    while tb is not None:
        last, tb = tb, tb.tb_next
    if last is None or not _is_cell_file(last.tb_frame.f_code.co_filename, shell):
        return None
    return last


def _statement(filename: str, lineno: int, max_lines: int = 6) -> str:
    """The source of the statement starting at ``lineno`` (continued while brackets are open)."""
    lines, depth = [], 0
    for n in range(lineno, lineno + max_lines):
        line = linecache.getline(filename, n)
        if not line:
            break
        lines.append(line.strip())
        depth += sum(line.count(c) for c in "([{") - sum(line.count(c) for c in ")]}")
        if depth <= 0 and not line.rstrip().endswith("\\"):
            break
    return " ".join(lines)


def explain(value: BaseException, tb: TracebackType | None, shell: Any = None) -> list[str] | None:
    """The advice for a failed check written in a cell (lines of text), or None if it was not one."""
    entry = _cell_frame(tb, shell)
    if entry is None:
        return None
    filename, lineno = entry.tb_frame.f_code.co_filename, entry.tb_lineno
    source = _statement(filename, lineno) or "assert ..."
    message = str(value).strip()
    where = f"line {lineno} of this cell"
    first = f"A check in this cell failed ({where}): {source}"
    lines = [f"{_RED}{_BOLD}{first}{_RESET}"]
    if message:
        lines.append(f"It says: {message}")
    lines += RESTART_HINT.splitlines()
    return lines


def _handler(shell: Any, etype: type, value: BaseException, tb: TracebackType | None,
             tb_offset: int | None = None) -> list[str]:
    """IPython's custom exception handler: show the advice (or the usual traceback) as the cell's error."""
    sys.last_type, sys.last_value, sys.last_traceback = etype, value, tb  # %debug and %tb still work
    stb = explain(value, tb, shell)
    if stb is None:
        stb = shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)
    shell._showtraceback(etype, value, stb)  # the error output (and, in a kernel, the execute reply)
    return stb


def install(shell: Any = None) -> bool:
    """Register the handler for ``AssertionError`` in the running IPython shell; False outside IPython.

    Leaves a shell alone that already has another custom exception handler.
    """
    if shell is None:
        ipython = sys.modules.get("IPython")  # never import IPython for a plain script
        shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or not hasattr(shell, "set_custom_exc"):
        return False
    current = tuple(getattr(shell, "custom_exceptions", ()) or ())
    if current and current != (AssertionError,):
        return False
    shell.set_custom_exc((AssertionError,), _handler)
    return True


def uninstall(shell: Any) -> None:
    """Remove the handler (IPython's default traceback again)."""
    if tuple(getattr(shell, "custom_exceptions", ()) or ()) == (AssertionError,):
        shell.set_custom_exc((), None)
