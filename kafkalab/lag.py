"""Consumer lag: how far a group's (or a consumer's) offset is behind the end of a partition.

Owns ``consumer_lag``, the one lag definition: the client's statistics (``client.stats``,
librdkafka's ``consumer_lag``) and the lab's ``lag_frame`` (``kafka-consumer-groups --describe``'s
LAG) both use it. Imports nothing.
"""

from __future__ import annotations


def consumer_lag(end_offset: int | None, offset: int | None) -> int | None:
    """``end_offset - offset``, or None when either is unknown (None or a negative, logical offset).

    ``end_offset`` is the end the reader can see: the high watermark, or the last stable offset
    under ``isolation.level=read_committed``. ``offset`` is the committed offset (the *next* offset
    to consume) or the stored or current position. The result is not clamped: an offset past the
    end gives a negative lag.

    Kafka: ``kafka-consumer-groups.sh --describe`` (LAG = LOG-END-OFFSET - CURRENT-OFFSET, "-" when
    nothing is committed); librdkafka statistics ``consumer_lag`` (-1 when unknown).
    """
    if end_offset is None or offset is None or end_offset < 0 or offset < 0:
        return None
    return end_offset - offset
