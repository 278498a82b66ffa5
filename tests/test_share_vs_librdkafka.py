"""kafkalab's ShareConsumer (KIP-932 share groups) beside the real client (issue 18, item 5).

The same small programs run on kafkalab (virtual time) and on confluent-kafka 2.16.1's ``ShareConsumer``
(librdkafka 2.16.0) against librdkafka's mock cluster, which implements ShareGroupHeartbeat, ShareFetch and
ShareAcknowledge (real time, every consumer in this process). Each program returns a transcript (lines of text);
both backends must give the transcript the mock gave when it was probed (KAFKA_REFERENCE_MODERN.md B.11), so with
``KAFKALAB_LIBRDKAFKA_MOCK=1`` the two are compared with each other as well.

Compared only where the mock is faithful (B.11): S1 the default ``share.auto.offset.reset=latest``; S2
ACCEPT/RELEASE/REJECT, ``commit_sync`` results and the acknowledgement-commit callback's arguments; S3 the client-side
misuse texts and the construction errors of B.10's table; S4 RELEASE over and over -> delivery counts 1..5, then
archived; S6 an explicit-mode ``close()`` releases the unacknowledged records at once; S7 an implicit-mode ``close()``
releases the last batch (the next member sees delivery count 2) while ``commit_sync()`` before close accepts it; S9
an acknowledgement after the acquisition lock expired fails with INVALID_RECORD_STATE. NOT compared: assignment when
members outnumber partitions (the mock's assignor never shares a partition) and crash versus hang (the mock releases
every member's locks on a broker when any connection to it closes).

The lock duration differs on purpose: the mock's is set to 2 s with
``rd_kafka_mock_sharegroup_set_record_lock_duration`` (real time); kafkalab's is the group config
``share.record.lock.duration.ms`` at its lowest allowed value, 15 s (``group.share.min.record.lock.duration.ms``),
which costs nothing in virtual time.

Running: the construction checks and the kafkalab side run in the default test run. The mock side takes ~15 s of
real time and runs only with ``KAFKALAB_LIBRDKAFKA_MOCK=1``; it skips with the reason when confluent-kafka's bundled
librdkafka (reached with ctypes) or its mock cluster is unavailable.
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import logging
import os
import time

import pytest

ck = pytest.importorskip("confluent_kafka")

import kafkalab  # noqa: E402

RUN_MOCK = os.environ.get("KAFKALAB_LIBRDKAFKA_MOCK") == "1"
HAVE_CLIENT = hasattr(kafkalab, "ShareConsumer")
HAVE_LAB = HAVE_CLIENT and hasattr(kafkalab.Cluster, "set_group_config")     # the broker side of share groups
BACKENDS = [
    pytest.param("kafkalab", marks=pytest.mark.skipif(not HAVE_LAB, reason="kafkalab share groups not built yet")),
    pytest.param("librdkafka-mock", marks=pytest.mark.skipif(
        not RUN_MOCK, reason="set KAFKALAB_LIBRDKAFKA_MOCK=1 to run against librdkafka's mock cluster (~15 s)")),
]
TOPIC = "t"
NOWHERE = "localhost:1"


def _quiet_logger() -> logging.Logger:
    log = logging.getLogger("share-vs-librdkafka")
    log.addHandler(logging.NullHandler())
    log.propagate = False
    return log


# -- transcript helpers ----------------------------------------------------------------------------------------------
def desc(m) -> str:
    """``p0@3/dc2``: partition, offset, delivery count (or the error's name)."""
    if m.error() is not None:
        return f"ERR({m.error().name()})"
    return f"p{m.partition()}@{m.offset()}/dc{m.delivery_count()}"


def exc_text(fn) -> str:
    """What calling ``fn`` does: ``-> <repr of the result>`` or ``<ExceptionClass>: <text>``."""
    try:
        return f"-> {fn()!r}"
    except Exception as exc:     # the class and text are what is compared
        return f"{type(exc).__name__}: {exc}"


def kexc(exc) -> str:
    """A KafkaException (or None) as ``KafkaException(NAME,code,"text")``."""
    if exc is None:
        return "None"
    err = exc.args[0]
    return f'{type(exc).__name__}({err.name()},{err.code()},"{err.str()}")'


def commit_result(result: dict) -> str:
    """``commit_sync``'s dict: each key's topic, partition, offset and error, and its value."""
    rows = []
    for tp, exc in sorted(result.items(), key=lambda kv: (kv[0].topic, kv[0].partition)):
        err = tp.error.name() if tp.error is not None else None
        rows.append(f"{tp.topic}[{tp.partition}] offset={tp.offset} error={err}: {kexc(exc)}")
    return "{" + ", ".join(rows) + "}"


def callback_args(offsets: dict, exc) -> str:
    """The acknowledgement-commit callback's (offsets, exception) arguments."""
    keyed = sorted(offsets.items(), key=lambda kv: (kv[0].topic, kv[0].partition))
    parts = {f"{tp.topic}:{tp.partition}": sorted(v) for tp, v in keyed}
    kinds = {type(v).__name__ for v in offsets.values()}
    return f"{parts} {sorted(kinds)} {kexc(exc)}"


# -- the two backends ------------------------------------------------------------------------------------------------
class LabBackend:
    """kafkalab: one Cluster, virtual time. Group configs (``share.auto.offset.reset``,
    ``share.record.lock.duration.ms``) are set per group before its first consumer is created."""

    name = "kafkalab"
    LOCK_MS = 15_000

    def __init__(self, *, earliest: bool = True, lock: bool = False) -> None:
        self.lib = kafkalab
        self.cluster = kafkalab.Cluster(seed=11)
        self.cluster.create_topic(TOPIC, partitions=1)
        self.bootstrap = self.cluster.bootstrap_servers
        self.group_config: dict = {}
        if earliest:
            self.group_config["share.auto.offset.reset"] = "earliest"
        if lock:
            self.group_config["share.record.lock.duration.ms"] = str(self.LOCK_MS)
        self._configured: set[str] = set()
        self.producer = kafkalab.Producer({"bootstrap.servers": self.bootstrap, "linger.ms": 0})
        self.consumers: list = []

    def now(self) -> float:
        return self.cluster.now_ms / 1000

    def sleep(self, seconds: float) -> None:
        self.cluster.advance(int(seconds * 1000))

    def produce(self, n: int, start: int = 0) -> None:
        for i in range(start, start + n):
            self.producer.produce(TOPIC, key=f"k{i}".encode(), value=f"v{i}".encode())
        assert self.producer.flush(10) == 0

    def _configure(self, group: str) -> None:
        if group in self._configured or not self.group_config:
            return
        self._configured.add(group)
        set_group_config = getattr(self.cluster, "set_group_config", None)
        if set_group_config is not None:
            set_group_config(group, dict(self.group_config))
            return
        from kafkalab.admin import AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource  # pragma: no cover
        admin = AdminClient({"bootstrap.servers": self.bootstrap})
        res = ConfigResource("group", group, incremental_configs=[
            ConfigEntry(k, v, incremental_operation=AlterConfigOpType.SET) for k, v in self.group_config.items()])
        for fut in admin.incremental_alter_configs([res]).values():
            fut.result()

    def consumer(self, group: str, mode: str = "explicit", **extra):
        self._configure(group)
        c = kafkalab.ShareConsumer({"bootstrap.servers": self.bootstrap, "group.id": group,
                                    "share.acknowledgement.mode": mode, **extra})
        self.consumers.append(c)
        return c

    def shutdown(self) -> None:
        for c in self.consumers:
            with contextlib.suppress(Exception):     # best effort at teardown
                c.close()


def _librdkafka_path() -> str | None:
    libs = glob.glob(os.path.join(os.path.dirname(ck.__file__), "..", "confluent_kafka.libs", "librdkafka*.so*"))
    return os.path.abspath(libs[0]) if libs else None


SHARE_KNOBS = ("session_timeout", "heartbeat_interval", "max_delivery_attempts", "record_lock_duration",
               "isolation_level", "max_size", "max_fetch_sessions", "max_record_locks", "auto_offset_reset")


class ShareMockCluster:
    """librdkafka's mock cluster (rd_kafka_mock_cluster_new) with its share-group knobs
    (rd_kafka_mock_sharegroup_set_*), reached with ctypes in the librdkafka bundled with confluent-kafka."""

    def __init__(self) -> None:
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
        lib.rd_kafka_mock_topic_create.restype = ctypes.c_int
        lib.rd_kafka_mock_topic_create.argtypes = [vp, cp, ctypes.c_int, ctypes.c_int]
        for knob in SHARE_KNOBS:
            fn = getattr(lib, "rd_kafka_mock_sharegroup_set_" + knob, None)
            if fn is None:
                pytest.skip(f"this librdkafka has no rd_kafka_mock_sharegroup_set_{knob}: no share-group mock")
            fn.argtypes = [vp, ctypes.c_int]
            fn.restype = None
        errstr = ctypes.create_string_buffer(512)
        self.rk = lib.rd_kafka_new(0, lib.rd_kafka_conf_new(), errstr, 512)     # a producer hosts the mock
        self.mc = lib.rd_kafka_mock_cluster_new(self.rk, 1) if self.rk else None
        if not self.mc:
            if self.rk:
                lib.rd_kafka_destroy(self.rk)
            pytest.skip(f"librdkafka's mock cluster did not start: {errstr.value!r}")
        self.bootstrap = lib.rd_kafka_mock_cluster_bootstraps(self.mc).decode()

    def knob(self, name: str, value: int) -> None:
        getattr(self.lib, "rd_kafka_mock_sharegroup_set_" + name)(self.mc, value)

    def create_topic(self, name: str, partitions: int) -> None:
        if self.lib.rd_kafka_mock_topic_create(self.mc, name.encode(), partitions, 1):
            pytest.skip("rd_kafka_mock_topic_create failed")

    def close(self) -> None:
        if self.mc:
            self.lib.rd_kafka_mock_cluster_destroy(self.mc)
            self.lib.rd_kafka_destroy(self.rk)
            self.mc = self.rk = None


class MockBackend:
    """confluent-kafka's ShareConsumer on librdkafka's mock cluster, real time. Share-group settings are the mock's
    (cluster-wide): heartbeat 500 ms, session 20 s, lock 2 s (``lock=True``) or 10 s, reset earliest unless
    ``earliest=False`` (the mock's default is latest, as Kafka's)."""

    name = "librdkafka-mock"
    LOCK_MS = 2_000

    def __init__(self, *, earliest: bool = True, lock: bool = False) -> None:
        self.lib = ck
        self.mock = ShareMockCluster()
        self.mock.knob("heartbeat_interval", 500)
        self.mock.knob("session_timeout", 20_000)
        self.mock.knob("record_lock_duration", self.LOCK_MS if lock else 10_000)
        if earliest:
            self.mock.knob("auto_offset_reset", 1)
        self.mock.create_topic(TOPIC, 1)
        self.bootstrap = self.mock.bootstrap
        self.producer = ck.Producer({"bootstrap.servers": self.bootstrap, "linger.ms": 0,
                                     "logger": _quiet_logger()})
        self.consumers: list = []

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def produce(self, n: int, start: int = 0) -> None:
        for i in range(start, start + n):
            self.producer.produce(TOPIC, key=f"k{i}".encode(), value=f"v{i}".encode())
        assert self.producer.flush(10) == 0

    def consumer(self, group: str, mode: str = "explicit", **extra):
        c = ck.ShareConsumer({"bootstrap.servers": self.bootstrap, "group.id": group,
                              "share.acknowledgement.mode": mode, "logger": _quiet_logger(), **extra})
        self.consumers.append(c)
        return c

    def shutdown(self) -> None:
        for c in self.consumers:
            with contextlib.suppress(Exception):     # best effort at teardown
                c.close()
        self.consumers.clear()
        self.producer = None
        self.mock.close()


def backend(name: str, **kw):
    return LabBackend(**kw) if name == "kafkalab" else MockBackend(**kw)


def run(name: str, program, **kw) -> list[str]:
    """Run ``program(backend)`` on a fresh backend; always shut it down (consumers, mock cluster and its ports)."""
    b = backend(name, **kw)
    try:
        return program(b)
    finally:
        b.shutdown()


def first_batch(b, c, timeout: float = 10) -> list:
    """Poll until a non-empty batch comes (explicit mode: the one batch that may be held unacknowledged)."""
    deadline = b.now() + timeout
    while b.now() < deadline:
        batch = list(c.poll(0.5))
        if batch:
            return batch
    return []


def poll_until(b, c, want: int, timeout: float, ack=None) -> list:
    """Poll until ``want`` records came or ``timeout`` seconds (the backend's time) passed; with ``ack`` (explicit
    mode) every record is acknowledged with it right after the poll that returned it."""
    got: list = []
    deadline = b.now() + timeout
    while len(got) < want and b.now() < deadline:
        for m in c.poll(0.5):
            got.append(m)
            if ack is not None and m.error() is None:
                c.acknowledge(m, ack)
    return got


# -- construction and broker-less misuse: both libraries, no mock needed ---------------------------------------------
CONFIGS = [
    ("foo.bar", "1"), ("share.auto.offset.reset", "earliest"), ("share.isolation.level", "read_committed"),
    ("group.share.record.lock.duration.ms", 1000), ("share.acquire.mode", "record_limit"),
    ("isolation.level", "read_committed"), ("group.instance.id", "i1"), ("group.remote.assignor", "uniform"),
    ("enable.auto.commit", False), ("auto.offset.reset", "earliest"), ("group.protocol", "consumer"),
    ("group.protocol", "classic"), ("partition.assignment.strategy", "range"), ("enable.partition.eof", True),
    ("fetch.error.backoff.ms", 10), ("session.timeout.ms", 45000), ("heartbeat.interval.ms", 5000),
    ("allow.auto.create.topics", True), ("on_commit", lambda *a: None), ("acks", "all"),
    ("max.poll.interval.ms", 1000), ("max.poll.records", 3), ("enable.auto.offset.store", False),
    ("auto.commit.interval.ms", 100), ("max.in.flight", 5), ("share.acknowledgement.mode", "explicit"),
    ("share.acknowledgement.mode", "implicit"),
]
SEVERAL = [  # which refusal librdkafka reports first
    {"allow.auto.create.topics": True, "session.timeout.ms": 1},
    {"heartbeat.interval.ms": 1, "session.timeout.ms": 1},
    {"enable.auto.commit": True, "group.instance.id": "x"},
    {"isolation.level": "read_committed", "foo.bar": 1},
    {"on_commit": print, "isolation.level": "read_committed"},
]


def _construct(module, conf: dict) -> tuple:
    """What constructing a ShareConsumer with ``conf`` does: ("ok",) or the exception's kind and text."""
    base = {"bootstrap.servers": NOWHERE}
    if module is ck:
        base["logger"] = _quiet_logger()
    try:
        c = module.ShareConsumer({**base, **conf})
    except module.KafkaException as exc:
        err = exc.args[0]
        return ("KafkaException", err.code(), err.name(), err.str())
    except (ValueError, TypeError) as exc:
        return (type(exc).__name__, str(exc))
    c.close()
    return ("ok",)


needs_lab = pytest.mark.skipif(not HAVE_CLIENT, reason="kafkalab.ShareConsumer not built yet")


@needs_lab
@pytest.mark.parametrize(("name", "value"), CONFIGS, ids=[f"{n}={v}" for n, v in CONFIGS])
def test_s3_construction_refused_or_accepted_as_librdkafka(name, value):
    conf = {"group.id": "g", name: value}
    assert _construct(kafkalab, conf) == _construct(ck, conf)


@needs_lab
@pytest.mark.parametrize("conf", SEVERAL, ids=["+".join(c) for c in SEVERAL])
def test_s3_first_refused_config_reported_in_librdkafkas_order(conf):
    conf = {"group.id": "g", **conf}
    assert _construct(kafkalab, conf) == _construct(ck, conf)


@needs_lab
def test_s3_no_group_id():
    assert _construct(kafkalab, {}) == _construct(ck, {}) == (
        "ValueError", "Failed to create consumer: group.id must be set")


def misuse_without_broker(module) -> list[str]:
    """Misuse that needs no broker: before subscribe, bad subscriptions, acknowledging what was never delivered,
    and every method after close (close itself twice is a no-op)."""
    base = {"bootstrap.servers": NOWHERE, "group.id": "g"}
    if module is ck:
        base["logger"] = _quiet_logger()
    c = module.ShareConsumer(base)
    out = [
        "poll before subscribe " + exc_text(lambda: list(c.poll(0.1))),
        "subscription " + exc_text(c.subscription),
        "subscribe duplicate " + exc_text(lambda: c.subscribe([TOPIC, TOPIC])),
        "subscribe str " + exc_text(lambda: c.subscribe(TOPIC)),
        "subscribe [] " + exc_text(lambda: c.subscribe([])),
        "commit_sync nothing pending " + exc_text(lambda: c.commit_sync(1)),
        "commit_async nothing pending " + exc_text(c.commit_async),
        "acknowledge str " + exc_text(lambda: c.acknowledge("x")),
        "acknowledge_offset never delivered " + exc_text(lambda: c.acknowledge_offset(TOPIC, 0, 5)),
        "acknowledge_offset never delivered type 7 " + exc_text(lambda: c.acknowledge_offset(TOPIC, 0, 5, 7)),
        "subscribe " + exc_text(lambda: c.subscribe([TOPIC])),
        "subscription " + exc_text(c.subscription),
        "unsubscribe " + exc_text(c.unsubscribe),
        "subscription " + exc_text(c.subscription),
        "close " + exc_text(c.close),
    ]
    calls = [("poll", lambda: c.poll(0.1)), ("subscribe", lambda: c.subscribe([TOPIC])),
             ("subscription", c.subscription), ("unsubscribe", c.unsubscribe),
             ("commit_sync", lambda: c.commit_sync(1)), ("commit_async", c.commit_async),
             ("acknowledge str", lambda: c.acknowledge("x")),
             ("acknowledge_offset", lambda: c.acknowledge_offset(TOPIC, 0, 1)),
             ("set_acknowledgement_commit_callback", lambda: c.set_acknowledgement_commit_callback(lambda o, e: None)),
             ("set_sasl_credentials", lambda: c.set_sasl_credentials("u", "p"))]
    out += [f"after close {label} " + exc_text(fn) for label, fn in calls]
    out.append("close again " + exc_text(c.close))
    return out


MISUSE_WITHOUT_BROKER = [
    "poll before subscribe IllegalStateException: Consumer is not subscribed to any topics",
    "subscription -> []",
    "subscribe duplicate ValueError: Failed to subscribe: Local: Invalid argument or configuration",
    "subscribe str TypeError: expected list of topic unicode strings",
    "subscribe [] -> None",
    "commit_sync nothing pending -> {}",
    "commit_async nothing pending -> None",
    "acknowledge str TypeError: argument 1 must be confluent_kafka.cimpl.Message, not str",
    "acknowledge_offset never delivered IllegalStateException: Failed to acknowledge offset: Local: Erroneous state",
    "acknowledge_offset never delivered type 7 IllegalStateException: Failed to acknowledge offset: Local: Erroneous "
    "state",
    "subscribe -> None",
    "subscription -> ['t']",
    "unsubscribe -> None",
    "subscription -> []",
    "close -> None",
    *[f"after close {label} IllegalStateException: Share consumer closed" for label in (
        "poll", "subscribe", "subscription", "unsubscribe", "commit_sync", "commit_async", "acknowledge str",
        "acknowledge_offset", "set_acknowledgement_commit_callback", "set_sasl_credentials")],
    "close again -> None",
]


def test_s3_misuse_without_a_broker_librdkafka():
    assert misuse_without_broker(ck) == MISUSE_WITHOUT_BROKER


@needs_lab
def test_s3_misuse_without_a_broker_kafkalab():
    assert misuse_without_broker(kafkalab) == MISUSE_WITHOUT_BROKER


# -- S1: share.auto.offset.reset defaults to latest -------------------------------------------------------------------
def s1_default_latest(b) -> list[str]:
    b.produce(5)
    c = b.consumer("g-latest", "implicit")
    c.subscribe([TOPIC])
    out = ["before producing more: " + str([desc(m) for m in poll_until(b, c, 1, 3)])]
    b.produce(3, start=5)
    out.append("after producing v5..v7: " + str([desc(m) for m in poll_until(b, c, 3, 8)]))
    return out


@pytest.mark.parametrize("name", BACKENDS)
def test_s1_records_produced_before_the_group_first_reads_are_never_delivered(name):
    assert run(name, s1_default_latest, earliest=False) == [
        "before producing more: []",
        "after producing v5..v7: ['p0@5/dc1', 'p0@6/dc1', 'p0@7/dc1']",
    ]


# -- S2: ACCEPT / RELEASE / REJECT, commit_sync, the callback ---------------------------------------------------------
def s2_accept_release_reject(b) -> list[str]:
    b.produce(6)
    c = b.consumer("g-ack", "explicit")
    calls: list[str] = []
    c.set_acknowledgement_commit_callback(lambda offsets, exc: calls.append(callback_args(offsets, exc)))
    c.subscribe([TOPIC])
    out = []
    deadline = b.now() + 10
    raw = c.poll(0.5)
    while not len(raw) and b.now() < deadline:
        raw = c.poll(0.5)
    out.append(f"poll returns {type(raw).__name__} len={len(raw)} count={raw.count()} is_empty={raw.is_empty()} "
               f"records={type(raw.records()).__name__}")
    batch = list(raw)
    out.append("batch " + str([desc(m) for m in batch]))
    ack = b.lib.AcknowledgeType
    plan = {2: ack.RELEASE, 3: ack.REJECT}
    for m in batch:
        c.acknowledge(m, plan.get(m.offset(), ack.ACCEPT))
    out.append("re-acknowledge offset 1 before commit " + exc_text(lambda: c.acknowledge(batch[1], ack.ACCEPT)))
    out.append("callbacks before commit_sync [" + " | ".join(calls) + "]")
    out.append("commit_sync " + commit_result(c.commit_sync(10)))
    out.append("callbacks after commit_sync [" + " | ".join(calls) + "]")
    out.append("acknowledge offset 0 after commit " + exc_text(lambda: c.acknowledge(batch[0])))
    out.append("acknowledge_offset never delivered " + exc_text(lambda: c.acknowledge_offset(TOPIC, 0, 99)))
    again = poll_until(b, c, 1, 6, ack=ack.ACCEPT)
    out.append("redelivered " + str([desc(m) for m in again]))
    out.append("commit_sync " + commit_result(c.commit_sync(10)))
    out.append("commit_sync nothing pending " + commit_result(c.commit_sync(10)))
    out.append("further " + str([desc(m) for m in poll_until(b, c, 1, 2, ack=ack.ACCEPT)]))
    out.append("callbacks [" + " | ".join(calls) + "]")
    return out


@pytest.mark.parametrize("name", BACKENDS)
def test_s2_accept_release_reject_commit_sync_and_the_callback(name):
    assert run(name, s2_accept_release_reject) == [
        "poll returns Messages len=6 count=6 is_empty=False records=list",
        "batch ['p0@0/dc1', 'p0@1/dc1', 'p0@2/dc1', 'p0@3/dc1', 'p0@4/dc1', 'p0@5/dc1']",
        "re-acknowledge offset 1 before commit -> None",
        "callbacks before commit_sync []",
        "commit_sync {t[0] offset=0 error=None: None}",
        "callbacks after commit_sync [{'t:0': [0, 1, 2, 3, 4, 5]} ['set'] None]",
        "acknowledge offset 0 after commit IllegalStateException: Failed to acknowledge message: Local: Erroneous "
        "state",
        "acknowledge_offset never delivered IllegalStateException: Failed to acknowledge offset: Local: Erroneous "
        "state",
        "redelivered ['p0@2/dc2']",
        "commit_sync {t[0] offset=0 error=None: None}",
        "commit_sync nothing pending {}",
        "further []",
        "callbacks [{'t:0': [0, 1, 2, 3, 4, 5]} ['set'] None | {'t:0': [2]} ['set'] None]",
    ]


# -- S3: misuse that needs delivered records ---------------------------------------------------------------------------
def s3_misuse_with_records(b) -> list[str]:
    b.produce(4)
    c = b.consumer("g-err", "explicit", **{"max.poll.records": 2})
    c.subscribe([TOPIC])
    batch = first_batch(b, c)
    out = ["explicit got " + str([desc(m) for m in batch])]
    out.append("poll with the batch unacknowledged " + exc_text(lambda: c.poll(0.5)))
    out.append("ack_type=7 " + exc_text(lambda: c.acknowledge(batch[0], 7)))
    out.append("ack_type=0 " + exc_text(lambda: c.acknowledge(batch[0], 0)))
    c.acknowledge(batch[0])
    out.append("poll with one of two unacknowledged " + exc_text(lambda: c.poll(0.5)))
    c.acknowledge(batch[1])
    out.append("commit_sync " + commit_result(c.commit_sync(5)))
    c.close()
    out.append("poll after close " + exc_text(lambda: c.poll(0.1)))
    out.append("acknowledge after close " + exc_text(lambda: c.acknowledge(batch[0])))

    ci = b.consumer("g-err-impl", "implicit")
    ci.subscribe([TOPIC])
    b2 = first_batch(b, ci)
    out.append("implicit got " + str([desc(m) for m in b2]))
    out.append("implicit acknowledge " + exc_text(lambda: ci.acknowledge(b2[0])))
    out.append("implicit acknowledge_offset " + exc_text(lambda: ci.acknowledge_offset(TOPIC, 0, 0)))
    out.append("implicit commit_sync " + commit_result(ci.commit_sync(5)))
    ci.close()
    return out


@pytest.mark.parametrize("name", BACKENDS)
def test_s3_misuse_texts_with_records(name):
    assert run(name, s3_misuse_with_records) == [
        "explicit got ['p0@0/dc1', 'p0@1/dc1']",
        "poll with the batch unacknowledged IllegalStateException: 2 records from previous poll have not been "
        "acknowledged",
        "ack_type=7 ValueError: Failed to acknowledge message: Local: Invalid argument or configuration",
        "ack_type=0 ValueError: Failed to acknowledge message: Local: Invalid argument or configuration",
        "poll with one of two unacknowledged IllegalStateException: 1 records from previous poll have not been "
        "acknowledged",
        "commit_sync {t[0] offset=0 error=None: None}",
        "poll after close IllegalStateException: Share consumer closed",
        "acknowledge after close IllegalStateException: Share consumer closed",
        "implicit got ['p0@0/dc1', 'p0@1/dc1', 'p0@2/dc1', 'p0@3/dc1']",
        "implicit acknowledge IllegalStateException: Failed to acknowledge message: Local: Erroneous state",
        "implicit acknowledge_offset IllegalStateException: Failed to acknowledge offset: Local: Erroneous state",
        "implicit commit_sync {t[0] offset=0 error=None: None}",
    ]


# -- S4: RELEASE over and over: delivered at most delivery.count.limit (5) times, then archived ---------------------
def s4_release_repeatedly(b) -> list[str]:
    b.produce(1)
    c = b.consumer("g-dlc", "explicit")
    c.subscribe([TOPIC])
    ack = b.lib.AcknowledgeType
    history: list[str] = []
    deadline = b.now() + 20
    idle_since = None
    while b.now() < deadline:
        batch = list(c.poll(0.5))
        if not batch:
            idle_since = idle_since if idle_since is not None else b.now()
            if history and b.now() - idle_since > 2:
                break
            continue
        idle_since = None
        for m in batch:
            history.append(desc(m))
            c.acknowledge(m, ack.RELEASE)
        c.commit_sync(5)
    out = ["deliveries " + str(history)]
    b.produce(1, start=1)
    out.append("after producing offset 1 " + str([desc(m) for m in poll_until(b, c, 1, 6, ack=ack.ACCEPT)]))
    return out


@pytest.mark.parametrize("name", BACKENDS)
def test_s4_released_five_times_then_archived(name):
    assert run(name, s4_release_repeatedly) == [
        "deliveries ['p0@0/dc1', 'p0@0/dc2', 'p0@0/dc3', 'p0@0/dc4', 'p0@0/dc5']",
        "after producing offset 1 ['p0@1/dc1']",
    ]


# -- S6: explicit close releases the unacknowledged records at once ----------------------------------------------------
def s6_explicit_close(b) -> list[str]:
    b.produce(4)
    a = b.consumer("g-close", "explicit", **{"client.id": "A"})
    a.subscribe([TOPIC])
    batch = first_batch(b, a)
    out = ["A got " + str([desc(m) for m in batch])]
    for m in batch[:2]:
        a.acknowledge(m, b.lib.AcknowledgeType.ACCEPT)
    a.close()
    closed = b.now()
    c = b.consumer("g-close", "explicit", **{"client.id": "B"})
    c.subscribe([TOPIC])
    got = poll_until(b, c, 2, 15, ack=b.lib.AcknowledgeType.ACCEPT)
    took = b.now() - closed
    out.append("B got " + str([desc(m) for m in got]))
    out.append(f"B had them before the lock could expire: {took < 5}")
    c.commit_sync(5)
    out.append("B further " + str([desc(m) for m in poll_until(b, c, 1, 2, ack=b.lib.AcknowledgeType.ACCEPT)]))
    return out


@pytest.mark.parametrize("name", BACKENDS)
def test_s6_explicit_close_releases_the_unacknowledged(name):
    assert run(name, s6_explicit_close) == [
        "A got ['p0@0/dc1', 'p0@1/dc1', 'p0@2/dc1', 'p0@3/dc1']",
        "B got ['p0@2/dc2', 'p0@3/dc2']",
        "B had them before the lock could expire: True",
        "B further []",
    ]


# -- S7: implicit close releases the last batch; commit_sync before close accepts it -----------------------------------
def s7_implicit_close(b) -> list[str]:
    b.produce(6)
    a = b.consumer("g-impl", "implicit", **{"max.poll.records": 3})
    a.subscribe([TOPIC])
    batches: list[list[str]] = []
    deadline = b.now() + 10
    while sum(len(x) for x in batches) < 6 and b.now() < deadline:
        got = list(a.poll(0.5))
        if got:
            batches.append([desc(m) for m in got])
    out = [f"A batches (max.poll.records=3) {batches}"]
    a.close()
    closed = b.now()
    other = b.consumer("g-impl", "implicit")
    other.subscribe([TOPIC])
    out.append("next member gets " + str([desc(m) for m in poll_until(b, other, 3, 8)]))
    out.append(f"before the lock could expire: {b.now() - closed < 5}")

    b.produce(3, start=6)
    c = b.consumer("g-impl2", "implicit")
    c.subscribe([TOPIC])
    out.append("group 2: C gets " + str([desc(m) for m in poll_until(b, c, 9, 8)]))
    out.append("C commit_sync " + commit_result(c.commit_sync(5)))
    c.close()
    d = b.consumer("g-impl2", "implicit")
    d.subscribe([TOPIC])
    out.append("group 2: D afterwards " + str([desc(m) for m in poll_until(b, d, 1, 2)]))
    return out


@pytest.mark.parametrize("name", BACKENDS)
def test_s7_implicit_close_releases_the_last_batch(name):
    assert run(name, s7_implicit_close) == [
        "A batches (max.poll.records=3) [['p0@0/dc1', 'p0@1/dc1', 'p0@2/dc1'], ['p0@3/dc1', 'p0@4/dc1', 'p0@5/dc1']]",
        "next member gets ['p0@3/dc2', 'p0@4/dc2', 'p0@5/dc2']",
        "before the lock could expire: True",
        "group 2: C gets ['p0@0/dc1', 'p0@1/dc1', 'p0@2/dc1', 'p0@3/dc1', 'p0@4/dc1', 'p0@5/dc1', 'p0@6/dc1', "
        "'p0@7/dc1', 'p0@8/dc1']",
        "C commit_sync {t[0] offset=0 error=None: None}",
        "group 2: D afterwards []",
    ]


# -- S9: acknowledging after the acquisition lock expired --------------------------------------------------------------
def s9_ack_after_expiry(b) -> list[str]:
    b.produce(2)
    c = b.consumer("g-stale", "explicit")
    calls: list[str] = []
    c.set_acknowledgement_commit_callback(lambda offsets, exc: calls.append(callback_args(offsets, exc)))
    c.subscribe([TOPIC])
    batch = first_batch(b, c)
    out = ["got " + str([desc(m) for m in batch])]
    b.sleep(b.LOCK_MS / 1000 + 1)
    for m in batch:
        c.acknowledge(m, b.lib.AcknowledgeType.ACCEPT)
    out.append("commit_sync " + commit_result(c.commit_sync(5)))
    nxt = poll_until(b, c, 2, 4)
    out.append("callback [" + " | ".join(calls) + "]")
    out.append("next poll " + str([desc(m) for m in nxt]))
    for m in nxt:
        c.acknowledge(m)
    out.append("commit_sync " + commit_result(c.commit_sync(5)))
    return out


@pytest.mark.parametrize("name", BACKENDS)
def test_s9_ack_after_the_lock_expired_is_invalid_record_state(name):
    err = 'KafkaException(INVALID_RECORD_STATE,121,"Broker: The record state is invalid")'
    assert run(name, s9_ack_after_expiry, lock=True) == [
        "got ['p0@0/dc1', 'p0@1/dc1']",
        f"commit_sync {{t[0] offset=0 error=INVALID_RECORD_STATE: {err}}}",
        f"callback [{{'t:0': [0, 1]}} ['set'] {err}]",
        "next poll ['p0@0/dc2', 'p0@1/dc2']",
        "commit_sync {t[0] offset=0 error=None: None}",
    ]
