"""The share-partition leader's side of share groups: share sessions, ShareFetch and ShareAcknowledge.

Owns ``ShareSession``, ``ShareFetchPartition``, ``ShareFetchResult``, ``ShareAcknowledgeResult``,
``ShareFetchRequest`` (a long poll in virtual time) and ``SharePartitionManager`` (``cluster.share_partitions``):
the share sessions per member (epoch 0 opens, each request the next epoch, -1 closes and releases
everything the member acquired), acknowledgements piggy-backed on ShareFetch or sent alone with
ShareAcknowledge, the broker noticing a closed connection (KAFKA-19015: the member's records are
released at once), members removed by the group coordinator, and the share-partition offsets
(start offset and lag) for describing a group. Each ``share_partition.SharePartition`` holds one
(group, topic, partition)'s records. Standard library only.

Kafka: ``core/.../kafka/server/share/SharePartitionManager.java``, ``ShareSessionCache``,
``KafkaApis.handleShareFetchRequest`` / ``handleShareAcknowledgeRequest``.

Simplifications:
- A request lists the partitions it fetches in full (Kafka's share session is incremental, with
  ForgottenTopicsData); the session remembers them.
- A ShareFetch from a member the group does not know is served (the broker does not check the
  assignment: a member may finish acknowledging a partition that was taken away, KAFKA-20736).
- Opening a session (epoch 0) while one exists replaces it; records the member holds stay Acquired
  until acknowledged or their lock expires (as ``SharePartitionManager.newContext`` read in the 2024
  source: the old session is only removed from the cache).
- ``group.share.max.share.sessions`` refuses a new session with SHARE_SESSION_LIMIT_REACHED (133); there
  is no idle-session eviction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ..errors import ERR
from .share_partition import SharePartition

TopicPartition = tuple[str, int]
AckBatches = dict[TopicPartition, list[tuple[int, int, list[int]]]]

#: Share session epochs with a meaning (``ShareRequestMetadata``).
INITIAL_EPOCH = 0
FINAL_EPOCH = -1
_INT32_MAX = 2**31 - 1


class ShareFetchPartition(NamedTuple):
    """One partition of a ShareFetch response.

    ``records``: the log's record batches (as Fetch's ``PartitionData.batches``: whole batches, the
    first may start before the first acquired offset); only offsets inside ``acquired_records``
    ``(first_offset, last_offset, delivery_count)`` are this member's to deliver.
    ``acknowledge_error_code``: the result of the acknowledgements the request carried for it.
    """

    error_code: int
    records: list
    acquired_records: list[tuple[int, int, int]]
    acknowledge_error_code: int = 0


class ShareFetchResult(NamedTuple):
    """A ShareFetch response: the top-level error (session errors) and ``{(topic, partition): ShareFetchPartition}``."""

    error_code: int
    partitions: dict[TopicPartition, ShareFetchPartition]


class ShareAcknowledgeResult(NamedTuple):
    """A ShareAcknowledge response: the top-level error and ``{(topic, partition): error code}``."""

    error_code: int
    partitions: dict[TopicPartition, int]


@dataclass(eq=False)
class ShareSession:
    """One member's share session with this broker (``ShareSession``)."""

    group_id: str
    member_id: str
    client_id: str
    epoch: int = 1                   # the epoch the next request must carry
    partitions: set = field(default_factory=set)


class SharePartitionManager:
    """Every share-partition of the broker (it leads every partition), and the share sessions.

    Built by ``cluster.Cluster`` as ``cluster.share_partitions``.
    """

    def __init__(self, cluster: Any) -> None:
        self.cluster = cluster
        self.clock = cluster.clock
        self.trace = cluster.trace
        self.partitions: dict[tuple[str, str, int], SharePartition] = {}
        self.sessions: dict[tuple[str, str], ShareSession] = {}
        self._waiters: list[ShareFetchRequest] = []

    # -- lookups -------------------------------------------------------------------------------------
    def group_config(self, group_id: str) -> dict[str, Any]:
        """The share group's resolved configs (``share.*``)."""
        return self.cluster.group_coordinator.share.config(group_id)

    def share_partition(self, group_id: str, topic: str, partition: int, create: bool = True) -> SharePartition | None:
        """The share-partition of (group, topic, partition); None for an unknown topic partition."""
        key = (group_id, topic, partition)
        sp = self.partitions.get(key)
        if sp is None and create:
            t = self.cluster.topics.get(topic)
            if t is None or not 0 <= partition < len(t.partitions):
                return None
            sp = self.partitions[key] = SharePartition(self, group_id, topic, partition, t.partitions[partition])
        return sp

    def notify_available(self, sp: SharePartition) -> None:
        """Records of ``sp`` became Available: wake waiting ShareFetch long polls."""
        for req in list(self._waiters):
            req.on_available()

    # -- sessions -----------------------------------------------------------------------------------------
    def _session_for(self, group_id: str, member_id: str, epoch: int, client_id: str,
                     opening_allowed: bool) -> tuple[int, ShareSession | None]:
        """Check the request's session epoch: ``(error, session)``. Epoch 0 opens (ShareFetch only)."""
        key = (group_id, member_id)
        session = self.sessions.get(key)
        if epoch == INITIAL_EPOCH:
            if not opening_allowed:
                return ERR.INVALID_SHARE_SESSION_EPOCH, None
            replaced = session is not None
            if not replaced and len(self.sessions) >= self.cluster.broker_config["group.share.max.share.sessions"]:
                return ERR.SHARE_SESSION_LIMIT_REACHED, None
            session = self.sessions[key] = ShareSession(group_id, member_id, client_id)
            self.trace.record("share_session", "ShareFetch with epoch 0" + (" (replaces the old session)"
                                                                            if replaced else ""),
                              group=group_id, member=member_id, client_id=client_id, epoch=0, action="opened")
            return 0, session
        if session is None:
            return ERR.SHARE_SESSION_NOT_FOUND, None
        if epoch == FINAL_EPOCH:
            return 0, session
        if epoch != session.epoch:
            return ERR.INVALID_SHARE_SESSION_EPOCH, None
        session.epoch = 1 if epoch >= _INT32_MAX else epoch + 1      # ShareRequestMetadata.nextEpoch
        return 0, session

    def _close_session(self, session: ShareSession, cause: str, reason: str) -> None:
        self.sessions.pop((session.group_id, session.member_id), None)
        for req in list(self._waiters):
            if req.group_id == session.group_id and req.member_id == session.member_id:
                req.cancel()
        self.trace.record("share_session", reason, group=session.group_id, member=session.member_id,
                          client_id=session.client_id, epoch=-1, action="closed")
        self.release_member(session.group_id, session.member_id, cause, reason)

    def release_member(self, group_id: str, member_id: str, cause: str, reason: str) -> None:
        """Release every record ``member_id`` holds in ``group_id`` (delivery counts kept)."""
        for (gid, _t, _p), sp in list(self.partitions.items()):
            if gid == group_id:
                sp.release_member(member_id, cause, reason)

    # -- acknowledgements ------------------------------------------------------------------------------------
    def _acknowledge(self, group_id: str, member_id: str, acks: AckBatches | None) -> dict[TopicPartition, int]:
        out = {}
        for (topic, partition), batches in (acks or {}).items():
            sp = self.share_partition(group_id, topic, partition, create=False)
            if sp is None:
                t = self.cluster.topics.get(topic)
                out[(topic, partition)] = (ERR.UNKNOWN_TOPIC_OR_PART if t is None or
                                           not 0 <= partition < len(t.partitions) else ERR.INVALID_RECORD_STATE)
                continue
            out[(topic, partition)] = sp.acknowledge(member_id, [(f, la, list(ts)) for f, la, ts in batches])
        return out

    # -- ShareFetch ---------------------------------------------------------------------------------------------
    def share_fetch(self, *, group_id: str, member_id: str, share_session_epoch: int, max_wait_ms: int | None,
                    max_records: int, partitions: list[TopicPartition], acknowledgements: AckBatches | None,
                    client_id: str, reply: Callable[[ShareFetchResult], None]) -> ShareFetchRequest | None:
        """Handle one ShareFetch: session epoch, then the piggy-backed acknowledgements, then acquisition.

        Epoch -1 applies the acknowledgements, closes the session and releases every record the member
        holds (no records are fetched; fetch partitions with -1, or acknowledgements with 0, are INVALID_REQUEST
        as in ``SharePartitionManager.newContext``). Returns the waiting request (``cancel()``), or None if answered.
        """
        if (share_session_epoch == INITIAL_EPOCH and any(acknowledgements.values() if acknowledgements else ())) or (
                share_session_epoch == FINAL_EPOCH and partitions):
            # newContext: no acknowledgements in the request that opens a session; a closing one fetches nothing.
            reply(ShareFetchResult(ERR.INVALID_REQUEST, {}))
            return None
        err, session = self._session_for(group_id, member_id, share_session_epoch, client_id, opening_allowed=True)
        if err:
            reply(ShareFetchResult(err, {}))
            return None
        acked = self._acknowledge(group_id, member_id, acknowledgements)
        if share_session_epoch == FINAL_EPOCH:
            self._close_session(session, "close", "ShareFetch with epoch -1: the share session is closed and "
                                                  "the member's acquired records are released")
            reply(ShareFetchResult(0, {tp: ShareFetchPartition(0, [], [], e) for tp, e in acked.items()}))
            return None
        session.partitions = set(tuple(tp) for tp in partitions)
        req = ShareFetchRequest(self, group_id, member_id, client_id, [tuple(tp) for tp in partitions],
                                max_records, acked, reply)
        req.start(max_wait_ms)
        return None if req.done else req

    # -- ShareAcknowledge -------------------------------------------------------------------------------------
    def share_acknowledge(self, *, group_id: str, member_id: str, share_session_epoch: int,
                          acknowledgements: AckBatches | None, client_id: str) -> ShareAcknowledgeResult:
        """Handle one ShareAcknowledge (never opens a session: epoch 0 is INVALID_SHARE_SESSION_EPOCH)."""
        err, session = self._session_for(group_id, member_id, share_session_epoch, client_id, opening_allowed=False)
        if err:
            return ShareAcknowledgeResult(err, {})
        acked = self._acknowledge(group_id, member_id, acknowledgements)
        if share_session_epoch == FINAL_EPOCH:
            self._close_session(session, "close", "ShareAcknowledge with epoch -1: the share session is closed "
                                                  "and the member's acquired records are released")
        return ShareAcknowledgeResult(0, acked)

    # -- the broker noticing things --------------------------------------------------------------------------
    def connection_closed(self, client: str, member_ids: list[str]) -> None:
        """A client's TCP connections closed (its process died): evict its share sessions and release what
        its members acquired, at once (KAFKA-19015, Kafka 4.1+). The members stay in their groups until
        their session timeout."""
        for member_id in member_ids:
            for (_gid, mid), session in list(self.sessions.items()):
                if mid == member_id:
                    self._close_session(session, "disconnect", f"the connection of {client} closed: its share "
                                        "session is evicted and its acquired records released at once")
            for sp in list(self.partitions.values()):
                sp.release_member(member_id, "disconnect", f"the connection of {client} closed: its acquired "
                                  "records are released at once")

    def member_removed(self, group_id: str, member_id: str, cause: str) -> None:
        """The group coordinator removed a member (left, session timeout, rejoin): drop its session and release
        its records."""
        session = self.sessions.get((group_id, member_id))
        why = {"session_timeout": "the member's session timed out: removed from the group, its records released",
               "member_left": "the member left the group: its records are released",
               "rejoin": "the member rejoined with epoch 0: its previous records are released"}.get(
            cause, f"the member was removed ({cause})")
        if session is not None:
            self._close_session(session, cause, why)
        else:
            self.release_member(group_id, member_id, cause, why)

    def delete_group(self, group_id: str, reason: str) -> None:
        """A deleted share group's share-partition state goes with it."""
        for key in [k for k in self.partitions if k[0] == group_id]:
            del self.partitions[key]

    # -- describe -------------------------------------------------------------------------------------------
    def group_offsets(self, group_id: str) -> dict[TopicPartition, tuple[int, int]]:
        """``{(topic, partition): (start_offset, lag)}`` of every initialised share-partition of the group
        (``DescribeShareGroupOffsets``, KIP-1226 lag), sorted."""
        out = {}
        for (gid, topic, partition), sp in sorted(self.partitions.items()):
            if gid == group_id and sp.initialized:
                sp._check_log_start()
                out[(topic, partition)] = (sp.start_offset, sp.lag())
        return out


class ShareFetchRequest:
    """One ShareFetch waiting for records: answered at once when it acquires something, else when data arrives
    or records become Available, or after ``max_wait_ms`` (empty)."""

    def __init__(self, manager: SharePartitionManager, group_id: str, member_id: str, client_id: str,
                 partitions: list[TopicPartition], max_records: int, acked: dict[TopicPartition, int],
                 reply: Callable[[ShareFetchResult], None]) -> None:
        self.manager = manager
        self.group_id = group_id
        self.member_id = member_id
        self.client_id = client_id
        self.partitions = partitions
        self.max_records = max_records
        self.acked = acked
        self.reply = reply
        self.done = False
        self._timer = None
        self._logs: list = []
        self._attached: list = []

    def start(self, max_wait_ms: int | None) -> None:
        result, got = self._try()
        if got or (max_wait_ms is not None and max_wait_ms <= 0) or not self._logs:
            self._finish(result)
            return
        self._attached = list(self._logs)
        for log in self._attached:
            log.data_listeners.append(self._on_data)
        self.manager._waiters.append(self)
        if max_wait_ms is not None:
            self._timer = self.manager.clock.call_later(max_wait_ms, self._expire)

    def _try(self) -> tuple[ShareFetchResult, bool]:
        out: dict[TopicPartition, ShareFetchPartition] = {}
        left = self.max_records
        got = False
        self._logs = []
        for tp in self.partitions:
            sp = self.manager.share_partition(self.group_id, tp[0], tp[1])
            if sp is None:
                out[tp] = ShareFetchPartition(ERR.UNKNOWN_TOPIC_OR_PART, [], [], self.acked.get(tp, 0))
                continue
            self._logs.append(sp.log)
            batches, acquired = sp.acquire(self.member_id, self.client_id, left) if left > 0 else ([], [])
            left -= sum(last - first + 1 for first, last, _ in acquired)
            got = got or bool(acquired)
            out[tp] = ShareFetchPartition(0, batches, acquired, self.acked.get(tp, 0))
        for tp, err in self.acked.items():
            if tp not in out:
                out[tp] = ShareFetchPartition(0, [], [], err)
        return ShareFetchResult(0, out), got

    def on_available(self) -> None:
        """Records may be acquirable now (a release, an expiry, new data)."""
        if self.done:
            return
        result, got = self._try()
        if got:
            self._finish(result)

    def _on_data(self, log: Any) -> None:
        self.on_available()

    def _expire(self) -> None:
        self._timer = None
        if not self.done:
            self._finish(self._try()[0])

    def cancel(self) -> None:
        """Drop the request without answering (the client gave up on it or died)."""
        if not self.done:
            self.done = True
            self._detach()

    def _detach(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for log in self._attached:
            if self._on_data in log.data_listeners:
                log.data_listeners.remove(self._on_data)
        if self in self.manager._waiters:
            self.manager._waiters.remove(self)

    def _finish(self, result: ShareFetchResult) -> None:
        self.done = True
        self._detach()
        self.reply(result)
