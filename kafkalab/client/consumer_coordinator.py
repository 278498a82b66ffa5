"""The consumer's side of the group protocol: join, sync, heartbeat, rebalance callbacks.

Owns ``ConsumerCoordinator``: JoinGroup/SyncGroup as member and as leader (running the assignor
on the client, as Kafka does), heartbeats every ``heartbeat.interval.ms`` from the background,
``max.poll.interval.ms`` self-leave, eager and cooperative revocation with the application's
``on_assign``/``on_revoke``/``on_lost`` served from ``poll``, LeaveGroup on close, and static
membership; the join state (``join_state.py``) changes only in ``_set_state``. Every broker call is
a request (``ClientBase._request``). Commits and auto-commit live in ``offset_commits.py``.
Standard library only.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from typing import Any

from ..clock import Priority
from ..errors import ERR, KafkaError
from . import assignors as _assignors
from .join_state import JoinState, check_transition
from .message import Message, TopicPartition

_NO_REJOIN = frozenset({JoinState.JOINING, JoinState.SYNCING, JoinState.REVOKING, JoinState.FENCED,
                        JoinState.FAILED})
_NO_HEARTBEAT = frozenset({JoinState.INIT, JoinState.LEFT, JoinState.FENCED, JoinState.FAILED})
_OUT_OF_GROUP = frozenset({JoinState.LEFT, JoinState.FENCED, JoinState.FAILED})


class ConsumerCoordinator:
    """Group membership for one subscribed consumer, and the rebalance callbacks it serves in ``poll``.

    Owns the join state, member id, generation, owned partitions and the application's
    ``on_assign``/``on_revoke``/``on_lost``. ``consumer`` is only passed to those callbacks and used
    through its public assign methods; everything else it needs comes at construction: the
    consumer's ``fetcher`` (the assignment) and ``commits`` (commit before a revoke, auto-commit
    start), its clock, ``connected`` (a cluster answers), ``trace``, ``push_event`` (an event for the
    next poll), ``callbacks`` (the queue ``poll`` serves), ``request``/``roundtrip`` (the request path,
    ``ClientBase._request``/``_roundtrip``), ``alive()`` and ``last_poll_ms()``.

    Kafka: Java ``ConsumerCoordinator``/``AbstractCoordinator``; librdkafka ``rdkafka_cgrp.c``.
    Simplification: a regex subscription is matched against the topics that exist at each
    JoinGroup (librdkafka also re-checks every ``topic.metadata.refresh.interval.ms``).
    """

    group_protocol = "classic"
    static_member_leaves = False    # KIP-345: a static member sends no LeaveGroup on close
    subscribed_once = False         # (the consumer protocol's assign() check; classic does not check)
    terminating = False

    def __init__(self, consumer: Any, conf: dict, *, fetcher: Any, commits: Any, clock: Any, connected: bool,
                 name: str, client_id: str, trace: Callable, push_event: Callable, callbacks: deque,
                 request: Callable, roundtrip: Callable, alive: Callable[[], bool],
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
        self._roundtrip = roundtrip
        self._alive = alive
        self._last_poll_ms = last_poll_ms
        self.java = conf["kafkalab.client.semantics"] == "java"
        self.on_assign: Callable | None = None
        self.on_revoke: Callable | None = None
        self.on_lost: Callable | None = None
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
    def subscribe(self, topics: list[str], on_assign: Callable | None, on_revoke: Callable | None,
                  on_lost: Callable | None) -> None:
        """Replace the subscription and the rebalance callbacks, and (re)join the group."""
        self.on_assign, self.on_revoke, self.on_lost = on_assign, on_revoke, on_lost
        self.subscription = list(topics)
        self._trace("subscribe", "subscribe()", topics=list(topics))
        self._start_poll_timer()
        self.rejoin("subscription changed")

    def unsubscribe(self) -> None:
        """Revoke everything and leave the group."""
        self.subscription = []
        self.leave("unsubscribe()")

    def subscribed_topics(self) -> list[str]:
        """Topic names the subscription resolves to now (``^`` entries are regexes, matched against the
        non-internal topics of a Metadata response)."""
        if not self._connected:
            return [t for t in self.subscription if not t.startswith("^")]
        names = set()
        existing = None
        for entry in self.subscription:
            if entry.startswith("^"):
                if existing is None:
                    meta = self._roundtrip("Metadata", topics=None)
                    existing = [name for name, info in meta.topics.items() if not info.internal]
                pattern = re.compile(entry)
                names.update(t for t in existing if pattern.match(t))
            else:
                names.add(entry)
        return sorted(names)

    # -- join / sync ----------------------------------------------------------------------------
    def rejoin(self, reason: str, lost: bool = False) -> None:
        """Start a rebalance round: eager revokes everything first (in ``poll``), cooperative joins now."""
        if self.state in _NO_REJOIN or not self._alive():
            return
        if not self.subscription:
            return
        if self.fetcher.assigned and (not self.cooperative or lost):
            self._set_state(JoinState.REVOKING, f"revoke before rejoining: {reason}")
            self._queue_revoke(None, lost=lost, then_join=True, reason=reason)
            return
        self.join(reason)

    def join(self, reason: str) -> None:
        """Send JoinGroup with the subscription (and owned partitions under cooperative)."""
        if not self._connected or not self._alive():
            return
        self._set_state(JoinState.JOINING, f"JoinGroup sent: {reason}")
        topics = self.subscribed_topics()
        owned = sorted(self.owned) if self.cooperative else []
        protocols = [(name, {"topics": topics, "owned": owned}) for name in self.strategies]
        self._trace("join_group", reason, member_id=self.member_id, topics=topics)
        self._request("JoinGroup", self._on_join, group_id=self.group_id, member_id=self.member_id,
                      group_instance_id=self.instance_id, client_id=self._client_id,
                      session_timeout_ms=self.session_timeout_ms, rebalance_timeout_ms=self.max_poll_interval_ms,
                      protocols=protocols)

    def _on_join(self, res: Any) -> None:
        if self.state is not JoinState.JOINING:
            return
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
        gen = self.generation_id
        self._request("SyncGroup", lambda res: self._on_sync(res, gen), group_id=self.group_id,
                      member_id=self.member_id, generation_id=gen, group_instance_id=self.instance_id,
                      assignments=assignments)

    def _assign(self, members: list[tuple[str, str | None, dict]]) -> dict[str, list[tuple[str, int]]]:
        """Run the selected assignor as group leader (Kafka assigns on the client)."""
        subs = [_assignors.MemberSubscription(mid, tuple(meta.get("topics", [])), group_instance_id=iid,
                                              owned_partitions=tuple(tuple(tp) for tp in meta.get("owned", [])),
                                              generation_id=self.generation_id - 1)
                for mid, iid, meta in members]
        wanted = sorted({t for s in subs for t in s.topics})
        meta = self._roundtrip("Metadata", topics=wanted)
        ppt = {t: info.partitions for t, info in meta.topics.items() if info.error is None}
        return run_assignor(self.protocol or self.strategies[0], subs, ppt,
                            sticky_algorithm="java" if self.java else "librdkafka")

    def _on_sync(self, res: Any, generation_id: int) -> None:
        """The SyncGroup answer (``apis.SyncResult``) of the request sent in ``generation_id``."""
        if self.state is not JoinState.SYNCING or generation_id != self.generation_id:
            return
        err, partitions = res.error, res.assignment
        if err:
            self._on_group_error(err, "SyncGroup", "")
            return
        self._set_state(JoinState.STABLE, f"SyncGroup answered the assignment of generation {generation_id}")
        new = {tuple(tp) for tp in partitions}
        if self.cooperative:
            revoked = sorted(self.owned - new)
            added = sorted(new - self.owned)
            self.owned = new
            if revoked:
                self._set_state(JoinState.REVOKING, "cooperative: partitions move")
                self._queue_revoke(revoked, lost=False, then_join=True, reason="cooperative: partitions move")
            # Every round ends with on_assign, even with nothing new, also after a revoke
            # (librdkafka rd_kafka_cgrp_incr_unassign_done; Java ConsumerCoordinator.onJoinComplete).
            self._queue_assign(added, incremental=True)
        else:
            self.owned = new
            self._queue_assign(sorted(new), incremental=False)

    def _on_group_error(self, err: int, where: str, reason: str) -> None:
        if err == ERR.FENCED_INSTANCE_ID:
            self._fatal(f"{where}: Broker: Static consumer fenced by other consumer with same "
                        f"group.instance.id {self.instance_id}")
            return
        if err in (ERR.INVALID_SESSION_TIMEOUT, ERR.INCONSISTENT_GROUP_PROTOCOL):
            self._set_state(JoinState.FAILED, f"{where} answered {KafkaError(err).name()}")
            self._push_event(Message(error=KafkaError(err, reason or None)))
            return
        if err == ERR.UNKNOWN_MEMBER_ID:
            self.member_id = ""
            self.generation_id = -1
        self._set_state(JoinState.INIT, f"{where} answered {KafkaError(err).name()}")
        lost = err in (ERR.UNKNOWN_MEMBER_ID, ERR.ILLEGAL_GENERATION)
        if lost:
            self._drop_pending_assigns()
        if lost and self.fetcher.assigned:
            self._set_state(JoinState.REVOKING, f"{where}: membership lost")
            self._queue_revoke(None, lost=True, then_join=True,
                            reason=f"{where}: {KafkaError(err).name()}")
            self.owned = set()
        else:
            self.join(f"{where} answered {KafkaError(err).name()}")

    def _set_state(self, new: JoinState, reason: str) -> None:
        """Change the join state (the only place that does): check ``ALLOWED``, trace ``join_state``.

        Setting the state it already has is no transition and records nothing.
        """
        old = self.state
        if new is old:
            return
        check_transition(old, new, self._name)
        self.state = new
        self._trace("join_state", reason, old=old.value, new=new.value)

    # -- rebalance callbacks (served from the application's poll) ---------------------------------
    def _queue_assign(self, partitions: list[tuple[str, int]], incremental: bool) -> None:
        self._callbacks.append((self._serve_assign, (partitions, incremental)))

    def _serve_assign(self, partitions: list[tuple[str, int]], incremental: bool) -> None:
        consumer, fetcher = self.consumer, self.fetcher
        tps = [TopicPartition(t, p) for t, p in partitions]
        before = fetcher.assign_calls
        if self.on_assign is not None:
            self.on_assign(consumer, tps)
        if fetcher.assign_calls == before and self._alive():
            (consumer.incremental_assign if incremental else consumer.assign)(tps)
        self._trace("assigned", "rebalance: partitions assigned", partitions=[list(tp) for tp in partitions],
                    generation_id=self.generation_id, incremental=incremental,
                    assignment=[list(tp) for tp in fetcher.assigned])
        self.commits.start()

    def _queue_revoke(self, partitions: list[tuple[str, int]] | None, *, lost: bool, then_join: bool,
                      reason: str) -> None:
        """Queue a revoke for the application's next poll; ``partitions=None``: whatever is assigned then
        (eager rebalances and lost memberships take everything, including an assignment queued earlier).
        Where the membership is lost, the coordinator first drops queued assigns (``_drop_pending_assigns``)."""
        self._callbacks.append((self._serve_revoke, (partitions, lost, then_join, reason)))

    def _drop_pending_assigns(self) -> None:
        """The membership is gone: assignments queued for the application but not served yet are outdated
        (librdkafka discards rebalance ops of an outdated version the same way)."""
        callbacks = self._callbacks
        kept = [op for op in callbacks if getattr(op[0], "__func__", None) is not ConsumerCoordinator._serve_assign]
        if len(kept) != len(callbacks):
            callbacks.clear()
            callbacks.extend(kept)

    def _serve_revoke(self, partitions, lost, then_join, reason) -> None:
        if partitions is None:
            partitions = sorted(self.fetcher.assigned)
        self._revoke_now(partitions, lost=lost, reason=reason)
        if then_join and self.state is JoinState.REVOKING:
            self._set_state(JoinState.INIT, f"revoked ({reason})")
            self.join(f"after revoking ({reason})")

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
        if fetcher.assign_calls == before and self._alive():
            if (self.cooperative and not lost) and len(partitions) < len(fetcher.assigned):
                consumer.incremental_unassign(tps)
            else:
                for tp in partitions:
                    fetcher.remove(tp)
        self._trace("lost" if lost else "revoked", reason, partitions=[list(tp) for tp in partitions])

    # -- heartbeats and liveness -----------------------------------------------------------------
    def _start_heartbeats(self) -> None:
        if self._hb_timer is None:
            self._hb_timer = self._clock.call_later(self.heartbeat_interval_ms, self._heartbeat,
                                                    priority=Priority.HEARTBEAT)

    def _heartbeat(self) -> None:
        self._hb_timer = None
        if not self._alive() or not self.member_id or self.state in _NO_HEARTBEAT:
            return
        member, gen = self.member_id, self.generation_id
        self._request("Heartbeat", lambda err: self._on_heartbeat(err, member, gen), group_id=self.group_id,
                      member_id=member, generation_id=gen, group_instance_id=self.instance_id)
        self._hb_timer = self._clock.call_later(self.heartbeat_interval_ms, self._heartbeat,
                                             priority=Priority.HEARTBEAT)

    def _on_heartbeat(self, err: int, member: str, gen: int) -> None:
        if not err or member != self.member_id or gen != self.generation_id:
            return
        if err == ERR.REBALANCE_IN_PROGRESS:
            if self.state is JoinState.STABLE:
                self._trace("rebalance_notified", "Heartbeat answered REBALANCE_IN_PROGRESS",
                              member_id=self.member_id, generation_id=gen)
                self._set_state(JoinState.INIT, "Heartbeat answered REBALANCE_IN_PROGRESS")
                self.rejoin("group is rebalancing")
            return
        if self.state is JoinState.JOINING or self.state is JoinState.SYNCING:
            return
        self._trace("heartbeat_failed", KafkaError(err).str(), member_id=member, error=KafkaError(err).name())
        self._on_group_error(err, "Heartbeat", "")

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
        if self.state in _OUT_OF_GROUP:
            return
        over = waited - self.max_poll_interval_ms
        text = f"Application maximum poll interval ({self.max_poll_interval_ms}ms) exceeded by {over}ms"
        self._trace("max_poll_exceeded", f"{text} (adjust max.poll.interval.ms for long-running message processing): "
                 "leaving group", member_id=self.member_id, generation_id=self.generation_id)
        if self.instance_id is None and self.member_id:
            self._send_leave("max.poll.interval.ms exceeded")
        self._set_state(JoinState.LEFT, "max.poll.interval.ms exceeded")
        self.generation_id = -1
        self.member_id = "" if self.instance_id is None else self.member_id
        self._push_event(Message(error=KafkaError(ERR._MAX_POLL_EXCEEDED, text)))
        self._drop_pending_assigns()
        if self.fetcher.assigned:
            self._queue_revoke(None, lost=True, then_join=False, reason="max.poll.interval.ms")
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
        if self.fetcher.assigned:
            self._revoke_now(sorted(self.fetcher.assigned), lost=False, reason=reason)
        if self.member_id and self.instance_id is None:
            self._send_leave(reason)
        self._set_state(JoinState.LEFT if self.subscription else JoinState.INIT, reason)
        self.member_id = "" if self.instance_id is None else self.member_id
        self.generation_id = -1
        self.owned = set()
        self.stop_timers()

    def _send_leave(self, reason: str) -> None:
        self._request("LeaveGroup", None, group_id=self.group_id, member_id=self.member_id,
                      group_instance_id=self.instance_id, reason=f"LeaveGroup: {reason}")

    def stop_timers(self) -> None:
        for timer in (self._hb_timer, self._poll_timer):
            if timer is not None:
                timer.cancel()
        self._hb_timer = self._poll_timer = None

    def _fatal(self, text: str) -> None:
        self._set_state(JoinState.FENCED, text)
        self.stop_timers()
        self._trace("fatal_error", text, member_id=self.member_id)
        self._push_event(Message(error=KafkaError(ERR._FATAL, f"Fatal consumer error: {text}", fatal=True)))


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
