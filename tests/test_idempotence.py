"""Produce faults, retries in virtual time, and the idempotent producer (KIP-98, reference §2.3-2.4)."""

from __future__ import annotations

import pytest

import kafkalab
from kafkalab import KafkaException, Producer
from kafkalab.broker.log import PartitionLog
from kafkalab.broker.producer_state import ProducerStateError, next_sequence
from kafkalab.errors import ERR


def _produce(conf: dict, values: list[bytes], **extra) -> tuple[Producer, list]:
    reports: list = []
    producer = Producer({**conf, **extra})
    for v in values:
        producer.produce("t", v, partition=0, on_delivery=lambda err, msg: reports.append((err, msg.offset())))
    producer.flush()
    return producer, reports


def _values(cluster: kafkalab.Cluster) -> list[bytes]:
    return [r[1] for b in cluster.partition("t", 0).batches() for r in b.records]


@pytest.fixture
def topic(cluster: kafkalab.Cluster) -> str:
    cluster.create_topic("t", 1)
    return "t"


def test_lost_ack_without_idempotence_writes_duplicate(cluster, conf, topic):
    """A lost produce response makes a plain producer retry and write the record twice."""
    cluster.lose_produce_response("t")
    _, reports = _produce(conf, [b"x"])
    assert _values(cluster) == [b"x", b"x"]
    assert reports == [(None, 1)]
    kinds = [e.kind for e in cluster.trace if e.kind.startswith(("produce_", "append", "fault"))]
    assert kinds == ["fault_armed", "append", "produce_response_lost", "produce_retry", "append"]
    retry = cluster.trace.last("produce_retry")
    assert (retry.time_ms, retry["error"], retry["attempt"]) == (60_000, "_TIMED_OUT", 2)  # flush() sends at once


def test_lost_ack_with_idempotence_is_deduplicated(cluster, conf, topic):
    """With enable.idempotence the retry is recognised and answered with the original offset."""
    cluster.lose_produce_response("t")
    producer, reports = _produce(conf, [b"x"], **{"enable.idempotence": True})
    assert _values(cluster) == [b"x"]
    assert reports == [(None, 0)]
    dup = cluster.trace.last("produce_duplicate")
    assert (dup["producer_id"], dup["base_sequence"], dup["base_offset"]) == (producer.producer_id, 0, 0)


def test_delayed_response_past_request_timeout_duplicates(cluster, conf, topic):
    """A response delayed past socket.timeout.ms is ignored; the retry duplicates without idempotence."""
    cluster.delay_produce_response(5_000, "t")
    _, reports = _produce(conf, [b"x"], **{"socket.timeout.ms": 1_000})
    assert _values(cluster) == [b"x", b"x"]
    assert reports == [(None, 1)]
    assert cluster.trace.last("produce_response_delayed")["delay_ms"] == 5_000


def test_fail_produce_retriable_is_retried_with_backoff(cluster, conf, topic):
    """A retriable broker error is retried after retry.backoff.ms, doubling each time."""
    cluster.fail_produce("NOT_ENOUGH_REPLICAS", "t", count=2)
    _, reports = _produce(conf, [b"x"])
    assert reports == [(None, 0)]
    retries = cluster.trace.events("produce_retry")
    assert [(e["attempt"], e["backoff_ms"], e["error"]) for e in retries] == [
        (2, 100, "NOT_ENOUGH_REPLICAS"), (3, 200, "NOT_ENOUGH_REPLICAS")]


def test_fail_produce_not_retriable_fails_delivery(cluster, conf, topic):
    """A non-retriable error reaches the delivery report and nothing is written."""
    cluster.fail_produce("MSG_SIZE_TOO_LARGE", "t")
    _, reports = _produce(conf, [b"x"])
    assert [(err.name(), off) for err, off in reports] == [("MSG_SIZE_TOO_LARGE", None)]   # offset() of -1001
    assert _values(cluster) == []


def test_retries_exhausted_report_last_error(cluster, conf, topic):
    """After message.send.max.retries retries the last broker error is reported."""
    cluster.fail_produce("NOT_LEADER_FOR_PARTITION", "t", count=10)
    _, reports = _produce(conf, [b"x"], retries=2)
    assert [err.name() for err, _ in reports] == ["NOT_LEADER_FOR_PARTITION"]
    assert len(cluster.trace.events("produce_retry")) == 2


def test_message_timeout_reports_msg_timed_out(cluster, conf, topic):
    """Retrying past message.timeout.ms fails the message with _MSG_TIMED_OUT."""
    cluster.fail_produce("NOT_ENOUGH_REPLICAS", "t", count=1_000)
    _, reports = _produce(conf, [b"x"], **{"message.timeout.ms": 3_000})
    err = reports[0][0]
    assert (err.code(), err.str()) == (ERR._MSG_TIMED_OUT, "Local: Message timed out")
    assert cluster.trace.last("message_timed_out").time_ms == 3_000


def test_retry_reorders_without_idempotence_and_not_with_it(cluster, conf):
    """A failed first batch overtaken by later in-flight batches reorders, unless idempotent."""
    for idempotent, topic_name in ((False, "plain"), (True, "idem")):
        cluster.create_topic(topic_name, 1)
        cluster.fail_produce("NOT_ENOUGH_REPLICAS", topic_name)
        producer = Producer({**conf, "batch.num.messages": 1, "enable.idempotence": idempotent})
        for v in (b"a", b"b", b"c"):
            producer.produce(topic_name, v, partition=0)
        producer.flush()
        got = [r[1] for b in cluster.partition(topic_name, 0).batches() for r in b.records]
        assert got == ([b"b", b"c", b"a"] if not idempotent else [b"a", b"b", b"c"])


def test_idempotent_producer_restart_duplicates(cluster, conf, topic):
    """A restarted idempotent producer gets a new producer id, so resending duplicates (the lesson)."""
    first, _ = _produce(conf, [b"order-1"], **{"enable.idempotence": True})
    cluster.crash(first)
    second, _ = _produce(conf, [b"order-1"], **{"enable.idempotence": True})
    assert _values(cluster) == [b"order-1", b"order-1"]
    assert (first.producer_id, second.producer_id) == (0, 1)
    assert [e["producer_id"] for e in cluster.trace.events("producer_id_assigned")] == [0, 1]


def test_idempotence_config_conflicts_refused(conf):
    """Conflicting settings are refused with librdkafka's texts."""
    with pytest.raises(KafkaException) as exc:
        Producer({**conf, "enable.idempotence": True, "acks": 1})
    assert str(exc.value.args[0].str()) == \
        "Failed to create producer: `acks` must be set to `all` when `enable.idempotence` is true"
    with pytest.raises(KafkaException, match=r"requires `enable\.idempotence=true`"):
        Producer({**conf, "transactional.id": "x", "enable.idempotence": False})


def _log(cluster: kafkalab.Cluster) -> PartitionLog:
    cluster.create_topic("s", 1)
    return cluster.partition("s", 0)


def test_producer_state_out_of_order_sequence(cluster):
    """A sequence gap is refused with OUT_OF_ORDER_SEQUENCE_NUMBER and nothing is appended."""
    log = _log(cluster)
    log.append([(None, b"a", 0, None)], producer_id=7, producer_epoch=0, base_sequence=0)
    with pytest.raises(ProducerStateError) as exc:
        log.append([(None, b"c", 0, None)], producer_id=7, producer_epoch=0, base_sequence=2)
    assert exc.value.code == ERR.OUT_OF_ORDER_SEQUENCE_NUMBER
    assert "2 (incoming seq. number), 1 (expected seq. number)" in exc.value.message
    assert log.log_end_offset == 1


def test_producer_state_keeps_last_five_batches(cluster):
    """Only the last 5 batches are remembered: an older resend is out of order, not a duplicate."""
    log = _log(cluster)
    for seq in range(6):
        log.append([(None, b"v%d" % seq, 0, None)], producer_id=7, producer_epoch=0, base_sequence=seq)
    dup = log.append([(None, b"v1", 0, None)], producer_id=7, producer_epoch=0, base_sequence=1)
    assert (dup.base_offset, log.log_end_offset) == (1, 6)
    with pytest.raises(ProducerStateError) as exc:
        log.append([(None, b"v0", 0, None)], producer_id=7, producer_epoch=0, base_sequence=0)
    assert exc.value.code == ERR.OUT_OF_ORDER_SEQUENCE_NUMBER


def test_producer_state_old_epoch_is_fenced(cluster):
    """A batch with an epoch older than the newest seen is refused with INVALID_PRODUCER_EPOCH."""
    log = _log(cluster)
    log.append([(None, b"a", 0, None)], producer_id=7, producer_epoch=1, base_sequence=0)
    with pytest.raises(ProducerStateError) as exc:
        log.append([(None, b"z", 0, None)], producer_id=7, producer_epoch=0, base_sequence=1)
    assert exc.value.code == ERR.INVALID_PRODUCER_EPOCH
    log.append([(None, b"b", 0, None)], producer_id=7, producer_epoch=2, base_sequence=0)
    assert log.producer_states[7].producer_epoch == 2


def test_producer_state_sequence_wraps():
    """Sequences wrap from 2^31-1 to 0."""
    assert next_sequence(2**31 - 2, 3) == 1


def test_fault_verbs_validate_arguments(cluster, topic):
    """Fault verbs refuse unknown topics, bad partitions, counts and error names."""
    with pytest.raises(ValueError, match="unknown topic 'nope'"):
        cluster.lose_produce_response("nope")
    with pytest.raises(ValueError, match=r"has partitions 0\.\.0, got partition=3"):
        cluster.fail_produce("NOT_ENOUGH_REPLICAS", "t", 3)
    with pytest.raises(ValueError, match="count must be >= 1"):
        cluster.delay_produce_response(10, count=0)
    with pytest.raises(ValueError, match="not a broker error name"):
        cluster.fail_produce("_MSG_TIMED_OUT")
    with pytest.raises(TypeError, match="ms must be an int"):
        cluster.delay_produce_response(1.5)
    cluster.fail_produce("REQUEST_TIMED_OUT", count=2)
    assert len(cluster.produce_faults()) == 1
    assert cluster.clear_produce_faults() == 1 and cluster.produce_faults() == []
