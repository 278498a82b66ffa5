"""The consumer's fetcher: per-partition positions, prefetched records, offset resets.

Owns ``PartitionState`` and ``Fetcher``: one fetch request in flight at a time (as librdkafka
keeps one per broker), prefetched records per partition, ``auto.offset.reset`` on
``OFFSET_OUT_OF_RANGE``, read_committed filtering of aborted records and control markers, and
``enable.partition.eof`` events. Standard library only.
"""

from __future__ import annotations

import gc
from collections import deque
from collections.abc import Callable
from typing import Any

from ..broker.apis import ERROR, LOG_APPEND_TIME, reset_policy
from ..errors import ERR, KafkaError, KafkaException
from .message import OFFSET_INVALID, TIMESTAMP_LOG_APPEND_TIME, FetchedMessage, Message

_BROKER_ID = 1      # kafkalab's one broker (Cluster.broker_id), as librdkafka names it in event texts


class PartitionState:
    """An assigned partition as one consumer sees it.

    ``position`` is the next offset the application will get (last handed out + 1; -1001 before
    anything was fetched); ``fetch_position`` the next offset to fetch (None until resolved from
    the committed offset or ``auto.offset.reset``); ``stored`` the offset store (what a commit
    without arguments commits).
    """

    __slots__ = ("topic", "partition", "tp", "position", "fetch_position", "start_offset", "buffer",
                 "paused", "stopped", "stored", "committed", "version", "eof_reported", "high_watermark",
                 "last_stable_offset", "log_start_offset", "in_flight")

    def __init__(self, topic: str, partition: int, start_offset: int) -> None:
        self.topic = topic
        self.partition = partition
        self.tp = (topic, partition)
        self.position = OFFSET_INVALID
        self.fetch_position: int | None = start_offset if start_offset >= 0 else None
        self.start_offset = start_offset
        self.buffer: deque[Message] = deque()
        self.paused = False
        self.stopped = False
        self.stored = OFFSET_INVALID
        self.committed = OFFSET_INVALID
        self.version = 0
        self.eof_reported = -1
        self.high_watermark = -1
        self.last_stable_offset = -1
        self.log_start_offset = -1
        self.in_flight = False

    def seek(self, offset: int) -> None:
        """Drop prefetched records and fetch from ``offset`` next (negative: a logical offset)."""
        self.buffer.clear()
        self.version += 1
        self.stopped = False
        self.start_offset = offset
        self.fetch_position = offset if offset >= 0 else None
        if offset >= 0:
            self.position = offset


class Fetcher:
    """Fetches for one consumer and hands out records in fetch-response order.

    Owns the assignment (``assigned``: a ``PartitionState`` per partition, with its positions and
    offset store) and the partitions with records ready for ``poll`` (``ready``). What it needs of
    the consumer comes at construction: its clock, ``connected`` (a cluster answers), ``trace`` and
    ``push_event`` (an error event for the application's next poll), ``request``
    (``ClientBase._request``) and ``alive()``.
    ``commits`` (the ``OffsetCommitter``, woken when the offset store moves) is set by the consumer.
    """

    def __init__(self, conf: dict, clock: Any, *, connected: bool, trace: Callable, push_event: Callable,
                 request: Callable, alive: Callable[[], bool]) -> None:
        self._clock = clock
        self._connected = connected
        self._trace = trace
        self._push_event = push_event
        self._request = request
        self._alive = alive
        self.commits: Any = None
        self.group_id: str = conf["group.id"]
        self.auto_store: bool = conf["enable.auto.offset.store"]
        self.read_committed = conf["isolation.level"] == "read_committed"
        self.reset = reset_policy(conf["auto.offset.reset"])
        self.max_partition_bytes = conf["fetch.message.max.bytes"]
        self.max_wait_ms = conf["fetch.wait.max.ms"]
        self.partition_eof = conf["enable.partition.eof"]
        self.retry_backoff_ms = conf["retry.backoff.ms"]
        self.assigned: dict[tuple[str, int], PartitionState] = {}
        self.ready: deque[PartitionState] = deque()
        self.in_flight: Any = None     # the Fetch request in flight (an InFlightRequest), one at a time
        self.idle = False
        self.assign_calls = 0       # assignment changes the application made (assign, unassign, ...)

    # -- the assignment (the application's assign calls) -------------------------------------------
    def assign(self, partitions: list[tuple[str, int, int]]) -> None:
        """Replace the assignment with ``(topic, partition, start offset)`` entries (``Consumer.assign``)."""
        self.assign_calls += 1
        self.clear()
        for topic, partition, offset in partitions:
            self.assigned[(topic, partition)] = PartitionState(topic, partition, offset)
        self.restart()

    def incremental_assign(self, partitions: list[tuple[str, int, int]]) -> None:
        """Add partitions; ``_CONFLICT`` if one is assigned already (``Consumer.incremental_assign``)."""
        self.assign_calls += 1
        for topic, partition, _offset in partitions:
            if (topic, partition) in self.assigned:
                raise KafkaException(KafkaError(ERR._CONFLICT, f"{topic} [{partition}] is already part of "
                                                               f"the current assignment"))
        for topic, partition, offset in partitions:
            self.assigned[(topic, partition)] = PartitionState(topic, partition, offset)
        self.restart()

    def incremental_unassign(self, partitions: list[tuple[str, int]]) -> None:
        """Remove partitions (``Consumer.incremental_unassign``)."""
        self.assign_calls += 1
        for tp in partitions:
            self.remove(tp)

    def unassign(self) -> None:
        """Remove the whole assignment (``Consumer.unassign``)."""
        self.assign_calls += 1
        self.clear()

    def clear(self) -> None:
        for st in self.assigned.values():
            st.buffer.clear()
            st.version += 1
        self.assigned.clear()
        self.ready.clear()
        self.restart()

    def remove(self, tp: tuple[str, int]) -> PartitionState | None:
        st = self.assigned.pop(tp, None)
        if st is not None:
            st.buffer.clear()
            st.version += 1
            if st in self.ready:
                self.ready.remove(st)
            self.restart()
        return st

    def restart(self) -> None:
        """The set of fetchable partitions changed: drop the request in flight and fetch anew."""
        token = self.in_flight
        if token is not None:
            token.cancel()
            self.in_flight = None
        self.idle = False
        self.maybe_fetch()

    # -- requests ----------------------------------------------------------------------------------
    def maybe_fetch(self) -> None:
        """Send a fetch for every assigned partition that has nothing buffered, unless one is in flight."""
        if self.in_flight is not None or not self._connected or not self._alive():
            return
        wanted = [st for st in self.assigned.values()
                  if not st.paused and not st.stopped and not st.buffer]
        if not wanted:
            return
        request = [(st.topic, st.partition, st.fetch_position if st.fetch_position is not None
                    else st.start_offset) for st in wanted]
        versions = [(st, st.version, st.fetch_position) for st in wanted]
        # ``token`` is this request: bound once _request returns, before any reply can come.
        token = self.in_flight = self._request(
            "Fetch", lambda result: self._on_response(result, versions, token), group_id=self.group_id,
            partitions=request, read_committed=self.read_committed, reset=self.reset,
            max_partition_bytes=self.max_partition_bytes, max_wait_ms=None if self.idle else self.max_wait_ms)

    # -- responses ----------------------------------------------------------------------------------
    def _on_response(self, result, versions, token) -> None:
        if token is not self.in_flight:
            return
        self.in_flight = None
        self.idle = not any(d.batches or d.error or d.reset for d in result)
        for data, (st, version, requested) in zip(result, versions):
            if self.assigned.get(st.tp) is not st or st.version != version or st.fetch_position != requested:
                continue
            st.high_watermark = data.high_watermark
            st.last_stable_offset = data.last_stable_offset
            st.log_start_offset = data.log_start_offset
            if data.reset is not None and data.fetch_offset >= 0:
                st.fetch_position = data.fetch_offset
                if data.reset == "committed" and st.committed < 0:
                    st.committed = data.fetch_offset      # librdkafka: OffsetFetch sets rktp_committed_pos
                if data.reset != "committed":
                    self._trace("offset_reset", f"no committed offset: {data.reset}", topic=st.topic,
                             partition=st.partition, from_offset=None, to_offset=data.fetch_offset, skipped=0)
            if data.error:
                self._on_error(st, data)
                continue
            self._take(st, data)
        self.maybe_fetch()

    def _on_error(self, st: PartitionState, data) -> None:
        if data.error == ERR.UNSTABLE_OFFSET_COMMIT:
            self._retry_unstable(st)
            return
        if data.error == ERR.OFFSET_OUT_OF_RANGE and self.reset != ERROR:
            to = data.log_start_offset if self.reset == "earliest" else (
                data.last_stable_offset if self.read_committed else data.high_watermark)
            skipped = max(0, to - data.fetch_offset) if data.fetch_offset >= 0 else 0
            self._trace("offset_reset", f"fetch offset {data.fetch_offset} out of range "
                     f"[{data.log_start_offset}, {data.high_watermark}]: auto.offset.reset={self.reset}",
                     topic=st.topic, partition=st.partition, from_offset=data.fetch_offset, to_offset=to,
                     skipped=skipped, cause="OFFSET_OUT_OF_RANGE")
            st.fetch_position = to
            return
        st.stopped = True
        offset = data.fetch_offset
        if data.error in (ERR.OFFSET_OUT_OF_RANGE, ERR._AUTO_OFFSET_RESET):
            # librdkafka rd_kafka_offset_reset: "<reason>: <error text>[ (broker N)]"; the event's offset is
            # the fetch offset, -1001 when there was no committed offset.
            if data.error == ERR.OFFSET_OUT_OF_RANGE:
                text = (f"fetch failed due to requested offset not available on the broker: "
                        f"{KafkaError(ERR.OFFSET_OUT_OF_RANGE).str()} (broker {_BROKER_ID})")
                where = (f"fetch offset {offset} is out of range [{data.log_start_offset}, "
                         f"{data.high_watermark}]")
            else:
                offset = OFFSET_INVALID
                text = f"no previously committed offset available: {KafkaError(ERR._NO_OFFSET).str()}"
                where = "no committed offset"
            err = KafkaError(ERR._AUTO_OFFSET_RESET, text)
            self._trace("offset_reset_error", f"{where} and auto.offset.reset=error", topic=st.topic,
                     partition=st.partition, from_offset=data.fetch_offset)
        else:
            err = KafkaError(data.error, f"{KafkaError(data.error).str()}: {st.topic} [{st.partition}]")
        self._push_event(Message(st.topic, st.partition, offset, error=err))

    def _retry_unstable(self, st: PartitionState) -> None:
        """An open transaction holds offsets for this partition: ask again after ``retry.backoff.ms``.

        The application sees no error; consumption starts once the transaction completes, from the
        offsets it committed (or, after an abort, from the older committed offset).

        Kafka: KIP-447 (OffsetFetch ``require_stable``); librdkafka retries ``UNSTABLE_OFFSET_COMMIT``.
        Simplification: the wait uses a fixed ``retry.backoff.ms`` (librdkafka backs off exponentially).
        """
        self._trace("offset_fetch_unstable", "an open transaction holds offsets for this partition: "
                 f"retry in {self.retry_backoff_ms} ms", topic=st.topic, partition=st.partition)
        st.stopped = True
        version = st.version

        def retry() -> None:
            if self.assigned.get(st.tp) is st and st.version == version and self._alive():
                st.stopped = False
                self.idle = False
                self.maybe_fetch()

        self._clock.call_later(self.retry_backoff_ms, retry)

    def _take(self, st: PartitionState, data) -> None:
        # Building many small objects at once: pause the cyclic GC (none of them form cycles),
        # which otherwise rescans every live record repeatedly while the buffer fills.
        if gc.isenabled():
            gc.disable()
            try:
                self._take_batches(st, data)
            finally:
                gc.enable()
        else:
            self._take_batches(st, data)

    def _take_batches(self, st: PartitionState, data) -> None:
        topic, partition = st.tp
        fo = data.fetch_offset
        out = st.buffer
        before = len(out)
        aborted = data.aborted
        end = fo
        for batch in data.batches:
            end = batch.last_offset + 1
            if batch.control is not None:
                continue
            if aborted and batch.is_transactional and _in_aborted(aborted, batch):
                continue
            recs = batch.records
            base = batch.base_offset
            start = fo - base if fo > base else 0
            if batch.timestamp_type == LOG_APPEND_TIME:
                ts = batch.append_time_ms
                out.extend(Message(topic, partition, base + i, r[0], r[1], r[3], None, (TIMESTAMP_LOG_APPEND_TIME, ts),
                                   None, 0)
                           for i, r in enumerate(recs[start:], start) if r is not None)
            elif batch.compacted:
                out.extend(FetchedMessage(topic, partition, base + i, r[0], r[1], r[2], r[3])
                           for i, r in enumerate(recs[start:], start) if r is not None)
            else:
                out.extend([FetchedMessage(topic, partition, i, r[0], r[1], r[2], r[3])
                            for i, r in zip(range(base + start, base + len(recs)), recs[start:] if start else recs)])
        if end > fo:
            st.fetch_position = end
        if len(out) > before:
            self._trace("fetch", "fetch response", topic=topic, partition=partition,
                          first_offset=out[before]._offset, last_offset=out[-1]._offset, count=len(out) - before,
                          high_watermark=data.high_watermark, last_stable_offset=data.last_stable_offset)
        if out:
            if st not in self.ready:
                self.ready.append(st)
        else:
            self.after_drain(st)

    def after_drain(self, st: PartitionState) -> None:
        """The buffer is empty: step the position over trailing markers and report EOF once."""
        fp = st.fetch_position
        if fp is not None and st.position >= 0 and fp > st.position:
            st.position = fp
            if self.auto_store:
                st.stored = fp
                if self.commits.asleep:
                    self.commits.wake()
        if (self.partition_eof and fp is not None and st.high_watermark >= 0
                and fp >= (st.last_stable_offset if self.read_committed else st.high_watermark)
                and st.eof_reported != fp):
            st.eof_reported = fp
            self._push_event(Message(st.topic, st.partition, fp, error=KafkaError(
                ERR._PARTITION_EOF, f"Fetch from broker {_BROKER_ID} reached end of partition at offset {fp} "
                                    f"(HighwaterMark {st.high_watermark})")))


def _in_aborted(aborted: list[tuple[int, int, int]], batch: Any) -> bool:
    pid, off = batch.producer_id, batch.base_offset
    return any(a[0] == pid and a[1] <= off <= a[2] for a in aborted)
