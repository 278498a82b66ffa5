"""Producer.produce_batch as confluent-kafka 2.16.1's (``src/confluent_kafka/src/Producer.c``, issue 15).

Measured on librdkafka's mock cluster (topic t, 3 partitions) with the installed confluent-kafka:
``produce_batch("t", msgs, 0)`` sends every message to partition 0 even when a dict says ``"partition": 1``
(rd_kafka_produce_batch is called without RD_KAFKA_MSG_F_PARTITION); headers are dropped; a dict's own
``callback`` replaces the batch's; ``callback=`` wins over ``on_delivery=``; with ``partition=7`` (or -5) it returns
0 and every dict gets ``_error`` = ``KafkaError{code=_UNKNOWN_PARTITION,str="Message failed: Local: Unknown
partition"}`` with no delivery report; a full queue (``queue.buffering.max.messages=2``, 4 dicts) returns 2 and marks
the last two ``_QUEUE_FULL`` "Message failed: Local: Queue full" instead of raising BufferError.
"""

from __future__ import annotations

import pytest

import kafkalab

NOWHERE = "localhost:1"


def _cluster():
    cluster = kafkalab.Cluster(seed=1)
    cluster.create_topic("t", partitions=3)
    return cluster


BAD = [
    ([{"value": 1}], TypeError, "Message value at index 0 must be bytes or str"),
    ([{"value": b"x"}, {"key": 3}], TypeError, "Message key at index 1 must be bytes or str"),
    ([1], TypeError, "Message at index 0 must be a dict"),
    (({"value": b"x"},), TypeError, "messages must be a list"),
    ([{"value": b"x", "timestamp": 5}], NotImplementedError, "Message timestamps are not currently supported"),
    ([{"value": b"x", "partition": "1"}], TypeError, "Message partition at index 0 must be int"),
    ([{"value": b"x", "headers": 5}], ValueError, "Invalid headers at index 0"),
]


@pytest.mark.parametrize("messages, exc, text", BAD, ids=[b[2][:30] for b in BAD])
def test_produce_batch_checks_every_dict_first(messages, exc, text):
    """Each wrong dict raises what confluent-kafka raises, before any message is enqueued."""
    ck = pytest.importorskip("confluent_kafka")
    for mod in (ck, kafkalab):
        p = mod.Producer({"bootstrap.servers": NOWHERE})
        with pytest.raises(exc, match=text):
            p.produce_batch("t", messages)
    p = kafkalab.Producer({"bootstrap.servers": _cluster().bootstrap_servers})
    with pytest.raises(exc):
        p.produce_batch("t", [{"value": b"ok"}, *messages] if isinstance(messages, list) else messages)
    assert len(p) == 0


def test_produce_batch_callbacks_and_batch_partition():
    """One partition for the whole batch; per-message ``callback``; ``callback=`` before ``on_delivery=``."""
    cluster = _cluster()
    p = kafkalab.Producer({"bootstrap.servers": cluster.bootstrap_servers})
    seen = []
    tagged = lambda tag: lambda err, msg: seen.append((tag, err, msg.partition(), msg.value(), msg.headers()))  # noqa: E731
    msgs = [{"value": b"a"}, {"value": "b", "partition": 1, "headers": [("h", b"1")]},
            {"value": b"c", "callback": tagged("own")}]
    assert p.produce_batch("t", msgs, 0, on_delivery=tagged("batch")) == 3
    assert p.produce_batch("t", [{"value": b"d"}], 2, callback=tagged("cb"), on_delivery=tagged("od")) == 1
    p.flush()
    assert seen == [("batch", None, 0, b"a", None), ("batch", None, 0, b"b", None), ("own", None, 0, b"c", None),
                    ("cb", None, 2, b"d", None)]
    assert all("_error" not in m for m in msgs)


@pytest.mark.parametrize("partition", [7, -5])
def test_produce_batch_failed_messages_get_error_and_no_report(partition):
    cluster = _cluster()
    p = kafkalab.Producer({"bootstrap.servers": cluster.bootstrap_servers})
    seen = []
    msgs = [{"value": b"x"}, {"value": b"y", "callback": lambda e, m: seen.append(m)}]
    assert p.produce_batch("t", msgs, partition, on_delivery=lambda e, m: seen.append(m)) == 0
    for m in msgs:
        err = m["_error"]
        assert isinstance(err, kafkalab.KafkaError)
        assert (err.code(), err.str()) == (kafkalab.KafkaError._UNKNOWN_PARTITION,
                                           "Message failed: Local: Unknown partition")
    p.flush()
    assert seen == []


def test_produce_batch_full_queue_marks_the_rest():
    cluster = _cluster()
    p = kafkalab.Producer({"bootstrap.servers": cluster.bootstrap_servers, "queue.buffering.max.messages": 2})
    msgs = [{"value": b"%d" % i} for i in range(4)]
    assert p.produce_batch("t", msgs) == 2
    assert ["_error" in m for m in msgs] == [False, False, True, True]
    assert (msgs[2]["_error"].code(), msgs[2]["_error"].str()) == (kafkalab.KafkaError._QUEUE_FULL,
                                                                   "Message failed: Local: Queue full")


def test_produce_batch_empty_and_closed():
    """An empty list returns 0 even on a closed producer; a non-empty one raises RuntimeError (Producer.c)."""
    ck = pytest.importorskip("confluent_kafka")
    for mod in (ck, kafkalab):
        p = mod.Producer({"bootstrap.servers": NOWHERE})
        p.close()
        assert p.produce_batch("t", []) == 0
        with pytest.raises(RuntimeError, match=r"^Producer has been closed$"):
            p.produce_batch("t", [{"value": b"x"}])
