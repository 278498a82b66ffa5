"""Showing kafkalab figures as normal cell outputs, the way matplotlib's inline backend does.

A ``plot_*`` call that makes its own figure (no ``ax=``) hands it to ``pending``; when the cell that
made it has finished (IPython's ``post_execute`` event), every pending figure is displayed as a PNG
with its alt text as the plain-text fallback. So ``lab.plot_lag(frame);`` shows the figure, in
JupyterLab and in an executed notebook or HTML report, and edits made after the call (a title set
with ``ax.set_title``) are in it. Figures drawn on an ``ax`` you passed are yours to show. Outside
IPython nothing is displayed and nothing is kept. Lab layer; the engine never imports it.
"""

from __future__ import annotations

import base64
import io
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from . import figcheck

_pending: list[Figure] = []
_hooked_shell: Any = None


def _shell() -> Any:
    """The running IPython shell, or None (plain Python, IPython not installed)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def pending(figure: Figure) -> None:
    """Display ``figure`` when the current IPython cell finishes (no-op outside IPython)."""
    global _hooked_shell
    shell = _shell()
    if shell is None or not hasattr(shell, "events"):
        return
    if _hooked_shell is not shell:
        shell.events.register("post_execute", flush)
        _hooked_shell = shell
    if all(f is not figure for f in _pending):
        _pending.append(figure)


def png_bytes(figure: Figure, dpi: int = 100) -> bytes:
    """``figure`` rendered as PNG bytes (Agg, never pyplot)."""
    buf = io.BytesIO()
    FigureCanvasAgg(figure)
    figure.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")   # labels are never cut off
    return buf.getvalue()


def alt_text(figure: Figure) -> str:
    """The kafkalab summaries of the figure's axes, joined (what a reader without the image gets)."""
    texts = [getattr(ax, "kafkalab_summary", "") for ax in figure.axes]
    return " ".join(t for t in texts if t) or "kafkalab figure"


def flush() -> None:
    """Display every pending figure now, oldest first, and forget them."""
    figures = list(_pending)
    _pending.clear()
    if not figures:
        return
    from IPython.display import display

    for figure in figures:
        figcheck.record(figure, "cell output", tight=True)
        png = base64.b64encode(png_bytes(figure)).decode("ascii")
        display({"image/png": png, "text/plain": alt_text(figure)}, raw=True)
