"""The broker's Produce handling: faults, transaction verification, idempotence checks, append.

Owns ``ProduceResult`` and ``handle_produce``, which the producer calls at the broker's end of
its modelled request latency. Armed faults (``faults.py``) fire here; transactional batches are
checked against the coordinator (KIP-890 part 1); ``PartitionLog.append`` applies the producer
state checks. Standard library only; must not import the client package.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..errors import ERR, KafkaError
from . import faults as _faults
from .producer_state import ProducerStateError


class ProduceResult(NamedTuple):
    """A partition's Produce response as the broker means it.

    ``base_offset`` is the first offset of the batch (of the original batch for a duplicate),
    -1 on error. ``fault`` is None, ``lose_response`` (no response is sent) or
    ``delay_response`` (sent ``delay_ms`` late).
    """

    error: int
    base_offset: int
    duplicate: bool = False
    fault: str | None = None
    delay_ms: int = 0
    message: str = ""


def handle_produce(cluster: Any, topic: str, partition: int, records: list, *, producer_id: int = -1,
                   producer_epoch: int = -1, base_sequence: int = -1, transactional: bool = False,
                   client_id: str | None = None) -> ProduceResult:
    """Handle one partition's batch of a Produce request and say what the client gets back.

    Kafka: ``ReplicaManager.appendRecords``; ``transaction.partition.verification.enable``
    (KIP-890 part 1, 3.6): a transactional batch for a partition that is not in the producer's
    ongoing transaction is refused with ``INVALID_TXN_STATE``.
    Simplification: one partition per request; the broker's ack timeout (``request.timeout.ms``)
    never fires because there is one replica.
    """
    t = cluster.topics.get(topic)
    if t is None or not 0 <= partition < len(t.partitions):
        return ProduceResult(ERR.UNKNOWN_TOPIC_OR_PART, -1, message=f"{topic} [{partition}] does not exist")
    faults = cluster._produce_faults
    fault = faults.take(topic, partition) if faults is not None and faults.faults else None
    if fault is not None and fault.kind == _faults.FAIL:
        cluster.trace.record("produce_failed", f"injected fault: fail_produce({_name(fault.error)})", topic=topic,
                             partition=partition, producer_id=producer_id, base_sequence=base_sequence,
                             count=len(records), error=_name(fault.error), client_id=client_id)
        return ProduceResult(fault.error, -1, message="injected by fail_produce")
    if transactional and cluster.broker_config["transaction.partition.verification.enable"]:
        err = cluster.transaction_coordinator.verify_partition(producer_id, producer_epoch, topic, partition)
        if err:
            return _refused(cluster, topic, partition, producer_id, base_sequence, records, client_id, err,
                            "transaction verification (KIP-890): partition not in the producer's ongoing "
                            "transaction")
    log = t.partitions[partition]
    leo = log.log_end_offset
    try:
        batch = log.append(records, producer_id=producer_id, producer_epoch=producer_epoch,
                           base_sequence=base_sequence, is_transactional=transactional, client_id=client_id)
    except ProducerStateError as exc:
        return _refused(cluster, topic, partition, producer_id, base_sequence, records, client_id, exc.code,
                        exc.message)
    duplicate = log.log_end_offset == leo
    if fault is None:
        return ProduceResult(0, batch.base_offset, duplicate)
    if fault.kind == _faults.LOSE_RESPONSE:
        cluster.trace.record("produce_response_lost", "injected fault: lose_produce_response (the batch was "
                             "written, the ack never arrives)", topic=topic, partition=partition,
                             base_offset=batch.base_offset, last_offset=batch.last_offset,
                             producer_id=producer_id, base_sequence=base_sequence, client_id=client_id)
    else:
        cluster.trace.record("produce_response_delayed", f"injected fault: delay_produce_response({fault.delay_ms})",
                             topic=topic, partition=partition, base_offset=batch.base_offset,
                             delay_ms=fault.delay_ms, producer_id=producer_id, client_id=client_id)
    return ProduceResult(0, batch.base_offset, duplicate, fault.kind, fault.delay_ms)


def _refused(cluster: Any, topic: str, partition: int, producer_id: int, base_sequence: int, records: list,
             client_id: str | None, code: int, reason: str) -> ProduceResult:
    cluster.trace.record("produce_failed", reason, topic=topic, partition=partition, producer_id=producer_id,
                         base_sequence=base_sequence, count=len(records), error=_name(code), client_id=client_id)
    return ProduceResult(code, -1, message=reason)


def _name(code: int) -> str:
    return KafkaError(code).name()
