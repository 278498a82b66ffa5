"""kafkalab.ShareConsumer (KIP-932): confluent-kafka 2.16.1's API and texts, and its requests.

The construction and misuse texts are the ones verified on confluent-kafka 2.16.1 (KAFKA_REFERENCE_MODERN.md
B.10). The request flow (ShareGroupHeartbeat, ShareFetch with piggybacked acknowledgements, ShareAcknowledge,
share-session epochs, the crash path) runs against a small fake share broker installed in ``apis.HANDLERS``,
so these tests do not depend on the broker's share groups; the end-to-end tests are in
``tests/test_share_consumer_e2e.py``.
"""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import pytest

import kafkalab
from kafkalab import AcknowledgeType, IllegalStateException, KafkaException, Messages, ShareConsumer
from kafkalab.broker import apis

NOWHERE = "localhost:1"
BASE = {"bootstrap.servers": NOWHERE, "group.id": "g"}


def refused(conf):
    with pytest.raises(Exception) as exc:
        ShareConsumer(conf)
    return type(exc.value).__name__, str(exc.value)


# -- construction ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, value", [
    ("isolation.level", "read_committed"), ("group.instance.id", "x"), ("group.remote.assignor", "uniform"),
    ("enable.auto.commit", False), ("auto.offset.reset", "earliest"), ("group.protocol", "consumer"),
    ("partition.assignment.strategy", "range"), ("enable.partition.eof", False), ("fetch.error.backoff.ms", 5),
    ("queued.min.messages", 5), ("consume.callback.max.messages", 0)])
def test_not_applicable_properties_are_refused(name, value):
    assert refused({**BASE, name: value}) == (
        "ValueError", f"Failed to create share consumer: `{name}` is not applicable for share consumer")


@pytest.mark.parametrize("name", ["session.timeout.ms", "heartbeat.interval.ms"])
def test_broker_side_timeouts_are_refused(name):
    assert refused({**BASE, name: 45000}) == (
        "ValueError", f"Failed to create share consumer: `{name}` is not supported for `group.protocol=consumer` "
                      "or share consumer. It is defined broker side")


def test_construction_texts():
    assert refused({"bootstrap.servers": NOWHERE}) == ("ValueError", "Failed to create consumer: group.id must be set")
    assert refused({**BASE, "allow.auto.create.topics": False}) == (
        "ValueError", "Failed to create share consumer: allow.auto.create.topics is currently not supported for "
                      "share consumer and will be enabled in the General Availability (GA) release")
    assert refused({**BASE, "on_commit": lambda *a: None}) == (
        "ValueError", "on_commit is not supported on ShareConsumer")
    assert refused({"bootstrap.servers": NOWHERE, "on_commit": None}) == (
        "ValueError", "on_commit is not supported on ShareConsumer")
    for name in ("foo.bar", "share.auto.offset.reset", "share.isolation.level", "group.share.record.lock.duration.ms",
                 "share.acquire.mode"):
        assert refused({**BASE, name: "x"}) == (
            "KafkaException", f'KafkaError{{code=_INVALID_ARG,val=-186,str="No such configuration property: '
                              f'"{name}""}}')
    # librdkafka's order: allow.auto.create.topics after isolation.level, before session.timeout.ms
    both = {**BASE, "allow.auto.create.topics": True, "isolation.level": "read_committed"}
    assert "isolation.level" in refused(both)[1]
    assert "allow.auto" in refused({**BASE, "session.timeout.ms": 1, "allow.auto.create.topics": True})[1]
    with pytest.raises(TypeError, match="expected configuration dict"):
        ShareConsumer()


def test_accepted_properties_and_constructor_forms():
    for extra in ({"max.poll.interval.ms": 1000}, {"max.poll.records": 3}, {"enable.auto.offset.store": False},
                  {"auto.commit.interval.ms": 1}, {"max.in.flight": 3}, {"acks": "all"}):
        ShareConsumer({**BASE, **extra}).close()
    c = ShareConsumer({**BASE, "acks": "all"})
    assert c._conf.warnings == ["Configuration property request.required.acks is a producer property and will be "
                                "ignored by this consumer instance"]
    c.close()
    ShareConsumer(**BASE).close()
    ShareConsumer({"bootstrap.servers": NOWHERE}, **{"group.id": "g"}).close()


def test_unvalidated_acknowledgement_mode_warns():
    with pytest.warns(UserWarning, match="neither 'implicit' nor 'explicit'"):
        ShareConsumer({**BASE, "share.acknowledgement.mode": "EXPLICIT"}).close()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ShareConsumer({**BASE, "share.acknowledgement.mode": "explicit"}).close()


# -- the API without a broker ------------------------------------------------------------------------------------
def test_subscription_and_misuse_texts():
    c = ShareConsumer(BASE)
    with pytest.raises(IllegalStateException, match=r"^Consumer is not subscribed to any topics$"):
        c.poll(0)
    assert c.subscription() == []
    with pytest.raises(ValueError, match=r"^Failed to subscribe: Local: Invalid argument or configuration$"):
        c.subscribe(["t", "t"])
    with pytest.raises(TypeError, match="expected list of topic unicode strings"):
        c.subscribe(("t",))
    c.subscribe(["a", "b"])
    assert c.subscription() == ["a", "b"]
    c.subscribe([])
    assert c.subscription() == []
    c.subscribe(["a"])
    assert isinstance(c.poll(0), Messages) and c.poll(0).is_empty()
    with pytest.raises(TypeError, match="must be real number, not NoneType"):
        c.poll(None)
    with pytest.raises(TypeError, match=r"^argument 1 must be confluent_kafka.cimpl.Message, not str$"):
        c.acknowledge("x")
    m = kafkalab.Message("a", 0, 5, None, b"v")
    with pytest.raises(IllegalStateException, match=r"^Failed to acknowledge message: Local: Erroneous state$"):
        c.acknowledge(m)
    with pytest.raises(IllegalStateException, match=r"^Failed to acknowledge offset: Local: Erroneous state$"):
        c.acknowledge_offset("a", 0, 5, 7)
    assert c.commit_sync() == {} and c.commit_async() is None
    with pytest.raises(TypeError, match=r"takes no arguments \(1 given\)"):
        c.commit_async(1)
    with pytest.raises(TypeError, match="callback must be callable or None"):
        c.set_acknowledgement_commit_callback(3)
    c.set_sasl_credentials("u", "p")
    assert c.close() is None and c.close() is None
    for call in (lambda: c.poll(0), c.subscription, c.unsubscribe, c.commit_sync, c.commit_async,
                 lambda: c.subscribe(["a"]), lambda: c.acknowledge(m), lambda: c.acknowledge_offset("a", 0, 1),
                 lambda: c.set_acknowledgement_commit_callback(None), lambda: c.set_sasl_credentials("u", "p")):
        with pytest.raises(IllegalStateException, match=r"^Share consumer closed$"):
            call()
    assert c.__enter__() is c           # as confluent-kafka's: entering a closed one does not raise


def test_explicit_mode_texts_without_records():
    e = ShareConsumer({**BASE, "share.acknowledgement.mode": "explicit"})
    m = kafkalab.Message("a", 0, 5, None, b"v")
    with pytest.raises(IllegalStateException, match=r"^Failed to acknowledge message: Local: Erroneous state$"):
        e.acknowledge(m)
    for bad in (0, 4, 7):
        with pytest.raises(ValueError, match=r"^Failed to acknowledge message: Local: Invalid argument or config"):
            e.acknowledge(m, bad)
    with pytest.raises(ValueError, match=r"^Failed to acknowledge offset: Local: Invalid argument"):
        e.acknowledge_offset("a", -1, 5)
    with pytest.raises(TypeError, match="'float' object cannot be interpreted as an integer"):
        e.acknowledge_offset("a", 0, 5.0)
    with pytest.raises(ValueError):
        e.acknowledge(kafkalab.Message())
    e.close()


def test_context_manager_closes():
    with ShareConsumer(BASE) as c:
        assert isinstance(c, ShareConsumer)
    with pytest.raises(IllegalStateException, match=r"^Share consumer closed$"):
        c.poll(0)


def test_messages_and_acknowledge_type():
    assert [(t.name, int(t)) for t in AcknowledgeType] == [("ACCEPT", 1), ("RELEASE", 2), ("REJECT", 3)]
    ms = [kafkalab.Message("t", 0, i) for i in range(3)]
    batch = Messages(ms)
    assert len(batch) == batch.count() == 3 and not batch.is_empty() and list(batch) == ms
    assert batch[1] is ms[1] and isinstance(batch[1:], Messages) and batch[1:].count() == 2
    copy = batch.records()
    copy.clear()
    assert batch.count() == 3 and Messages().is_empty()
    assert kafkalab.Message("t", 0, 1).delivery_count() is None


# -- a fake share broker: the client's requests ----------------------------------------------------------------
class FakeShareBroker:
    """One topic ``t``, one partition, the records ``values``; every member gets partition 0."""

    def __init__(self, values, lock_ms=30000):
        self.values = list(values)
        self.state = {off: ["Available", 0, None] for off in range(len(self.values))}     # state, count, member
        self.requests: list[tuple[str, dict]] = []
        self.sessions: dict[str, int] = {}
        self.closed: list = []

    def install(self, monkeypatch):
        monkeypatch.setitem(apis.HANDLERS, "ShareGroupHeartbeat", self.heartbeat)
        monkeypatch.setitem(apis.HANDLERS, "ShareFetch", self.fetch)
        monkeypatch.setitem(apis.HANDLERS, "ShareAcknowledge", self.acknowledge)
        monkeypatch.setattr(apis, "connection_closed", self.connection_closed, raising=False)

    def heartbeat(self, cluster, respond, **f):
        self.requests.append(("ShareGroupHeartbeat", f))
        if f["member_epoch"] == -1:
            respond(SimpleNamespace(error_code=0, error_message=None, member_id=f["member_id"], member_epoch=-1,
                                    heartbeat_interval_ms=0, assignment=None))
            return
        respond(SimpleNamespace(error_code=0, error_message=None, member_id=f["member_id"],
                                member_epoch=f["member_epoch"] + 1, heartbeat_interval_ms=5000,
                                assignment=[("t", 0)] if f["member_epoch"] == 0 else None))

    def _apply(self, member, acks):
        code = 0
        for _tp, batches in acks.items():
            for first, last, types in batches:
                for i, off in enumerate(range(first, last + 1)):
                    st = self.state[off]
                    if st[0] != "Acquired" or st[2] != member:
                        code = 121
                        continue
                    kind = types[i] if len(types) > 1 else types[0]
                    st[0] = {1: "Acknowledged", 2: "Available", 3: "Archived", 0: "Archived"}[kind]
                    st[2] = None
        return code

    def _release(self, member):
        for st in self.state.values():
            if st[0] == "Acquired" and st[2] == member:
                st[0], st[2] = "Available", None

    def fetch(self, cluster, respond, **f):
        self.requests.append(("ShareFetch", f))
        member = f["member_id"]
        code = self._apply(member, f["acknowledgements"])
        self.sessions[member] = f["share_session_epoch"]
        got = [off for off, st in self.state.items() if st[0] == "Available"][:f["max_records"]]
        for off in got:
            self.state[off][0], self.state[off][2] = "Acquired", member
            self.state[off][1] += 1
        batches = [SimpleNamespace(base_offset=off, last_offset=off, records=[(None, self.values[off], 0, None)],
                                   timestamp_type=0, append_time_ms=-1, control=None) for off in got]
        part = SimpleNamespace(error_code=0, records=batches,
                               acquired_records=[(off, off, self.state[off][1]) for off in got],
                               acknowledge_error_code=code)
        respond(SimpleNamespace(error_code=0, partitions={("t", 0): part}))

    def acknowledge(self, cluster, respond, **f):
        self.requests.append(("ShareAcknowledge", f))
        code = self._apply(f["member_id"], f["acknowledgements"])
        if f["share_session_epoch"] == -1:
            self._release(f["member_id"])
        respond(SimpleNamespace(error_code=0, partitions={tp: code for tp in f["acknowledgements"]}))

    def connection_closed(self, cluster, client, member_ids):
        self.closed.append((cluster.now_ms, client, list(member_ids)))
        for m in member_ids:
            self._release(m)

    def kinds(self):
        return [(api, f.get("share_session_epoch", f.get("member_epoch"))) for api, f in self.requests]


@pytest.fixture
def broker(monkeypatch):
    def make(values, **kw):
        b = FakeShareBroker(values, **kw)
        b.install(monkeypatch)
        return b
    return make


def _consumer(cluster, **conf):
    return ShareConsumer({"bootstrap.servers": cluster.bootstrap_servers, "group.id": "sg", **conf})


def test_implicit_mode_accepts_the_previous_batch_on_the_next_poll(broker):
    b = broker([b"a", b"b", b"c"])
    cluster = kafkalab.Cluster(seed=1)
    c = _consumer(cluster, **{"max.poll.records": 2})
    c.subscribe(["t"])
    first = c.poll(1)
    assert [(m.offset(), m.value(), m.delivery_count()) for m in first] == [(0, b"a", 1), (1, b"b", 1)]
    second = c.poll(1)
    assert [m.offset() for m in second] == [2]
    fetches = [f for api, f in b.requests if api == "ShareFetch"]
    assert fetches[0]["acknowledgements"] == {} and fetches[0]["share_session_epoch"] == 0
    assert fetches[1]["acknowledgements"] == {("t", 0): [(0, 1, [1])]} and fetches[1]["share_session_epoch"] == 1
    assert fetches[0]["member_id"] == c._membership.member_id and len(c._membership.member_id) == 22
    c.close()
    # close() does not accept the last batch: the session closes (-1) with nothing acknowledged; offset 2 is released
    assert b.kinds()[-2:] == [("ShareAcknowledge", -1), ("ShareGroupHeartbeat", -1)]
    assert b.requests[-2][1]["acknowledgements"] == {}
    assert [st[0] for st in b.state.values()] == ["Acknowledged", "Acknowledged", "Available"]


def test_commit_sync_before_close_accepts_the_last_batch(broker):
    b = broker([b"a", b"b"])
    cluster = kafkalab.Cluster(seed=1)
    c = _consumer(cluster)
    calls = []
    c.set_acknowledgement_commit_callback(lambda offsets, exc: calls.append((offsets, exc)))
    c.subscribe(["t"])
    assert c.poll(1).count() == 2
    result = c.commit_sync()
    assert [(tp.topic, tp.partition, tp.offset, tp.error, exc) for tp, exc in result.items()] == \
        [("t", 0, 0, None, None)]
    assert [([(tp.topic, tp.partition) for tp in o], [sorted(v) for v in o.values()], e) for o, e in calls] == \
        [([("t", 0)], [[0, 1]], None)]
    assert c.commit_sync() == {}
    c.close()
    assert [st[0] for st in b.state.values()] == ["Acknowledged", "Acknowledged"]


def test_explicit_mode_requires_acknowledgements_and_piggybacks_them(broker):
    b = broker([b"a", b"b", b"c", b"d"])
    cluster = kafkalab.Cluster(seed=1)
    c = _consumer(cluster, **{"share.acknowledgement.mode": "explicit", "max.poll.records": 3})
    c.subscribe(["t"])
    batch = c.poll(1)
    assert batch.count() == 3
    with pytest.raises(IllegalStateException, match=r"^3 records from previous poll have not been acknowledged$"):
        c.poll(0)
    c.acknowledge(batch[0])
    c.acknowledge(batch[1], AcknowledgeType.REJECT)
    c.acknowledge(batch[1], AcknowledgeType.RELEASE)        # the last mark wins
    with pytest.raises(IllegalStateException, match=r"^1 records from previous poll have not been acknowledged$"):
        c.poll(0)
    c.acknowledge_offset("t", 0, 2, AcknowledgeType.REJECT)
    again = c.poll(1)
    fetch = [f for api, f in b.requests if api == "ShareFetch"][1]
    assert fetch["acknowledgements"] == {("t", 0): [(0, 2, [1, 2, 3])]}
    assert [(m.offset(), m.delivery_count()) for m in again] == [(1, 2), (3, 1)]
    with pytest.raises(IllegalStateException, match="Failed to acknowledge message: Local: Erroneous state"):
        c.acknowledge(batch[0])                             # already sent
    c.acknowledge(again[0])
    c.close()                                               # sends offset 1's ACCEPT; offset 3 is released
    assert b.requests[-2][0] == "ShareAcknowledge" and b.requests[-2][1]["acknowledgements"] == \
        {("t", 0): [(1, 1, [1])]}
    assert [st[0] for st in b.state.values()] == ["Acknowledged", "Acknowledged", "Archived", "Available"]


def test_failed_acknowledgement_reaches_commit_sync_and_the_callback(broker):
    b = broker([b"a"])
    cluster = kafkalab.Cluster(seed=1)
    c = _consumer(cluster, **{"share.acknowledgement.mode": "explicit"})
    calls = []
    c.set_acknowledgement_commit_callback(lambda offsets, exc: calls.append(exc))
    c.subscribe(["t"])
    m = c.poll(1)[0]
    b.state[0] = ["Available", 1, None]                 # as if the lock expired
    c.acknowledge(m)
    result = c.commit_sync()
    (tp, exc), = result.items()
    assert tp.error.code() == 121 and exc.args[0].code() == kafkalab.KafkaError.INVALID_RECORD_STATE
    assert str(exc) == 'KafkaError{code=INVALID_RECORD_STATE,val=121,str="Broker: The record state is invalid"}'
    assert calls == [exc]
    c.close()


def test_crash_closes_the_connection_and_sends_nothing_more(broker):
    b = broker([b"a", b"b"])
    cluster = kafkalab.Cluster(seed=1)
    c = _consumer(cluster)
    c.subscribe(["t"])
    assert c.poll(1).count() == 2
    sent = len(b.requests)
    now = cluster.now_ms
    cluster.crash(c)
    cluster.advance(60_000)
    assert b.closed == [(now + 2, c._name, [c._membership.member_id])]
    assert len(b.requests) == sent                      # no heartbeat, no acknowledgement, no leave
    assert [st[0] for st in b.state.values()] == ["Available", "Available"]
    with pytest.raises(KafkaException):
        c.poll(0)


def test_a_hung_consumer_keeps_heartbeating(broker):
    """librdkafka's background thread heartbeats while the application does not poll: the member stays."""
    b = broker([b"a"])
    cluster = kafkalab.Cluster(seed=1)
    c = _consumer(cluster)
    c.subscribe(["t"])
    assert c.poll(1).count() == 1
    before = sum(1 for api, _ in b.requests if api == "ShareGroupHeartbeat")
    cluster.advance(60_000)
    assert sum(1 for api, _ in b.requests if api == "ShareGroupHeartbeat") - before == 12
    assert b.state[0][0] == "Acquired" and b.closed == []
    c.close()


def test_max_poll_interval_leaves_the_group_and_the_next_poll_rejoins(broker):
    """librdkafka 2.15+ enforces max.poll.interval.ms for share consumers: _MAX_POLL_EXCEEDED, leave (-1), and the
    next poll joins again with epoch 0 under the same member id."""
    b = broker([b"a"])
    cluster = kafkalab.Cluster(seed=1)
    c = _consumer(cluster, **{"max.poll.interval.ms": 10000})
    c.subscribe(["t"])
    assert c.poll(1).count() == 1
    c.poll(8)                               # waiting inside poll does not count
    mark = len(b.requests)
    cluster.advance(10_500)
    beats = [f["member_epoch"] for api, f in b.requests[mark:] if api == "ShareGroupHeartbeat"]
    assert beats[-1] == -1
    cluster.advance(30_000)
    assert [f["member_epoch"] for api, f in b.requests[mark:] if api == "ShareGroupHeartbeat"] == beats
    batch = c.poll(1)
    err = batch[0].error()
    assert err.code() == kafkalab.KafkaError._MAX_POLL_EXCEEDED
    assert err.str().startswith("Application maximum poll interval (10000ms) exceeded by ")
    cluster.advance(10)                     # the rejoin heartbeat reaches the broker
    after = [f for api, f in b.requests[mark:] if api == "ShareGroupHeartbeat"][len(beats):]
    assert after[0]["member_epoch"] == 0 and after[0]["member_id"] == c._membership.member_id
    c.close()


def test_commit_sync_timeout_gives_request_timed_out(broker, monkeypatch):
    b = broker([b"a"])
    cluster = kafkalab.Cluster(seed=1)
    c = _consumer(cluster)
    c.subscribe(["t"])
    assert c.poll(1).count() == 1
    monkeypatch.setitem(apis.HANDLERS, "ShareAcknowledge", lambda cluster, respond, **f: None)   # never answers
    start = cluster.now_ms
    (tp, exc), = c.commit_sync(0.5).items()
    assert cluster.now_ms - start == 500
    assert tp.error.code() == kafkalab.KafkaError.REQUEST_TIMED_OUT and exc.args[0].code() == tp.error.code()
    assert b.state[0][0] == "Acquired"


def test_an_acquired_offset_without_a_record_is_acknowledged_as_gap(broker):
    """A control record inside an acquired range is never handed out; the client sends GAP (0) for it."""
    b = broker([b"a", b"marker", b"c"])
    cluster = kafkalab.Cluster(seed=1)
    real_fetch = b.fetch

    def fetch(cluster, respond, **f):
        def hide_marker(res):
            for part in res.partitions.values():
                for batch in part.records:
                    if batch.base_offset == 1:
                        batch.control = "COMMIT"
            respond(res)
        real_fetch(cluster, hide_marker, **f)
    apis.HANDLERS["ShareFetch"] = fetch
    c = _consumer(cluster)
    c.subscribe(["t"])
    assert [m.offset() for m in c.poll(1)] == [0, 2]
    c.poll(0.1)
    fetch2 = [f for api, f in b.requests if api == "ShareFetch"][1]
    assert fetch2["acknowledgements"] == {("t", 0): [(0, 2, [1, 0, 1])]}
    c.close()


def test_session_error_reopens_the_share_session(broker, monkeypatch):
    b = broker([b"a", b"b"])
    cluster = kafkalab.Cluster(seed=1)
    c = _consumer(cluster, **{"max.poll.records": 1})
    c.subscribe(["t"])
    assert c.poll(1).count() == 1
    real_fetch = b.fetch
    failed = []

    def fetch(cluster, respond, **f):
        if not failed:
            failed.append(f["share_session_epoch"])
            b.requests.append(("ShareFetch", f))
            respond(SimpleNamespace(error_code=122, partitions={}))
            return
        real_fetch(cluster, respond, **f)
    monkeypatch.setitem(apis.HANDLERS, "ShareFetch", fetch)
    calls = []
    c.set_acknowledgement_commit_callback(lambda offsets, exc: calls.append(exc))
    batch = c.poll(1)
    assert [m.offset() for m in batch] == [1]
    epochs = [f["share_session_epoch"] for api, f in b.requests if api == "ShareFetch"]
    assert epochs == [0, 1, 0]
    assert calls[0].args[0].code() == kafkalab.KafkaError.SHARE_SESSION_NOT_FOUND     # the piggybacked ACCEPT failed
    c.close()


def test_calls_from_inside_the_acknowledgement_callback_are_refused(broker):
    broker([b"a"])
    cluster = kafkalab.Cluster(seed=1)
    c = _consumer(cluster)
    seen = []

    def cb(offsets, exc):
        for name, call in (("poll", lambda: c.poll(0)), ("commit_sync", c.commit_sync), ("close", c.close),
                           ("subscribe", lambda: c.subscribe(["t"])), ("subscription", c.subscription)):
            try:
                call()
            except IllegalStateException as e:
                seen.append((name, str(e)))
    c.set_acknowledgement_commit_callback(cb)
    c.subscribe(["t"])
    assert c.poll(1).count() == 1
    c.commit_sync()
    text = "Share consumer methods are not accessible from user-defined acknowledgement commit callback"
    assert seen == [("poll", text), ("commit_sync", text), ("close", text),
                    ("subscribe", "Failed to subscribe: Local: Erroneous state"),
                    ("subscription", "Failed to get subscription: Local: Erroneous state")]
    c.close()
