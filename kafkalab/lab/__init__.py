"""kafkalab.lab: the trace as pandas DataFrames and matplotlib plots (and, in ``widgets``, panels).

The only layer that imports pandas, matplotlib and ipywidgets; the engine and ``kafkalab.sim``
never import it. ``from kafkalab import lab`` then ``lab.plot_lag(lab.lag_frame(scenario, group="billing"))``.
``kafkalab.lab.widgets`` (ipywidgets) is imported on its own, so frames and plots work without it.
"""

from .frames import (
    deliveries_frame,
    events_frame,
    lag_frame,
    log_frame,
    membership_frame,
    outputs_frame,
    retention_frame,
)
from .plots import (
    plot_duplicates,
    plot_lag,
    plot_log,
    plot_membership,
    plot_redeliveries,
    plot_retention_timeline,
    summary,
)

__all__ = [
    "deliveries_frame",
    "events_frame",
    "lag_frame",
    "log_frame",
    "membership_frame",
    "outputs_frame",
    "plot_duplicates",
    "plot_lag",
    "plot_log",
    "plot_membership",
    "plot_redeliveries",
    "plot_retention_timeline",
    "retention_frame",
    "summary",
]
