"""Per-partition hand-over: handover_frame's stretches and pauses, plot_handover's lanes (figcheck-clean), and the
static-membership scenarios behind notebook 03 (a restart within session.timeout.ms keeps its partitions)."""

import matplotlib

matplotlib.use("Agg")

import pytest
from matplotlib.collections import PolyCollection

from kafkalab import lab
from kafkalab.lab import figcheck
from kafkalab.sim import Scenario, library


@pytest.fixture(scope="module")
def peers():
    return {"static back": library.run("static-member-restart"),
            "dynamic back": library.run("static-member-restart", static=False),
            "static close": library.run("static-member-restart", stop="close", restart_ms=None),
            "dynamic close": library.run("static-member-restart", static=False, stop="close", restart_ms=None)}


def _lane(frame, partition):
    rows = frame[frame["partition"] == partition]
    return [(r.state, r.owner, r.from_ms, r.to_ms) for r in rows.itertuples()]


def test_handover_frame_crash_before_commit_moves_orders2_after_the_session_timeout():
    """c3's partition: owned, then still assigned to the crashed c3 until removal, then c2's; pause = that gap."""
    sc = library.run("crash-before-commit")
    frame = lab.handover_frame(sc, group="billing")
    removed = sc.trace.events("member_removed", client_id="c3")[0]
    lane = _lane(frame, 2)
    assert [s for s, *_ in lane] == ["owned", "crashed owner", "no owner", "owned"]
    crash_ms = sc.trace.events("app_crash")[0].time_ms
    assert lane[1][1] == "c3" and lane[1][2] == crash_ms and lane[1][3] == removed.time_ms
    assert lane[-1][1] == "c2" and lane[-1][3] == 40_000
    assert frame.attrs["pause_ms"]["orders-2"] == lane[-1][2] - lane[1][2]
    assert (frame.groupby("partition")["to_ms"].max() == 40_000).all()


def test_handover_frame_static_restart_keeps_the_partition_and_the_peer(peers):
    """Static, back within the timeout: replaced at once, c2 never pauses; dynamic: c2 revoked and paused."""
    static = lab.handover_frame(peers["static back"], group="billing")
    assert _lane(static, 1) == [("owned", "c2", 50, 30_000)] and static.attrs["pause_ms"]["orders-1"] == 0
    assert [o for _s, o, *_ in _lane(static, 0)] == ["c1", "c1", None, "c1 (instance 2)"]
    assert static.attrs["pause_ms"]["orders-0"] < 1_100
    assert [ev["generation_id"] for ev in peers["static back"].trace.events("generation")] == [1]
    dynamic = lab.handover_frame(peers["dynamic back"], group="billing")
    assert dynamic.attrs["pause_ms"]["orders-1"] == 4_000 and dynamic.attrs["pause_ms"]["orders-0"] > 6_000


def test_handover_frame_static_close_holds_the_partition_until_the_session_timeout(peers):
    """A static member's close() sends no LeaveGroup: its partition is held until the session times out."""
    frame = lab.handover_frame(peers["static close"], group="billing")
    gone = peers["static close"].trace.events("member_removed", client_id="c1")[0]
    assert gone["cause"] == "session_timeout" and gone.time_ms - gone["last_heartbeat_ms"] == 10_000
    assert _lane(frame, 0)[1] == ("closed owner", "c1", 3_000, gone.time_ms)
    dynamic = lab.handover_frame(peers["dynamic close"], group="billing")
    assert "closed owner" not in set(dynamic["state"]) and dynamic.attrs["pause_ms"]["orders-0"] < 200
    assert peers["dynamic close"].trace.events("member_removed", client_id="c1")[0]["cause"] == "leave_group"


def test_every_consumer_reads_everything_static_override_restarts_without_rebalance():
    """static=True: c's restart at 4 s replaces its old member (no new generation); at 15 s it is too late."""
    back = library.run("every-consumer-reads-everything", static=True)
    assert back.trace.events("member_replaced", group="group-c")
    assert [ev["generation_id"] for ev in back.trace.events("generation", group="group-c")] == [1]
    late = library.run("every-consumer-reads-everything", static=True, restart_ms=15_000)
    assert not late.trace.events("member_replaced") and late.trace.events("member_removed", group="group-c")
    with pytest.raises(ValueError, match="stop must be"):
        library.get("static-member-restart", stop="vanish")


def test_plot_handover_one_frame_and_small_multiples_pass_figcheck(peers):
    """One lane per partition, bars per owner, pauses labelled; the dict form shares owners' colours."""
    frames = {name: lab.handover_frame(sc, group="billing") for name, sc in peers.items()}
    ax = lab.plot_handover(frames["dynamic back"])
    assert figcheck.problems(ax.figure, tight=True) == []
    assert [t.get_text() for t in ax.get_yticklabels()] == ["orders-1", "orders-0"]
    assert {t.get_text() for t in ax.texts} == {"7.0 s without a live owner", "4.0 s without a live owner"}
    assert ax.kafkalab_x_end == 30_000 and "orders-1 4.0 s" in lab.summary(ax)
    axes = lab.plot_handover(frames)
    assert len(axes) == 4 and figcheck.problems(axes[0].figure, tight=True) == []
    colors = {c.get_label(): tuple(c.get_facecolor()[0]) for a in axes for c in a.collections
              if isinstance(c, PolyCollection) and c.get_label().startswith("owned by")}
    assert set(colors) == {"owned by c1", "owned by c1 (instance 2)", "owned by c2"}
    legend = {t.get_text() for lg in axes[0].figure.legends for t in lg.get_texts()}
    assert "still assigned after close() (no LeaveGroup)" in legend
    with pytest.raises(TypeError, match="dict of runs"):
        lab.plot_handover(frames, ax=ax)


def test_plot_membership_by_partition_is_the_handover_view():
    """plot_membership(frame, by="partition") draws plot_handover of the same membership frame."""
    members = lab.membership_frame(library.run("crash-before-commit"), group="billing")
    ax = lab.plot_membership(members, by="partition")
    assert figcheck.problems(ax.figure, tight=True) == []
    assert [t.get_text() for t in ax.get_yticklabels()] == ["orders-2", "orders-1", "orders-0"]
    assert ax.get_title().startswith("Who owned each partition") and "10.1 s without a live owner" in {
        t.get_text() for t in ax.texts}
    with pytest.raises(ValueError, match="by must be"):
        lab.plot_membership(members, by="topic")


def test_membership_frame_kip848_members_in_joining_order_and_fencing_is_a_removal():
    """Under the consumer protocol the members come from their first reconcile; member_fenced closes c3's rows."""
    members = lab.membership_frame(library.run("crash-before-commit-kip848"), group="billing")
    assert [cid for _c, cid in members.attrs["members"]] == ["c1", "c2", "c3"]
    assert [(r[1], r[2]) for r in members.attrs["removals"]] == [("c3", "session_timeout")]
    assert set(members[members["client_id"] == "c3"]["end"]) == {"removed: session_timeout"}
    assert members.attrs["generations"] == [] and members.attrs["rebalances"] == []


def test_handover_kip848_static_close_holds_the_partition_until_fenced():
    """A static consumer-protocol member's close() leaves with epoch -2: its partition is held (closed owner)
    until the broker fences it, 45 s after its last heartbeat; only then does c2 get it."""
    sc = Scenario(seed=7, name="kip848-static-close", topics={"orders": {"partitions": 2}},
                  broker_config={"group.initial.rebalance.delay.ms": 0}, end_ms=70_000)
    sc.add_producer("producer", topic="orders", rate_per_s=20, keys="user-{i%12}", count=400)
    for n in ("c1", "c2"):
        sc.add_consumer(n, group="billing", topics=["orders"], processing_ms=20, static=True, group_protocol="consumer")
    sc.remove_consumer("c1", at_ms=10_000)
    sc.run()
    left = sc.trace.events("member_left", group="billing")
    fenced = sc.trace.events("member_fenced", group="billing")
    assert [e["member_epoch"] for e in left] == [-2] and fenced[0].time_ms - fenced[0]["last_heartbeat_ms"] == 45_000
    lane = _lane(lab.handover_frame(sc, group="billing"), 0)
    assert lane[1] == ("closed owner", "c1", 10_000, fenced[0].time_ms) and lane[-1][1] == "c2"
