"""The transaction coordinator: producer ids and epochs, transaction states, markers, timeouts.

Owns ``TxnState``, ``TransactionMetadata`` and ``TransactionCoordinator``: InitProducerId
(fencing older instances), AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit (KIP-447
checks through the group coordinator), EndTxn with COMMIT/ABORT markers in every partition of
the transaction, timeouts in virtual time, and the ``__transaction_state`` records. Standard
library only; must not import the client package.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import Enum
from typing import Any, NamedTuple

from ..clock import Priority
from ..errors import ERR, KafkaError
from .internal_topics import OFFSETS_TOPIC, TRANSACTION_STATE_TOPIC, partition_for
from .log import ABORT, COMMIT
from .offsets import OffsetAndMetadata, offsets_partition, write_commit


class TxnState(Enum):
    """Transaction states of the coordinator (``TransactionState.scala``)."""

    EMPTY = "Empty"
    ONGOING = "Ongoing"
    PREPARE_COMMIT = "PrepareCommit"
    PREPARE_ABORT = "PrepareAbort"
    COMPLETE_COMMIT = "CompleteCommit"
    COMPLETE_ABORT = "CompleteAbort"
    DEAD = "Dead"
    PREPARE_EPOCH_FENCE = "PrepareEpochFence"


S = TxnState
#: from-state -> allowed to-states (Kafka lists valid *previous* states; this is its inverse).
_ALLOWED: dict[TxnState, frozenset[TxnState]] = {
    S.EMPTY: frozenset({S.EMPTY, S.ONGOING, S.DEAD}),
    S.ONGOING: frozenset({S.ONGOING, S.PREPARE_COMMIT, S.PREPARE_ABORT, S.PREPARE_EPOCH_FENCE}),
    S.PREPARE_COMMIT: frozenset({S.COMPLETE_COMMIT}),
    S.PREPARE_ABORT: frozenset({S.COMPLETE_ABORT}),
    S.COMPLETE_COMMIT: frozenset({S.EMPTY, S.ONGOING, S.DEAD}),
    S.COMPLETE_ABORT: frozenset({S.EMPTY, S.ONGOING, S.DEAD}),
    S.PREPARE_EPOCH_FENCE: frozenset({S.PREPARE_ABORT}),
    S.DEAD: frozenset(),
}
_IN_PROGRESS = (S.PREPARE_COMMIT, S.PREPARE_ABORT, S.PREPARE_EPOCH_FENCE)


class TransactionMetadata:
    """What the coordinator knows about one ``transactional.id``.

    ``partitions`` are the partitions registered in the ongoing transaction (including the
    ``__consumer_offsets`` partition of each group added by AddOffsetsToTxn); ``pending_offsets``
    maps group -> partition -> offset sent with TxnOffsetCommit, applied only when the COMMIT
    marker lands.

    Kafka: ``core/.../transaction/TransactionMetadata.scala``.
    """

    def __init__(self, transactional_id: str, producer_id: int, timeout_ms: int, coordinator_partition: int) -> None:
        self.transactional_id = transactional_id
        self.producer_id = producer_id
        self.producer_epoch = -1
        self.timeout_ms = timeout_ms
        self.state = TxnState.EMPTY
        self.partitions: list[tuple[str, int]] = []
        self.pending_offsets: dict[str, dict[tuple[str, int], OffsetAndMetadata]] = {}
        self.txn_start_ms = -1
        self.last_update_ms = -1
        self.coordinator_partition = coordinator_partition
        self.waiters: list[Callable[[], None]] = []
        self.state_key = json.dumps({"transactional_id": transactional_id}).encode()
        self.state_log: Any = None

    def describe(self) -> dict[str, Any]:
        """The columns of ``kafka-transactions.sh describe`` as a dict."""
        return {"transactional_id": self.transactional_id, "coordinator_partition": self.coordinator_partition,
                "producer_id": self.producer_id, "producer_epoch": self.producer_epoch,
                "state": self.state.value, "timeout_ms": self.timeout_ms, "txn_start_ms": self.txn_start_ms,
                "partitions": [f"{t}-{p}" for t, p in self.partitions],
                "pending_offsets": {g: {f"{t}-{p}": o.offset for (t, p), o in offs.items()}
                                    for g, offs in self.pending_offsets.items()}}


def transaction_coordinator(cluster: Any) -> TransactionCoordinator:
    """The cluster's transaction coordinator (``cluster.transaction_coordinator``)."""
    return cluster.transaction_coordinator


class ConsumerGroupMember(NamedTuple):
    """The consumer's group metadata a TxnOffsetCommit carries (KIP-447)."""

    group_id: str
    member_id: str
    generation_id: int
    group_instance_id: str | None


class TransactionCoordinator:
    """Producer ids, epochs and transactions of one cluster.

    Every state change is checked against an explicit transition table, traced as ``txn_state``
    with its reason, and written as a record to the transactional id's partition of
    ``__transaction_state`` (``abs(hashCode) % transaction.state.log.num.partitions``).

    Kafka: ``TransactionCoordinator.scala``, ``TransactionStateManager.scala`` (transaction.version 1).
    Simplification: one coordinator for all partitions; markers are written one request latency
    after EndTxn; transactional ids never expire; the epoch is not bumped per transaction (that is
    KIP-890 part 2, ``transaction.version=2``).
    """

    def __init__(self, cluster: Any) -> None:
        self.cluster = cluster
        self.trace = cluster.trace
        self.transactions: dict[str, TransactionMetadata] = {}
        self._by_producer_id: dict[int, TransactionMetadata] = {}
        self._next_producer_id = 0
        self._timeout_timer: Any = None

    def has_pending_offsets(self, group_id: str, tp: tuple[str, int]) -> bool:
        """Whether an open transaction holds offsets for ``group_id`` and ``tp`` not yet committed.

        An OffsetFetch with ``require_stable`` (librdkafka sends it when ``isolation.level`` is
        ``read_committed``) is answered ``UNSTABLE_OFFSET_COMMIT`` for such a partition, and the
        consumer retries until the transaction completes (KIP-447).
        """
        transactions = self.transactions
        if not transactions:            # the common case, asked on every read_committed fetch of a new position
            return False
        return any(tp in meta.pending_offsets.get(group_id, ()) for meta in transactions.values())

    # -- producer ids ------------------------------------------------------------------------------
    def allocate_producer_id(self, client_id: str = "", reason: str = "InitProducerId") -> tuple[int, int]:
        """A new producer id with epoch 0, for an idempotent producer without ``transactional.id``.

        Kafka: ``InitProducerId`` with a null transactional id (any broker answers from a block
        of ids the controller allocated). A restarted producer gets a new id, so its retries of
        old data are not recognised as duplicates.
        """
        pid = self._next_producer_id
        self._next_producer_id += 1
        self.trace.record("producer_id_assigned", reason, producer_id=pid, producer_epoch=0, transactional_id=None,
                          client_id=client_id)
        return pid, 0

    def init_producer_id(self, transactional_id: str, timeout_ms: int, reply: Callable[[int, int, int], None],
                         client_id: str = "") -> None:
        """InitProducerId for a transactional id: bump the epoch, fencing any older instance.

        An Ongoing transaction of the previous instance is aborted first (the epoch is bumped
        through PrepareEpochFence, and the ABORT markers carry it); one already in
        PrepareCommit/PrepareAbort is completed first. ``reply(error, producer_id, epoch)``.

        Kafka: ``TransactionCoordinator.handleInitProducerId``; ``INVALID_TRANSACTION_TIMEOUT``
        above ``transaction.max.timeout.ms``. Simplification: where Kafka answers
        ``CONCURRENT_TRANSACTIONS`` and the client retries, kafkalab answers once the abort is done.
        """
        max_ms = self.cluster.broker_config["transaction.max.timeout.ms"]
        if timeout_ms > max_ms:
            self.trace.record("producer_id_refused", f"transaction.timeout.ms={timeout_ms} > broker "
                              f"transaction.max.timeout.ms={max_ms}", transactional_id=transactional_id,
                              error="INVALID_TRANSACTION_TIMEOUT", client_id=client_id)
            reply(ERR.INVALID_TRANSACTION_TIMEOUT, -1, -1)
            return
        meta = self.transactions.get(transactional_id)
        if meta is None:
            pid = self._next_producer_id
            self._next_producer_id += 1
            part = partition_for(transactional_id, self.cluster.broker_config["transaction.state.log.num.partitions"])
            meta = TransactionMetadata(transactional_id, pid, timeout_ms, part)
            self.transactions[transactional_id] = meta
            self._by_producer_id[pid] = meta
        if meta.state is S.ONGOING:
            self._fence_and_abort(meta, f"InitProducerId from a new instance of {transactional_id!r} (client "
                                        f"{client_id}): fence epoch {meta.producer_epoch}, abort its transaction")
        if meta.state in _IN_PROGRESS:
            meta.waiters.append(lambda: self.init_producer_id(transactional_id, timeout_ms, reply, client_id))
            return
        old_epoch = meta.producer_epoch
        meta.producer_epoch += 1
        meta.timeout_ms = timeout_ms
        self._transition(meta, S.EMPTY, f"InitProducerId: epoch {old_epoch} -> {meta.producer_epoch}")
        self.trace.record("producer_id_assigned", "InitProducerId" if old_epoch < 0 else
                          f"InitProducerId: epoch bumped, instances with epoch {old_epoch} are fenced",
                          producer_id=meta.producer_id, producer_epoch=meta.producer_epoch,
                          transactional_id=transactional_id, client_id=client_id)
        reply(0, meta.producer_id, meta.producer_epoch)

    # -- transaction requests ----------------------------------------------------------------------
    def _check_producer(self, transactional_id: str, producer_id: int, producer_epoch: int,
                        request: str) -> tuple[int, TransactionMetadata | None]:
        meta = self.transactions.get(transactional_id)
        if meta is None or meta.producer_id != producer_id:
            return ERR.INVALID_PRODUCER_ID_MAPPING, meta
        if producer_epoch != meta.producer_epoch:
            self.trace.record("producer_fenced", f"{request} with epoch {producer_epoch}, current epoch is "
                              f"{meta.producer_epoch}", transactional_id=transactional_id, producer_id=producer_id,
                              producer_epoch=producer_epoch, current_epoch=meta.producer_epoch, request=request)
            return ERR.PRODUCER_FENCED, meta
        if meta.state in _IN_PROGRESS:
            return ERR.CONCURRENT_TRANSACTIONS, meta
        return 0, meta

    def add_partitions(self, transactional_id: str, producer_id: int, producer_epoch: int,
                       partitions: list[tuple[str, int]], client_id: str = "") -> int:
        """AddPartitionsToTxn: register partitions in the transaction (state -> Ongoing); 0 or an error.

        The first registration starts the ``transaction.timeout.ms`` clock.

        Kafka: ``TransactionCoordinator.handleAddPartitionsToTransaction``.
        """
        err, meta = self._check_producer(transactional_id, producer_id, producer_epoch, "AddPartitionsToTxn")
        if err:
            return err
        new = [tp for tp in partitions if tp not in meta.partitions]
        if not new and meta.state is S.ONGOING:
            return 0
        if meta.state is not S.ONGOING:
            meta.txn_start_ms = self.cluster.now_ms
            meta.pending_offsets = {}
        meta.partitions.extend(new)
        added = [[t, p] for t, p in new]
        self.trace.record("txn_partition_added", "AddPartitionsToTxn", transactional_id=transactional_id,
                          producer_id=producer_id, producer_epoch=producer_epoch, partitions=added,
                          client_id=client_id)
        self._transition(meta, S.ONGOING, "AddPartitionsToTxn " + ", ".join(f"{t} [{p}]" for t, p in new))
        self._schedule_timeout_check()
        return 0

    def add_offsets(self, transactional_id: str, producer_id: int, producer_epoch: int, group_id: str,
                    client_id: str = "") -> int:
        """AddOffsetsToTxn: add the group's ``__consumer_offsets`` partition to the transaction.

        Kafka: ``TransactionCoordinator.handleAddPartitionsToTransaction`` for the offsets partition.
        """
        self.cluster.internal_topic(OFFSETS_TOPIC)
        tp = (OFFSETS_TOPIC, offsets_partition(self.cluster, group_id))
        return self.add_partitions(transactional_id, producer_id, producer_epoch, [tp], client_id)

    def txn_offset_commit(self, transactional_id: str, producer_id: int, producer_epoch: int, group_metadata: Any,
                          offsets: dict[tuple[str, int], int], client_id: str = "") -> int:
        """TxnOffsetCommit: validate the consumer's group metadata, write pending offsets; 0 or an error.

        Offsets are the NEXT offsets to consume. They are written to ``__consumer_offsets`` as
        transactional records and become committed only when the COMMIT marker lands; an abort
        discards them.

        Kafka: ``GroupCoordinator.handleTxnOffsetCommit``; KIP-447 (a stale generation or member
        id is refused with ``ILLEGAL_GENERATION``/``UNKNOWN_MEMBER_ID``/``FENCED_INSTANCE_ID``).
        """
        err, meta = self._check_producer(transactional_id, producer_id, producer_epoch, "TxnOffsetCommit")
        group_id = group_metadata.group_id
        if not err:
            tp = (OFFSETS_TOPIC, offsets_partition(self.cluster, group_id))
            err = 0 if meta.state is S.ONGOING and tp in meta.partitions else ERR.INVALID_TXN_STATE
        if not err:
            err = self.cluster.group_coordinator.validate_offset_commit(
                group_id, group_metadata.member_id, group_metadata.generation_id,
                group_metadata.group_instance_id, transactional=True)
        shown = [[t, p, o] for (t, p), o in offsets.items()]
        if err:
            self.trace.record("txn_offsets_refused", f"TxnOffsetCommit refused: {KafkaError(err).name()}",
                              transactional_id=transactional_id, group=group_id, offsets=shown,
                              generation_id=group_metadata.generation_id, member_id=group_metadata.member_id,
                              error=KafkaError(err).name(), client_id=client_id)
            return err
        now = self.cluster.now_ms
        pending = {tp: OffsetAndMetadata(off, "", now) for tp, off in offsets.items()}
        meta.pending_offsets.setdefault(group_id, {}).update(pending)
        write_commit(self.cluster, group_id, pending, producer_id=producer_id, producer_epoch=producer_epoch,
                     transactional=True, reason="TxnOffsetCommit (pending until the COMMIT marker)")
        self.trace.record("txn_offsets_pending", "TxnOffsetCommit: visible only after the COMMIT marker",
                          transactional_id=transactional_id, group=group_id, offsets=shown,
                          generation_id=group_metadata.generation_id, client_id=client_id)
        return 0

    def end_transaction(self, transactional_id: str, producer_id: int, producer_epoch: int, commit: bool,
                        client_id: str = "") -> int:
        """EndTxn: PrepareCommit/PrepareAbort now, markers in every partition one latency later.

        Returns 0 once the Prepare state is written (as Kafka answers), before the markers land.
        A retried EndTxn for a transaction already completed the same way also returns 0.

        Kafka: ``TransactionCoordinator.handleEndTransaction``; ``WriteTxnMarkers``.
        """
        err, meta = self._check_producer(transactional_id, producer_id, producer_epoch, "EndTxn")
        if err:
            return err
        done = S.COMPLETE_COMMIT if commit else S.COMPLETE_ABORT
        if meta.state is done:
            return 0
        if meta.state is not S.ONGOING:
            return ERR.INVALID_TXN_STATE
        self._end(meta, commit, f"EndTxn({'COMMIT' if commit else 'ABORT'}) from {client_id or 'producer'}")
        return 0

    def verify_partition(self, producer_id: int, producer_epoch: int, topic: str, partition: int) -> int:
        """0 if a transactional batch may be appended to ``topic``/``partition``, else the error.

        Kafka: ``transaction.partition.verification.enable`` (KIP-890 part 1, 3.6).
        """
        meta = self._by_producer_id.get(producer_id)
        if meta is None or producer_epoch < meta.producer_epoch:
            return ERR.INVALID_PRODUCER_EPOCH
        if meta.state is not S.ONGOING or (topic, partition) not in meta.partitions:
            return ERR.INVALID_TXN_STATE
        return 0

    # -- completion ----------------------------------------------------------------------------------
    def _fence_and_abort(self, meta: TransactionMetadata, reason: str) -> None:
        meta.producer_epoch += 1
        self.trace.record("producer_fenced", reason, transactional_id=meta.transactional_id,
                          producer_id=meta.producer_id, producer_epoch=meta.producer_epoch - 1,
                          current_epoch=meta.producer_epoch, request="InitProducerId/timeout")
        self._transition(meta, S.PREPARE_EPOCH_FENCE, reason)
        self._end(meta, False, reason)

    def _end(self, meta: TransactionMetadata, commit: bool, reason: str) -> None:
        self._transition(meta, S.PREPARE_COMMIT if commit else S.PREPARE_ABORT, reason)
        delay = self.cluster.request_latency_ms()
        self.cluster.clock.call_later(delay, self._write_markers, meta, commit, meta.producer_epoch)

    def _write_markers(self, meta: TransactionMetadata, commit: bool, epoch: int) -> None:
        """WriteTxnMarkers: one control record (one offset) in every partition of the transaction."""
        control = COMMIT if commit else ABORT
        for topic, partition in meta.partitions:
            t = self.cluster.topics.get(topic)
            if t is not None and partition < len(t.partitions):
                t.partitions[partition].append_control(control, meta.producer_id, epoch,
                                                       reason=f"WriteTxnMarkers for {meta.transactional_id!r}")
        offsets = self.cluster.group_coordinator.offsets
        for group_id, pending in meta.pending_offsets.items():
            if commit:
                offsets.apply_transactional(group_id, pending)
            else:
                self.trace.record("txn_offsets_discarded", "transaction aborted: pending offsets dropped",
                                  transactional_id=meta.transactional_id, group=group_id,
                                  offsets=[[t, p, o.offset] for (t, p), o in pending.items()])
        self._transition(meta, S.COMPLETE_COMMIT if commit else S.COMPLETE_ABORT,
                         f"{control} markers written to {len(meta.partitions)} partition(s)")
        meta.partitions = []
        meta.pending_offsets = {}
        meta.txn_start_ms = -1
        waiters, meta.waiters = meta.waiters, []
        for fn in waiters:
            fn()

    # -- timeouts --------------------------------------------------------------------------------------
    def _schedule_timeout_check(self) -> None:
        if self._timeout_timer is None:
            interval = self.cluster.broker_config["transaction.abort.timed.out.transaction.cleanup.interval.ms"]
            self._timeout_timer = self.cluster.clock.call_later(interval, self._abort_timed_out,
                                                                priority=Priority.EXPIRY)

    def _abort_timed_out(self) -> None:
        """Abort (and fence) every Ongoing transaction older than its ``transaction.timeout.ms``.

        Kafka: ``TransactionCoordinator.abortTimedOutTransactions``, run every
        ``transaction.abort.timed.out.transaction.cleanup.interval.ms`` (10 s), so a transaction
        is aborted between its timeout and one interval later.
        """
        self._timeout_timer = None
        now = self.cluster.now_ms
        for meta in list(self.transactions.values()):
            if meta.state is S.ONGOING and now - meta.txn_start_ms > meta.timeout_ms:
                self._fence_and_abort(meta, f"transaction.timeout.ms={meta.timeout_ms} expired (started at "
                                            f"{meta.txn_start_ms} ms): coordinator aborts and bumps the epoch")
        if any(m.state is S.ONGOING for m in self.transactions.values()):
            self._schedule_timeout_check()

    # -- state and the __transaction_state view -----------------------------------------------------
    def _transition(self, meta: TransactionMetadata, new: TxnState, reason: str) -> None:
        old = meta.state
        if new not in _ALLOWED[old]:
            raise RuntimeError(f"transaction {meta.transactional_id!r}: {old.value} -> {new.value} is not allowed")
        meta.state = new
        meta.last_update_ms = self.cluster.now_ms
        self.trace.record("txn_state", reason, transactional_id=meta.transactional_id, old=old.value,
                          new=new.value, producer_id=meta.producer_id, producer_epoch=meta.producer_epoch,
                          partitions=[[t, p] for t, p in meta.partitions])
        if meta.state_log is None:
            meta.state_log = self.cluster.internal_topic(TRANSACTION_STATE_TOPIC).partitions[meta.coordinator_partition]
        value = json.dumps({"producer_id": meta.producer_id, "producer_epoch": meta.producer_epoch,
                            "state": new.value, "timeout_ms": meta.timeout_ms, "txn_start_ms": meta.txn_start_ms,
                            "partitions": [f"{t}-{p}" for t, p in meta.partitions]})
        meta.state_log.append([(meta.state_key, value.encode(), meta.last_update_ms, None)],
                              reason=f"transaction state {new.value}")

    def describe(self, transactional_id: str) -> dict[str, Any] | None:
        """The current state of one transactional id (``kafka-transactions.sh describe``), or None."""
        meta = self.transactions.get(transactional_id)
        return meta.describe() if meta is not None else None

    def state_log(self, transactional_id: str | None = None) -> list[dict[str, Any]]:
        """The records of ``__transaction_state`` (oldest first), decoded; optionally for one id.

        Kafka: ``TransactionLog`` key/value. Simplification: JSON instead of Kafka's binary schema.
        """
        topic = self.cluster.topics.get(TRANSACTION_STATE_TOPIC)
        out = []
        for log in topic.partitions if topic is not None else []:
            for batch in log.batches():
                for i, rec in enumerate(batch.records):
                    if rec is None:
                        continue
                    key = json.loads(rec[0])
                    if transactional_id is None or key["transactional_id"] == transactional_id:
                        out.append({"offset": batch.base_offset + i, "partition": log.partition, "time_ms": rec[2],
                                    **key, **json.loads(rec[1])})
        return sorted(out, key=lambda r: (r["time_ms"], r["partition"], r["offset"]))
