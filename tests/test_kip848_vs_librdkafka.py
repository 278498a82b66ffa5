"""kafkalab's consumer group protocol (KIP-848, ``group.protocol=consumer``) beside the real client (issue 17, item 4).

The same small programs run on kafkalab (virtual time) and on confluent-kafka 2.16.1 (librdkafka 2.16.0) against
librdkafka's mock cluster, which implements KIP-848 (real time, one child process per consumer so that a crash is a
real SIGKILL). Only what the mock is faithful about is compared: the client's callback kinds and incremental deltas,
the configs librdkafka refuses and their texts, the assign()/unassign() refusal, the commit error of a fenced member,
that survivors keep their partitions when a member leaves or crashes, and a static member's restart. The mock's own
server-side assignor (a plain range over the members, not Kafka's ``uniform``) and its timings are NOT compared: the
properties checked hold whichever member gets which partition. Facts: /work/coord/s3/kip848_facts.md.

Running: the construction checks and the kafkalab side run in the default test run (milliseconds of wall time). The
librdkafka side takes ~1 min of real time and runs only with ``KAFKALAB_LIBRDKAFKA_MOCK=1``; it skips with the reason
when confluent-kafka or its bundled librdkafka (the mock cluster's C API, reached with ctypes) is unavailable.
"""

from __future__ import annotations

import base64
import ctypes
import glob
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time

import pytest

ck = pytest.importorskip("confluent_kafka")

import kafkalab  # noqa: E402

RUN_MOCK = os.environ.get("KAFKALAB_LIBRDKAFKA_MOCK") == "1"
BACKENDS = ["kafkalab", pytest.param("librdkafka-mock", marks=pytest.mark.skipif(
    not RUN_MOCK, reason="set KAFKALAB_LIBRDKAFKA_MOCK=1 to run against librdkafka's mock cluster (~1 min real time)"))]
TOPIC = "t"
NOWHERE = "localhost:1"


# -- construction: configs refused or accepted under group.protocol=consumer (no broker needed) -------------------
CONFIGS = [
    ("session.timeout.ms", 45000), ("session.timeout.ms", 10000), ("heartbeat.interval.ms", 3000),
    ("partition.assignment.strategy", "range"), ("partition.assignment.strategy", "cooperative-sticky"),
    ("group.protocol.type", "consumer"), ("enable.auto.commit", False), ("group.instance.id", "i1"),
    ("max.poll.interval.ms", 1000), ("group.remote.assignor", "bogus"), ("group.remote.assignor", "range"),
    ("auto.commit.interval.ms", 1000), ("enable.auto.offset.store", False), ("client.rack", "r1"),
    ("group.protocol", "bogus"),
]
SEVERAL = [  # librdkafka reports the first of: session, partition.assignment.strategy, group.protocol.type, heartbeat
    {"session.timeout.ms": 1, "heartbeat.interval.ms": 1},
    {"heartbeat.interval.ms": 1000, "partition.assignment.strategy": "range"},
    {"heartbeat.interval.ms": 1000, "group.protocol.type": "consumer"},
    {"group.protocol.type": "consumer", "partition.assignment.strategy": "range"},
]


def _construct(module, conf: dict) -> tuple:
    """What constructing a consumer with ``conf`` does: ("ok",) or the exception's kind, code, name and text."""
    try:
        c = module.Consumer({"bootstrap.servers": NOWHERE, "group.id": "g", "group.protocol": "consumer",
                             "logger": _quiet_logger(), **conf}) if module is ck else \
            module.Consumer({"bootstrap.servers": NOWHERE, "group.id": "g", "group.protocol": "consumer", **conf})
    except module.KafkaException as exc:
        err = exc.args[0]
        return ("KafkaException", err.code(), err.name(), err.str())
    except (ValueError, TypeError) as exc:
        return (type(exc).__name__, str(exc))
    c.close()
    return ("ok",)


def _quiet_logger():
    import logging
    log = logging.getLogger("kip848-vs-librdkafka")
    log.addHandler(logging.NullHandler())
    log.propagate = False
    return log


@pytest.mark.parametrize(("name", "value"), CONFIGS, ids=[f"{n}={v}" for n, v in CONFIGS])
def test_config_refused_or_accepted_as_librdkafka(name, value):
    assert _construct(kafkalab, {name: value}) == _construct(ck, {name: value})


@pytest.mark.parametrize("conf", SEVERAL, ids=["+".join(c) for c in SEVERAL])
def test_first_refused_config_reported_in_librdkafkas_order(conf):
    assert _construct(kafkalab, conf) == _construct(ck, conf)


def test_memberid_is_a_client_generated_uuid_in_librdkafkas_format():
    """Both set the member id at construction: 22 characters, librdkafka's base64 (standard alphabet, padding
    stripped: ``rd_kafka_Uuid_base64str``) of a random version-4 UUID; the classic protocol has none before joining."""
    ids = {}
    for name, module in (("kafkalab", kafkalab), ("librdkafka", ck)):
        # kafkalab draws from its cluster's seeded rng: distinct ids need one cluster, kept alive (the registry of
        # bootstrap.servers holds clusters weakly: an unreferenced one can be collected before the consumer looks it up)
        cluster = kafkalab.Cluster(seed=1) if module is kafkalab else None
        where = cluster.bootstrap_servers if cluster is not None else NOWHERE
        conf = {"bootstrap.servers": where, "group.id": "g", "group.protocol": "consumer"}
        got = []
        for _ in range(20):     # enough draws that a url-safe alphabet would show a '-' or '_' (p > 0.99)
            c = module.Consumer({**conf, "logger": _quiet_logger()} if module is ck else conf)
            got.append(c.memberid())
            c.close()
        ids[name] = got
        for mid in got:
            assert re.fullmatch(r"[A-Za-z0-9+/]{22}", mid), (name, mid)
            raw = base64.b64decode(mid + "==")
            assert raw[6] >> 4 == 4 and raw[8] >> 6 == 0b10, (name, mid)
        assert len(set(got)) == len(got)
    assert any(c in "+/" for mid in ids["librdkafka"] for c in mid)     # the oracle's own alphabet
    c = kafkalab.Consumer({"bootstrap.servers": NOWHERE, "group.id": "g"})
    assert c.memberid() is None
    c.close()


# -- the two backends ----------------------------------------------------------------------------------------------
def _parts(partitions) -> list[int]:
    return sorted(tp.partition for tp in partitions)


def make_callbacks(mode: str, out) -> dict:
    """on_assign/on_revoke/on_lost that record (kind, partitions, call result) through ``out``; ``mode`` says which
    assignment call the callback itself makes: "" none (the client applies the delta), "incr" incremental_*,
    "assign" assign() in on_assign, "revoke_unassign" / "revoke_assign_empty" unassign() / assign([]) in on_revoke
    (incremental_assign in on_assign)."""
    def call(consumer, kind, partitions):
        if mode == "assign" and kind == "assign":
            consumer.assign(partitions)
        elif mode == "revoke_unassign" and kind != "assign":
            consumer.unassign()
        elif mode == "revoke_assign_empty" and kind != "assign":
            consumer.assign([])
        elif mode:
            (consumer.incremental_assign if kind == "assign" else consumer.incremental_unassign)(partitions)

    def make(kind):
        def cb(consumer, partitions):
            rec = {"ev": kind, "parts": _parts(partitions)}
            try:
                call(consumer, kind, partitions)
            except Exception as exc:        # KafkaException of either library
                err = exc.args[0]
                rec["call"] = [err.code(), err.name(), err.str()]
            rec["after"] = _parts(consumer.assignment())
            out(**rec)
        return cb
    return {"on_assign": make("assign"), "on_revoke": make("revoke"), "on_lost": make("lost")}


class LabGroup:
    """kafkalab: every consumer in one process, virtual time; broker defaults (session 45 s, heartbeat 5 s)."""

    name = "kafkalab"
    JOIN_MS, CLOSE_MS, CRASH_MS = 12_000, 12_000, 60_000

    def __init__(self, partitions: int):
        self.cluster = kafkalab.Cluster(seed=5)
        self.cluster.create_topic(TOPIC, partitions=partitions)
        self.consumers: dict[str, kafkalab.Consumer] = {}
        self.events: list[dict] = []
        self.phase = "start"

    def _out(self, app):
        def out(**kw):
            self.events.append({"app": app, "phase": self.phase, "t": self.cluster.now_ms, **kw})
        return out

    def add(self, app: str, mode: str = "", extra: dict | None = None) -> None:
        c = kafkalab.Consumer({"bootstrap.servers": self.cluster.bootstrap_servers, "group.id": "g",
                               "group.protocol": "consumer", "client.id": app, "auto.offset.reset": "earliest",
                               "enable.auto.commit": False, **(extra or {})})
        c.subscribe([TOPIC], **make_callbacks(mode, self._out(app)))
        self.consumers[app] = c

    def run(self, ms: int, stalled: tuple = ()) -> None:
        end = self.cluster.now_ms + ms
        while self.cluster.now_ms < end:
            for app, c in list(self.consumers.items()):
                if app not in stalled:
                    self._poll(app, c, 0.1)

    def _poll(self, app, c, timeout):
        m = c.poll(timeout)
        if m is not None and m.error() is not None:
            e = m.error()
            self._out(app)(ev="msg_error", code=e.code(), name=e.name(), str=e.str())

    def close(self, app: str) -> None:
        self.consumers.pop(app).close()

    def crash(self, app: str) -> None:
        self.cluster.crash(self.consumers.pop(app))
        self._out(app)(ev="crashed")

    def assignment(self, app: str) -> list[int]:
        return _parts(self.consumers[app].assignment())

    def stall_then_commit(self, app: str, ms: int, offsets: dict[int, int]) -> None:
        """``app`` does not poll for ``ms`` (the others do), then commits ``offsets`` before polling again."""
        self.run(ms, stalled=(app,))
        try:
            self.consumers[app].commit(offsets=[kafkalab.TopicPartition(TOPIC, p, o) for p, o in offsets.items()],
                                       asynchronous=False)
            self._out(app)(ev="commit")
        except kafkalab.KafkaException as exc:
            err = exc.args[0]
            self._out(app)(ev="commit_error", code=err.code(), name=err.name(), str=err.str())

    def shutdown(self) -> None:
        self.phase = "shutdown"
        for c in self.consumers.values():
            c.close()


def _librdkafka_path() -> str | None:
    libs = glob.glob(os.path.join(os.path.dirname(ck.__file__), "..", "confluent_kafka.libs", "librdkafka*.so*"))
    return os.path.abspath(libs[0]) if libs else None


class MockCluster:
    """librdkafka's mock cluster (rd_kafka_mock_cluster_new), reached with ctypes in the bundled librdkafka."""

    def __init__(self, partitions: int, session_ms: int, heartbeat_ms: int):
        path = _librdkafka_path()
        if path is None:
            pytest.skip("the librdkafka bundled with confluent-kafka was not found: no mock cluster")
        lib = self.lib = ctypes.CDLL(path)
        vp, cp = ctypes.c_void_p, ctypes.c_char_p
        lib.rd_kafka_conf_new.restype = vp
        lib.rd_kafka_new.restype = vp
        lib.rd_kafka_new.argtypes = [ctypes.c_int, vp, cp, ctypes.c_size_t]
        lib.rd_kafka_destroy.argtypes = [vp]
        lib.rd_kafka_mock_cluster_new.restype = vp
        lib.rd_kafka_mock_cluster_new.argtypes = [vp, ctypes.c_int]
        lib.rd_kafka_mock_cluster_destroy.argtypes = [vp]
        lib.rd_kafka_mock_cluster_bootstraps.restype = cp
        lib.rd_kafka_mock_cluster_bootstraps.argtypes = [vp]
        lib.rd_kafka_mock_topic_create.argtypes = [vp, cp, ctypes.c_int, ctypes.c_int]
        for fn in ("rd_kafka_mock_set_group_consumer_session_timeout_ms",
                   "rd_kafka_mock_set_group_consumer_heartbeat_interval_ms"):
            getattr(lib, fn).argtypes = [vp, ctypes.c_int]
        errstr = ctypes.create_string_buffer(512)
        self.rk = lib.rd_kafka_new(0, lib.rd_kafka_conf_new(), errstr, 512)     # a producer hosts the mock
        self.mc = lib.rd_kafka_mock_cluster_new(self.rk, 1) if self.rk else None
        if not self.mc:
            pytest.skip(f"librdkafka's mock cluster did not start: {errstr.value!r}")
        self.bootstrap = lib.rd_kafka_mock_cluster_bootstraps(self.mc).decode()
        lib.rd_kafka_mock_set_group_consumer_session_timeout_ms(self.mc, session_ms)
        lib.rd_kafka_mock_set_group_consumer_heartbeat_interval_ms(self.mc, heartbeat_ms)
        if lib.rd_kafka_mock_topic_create(self.mc, TOPIC.encode(), partitions, 1):
            pytest.skip("rd_kafka_mock_topic_create failed")

    def close(self) -> None:
        self.lib.rd_kafka_mock_cluster_destroy(self.mc)
        self.lib.rd_kafka_destroy(self.rk)


class MockGroup:
    """confluent-kafka on librdkafka's mock cluster: each consumer is a child process running ``member_main``
    (this file run as a script), driven through its stdin; session 6 s, heartbeat 1 s set on the mock."""

    name = "librdkafka-mock"
    JOIN_MS, CLOSE_MS, CRASH_MS = 3_000, 3_000, 9_000

    def __init__(self, partitions: int):
        self.mock = MockCluster(partitions, session_ms=6_000, heartbeat_ms=1_000)
        self.procs: dict[str, subprocess.Popen] = {}
        self.q: queue.Queue = queue.Queue()
        self.events: list[dict] = []
        self.phase = "start"
        self.t0 = time.time()

    def add(self, app: str, mode: str = "", extra: dict | None = None) -> None:
        conf = {"bootstrap.servers": self.mock.bootstrap, "group.id": "g", "group.protocol": "consumer",
                "client.id": app, "auto.offset.reset": "earliest", "enable.auto.commit": False, **(extra or {})}
        p = subprocess.Popen([sys.executable, os.path.abspath(__file__), json.dumps({"conf": conf, "mode": mode})],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.procs[app] = p
        threading.Thread(target=lambda: [self.q.put((app, json.loads(line))) for line in p.stdout],
                         daemon=True).start()
        self._wait_for(app, "ready", 20)

    def _drain(self, until: float, stop=None) -> dict | None:
        while True:
            left = until - time.time()
            try:
                app, rec = self.q.get(timeout=max(0.01, left))
            except queue.Empty:
                if left <= 0:
                    return None
                continue
            rec = {"app": app, "phase": self.phase, "t": round((time.time() - self.t0) * 1000), **rec}
            if rec["ev"] not in ("ready", "reply"):
                self.events.append(rec)
            if stop and stop(rec):
                return rec
            if time.time() >= until and self.q.empty():
                return None

    def _wait_for(self, app: str, ev: str, seconds: float) -> dict:
        rec = self._drain(time.time() + seconds, lambda r: r["app"] == app and r["ev"] == ev)
        assert rec is not None, f"{app}: no {ev} within {seconds} s"
        return rec

    def _send(self, app: str, cmd: dict) -> None:
        self.procs[app].stdin.write(json.dumps(cmd) + "\n")
        self.procs[app].stdin.flush()

    def run(self, ms: int) -> None:
        self._drain(time.time() + ms / 1000)

    def close(self, app: str) -> None:
        self._send(app, {"cmd": "close"})
        self._wait_for(app, "reply", 15)
        self.procs.pop(app).wait(15)

    def crash(self, app: str) -> None:
        p = self.procs.pop(app)
        p.send_signal(signal.SIGKILL)
        p.wait(10)
        self.events.append({"app": app, "phase": self.phase, "t": round((time.time() - self.t0) * 1000),
                            "ev": "crashed"})

    def assignment(self, app: str) -> list[int]:
        self._send(app, {"cmd": "assignment"})
        return self._wait_for(app, "reply", 10)["parts"]

    def stall_then_commit(self, app: str, ms: int, offsets: dict[int, int]) -> None:
        self._send(app, {"cmd": "stall_commit", "ms": ms, "offsets": offsets})
        self._wait_for(app, "reply", ms / 1000 + 15)

    def shutdown(self) -> None:
        self.phase = "shutdown"
        for p in self.procs.values():
            p.kill()
            p.wait(10)
        self.mock.close()


def member_main(spec: dict) -> None:
    """One confluent-kafka consumer as a child process: JSON lines on stdout, one JSON command a line on stdin."""
    from confluent_kafka import Consumer, KafkaException, TopicPartition

    lock = threading.Lock()

    def out(**kw):
        with lock:
            sys.stdout.write(json.dumps(kw) + "\n")
            sys.stdout.flush()

    c = Consumer({**spec["conf"], "logger": _quiet_logger()})
    c.subscribe([TOPIC], **make_callbacks(spec["mode"], out))
    cmds: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [cmds.put(json.loads(line)) for line in sys.stdin], daemon=True).start()
    out(ev="ready")
    while True:
        try:
            cmd = cmds.get_nowait()
        except queue.Empty:
            cmd = None
        if cmd and cmd["cmd"] == "close":
            c.close()
            out(ev="reply")
            return
        if cmd and cmd["cmd"] == "assignment":
            out(ev="reply", parts=_parts(c.assignment()))
        if cmd and cmd["cmd"] == "stall_commit":
            time.sleep(cmd["ms"] / 1000)
            try:
                c.commit(offsets=[TopicPartition(TOPIC, int(p), o) for p, o in cmd["offsets"].items()],
                         asynchronous=False)
                out(ev="commit")
            except KafkaException as exc:
                err = exc.args[0]
                out(ev="commit_error", code=err.code(), name=err.name(), str=err.str())
            out(ev="reply")
        m = c.poll(0.05)
        if m is not None and m.error() is not None:
            e = m.error()
            out(ev="msg_error", code=e.code(), name=e.name(), str=e.str())


def _group(backend: str, partitions: int):
    return LabGroup(partitions) if backend == "kafkalab" else MockGroup(partitions)


# -- scenario 1: three join, one closes, one crashes --------------------------------------------------------------
_RUNS: dict[str, tuple] = {}


def membership_run(backend: str) -> tuple[list[dict], dict]:
    """c1, c2, c3 join one by one (6 partitions), c2 closes, c3 crashes; the callbacks and each phase's end state."""
    if backend not in _RUNS:
        g = _group(backend, 6)
        ends = {}
        try:
            for phase, action in (("c1 joins", lambda: g.add("c1")), ("c2 joins", lambda: g.add("c2")),
                                  ("c3 joins", lambda: g.add("c3")), ("c2 closes", lambda: g.close("c2")),
                                  ("c3 crashes", lambda: g.crash("c3"))):
                g.phase = phase
                action()
                g.run(g.CRASH_MS if phase == "c3 crashes" else g.JOIN_MS)
                live = [a for a in ("c1", "c2", "c3") if a in (g.consumers if backend == "kafkalab" else g.procs)]
                ends[phase] = {a: g.assignment(a) for a in live}
        finally:
            g.shutdown()
        _RUNS[backend] = (g.events, ends)
    return _RUNS[backend]


def _callbacks(events, app=None, phase=None):
    return [e for e in events if e["ev"] in ("assign", "revoke", "lost")
            and (app is None or e["app"] == app) and (phase is None or e["phase"] == phase)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_phase_ends_with_each_partition_owned_once(backend):
    _events, ends = membership_run(backend)
    for phase, owned in ends.items():
        flat = [p for ps in owned.values() for p in ps]
        assert sorted(flat) == list(range(6)), (phase, owned)
    assert ends["c3 crashes"] == {"c1": list(range(6))}


@pytest.mark.parametrize("backend", BACKENDS)
def test_callbacks_are_incremental_deltas(backend):
    """on_assign adds partitions the member does not own, on_revoke/on_lost remove owned ones; folding a member's
    deltas gives its assignment() at the end of each phase."""
    events, ends = membership_run(backend)
    owned: dict[str, set] = {}
    for e in _callbacks([e for e in events if e["phase"] != "shutdown"]):
        mine = owned.setdefault(e["app"], set())
        if e["ev"] == "assign":
            assert not mine & set(e["parts"]), e
            mine |= set(e["parts"])
        else:
            assert set(e["parts"]) <= mine, e
            mine -= set(e["parts"])
        assert sorted(mine) == e["after"] or e["after"] == sorted(mine ^ set(e["parts"])), e
    for app, parts in ends["c3 crashes"].items():
        assert sorted(owned[app]) == parts


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_revoke_during_reconciliation_is_followed_by_an_assign_even_empty(backend):
    events, _ends = membership_run(backend)
    for phase in ("c2 joins", "c3 joins"):
        for app in ("c1", "c2"):
            seq = _callbacks(events, app, phase)
            for i, e in enumerate(seq):
                if e["ev"] == "revoke":
                    assert i + 1 < len(seq) and seq[i + 1]["ev"] == "assign", (phase, app, seq)
    revokes = [e for e in _callbacks(events, phase="c2 joins") if e["ev"] == "revoke"]
    assert revokes and revokes[0]["app"] == "c1"
    follow = _callbacks(events, "c1", "c2 joins")
    assert [e["ev"] for e in follow] == ["revoke", "assign"] and follow[1]["parts"] == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_joiner_is_only_assigned(backend):
    events, _ends = membership_run(backend)
    for app, phase in (("c1", "c1 joins"), ("c2", "c2 joins"), ("c3", "c3 joins")):
        seq = _callbacks(events, app, phase)
        assert seq and all(e["ev"] == "assign" and e["parts"] for e in seq), (app, seq)


@pytest.mark.parametrize("backend", BACKENDS)
def test_close_revokes_the_leaver_only_and_survivors_keep_their_partitions(backend):
    events, ends = membership_run(backend)
    leaver = _callbacks(events, "c2", "c2 closes")
    assert [e["ev"] for e in leaver] == ["revoke"] and leaver[0]["parts"] == ends["c3 joins"]["c2"]
    for phase, gone in (("c2 closes", "c2"), ("c3 crashes", "c3")):
        before = ends["c3 joins"] if phase == "c2 closes" else ends["c2 closes"]
        for app in ("c1", "c3"):
            if app == gone or app not in ends[phase]:
                continue
            seq = _callbacks(events, app, phase)
            assert all(e["ev"] == "assign" for e in seq), (phase, app, seq)       # never stops, never revoked
            assert set(before[app]) <= set(ends[phase][app])
            got = {p for e in seq for p in e["parts"]}
            assert got == set(ends[phase][app]) - set(before[app]) <= set(before[gone])


def test_crashed_members_partitions_move_only_after_the_session_timeout():
    """kafkalab: the broker's group.consumer.session.timeout.ms (45 s) after the last heartbeat, then <= one
    heartbeat interval (5 s). (The mock's timings are its own: not compared.)"""
    events, _ends = membership_run("kafkalab")
    seq = _callbacks(events, "c1", "c3 crashes")
    crash_ms = next(e["t"] for e in events if e["ev"] == "crashed")
    assert seq and 45_000 - 5_000 <= seq[0]["t"] - crash_ms <= 45_000 + 5_000, (crash_ms, seq)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_member_with_nothing_to_own_gets_no_callback(backend):
    g = _group(backend, 1)
    try:
        g.phase = "join"
        g.add("c1")
        g.run(g.JOIN_MS)
        g.add("c2")
        g.run(g.JOIN_MS)
        assert _callbacks(g.events, "c2") == []
        g.phase = "c1 closes"
        g.close("c1")
        g.run(g.CLOSE_MS)
        assert [(e["ev"], e["parts"]) for e in _callbacks(g.events, "c2")] == [("assign", [0])]
    finally:
        g.shutdown()


# -- scenario 2: assign()/unassign() inside the callbacks ---------------------------------------------------------
_ASSIGN_RUNS: dict[tuple, tuple] = {}


def assign_run(backend: str, mode: str) -> tuple[list[dict], dict]:
    """c1 (its callbacks make the ``mode`` calls) alone on 4 partitions, then c2 joins (incremental callbacks)."""
    key = (backend, mode)
    if key not in _ASSIGN_RUNS:
        g = _group(backend, 4)
        try:
            g.add("c1", mode=mode)
            g.run(g.JOIN_MS)
            g.phase = "c2 joins"
            g.add("c2", mode="incr")
            g.run(g.JOIN_MS)
            ends = {"c1": g.assignment("c1"), "c2": g.assignment("c2")}
        finally:
            g.shutdown()
        _ASSIGN_RUNS[key] = (g.events, ends)
    return _ASSIGN_RUNS[key]


@pytest.mark.parametrize("backend", BACKENDS)
def test_assign_in_on_assign_is_refused_and_nothing_is_assigned(backend):
    events, ends = assign_run(backend, "assign")
    first = _callbacks(events, "c1")[0]
    assert first["ev"] == "assign" and first["parts"] == [0, 1, 2, 3]
    assert first["call"] == [-172, "_STATE", "Failed to set assignment: Local: Erroneous state"]
    assert first["after"] == [] and ends["c1"] == []


@pytest.mark.parametrize(("mode", "text"), [("unassign", "Failed to remove assignment: Local: Erroneous state"),
                                            ("assign_empty", "Failed to set assignment: Local: Erroneous state")])
@pytest.mark.parametrize("backend", BACKENDS)
def test_unassign_or_assign_in_on_revoke_is_refused_and_the_member_keeps_everything(backend, mode, text):
    events, ends = assign_run(backend, "revoke_" + mode)
    revoke = [e for e in _callbacks(events, "c1", "c2 joins") if e["ev"] == "revoke"]
    assert revoke and revoke[0]["call"] == [-172, "_STATE", text]
    assert revoke[0]["after"] == [0, 1, 2, 3] and ends["c1"] == [0, 1, 2, 3]
    assert ends["c2"] == [] and not any(e["ev"] == "assign" and e["parts"] for e in _callbacks(events, "c2"))


# -- scenario 3: a stalled member is fenced; its commit does not land ---------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
def test_commit_after_being_fenced(backend):
    """c2 stops polling past max.poll.interval.ms (the client stops heartbeating) and past the broker's session
    timeout (fenced), then commits before it polls again: UNKNOWN_MEMBER_ID; its next poll reports the exceeded
    interval and the partitions as lost, and it rejoins with the same member id."""
    g = _group(backend, 2)
    try:
        g.add("c1", mode="incr")
        g.run(g.JOIN_MS)
        g.add("c2", mode="incr", extra={"max.poll.interval.ms": 3000})
        g.run(g.JOIN_MS)
        owned = g.assignment("c2")
        assert owned
        g.phase = "stall"
        g.stall_then_commit("c2", 10_000 if backend != "kafkalab" else 60_000, {p: 1 for p in owned})
        g.phase = "after"
        g.run(g.JOIN_MS)
    finally:
        g.shutdown()
    commit = [e for e in g.events if e["app"] == "c2" and e["ev"] in ("commit", "commit_error")]
    assert commit and commit[0]["ev"] == "commit_error", commit
    assert (commit[0]["code"], commit[0]["name"], commit[0]["str"]) == (
        25, "UNKNOWN_MEMBER_ID", "Commit failed: Broker: Unknown member")
    after = [e for e in g.events if e["app"] == "c2" and e["phase"] == "after"]
    kinds = [e["ev"] for e in after]
    assert kinds[:2] == ["msg_error", "lost"], after
    assert after[0]["name"] == "_MAX_POLL_EXCEEDED" and re.fullmatch(
        r"Application maximum poll interval \(3000ms\) exceeded by \d+ms", after[0]["str"]), after[0]
    assert after[1]["parts"] == owned
    stall = [e for e in g.events if e["app"] == "c1" and e["phase"] == "stall"]
    assert all(e["ev"] == "assign" for e in stall) and {p for e in stall for p in e["parts"]} == set(owned)


# -- scenario 4: a static member restarts within the session timeout ----------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
def test_static_member_restart_gets_its_partitions_back_without_rebalance(backend):
    g = _group(backend, 4)
    try:
        g.add("a", mode="incr")
        g.run(g.JOIN_MS)
        g.add("s", mode="incr", extra={"group.instance.id": "i1"})
        g.run(g.JOIN_MS)
        mine = g.assignment("s")
        theirs = g.assignment("a")
        g.phase = "s restarts"
        g.close("s")
        g.add("s2", mode="incr", extra={"group.instance.id": "i1"})
        g.run(g.JOIN_MS)
        ends = {"a": g.assignment("a"), "s2": g.assignment("s2")}
    finally:
        g.shutdown()
    seq = _callbacks(g.events, phase="s restarts")
    assert [(e["app"], e["ev"], e["parts"]) for e in seq] == [("s", "revoke", mine), ("s2", "assign", mine)]
    assert ends == {"a": theirs, "s2": mine}


if __name__ == "__main__":
    member_main(json.loads(sys.argv[1]))
