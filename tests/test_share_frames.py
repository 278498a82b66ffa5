"""Share-group frames and plots from a synthetic trace (the kinds of CONTRACT_SHARE), and figcheck on them."""

from __future__ import annotations

from kafkalab.clock import VirtualClock
from kafkalab.lab import figcheck
from kafkalab.lab.frames_share import offsets_of, share_deliveries_frame, share_states_frame
from kafkalab.lab.plots_share import plot_delivery_counts, plot_share_states
from kafkalab.trace import Trace

G, T = "work", "tasks"


def synthetic() -> Trace:
    """Three consumers on one partition: c1, c2 accept; c3 crashes holding offset 2 (c1 gets it, dc 2);
    offset 3 is released once; offset 4 is rejected; offset 5 expires under c2, then c1 accepts it."""
    clock = VirtualClock()
    tr = Trace(clock)

    def at(ms: int, kind: str, **f) -> None:
        clock.advance(ms - clock.now_ms)
        tr.record(kind, kind, **f)

    at(10, "append", topic=T, partition=0, base_offset=0, last_offset=5, count=6)
    acq = {"group": G, "topic": T, "partition": 0}
    at(100, "share_acquired", **acq, first_offset=0, last_offset=0, member="m1", client_id="c1", delivery_count=1,
       lock_deadline_ms=30_100)
    at(100, "share_acquired", **acq, first_offset=1, last_offset=1, member="m2", client_id="c2", delivery_count=1,
       lock_deadline_ms=30_100)
    at(100, "share_acquired", **acq, first_offset=2, last_offset=2, member="m3", client_id="c3", delivery_count=1,
       lock_deadline_ms=30_100)
    at(600, "share_acknowledged", **acq, offsets=[[0, 0]], type="ACCEPT", member="m1")
    at(600, "share_acknowledged", **acq, offsets=[1], type="ACCEPT", member="m2")
    at(700, "share_acquired", **acq, first_offset=3, last_offset=3, member="m1", client_id="c1", delivery_count=1,
       lock_deadline_ms=30_700)
    at(700, "share_acquired", **acq, first_offset=4, last_offset=4, member="m2", client_id="c2", delivery_count=1,
       lock_deadline_ms=30_700)
    at(1_000, "client_crashed", client="c3#share-1", client_id="c3")
    at(1_000, "share_released", **acq, offsets=[2], member="m3", cause="disconnect")
    at(1_100, "share_acknowledged", **acq, offsets=[3], type="RELEASE", member="m1")
    at(1_100, "share_acknowledged", **acq, offsets=[4], type="REJECT", member="m2")
    at(1_100, "share_archived", **acq, offsets=[4], cause="reject")
    at(1_150, "share_acquired", **acq, first_offset=2, last_offset=3, member="m1", client_id="c1", delivery_count=2,
       lock_deadline_ms=31_150)
    at(1_200, "share_acquired", **acq, first_offset=5, last_offset=5, member="m2", client_id="c2", delivery_count=1,
       lock_deadline_ms=31_200)
    at(2_000, "share_acknowledged", **acq, offsets=[[2, 3]], type="ACCEPT", member="m1")
    at(31_200, "share_lock_expired", **acq, offsets=[5], member="m2", to="Available")
    at(31_250, "share_acquired", **acq, first_offset=5, last_offset=5, member="m1", client_id="c1", delivery_count=2,
       lock_deadline_ms=61_250)
    at(31_400, "share_acknowledged", **acq, offsets=[5], type="ACCEPT", member="m1")
    clock.advance(40_000 - clock.now_ms)
    return tr


def test_share_offsets_of_reads_every_form() -> None:
    """first/last, a list of ints and [first, last] runs name the same offsets."""
    assert offsets_of({"first_offset": 2, "last_offset": 4}) == [2, 3, 4]
    assert offsets_of({"offsets": [[2, 3], 5]}) == [2, 3, 5]


def test_share_states_frame_follows_each_record() -> None:
    """Stretches per record: Available from the first fetch (after the append), Acquired by whom, the end."""
    f = share_states_frame(synthetic(), group=G)
    o2 = f[f["offset"] == 2][["state", "client_id", "delivery_count", "from_ms", "to_ms", "cause"]]
    assert o2.values.tolist() == [
        ["Acquired", "c3", 1, 100, 1_000, "acquired"],
        ["Available", None, 1, 1_000, 1_150, "released (disconnect)"], ["Acquired", "c1", 2, 1_150, 2_000, "acquired"],
        ["Acknowledged", None, 2, 2_000, 40_000, "ACCEPT"]]
    assert f[f["offset"] == 3].iloc[0].tolist()[3:] == ["Available", None, None, 0, 100, 700, "appended"]
    o4 = f[f["offset"] == 4]
    assert o4["state"].tolist()[-1] == "Archived" and o4["cause"].tolist()[-1] == "REJECT"
    assert f.attrs["crashes"] == [(1_000, "c3")] and f.attrs["lock_expiries"] == [(31_200, T, 0, 5, "c2")]
    assert f.attrs["clients"] == ["c1", "c2", "c3"] and f.attrs["end_ms"] == 40_000


def test_share_deliveries_frame_counts_acquisitions() -> None:
    """Delivery count per record: 2 for the crashed, released and expired ones; the reject is archived."""
    d = share_deliveries_frame(synthetic(), group=G)
    assert d["deliveries"].tolist() == [1, 1, 2, 2, 1, 2]
    assert d["final_state"].tolist() == ["Acknowledged"] * 4 + ["Archived", "Acknowledged"]
    assert d.loc[d["offset"] == 2, "clients"].item() == ("c3", "c1")


def test_share_plots_pass_figcheck(tmp_path) -> None:
    """Both figures tell their story cleanly (figcheck) and say it in their alt text."""
    tr = synthetic()
    ax = plot_share_states(share_states_frame(tr, group=G))
    assert figcheck.problems(ax.figure, tight=True) == []
    assert "crash marked" in ax.kafkalab_summary and "lock expiries marked" in ax.kafkalab_summary
    labels = {t.get_text() for t in ax.texts}
    assert any(t.startswith("c3 crashes at 1 s") for t in labels) and any("30 s after c2" in t for t in labels)
    ax.figure.savefig(tmp_path / "states.png", dpi=100, bbox_inches="tight")
    ax2 = plot_delivery_counts(share_deliveries_frame(tr, group=G))
    assert figcheck.problems(ax2.figure, tight=True) == []
    assert "offsets 2–3, 5" in ax2.kafkalab_summary
