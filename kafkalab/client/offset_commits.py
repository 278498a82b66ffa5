"""The consumer's offset commits: sync and async commit, the offset store, auto-commit.

Owns ``OffsetCommitter``: OffsetCommit requests with the member id and generation of the
moment, ``on_commit`` callbacks served from ``poll``, and auto-commit in both flavours:
librdkafka's background timer that commits the offset store (updated when ``poll`` hands a
record to the application) and Java's commit of the previous poll's positions inside ``poll``.
Standard library only.
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Callable
from typing import Any

from ..clock import Priority
from ..errors import ERR, KafkaError, KafkaException
from .message import TopicPartition

_ASLEEP = object()     # OffsetCommitter._timer while the auto-commit ticks sleep (see wake)


class _CommitRequest:
    __slots__ = ("offsets", "done", "results", "reason", "auto")

    def __init__(self, offsets: dict[tuple[str, int], tuple[int, str]], reason: str, auto: bool = False) -> None:
        self.offsets = offsets
        self.done = False
        self.results: dict[tuple[str, int], int] = {}
        self.reason = reason
        self.auto = auto


class OffsetCommitter:
    """Commits for one consumer. A committed offset is the NEXT offset to consume (last + 1).

    Owns the auto-commit timer (and whether it sleeps: ``asleep``), ``on_commit`` and the commit
    requests. It reads the offset store and positions from ``fetcher.assigned``; the rest comes at
    construction: the consumer's clock, ``connected`` (a cluster answers), ``trace``, ``callbacks``
    (the queue ``poll`` serves), ``membership()`` (member id, generation, instance id of the moment),
    ``request`` (``ClientBase._request``), ``wait_until`` (a blocking commit) and ``alive()``.

    Kafka: confluent-kafka ``Consumer.commit``; librdkafka ``auto.commit.interval.ms`` /
    ``enable.auto.offset.store``; Java ``ConsumerCoordinator.maybeAutoCommitOffsetsAsync``.
    """

    def __init__(self, conf: dict, clock: Any, *, connected: bool, fetcher: Any, client_id: str, trace: Callable,
                 callbacks: deque, membership: Callable[[], tuple[str, int, str | None]], request: Callable,
                 wait_until: Callable, alive: Callable[[], bool]) -> None:
        self._clock = clock
        self._connected = connected
        self._fetcher = fetcher
        self._client_id = client_id
        self._trace = trace
        self._callbacks = callbacks
        self._membership = membership
        self._request = request
        self._wait_until = wait_until
        self._alive = alive
        self.group_id: str = conf["group.id"]
        self.auto_commit: bool = conf["enable.auto.commit"]
        self.interval_ms: int = conf["auto.commit.interval.ms"]
        self.java = conf["kafkalab.client.semantics"] == "java"
        self.on_commit = conf.get("on_commit")
        self._timer = None
        self.asleep = False         # the auto-commit ticks sleep until the offset store changes (wake)
        self.next_java_commit_ms = clock.now_ms + self.interval_ms
        # Set by a KIP-848 membership (ConsumerMembership.on_commit_error): member-epoch errors of a commit.
        self.on_epoch_error: Callable[[int, Callable[[], None] | None], bool] | None = None

    # -- sending ------------------------------------------------------------------------------------
    def send(self, offsets: dict[tuple[str, int], tuple[int, str]], *, asynchronous: bool, reason: str,
             auto: bool = False) -> list[TopicPartition] | None:
        """Send an OffsetCommit for the entries of ``offsets`` that are >= 0; wait for the answer when not
        ``asynchronous``. Logical entries are reported back as given; with none valid: ``_NO_OFFSET``.

        Kafka: librdkafka ``rd_kafka_cgrp_assigned_offsets_commit`` (no valid offset -> ``_NO_OFFSET``).
        """
        if not any(offset >= 0 for offset, _ in offsets.values()):
            if asynchronous:
                self._callback(KafkaError(ERR._NO_OFFSET), _tps(offsets, {}))
                return None
            raise KafkaException(KafkaError(ERR._NO_OFFSET, "Commit failed: Local: No offset stored"))
        if not self._connected:
            err = KafkaError(ERR._WAIT_COORD, "Commit failed: Local: Waiting for coordinator")
            if asynchronous:
                self._callback(err, _tps(offsets, {}))
                return None
            raise KafkaException(err)
        req = _CommitRequest(offsets, reason, auto)
        self._send_request(req, asynchronous)
        if asynchronous:
            return None
        self._wait_until(lambda: req.done or not self._alive(), None)
        if not req.done:
            raise KafkaException(KafkaError(ERR._DESTROY, "Commit failed: consumer crashed or closed"))
        tps = _tps(offsets, req.results)
        first = next((code for code in req.results.values() if code), 0)
        if first:
            raise KafkaException(KafkaError(first, f"Commit failed: {KafkaError(first).str()}"))
        return tps

    def _send_request(self, req: _CommitRequest, asynchronous: bool) -> None:
        """One OffsetCommit for ``req`` with the membership of now (member id, generation or member epoch)."""
        member, gen, instance = self._membership()
        valid = {tp: v for tp, v in req.offsets.items() if v[0] >= 0}
        self._request("OffsetCommit", lambda results: self._on_result(req, results, asynchronous),
                      group_id=self.group_id, member_id=member, generation_id=gen, group_instance_id=instance,
                      offsets=valid, client_id=self._client_id)

    def _on_result(self, req: _CommitRequest, results: dict[tuple[str, int], int], asynchronous: bool) -> None:
        if self.on_epoch_error is not None:
            code = next((c for c in results.values() if c), 0)
            if code and self.on_epoch_error(code, (lambda: self._send_request(req, asynchronous)) if req.auto
                                            else None):
                return      # deferred: resent once a heartbeat refreshed the member epoch
        req.done = True
        req.results = results
        assigned = self._fetcher.assigned
        for tp, code in results.items():
            st = assigned.get(tp)
            if not code and st is not None:
                st.committed = req.offsets[tp][0]
        if asynchronous:
            first = next((code for code in results.values() if code), 0)
            self._callback(KafkaError(first) if first else None, _tps(req.offsets, results))

    def _callback(self, err: KafkaError | None, tps: list[TopicPartition]) -> None:
        if self.on_commit is not None:
            self._callbacks.append((self.on_commit, (err, tps)))

    # -- what to commit -----------------------------------------------------------------------------
    def stored_offsets(self, only: list[tuple[str, int]] | None = None) -> dict[tuple[str, int], tuple[int, str]]:
        """The offset store of assigned partitions that is ahead of the last known commit.

        A stored offset at or below the committed one is left out, so the auto-commit timer and
        ``commit()`` never move a committed offset backwards.

        Kafka: librdkafka ``rd_kafka_topic_partition_list_set_offsets`` (stored > committed only).
        """
        out = {}
        for tp, st in self._fetcher.assigned.items():
            if only is not None and tp not in only:
                continue
            if st.stored >= 0 and st.stored > st.committed:
                out[tp] = (st.stored, "")
        return out

    def removal_offsets(self, only: list[tuple[str, int]] | None = None) -> dict[tuple[str, int], tuple[int, str]]:
        """What librdkafka commits for partitions leaving the assignment (revoke, unassign, close).

        Every stored offset not yet committed, a lower one included: librdkafka commits the store of
        removed partitions as it is. Simplification: one equal to the committed offset is not sent
        again (librdkafka would send it; the committed offset is the same either way).

        Kafka: librdkafka ``rd_kafka_assignment_serve_removals``.
        """
        out = {}
        for tp, st in self._fetcher.assigned.items():
            if (only is None or tp in only) and st.stored >= 0 and st.stored != st.committed:
                out[tp] = (st.stored, "")
        return out

    def positions(self, only: list[tuple[str, int]] | None = None) -> dict[tuple[str, int], tuple[int, str]]:
        """Current positions (what Java commits: everything earlier polls returned)."""
        out = {}
        for tp, st in self._fetcher.assigned.items():
            if (only is None or tp in only) and st.position >= 0 and st.position != st.committed:
                out[tp] = (st.position, "")
        return out

    def _auto_offsets(self, only=None):
        return self.positions(only) if self.java else self.removal_offsets(only)

    # -- auto-commit --------------------------------------------------------------------------------
    def start(self) -> None:
        """Start librdkafka's background auto-commit timer (no-op for Java semantics or when off)."""
        if self.auto_commit and not self.java and self._timer is None:
            self._timer = self._clock.call_later(self.interval_ms, self._tick, priority=Priority.AUTO_COMMIT)

    def stop(self) -> None:
        if self._timer is not None and self._timer is not _ASLEEP:
            self._timer.cancel()
        self._timer = None
        self.asleep = False

    def _tick(self) -> None:
        self._timer = None
        if not self._alive():
            return
        offsets = self.stored_offsets()
        if offsets:
            self._trace("auto_commit", f"auto.commit.interval.ms={self.interval_ms} timer (offset store)",
                     offsets=[[t, p, o] for (t, p), (o, _) in offsets.items()])
            self.send(offsets, asynchronous=True, reason="auto-commit", auto=True)
            self.start()
        else:       # nothing to commit until the offset store changes: skip the idle ticks (wake())
            self._timer = _ASLEEP
            self._anchor_ms = self._clock.now_ms
            self.asleep = True

    def wake(self) -> None:
        """The offset store changed: resume the ticks at the next point of their fixed-rate grid.

        Simplification of librdkafka's timer, which wakes every ``auto.commit.interval.ms`` and
        finds nothing to commit; skipping those ticks changes no outcome and makes idle time free.
        A tick due at this very millisecond counts as past when the program (or a later timer)
        is running, as it would have run before.
        """
        self.asleep = False
        if self._timer is not _ASLEEP:
            return
        clock = self._clock
        now, anchor, interval = clock.now_ms, self._anchor_ms, self.interval_ms
        at = anchor + max(1, -(-(now - anchor) // interval)) * interval
        if at == now and (clock.current is None or clock.current.priority > Priority.AUTO_COMMIT):
            at += interval
        self._timer = clock.call_at(at, self._tick, priority=Priority.AUTO_COMMIT)

    def java_poll(self) -> None:
        """Java: inside poll, before fetching, commit the positions that earlier polls returned."""
        now = self._clock.now_ms
        if now < self.next_java_commit_ms:
            return
        self.next_java_commit_ms = now + self.interval_ms
        offsets = self.positions()
        if offsets:
            self._trace("auto_commit", "Java auto-commit inside poll (positions of previous polls)",
                     offsets=[[t, p, o] for (t, p), (o, _) in offsets.items()])
            self.send(offsets, asynchronous=True, reason="auto-commit", auto=True)

    def on_revoke(self, partitions: list[tuple[str, int]], lost: bool) -> None:
        """Commit before partitions go away: librdkafka commits the store asynchronously after
        the revoke callback; Java commits positions synchronously before it (``onJoinPrepare``)."""
        if not self.auto_commit or lost:
            return
        offsets = self._auto_offsets(partitions)
        if offsets:
            self._trace("auto_commit", "before partitions are revoked",
                          offsets=[[t, p, o] for (t, p), (o, _) in offsets.items()])
            with contextlib.suppress(KafkaException):
                self.send(offsets, asynchronous=not self.java, reason="revoke", auto=True)

    def final(self) -> None:
        """On close: commit the final offsets synchronously when auto-commit is on."""
        if not self.auto_commit:
            return
        offsets = self._auto_offsets()
        if offsets:
            self._trace("auto_commit", "close(): final commit",
                          offsets=[[t, p, o] for (t, p), (o, _) in offsets.items()])
            with contextlib.suppress(KafkaException):
                self.send(offsets, asynchronous=False, reason="close", auto=True)


def _tps(offsets: dict[tuple[str, int], tuple[int, str]], results: dict[tuple[str, int], int]) -> list[TopicPartition]:
    out = []
    for (topic, partition), (offset, metadata) in offsets.items():
        tp = TopicPartition(topic, partition, offset, metadata or None)
        code = results.get((topic, partition), 0)
        tp.error = KafkaError(code) if code else None
        out.append(tp)
    return out


