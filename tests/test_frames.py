"""lab.frames on traces made with the engine: exact values reasoned from each scenario."""

import pytest

import kafkalab
from kafkalab import Consumer, Producer
from kafkalab.lab import frames as F


def _consumer(conf, name, group="g", **extra):
    return Consumer({**conf, "group.id": group, "client.id": name, "auto.offset.reset": "earliest",
                     "enable.auto.commit": False, "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000, **extra})


def crash_before_commit(seed=7, name=None):
    """c1 reads offsets 0..4 of a 10-record partition, commits 3 (after offset 2), crashes; c2 takes over."""
    cl = kafkalab.Cluster(seed=seed, name=name)
    conf = {"bootstrap.servers": cl.bootstrap_servers}
    cl.create_topic("orders", partitions=1)
    p = Producer(conf)
    for i in range(10):
        p.produce("orders", f"v{i}", partition=0)
    p.flush()
    c1 = _consumer(conf, "c1")
    c1.subscribe(["orders"])
    got = []
    for _ in range(200):
        m = c1.poll(0.1)
        if m is not None and m.error() is None:
            got.append(m.offset())
            if m.offset() == 2:
                c1.commit(m, asynchronous=False)
            if len(got) == 5:
                break
    assert got == [0, 1, 2, 3, 4]
    cl.crash(c1)
    c2 = _consumer(conf, "c2")
    c2.subscribe(["orders"])
    last = None
    for _ in range(400):
        m = c2.poll(0.1)
        if m is not None and m.error() is None:
            last = m
            if m.offset() == 9:
                break
    c2.commit(last, asynchronous=False)
    return cl


def test_frames_deliveries_count_redeliveries_of_uncommitted_offsets():
    cl = crash_before_commit()
    d = F.deliveries_frame(cl, group="g")
    assert list(d["offset"]) == list(range(10))
    assert {int(o) for o in d.loc[d["deliveries"] == 2, "offset"]} == {3, 4}
    assert set(d["deliveries"]) == {1, 2}
    assert d.loc[d["offset"] == 3, "clients"].iloc[0] == ("c1", "c2")
    assert str(d["deliveries"].dtype) == "int64"


def test_frames_lag_ends_at_zero_and_is_na_before_any_commit():
    lag = F.lag_frame(crash_before_commit(), group="g")
    first = lag.iloc[0]
    assert first["cause"] == "append" and first["high_watermark"] == 10 and lag["lag"].isna().iloc[0]
    commits = lag[lag["cause"] == "offset_commit"]
    assert list(commits["committed_offset"]) == [3, 10]
    assert list(commits["lag"]) == [7, 0]
    assert lag.iloc[-1]["cause"] == "end" and lag.iloc[-1]["lag"] == 0


def test_frames_membership_keeps_crashed_owner_until_session_timeout():
    m = F.membership_frame(crash_before_commit(), group="g")
    assert list(m["client_id"]) == ["c1", "c2"]
    c1, c2 = m.iloc[0], m.iloc[1]
    assert c1["end"] == "removed: session_timeout"
    assert c1["crashed_ms"] < c1["to_ms"] <= c2["from_ms"]
    assert c2["to_ms"] is pd_na() and c2["end"] is None
    assert [c for _, c in m.attrs["crashes"]] == ["c1"]


def pd_na():
    import pandas as pd
    return pd.NA


def test_frames_events_frame_is_deterministic():
    a, b = (F.events_frame(crash_before_commit(name="lab")) for _ in range(2))
    assert len(a) > 30
    assert a.equals(b)
    assert list(a.columns) == F.EVENT_COLUMNS


def transactions():
    """Txn 1: 2 records aborted (marker at 2); txn 2: 1 record committed (marker at 4); txn 3: 1 record open."""
    cl = kafkalab.Cluster(seed=7)
    conf = {"bootstrap.servers": cl.bootstrap_servers}
    cl.create_topic("pay", partitions=1)
    tp = Producer({**conf, "transactional.id": "t1"})
    tp.init_transactions()
    tp.begin_transaction()
    tp.produce("pay", "a", partition=0)
    tp.produce("pay", "b", partition=0)
    tp.flush()
    tp.abort_transaction()
    tp.begin_transaction()
    tp.produce("pay", "c", partition=0)
    tp.commit_transaction()
    tp.begin_transaction()
    tp.produce("pay", "d", partition=0)
    tp.flush()
    c = _consumer(conf, "r", group="readers")
    c.subscribe(["pay"])
    for _ in range(100):
        m = c.poll(0.1)
        if m is not None and m.error() is None:
            c.commit(asynchronous=False)
            break
    return cl


def test_frames_log_cells_show_aborted_open_and_markers():
    cl = transactions()
    log = F.log_frame(cl, topic="pay", partition=0)
    assert list(log["state"]) == ["aborted", "aborted", "marker", "committed", "marker", "open"]
    assert list(log["control"].fillna("-")) == ["-", "-", "ABORT", "-", "COMMIT", "-"]
    a = log.attrs
    assert (a["log_start_offset"], a["last_stable_offset"], a["high_watermark"], a["log_end_offset"]) == (0, 5, 6, 6)
    assert a["committed"] == {"readers": 5}


def test_frames_lag_uses_lso_for_read_committed_and_hw_for_the_tool():
    cl = transactions()
    rc = F.lag_frame(cl, group="readers").iloc[-1]
    assert (rc["committed_offset"], rc["end_offset"], rc["lag"], rc["tool_lag"]) == (5, 5, 0, 1)
    ru = F.lag_frame(cl, group="readers", isolation_level="read_uncommitted").iloc[-1]
    assert (ru["end_offset"], ru["lag"]) == (6, 1)


def test_frames_retention_deletes_expired_segments_and_moves_log_start():
    cl = kafkalab.Cluster(seed=7)
    conf = {"bootstrap.servers": cl.bootstrap_servers}
    cl.create_topic("logs", partitions=1, config={"segment.ms": 1000, "retention.ms": 10_000})
    p = Producer(conf)
    for _ in range(3):                      # 3 batches of 4, 2 s apart: each later batch rolls a segment
        for i in range(4):
            p.produce("logs", f"x{i}", partition=0)
        p.flush()
        cl.advance(2000)
    cl.advance(400_000)
    r = F.retention_frame(cl, topic="logs")
    segs = r[r["kind"] == "segment"]
    with_data = segs[segs["end_offset"] > segs["base_offset"]]
    assert list(with_data["base_offset"]) == [0, 4, 8]
    assert list(with_data["end_offset"]) == [4, 8, 12]
    assert with_data["deleted_ms"].notna().all()
    starts = r[r["kind"] == "log_start_offset"]
    assert starts.iloc[-1]["offset"] == 12
    assert F.log_frame(cl, "logs", 0).empty


def test_frames_outputs_link_by_header_and_mark_duplicates():
    """An at-least-once pipeline written here: outputs carry header input=t/p/o; a crash before
    committing offsets 0..2 makes the restarted instance write those 3 outputs again."""
    cl = kafkalab.Cluster(seed=7)
    conf = {"bootstrap.servers": cl.bootstrap_servers}
    cl.create_topic("in", partitions=1)
    cl.create_topic("out", partitions=1)
    p = Producer(conf)
    for i in range(5):
        p.produce("in", f"v{i}", partition=0)
    p.flush()

    def run(name, stop_after, commit):
        c = _consumer(conf, name, group="etl")
        c.subscribe(["in"])
        done = 0
        for _ in range(400):
            m = c.poll(0.1)
            if m is None or m.error() is not None:
                continue
            p.produce("out", m.value(), partition=0, headers=[("input", f"in/0/{m.offset()}")])
            p.flush()
            if commit:
                c.commit(m, asynchronous=False)
            done += 1
            if done == stop_after:
                return c
        return c

    cl.crash(run("etl-1", 3, commit=False))
    run("etl-2", 5, commit=True)
    out = F.outputs_frame(cl, output="out")
    assert len(out) == 8 and set(out["linked_by"]) == {"header"}
    dups = out[out["duplicate"]]
    assert sorted(int(o) for o in dups["input_offset"]) == [0, 1, 2]
    assert set(out.loc[out["input_offset"] < 3, "copies"]) == {2}


def test_frames_bad_input_names_it():
    cl = crash_before_commit()
    with pytest.raises(ValueError, match="group='nope'"):
        F.lag_frame(cl, group="nope")
    with pytest.raises(ValueError, match="group='nope'"):
        F.deliveries_frame(cl, group="nope")
    with pytest.raises(ValueError, match="group='nope'"):
        F.membership_frame(cl, group="nope")
    with pytest.raises(ValueError, match="topic='nope'"):
        F.retention_frame(cl, topic="nope")
    with pytest.raises(ValueError, match="partition=3"):
        F.log_frame(cl, topic="orders", partition=3)
    with pytest.raises(ValueError, match="isolation_level"):
        F.lag_frame(cl, group="g", isolation_level="serializable")
    with pytest.raises(TypeError, match="trace must be"):
        F.events_frame([1, 2])
    with pytest.raises(ValueError, match="output"):
        F.outputs_frame(cl)


def test_frames_library_crash_before_commit_redelivers_only_the_crashed_members_uncommitted_offsets():
    library = pytest.importorskip("kafkalab.sim.library")
    sc = library.run("crash-before-commit")
    crash = sc.trace.events("app_crash")[0].fields
    topic, part, in_flight = crash["in_flight"]
    commits = [o for ev in sc.trace.events("offset_commit", group="billing", client_id=crash["app"])
               if not ev.fields["error"] for t, p, o in ev.fields["offsets"] if (t, p) == (topic, part)]
    d = F.deliveries_frame(sc, group="billing")
    again = d[d["deliveries"] == 2]
    assert set(d["deliveries"]) == {1, 2}
    assert list(again["offset"]) == list(range(max(commits), in_flight + 1))
    assert set(again["partition"]) == {part}
    assert all(c[0] == crash["app"] for c in again["clients"])
    lag = F.lag_frame(sc, group="billing")
    assert list(lag[lag["cause"] == "end"]["lag"]) == [0, 0, 0]


def test_frames_library_exactly_once_pipeline_duplicates_only_the_side_effect():
    library = pytest.importorskip("kafkalab.sim.library")
    if "exactly-once-pipeline" not in library.names():
        pytest.skip("scenario not in the library yet")
    sc = library.run("exactly-once-pipeline")
    out = F.outputs_frame(sc)
    crashed = {ev.fields["app"]: tuple(ev.fields["record"]) for ev in sc.trace.events("app_crash")}
    for app, record in crashed.items():
        rows = out[(out["app"] == app) & (out["input_topic"] == record[0]) & (out["input_partition"] == record[1])
                   & (out["input_offset"] == record[2])]
        effects = rows[rows["kind"] == "side_effect"]
        visible = rows[(rows["kind"] == "output") & rows["visible"]]
        assert len(effects) == 2 and effects["duplicate"].sum() == 1
        assert len(visible) == (1 if app == "eos" else 2)
    eos = out[(out["app"] == "eos") & (out["kind"] == "output")]
    assert not eos["duplicate"].any()
