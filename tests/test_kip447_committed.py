"""Consumer.committed() while an open transaction holds offsets for the group (KIP-447, require_stable).

librdkafka facts (sources at librdkafka 2.16): ``rd_kafka_committed`` (src/rdkafka.c) sends the OffsetFetch
with ``require_stable_offsets = isolation.level == read_committed`` and returns ``_TIMED_OUT`` when no final
answer arrives within the call's timeout; ``rd_kafka_handle_OffsetFetch`` (src/rdkafka_request.c) counts
partitions answered ``UNSTABLE_OFFSET_COMMIT`` and retries the request (``rd_kafka_buf_retry``, up to
``RD_KAFKA_REQUEST_MAX_RETRIES`` = INT_MAX, every ``retry.backoff.ms``). confluent-kafka's
``Consumer.committed`` raises ``KafkaException`` "Failed to get committed offsets: <err2str>". librdkafka's
mock cluster does not implement ``require_stable`` (no UNSTABLE_OFFSET_COMMIT in rdkafka_mock_handlers.c),
so these are checked against the sources, not a mock run.
"""

from __future__ import annotations

import pytest

import kafkalab
from kafkalab import Consumer, KafkaError, KafkaException, Producer, TopicPartition


def _setup(isolation: str = "read_committed"):
    cluster = kafkalab.Cluster(seed=7)
    cluster.create_topic("t", 1)
    conf = {"bootstrap.servers": cluster.bootstrap_servers}
    Consumer({**conf, "group.id": "app"}).commit(offsets=[TopicPartition("t", 0, 2)], asynchronous=False)
    producer = Producer({**conf, "transactional.id": "tx", "transaction.timeout.ms": 60_000})
    producer.init_transactions()
    producer.begin_transaction()
    meta = Consumer({**conf, "group.id": "app"}).consumer_group_metadata()
    producer.send_offsets_to_transaction([TopicPartition("t", 0, 6)], meta)
    reader = Consumer({**conf, "group.id": "app", "isolation.level": isolation})
    return cluster, producer, reader


def test_committed_times_out_while_a_transaction_holds_the_groups_offsets():
    """read_committed: UNSTABLE_OFFSET_COMMIT is retried until the call's timeout, then _TIMED_OUT
    (kafkalab answered at once before, without waiting)."""
    cluster, _, reader = _setup()
    start = cluster.now_ms
    with pytest.raises(KafkaException) as info:
        reader.committed([TopicPartition("t", 0)], timeout=2.0)
    err = info.value.args[0]
    assert err.code() == KafkaError._TIMED_OUT
    assert err.str() == "Failed to get committed offsets: Local: Timed out"
    assert cluster.now_ms - start == 2_000                 # the whole timeout, in virtual time


@pytest.mark.parametrize("commit", [True, False])
def test_committed_answers_once_the_transaction_ends(commit):
    """The retries stop when the transaction ends: its offsets after a commit, the older one after an abort."""
    _, producer, reader = _setup()
    (producer.commit_transaction if commit else producer.abort_transaction)()
    assert reader.committed([TopicPartition("t", 0)], timeout=2.0)[0].offset == (6 if commit else 2)


def test_committed_without_timeout_waits_for_the_transaction_timeout():
    """No timeout: the call waits until the coordinator aborts the transaction: transaction.timeout.ms
    (60 s) is checked every transaction.abort.timed.out.transaction.cleanup.interval.ms (10 s)."""
    cluster, _, reader = _setup()
    start = cluster.now_ms
    assert reader.committed([TopicPartition("t", 0)])[0].offset == 2
    assert 60_000 <= cluster.now_ms - start <= 71_000


def test_committed_read_uncommitted_does_not_ask_for_stable_offsets():
    """read_uncommitted: no require_stable, the last committed offset comes back at once."""
    cluster, _, reader = _setup("read_uncommitted")
    start = cluster.now_ms
    assert reader.committed([TopicPartition("t", 0)], timeout=2.0)[0].offset == 2
    assert cluster.now_ms - start < 100
