"""Transactions: markers and offsets (§5.3), LSO, fencing, timeouts, pending offsets, error classes."""

from __future__ import annotations

import pytest

import kafkalab
from kafkalab import Consumer, KafkaException, Producer, TopicPartition
from kafkalab.broker.cluster import partition_for
from kafkalab.broker.transactions import transaction_coordinator
from kafkalab.client.group_admin import describe_groups_text
from kafkalab.errors import ERR


@pytest.fixture
def topic(cluster: kafkalab.Cluster) -> str:
    cluster.create_topic("t", 1)
    return "t"


def _txn_producer(conf: dict, txn_id: str = "tx", **extra) -> Producer:
    producer = Producer({**conf, "transactional.id": txn_id, **extra})
    producer.init_transactions()
    return producer


def _consumer(conf: dict, isolation: str = "read_committed", group: str = "g") -> Consumer:
    consumer = Consumer({**conf, "group.id": group, "auto.offset.reset": "earliest", "enable.auto.commit": False,
                         "isolation.level": isolation})
    consumer.assign([TopicPartition("t", 0)])
    return consumer


def _drain(consumer: Consumer) -> list[tuple[int, bytes]]:
    out = []
    while (msg := consumer.poll(0.5)) is not None:
        if msg.error() is None:
            out.append((msg.offset(), msg.value()))
    return out


def _commit_then_abort(conf: dict) -> Producer:
    producer = _txn_producer(conf)
    producer.begin_transaction()
    for i in range(2):
        producer.produce("t", b"c%d" % i, partition=0)
    producer.commit_transaction()
    producer.begin_transaction()
    for i in range(3):
        producer.produce("t", b"a%d" % i, partition=0)
    producer.flush()
    producer.abort_transaction()
    return producer


def test_transactions_markers_take_one_offset_each(cluster, conf, topic):
    """Commit of 2 -> records 0,1 and COMMIT at 2; abort of 3 -> records 3,4,5 and ABORT at 6."""
    _commit_then_abort(conf)
    cluster.advance(10)
    log = cluster.partition("t", 0)
    layout = [(b.base_offset, b.last_offset, b.control) for b in log.batches()]
    assert layout == [(0, 1, None), (2, 2, "COMMIT"), (3, 5, None), (6, 6, "ABORT")]
    assert (log.last_stable_offset, log.high_watermark, log.aborted) == (7, 7, [(0, 3, 6)])


def test_transactions_read_committed_skips_aborted_and_markers(cluster, conf, topic):
    """read_committed gets 0 and 1 only; position() steps over the markers to 7."""
    _commit_then_abort(conf)
    consumer = _consumer(conf)
    assert _drain(consumer) == [(0, b"c0"), (1, b"c1")]
    assert consumer.position([TopicPartition("t", 0)])[0].offset == 7


def test_transactions_read_uncommitted_sees_aborted_records(cluster, conf, topic):
    """read_uncommitted gets the aborted records too, never the markers (gaps at 2 and 6)."""
    _commit_then_abort(conf)
    consumer = _consumer(conf, "read_uncommitted")
    assert [o for o, _ in _drain(consumer)] == [0, 1, 3, 4, 5]


def test_transactions_open_transaction_holds_back_later_records(cluster, conf, topic):
    """An open transaction stops read_committed at its first offset, non-transactional records included."""
    txn = _txn_producer(conf)
    txn.begin_transaction()
    txn.produce("t", b"open", partition=0)
    txn.flush()
    plain = Producer(conf)
    plain.produce("t", b"plain", partition=0)
    plain.flush()
    committed_reader, uncommitted_reader = _consumer(conf), _consumer(conf, "read_uncommitted", group="g2")
    assert _drain(committed_reader) == []
    assert committed_reader.get_watermark_offsets(TopicPartition("t", 0)) == (0, 0)
    assert _drain(uncommitted_reader) == [(0, b"open"), (1, b"plain")]
    txn.commit_transaction()
    assert _drain(committed_reader) == [(0, b"open"), (1, b"plain")]
    assert committed_reader.get_watermark_offsets(TopicPartition("t", 0)) == (0, 3)


def test_transactions_init_fences_older_instance(cluster, conf, topic):
    """A new instance's init_transactions aborts the old one's transaction and fences it (_FENCED, fatal)."""
    old = _txn_producer(conf)
    old.begin_transaction()
    old.produce("t", b"zombie", partition=0)
    old.flush()
    new = _txn_producer(conf)
    assert (old.producer_id, old.producer_epoch, new.producer_id, new.producer_epoch) == (0, 0, 0, 2)
    log = cluster.partition("t", 0)
    assert [(b.control, b.producer_epoch) for b in log.batches()] == [(None, 0), ("ABORT", 1)]
    with pytest.raises(KafkaException) as exc:
        old.commit_transaction()
    err = exc.value.args[0]
    assert (err.code(), err.fatal(), err.retriable(), err.txn_requires_abort()) == (ERR._FENCED, True, False, False)
    states = [e["new"] for e in cluster.trace.events("txn_state", transactional_id="tx")]
    assert states == ["Empty", "Ongoing", "PrepareEpochFence", "PrepareAbort", "CompleteAbort", "Empty"]
    with pytest.raises(KafkaException) as exc:
        old.begin_transaction()
    assert exc.value.args[0].fatal()


def test_transactions_zombie_produce_is_rejected(cluster, conf, topic):
    """A fenced instance's later batch is refused by the partition and never becomes readable."""
    old = _txn_producer(conf)
    old.begin_transaction()
    old.produce("t", b"first", partition=0)
    old.flush()
    _txn_producer(conf)
    old.produce("t", b"late", partition=0)
    with pytest.raises(KafkaException) as exc:
        old.commit_transaction()
    assert exc.value.args[0].code() == ERR._FENCED
    assert [r[1] for b in cluster.partition("t", 0).batches() if not b.control for r in b.records] == [b"first"]
    assert cluster.trace.last("produce_failed")["error"] == "INVALID_PRODUCER_EPOCH"


def test_transactions_offsets_visible_only_after_commit(cluster, conf, topic):
    """Offsets sent in a transaction are pending until the COMMIT marker; an abort discards them."""
    offsets = cluster.group_coordinator.offsets
    consumer = _consumer(conf, group="app")
    producer = _txn_producer(conf)
    for commit in (False, True):
        producer.begin_transaction()
        producer.produce("t", b"out", partition=0)
        producer.send_offsets_to_transaction([TopicPartition("t", 0, 5)], consumer.consumer_group_metadata())
        assert offsets.fetch("app", [("t", 0)])[("t", 0)] is None
        (producer.commit_transaction if commit else producer.abort_transaction)()
        cluster.advance(10)
        committed = offsets.fetch("app", [("t", 0)])[("t", 0)]
        assert (committed.offset if committed else None) == (5 if commit else None)
    assert [e.kind for e in cluster.trace if e.kind.startswith("txn_offsets")] == [
        "txn_offsets_pending", "txn_offsets_discarded", "txn_offsets_pending"]
    assert consumer.committed([TopicPartition("t", 0)])[0].offset == 5


def test_transactions_stale_group_metadata_is_fenced(cluster, conf, topic):
    """KIP-447: offsets sent with an old generation are refused; the error requires an abort."""
    member = Consumer({**conf, "group.id": "grp", "auto.offset.reset": "earliest", "enable.auto.commit": False})
    member.subscribe(["t"])
    member.poll(5)
    stale = member.consumer_group_metadata()
    other = Consumer({**conf, "group.id": "grp", "enable.auto.commit": False})
    other.subscribe(["t"])
    for _ in range(10):
        member.poll(1)
        other.poll(1)
    assert member.consumer_group_metadata().generation_id > stale.generation_id >= 1
    producer = _txn_producer(conf)
    producer.begin_transaction()
    with pytest.raises(KafkaException) as exc:
        producer.send_offsets_to_transaction([TopicPartition("t", 0, 1)], stale)
    err = exc.value.args[0]
    assert (err.code(), err.txn_requires_abort(), err.fatal()) == (ERR.ILLEGAL_GENERATION, True, False)
    producer.abort_transaction()
    producer.begin_transaction()


def test_transactions_coordinator_aborts_after_timeout(cluster, conf, topic):
    """A transaction open longer than transaction.timeout.ms is aborted by the coordinator and fenced."""
    producer = _txn_producer(conf, **{"transaction.timeout.ms": 5_000})
    producer.begin_transaction()
    producer.produce("t", b"slow", partition=0)
    producer.flush()
    cluster.advance(20_000)
    fence = cluster.trace.last("txn_state", new="PrepareEpochFence")
    # checked every transaction.abort.timed.out.transaction.cleanup.interval.ms (10 s) from the first AddPartitions
    assert fence.time_ms == 10_006 and "transaction.timeout.ms=5000 expired" in fence.reason
    assert cluster.partition("t", 0).batches()[-1].control == "ABORT"
    with pytest.raises(KafkaException) as exc:
        producer.commit_transaction()
    assert (exc.value.args[0].code(), exc.value.args[0].fatal()) == (ERR._FENCED, True)


def test_transactions_timeout_above_broker_maximum_is_refused(cluster, conf, topic):
    """transaction.timeout.ms above transaction.max.timeout.ms fails init_transactions fatally."""
    producer = Producer({**conf, "transactional.id": "tx", "transaction.timeout.ms": 1_000_000})
    with pytest.raises(KafkaException) as exc:
        producer.init_transactions()
    err = exc.value.args[0]
    assert (err.code(), err.fatal()) == (ERR.INVALID_TRANSACTION_TIMEOUT, True)


def test_transactions_api_without_transactional_id_not_configured(cluster, conf, topic):
    """Every transactional call without transactional.id raises _NOT_CONFIGURED with librdkafka's text."""
    producer = Producer(conf)
    for call in (producer.init_transactions, producer.begin_transaction, producer.commit_transaction,
                 producer.abort_transaction):
        with pytest.raises(KafkaException) as exc:
            call()
        assert str(exc.value) == ('KafkaError{code=_NOT_CONFIGURED,val=-145,str="The Transactional API requires '
                                  'transactional.id to be configured"}')


def test_transactions_wrong_order_raises_state(cluster, conf, topic):
    """Calls in the wrong order raise _STATE with librdkafka's state names, and are not retriable."""
    producer = Producer({**conf, "transactional.id": "tx"})
    with pytest.raises(KafkaException, match="Operation not valid in state Init"):
        producer.begin_transaction()
    producer.init_transactions()
    with pytest.raises(KafkaException) as exc:
        producer.commit_transaction()
    assert str(exc.value) == 'KafkaError{code=_STATE,val=-172,str="Operation not valid in state Ready"}'
    with pytest.raises(KafkaException, match="Unable to produce message: Local: Erroneous state"):
        producer.produce("t", b"x")


def test_transactions_failed_delivery_requires_abort(cluster, conf, topic):
    """A record that fails delivery makes commit_transaction raise an abortable error."""
    producer = _txn_producer(conf)
    cluster.fail_produce("MSG_SIZE_TOO_LARGE", "t")
    producer.begin_transaction()
    producer.produce("t", b"big", partition=0)
    with pytest.raises(KafkaException) as exc:
        producer.commit_transaction()
    err = exc.value.args[0]
    assert (err.code(), err.txn_requires_abort(), err.fatal()) == (ERR.MSG_SIZE_TOO_LARGE, True, False)
    producer.abort_transaction()
    producer.begin_transaction()
    producer.produce("t", b"ok", partition=0)
    producer.commit_transaction()
    # the aborted transaction had registered t-0, so its ABORT marker took offset 0
    assert _drain(_consumer(conf)) == [(1, b"ok")]


def test_transactions_state_log_records_every_state(cluster, conf, topic):
    """__transaction_state holds one record per state change in the id's coordinator partition."""
    _commit_then_abort(conf)
    cluster.advance(10)
    records = transaction_coordinator(cluster).state_log("tx")
    assert {r["partition"] for r in records} == {partition_for("tx", 50)}
    assert [r["state"] for r in records] == ["Empty", "Ongoing", "PrepareCommit", "CompleteCommit", "Ongoing",
                                             "PrepareAbort", "CompleteAbort"]
    assert transaction_coordinator(cluster).describe("tx")["state"] == "CompleteAbort"


def test_transactions_committing_last_offset_plus_one_leaves_lag_one(cluster, conf, topic):
    """Committing last offset + 1 points at the COMMIT marker (LAG 1); committing position() gives 0."""
    producer = _txn_producer(conf)
    producer.begin_transaction()
    producer.produce("t", b"only", partition=0)
    producer.commit_transaction()
    consumer = _consumer(conf, group="lag")
    msg = consumer.poll(1)
    consumer.commit(message=msg, asynchronous=False)
    table, _ = describe_groups_text(cluster, "lag")
    assert table.splitlines()[1].split()[3:6] == ["1", "2", "1"]
    assert consumer.poll(0.2) is None
    consumer.commit(offsets=consumer.position(consumer.assignment()), asynchronous=False)
    table, _ = describe_groups_text(cluster, "lag")
    assert table.splitlines()[1].split()[3:6] == ["2", "2", "0"]


def test_transactions_close_aborts_open_transaction(cluster, conf, topic):
    """close() aborts a transaction that is still open."""
    producer = _txn_producer(conf)
    producer.begin_transaction()
    producer.produce("t", b"x", partition=0)
    producer.flush()
    producer.close()
    cluster.advance(10)
    assert cluster.partition("t", 0).batches()[-1].control == "ABORT"


@pytest.mark.parametrize("commit", [True, False])
def test_transactions_pending_offsets_hold_back_a_read_committed_start(cluster, conf, topic, commit):
    """KIP-447: while a transaction holds offsets for the group, a read_committed consumer starting from
    the committed offset waits (UNSTABLE_OFFSET_COMMIT, retried), then starts from what the transaction
    decided; a read_uncommitted consumer does not wait."""
    seed = Producer(conf)
    for i in range(8):
        seed.produce("t", b"in%d" % i, partition=0)
    seed.flush()
    Consumer({**conf, "group.id": "app"}).commit(offsets=[TopicPartition("t", 0, 2)], asynchronous=False)
    producer = _txn_producer(conf)
    producer.begin_transaction()
    meta = _consumer(conf, group="app").consumer_group_metadata()
    producer.send_offsets_to_transaction([TopicPartition("t", 0, 6)], meta)
    waiting = _consumer(conf, group="app")
    assert waiting.poll(0.5) is None
    assert cluster.trace.events("offset_fetch_unstable", group="app")
    dirty = _consumer(conf, isolation="read_uncommitted", group="app")
    assert dirty.poll(0.5).offset() == 2
    (producer.commit_transaction if commit else producer.abort_transaction)()
    first = waiting.poll(1)
    assert first is not None and first.error() is None
    assert first.offset() == (6 if commit else 2)
