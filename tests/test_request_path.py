"""ClientBase._request: the one request path (latency both ways, lost/late replies, timeouts, admin instant).

The broker side is a stub ``apis`` module here, so these tests pin the client half of the contract
(/work/coord/s3/CONTRACT.md, issue 16) whatever the handlers do.
"""

import pytest

import kafkalab
from kafkalab import KafkaException, Producer
from kafkalab.admin import AdminClient
from kafkalab.client import base


class _StubApis:
    """Records each request's arrival and answers as told: now, with an extra delay, later, or never."""

    def __init__(self, clock):
        self.clock = clock
        self.arrivals = []
        self.held = []
        self.mode = "now"
        self.extra = 0

    def handle(self, cluster, api, respond, /, **fields):
        self.arrivals.append((self.clock.now_ms, api, fields))
        if self.mode == "now":
            respond((api, fields), extra_delay_ms=self.extra)
        elif self.mode == "hold":
            self.held.append(respond)
            return _Handle()
        return None


class _Handle:
    cancelled = False

    def cancel(self):
        self.cancelled = True


@pytest.fixture
def stub(cluster, monkeypatch):
    apis = _StubApis(cluster.clock)
    monkeypatch.setattr(base, "_apis", apis)
    return apis


def _client(cluster, **conf):
    return Producer({"bootstrap.servers": cluster.bootstrap_servers, "kafkalab.request.latency.ms": 3, **conf})


def test_request_arrives_after_latency_and_reply_comes_back_after_latency(cluster, stub):
    c = _client(cluster)
    got = []
    req = c._request("ListOffsets", lambda resp: got.append((cluster.clock.now_ms, resp)), partitions=["t"])
    assert stub.arrivals == [] and not req.done
    cluster.advance(3)
    assert stub.arrivals == [(3, "ListOffsets", {"partitions": ["t"]})] and got == []
    cluster.advance(3)
    assert got == [(6, ("ListOffsets", {"partitions": ["t"]}))] and req.done
    assert req.response == ("ListOffsets", {"partitions": ["t"]})


def test_extra_delay_and_fire_and_forget(cluster, stub):
    c = _client(cluster)
    got = []
    stub.extra = 10
    c._request("Produce", lambda resp: got.append(cluster.clock.now_ms))
    c._request("LeaveGroup", None)
    cluster.advance(100)
    assert got == [16] and len(stub.arrivals) == 2


def test_crash_drops_the_reply_but_the_request_still_arrives(cluster, stub):
    c = _client(cluster)
    got = []
    c._request("Produce", got.append)
    cluster.crash(c)
    cluster.advance(10)
    assert len(stub.arrivals) == 1 and got == []


def test_timeout_only_when_the_reply_would_not_arrive_in_time(cluster, stub):
    c = _client(cluster)
    fired = []
    ok = c._request("Produce", lambda r: fired.append(("reply", cluster.clock.now_ms)))
    ok.set_timeout(50, fired.append, "timeout-ok")
    cluster.advance(3)
    assert ok.timer is None         # answered in time: no timer was ever armed
    stub.mode = "lose"
    lost = c._request("Produce", lambda r: fired.append("lost reply"))
    lost.set_timeout(40, lambda: fired.append(("timeout", cluster.clock.now_ms)))
    cluster.advance(100)
    assert fired == [("reply", 6), ("timeout", 40)]


def test_late_reply_arms_the_timeout_first(cluster, stub):
    """A reply due exactly at the deadline loses to the timeout (armed before the reply is scheduled)."""
    c = _client(cluster)
    order = []
    stub.extra = 4
    req = c._request("Produce", lambda r: order.append("reply"))
    req.set_timeout(10, order.append, "timeout")
    cluster.advance(20)
    assert order == ["timeout", "reply"]


def test_held_request_answered_in_time_cancels_its_timeout(cluster, stub):
    c = _client(cluster)
    order = []
    stub.mode = "hold"
    req = c._request("Fetch", lambda r: order.append(("reply", cluster.clock.now_ms)))
    req.set_timeout(30, order.append, "timeout")
    cluster.advance(5)
    assert req.timer is not None
    stub.held.pop()("data")
    cluster.advance(50)
    assert order == [("reply", 8)]


def test_cancel_withdraws_a_request_on_the_wire_and_cancels_a_held_one(cluster, stub):
    c = _client(cluster)
    got = []
    early = c._request("Fetch", got.append)
    early.cancel()
    cluster.advance(5)
    assert stub.arrivals == []
    stub.mode = "hold"
    held = c._request("Fetch", got.append)
    cluster.advance(5)
    handle = held.handle
    held.cancel()
    assert handle.cancelled
    stub.held.pop()("late")
    cluster.advance(10)
    assert got == []


def test_roundtrip_waits_for_the_reply_and_finishes_its_millisecond(cluster, stub):
    c = _client(cluster)
    later = []
    cluster.clock.call_at(6, later.append, "same ms")
    assert c._roundtrip("ListOffsets", partitions=[("t", 0)]) == ("ListOffsets", {"partitions": [("t", 0)]})
    assert cluster.clock.now_ms == 6 and later == ["same ms"]


def test_roundtrip_raises_when_the_client_dies_waiting(cluster, stub):
    c = _client(cluster)
    stub.mode = "lose"
    cluster.clock.call_at(4, cluster.crash, c)
    with pytest.raises(KafkaException) as info:
        c._roundtrip("OffsetFetch", group_id="g")
    assert info.value.args[0].code() == kafkalab.KafkaError._DESTROY


def test_admin_client_is_instant(cluster, stub):
    admin = AdminClient({"bootstrap.servers": cluster.bootstrap_servers})
    got = []
    req = admin._request("DescribeCluster", got.append)
    assert got == [("DescribeCluster", {})] and req.done and cluster.clock.now_ms == 0
    assert admin._roundtrip("Metadata", topics=None) == ("Metadata", {"topics": None})
    assert cluster.clock.now_ms == 0


def test_metadata_and_idempotent_init_producer_id_are_instant_for_every_client(cluster, stub):
    """base.is_instant: the one exception to the latency, besides the admin client."""
    c = _client(cluster)
    assert c._roundtrip("Metadata", topics=["t"]) == ("Metadata", {"topics": ["t"]})
    assert c._roundtrip("InitProducerId", transactional_id=None)[0] == "InitProducerId"
    assert cluster.clock.now_ms == 0
    c._request("InitProducerId", None, transactional_id="tx")
    assert [a[1] for a in stub.arrivals] == ["Metadata", "InitProducerId"]
    cluster.advance(3)
    assert len(stub.arrivals) == 3
