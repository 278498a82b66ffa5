"""The consumer's side of the group protocol: join, sync, heartbeat, rebalance callbacks.

Owns ``ConsumerCoordinator``: JoinGroup/SyncGroup as member and as leader (running the assignor
on the client, as Kafka does), heartbeats every ``heartbeat.interval.ms`` from the background,
``max.poll.interval.ms`` self-leave, eager and cooperative revocation, LeaveGroup on close, and
static membership. Commits and auto-commit live in ``offset_commits.py``. Standard library only.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from ..broker import assignors as _assignors
from ..clock import Priority
from ..errors import ERR, KafkaError
from .join_state import JoinState, check_transition
from .message import Message

_NO_REJOIN = frozenset({JoinState.JOINING, JoinState.SYNCING, JoinState.REVOKING, JoinState.FENCED,
                        JoinState.FAILED})
_NO_HEARTBEAT = frozenset({JoinState.INIT, JoinState.LEFT, JoinState.FENCED, JoinState.FAILED})
_OUT_OF_GROUP = frozenset({JoinState.LEFT, JoinState.FENCED, JoinState.FAILED})


class ConsumerCoordinator:
    """Group membership for one subscribed consumer.

    Kafka: Java ``ConsumerCoordinator``/``AbstractCoordinator``; librdkafka ``rdkafka_cgrp.c``.
    Simplification: a regex subscription is matched against the topics that exist at each
    JoinGroup (librdkafka also re-checks every ``topic.metadata.refresh.interval.ms``).
    """

    def __init__(self, consumer: Any) -> None:
        self.c = consumer
        conf = consumer._conf
        self.group_id: str = conf["group.id"]
        self.instance_id: str | None = conf.get("group.instance.id") or None
        self.session_timeout_ms: int = conf["session.timeout.ms"]
        self.heartbeat_interval_ms: int = conf["heartbeat.interval.ms"]
        self.max_poll_interval_ms: int = conf["max.poll.interval.ms"]
        self.strategies: list[str] = list(conf["partition.assignment.strategy"])
        self.member_id = ""
        self.generation_id = -1
        self.protocol: str | None = None
        self.state = JoinState.INIT     # changed only by _set_state
        self.subscription: list[str] = []
        self.owned: set[tuple[str, int]] = set()
        self._hb_timer = None
        self._poll_timer = None

    @property
    def cooperative(self) -> bool:
        """True when the group runs a cooperative assignor (incremental rebalances)."""
        name = self.protocol or self.strategies[0]
        return _assignors.is_cooperative(name)

    # -- subscription ---------------------------------------------------------------------------
    def subscribe(self, topics: list[str]) -> None:
        """Replace the subscription and (re)join the group."""
        self.subscription = list(topics)
        self.c._trace("subscribe", "subscribe()", topics=list(topics))
        self._start_poll_timer()
        self.rejoin("subscription changed")

    def unsubscribe(self) -> None:
        """Revoke everything and leave the group."""
        self.subscription = []
        self.leave("unsubscribe()")

    def subscribed_topics(self) -> list[str]:
        """Topic names the subscription resolves to now (``^`` entries are regexes)."""
        cluster = self.c._cluster
        if cluster is None:
            return [t for t in self.subscription if not t.startswith("^")]
        names = set()
        existing = cluster.user_topics()
        for entry in self.subscription:
            if entry.startswith("^"):
                pattern = re.compile(entry)
                names.update(t for t in existing if pattern.match(t))
            else:
                names.add(entry)
        return sorted(names)

    # -- join / sync ----------------------------------------------------------------------------
    def rejoin(self, reason: str, lost: bool = False) -> None:
        """Start a rebalance round: eager revokes everything first (in ``poll``), cooperative joins now."""
        if self.state in _NO_REJOIN or not self.c._alive:
            return
        if not self.subscription:
            return
        if self.c._assignment_tps() and (not self.cooperative or lost):
            self._set_state(JoinState.REVOKING, f"revoke before rejoining: {reason}")
            self.c._queue_revoke(None, lost=lost, then_join=True, reason=reason)
            return
        self.join(reason)

    def join(self, reason: str) -> None:
        """Send JoinGroup with the subscription (and owned partitions under cooperative)."""
        c = self.c
        if c._cluster is None or not c._alive:
            return
        self._set_state(JoinState.JOINING, f"JoinGroup sent: {reason}")
        topics = self.subscribed_topics()
        owned = sorted(self.owned) if self.cooperative else []
        protocols = [(name, {"topics": topics, "owned": owned}) for name in self.strategies]
        c._trace("join_group", reason, member_id=self.member_id, topics=topics)
        gc = c._cluster.group_coordinator
        c._send(functools.partial(
            gc.join, self.group_id, member_id=self.member_id, group_instance_id=self.instance_id,
            client_id=c._client_id, session_timeout_ms=self.session_timeout_ms,
            rebalance_timeout_ms=self.max_poll_interval_ms, protocols=protocols,
            reply=lambda res: c._respond(self._on_join, res)))

    def _on_join(self, res: Any) -> None:
        if self.state is not JoinState.JOINING:
            return
        c = self.c
        if res.error:
            self._on_group_error(res.error, "JoinGroup", res.reason)
            return
        self.member_id = res.member_id
        self.generation_id = res.generation_id
        self.protocol = res.protocol_name
        self._set_state(JoinState.SYNCING, f"JoinGroup answered generation {res.generation_id}: SyncGroup sent")
        self._start_heartbeats()
        assignments = None
        if res.leader_id == self.member_id and res.members:
            assignments = self._assign(res.members)
        gc = c._cluster.group_coordinator
        c._send(functools.partial(
            gc.sync, self.group_id, member_id=self.member_id, generation_id=self.generation_id,
            group_instance_id=self.instance_id, assignments=assignments,
            reply=lambda err, parts: c._respond(self._on_sync, err, parts, self.generation_id)))

    def _assign(self, members: list[tuple[str, str | None, dict]]) -> dict[str, list[tuple[str, int]]]:
        """Run the selected assignor as group leader (Kafka assigns on the client)."""
        cluster = self.c._cluster
        subs = [_assignors.MemberSubscription(mid, tuple(meta.get("topics", [])), group_instance_id=iid,
                                              owned_partitions=tuple(tuple(tp) for tp in meta.get("owned", [])),
                                              generation_id=self.generation_id - 1)
                for mid, iid, meta in members]
        wanted = {t for s in subs for t in s.topics}
        ppt = {t: len(cluster.topics[t].partitions) for t in wanted if t in cluster.topics}
        java = self.c._conf["kafkalab.client.semantics"] == "java"
        return run_assignor(self.protocol or self.strategies[0], subs, ppt,
                            sticky_algorithm="java" if java else "librdkafka")

    def _on_sync(self, err: int, partitions: list, generation_id: int) -> None:
        if self.state is not JoinState.SYNCING or generation_id != self.generation_id:
            return
        if err:
            self._on_group_error(err, "SyncGroup", "")
            return
        self._set_state(JoinState.STABLE, f"SyncGroup answered the assignment of generation {generation_id}")
        new = {tuple(tp) for tp in partitions}
        c = self.c
        if self.cooperative:
            revoked = sorted(self.owned - new)
            added = sorted(new - self.owned)
            self.owned = new
            if revoked:
                self._set_state(JoinState.REVOKING, "cooperative: partitions move")
                c._queue_revoke(revoked, lost=False, then_join=True, reason="cooperative: partitions move")
            # Every round ends with on_assign, even with nothing new, also after a revoke
            # (librdkafka rd_kafka_cgrp_incr_unassign_done; Java ConsumerCoordinator.onJoinComplete).
            c._queue_assign(added, incremental=True)
        else:
            self.owned = new
            c._queue_assign(sorted(new), incremental=False)

    def _on_group_error(self, err: int, where: str, reason: str) -> None:
        c = self.c
        if err == ERR.FENCED_INSTANCE_ID:
            self._fatal(f"{where}: Broker: Static consumer fenced by other consumer with same "
                        f"group.instance.id {self.instance_id}")
            return
        if err in (ERR.INVALID_SESSION_TIMEOUT, ERR.INCONSISTENT_GROUP_PROTOCOL):
            self._set_state(JoinState.FAILED, f"{where} answered {KafkaError(err).name()}")
            c._push_event(Message(error=KafkaError(err, reason or None)))
            return
        if err == ERR.UNKNOWN_MEMBER_ID:
            self.member_id = ""
            self.generation_id = -1
        self._set_state(JoinState.INIT, f"{where} answered {KafkaError(err).name()}")
        lost = err in (ERR.UNKNOWN_MEMBER_ID, ERR.ILLEGAL_GENERATION)
        if lost:
            c._drop_pending_assigns()
        if lost and c._assignment_tps():
            self._set_state(JoinState.REVOKING, f"{where}: membership lost")
            c._queue_revoke(None, lost=True, then_join=True,
                            reason=f"{where}: {KafkaError(err).name()}")
            self.owned = set()
        else:
            self.join(f"{where} answered {KafkaError(err).name()}")

    def after_revoke(self, reason: str) -> None:
        """The application's poll served the revoke queued by a rebalance: join the group again."""
        if self.state is JoinState.REVOKING:
            self._set_state(JoinState.INIT, f"revoked ({reason})")
            self.join(f"after revoking ({reason})")

    def _set_state(self, new: JoinState, reason: str) -> None:
        """Change the join state (the only place that does): check ``ALLOWED``, trace ``join_state``.

        Setting the state it already has is no transition and records nothing.
        """
        old = self.state
        if new is old:
            return
        check_transition(old, new, self.c._name)
        self.state = new
        self.c._trace("join_state", reason, old=old.value, new=new.value)

    # -- heartbeats and liveness -----------------------------------------------------------------
    def _start_heartbeats(self) -> None:
        if self._hb_timer is None:
            self._hb_timer = self.c._clock.call_later(self.heartbeat_interval_ms, self._heartbeat,
                                                      priority=Priority.HEARTBEAT)

    def _heartbeat(self) -> None:
        self._hb_timer = None
        c = self.c
        if not c._alive or not self.member_id or self.state in _NO_HEARTBEAT:
            return
        gc = c._cluster.group_coordinator
        member, gen = self.member_id, self.generation_id
        c._send(lambda: c._respond(self._on_heartbeat, gc.heartbeat(self.group_id, member, gen, self.instance_id),
                                   member, gen))
        self._hb_timer = c._clock.call_later(self.heartbeat_interval_ms, self._heartbeat,
                                             priority=Priority.HEARTBEAT)

    def _on_heartbeat(self, err: int, member: str, gen: int) -> None:
        if not err or member != self.member_id or gen != self.generation_id:
            return
        if err == ERR.REBALANCE_IN_PROGRESS:
            if self.state is JoinState.STABLE:
                self.c._trace("rebalance_notified", "Heartbeat answered REBALANCE_IN_PROGRESS",
                              member_id=self.member_id, generation_id=gen)
                self._set_state(JoinState.INIT, "Heartbeat answered REBALANCE_IN_PROGRESS")
                self.rejoin("group is rebalancing")
            return
        if self.state is JoinState.JOINING or self.state is JoinState.SYNCING:
            return
        self.c._trace("heartbeat_failed", KafkaError(err).str(), member_id=member, error=KafkaError(err).name())
        self._on_group_error(err, "Heartbeat", "")

    def _start_poll_timer(self) -> None:
        if self._poll_timer is None:
            due = self.c._last_poll_ms + self.max_poll_interval_ms
            self._poll_timer = self.c._clock.call_at(due, self._check_poll_interval,
                                                     priority=Priority.POLL_INTERVAL_CHECK)

    def _check_poll_interval(self) -> None:
        self._poll_timer = None
        c = self.c
        if not c._alive or not self.subscription:
            return
        waited = c._clock.now_ms - c._last_poll_ms
        if waited < self.max_poll_interval_ms:
            self._start_poll_timer()
            return
        if self.state in _OUT_OF_GROUP:
            return
        over = waited - self.max_poll_interval_ms
        text = f"Application maximum poll interval ({self.max_poll_interval_ms}ms) exceeded by {over}ms"
        c._trace("max_poll_exceeded", f"{text} (adjust max.poll.interval.ms for long-running message processing): "
                 "leaving group", member_id=self.member_id, generation_id=self.generation_id)
        if self.instance_id is None and self.member_id:
            self._send_leave("max.poll.interval.ms exceeded")
        self._set_state(JoinState.LEFT, "max.poll.interval.ms exceeded")
        self.generation_id = -1
        self.member_id = "" if self.instance_id is None else self.member_id
        c._push_event(Message(error=KafkaError(ERR._MAX_POLL_EXCEEDED, text)))
        c._drop_pending_assigns()
        if c._assignment_tps():
            c._queue_revoke(None, lost=True, then_join=False, reason="max.poll.interval.ms")
        self.owned = set()

    def on_poll(self) -> None:
        """The application polled: after a max-poll self-leave, rejoin."""
        if self.state is JoinState.LEFT and self.subscription:
            self._set_state(JoinState.INIT, "application polled again after leaving")
            self._start_poll_timer()
            self.rejoin("application polled again after leaving")

    # -- leaving ------------------------------------------------------------------------------------
    def leave(self, reason: str) -> None:
        """Revoke the assignment (callbacks run now) and send LeaveGroup (dynamic members only)."""
        c = self.c
        if c._assignment_tps():
            c._revoke_now(sorted(c._assignment_tps()), lost=False, reason=reason)
        if self.member_id and self.instance_id is None:
            self._send_leave(reason)
        self._set_state(JoinState.LEFT if self.subscription else JoinState.INIT, reason)
        self.member_id = "" if self.instance_id is None else self.member_id
        self.generation_id = -1
        self.owned = set()
        self.stop_timers()

    def _send_leave(self, reason: str) -> None:
        c = self.c
        gc = c._cluster.group_coordinator
        c._send(gc.leave, self.group_id, self.member_id, self.instance_id, f"LeaveGroup: {reason}")

    def stop_timers(self) -> None:
        for timer in (self._hb_timer, self._poll_timer):
            if timer is not None:
                timer.cancel()
        self._hb_timer = self._poll_timer = None

    def _fatal(self, text: str) -> None:
        self._set_state(JoinState.FENCED, text)
        self.stop_timers()
        self.c._trace("fatal_error", text, member_id=self.member_id)
        self.c._push_event(Message(error=KafkaError(ERR._FATAL, f"Fatal consumer error: {text}", fatal=True)))


def run_assignor(name: str, members: list, partitions_per_topic: dict[str, int],
                 sticky_algorithm: str = "librdkafka") -> dict[str, list[tuple[str, int]]]:
    """Run the assignor called ``name`` (librdkafka names) and return member -> partitions.

    ``sticky_algorithm`` picks cooperative-sticky's target: ``"librdkafka"`` (rdkafka_sticky_assignor.c)
    or ``"java"`` (Kafka's ``CooperativeStickyAssignor``, for ``kafkalab.client.semantics=java``).
    """
    if name == "cooperative-sticky":
        result = _assignors.cooperative_sticky_assign(members, partitions_per_topic, algorithm=sticky_algorithm)
        return {m: list(ps) for m, ps in result.assignment.items()}
    fn = _assignors.ASSIGNORS[name]
    return {m: list(ps) for m, ps in fn(members, partitions_per_topic).items()}
