"""The share-group panel of notebook 09: choose what happens, rerun the experiment, see each record's fate.

Owns ``SharePanel``. Its controls are the settings of the library scenario ``share-group-crash``: what the
last consumer does (crash, hang, close, nothing), what the consumers do with the poison record ``task-3``
(accept, reject, release every time) and with ``task-4`` (release once), the acquisition lock duration and
the number of consumers and partitions. Every change reruns the scenario from the start (virtual time: a
run takes a fraction of a second) and redraws ``plot_share_states`` and the delivery-count table, which are
normal outputs updated in place (display ids), so a saved or exported notebook shows them as left.
``set(**settings)`` does what the controls do, from a cell. ipywidgets only; lab layer.
"""

from __future__ import annotations

import base64
import html
import uuid
from typing import Any

import ipywidgets as w
from IPython.display import display, update_display
from matplotlib.figure import Figure

from ..sim import library
from . import figcheck, show
from .frames_share import share_deliveries_frame, share_states_frame
from .plots_share import plot_share_states

#: control name -> (the scenario override it sets, its choices or (min, max, step), its default)
SETTINGS: dict[str, tuple[str, Any, Any]] = {
    "last consumer": ("fate", ("crash", "hang", "close", "none"), "crash"),
    "task-3 (poison)": ("poison", ("accept", "reject", "release"), "accept"),
    "task-4 released once": ("release_once", (False, True), False),
    "lock duration (s)": ("lock_ms", (15, 60, 5), 30),
    "consumers": ("consumers", (1, 6, 1), 3),
    "partitions": ("partitions", (1, 3, 1), 1),
}
_DPI = 192       # PNG pixels per inch: twice a browser's 96 CSS px per inch


class SharePanel:
    """Controls for the ``share-group-crash`` experiment, its figure and its table, rerun on every change.

    Kafka: the controls are a consumer process's fate (a crash closes its connections: its records are
    released at once; a hang keeps them until ``group.share.record.lock.duration.ms``), the acknowledgement
    types ACCEPT, RELEASE and REJECT, the lock duration and the group's size (Kafka 4.2's ``simple``
    assignor shares a partition only when members outnumber partitions).

    Args:
        seed: the scenario's seed.
        end_ms: how long each run lasts (virtual time).
        **settings: initial values by control name's override (``fate="hang"``, ``lock_ms=15_000``, ...).
    """

    def __init__(self, seed: int = 7, end_ms: int = 40_000, **settings: Any) -> None:
        self.seed, self.end_ms = seed, end_ms
        self.values = {key: default for key, _choices, default in SETTINGS.values()}
        self.values["lock_ms"] *= 1000
        self.controls: dict[str, w.ValueWidget] = {}
        for name, (key, choices, default) in SETTINGS.items():
            if isinstance(choices[0], (str, bool)):
                ctl = w.Dropdown(description=name, options=list(choices), value=default)
            else:
                ctl = w.IntSlider(description=name, min=choices[0], max=choices[1], step=choices[2], value=default,
                                  continuous_update=False)
            ctl.style = {"description_width": "initial"}
            ctl.observe(lambda change, key=key: self._changed(key, change["new"]), names="value")
            self.controls[name] = ctl
        self.status = w.HTML()
        self.widget = w.VBox([w.HBox(list(self.controls.values())[:3]), w.HBox(list(self.controls.values())[3:]),
                              self.status])
        self._ids = {name: f"kafkalab-share-{name}-{uuid.uuid4().hex}" for name in ("figure", "table")}
        self.outputs: dict[str, tuple[dict, dict]] = {}
        self._shown = False
        self.scenario: Any = None
        self.table: Any = None
        self.png = b""
        self.error = ""
        self.set(**settings)

    def set(self, **settings: Any) -> None:
        """Change settings by override name (``fate``, ``poison``, ``release_once``, ``lock_ms``, ``consumers``,
        ``partitions``), rerun and redraw; a bad value is shown in the status line, never raised."""
        for key, value in settings.items():
            if key not in self.values:
                self.error = f"unknown setting {key!r}; allowed: {sorted(self.values)}"
                self.status.value = f'<span style="color:#b00020">&#9888; {html.escape(self.error)}</span>'
                return
            self.values[key] = value
        self._rerun()

    def _changed(self, key: str, value: Any) -> None:
        self.set(**{key: value * 1000 if key == "lock_ms" else value})

    def _overrides(self) -> dict[str, Any]:
        v = dict(self.values)
        v["poison"] = None if v["poison"] == "accept" else v["poison"]
        return {**v, "seed": self.seed, "end_ms": self.end_ms}

    def _rerun(self) -> None:
        try:
            self.scenario = library.run("share-group-crash", **self._overrides())
            figure = Figure(figsize=(9.0, 1.6 + 0.32 * 9))
            ax = plot_share_states(share_states_frame(self.scenario, group="workers"), ax=figure.add_subplot())
            self.table = share_deliveries_frame(self.scenario, group="workers")
        except Exception as exc:   # a widget callback must never raise into the notebook
            self.error = f"{type(exc).__name__}: {exc}"
            self.status.value = f'<span style="color:#b00020">&#9888; {html.escape(self.error)}</span>'
            return
        self.error = ""
        figcheck.record(figure, "panel share-group-crash", tight=True)
        self.png = show.png_bytes(figure, dpi=_DPI)
        text = ax.kafkalab_summary
        self.status.value = f"<b>{html.escape(self._describe())}</b>"
        width = int(figure.get_figwidth() * 96)
        self.outputs["figure"] = ({"image/png": base64.b64encode(self.png).decode("ascii"), "text/plain": text},
                                  {"image/png": {"width": width}})
        table = self.table[["offset", "deliveries", "clients", "final_state", "final_cause"]]
        self.outputs["table"] = ({"text/html": table.to_html(index=False, border=0, max_rows=12),
                                  "text/plain": table.to_string(index=False)}, {})
        if self._shown:
            for name in ("figure", "table"):
                data, metadata = self.outputs[name]
                update_display(data, raw=True, metadata=metadata, display_id=self._ids[name])

    def _describe(self) -> str:
        v = self.values
        fate = {"crash": "crashes", "hang": "hangs", "close": "closes", "none": "keeps working"}[v["fate"]]
        return (f"{v['consumers']} consumers on {v['partitions']} partition(s); c{v['consumers']} {fate} at 3 s; "
                f"task-3 {v['poison'] if v['poison'] != 'accept' else 'accepted'}; lock {v['lock_ms'] / 1000:g} s.")

    def _ipython_display_(self) -> None:
        bundle = dict(self.widget._repr_mimebundle_() or {})
        bundle["text/plain"] = ("Interactive share-group panel: its controls run in JupyterLab with a live kernel; "
                                "its figure and table follow below.")
        display(bundle, raw=True)
        self._shown = True
        for name in ("figure", "table"):
            data, metadata = self.outputs.get(name, ({"text/plain": ""}, {}))
            display(data, raw=True, metadata=metadata, display_id=self._ids[name])


__all__ = ["SETTINGS", "SharePanel"]
