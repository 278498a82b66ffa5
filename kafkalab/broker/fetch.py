"""The broker's Fetch and ListOffsets handling, with long polling in virtual time.

Owns ``FetchRequest``: reads each requested partition from its fetch offset up to the high
watermark (``read_uncommitted``) or the last stable offset (``read_committed``), answers
``OFFSET_OUT_OF_RANGE`` below the log start or past the LEO, resolves committed offsets and
``auto.offset.reset`` for partitions without a position, and waits up to ``fetch.wait.max.ms``
when there is nothing to return. Standard library only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import ERR

EARLIEST = "earliest"
LATEST = "latest"
ERROR = "error"

_RESET_SPELLINGS = {"smallest": EARLIEST, "earliest": EARLIEST, "beginning": EARLIEST,
                    "largest": LATEST, "latest": LATEST, "end": LATEST, "error": ERROR}


def reset_policy(value: str) -> str:
    """librdkafka's ``auto.offset.reset`` spellings mapped to earliest / latest / error."""
    return _RESET_SPELLINGS[value]


class PartitionData:
    """One partition of a fetch response: error, batches, the log's markers, how the offset was chosen."""

    __slots__ = ("topic", "partition", "fetch_offset", "error", "batches", "high_watermark",
                 "last_stable_offset", "log_start_offset", "aborted", "reset", "committed_offset")

    def __init__(self, topic: str, partition: int, fetch_offset: int, error: int = 0, high_watermark: int = 0,
                 last_stable_offset: int = 0, log_start_offset: int = 0, reset: str | None = None,
                 committed_offset: int | None = None) -> None:
        self.topic = topic
        self.partition = partition
        self.fetch_offset = fetch_offset
        self.error = error
        self.batches: list = _EMPTY
        self.high_watermark = high_watermark
        self.last_stable_offset = last_stable_offset
        self.log_start_offset = log_start_offset
        self.aborted: list = _EMPTY
        self.reset = reset                      # how fetch_offset was chosen when the request had none
        self.committed_offset = committed_offset


_EMPTY: list = []


def list_offset(log: Any, spec: str, read_committed: bool) -> int:
    """ListOffsets: ``earliest`` -> log start; ``latest`` -> LSO (read_committed) or HW."""
    if spec == EARLIEST:
        return log.log_start_offset
    return log.last_stable_offset if read_committed else log.high_watermark


MAX_TIMESTAMP = "max_timestamp"


def list_offsets_for(log: Any, spec: str | int, read_committed: bool) -> tuple[int, int]:
    """ListOffsets for one partition: ``(offset, timestamp)`` for ``spec``.

    ``spec`` is ``earliest`` (log start), ``latest`` (LSO under read_committed, else HW),
    ``max_timestamp`` (the record with the largest timestamp, KIP-734) or a time in ms (the first
    offset whose timestamp is at or after it; -1 if none). The timestamp is -1 for earliest/latest.

    Kafka: ``ListOffsets`` (``UnifiedLog.fetchOffsetByTimestamp``).
    """
    if spec in (EARLIEST, LATEST):
        return list_offset(log, spec, read_committed), -1
    if spec == MAX_TIMESTAMP:
        best = (-1, -1)
        for batch in log.batches():
            if batch.control is not None or batch.max_timestamp <= best[1]:
                continue
            for i, rec in enumerate(batch.records):
                if rec is not None and rec[2] > best[1]:
                    best = (batch.base_offset + i, rec[2])
        return best
    found = log.offset_for_timestamp(spec)
    return (-1 if found >= log.log_end_offset else found), spec


class FetchRequest:
    """A fetch for several partitions, answered once data is there or ``max_wait_ms`` passed.

    Each entry of ``partitions`` is ``(topic, partition, fetch_offset)``; a negative offset means
    "no position yet": -1001/-1000 use the group's committed offset and then ``reset``, -2 the log
    start, -1 the end.

    Kafka: ``Fetch`` (``LocalLog.read``, ``UnifiedLog.checkLogStartOffset``), ``OffsetFetch`` and
    ``ListOffsets``. Simplifications: these three requests are answered in one round trip; and with
    ``max_wait_ms=None`` (a consumer whose previous fetch came back empty) the request waits until
    data arrives instead of returning empty every ``fetch.wait.max.ms`` — nothing observable
    depends on those repeated empty responses, and idle consumers cost nothing to simulate.
    """

    def __init__(self, cluster: Any, *, group_id: str | None, partitions: list[tuple[str, int, int]],
                 read_committed: bool, reset: str, max_partition_bytes: int, max_wait_ms: int | None,
                 reply: Callable[[list[PartitionData]], None]) -> None:
        self.cluster = cluster
        self.group_id = group_id
        self.partitions = partitions
        self.read_committed = read_committed
        self.reset = reset
        self.max_partition_bytes = max_partition_bytes
        self.reply = reply
        self._logs: list[Any] = []
        self._timer = None
        self._done = False
        result = self._first = self._read()
        if any(p.batches or p.error or p.reset for p in result) or not self._logs or (
                max_wait_ms is not None and max_wait_ms <= 0):
            self._finish(result)
            return
        for log in self._logs:
            log.data_listeners.append(self._on_data)
        if max_wait_ms is not None:
            self._timer = cluster.clock.call_later(max_wait_ms, self._expire)

    def cancel(self) -> None:
        """Drop the request without answering (the client gave up on it)."""
        if not self._done:
            self._done = True
            self._detach()

    def _resolve(self, log: Any, topic: str, partition: int, offset: int) -> tuple[int, str | None, int | None]:
        if offset >= 0:
            return offset, None, None
        if offset == -2:
            return log.log_start_offset, "OFFSET_BEGINNING", None
        if offset == -1:
            return list_offset(log, LATEST, self.read_committed), "OFFSET_END", None
        committed = None
        if self.group_id is not None and self.read_committed and \
                self.cluster.transaction_coordinator.has_pending_offsets(self.group_id, (topic, partition)):
            return -1, "unstable", None
        if self.group_id is not None:
            oam = self.cluster.group_coordinator.offsets.fetch(self.group_id, [(topic, partition)])[(topic, partition)]
            committed = oam.offset if oam is not None else None
        if committed is not None:
            return committed, "committed", committed
        if self.reset == ERROR:
            return -1, "error", None
        return list_offset(log, self.reset, self.read_committed), f"auto.offset.reset={self.reset}", None

    def _read(self) -> list[PartitionData]:
        out = []
        self._logs = []
        for topic, partition, offset in self.partitions:
            t = self.cluster.topics.get(topic)
            if t is None or not 0 <= partition < len(t.partitions):
                out.append(PartitionData(topic, partition, offset, error=ERR.UNKNOWN_TOPIC_OR_PART))
                continue
            log = t.partitions[partition]
            offset, reset, committed = self._resolve(log, topic, partition, offset)
            data = PartitionData(topic, partition, offset, high_watermark=log.high_watermark,
                                 last_stable_offset=log.last_stable_offset,
                                 log_start_offset=log.log_start_offset, reset=reset, committed_offset=committed)
            if reset == "unstable":
                data.error = ERR.UNSTABLE_OFFSET_COMMIT
                data.reset = None
            elif reset == "error":
                data.error = ERR._AUTO_OFFSET_RESET
            elif offset < log.log_start_offset or offset > log.log_end_offset:
                data.error = ERR.OFFSET_OUT_OF_RANGE
            else:
                upper = log.last_stable_offset if self.read_committed else log.high_watermark
                data.batches = log.read(offset, upper, self.max_partition_bytes)
                if self.read_committed and data.batches and log.aborted:
                    lo, hi = data.batches[0].base_offset, data.batches[-1].last_offset
                    data.aborted = [a for a in log.aborted if a[2] >= lo and a[1] <= hi]
                self._logs.append(log)
            out.append(data)
        return out

    def _on_data(self, log: Any) -> None:
        if self._done:
            return
        result = self._read()
        if any(p.batches or p.error for p in result):
            self._finish(result)

    def _expire(self) -> None:
        if not self._done:
            self._finish(self._first if self._first_valid() else self._read())

    def _first_valid(self) -> bool:
        """Nothing was appended while waiting (else _on_data answered): reuse the first read if the
        log start did not move either."""
        return all(d.log_start_offset == log.log_start_offset for d, log in zip(self._first, self._logs))

    def _detach(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        for log in self._logs:
            if self._on_data in log.data_listeners:
                log.data_listeners.remove(self._on_data)

    def _finish(self, result: list[PartitionData]) -> None:
        self._done = True
        self._detach()
        self.reply(result)
