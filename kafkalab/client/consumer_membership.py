"""The consumer's side of Kafka 4's consumer group protocol (KIP-848, ``group.protocol=consumer``).

Owns ``ConsumerMembership``, the membership manager a ``Consumer`` uses instead of
``ConsumerCoordinator`` under ``group.protocol=consumer``: ConsumerGroupHeartbeat every
``heartbeat_interval_ms`` the broker returns (a full request on join, after an error or a change,
"unchanged" None fields otherwise), reconciliation of each new assignment (revoke first, report the
smaller owned set, then assign; callbacks always incremental, served from ``poll``), fencing
(assignment lost, rejoin with epoch 0), fatal heartbeat errors, ``max.poll.interval.ms`` leaving and
rejoining, leaving with epoch -1 (-2 for a static member), and the member epoch that offset commits
carry. ``MemberJoinState`` uses librdkafka's join-state names. Every broker call is a request
(``ClientBase._request``). Standard library only.

Kafka: KIP-848; librdkafka ``rdkafka_cgrp.c`` (``rd_kafka_cgrp_consumer_*``,
``rd_kafka_cgrp_handle_ConsumerGroupHeartbeat``).
"""

from __future__ import annotations

import base64
from collections import deque
from collections.abc import Callable
from enum import Enum
from typing import Any

from ..clock import Priority
from ..errors import ERR, KafkaError
from .message import Message, TopicPartition

LEAVE_EPOCH = -1              # a member leaving the group for good
STATIC_LEAVE_EPOCH = -2       # a static member leaving temporarily (it intends to come back)

# Heartbeat errors librdkafka treats as fatal (rd_kafka_cgrp_handle_ConsumerGroupHeartbeat).
_FATAL = frozenset({ERR.INVALID_REQUEST, ERR.GROUP_MAX_SIZE_REACHED, ERR.UNSUPPORTED_ASSIGNOR,
                    ERR.UNSUPPORTED_VERSION, ERR.UNRELEASED_INSTANCE_ID, ERR.GROUP_AUTHORIZATION_FAILED,
                    ERR.GROUP_ID_NOT_FOUND})
_FENCED = frozenset({ERR.UNKNOWN_MEMBER_ID, ERR.FENCED_MEMBER_EPOCH})
_RETRIABLE = frozenset({ERR.NOT_COORDINATOR, ERR.COORDINATOR_NOT_AVAILABLE, ERR.COORDINATOR_LOAD_IN_PROGRESS})


class MemberJoinState(Enum):
    """Where a consumer-protocol member stands, with librdkafka's join-state names.

    Kafka: librdkafka ``rd_kafka_cgrp_join_state_t`` as the consumer protocol uses it. ``left`` (after
    close, unsubscribe or ``max.poll.interval.ms``) and ``fatal`` are kafkalab's; librdkafka reports
    both as ``init`` (``client/stats.py``). Simplification: the incremental unassign completes at once,
    so ``wait-incr-unassign-to-complete`` is not entered.
    """

    INIT = "init"                            # joining (epoch 0) or waiting for the first assignment
    STEADY = "steady"                        # reconciled to the last assignment received
    WAIT_UNASSIGN_CALL = "wait-unassign-call"    # a revoke (or loss) is queued for the application's poll
    WAIT_ASSIGN_CALL = "wait-assign-call"        # an incremental assign is queued for the application's poll
    LEFT = "left"                            # left the group (close, unsubscribe, max.poll.interval.ms)
    FATAL = "fatal"                          # a fatal heartbeat error: the member is out for good


_S = MemberJoinState
ALLOWED: dict[MemberJoinState, frozenset[MemberJoinState]] = {
    _S.INIT: frozenset({_S.STEADY, _S.WAIT_UNASSIGN_CALL, _S.WAIT_ASSIGN_CALL, _S.LEFT, _S.FATAL}),
    _S.STEADY: frozenset({_S.INIT, _S.WAIT_UNASSIGN_CALL, _S.WAIT_ASSIGN_CALL, _S.LEFT, _S.FATAL}),
    _S.WAIT_UNASSIGN_CALL: frozenset({_S.INIT, _S.WAIT_ASSIGN_CALL, _S.LEFT, _S.FATAL}),
    _S.WAIT_ASSIGN_CALL: frozenset({_S.INIT, _S.STEADY, _S.WAIT_UNASSIGN_CALL, _S.LEFT, _S.FATAL}),
    _S.LEFT: frozenset({_S.INIT, _S.WAIT_UNASSIGN_CALL}),
    _S.FATAL: frozenset({_S.LEFT}),
}


def random_member_id(rng: Any) -> str:
    """A client-generated member id (KIP-1082): a version-4 UUID drawn from ``rng``, as librdkafka prints it.

    Kafka: librdkafka ``rd_kafka_Uuid_random`` + ``rd_kafka_Uuid_base64str``: 22 characters of the standard
    base64 alphabet (``+`` and ``/``, padding stripped; Java's ``Uuid.toString`` is url-safe instead).
    """
    raw = bytearray(rng.getrandbits(128).to_bytes(16, "big"))
    raw[6] = (raw[6] & 0x0F) | 0x40     # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80     # IETF variant
    return base64.b64encode(bytes(raw)).decode().rstrip("=")


class ConsumerMembership:
    """Group membership of one subscribed consumer under the consumer group protocol (KIP-848).

    Same interface as ``ConsumerCoordinator`` for the ``Consumer``: ``subscribe``, ``unsubscribe``,
    ``on_poll``, ``leave``, ``stop_timers``, ``member_id``, ``generation_id`` (the member epoch, which
    offset commits carry), ``instance_id``, ``state``. The broker computes the assignment; this member
    reconciles to each one it receives. What it needs comes at construction as for the coordinator
    (``consumer`` only for the callbacks and its public assign methods).

    Kafka: librdkafka's KIP-848 consumer. Simplifications: the coordinator is always known (no
    FindCoordinator); a retriable heartbeat error is retried after ``retry.backoff.ms``; a regex
    subscription is sent as librdkafka combines it, ``(^a.*)|(^b.*)``, and matched on the broker.
    """

    group_protocol = "consumer"
    static_member_leaves = True     # a static member sends epoch -2 on close (classic sends no LeaveGroup)

    def __init__(self, consumer: Any, conf: dict, *, member_id: str, fetcher: Any, commits: Any, clock: Any,
                 connected: bool, name: str, client_id: str, trace: Callable, push_event: Callable,
                 callbacks: deque, request: Callable, alive: Callable[[], bool],
                 last_poll_ms: Callable[[], int]) -> None:
        self.consumer = consumer
        self.fetcher = fetcher
        self.commits = commits
        self._clock = clock
        self._connected = connected
        self._name = name
        self._client_id = client_id
        self._trace = trace
        self._push_event = push_event
        self._callbacks = callbacks
        self._request = request
        self._alive = alive
        self._last_poll_ms = last_poll_ms
        self.on_assign: Callable | None = None
        self.on_revoke: Callable | None = None
        self.on_lost: Callable | None = None
        self.group_id: str = conf["group.id"]
        self.instance_id: str | None = conf.get("group.instance.id") or None
        self.rack_id: str | None = conf.get("client.rack") or None
        self.remote_assignor: str | None = conf.get("group.remote.assignor") or None
        self.max_poll_interval_ms: int = conf["max.poll.interval.ms"]
        self.retry_backoff_ms: int = conf["retry.backoff.ms"]
        self.commit_retry_ms: int = conf["session.timeout.ms"]     # how long a deferred commit may wait
        self.member_id = member_id
        self.member_epoch = 0
        self.heartbeat_interval_ms = 0          # the broker's, from the first response
        self.state = MemberJoinState.INIT       # changed only by _set_state
        self.subscription: list[str] = []
        self.subscribed_once = False
        self.owned: set[tuple[str, int]] = set()        # what this member reports as owned
        self.target: set[tuple[str, int]] | None = None     # the assignment being reconciled (WAIT_ACK)
        self._next_target: set[tuple[str, int]] | None = None
        self._ack_pending = False
        self._full = True
        self._in_flight = False
        self._expedite = False
        self._session = 0           # bumped on leaving: answers to older heartbeats are outdated
        self._version = 0           # bumped when the assignment is lost: queued callbacks are outdated
        self._rejoin_pending = False    # a lost assignment waits for the application's poll
        self._poll_exceeded = False
        self._last_sent_ms: int | None = None
        self._hb_timer = None
        self._poll_timer = None
        self._deferred: list[Callable[[], None]] = []
        self._deferred_since: int | None = None
        self.refused_calls = 0      # assign()/unassign() calls refused (Consumer._check_eager_call)
        self.terminating = False    # close() runs: unassign() in on_revoke is allowed then (librdkafka)

    @property
    def generation_id(self) -> int:
        """The member epoch (what OffsetCommit carries in its generation id field)."""
        return self.member_epoch

    @property
    def cooperative(self) -> bool:
        """Always incremental under the consumer protocol."""
        return True

    # -- subscription -----------------------------------------------------------------------------
    def subscribe(self, topics: list[str], on_assign: Callable | None, on_revoke: Callable | None,
                  on_lost: Callable | None) -> None:
        """Replace the subscription and callbacks; the next heartbeat (now) carries the new subscription."""
        self.on_assign, self.on_revoke, self.on_lost = on_assign, on_revoke, on_lost
        self.subscription = list(topics)
        self.subscribed_once = True
        self._trace("subscribe", "subscribe()", topics=list(topics))
        self._start_poll_timer()
        if self.state in (MemberJoinState.LEFT, MemberJoinState.FATAL):
            if self.state is MemberJoinState.FATAL:
                return
            self._set_state(MemberJoinState.INIT, "subscribe() after leaving: rejoin with epoch 0")
        self._full = True
        self._heartbeat_soon()

    def unsubscribe(self) -> None:
        """Revoke everything in the next poll (on_revoke, no assign after it), then leave the group (epoch -1,
        or -2 for a static member). Kafka: librdkafka ``rd_kafka_cgrp_consumer_unsubscribe``."""
        self.subscription = []
        if not self.fetcher.assigned or self.state is MemberJoinState.FATAL:
            self.leave("unsubscribe()")
            return
        self._version += 1
        self._ack_pending = False
        self.target = self._next_target = None
        self._rejoin_pending = False
        self._set_state(MemberJoinState.WAIT_UNASSIGN_CALL, "unsubscribe(): revoke, then leave")
        self._callbacks.append((self._serve_unsubscribe, (self._version,)))

    def _serve_unsubscribe(self, version: int) -> None:
        if version != self._version:
            return
        refused = self.refused_calls
        self._revoke_now(sorted(self.fetcher.assigned), lost=False, reason="unsubscribe()")
        if self.refused_calls == refused:
            self.leave("unsubscribe()")

    def subscription_fields(self) -> tuple[list[str], str]:
        """``SubscribedTopicNames`` and ``SubscribedTopicRegex`` as librdkafka builds them: the names, and
        the ``^`` entries combined as ``(re1)|(re2)`` ("" with none)."""
        names = [t for t in self.subscription if not t.startswith("^")]
        regexes = [t for t in self.subscription if t.startswith("^")]
        return names, "|".join(f"({r})" for r in regexes)

    # -- heartbeats ---------------------------------------------------------------------------------
    def _heartbeat_soon(self) -> None:
        """Send the next heartbeat now (or as soon as the one in flight is answered)."""
        if self._in_flight:
            self._expedite = True
            return
        if self._hb_timer is not None:
            self._hb_timer.cancel()
            self._hb_timer = None
        self._heartbeat()

    def _schedule_heartbeat(self, delay_ms: int) -> None:
        if self._hb_timer is not None:
            self._hb_timer.cancel()
        self._hb_timer = self._clock.call_later(max(0, delay_ms), self._heartbeat, priority=Priority.HEARTBEAT)

    def _may_heartbeat(self) -> bool:
        return (self._connected and self._alive() and bool(self.subscription) and not self._in_flight
                and not self._rejoin_pending and not self._poll_exceeded
                and self.state not in (MemberJoinState.LEFT, MemberJoinState.FATAL))

    def _heartbeat(self) -> None:
        self._hb_timer = None
        if not self._may_heartbeat():
            return
        full = self._full or self.state is MemberJoinState.INIT
        ack = self._ack_pending and self.state is MemberJoinState.STEADY
        fields: dict[str, Any] = {
            "group_id": self.group_id, "member_id": self.member_id, "member_epoch": max(0, self.member_epoch),
            "instance_id": None, "rack_id": None, "rebalance_timeout_ms": -1, "subscribed_topic_names": None,
            "subscribed_topic_regex": None, "server_assignor": None, "topic_partitions": None}
        if full:
            names, regex = self.subscription_fields()
            fields.update(instance_id=self.instance_id, rack_id=self.rack_id,
                          rebalance_timeout_ms=self.max_poll_interval_ms, subscribed_topic_names=names,
                          subscribed_topic_regex=regex, server_assignor=self.remote_assignor,
                          topic_partitions=sorted(self.owned))
        if ack:
            fields["topic_partitions"] = sorted(self.target or ())
        self._in_flight = True
        self._expedite = False
        self._last_sent_ms = self._clock.now_ms
        session = self._session
        self._request("ConsumerGroupHeartbeat", lambda res: self._on_heartbeat(res, session, ack),
                      client_id=self._client_id, **fields)

    def _on_heartbeat(self, res: Any, session: int, ack: bool) -> None:
        if session != self._session:
            return      # answer to a heartbeat sent before this member left: outdated
        self._in_flight = False
        if self.state in (MemberJoinState.LEFT, MemberJoinState.FATAL):
            return
        if res.error_code:
            self._on_error(res.error_code, res.error_message)
            return
        if res.member_id:
            self.member_id = res.member_id
        if res.member_epoch != self.member_epoch:
            self.member_epoch = res.member_epoch
        if res.heartbeat_interval_ms and res.heartbeat_interval_ms > 0:
            self.heartbeat_interval_ms = res.heartbeat_interval_ms
        self._full = False
        if ack and self._ack_pending and self.state is MemberJoinState.STEADY:
            self._ack_pending = False           # the broker has our reconciled assignment
            self.target = None
        if res.assignment is not None:
            new = {tuple(tp) for tp in res.assignment}
            base = self.target if self.target is not None else self.owned
            self._next_target = new if new != base else None
        if self._next_target is not None and not self._ack_pending and \
                self.state in (MemberJoinState.INIT, MemberJoinState.STEADY):
            new, self._next_target = self._next_target, None
            self._reconcile(new)
        self._retry_deferred_commits()
        if self._expedite:
            self._heartbeat_soon()
        else:
            due = (self._last_sent_ms or self._clock.now_ms) + self.heartbeat_interval_ms
            self._schedule_heartbeat(due - self._clock.now_ms)

    def _on_error(self, err: int, message: str | None) -> None:
        name = KafkaError(err).name()
        self._trace("heartbeat_failed", KafkaError(err).str() + (f": {message}" if message else ""), error=name)
        if err in _FENCED:
            self._lose(f"ConsumerGroupHeartbeat answered {name}: assignment lost, rejoining with epoch 0")
            return
        if err in _FATAL:
            self._fatal(err)
            return
        # Retriable (coordinator moved or loading) or unexpected: keep the assignment, resend a full request.
        self._full = True
        self._schedule_heartbeat(self.retry_backoff_ms if err in _RETRIABLE or not self.heartbeat_interval_ms
                                 else self.heartbeat_interval_ms)

    # -- reconciliation (callbacks served from the application's poll) ------------------------------
    def _reconcile(self, new: set[tuple[str, int]]) -> None:
        """Start reconciling to ``new``: revoke what is no longer assigned first, then assign what is new."""
        self.target = new
        self._ack_pending = True
        revoked = sorted(self.owned - new)
        added = sorted(new - self.owned)
        self._trace("reconcile", "new assignment from ConsumerGroupHeartbeat", epoch=self.member_epoch,
                    revoked=[list(tp) for tp in revoked], assigned=[list(tp) for tp in added])
        if revoked:
            self._set_state(MemberJoinState.WAIT_UNASSIGN_CALL, f"revoke {len(revoked)} partition(s) first")
            self._callbacks.append((self._serve_revoke, (revoked, added, self._version)))
        else:
            self._queue_assign(added)

    def _queue_assign(self, added: list[tuple[str, int]]) -> None:
        self._set_state(MemberJoinState.WAIT_ASSIGN_CALL, f"assign {len(added)} partition(s)")
        self._callbacks.append((self._serve_assign, (added, self._version)))

    def _serve_revoke(self, revoked: list[tuple[str, int]], added: list[tuple[str, int]], version: int) -> None:
        if version != self._version or self.state is not MemberJoinState.WAIT_UNASSIGN_CALL:
            return
        refused = self.refused_calls
        self._revoke_now(revoked, lost=False, reason="reconciliation: partitions revoked")
        if self.refused_calls != refused:
            return      # the callback called unassign()/assign(): refused; the member keeps its partitions
        self.owned -= set(revoked)
        # The assign always follows a revoke, even of nothing (librdkafka rd_kafka_cgrp_consumer_incr_unassign_done).
        self._queue_assign(added)

    def _serve_assign(self, added: list[tuple[str, int]], version: int) -> None:
        if version != self._version or self.state is not MemberJoinState.WAIT_ASSIGN_CALL:
            return
        consumer, fetcher = self.consumer, self.fetcher
        tps = [TopicPartition(t, p) for t, p in added]
        before, refused = fetcher.assign_calls, self.refused_calls
        if self.on_assign is not None:
            self.on_assign(consumer, tps)
        if fetcher.assign_calls == before and self._alive():
            consumer.incremental_assign(tps)
        if self.refused_calls != refused:
            return      # the callback called assign(): refused, and the step waits for an incremental call
        self._trace("assigned", "reconciliation: partitions assigned", partitions=[list(tp) for tp in added],
                    generation_id=self.member_epoch, incremental=True,
                    assignment=[list(tp) for tp in fetcher.assigned])
        self.commits.start()
        if version != self._version or self.state is not MemberJoinState.WAIT_ASSIGN_CALL:
            return      # the callback closed or unsubscribed
        self.owned |= set(added)
        self._set_state(MemberJoinState.STEADY, "reconciled: acknowledging the assignment")
        self._heartbeat_soon()

    def _revoke_now(self, partitions: list[tuple[str, int]], *, lost: bool, reason: str) -> None:
        consumer, fetcher, commits = self.consumer, self.fetcher, self.commits
        partitions = [tp for tp in partitions if tp in fetcher.assigned]
        tps = [TopicPartition(t, p) for t, p in partitions]
        if commits.java:
            commits.on_revoke(partitions, lost)
        before = fetcher.assign_calls
        cb = (self.on_lost or self.on_revoke) if lost else self.on_revoke
        if cb is not None and tps:
            cb(consumer, tps)
        if not commits.java:
            commits.on_revoke(partitions, lost)
        if fetcher.assign_calls == before and self._alive() and tps:
            consumer.incremental_unassign(tps)
        self._trace("lost" if lost else "revoked", reason, partitions=[list(tp) for tp in partitions])

    # -- losing the assignment ----------------------------------------------------------------------
    def _lose(self, reason: str, then_leave: bool = False) -> None:
        """The membership is gone (fenced, or max.poll.interval.ms): revoke everything as lost in the next
        poll, then rejoin with epoch 0 (after a leave heartbeat when ``then_leave``)."""
        self._version += 1
        self._ack_pending = False
        self.target = self._next_target = None
        if self.fetcher.assigned:
            self._rejoin_pending = True
            self._set_state(MemberJoinState.WAIT_UNASSIGN_CALL, reason)
            self._callbacks.append((self._serve_lost, (reason, then_leave, self._version)))
        else:
            self._after_lost(reason, then_leave)

    def _serve_lost(self, reason: str, then_leave: bool, version: int) -> None:
        if version != self._version:
            return
        self._revoke_now(sorted(self.fetcher.assigned), lost=True, reason=reason)
        self._rejoin_pending = False
        self._after_lost(reason, then_leave)

    def _after_lost(self, reason: str, then_leave: bool) -> None:
        self.owned = set()
        if then_leave:
            self._send_leave(reason, rejoin=True)
            return
        self._rejoin(reason)

    def _rejoin(self, reason: str) -> None:
        self.member_epoch = 0
        self.owned = set()
        self.target = self._next_target = None
        self._ack_pending = False
        self._full = True
        self._set_state(MemberJoinState.INIT, f"rejoining with epoch 0: {reason}")
        if self.subscription:
            self._heartbeat_soon()

    def _fatal(self, err: int) -> None:
        text = f"ConsumerGroupHeartbeat fatal error: {KafkaError(err).str()}"
        self._version += 1
        self._set_state(MemberJoinState.FATAL, text)
        self.stop_timers()
        self._trace("fatal_error", text)
        self._push_event(Message(error=KafkaError(ERR._FATAL, f"Fatal error: {KafkaError(err).str()}: {text}",
                                                  fatal=True)))
        if self.fetcher.assigned:      # librdkafka unassigns without callbacks once a fatal error is raised
            partitions = sorted(self.fetcher.assigned)
            for tp in partitions:
                self.fetcher.remove(tp)
            self._trace("lost", "fatal error: unassigned without rebalance callbacks",
                        partitions=[list(tp) for tp in partitions])
        self.owned = set()

    # -- max.poll.interval.ms -------------------------------------------------------------------------
    def _start_poll_timer(self) -> None:
        if self._poll_timer is None:
            due = self._last_poll_ms() + self.max_poll_interval_ms
            self._poll_timer = self._clock.call_at(due, self._check_poll_interval,
                                                   priority=Priority.POLL_INTERVAL_CHECK)

    def _check_poll_interval(self) -> None:
        self._poll_timer = None
        if not self._alive() or not self.subscription:
            return
        waited = self._clock.now_ms - self._last_poll_ms()
        if waited < self.max_poll_interval_ms:
            self._start_poll_timer()
            return
        if self.state in (MemberJoinState.LEFT, MemberJoinState.FATAL):
            return
        over = waited - self.max_poll_interval_ms
        text = f"Application maximum poll interval ({self.max_poll_interval_ms}ms) exceeded by {over}ms"
        self._trace("max_poll_exceeded", f"{text} (adjust max.poll.interval.ms for long-running message processing): "
                    "leaving group", generation_id=self.member_epoch)
        self._push_event(Message(error=KafkaError(ERR._MAX_POLL_EXCEEDED, text)))
        self._poll_exceeded = True          # no heartbeat until the application polls again
        if self._hb_timer is not None:
            self._hb_timer.cancel()
            self._hb_timer = None
        self._lose("max.poll.interval.ms exceeded", then_leave=True)

    def on_poll(self) -> None:
        """The application polled: heartbeats resume after a ``max.poll.interval.ms`` leave (rejoin, epoch 0)."""
        if self._poll_exceeded:
            self._poll_exceeded = False
            self._start_poll_timer()
            if self.state is MemberJoinState.INIT and self.subscription:
                self._heartbeat_soon()

    # -- leaving ----------------------------------------------------------------------------------------
    def leave(self, reason: str) -> None:
        """Revoke the assignment (callbacks run now), then leave: epoch -1, or -2 for a static member."""
        self.terminating = reason == "close()"      # Consumer.close's reason
        if self.fetcher.assigned and self.state is not MemberJoinState.FATAL:
            self._revoke_now(sorted(self.fetcher.assigned), lost=False, reason=reason)
        if self.state is not MemberJoinState.FATAL and self._last_sent_ms is not None:
            self._send_leave(reason, rejoin=False)
        self._version += 1
        if self.state is not MemberJoinState.LEFT:
            self._set_state(MemberJoinState.LEFT, reason)
        self.member_epoch = 0
        self.owned = set()
        self.target = self._next_target = None
        self._ack_pending = False
        self._rejoin_pending = False
        self.stop_timers()

    def _send_leave(self, reason: str, *, rejoin: bool) -> None:
        epoch = STATIC_LEAVE_EPOCH if self.instance_id is not None else LEAVE_EPOCH
        if self.state is not MemberJoinState.LEFT:
            self._set_state(MemberJoinState.LEFT, f"leaving with epoch {epoch}: {reason}")
        self._session += 1
        self._in_flight = False
        session = self._session
        self._request("ConsumerGroupHeartbeat", (lambda res: self._on_leave(session)) if rejoin else None,
                      group_id=self.group_id, member_id=self.member_id, member_epoch=epoch,
                      instance_id=self.instance_id, rack_id=None, rebalance_timeout_ms=-1,
                      subscribed_topic_names=None, subscribed_topic_regex=None, server_assignor=None,
                      topic_partitions=None, client_id=self._client_id)
        self.member_epoch = 0

    def _on_leave(self, session: int) -> None:
        """The leave heartbeat was answered: rejoin with epoch 0 (heartbeats wait for the next poll)."""
        if session != self._session or self.state is not MemberJoinState.LEFT or not self.subscription:
            return
        self._rejoin("left after max.poll.interval.ms")

    def stop_timers(self) -> None:
        for timer in (self._hb_timer, self._poll_timer):
            if timer is not None:
                timer.cancel()
        self._hb_timer = self._poll_timer = None

    # -- offset commits -----------------------------------------------------------------------------------
    def on_commit_error(self, code: int, resend: Callable[[], None] | None) -> bool:
        """An OffsetCommit failed with ``code``; ``resend`` is given for auto and internal commits.

        ``STALE_MEMBER_EPOCH``: the next heartbeat goes early; an auto commit is deferred and resent once
        a heartbeat refreshed the epoch (for up to ``session.timeout.ms``), a manual one is not retried
        (returns False: the application sees the error). ``UNKNOWN_MEMBER_ID``: the next heartbeat goes
        early (it will be fenced). Returns True when the commit was deferred.

        Kafka: librdkafka ``rd_kafka_cgrp_op_handle_OffsetCommit``.
        """
        if code not in (ERR.STALE_MEMBER_EPOCH, ERR.UNKNOWN_MEMBER_ID):
            return False
        self._trace("commit_epoch_error", f"OffsetCommit answered {KafkaError(code).name()}: "
                    "next heartbeat sent early", error=KafkaError(code).name(), generation_id=self.member_epoch,
                    deferred=code == ERR.STALE_MEMBER_EPOCH and resend is not None)
        if self._may_heartbeat():
            self._heartbeat_soon()
        else:
            self._expedite = True
        if code != ERR.STALE_MEMBER_EPOCH or resend is None:
            return False
        now = self._clock.now_ms
        if self._deferred_since is None:
            self._deferred_since = now
        elif now >= self._deferred_since + self.commit_retry_ms:
            return False
        self._deferred.append(resend)
        return True

    def _retry_deferred_commits(self) -> None:
        if self._deferred:
            pending, self._deferred = self._deferred, []
            self._deferred_since = None
            for resend in pending:
                resend()

    # -- the state ------------------------------------------------------------------------------------------
    def _set_state(self, new: MemberJoinState, reason: str) -> None:
        """Change the join state (the only place that does): check ``ALLOWED``, trace ``join_state``."""
        old = self.state
        if new is old:
            return
        if new not in ALLOWED[old]:
            raise AssertionError(f"consumer {self._name}: join state {old.value} -> {new.value} is not allowed")
        self.state = new
        self._trace("join_state", reason, old=old.value, new=new.value)
