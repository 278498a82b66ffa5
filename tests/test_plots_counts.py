"""Count plots read as counts: integer ticks, the offsets that matter labelled, readable at 20-300 offsets.

plot_redeliveries, plot_duplicates and plot_processed (with processed_frame), checked with figcheck.
"""

import matplotlib

matplotlib.use("Agg")

import pytest

from kafkalab import lab
from kafkalab.lab import figcheck, plots
from kafkalab.sim import library
from kafkalab.sim.library_eos import POLICIES, run_delivery_policy


@pytest.fixture(scope="module")
def policies():
    return {policy: run_delivery_policy(policy) for policy in POLICIES}


def _texts(ax):
    return [t.get_text() for t in ax.texts]


def _ticks_are_integers(ax):
    lo, hi = ax.get_ylim()
    return all(float(t).is_integer() for t in ax.get_yticks() if lo <= t <= hi)


def test_plots_counts_redeliveries_label_the_redelivered_offsets(policies):
    run = policies["auto_java"]
    ax = plots.plot_redeliveries(lab.deliveries_frame(run.trace, group=run.group))
    assert figcheck.problems(ax.figure, tight=True) == []
    assert _ticks_are_integers(ax) and "offsets 12–13: 2×" in _texts(ax)
    assert lab.summary(ax).endswith("(at most 2 times): offsets 12–13.")


def test_plots_counts_redeliveries_at_300_offsets_three_partitions():
    """crash-before-commit: 300 offsets over 3 partitions; the redelivered run is labelled and drawn visibly wide."""
    scenario = library.run("crash-before-commit")
    frame = lab.deliveries_frame(scenario, group="billing")
    assert len(frame) == 300
    ax = plots.plot_redeliveries(frame)
    assert figcheck.problems(ax.figure, tight=True) == []
    again = frame[frame.deliveries > 1]
    (topic, part), first, last = again.iloc[0][["topic", "partition"]], again.offset.min(), again.offset.max()
    assert f"offsets {topic}-{part}@{first}–{last}: 2×" in _texts(ax)
    widths = {p.vertices[:, 0].max() - p.vertices[:, 0].min() for p in ax.collections[1].get_paths()}
    assert min(widths) >= 3                                  # 1/100 of the axis, not 2 px
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert {"orders-0\n@0", "orders-1\n@0", "orders-2\n@0"} <= set(labels)


def test_plots_counts_duplicates_integer_ticks_and_labelled_inputs():
    out = lab.outputs_frame(library.run("exactly-once-pipeline"))
    for app in ("alo", "eos"):
        ax = plots.plot_duplicates(out[out["app"] == app])
        assert figcheck.problems(ax.figure, tight=True) == [] and _ticks_are_integers(ax)
        assert any(t.startswith("offset") and "side effect 2×" in t for t in _texts(ax))
    assert any("2 visible" in t for t in _texts(plots.plot_duplicates(out[out["app"] == "alo"])))


def test_plots_counts_processed_shows_lost_as_0_and_duplicates_as_2(policies):
    frame = lab.processed_frame(policies)
    assert list(dict.fromkeys(frame.row)) == list(POLICIES) and len(frame) == 20 * len(POLICIES)
    zeros = {r: frame[(frame.row == r) & (frame.processed == 0)].offset.tolist() for r in POLICIES}
    twice = {r: frame[(frame.row == r) & (frame.processed > 1)].offset.tolist() for r in POLICIES}
    assert zeros == {p: ([13] if p in ("before_processing", "auto") else []) for p in POLICIES}
    assert twice == {p: ([12] if p == "auto_java" else []) for p in POLICIES}
    ax = plots.plot_processed(frame)
    assert figcheck.problems(ax.figure, tight=True) == []
    assert _texts(ax).count("0") == 2 and _texts(ax).count("2") == 1
    assert {c.get_label() for c in ax.collections} == {"0: never processed (lost)", "1: processed once",
                                                       "2+: processed again"}


def test_plots_counts_processed_frame_of_a_scenario_and_bad_input():
    scenario = library.run("delivery-semantics")
    frame = lab.processed_frame(scenario)
    assert set(frame.row) == {"amo", "alo"} and set(frame.processed) == {0, 1, 2}
    ax = plots.plot_processed(frame)
    assert figcheck.problems(ax.figure, tight=True) == []
    lost = frame[(frame.row == "amo") & (frame.processed == 0)].offset.tolist()
    twice = frame[(frame.row == "alo") & (frame.processed == 2)].offset.tolist()
    assert len(lost) == len(twice) == 1                       # 60 offsets: only these two cells are labelled
    assert sorted(_texts(ax)) == sorted([f"offset {lost[0]}: never processed", f"offset {twice[0]}: processed 2×"])
    with pytest.raises(ValueError, match="no app_processed events for app='nobody'"):
        lab.processed_frame(scenario, app="nobody")
    with pytest.raises(ValueError, match="lacks columns"):
        plots.plot_processed(lab.deliveries_frame(scenario, group="at-least-once"))
