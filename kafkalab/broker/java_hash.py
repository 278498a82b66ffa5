"""Java's ``String.hashCode``: the hash Kafka's Java code applies to group ids, transactional ids and map keys.

Owns ``java_string_hash``, used for coordinator partitioning (``internal_topics.partition_for``) and for
the iteration order of a ``java.util.HashMap`` (``protocol_selection``). A leaf module: standard library only,
importing nothing from kafkalab.
"""

from __future__ import annotations


def java_string_hash(text: str) -> int:
    """Java's ``String.hashCode`` over UTF-16 code units, as a signed 32-bit int.

    A lone surrogate counts as the one code unit it is in Java (``surrogatepass``).
    ``java_string_hash(text) & 0xFFFFFFFF`` is the same bits as an unsigned int.

    >>> java_string_hash("my-group"), java_string_hash("")
    (-1906497762, 0)
    """
    h = 0
    data = text.encode("utf-16-be", "surrogatepass")
    for i in range(0, len(data), 2):
        h = (31 * h + ((data[i] << 8) | data[i + 1])) & 0xFFFFFFFF
    return h - (1 << 32) if h & 0x80000000 else h
