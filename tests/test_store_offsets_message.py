"""Consumer.store_offsets(message=m) for a message whose offset() is None, as confluent-kafka 2.16.1 (issue 15).

confluent-kafka's ``Consumer_store_offsets`` (Consumer.c) stores the Message's raw offset + 1, and an unset offset is
-1001, so it stores -1000: a logical offset, which librdkafka's ``rd_kafka_offset_store0`` (rdkafka_offset.h) stores
without the assignment check, replacing the stored offset. Measured on librdkafka's mock cluster (topic t, one
partition, enable.auto.offset.store=false, enable.auto.commit=false; consumed offsets 0..2):
``store_offsets(msgs[1])`` then ``store_offsets(message=Message("t", 0))`` returns None and the next
``commit(asynchronous=False)`` raises _NO_OFFSET "Commit failed: Local: No offset stored"; ``Message("t", 3)``
(an unassigned partition, offset None) returns None while ``Message("t", 3, 4)`` raises _STATE "StoreOffsets failed:
Local: Erroneous state"; a message with an error raises _INVALID_ARG "Cannot store offsets for message with error:
'Broker: No more messages'". kafkalab raised TypeError (None + 1).
"""

from __future__ import annotations

import pytest

import kafkalab
from kafkalab import KafkaError, KafkaException, Message, TopicPartition


def _consumer():
    cluster = kafkalab.Cluster(seed=1)
    cluster.create_topic("t", partitions=1)
    p = kafkalab.Producer({"bootstrap.servers": cluster.bootstrap_servers})
    for i in range(5):
        p.produce("t", b"%d" % i, partition=0)
    p.flush()
    c = kafkalab.Consumer({"bootstrap.servers": cluster.bootstrap_servers, "group.id": "g",
                           "enable.auto.offset.store": False, "enable.auto.commit": False,
                           "auto.offset.reset": "earliest"})
    c.assign([TopicPartition("t", 0)])
    msgs = c.consume(3, 10)
    assert [m.offset() for m in msgs] == [0, 1, 2]
    return c, msgs


def _code_text(excinfo) -> tuple[int, str]:
    err = excinfo.value.args[0]
    return err.code(), err.str()


def test_message_without_offset_stores_a_logical_offset():
    c, msgs = _consumer()
    c.store_offsets(msgs[1])
    assert c.store_offsets(message=Message("t", 0)) is None
    with pytest.raises(KafkaException) as exc:
        c.commit(asynchronous=False)
    assert _code_text(exc) == (KafkaError._NO_OFFSET, "Commit failed: Local: No offset stored")
    c.store_offsets(msgs[2])
    assert [tp.offset for tp in c.commit(asynchronous=False)] == [3]
    assert c.store_offsets(message=Message("t")) is None          # partition None: a logical store, no effect
    c.store_offsets(msgs[2])
    c.close()


def test_logical_offset_skips_the_assignment_check_but_a_real_one_does_not():
    c, _ = _consumer()
    assert c.store_offsets(message=Message("t", 3)) is None
    with pytest.raises(KafkaException) as exc:
        c.store_offsets(message=Message("t", 3, 4))
    assert _code_text(exc) == (KafkaError._STATE, "StoreOffsets failed: Local: Erroneous state")
    with pytest.raises(KafkaException) as exc:
        c.store_offsets(message=Message("u", 0, 4))
    assert _code_text(exc) == (KafkaError._UNKNOWN_PARTITION, "StoreOffsets failed: Local: Unknown partition")
    c.close()


def test_one_good_entry_is_enough():
    """``rd_kafka_offsets_store`` stores each entry and fails only when none could be stored."""
    c, _ = _consumer()
    assert c.store_offsets(offsets=[TopicPartition("t", 3, 4), TopicPartition("t", 0, 2)]) is None
    assert [tp.offset for tp in c.commit(asynchronous=False)] == [2]
    c.close()


def test_argument_checks_as_confluent_kafka():
    """Checked before the offset store (so also with the auto store on): the same types and texts as the real one."""
    ck = pytest.importorskip("confluent_kafka")
    for mod in (ck, kafkalab):
        c = mod.Consumer({"bootstrap.servers": "localhost:1", "group.id": "g"})
        with pytest.raises(ValueError, match=r"^expected either message or offsets$"):
            c.store_offsets()
        with pytest.raises(ValueError, match=r"^message and offsets are mutually exclusive$"):
            c.store_offsets(message=mod.Message("t", 0, 1), offsets=[mod.TopicPartition("t", 0, 1)])
        with pytest.raises(TypeError, match=r"^expected confluent_kafka\.cimpl\.Message$"):
            c.store_offsets(message=5)
        bad = mod.Message("t", 0, 1, None, None, None, mod.KafkaError(mod.KafkaError._PARTITION_EOF))
        with pytest.raises(mod.KafkaException) as exc:
            c.store_offsets(message=bad)
        assert _code_text(exc) == (mod.KafkaError._INVALID_ARG,
                                   "Cannot store offsets for message with error: 'Broker: No more messages'")
        c.close()
