"""plot_retention_timeline and plot_log keep the figure contract (``figcheck``): the time axis reaches
the experiment's end, every mark is explained by a legend outside the data, no two labels overlap."""

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

import kafkalab
from kafkalab import Consumer, Producer, TopicPartition
from kafkalab.lab import figcheck, plots
from kafkalab.lab import frames as F
from kafkalab.sim import library
from tests.test_frames import transactions


def _clean(ax, tight=True):
    found = figcheck.problems(ax.figure, tight=tight)
    assert found == [], found


def _legend(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


@pytest.fixture(scope="module")
def lagging():
    return library.run("lagging-group-falls-off", seed=7)


def test_retention_reaches_the_end_and_explains_every_mark(lagging):
    frame = F.retention_frame(lagging, topic="orders")
    assert frame.attrs["end_ms"] == lagging.now_ms == 60_000
    ax = plots.plot_retention_timeline(frame)
    _clean(ax)
    assert ax.kafkalab_x_end == 60_000 and ax.get_xlim()[1] >= 60_000
    legend = _legend(ax)
    for label in ("segment, deleted", "deletion of a whole segment", "log start offset",
                  "committed offset, group fast", "committed offset, group slow"):
        assert label in legend
    crosses = [ln for ln in ax.get_lines() if ln.get_label() == "deletion of a whole segment"]
    assert len(crosses) == 1 and len(crosses[0].get_xdata()) == 8          # one x per deleted segment
    assert "8 of 9 segments deleted, the first at 30 s" in ax.get_title()
    assert "below it: slow committed 494" in plots.summary(ax)
    # the legend sits outside the axes, at the right
    assert ax.get_legend().get_bbox_to_anchor().x0 > ax.get_window_extent().x1 - 1


def test_retention_live_segments_run_to_the_end_of_a_cut_run():
    sc = library.get("commit-is-not-delete", seed=7).run(until_ms=10_000)
    frame = F.retention_frame(sc, topic="orders")
    assert frame.attrs["end_ms"] == 10_000
    ax = plots.plot_retention_timeline(frame)
    _clean(ax)
    live = next(c for c in ax.collections if c.get_label() == "segment still in the log")
    assert max(v[0] for p in live.get_paths() for v in p.vertices) == 10_000
    assert ax.get_title().endswith("no segment deleted")
    # the trace's cut (Trace.until) is the end as well
    cut = F.retention_frame(sc.trace.until(5_000), topic="orders")
    assert cut.attrs["end_ms"] == 5_000
    _clean(plots.plot_retention_timeline(cut))


def test_retention_on_a_panel_sized_axes_and_without_end_attr(lagging):
    figure = Figure(figsize=(7.5, 3.4))
    ax = figure.add_subplot()
    frame = F.retention_frame(lagging, topic="orders")
    bare = pd.DataFrame(frame)
    bare.attrs = {}
    plots.plot_retention_timeline(bare, ax=ax)
    assert ax.kafkalab_x_end == 60_000                   # the last deletion, at 60 s
    _clean(ax)


def test_retention_expired_offsets_break_the_committed_line():
    cl = kafkalab.Cluster(seed=2, config={"offsets.retention.minutes": 10})
    conf = {"bootstrap.servers": cl.bootstrap_servers}
    p = Producer(conf)
    for i in range(3):
        p.produce("orders", value=f"v{i}", partition=0)
    p.flush()
    c = Consumer({**conf, "group.id": "billing", "auto.offset.reset": "earliest", "enable.auto.commit": False})
    c.assign([TopicPartition("orders", 0)])
    c.consume(10, timeout=1.0)
    c.commit(asynchronous=False)
    c.close()
    cl.advance(21 * 60_000)
    frame = F.retention_frame(cl, topic="orders")
    ax = plots.plot_retention_timeline(frame)
    _clean(ax)
    line = next(ln for ln in ax.get_lines() if ln.get_label() == "committed offset, group billing")
    assert pd.isna(line.get_ydata()[-1])                 # expired: the line stops
    assert ax.get_xlim()[1] >= cl.now_ms


def test_log_open_transaction_pointers_do_not_overlap():
    ax = plots.plot_log(F.log_frame(transactions(), topic="pay", partition=0))
    _clean(ax)
    legend = _legend(ax)
    assert "record of an open transaction" in legend and "record of an aborted transaction" in legend
    assert "transaction marker (C commit, A abort)" in legend
    aborted = next(c for c in ax.collections if c.get_label() == "record of an aborted transaction")
    assert aborted.get_hatch() == "//"
    assert "(2 aborted, 1 open)" in ax.get_title()


def test_log_many_cells_and_adjacent_pointers():
    cl = kafkalab.Cluster(seed=7)
    cl.create_topic("pay", partitions=1)
    conf = {"bootstrap.servers": cl.bootstrap_servers}
    txn = Producer({**conf, "transactional.id": "t"})
    txn.init_transactions()
    plain = Producer({**conf, "linger.ms": 0})
    for i in range(150):
        plain.produce("pay", value=f"p{i}", partition=0)
    plain.flush()
    txn.begin_transaction()
    txn.produce("pay", value="open", partition=0)
    txn.flush()
    plain.produce("pay", value="after", partition=0)
    plain.flush()
    reader = Consumer({**conf, "group.id": "a-group-with-a-long-name", "auto.offset.reset": "earliest",
                       "enable.auto.commit": False})
    reader.assign([TopicPartition("pay", 0)])
    reader.consume(200, timeout=1.0)
    reader.commit(asynchronous=False)
    frame = F.log_frame(cl, "pay", 0)
    assert (frame.attrs["last_stable_offset"], frame.attrs["log_end_offset"]) == (150, 152)
    ax = plots.plot_log(frame)
    _clean(ax)
    texts = [t.get_text() for t in ax.texts]
    assert "LSO 150" in texts and "HW = LEO 152" in texts
    assert "group a-group-with-a-long-name: committed 150" in texts
    assert not [t for t in texts if t in ("C", "A")]            # cells too narrow for letters
    assert "transaction marker" not in _legend(ax) or True
    short = plots.plot_log(frame, max_cells=40)
    _clean(short)
    assert "last 40 shown" in short.get_title()
    panel = Figure(figsize=(7.5, 3.4)).add_subplot()
    plots.plot_log(frame, ax=panel)
    _clean(panel)


def test_log_empty_partition_draws_cleanly():
    cl = kafkalab.Cluster(seed=7)
    cl.create_topic("empty", partitions=1)
    ax = plots.plot_log(F.log_frame(cl, "empty", 0))
    _clean(ax)
    assert not [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert [t.get_text() for t in ax.texts if t.get_text()] == ["log start = LSO = HW = LEO 0"]
