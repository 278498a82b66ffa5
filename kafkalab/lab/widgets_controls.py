"""The buttons and sliders of a ScenarioPanel, each a thin adapter onto one ``Scenario.act`` call.

Owns ``Controls`` (builds the rows of buttons and sliders from the scenario's apps and topics) and
the slider table ``SLIDERS``. Callbacks only call ``panel.clicked(...)``; the panel does the work, the
redraw and the error display. Lab layer (ipywidgets); the engine never imports it.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from ..sim.actions import APP_KINDS
from ..sim.apps import App
from ..sim.apps_pipeline import PipelineApp

#: slider name -> (applies to: consumer | topic | producer, config key for set_config, the values offered, default).
#: The values are a few steps a learner can tell apart (the setting in effect is added when it is not one).
SLIDERS: dict[str, tuple[str, str, tuple[int, ...], int]] = {
    "session.timeout.ms": ("consumer", "session.timeout.ms", (6_000, 10_000, 20_000, 30_000, 45_000, 60_000, 120_000),
                           45_000),
    "auto.commit.interval.ms": ("consumer", "auto.commit.interval.ms", (100, 500, 1_000, 2_000, 5_000, 10_000, 30_000),
                                5_000),
    "processing ms": ("consumer", "processing_ms", (0, 10, 50, 100, 250, 500, 1_000, 2_000, 5_000), 0),
    "retention.ms": ("topic", "retention.ms", (1_000, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000,
                                               3_600_000, 86_400_000, 604_800_000), 604_800_000),
    "segment.ms": ("topic", "segment.ms", (1_000, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000,
                                           3_600_000, 86_400_000, 604_800_000), 604_800_000),
    "records per s": ("producer", "rate_per_s", (1, 2, 5, 10, 20, 50, 100, 200), 10),
}

ALL = "all consumers"


def app_kind(app: Any) -> str:
    """``"consumer"``, ``"producer"``, ``"pipeline"`` or ``"other"`` for a simulated app."""
    for kind, cls in APP_KINDS.items():
        if isinstance(app, cls):
            return kind
    return "other"


def spec_of(app: Any) -> dict:
    """The app's settings (``App.spec``), or an empty dict for anything that is not a ``kafkalab.sim`` app."""
    return app.spec if isinstance(app, App) else {}


def consumer_names(scenario: Any) -> list[str]:
    """Names of the scenario's consumer apps, in the order they were added."""
    return [n for n, a in scenario.apps.items() if app_kind(a) == "consumer"]


def pipeline_names(scenario: Any) -> list[str]:
    """Names of the scenario's consume-transform-produce apps, in the order they were added."""
    return [n for n, a in scenario.apps.items() if app_kind(a) == "pipeline"]


def producer_names(scenario: Any) -> list[str]:
    """Names of the scenario's producer apps, in the order they were added."""
    return [n for n, a in scenario.apps.items() if app_kind(a) == "producer"]


class Controls:
    """Rows of buttons and sliders for ``panel.scenario``; ``box`` is the widget to show.

    Args:
        panel: the owning ``ScenarioPanel`` (its ``clicked``, ``redraw``, ``reset``, ``keep_copy``).
        run_steps_ms: one "run N s" button per entry (each appends an ``advance`` action).
        burst: records per "produce burst" click.
        sliders: slider names to show; default: every slider whose target exists in the scenario.
        crash_point: the ``point`` of the crash action.
    """

    def __init__(self, panel: Any, *, run_steps_ms: tuple[int, ...], burst: int,
                 sliders: tuple[str, ...] | None, crash_point: str) -> None:
        unknown = [s for s in (sliders or ()) if s not in SLIDERS]
        if unknown:
            raise ValueError(f"ScenarioPanel: unknown sliders {unknown}; allowed: {sorted(SLIDERS)}")
        self.panel = panel
        self.run_steps_ms = run_steps_ms
        self.burst = burst
        self.slider_names = sliders
        self.crash_point = crash_point
        self.box = w.VBox()
        self.rebuild()

    @property
    def scenario(self) -> Any:
        return self.panel.scenario

    def rebuild(self) -> None:
        """Build the rows again (after a consumer was added or the scenario was reset)."""
        self._buttons: dict[str, w.Button] = {}
        self._sliders: dict[str, w.ValueWidget] = {}
        self.target = w.Dropdown(description="sliders apply to", options=[ALL, *consumer_names(self.scenario)],
                                 value=ALL, style={"description_width": "initial"})
        rows = [self._consumer_row(n) for n in consumer_names(self.scenario)]
        rows += [self._pipeline_row(n) for n in pipeline_names(self.scenario)]
        rows += [w.HBox(self._general_buttons()), *self._transaction_rows(), *self._slider_rows()]
        self.box.children = rows

    def button(self, description: str) -> w.Button:
        """The button labelled ``description``; ValueError naming the labels there are."""
        if description not in self._buttons:
            raise ValueError(f"ScenarioPanel: no button {description!r}; buttons: {sorted(self._buttons)}")
        return self._buttons[description]

    def slider(self, description: str) -> w.ValueWidget:
        """The slider labelled ``description``; ValueError naming the sliders there are."""
        if description not in self._sliders:
            raise ValueError(f"ScenarioPanel: no slider {description!r}; sliders: {sorted(self._sliders)}")
        return self._sliders[description]

    # -- buttons -----------------------------------------------------------------------------
    def _make(self, description: str, on_click: Any, style: str = "", tooltip: str = "") -> w.Button:
        button = w.Button(description=description, button_style=style, tooltip=tooltip or description,
                          layout=w.Layout(width="auto"))
        button.on_click(lambda _b: on_click())
        self._buttons[description] = button
        return button

    def _consumer_row(self, name: str) -> w.HBox:
        act = self.panel.clicked
        return w.HBox([
            self._make(f"crash {name}", lambda: act("crash", app=name, point=self.crash_point), "danger",
                       "the process dies: no LeaveGroup, no more heartbeats or commits"),
            self._make(f"restart {name}", lambda: act("restart", app=name), "",
                       "start the consumer again with the same name and config"),
            self._make(f"commit {name}", lambda: act("commit", app=name), "",
                       "commit the offsets of the records it has handed to the application"),
            self._make(f"remove {name}", lambda: act("remove_consumer", app=name), "",
                       "close() cleanly: LeaveGroup, then a rebalance"),
        ])

    def _pipeline_row(self, name: str) -> w.HBox:
        act = self.panel.clicked
        app = self.scenario.apps[name]
        point = self.crash_point if isinstance(app, App) and self.crash_point in app.points else "now"
        if point == "in_transaction" and not (isinstance(app, PipelineApp) and app.exactly_once):
            point = "now"
        when = "now" if point == "now" else f"at its next {point} point (press run to get there)"
        return w.HBox([
            self._make(f"crash {name}", lambda: act("crash", app=name, point=point), "danger",
                       f"the pipeline's process dies {when}: no LeaveGroup, no commit, no transaction end"),
            self._make(f"restart {name}", lambda: act("restart", app=name), "",
                       "a new instance: rejoins the group (and, exactly-once, fences the old producer)"),
        ])

    def _general_buttons(self) -> list[w.Button]:
        buttons = [self._make("add consumer", self._add_consumer, "success", "a new member like the first consumer")]
        if producer_names(self.scenario) or self.panel.topic:
            buttons.append(self._make("produce burst", self._burst, "", f"produce {self.burst} records at once"))
        for ms in self.run_steps_ms:
            buttons.append(self._make(f"run {ms / 1000:g} s", lambda ms=ms: self.panel.clicked("advance", ms=ms),
                                      "info", f"advance virtual time by {ms} ms"))
        buttons.append(self._make("reset", self.panel.reset, "warning", "back to the scenario as it was"))
        buttons.append(self._make("snapshot", self.panel.keep_copy, "",
                                  "keep a copy of the figure as it is now, below the table (saved with the notebook)"))
        return buttons

    def _transaction_rows(self) -> list[w.HBox]:
        txn = [n for n in producer_names(self.scenario) if spec_of(self.scenario.apps[n]).get("transactional")]
        if not txn:
            return []
        app, act = txn[0], self.panel.clicked
        return [w.HBox([
            self._make("begin transaction", lambda: act("begin_transaction", app=app)),
            self._make("commit transaction", lambda: act("commit_transaction", app=app), "success"),
            self._make("abort transaction", lambda: act("abort_transaction", app=app), "warning"),
        ])]

    def _add_consumer(self) -> None:
        consumers = consumer_names(self.scenario)
        if not consumers:
            self.panel.clicked("add_consumer", name="c1")
            return
        taken = set(self.scenario.apps)
        name = next(f"c{i}" for i in range(1, len(taken) + 2) if f"c{i}" not in taken)
        if self.panel.clicked("add_consumer", name=name, like=consumers[0]):
            self.rebuild()

    def _burst(self) -> None:
        producers = producer_names(self.scenario)
        writing = [n for n in producers if spec_of(self.scenario.apps[n]).get("topic") == self.panel.topic]
        producers = writing or producers           # the producer of the panel's topic, else the first one
        if producers:
            self.panel.clicked("produce_burst", app=producers[0], count=self.burst)
        else:
            self.panel.clicked("produce_burst", topic=self.panel.topic, count=self.burst)

    # -- sliders -----------------------------------------------------------------------------
    def _slider_rows(self) -> list[Any]:
        names = self.slider_names if self.slider_names is not None else self._applicable_sliders()
        sliders = [self._make_slider(n) for n in names]
        rows: list[Any] = []
        if any(SLIDERS[n][0] == "consumer" for n in names) and consumer_names(self.scenario):
            rows.append(self.target)
        rows += [w.HBox(sliders[i:i + 2]) for i in range(0, len(sliders), 2)]
        return rows

    def _applicable_sliders(self) -> list[str]:
        has = {"consumer": bool(consumer_names(self.scenario)), "producer": bool(producer_names(self.scenario)),
               "topic": self.panel.topic is not None}
        return [n for n, spec in SLIDERS.items() if has[spec[0]]]

    def _make_slider(self, name: str) -> w.SelectionSlider:
        _, _, values, _ = SLIDERS[name]
        value = self._current(name)
        options = [(_readout(name, v), v) for v in sorted({*values, value})]
        slider = w.SelectionSlider(description=name, options=options, value=value, continuous_update=False,
                                   style={"description_width": "initial"}, layout=w.Layout(width="48%"))
        slider.observe(lambda change, name=name: self._on_slide(name, int(change["new"])), names="value")
        self._sliders[name] = slider
        return slider

    def _current(self, name: str) -> int:
        """The slider's starting value: the setting in effect now (first consumer, producer or the topic)."""
        target, key, *_, default = SLIDERS[name]
        sc = self.scenario
        try:
            if target == "topic":
                value = sc.cluster.topic(self.panel.topic).config.get(key, default)
            else:
                names = consumer_names(sc) if target == "consumer" else producer_names(sc)
                spec = spec_of(sc.apps[names[0]])
                value = spec.get(key) if key in spec else (spec.get("config") or {}).get(key, default)
            return int(value)
        except (LookupError, TypeError, ValueError, AttributeError):
            return default

    def _on_slide(self, name: str, value: int) -> None:
        target, key, *_ = SLIDERS[name]
        if target == "topic":
            self.panel.clicked("set_config", topic=self.panel.topic, key=key, value=value)
            return
        if target == "producer":
            apps = producer_names(self.scenario)[:1]
        else:
            apps = consumer_names(self.scenario) if self.target.value == ALL else [self.target.value]
        for app in apps:
            if not self.panel.clicked("set_config", app=app, key=key, value=value):
                return


def _readout(name: str, value: int) -> str:
    """A slider's readout: ``"45 s"``, ``"10 min"``, ``"7 days"`` for durations; the number for the others."""
    if not name.endswith(".ms"):
        return f"{value} ms" if name == "processing ms" else str(value)
    for unit, ms in (("day", 86_400_000), ("h", 3_600_000), ("min", 60_000), ("s", 1_000)):
        if value >= ms and value % ms == 0:
            n = value // ms
            return f"{n} {unit}{'s' if unit == 'day' and n != 1 else ''}"
    return f"{value} ms"
