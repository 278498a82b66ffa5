"""A share consumer's group membership (KIP-932): ``ShareGroupHeartbeat``.

Owns ``ShareMembership``: the client-generated member id, the member epoch (0 joins, -1 leaves; share
groups have no static members and no -2), heartbeats every ``heartbeat_interval_ms`` the broker returns
(the subscription only when it changed), and the assignment the broker sends. There is no revocation
handshake and there are no rebalance callbacks: the broker moves partitions at once, since records, not
partitions, are exclusive. Heartbeats run on timers, as librdkafka's background thread sends them: an
application that stops polling ("hangs") stays in the group. Every broker call is a request
(``ClientCore._request``). ``max.poll.interval.ms`` is enforced as librdkafka 2.15+ enforces it for share
consumers (``rd_kafka_share_record_poll_end``, the consumer-protocol path of
``rd_kafka_cgrp_max_poll_interval_check_tmr_cb``): once that long passed since the end of the last poll, a
``_MAX_POLL_EXCEEDED`` error is queued for the application, the member leaves (epoch -1) and stops
heartbeating, and the next poll joins again with epoch 0. Standard library only.

Kafka: KIP-932 ``ShareGroupHeartbeat`` (76); librdkafka's share consumer. Simplifications: the coordinator
is always known; a retriable error is retried after ``retry.backoff.ms``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..clock import Priority
from ..errors import ERR, KafkaError
from .message import Message

LEAVE_EPOCH = -1

_FENCED = frozenset({ERR.UNKNOWN_MEMBER_ID, ERR.FENCED_MEMBER_EPOCH})
_FATAL = frozenset({ERR.INVALID_REQUEST, ERR.GROUP_MAX_SIZE_REACHED, ERR.GROUP_AUTHORIZATION_FAILED,
                    ERR.UNSUPPORTED_VERSION, ERR.GROUP_ID_NOT_FOUND})


class ShareMembership:
    """Membership of one share consumer in its share group.

    ``assignment`` is the sorted list of ``(topic, partition)`` the broker last assigned; ``on_assignment``
    is called when it changes (the consumer fetches from those partitions).
    """

    def __init__(self, conf: dict, *, member_id: str, clock: Any, connected: bool, client_id: str,
                 trace: Callable, push_event: Callable, request: Callable, alive: Callable[[], bool],
                 on_assignment: Callable[[], None], last_poll_ms: Callable[[], int]) -> None:
        self.group_id: str = conf["group.id"]
        self.rack_id: str | None = conf.get("client.rack") or None
        self.retry_backoff_ms: int = conf["retry.backoff.ms"]
        self.max_poll_interval_ms: int = conf["max.poll.interval.ms"]
        self.member_id = member_id
        self.member_epoch = 0
        self.heartbeat_interval_ms = 0          # the broker's, from the first response
        self.subscription: list[str] = []
        self.assignment: list[tuple[str, int]] = []
        self.fatal = False
        self._clock = clock
        self._connected = connected
        self._client_id = client_id
        self._trace = trace
        self._push_event = push_event
        self._request = request
        self._alive = alive
        self._on_assignment = on_assignment
        self._last_poll_ms = last_poll_ms
        self._poll_timer = None
        self.poll_exceeded = False          # left after max.poll.interval.ms: no heartbeat until the next poll
        self._joined = False            # a heartbeat was sent since the last leave
        self._send_subscription = True
        self._in_flight = False
        self._expedite = False
        self._session = 0               # bumped on leaving: answers to older heartbeats are outdated
        self._last_sent_ms: int | None = None
        self._timer = None

    # -- subscription ---------------------------------------------------------------------------------
    def subscribe(self, topics: list[str]) -> None:
        """Replace the subscription; the next heartbeat (now) carries it."""
        self.subscription = list(topics)
        self._send_subscription = True
        self._trace("subscribe", "subscribe()", topics=list(topics))
        self._start_poll_timer()
        if not self.fatal and not self.poll_exceeded:
            self._heartbeat_soon()

    def unsubscribe(self) -> None:
        """Leave the group (epoch -1) and drop the subscription and assignment."""
        self.subscription = []
        self.leave()

    # -- heartbeats -------------------------------------------------------------------------------------
    def _heartbeat_soon(self) -> None:
        if self._in_flight:
            self._expedite = True
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._heartbeat()

    def _schedule(self, delay_ms: int) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self._clock.call_later(max(0, delay_ms), self._heartbeat, priority=Priority.HEARTBEAT)

    def _heartbeat(self) -> None:
        self._timer = None
        if not (self._connected and self._alive() and self.subscription and not self._in_flight
                and not self.fatal and not self.poll_exceeded):
            return
        full = self._send_subscription or self.member_epoch == 0
        self._in_flight = True
        self._expedite = False
        self._joined = True
        self._last_sent_ms = self._clock.now_ms
        session = self._session
        self._request("ShareGroupHeartbeat", lambda res: self._on_heartbeat(res, session),
                      group_id=self.group_id, member_id=self.member_id, member_epoch=self.member_epoch,
                      rack_id=self.rack_id if full else None,
                      subscribed_topic_names=list(self.subscription) if full else None,
                      client_id=self._client_id)
        if full:
            self._send_subscription = False

    def _on_heartbeat(self, res: Any, session: int) -> None:
        if session != self._session:
            return      # an answer to a heartbeat sent before this member left
        self._in_flight = False
        if res.error_code:
            self._on_error(res.error_code, res.error_message)
            return
        if res.member_id:
            self.member_id = res.member_id
        self.member_epoch = res.member_epoch
        if res.heartbeat_interval_ms and res.heartbeat_interval_ms > 0:
            self.heartbeat_interval_ms = res.heartbeat_interval_ms
        if res.assignment is not None:
            new = sorted(tuple(tp) for tp in res.assignment)
            if new != self.assignment:
                self.assignment = new
                self._on_assignment()
        if self._expedite:
            self._heartbeat_soon()
        else:
            due = (self._last_sent_ms or self._clock.now_ms) + self.heartbeat_interval_ms
            self._schedule(due - self._clock.now_ms)

    def _on_error(self, err: int, message: str | None) -> None:
        name = KafkaError(err).name()
        self._trace("heartbeat_failed", KafkaError(err).str() + (f": {message}" if message else ""), error=name)
        if err in _FENCED:
            # Out of the group: the assignment is gone; join again with epoch 0 under the same member id.
            self.member_epoch = 0
            self._send_subscription = True
            if self.assignment:
                self.assignment = []
                self._on_assignment()
            self._heartbeat_soon()
            return
        if err in _FATAL:
            self.fatal = True
            self.stop_timers()
            text = f"ShareGroupHeartbeat fatal error: {KafkaError(err).str()}"
            self._trace("fatal_error", text)
            self._push_event(Message(error=KafkaError(ERR._FATAL, f"Fatal error: {KafkaError(err).str()}: {text}",
                                                      fatal=True)))
            if self.assignment:
                self.assignment = []
                self._on_assignment()
            return
        self._send_subscription = True
        self._schedule(self.retry_backoff_ms)

    # -- max.poll.interval.ms ---------------------------------------------------------------------------
    def _start_poll_timer(self) -> None:
        if self._poll_timer is None and self._connected:
            self._poll_timer = self._clock.call_at(self._last_poll_ms() + self.max_poll_interval_ms,
                                                   self._check_poll_interval, priority=Priority.POLL_INTERVAL_CHECK)

    def _check_poll_interval(self) -> None:
        self._poll_timer = None
        if not self._alive() or not self.subscription or self.fatal:
            return
        waited = self._clock.now_ms - self._last_poll_ms()
        if waited < self.max_poll_interval_ms:
            self._start_poll_timer()
            return
        text = (f"Application maximum poll interval ({self.max_poll_interval_ms}ms) exceeded by "
                f"{waited - self.max_poll_interval_ms}ms")
        self._trace("max_poll_exceeded", f"{text} (adjust max.poll.interval.ms for long-running message "
                    "processing): leaving group", generation_id=self.member_epoch)
        self._push_event(Message(error=KafkaError(ERR._MAX_POLL_EXCEEDED, text)))
        subscription = self.subscription
        self.leave()
        self.subscription = subscription
        self.poll_exceeded = True

    def on_poll(self) -> None:
        """The application polled: after a ``max.poll.interval.ms`` leave, join again (epoch 0)."""
        if self.poll_exceeded:
            self.poll_exceeded = False
            self._start_poll_timer()
            if self.subscription:
                self._heartbeat_soon()

    # -- leaving ------------------------------------------------------------------------------------------
    def leave(self) -> None:
        """Send a leave heartbeat (epoch -1) if this member joined; forget the assignment."""
        if self._joined and self._connected and not self.fatal:
            self._request("ShareGroupHeartbeat", None, group_id=self.group_id, member_id=self.member_id,
                          member_epoch=LEAVE_EPOCH, rack_id=None, subscribed_topic_names=None,
                          client_id=self._client_id)
        self._joined = False
        self._session += 1
        self._in_flight = False
        self._expedite = False
        self.member_epoch = 0
        self._send_subscription = True
        self.stop_timers()
        if self.assignment:
            self.assignment = []
            self._on_assignment()

    def stop_timers(self) -> None:
        for timer in (self._timer, self._poll_timer):
            if timer is not None:
                timer.cancel()
        self._timer = self._poll_timer = None
