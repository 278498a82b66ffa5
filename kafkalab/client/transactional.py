"""The transactional producer API of confluent-kafka, as a mixin of ``Producer``.

Owns ``TransactionalMixin``: ``init_transactions``, ``begin_transaction``,
``send_offsets_to_transaction``, ``commit_transaction``, ``abort_transaction``; the client-side
transaction state (librdkafka's state names), partition registration (AddPartitionsToTxn before
a partition's first batch) and librdkafka's error classes (retriable, txn_requires_abort, fatal).
Standard library only.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from ..errors import ERR, KafkaError, KafkaException
from .base import timeout_ms
from .message import TopicPartition

INIT, WAIT_PID, READY, IN_TRANSACTION = "Init", "WaitPID", "Ready", "InTransaction"
BEGIN_COMMIT, COMMITTING, BEGIN_ABORT, ABORTING = "BeginCommit", "CommittingTransaction", "BeginAbort", \
    "AbortingTransaction"
ABORTABLE_ERROR, FATAL_ERROR = "AbortableError", "FatalError"

#: from-state -> allowed to-states (librdkafka ``rd_kafka_txn_state_transition_is_valid``, without
#: its *NotAcked states).
_ALLOWED: dict[str, frozenset[str]] = {
    INIT: frozenset({WAIT_PID}),
    WAIT_PID: frozenset({READY}),
    READY: frozenset({IN_TRANSACTION}),
    IN_TRANSACTION: frozenset({BEGIN_COMMIT, BEGIN_ABORT, ABORTABLE_ERROR}),
    BEGIN_COMMIT: frozenset({COMMITTING, READY, ABORTABLE_ERROR}),
    COMMITTING: frozenset({READY, ABORTABLE_ERROR}),
    BEGIN_ABORT: frozenset({ABORTING, READY}),
    ABORTING: frozenset({READY}),
    ABORTABLE_ERROR: frozenset({BEGIN_ABORT}),
    FATAL_ERROR: frozenset(),
}
_FENCING = (ERR.INVALID_PRODUCER_EPOCH, ERR.PRODUCER_FENCED)
_RETRY = (ERR.CONCURRENT_TRANSACTIONS, ERR.COORDINATOR_LOAD_IN_PROGRESS, ERR.COORDINATOR_NOT_AVAILABLE,
          ERR.NOT_COORDINATOR)
_NOT_CONFIGURED = "The Transactional API requires transactional.id to be configured"
_TIMED_OUT = "Timed out waiting for operation to finish, retry call to resume"


class _TxnOp:
    """One transactional API call waiting for the coordinator (resumable after a timeout)."""

    __slots__ = ("api", "done", "error")

    def __init__(self, api: str) -> None:
        self.api = api
        self.done = False
        self.error: KafkaError | None = None


class TransactionalMixin:
    """``Producer`` methods of the transactional API; timeouts are seconds of virtual time.

    Errors are ``KafkaException`` whose ``args[0]`` is a ``KafkaError`` with librdkafka's flags:
    ``retriable()`` (call again), ``txn_requires_abort()`` (call ``abort_transaction()``, rewind
    the input, begin again) or ``fatal()`` (the producer is unusable, e.g. ``_FENCED`` after a
    newer instance called ``init_transactions``).

    Kafka: confluent-kafka ``Producer`` transactional methods; librdkafka ``rdkafka_txnmgr.c``.
    Simplification: librdkafka's *NotAcked states are folded into their neighbours.
    """

    def _init_transactional(self) -> None:
        self._txn_id: str | None = self._conf.get("transactional.id") or None
        self._txn_state = INIT
        self._txn_blocked = self._txn_id is not None
        self._txn_error: KafkaError | None = None
        self._txn_op: _TxnOp | None = None
        self._txn_registered: set[tuple[str, int]] = set()
        self._txn_adding: set[tuple[str, int]] = set()
        self._txn_held: dict[tuple[str, int], list] = {}
        self._txn_to_add: list[tuple[str, int]] = []
        self._txn_batching_adds = False
        self._txn_has_offsets = False
        self._txn_need_bump = False
        if self._txn_id is None and self._conf["enable.idempotence"] and self._cluster is not None:
            res = self._roundtrip("InitProducerId", transactional_id=None, client_id=self._client_id,
                                  reason=f"idempotent producer {self._name} started (InitProducerId without "
                                         f"transactional.id)")
            self.producer_id, self.producer_epoch = res.producer_id, res.producer_epoch

    # -- state -----------------------------------------------------------------------------------------
    def _txn_set_state(self, new: str, reason: str) -> None:
        old = self._txn_state
        if new == old:
            return
        if new != FATAL_ERROR and new not in _ALLOWED[old]:
            raise RuntimeError(f"producer {self._name}: transaction state {old} -> {new} is not allowed")
        self._txn_state = new
        self._txn_blocked = new != IN_TRANSACTION
        if self._cluster is not None:
            self._cluster.trace.record("producer_txn_state", reason, client=self._name, client_id=self._client_id,
                                       transactional_id=self._txn_id, old=old, new=new,
                                       producer_id=self.producer_id, producer_epoch=self.producer_epoch)

    def _txn_require(self, api: str, *states: str) -> None:
        """Raise as librdkafka's ``rd_kafka_txn_require_state`` does unless the state is one of ``states``."""
        self._check_usable()
        if self._txn_id is None:
            raise KafkaException(KafkaError(ERR._NOT_CONFIGURED, _NOT_CONFIGURED))
        op = self._txn_op
        if op is not None and op.api != api:
            raise KafkaException(KafkaError(ERR._CONFLICT, f"Conflicting {op.api} API call is already in progress",
                                            retriable=True))
        if self._txn_state in states:
            return
        if self._txn_state in (FATAL_ERROR, ABORTABLE_ERROR):
            raise KafkaException(self._txn_error)
        raise KafkaException(KafkaError(ERR._STATE, f"Operation not valid in state {self._txn_state}"))

    def _txn_fatal(self, code: int, text: str) -> None:
        if self._txn_state == FATAL_ERROR:
            return
        self._txn_error = KafkaError(code, text, fatal=True)
        self._cluster.trace.record("producer_txn_error", text, client=self._name, client_id=self._client_id,
                                   transactional_id=self._txn_id, error=KafkaError(code).name(), fatal=True)
        self._txn_set_state(FATAL_ERROR, text)
        self.purge(in_queue=True)

    def _txn_abortable(self, code: int, text: str, *, bump: bool = False) -> None:
        self._txn_need_bump = self._txn_need_bump or bump
        if self._txn_state not in (IN_TRANSACTION, BEGIN_COMMIT, COMMITTING):
            return
        self._txn_error = KafkaError(code, text, txn_requires_abort=True)
        self._cluster.trace.record("producer_txn_error", text, client=self._name, client_id=self._client_id,
                                   transactional_id=self._txn_id, error=KafkaError(code).name(), fatal=False)
        self._txn_set_state(ABORTABLE_ERROR, text)
        self.purge(in_queue=True)

    def _txn_reply_error(self, op: _TxnOp, err: int, what: str) -> None:
        """Turn a coordinator error into a fatal or abortable error, as librdkafka classifies it."""
        text = f"{what} failed: {KafkaError(err).str()}"
        if err in _FENCING:
            self._txn_fatal(ERR._FENCED, f"Producer fenced by newer instance: {text}")
        elif err in (ERR.INVALID_PRODUCER_ID_MAPPING, ERR.INVALID_TXN_STATE, ERR.INVALID_TRANSACTION_TIMEOUT):
            self._txn_fatal(err, text)
        else:
            self._txn_abortable(err, text)
        op.error = self._txn_error
        op.done = True

    # -- requests --------------------------------------------------------------------------------------
    def _txn_call(self, api: str, on_reply: Callable, **fields: Any) -> None:
        """Send ``api`` to the transaction coordinator; ``on_reply(response)`` runs one latency after it answered.

        The coordinator computes its answer when the request arrives (one latency after sending).
        """
        self._require_cluster("Failed to find transaction coordinator")
        self._request(api, on_reply, transactional_id=self._txn_id, client_id=self._client_id, **fields)

    def _txn_wait(self, op: _TxnOp, timeout: Any, api: str) -> None:
        self._txn_op = op
        self._wait_until(lambda: op.done or not self._alive, timeout_ms(timeout, api))
        self._check_usable()
        if not op.done:
            raise KafkaException(KafkaError(ERR._TIMED_OUT, _TIMED_OUT, retriable=True))
        self._txn_op = None
        if op.error is not None:
            raise KafkaException(op.error)

    # -- init / begin ----------------------------------------------------------------------------------
    def init_transactions(self, timeout: float = -1) -> None:
        """Get the producer id and a bumped epoch for ``transactional.id``, fencing older instances.

        An older instance's open transaction is aborted (or its commit completed) first; its next
        transactional call fails with the fatal ``_FENCED``. On ``_TIMED_OUT`` (retriable), call
        again to resume.

        Kafka: ``FindCoordinator`` + ``InitProducerId``; confluent-kafka ``init_transactions``.
        """
        self._txn_require("init_transactions", INIT, WAIT_PID)
        op = self._txn_op
        if op is None:
            self._require_cluster("Failed to find transaction coordinator")
            op = _TxnOp("init_transactions")
            self._txn_set_state(WAIT_PID, "init_transactions()")
            self._txn_init_producer_id(op)
        self._txn_wait(op, timeout, "init_transactions")

    def _txn_init_producer_id(self, op: _TxnOp) -> None:
        self._txn_call("InitProducerId", lambda res: self._init_done(op, *res),
                       transaction_timeout_ms=self._conf["transaction.timeout.ms"])

    def _init_done(self, op: _TxnOp, err: int, producer_id: int, epoch: int) -> None:
        if err:
            self._txn_fatal(err, f"Failed to initialize Producer ID: {KafkaError(err).str()}")
            op.error, op.done = self._txn_error, True
            return
        self.producer_id, self.producer_epoch = producer_id, epoch
        self._sequences.clear()
        self._txn_need_bump = False
        self._txn_registered.clear()
        self._txn_has_offsets = False
        if self._txn_state == WAIT_PID:
            self._txn_set_state(READY, f"InitProducerId: producer id {producer_id}, epoch {epoch}")
        op.done = True

    def begin_transaction(self) -> None:
        """Start a transaction (local only: no request). Kafka: confluent-kafka ``begin_transaction``."""
        self._txn_require("begin_transaction", READY)
        self._txn_registered.clear()
        self._txn_has_offsets = False
        self._txn_set_state(IN_TRANSACTION, "begin_transaction()")

    # -- partitions --------------------------------------------------------------------------------------
    def _txn_may_send(self, batch: Any) -> bool:
        """True if ``batch``'s partition is registered; else hold it until AddPartitionsToTxn answers.

        Partitions whose first batch is ready at the same virtual instant share one request.
        """
        tp = batch.tp
        if tp in self._txn_registered:
            return True
        self._txn_held.setdefault(tp, []).append(batch)
        if tp not in self._txn_adding:
            self._txn_adding.add(tp)
            if not self._txn_to_add and not self._txn_batching_adds:
                self._clock.call_later(0, self._txn_send_adds)
            self._txn_to_add.append(tp)
        return False

    def _txn_send_adds(self) -> None:
        tps, self._txn_to_add = self._txn_to_add, []
        if tps and self._alive:
            self._txn_add_partitions(tps)

    def _txn_add_partitions(self, tps: list[tuple[str, int]]) -> None:
        self._txn_call("AddPartitionsToTxn", lambda err: self._on_partitions_added(tps, err),
                       producer_id=self.producer_id, producer_epoch=self.producer_epoch, partitions=tps)

    def _on_partitions_added(self, tps: list[tuple[str, int]], err: int) -> None:
        if err in _RETRY:
            self._clock.call_later(20, self._txn_add_partitions, tps)
            return
        if err:
            self._txn_reply_error(_TxnOp("produce"), err, f"AddPartitionsToTxn {[f'{t} [{p}]' for t, p in tps]}")
        for tp in tps:
            self._txn_adding.discard(tp)
            held = self._txn_held.pop(tp, [])
            if not err:
                self._txn_registered.add(tp)
            for batch in held:
                if err:
                    self._fail(batch, KafkaError(err), "AddPartitionsToTxn failed")
                else:
                    self._send_batch(batch)

    def _txn_on_batch_failed(self, batch: Any, err: KafkaError) -> None:
        text = f"Failed to produce {len(batch.records)} message(s) to {batch.tp[0]} [{batch.tp[1]}]: {err.str()}"
        if err.code() in _FENCING:
            self._txn_fatal(ERR._FENCED, f"Producer fenced by newer instance: {text}")
        elif err.code() not in (ERR._PURGE_QUEUE, ERR._PURGE_INFLIGHT):
            self._txn_abortable(err.code(), text, bump=True)

    def _check_produce_allowed(self) -> None:
        self._check_usable()
        if self._txn_id is not None and self._txn_state != IN_TRANSACTION:
            code = ERR._FATAL if self._txn_state == FATAL_ERROR else ERR._STATE
            raise KafkaException(KafkaError(code, f"Unable to produce message: {KafkaError(code).str()}"))

    # -- offsets ---------------------------------------------------------------------------------------
    def send_offsets_to_transaction(self, positions: list[TopicPartition], group_metadata: Any,
                                    timeout: float = -1) -> None:
        """Add the consumer's positions (the NEXT offsets to consume) to the transaction.

        They are committed for the group only if the transaction commits. Logical or negative
        offsets are ignored; with none left this returns at once. A consumer whose generation or
        member id is stale is fenced (KIP-447): the error requires an abort.

        Args:
            positions: TopicPartitions with the next offsets, e.g. ``consumer.position(consumer.assignment())``.
            group_metadata: ``consumer.consumer_group_metadata()``.
            timeout: seconds of virtual time (-1: infinite).

        Kafka: ``AddOffsetsToTxn`` + ``TxnOffsetCommit``; confluent-kafka ``send_offsets_to_transaction``.
        """
        if not isinstance(positions, (list, tuple)) or not all(isinstance(tp, TopicPartition) for tp in positions):
            raise TypeError("send_offsets_to_transaction: positions must be a list of TopicPartition")
        if not hasattr(group_metadata, "group_id") or not hasattr(group_metadata, "generation_id"):
            raise TypeError(f"send_offsets_to_transaction: expected consumer.consumer_group_metadata(), got "
                            f"{type(group_metadata).__name__}")
        self._txn_require("send_offsets_to_transaction", IN_TRANSACTION)
        op = self._txn_op
        if op is None:
            offsets = {(tp.topic, tp.partition): tp.offset for tp in positions if tp.offset >= 0}
            if not offsets:
                return
            op = _TxnOp("send_offsets_to_transaction")
            self._txn_add_offsets(op, group_metadata, offsets)
        self._txn_wait(op, timeout, "send_offsets_to_transaction")

    def _txn_add_offsets(self, op: _TxnOp, meta: Any, offsets: dict) -> None:
        def on_added(err: int) -> None:
            if err in _RETRY:
                self._clock.call_later(20, self._txn_add_offsets, op, meta, offsets)
            elif err:
                self._txn_reply_error(op, err, "AddOffsetsToTxn")
            else:
                self._txn_has_offsets = True
                self._txn_call("TxnOffsetCommit", on_committed, producer_id=self.producer_id,
                               producer_epoch=self.producer_epoch, group_id=meta.group_id, member_id=meta.member_id,
                               generation_id=meta.generation_id, group_instance_id=meta.group_instance_id,
                               offsets=offsets)

        def on_committed(err: int) -> None:
            if err:
                self._txn_reply_error(op, err, "TxnOffsetCommit")
            else:
                op.done = True

        self._txn_call("AddOffsetsToTxn", on_added, producer_id=self.producer_id, producer_epoch=self.producer_epoch,
                       group_id=meta.group_id)

    # -- commit / abort --------------------------------------------------------------------------------
    def commit_transaction(self, timeout: float = -1) -> None:
        """Flush outstanding messages, then commit: COMMIT markers land in every partition of the transaction.

        Returns once the coordinator has written PrepareCommit; the markers follow one request
        latency later (read_committed consumers see the records then). A message that failed
        delivery makes this raise an error with ``txn_requires_abort()``.

        Kafka: ``EndTxn(COMMIT)``; confluent-kafka ``commit_transaction``.
        """
        self._txn_require("commit_transaction", IN_TRANSACTION, BEGIN_COMMIT, COMMITTING)
        wait = timeout_ms(timeout, "commit_transaction")
        deadline = None if wait is None else self._clock.now_ms + wait
        if self._txn_state == IN_TRANSACTION:
            self._txn_set_state(BEGIN_COMMIT, "commit_transaction()")
        if self._txn_state == BEGIN_COMMIT:
            if self.flush(-1 if deadline is None else (deadline - self._clock.now_ms) / 1000):
                raise KafkaException(KafkaError(ERR._TIMED_OUT, _TIMED_OUT, retriable=True))
            if self._txn_state in (ABORTABLE_ERROR, FATAL_ERROR):
                raise KafkaException(self._txn_error)
            if not self._txn_registered and not self._txn_has_offsets:
                self._txn_set_state(READY, "commit_transaction(): empty transaction, nothing to commit")
                return
            self._txn_set_state(COMMITTING, "commit_transaction(): all messages delivered, sending EndTxn")
            self._txn_end(_TxnOp("commit_transaction"), True)
        remaining = -1 if deadline is None else max(0, deadline - self._clock.now_ms) / 1000
        self._txn_wait(self._txn_op, remaining, "commit_transaction")

    def abort_transaction(self, timeout: float = -1) -> None:
        """Purge queued messages, wait for in-flight ones, and abort: ABORT markers in every partition.

        Records already written stay in the log (``read_uncommitted`` readers see them);
        ``read_committed`` readers skip them. Offsets sent with the transaction are discarded.

        Kafka: ``EndTxn(ABORT)`` (or ``InitProducerId`` with the current epoch after an error that
        needs an epoch bump, KIP-360); confluent-kafka ``abort_transaction``.
        """
        self._txn_require("abort_transaction", IN_TRANSACTION, ABORTABLE_ERROR, BEGIN_ABORT, ABORTING)
        wait = timeout_ms(timeout, "abort_transaction")
        deadline = None if wait is None else self._clock.now_ms + wait
        if self._txn_state in (IN_TRANSACTION, ABORTABLE_ERROR):
            self._txn_set_state(BEGIN_ABORT, "abort_transaction()")
            self.purge(in_queue=True)
        if self._txn_state == BEGIN_ABORT:
            if self.flush(-1 if deadline is None else (deadline - self._clock.now_ms) / 1000):
                raise KafkaException(KafkaError(ERR._TIMED_OUT, _TIMED_OUT, retriable=True))
            if self._txn_state == FATAL_ERROR:
                raise KafkaException(self._txn_error)
            if not self._txn_registered and not self._txn_has_offsets and not self._txn_need_bump:
                self._txn_set_state(READY, "abort_transaction(): nothing was sent, nothing to abort")
                return
            self._txn_set_state(ABORTING, "abort_transaction(): sending EndTxn(ABORT)")
            op = _TxnOp("abort_transaction")
            if self._txn_need_bump:
                self._txn_init_producer_id(op)
                self._txn_op = op
            else:
                self._txn_end(op, False)
        remaining = -1 if deadline is None else max(0, deadline - self._clock.now_ms) / 1000
        self._txn_wait(self._txn_op, remaining, "abort_transaction")
        if self._txn_state == ABORTING:
            self._txn_set_state(READY, "abort_transaction(): done")

    def _txn_end(self, op: _TxnOp, commit: bool) -> None:
        self._txn_op = op

        def on_reply(err: int) -> None:
            if err in _RETRY:
                self._clock.call_later(20, self._txn_end, op, commit)
            elif err:
                self._txn_reply_error(op, err, f"EndTxn({'commit' if commit else 'abort'})")
            else:
                self._txn_registered.clear()
                self._txn_has_offsets = False
                if commit:
                    self._txn_set_state(READY, "EndTxn(COMMIT) accepted")
                op.done = True

        self._txn_call("EndTxn", on_reply, producer_id=self.producer_id, producer_epoch=self.producer_epoch,
                       commit=commit)

    def _abort_open_transaction(self) -> None:
        """``close()``: abort a transaction left open, ignoring errors."""
        if self._txn_id is not None and self._txn_state in (IN_TRANSACTION, ABORTABLE_ERROR):
            with contextlib.suppress(KafkaException):
                self.abort_transaction()
