"""Group figures tell their story and pass figcheck: membership lanes per member (idle members too), lag to the
experiment's end, the crash timeline with the session-timeout gap, small multiples per group, commits by writer."""

import matplotlib

matplotlib.use("Agg")

import pytest
from matplotlib.collections import PolyCollection

import kafkalab
from kafkalab import Consumer, Producer, TopicPartition, lab
from kafkalab.lab import figcheck
from kafkalab.sim import Scenario, library


@pytest.fixture(scope="module")
def crash():
    return library.run("crash-before-commit")


def _clean(ax):
    assert figcheck.problems(ax.figure, tight=True) == []
    return ax


def test_membership_reaches_the_end_and_marks_each_crash_once(crash):
    frame = lab.membership_frame(crash, group="billing")
    assert frame.attrs["end_ms"] == crash.now_ms == 40_000
    ax = _clean(lab.plot_membership(frame))
    assert max(ax.get_xlim()) >= 40_000 and ax.kafkalab_x_end == 40_000
    crashes = [ln for ln in ax.get_lines() if ln.get_label() == "crash (process died)"]
    assert len(crashes) == 1 and list(crashes[0].get_xdata()) == [8_000]
    open_bars = [p for c in ax.collections if isinstance(c, PolyCollection) and c.get_label().startswith("orders")
                 for p in c.get_paths() if p.vertices[:, 0].max() == 40_000]
    assert len(open_bars) == 3                               # c1 owns orders-0 and -1, c2 orders-2, to the end
    legend = {t.get_text() for t in ax.get_legend().get_texts()}
    assert {"still assigned to a crashed member", "new generation (dashed)", "rebalance in progress"} <= legend


def test_membership_idle_member_is_a_lane_that_says_idle():
    sc = Scenario(seed=7, name="idle", topics={"orders": {"partitions": 3}},
                  broker_config={"group.initial.rebalance.delay.ms": 0})
    for name in ("c1", "c2", "c3", "c4"):
        sc.add_consumer(name, group="billing", topics=["orders"])
    sc.run(until_ms=5_000)
    frame = lab.membership_frame(sc, group="billing")
    assert [cid for _c, cid, _a, b in frame.attrs["idle"]] == ["c4"]
    ax = _clean(lab.plot_membership(frame))
    assert [t.get_text() for t in ax.get_yticklabels()] == ["c4", "c3", "c2", "c1"]
    assert "idle" in [t.get_text() for t in ax.texts]


def test_lag_runs_to_the_end_with_integer_ticks(crash):
    lag = lab.lag_frame(crash.trace.until(20_000), group="billing")
    assert lag.attrs["end_ms"] == 20_000
    ax = _clean(lab.plot_lag(lag))
    assert all(line.get_xdata()[-1] == 20_000 for line in ax.get_lines())


def test_crash_timeline_steps_and_the_session_timeout_gap(crash):
    frame = lab.crash_timeline_frame(crash, group="billing")
    assert list(frame["event"]) == ["last heartbeat", "crash", "removed", "new generation", "first redelivery"]
    times = dict(zip(frame["event"], frame["time_ms"]))
    assert times["removed"] - times["last heartbeat"] == frame.attrs["session_timeout_ms"] == 10_000
    assert times["last heartbeat"] < times["crash"] < times["removed"] < times["new generation"]
    ax = _clean(lab.plot_crash_timeline(frame))
    texts = [t.get_text() for t in ax.texts]
    assert "10.0 s = session.timeout.ms after the last heartbeat" in texts
    with pytest.raises(ValueError, match="never crashed"):
        lab.crash_timeline_frame(crash, group="billing", client_id="c1")


def test_deliveries_by_group_one_panel_per_group():
    sc = library.run("every-consumer-reads-everything")
    axes = lab.plot_deliveries_by_group({g: lab.deliveries_frame(sc, group=g) for g in ("group-a", "group-b",
                                                                                         "group-c")})
    assert len(axes) == 3 and figcheck.problems(axes[0].figure, tight=True) == []
    assert [ax.get_title().split(":")[0] for ax in axes] == ["group-a", "group-b", "group-c"]
    assert axes[0].get_title().startswith("group-a: 0 of 120") and not axes[2].get_title().startswith("group-c: 0 ")
    labels = [t.get_text() for t in axes[2].texts]           # group-c's redelivered offsets, labelled on its panel
    assert labels and all(t.startswith("offsets orders-") and t.endswith(": 2×") for t in labels)
    assert not axes[0].texts and "more than once: offsets orders-0@" in lab.summary(axes[2])


def test_commits_step_plot_coloured_by_writer():
    cluster = kafkalab.Cluster(seed=3)
    cluster.create_topic("orders", partitions=1)
    conf = {"bootstrap.servers": cluster.bootstrap_servers}
    producer = Producer(conf)
    for i in range(20):
        producer.produce("orders", value=f"v{i}")
    producer.flush()
    shared = {**conf, "group.id": "shared", "auto.offset.reset": "earliest", "enable.auto.commit": False}
    a, b = Consumer({**shared, "client.id": "a"}), Consumer({**shared, "client.id": "b"})
    for c in (a, b):
        c.assign([TopicPartition("orders", 0)])
    for c, n in ((a, 15), (b, 5)):
        c.consume(n, timeout=1.0)
        c.commit(asynchronous=False)
    frame = lab.commits_frame(cluster, group="shared")
    assert list(zip(frame["client_id"], frame["committed_offset"])) == [("a", 15), ("b", 5)]
    ax = _clean(lab.plot_commits(frame))
    assert {t.get_text() for t in ax.get_legend().get_texts()} == {"written by a", "written by b"}
    assert any(t.get_text().startswith("b moves it back: 5..14") for t in ax.texts)
