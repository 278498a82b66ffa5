"""kafkalab.lab: the trace as pandas DataFrames and matplotlib plots (and, in ``widgets``, panels).

The only layer that imports pandas, matplotlib and ipywidgets; the engine and ``kafkalab.sim``
never import it. ``from kafkalab import lab`` then ``lab.plot_lag(lab.lag_frame(scenario, group="billing"))``.
``kafkalab.lab.widgets`` (ipywidgets) is imported on its own, so frames and plots work without it.
Imported in IPython, it makes a failed check cell say what to do (``kafkalab.lab.checks``).
"""

from . import checks as _checks
from .frames import (
    commits_frame,
    crash_timeline_frame,
    deliveries_frame,
    events_frame,
    lag_frame,
    log_frame,
    membership_frame,
    outputs_frame,
    retention_frame,
)
from .frames_handover import handover_frame
from .frames_outputs import processed_frame
from .frames_share import share_deliveries_frame, share_states_frame
from .plots import (
    plot_commits,
    plot_crash_timeline,
    plot_deliveries_by_group,
    plot_duplicates,
    plot_lag,
    plot_log,
    plot_membership,
    plot_processed,
    plot_redeliveries,
    plot_retention_timeline,
    summary,
)
from .plots_handover import plot_handover
from .plots_share import plot_delivery_counts, plot_share_states

_checks.install()

__all__ = [
    "commits_frame",
    "crash_timeline_frame",
    "deliveries_frame",
    "events_frame",
    "handover_frame",
    "lag_frame",
    "log_frame",
    "membership_frame",
    "outputs_frame",
    "plot_commits",
    "plot_crash_timeline",
    "plot_deliveries_by_group",
    "plot_delivery_counts",
    "plot_duplicates",
    "plot_handover",
    "plot_lag",
    "plot_log",
    "plot_membership",
    "plot_processed",
    "plot_redeliveries",
    "plot_retention_timeline",
    "plot_share_states",
    "processed_frame",
    "retention_frame",
    "share_deliveries_frame",
    "share_states_frame",
    "summary",
]
