"""The share-group scenarios of notebook 09 (KIP-932, "Queues for Kafka"), registered in ``library``.

Owns ``share-group-crash`` (the seed's first question as asked: three consumers read one partition, each
record acquired by one of them and acknowledged on its own; the third crashes, or hangs, holding one) and
``share-group-scaling`` (more consumers than partitions, and fewer). Standard library only.
"""

from __future__ import annotations

from typing import Any

from .scenario import Scenario

#: Share-group settings of these scenarios (broker level; B.1 of KAFKA_REFERENCE_MODERN): Kafka's defaults.
LOCK_MS = 30_000
DELIVERY_LIMIT = 5


def _broker(lock_ms: int, delivery_limit: int) -> dict:
    conf: dict[str, Any] = {"group.initial.rebalance.delay.ms": 0}
    if lock_ms != LOCK_MS:
        conf["group.share.record.lock.duration.ms"] = lock_ms
        conf["group.share.min.record.lock.duration.ms"] = min(15_000, lock_ms)
    if delivery_limit != DELIVERY_LIMIT:
        conf["group.share.delivery.count.limit"] = delivery_limit
    return conf


def share_group_crash(seed: int = 7, records: int = 9, consumers: int = 3, partitions: int = 1,
                      processing_ms: int = 2_000, fate: str = "crash", fate_ms: int = 3_000,
                      poison: str | None = None, release_once: bool = False, lock_ms: int = LOCK_MS,
                      delivery_limit: int = DELIVERY_LIMIT, produce_ms: int = 1_000, end_ms: int = 40_000,
                      max_poll_records: int = 1, audit: bool = False) -> Scenario:
    """Three share consumers read one partition; each record is acquired by one of them, locked, and acknowledged
    on its own. The third one dies holding a record: after a crash another consumer gets it at once (delivery
    count 2); after a hang only when the acquisition lock expires (30 s). Nothing leaves the log.

    Setup: topic ``tasks`` (``partitions``, 1); share group ``workers`` with consumers c1, c2, c3 (``consumers``)
    in explicit acknowledgement mode, ``max.poll.records`` = 1 (each poll acquires one record here), 2 s of
    processing per record, accepting what they processed. A producer writes ``records`` records with keys
    ``task-{i}`` from ``produce_ms`` (1 s: after the group's first fetch, because ``share.auto.offset.reset`` is
    ``latest`` by default and earlier records would never be delivered) at 50/s. At ``fate_ms`` (3 s) the last
    consumer ``fate``: ``crash`` (process killed: connections closed), ``hang`` (stuck in processing, connections
    up, never finishing), ``close`` (clean close), or ``none``. ``poison``: the record ``task-3`` is rejected
    (``"reject"``) or released every time it is processed (``"release"``: it fails on every attempt, archived at
    ``group.share.delivery.count.limit``, 5). ``release_once``: ``task-4`` is released on its first delivery,
    accepted on its second. ``lock_ms``: ``group.share.record.lock.duration.ms`` (30 s, Kafka's default).
    ``audit``: a consumer group ``audit`` (one classic consumer, from the earliest offset) reads the same topic.

    Trace facts: ``share_acquired`` of c3's record by c3 with delivery_count 1 before ``fate_ms``; after a crash a
    ``share_released`` (cause disconnect) at ``fate_ms`` and the same offset acquired by another member with
    delivery_count 2 within a fetch; after a hang a ``share_lock_expired`` ``lock_ms`` after c3's acquisition,
    then the acquisition by another member with delivery_count 2.
    """
    names = [f"c{i + 1}" for i in range(consumers)]
    sc = Scenario(seed=seed, name="share-group-crash", topics={"tasks": {"partitions": partitions}},
                  broker_config=_broker(lock_ms, delivery_limit), end_ms=end_ms)
    acks: dict[str, Any] = {}
    if poison is not None:
        acks["task-3"] = poison
    if release_once:
        acks["task-4"] = ["release", "accept"]
    for name in names:
        sc.add_share_consumer(name, group="workers", topics=["tasks"], processing_ms=processing_ms, acks=acks,
                              config={"max.poll.records": max_poll_records})
    if audit:
        sc.add_consumer("audit", group="audit", topics=["tasks"], processing_ms=10)
    sc.add_producer("producer", topic="tasks", rate_per_s=50, keys="task-{i}", count=records, start_ms=produce_ms)
    last = names[-1]
    if fate == "crash":
        sc.crash(last, point="now", at_ms=fate_ms)
    elif fate == "hang":
        sc.hang(last, at_ms=fate_ms)
    elif fate == "close":
        sc.remove_consumer(last, at_ms=fate_ms)
    elif fate != "none":
        raise ValueError(f"share-group-crash: fate must be one of ['crash', 'hang', 'close', 'none'], got {fate!r}")
    return sc


def share_group_scaling(seed: int = 7, consumers: int = 4, partitions: int = 2, records: int = 40,
                        processing_ms: int = 200, end_ms: int = 20_000) -> Scenario:
    """Share groups scale past the partition count: with more consumers than partitions every consumer gets work
    (partitions are shared); with at most as many consumers as partitions each partition has one member.

    Setup: topic ``tasks`` with ``partitions`` partitions; ``consumers`` share consumers in group ``workers``
    (implicit acknowledgement: each poll accepts the previous batch), 200 ms per record, ``max.poll.records``
    = 1; a producer writes ``records`` records (keys ``task-{i}``, spread over the partitions) from 1 s at
    20/s. Kafka 4.2's ``simple`` assignor: ceil(M/P) members per partition.

    Trace facts: every consumer processes records (``app_processed``) when consumers > partitions; the assignment
    (``share_acquired`` by member and partition) has each partition with ceil(M/P) members.
    """
    sc = Scenario(seed=seed, name="share-group-scaling", topics={"tasks": {"partitions": partitions}},
                  broker_config=_broker(LOCK_MS, DELIVERY_LIMIT), end_ms=end_ms)
    for i in range(consumers):
        sc.add_share_consumer(f"c{i + 1}", group="workers", topics=["tasks"], processing_ms=processing_ms,
                              mode="implicit", config={"max.poll.records": 1})
    sc.add_producer("producer", topic="tasks", rate_per_s=20, keys="task-{i}", count=records, start_ms=1_000)
    return sc


#: name -> builder, registered by ``library`` after its own scenarios.
BUILDERS = {"share-group-crash": share_group_crash, "share-group-scaling": share_group_scaling}

__all__ = ["BUILDERS", "DELIVERY_LIMIT", "LOCK_MS", "share_group_crash", "share_group_scaling"]
