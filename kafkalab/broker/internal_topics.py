"""The internal topics and coordinator partitioning: which partition of which topic owns a key.

Owns the names ``__consumer_offsets`` and ``__transaction_state`` and ``partition_for``, the
mapping of a group id or transactional id to its coordinator partition. A leaf module (standard
library and ``java_hash`` only) so the coordinators and the cluster can all import it.
"""

from __future__ import annotations

from .java_hash import java_string_hash

OFFSETS_TOPIC = "__consumer_offsets"
TRANSACTION_STATE_TOPIC = "__transaction_state"


def partition_for(key: str, partitions: int) -> int:
    """``Utils.abs(key.hashCode()) % partitions``: the coordinator partition of a group or transactional id.

    Kafka's ``Utils.abs`` maps Integer.MIN_VALUE to 0.

    >>> partition_for("my-group", 50), partition_for("test-consumer-group", 50), partition_for("polygenelubricants", 50)
    (12, 31, 0)
    """
    h = java_string_hash(key)
    return (0 if h == -(1 << 31) else abs(h)) % partitions
