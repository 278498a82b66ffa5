"""lab.plots render headless (Agg) with the expected artists, titles, labels and alt text; no figure leaks."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from matplotlib.collections import PolyCollection

from kafkalab.lab import frames as F
from kafkalab.lab import palette, plots
from tests.test_frames import crash_before_commit, transactions


@pytest.fixture(scope="module")
def crashed():
    return crash_before_commit()


def _labelled(ax):
    assert ax.get_title() and ax.get_xlabel()
    text = plots.summary(ax)
    assert text.endswith(".") and len(text) > 20
    return text


def test_plots_redeliveries_one_bar_per_offset_two_redelivered(crashed):
    ax = plots.plot_redeliveries(F.deliveries_frame(crashed, group="g"))
    once, again = ax.collections
    assert (once.get_label(), again.get_label()) == ("delivered once", "redelivered")
    assert len(once.get_paths()) == 8 and len(again.get_paths()) == 2
    assert matplotlib.colors.to_hex(again.get_facecolor()[0]).upper() == palette.BAD.upper()
    assert {p.vertices[:, 1].max() for p in again.get_paths()} == {2}
    assert _labelled(ax).startswith("2 of 10 delivered offsets")


def test_plots_lag_one_line_per_partition(crashed):
    ax = plots.plot_lag(F.lag_frame(crashed, group="g"))
    assert [ln.get_label() for ln in ax.get_lines()] == ["orders-0"]
    assert "orders-0 0" in _labelled(ax)


def test_plots_membership_bars_crash_and_hatch(crashed):
    ax = plots.plot_membership(F.membership_frame(crashed, group="g"))
    bars = {c.get_label(): c for c in ax.collections if isinstance(c, PolyCollection)}
    assert len(bars["orders-0"].get_paths()) == 2       # c1 live until its crash, then c2
    assert bars["still assigned to a crashed member"].get_hatch() == "//"
    crash = [ln for ln in ax.get_lines() if ln.get_label() == "crash (process died)"]
    assert len(crash) == 1 and len(crash[0].get_xdata()) == 1          # one mark per crash
    assert [t.get_text() for t in ax.get_yticklabels()] == ["c2", "c1"]
    assert "1 crash" in _labelled(ax)


def test_plots_log_cells_markers_and_pointers():
    ax = plots.plot_log(F.log_frame(transactions(), topic="pay", partition=0))
    cells = {c.get_label(): len(c.get_paths()) for c in ax.collections if isinstance(c, PolyCollection)}
    assert sum(cells.values()) == 6 and cells["transaction marker (C commit, A abort)"] == 2
    assert cells["record of an aborted transaction"] >= 1
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("A") == 1 and texts.count("C") == 1
    assert "log start 0" in texts and "HW = LEO 6" in texts        # pointers at one offset share a label
    assert "LSO 5" in texts and "group readers: committed 5" in texts       # group readers, next offset 5
    assert "LSO 5, HW 6, LEO 6" in _labelled(ax)


def test_plots_retention_and_duplicates_draw():
    ret = F.retention_frame(crash_before_commit(), topic="orders")
    ax = plots.plot_retention_timeline(ret)
    assert "orders-0: 1 segment, 0 deleted" in _labelled(ax)


def test_plots_make_no_pyplot_figures(crashed):
    before = plt.get_fignums()
    plots.plot_lag(F.lag_frame(crashed, group="g"))
    plots.plot_membership(F.membership_frame(crashed, group="g"))
    assert plt.get_fignums() == before


def test_plots_bad_input():
    with pytest.raises(TypeError, match="DataFrame"):
        plots.plot_lag([1, 2])
    with pytest.raises(ValueError, match="lacks columns"):
        plots.plot_log(F.deliveries_frame(crash_before_commit(), group="g"))
    with pytest.raises(ValueError, match="not drawn by a kafkalab plot"):
        plots.summary(matplotlib.figure.Figure().add_subplot())


def test_plots_duplicates_bars_per_input_and_the_duplicated_ones_in_vermillion():
    """On the exactly-once-pipeline scenario: the at-least-once app has inputs with two visible outputs (drawn
    in the "visible more than once" collection), the exactly-once app has none; side effects repeat in both."""
    from kafkalab.sim import library

    out = F.outputs_frame(library.run("exactly-once-pipeline"))
    drawn = {}
    for app in ("alo", "eos"):
        ax = plots.plot_duplicates(out[out["app"] == app])
        drawn[app] = {c.get_label(): len(c.get_paths()) for c in ax.collections}
        inputs = int(plots.summary(ax).split()[1].rstrip(","))
        assert drawn[app]["output records in the log (all)"] == inputs > 0
        assert 0 < len(ax.get_xticks()) <= 12
    assert drawn["alo"]["visible more than once"] >= 1 and "visible more than once" not in drawn["eos"]
    assert drawn["alo"]["side effects outside Kafka"] == drawn["eos"]["side effects outside Kafka"] == 1  # a scatter
