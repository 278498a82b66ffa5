"""figcheck finds each kind of defect it names, and passes a figure that has none."""

from __future__ import annotations

import json

import pytest
from matplotlib.figure import Figure

from kafkalab.lab import figcheck


def _axes(xlabel: str = "virtual time (s)", ylabel: str = "lag (records)") -> tuple[Figure, object]:
    figure = Figure(figsize=(7.5, 3.4))
    ax = figure.add_subplot()
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title("a kafkalab plot")
    ax.kafkalab_summary = "a test figure"
    return figure, ax


def _clean() -> tuple[Figure, object]:
    figure, ax = _axes()
    ax.step([0, 10, 20], [0, 3, 1], where="post", label="orders-0")
    ax.set_xlim(0, 20)
    ax.set_ylim(0, 4)
    ax.set_yticks([0, 1, 2, 3, 4])
    ax.kafkalab_x_end = 20
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0)
    return figure, ax


def test_figcheck_passes_a_clean_figure() -> None:
    """A time plot that reaches its end, with integer ticks and a legend outside, has no problem."""
    figure, _ = _clean()
    assert figcheck.problems(figure, tight=True) == []


def test_figcheck_time_axis_must_know_and_reach_the_end() -> None:
    """No kafkalab_x_end on a time axis, or an x range that stops before it, are both reported."""
    figure, ax = _clean()
    del ax.kafkalab_x_end
    assert any("without kafkalab_x_end" in p for p in figcheck.problems(figure, tight=True))
    ax.kafkalab_x_end = 40
    found = figcheck.problems(figure, tight=True)
    assert any("stops at 20, before the experiment's end at 40" in p for p in found), found


def test_figcheck_overlapping_texts() -> None:
    """Two annotations drawn at the same place overlap; the report names both texts."""
    figure, ax = _clean()
    ax.text(5, 2, "crash c3", gid="crash")
    ax.text(5, 2, "crash c3", gid="crash")
    assert any("texts 'crash c3' and 'crash c3' overlap" in p for p in figcheck.problems(figure, tight=True))


def test_figcheck_cut_off_text_unless_saved_tight() -> None:
    """A legend outside the axes of a figure with default margins is cut off, unless saved tight."""
    figure, _ = _clean()
    assert any("cut off" in p for p in figcheck.problems(figure, tight=False))
    assert not any("cut off" in p for p in figcheck.problems(figure, tight=True))


def test_figcheck_legend_on_the_data() -> None:
    """A legend inside the axes sits on the data area."""
    figure, ax = _clean()
    ax.legend(loc="upper left")
    assert any("legend sits on the data area" in p for p in figcheck.problems(figure, tight=True))


def test_figcheck_every_mark_is_explained() -> None:
    """A line without a legend entry is reported; a gid shared with a text (a direct label) explains it."""
    figure, ax = _clean()
    ax.axvline(12, color="red")
    found = figcheck.problems(figure, tight=True)
    assert any("Line2D" in p and "neither a legend entry nor a direct label" in p for p in found), found
    ax.lines[-1].set_gid("crash")
    ax.text(12.2, 3.5, "crash c1", gid="crash")
    assert figcheck.problems(figure, tight=True) == []


def test_figcheck_count_axes_have_integer_ticks() -> None:
    """A deliveries axis with ticks at 0.5 steps is reported."""
    figure, ax = _clean()
    ax.set_ylabel("deliveries")
    ax.set_yticks([0, 0.5, 1, 1.5])
    assert any("fractional ticks" in p for p in figcheck.problems(figure, tight=True))


def test_figcheck_record_writes_json_lines(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With KAFKALAB_FIGCHECK set, record appends one JSON line per figure, extra problems included."""
    out = tmp_path / "checks.jsonl"
    monkeypatch.setenv(figcheck.ENV, str(out))
    figure, _ = _clean()
    figcheck.record(figure, "cell output", tight=True)
    figcheck.record(figure, "panel lag", tight=True, extra=["the PNG is 1x"])
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(x["where"], x["problems"]) for x in lines] == [("cell output", []), ("panel lag", ["the PNG is 1x"])]
    assert lines[0]["title"] == "'a kafkalab plot'"


def test_figcheck_rejects_a_non_figure() -> None:
    """Bad input names the parameter and the type it got."""
    with pytest.raises(TypeError, match="figure must be a matplotlib Figure, got str"):
        figcheck.problems("not a figure")
