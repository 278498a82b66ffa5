"""Committed offsets: what a group has committed, stored as records in ``__consumer_offsets``.

Owns ``OffsetAndMetadata`` and the encoding of offset-commit records (key: group, topic,
partition; value: offset, metadata, commit time), so a notebook can read a commit back as the
plain record it is. Standard library only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .internal_topics import OFFSETS_TOPIC, partition_for


@dataclass
class OffsetAndMetadata:
    """A committed offset: the NEXT offset the group will consume (last processed + 1).

    Kafka: ``OffsetAndMetadata``; the value of an offset-commit record in ``__consumer_offsets``.
    """

    offset: int
    metadata: str = ""
    commit_ms: int = 0
    leader_epoch: int | None = None


def offsets_partition(cluster: Any, group_id: str) -> int:
    """The ``__consumer_offsets`` partition (and so the coordinator) of ``group_id``.

    Kafka: ``abs(groupId.hashCode()) % offsets.topic.num.partitions``.
    """
    return partition_for(group_id, cluster.broker_config["offsets.topic.num.partitions"])


def encode_key(group_id: str, topic: str, partition: int) -> bytes:
    """The record key of an offset commit.

    Simplification: Kafka encodes key and value in a versioned binary schema; kafkalab uses JSON
    so that a learner can read the record directly.
    """
    return json.dumps({"group": group_id, "topic": topic, "partition": partition},
                      separators=(",", ":")).encode()


def encode_value(oam: OffsetAndMetadata | None) -> bytes | None:
    """The record value of an offset commit; None is a tombstone (offsets deleted or expired)."""
    if oam is None:
        return None
    return json.dumps({"offset": oam.offset, "metadata": oam.metadata, "commit_timestamp": oam.commit_ms,
                       "leader_epoch": oam.leader_epoch}, separators=(",", ":")).encode()


def write_commit(cluster: Any, group_id: str, offsets: dict[tuple[str, int], OffsetAndMetadata | None],
                 *, producer_id: int = -1, producer_epoch: int = -1, transactional: bool = False,
                 reason: str = "offset commit") -> int:
    """Append one batch of offset-commit records for ``group_id``; return its base offset."""
    log = cluster.internal_topic(OFFSETS_TOPIC).partitions[offsets_partition(cluster, group_id)]
    now = cluster.now_ms
    records = [(encode_key(group_id, t, p), encode_value(oam), now, None) for (t, p), oam in offsets.items()]
    batch = log.append(records, producer_id=producer_id, producer_epoch=producer_epoch,
                       is_transactional=transactional, reason=reason)
    return batch.base_offset


def decode_record(key: bytes | None, value: bytes | None) -> dict[str, Any]:
    """Decode an offset-commit record into a dict (offset None for a tombstone)."""
    out: dict[str, Any] = dict(json.loads(key)) if key else {}
    if value is None:
        out.update(offset=None, metadata=None, commit_timestamp=None)
    else:
        out.update(json.loads(value))
    return out
