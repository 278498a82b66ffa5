"""Per-partition idempotence state: the last five batches of each producer id, and epoch checks.

Owns ``ProducerStateEntry`` and the checks a partition leader makes before it appends a batch
that carries a producer id: epoch fencing (``INVALID_PRODUCER_EPOCH``), sequence continuity
(``OUT_OF_ORDER_SEQUENCE_NUMBER``) and duplicate detection (answered with the original batch).
``log.PartitionLog`` calls it from ``append``/``append_control``. Standard library only.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from ..errors import ERR

NUM_BATCHES_TO_RETAIN = 5
MAX_SEQUENCE = 2**31 - 1


class ProducerStateError(Exception):
    """A batch the leader refuses; ``code`` is the Kafka error code it answers with."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def next_sequence(sequence: int, count: int) -> int:
    """The sequence ``count`` after ``sequence``; sequences wrap from 2^31-1 to 0.

    >>> next_sequence(0, 5), next_sequence(2**31 - 1, 1)
    (5, 0)

    Kafka: ``DefaultRecordBatch.incrementSequence``.
    """
    return (sequence + count) % (MAX_SEQUENCE + 1)


class ProducerStateEntry:
    """What one partition remembers about one producer id.

    ``batches`` holds the last ``NUM_BATCHES_TO_RETAIN`` (5) data batches that carried a sequence;
    a retry matching one of them is a duplicate. ``producer_epoch`` is the newest epoch seen in
    data or in a transaction marker; anything older is fenced.

    Kafka: ``storage/.../ProducerStateEntry.java`` (``NUM_BATCHES_TO_RETAIN = 5``).
    Simplification: entries never expire (``producer.id.expiration.ms`` is not modelled).
    """

    __slots__ = ("producer_id", "producer_epoch", "batches", "last_append_ms")

    def __init__(self, producer_id: int, producer_epoch: int) -> None:
        self.producer_id = producer_id
        self.producer_epoch = producer_epoch
        self.batches: deque[Any] = deque(maxlen=NUM_BATCHES_TO_RETAIN)
        self.last_append_ms = -1

    @property
    def last_sequence(self) -> int:
        """The sequence of the last record appended with this epoch, or -1 if none."""
        if not self.batches:
            return -1
        batch = self.batches[-1]
        return next_sequence(batch.base_sequence, len(batch.records) - 1)

    def __repr__(self) -> str:
        return (f"ProducerStateEntry(pid={self.producer_id}, epoch={self.producer_epoch}, "
                f"last_sequence={self.last_sequence}, batches={len(self.batches)})")


def check_append(log: Any, producer_id: int, producer_epoch: int, base_sequence: int, count: int) -> Any:
    """Validate a batch from ``producer_id`` before it is appended to ``log``.

    Returns the original ``RecordBatch`` when the batch is a duplicate of one of the last five
    (the leader answers success with the original offsets and appends nothing), else None.
    A batch with ``base_sequence`` -1 (transactional offset commits) is checked for its epoch only.

    Raises:
        ProducerStateError: ``INVALID_PRODUCER_EPOCH`` (47) for an epoch older than the newest
            seen, ``OUT_OF_ORDER_SEQUENCE_NUMBER`` (45) for a sequence that is not last + 1 (or
            not 0 for a new producer id or epoch).

    Kafka: ``UnifiedLog.analyzeAndValidateProducerState``, ``ProducerAppendInfo.checkProducerEpoch``
    and ``checkSequence``. Simplification: an unknown producer id must start at sequence 0 (Kafka
    3.x accepts any sequence when the state was lost to retention, KIP-360).
    """
    entry = log.producer_states.get(producer_id)
    where = f"{log.topic}-{log.partition}"
    if entry is not None and producer_epoch < entry.producer_epoch:
        raise ProducerStateError(ERR.INVALID_PRODUCER_EPOCH,
                                 f"Epoch of producer {producer_id} at offset {log.log_end_offset} in {where} is "
                                 f"{producer_epoch}, which is smaller than the last seen epoch {entry.producer_epoch}")
    if base_sequence < 0:
        return None
    last = count - 1
    if entry is not None and producer_epoch == entry.producer_epoch:
        for batch in entry.batches:
            if batch.base_sequence == base_sequence and len(batch.records) - 1 == last:
                return batch
        expected = next_sequence(entry.last_sequence, 1)
    else:
        expected = 0
    if base_sequence != expected:
        new = "new epoch " if entry is not None and producer_epoch != entry.producer_epoch else ""
        raise ProducerStateError(ERR.OUT_OF_ORDER_SEQUENCE_NUMBER,
                                 f"Out of order sequence number for producer {producer_id} ({new}epoch "
                                 f"{producer_epoch}) in {where}: {base_sequence} (incoming seq. number), "
                                 f"{expected} (expected seq. number)")
    return None


def record_append(log: Any, batch: Any) -> None:
    """Remember an appended data batch of a producer (epoch, and the batch if it has a sequence)."""
    entry = log.producer_states.get(batch.producer_id)
    if entry is None:
        entry = log.producer_states[batch.producer_id] = ProducerStateEntry(batch.producer_id, batch.producer_epoch)
    elif batch.producer_epoch > entry.producer_epoch:
        entry.producer_epoch = batch.producer_epoch
        entry.batches.clear()
    if batch.base_sequence >= 0:
        entry.batches.append(batch)
    entry.last_append_ms = batch.append_time_ms


def record_marker(log: Any, producer_id: int, producer_epoch: int) -> None:
    """A transaction marker was written: it carries the coordinator's epoch, which may fence older ones.

    Kafka: ``ProducerAppendInfo.appendEndTxnMarker`` (a marker with a bumped epoch, written when
    the coordinator fences a producer or aborts a timed-out transaction, fences the old epoch).
    """
    entry = log.producer_states.get(producer_id)
    if entry is None:
        log.producer_states[producer_id] = ProducerStateEntry(producer_id, producer_epoch)
    elif producer_epoch > entry.producer_epoch:
        entry.producer_epoch = producer_epoch
        entry.batches.clear()
