"""The consumer, with confluent-kafka's API: subscribe or assign, poll, commit, close.

Owns ``Consumer``: the public methods, the ``poll`` loop that serves the callback queue and
hands out prefetched records in virtual time, and the coalesced ``deliver`` events. Each helper
owns its state and gets what it needs at construction: the assignment, positions and fetching
live in ``fetcher.py``, group membership and the rebalance callbacks in
``consumer_coordinator.py`` (join state: ``join_state.py``), commits and auto-commit in
``offset_commits.py``. Standard library only.
"""

from __future__ import annotations

import random as _random
from collections.abc import Callable
from typing import Any

from .. import config as _config
from ..clock import Priority
from ..errors import ERR, KafkaError, KafkaException
from .base import ClientBase, timeout_ms
from .consumer_coordinator import ConsumerCoordinator
from .consumer_membership import ConsumerMembership, random_member_id
from .fetcher import Fetcher, PartitionState
from .message import Message, TopicPartition
from .offset_commits import OffsetCommitter
from .offsets_api import OffsetsApi


class ConsumerGroupMetadata:
    """The opaque group metadata for ``Producer.send_offsets_to_transaction`` (KIP-447)."""

    def __init__(self, group_id: str, generation_id: int, member_id: str, group_instance_id: str | None) -> None:
        self.group_id = group_id
        self.generation_id = generation_id
        self.member_id = member_id
        self.group_instance_id = group_instance_id

    def __repr__(self) -> str:
        return (f"ConsumerGroupMetadata(group_id={self.group_id!r}, generation_id={self.generation_id}, "
                f"member_id={self.member_id!r})")


def _tp_list(partitions: Any, what: str) -> list[TopicPartition]:
    if not isinstance(partitions, (list, tuple)):
        raise TypeError(f"{what}: expected a list of TopicPartition, got {type(partitions).__name__}")
    for tp in partitions:
        if not isinstance(tp, TopicPartition):
            raise TypeError(f"{what}: expected cimpl.TopicPartition, got {type(tp).__name__} {tp!r}")
    return list(partitions)


class Consumer(OffsetsApi, ClientBase):
    """A Kafka consumer in virtual time, with confluent-kafka's ``Consumer`` API.

    ``poll(timeout)`` returns a record or an event (check ``msg.error()``) as soon as one is
    available; otherwise it advances the shared virtual clock until one is or ``timeout``
    seconds passed, and returns None. Callbacks (``on_assign``, ``on_revoke``, ``on_lost``,
    ``on_commit``, ``error_cb``) run only inside ``poll``/``consume``/``close``.

    Kafka: confluent-kafka ``Consumer``; librdkafka defaults (``isolation.level=read_committed``,
    ``auto.offset.reset=largest``, ``enable.auto.commit=true`` committing the offset store every
    ``auto.commit.interval.ms``). ``kafkalab.client.semantics=java`` switches to the Java
    client's defaults and auto-commit behaviour.
    """

    _kind = "consumer"
    _closed_text = "Consumer closed"

    def __init__(self, config: dict | None = None, /, **kwargs: Any) -> None:
        super().__init__("consumer", config, kwargs)
        _config.check_consumer(self._conf)
        conf = self._conf
        self._group_id: str = conf["group.id"]
        self._auto_store: bool = conf["enable.auto.offset.store"]
        self._last_poll_ms = self._clock.now_ms
        alive = self._is_alive
        connected = self._cluster is not None
        self._fetcher = fetcher = Fetcher(conf, self._clock, connected=connected, trace=self._trace,
                                          push_event=self._push_event, request=self._request, alive=alive)
        self._ready = fetcher.ready
        self._commits = fetcher.commits = OffsetCommitter(
            conf, self._clock, connected=connected, fetcher=fetcher, client_id=self._client_id, trace=self._trace,
            callbacks=self._callbacks, membership=self._membership, request=self._request,
            wait_until=self._wait_until, alive=alive)
        self._java = self._commits.java
        self._coordinator: ConsumerCoordinator | ConsumerMembership | None = None
        # KIP-848: the member id is the client's, drawn once (only on this path: classic draws nothing).
        self._kip848_member_id = (random_member_id(self._cluster.rng if self._cluster is not None
                                                   else _random.Random(self._name))
                                  if conf["group.protocol"] == "consumer" else None)
        self._mode: str | None = None
        self._run: list | None = None
        self._run_timer = None

    # -- trace ------------------------------------------------------------------------------------
    def _trace(self, kind: str, reason: str, **fields: Any) -> None:
        if self._cluster is None:
            return
        self._flush_run()
        coord = self._coordinator
        self._cluster.trace.record(kind, reason, group=self._group_id, client=self._name,
                                   client_id=self._client_id,
                                   member_id=fields.pop("member_id", coord.member_id if coord else ""), **fields)

    def _flush_run(self) -> None:
        """End the open run of delivered offsets (``Trace.seal_open``; only one run is open at a time)."""
        if self._run is not None:
            self._cluster.trace.seal_open()

    def _run_event(self, seal: bool) -> None:
        """Record the open run as one ``deliver`` event; called by the trace (``Trace.defer``).

        ``seal`` ends the run; otherwise (the trace is being read) the event is published and
        its ``last_offset`` keeps growing while later polls extend the run: the open run is the only
        one, so its event is the trace's last.
        """
        run = self._run
        if run is None:
            return
        st, first, last, ev, member_id, generation_id = run
        if ev is None:
            run[3] = self._cluster.trace.append(
                "deliver", "poll() handed records to the application", group=self._group_id,
                client=self._name, client_id=self._client_id, member_id=member_id, generation_id=generation_id,
                topic=st.topic, partition=st.partition, first_offset=first, last_offset=last)
        if seal:
            self._run = None
            if self._run_timer is not None:
                self._run_timer.cancel()
                self._run_timer = None

    # -- poll ----------------------------------------------------------------------------------------
    def poll(self, timeout: float | None = None) -> Message | None:
        """Return the next record or event, waiting up to ``timeout`` seconds of virtual time.

        Returns None when the timeout passed with nothing to return. ``timeout=None`` or -1 waits
        (at most 5 virtual minutes; see ``ClientBase._wait_until``).

        Kafka: confluent-kafka ``Consumer.poll``.
        """
        if self._crashed or self._closed:
            self._check_usable()
        self._last_poll_ms = self._clock.now_ms
        ready = self._ready
        if ready and not self._callbacks and not self._java and timeout.__class__ in _TIMEOUT_TYPES:
            st = ready[0]
            buf = st.buffer
            msg = buf.popleft()
            off = msg._offset
            st.position = off + 1
            if self._auto_store:
                st.stored = off + 1
                if self._commits.asleep:
                    self._commits.wake()
            run = self._run
            if run is not None and run[0] is st and run[2] == off - 1:
                run[2] = off
                if run[3] is not None:      # published by a read of the trace: it grows (Trace.defer)
                    run[3].fields["last_offset"] = off
            else:
                self._start_run(st, off)
            if not buf:
                self._drained(st)
            return msg
        return self._poll_slow(timeout_ms(timeout, "poll"))

    def _take(self) -> Message:
        st = self._ready[0]
        msg = st.buffer.popleft()
        off = msg._offset
        st.position = off + 1
        if self._auto_store:
            st.stored = off + 1
            if self._commits.asleep:
                self._commits.wake()
        run = self._run
        if run is not None and run[0] is st and run[2] == off - 1:
            run[2] = off
            if run[3] is not None:
                run[3].fields["last_offset"] = off
        else:
            self._start_run(st, off)
        if not st.buffer:
            self._drained(st)
        return msg

    def _start_run(self, st: PartitionState, off: int) -> None:
        cluster = self._cluster
        if cluster is not None:
            trace = cluster.trace
            trace.seal_open()               # the open run ends first, this client's or another's (Trace.defer)
            coord = self._coordinator       # the membership when the first record was handed over
            self._run = [st, off, off, None, coord.member_id if coord else "", coord.generation_id if coord else -1]
            self._run_timer = self._clock.call_later(0, self._flush_run, priority=Priority.DELIVERY_RUN)
            trace.defer(self._run_event)

    def _drained(self, st: PartitionState) -> None:
        fetcher = self._fetcher
        fetcher.ready.popleft()
        fetcher.after_drain(st)
        fetcher.maybe_fetch()

    def _poll_slow(self, wait_ms: int | None) -> Message | None:
        clock = self._clock
        deadline = None if wait_ms is None else clock.now_ms + wait_ms
        while True:
            if self._coordinator is not None:
                self._coordinator.on_poll()
            if self._commits.java and self._commits.auto_commit:
                self._commits.java_poll()
            event = self._serve_ops()
            if event is not None:
                return event
            if self._crashed or self._closed:
                return None
            if self._fetcher.ready:
                return self._take()
            self._fetcher.maybe_fetch()
            remaining = None if deadline is None else max(0, deadline - clock.now_ms)
            if remaining == 0:
                return None
            if not self._wait_until(lambda: bool(self._callbacks) or bool(self._fetcher.ready)
                                    or not self._alive, remaining):
                return None
            self._last_poll_ms = clock.now_ms

    def _serve_ops(self) -> Message | None:
        if self._stats_ms:
            self._stats_check()
        callbacks = self._callbacks
        while callbacks and self._alive:
            fn, args = callbacks.popleft()
            result = fn(*args)
            if isinstance(result, Message):
                return result
        return None

    def consume(self, num_messages: int = 1, timeout: float | None = -1) -> list[Message]:
        """Return up to ``num_messages`` records/events, waiting until that many or ``timeout``.

        Kafka: confluent-kafka ``Consumer.consume``.
        """
        self._check_usable()
        if isinstance(num_messages, bool) or not isinstance(num_messages, int):
            raise TypeError(f"consume: num_messages must be int, got {num_messages!r}")
        if not 0 <= num_messages <= 1_000_000:
            raise ValueError("num_messages must be between 0 and 1000000 (1M)")
        wait = timeout_ms(timeout, "consume")
        deadline = None if wait is None else self._clock.now_ms + wait
        out: list[Message] = []
        while len(out) < num_messages:
            remaining = None if deadline is None else max(0, deadline - self._clock.now_ms)
            msg = self.poll(0 if remaining == 0 else (-1 if remaining is None else remaining / 1000.0))
            if msg is None:     # an infinite poll gives up after INFINITE_WAIT_CAP_MS: so does consume
                if remaining == 0 or remaining is None or not self._alive:
                    break
                continue
            out.append(msg)
        return out

    def _push_event(self, msg: Message) -> None:
        """Queue an event (error message) for the application's next poll."""
        self._callbacks.append((_identity, (msg,)))
        if msg.error() is not None and self._cluster is not None:
            self._trace("consumer_error", msg.error().str(), error=msg.error().name(),
                        topic=msg.topic(), partition=msg.partition())

    # -- subscribe ------------------------------------------------------------------------------------
    def subscribe(self, topics: list[str], on_assign: Callable | None = None, on_revoke: Callable | None = None,
                  on_lost: Callable | None = None) -> None:
        """Join the group for ``topics`` (names, or ``^regex``), replacing any earlier subscription.

        ``on_assign(consumer, partitions)`` runs inside ``poll``; if it does not call ``assign``
        (or ``incremental_assign``), the library assigns, starting from the committed offsets or
        ``auto.offset.reset``. Without ``on_lost``, lost partitions go to ``on_revoke``.

        Kafka: confluent-kafka ``Consumer.subscribe``. ``group.protocol=classic`` (the default) joins with
        JoinGroup/SyncGroup (``consumer_coordinator.py``); ``group.protocol=consumer`` (KIP-848) heartbeats
        with ConsumerGroupHeartbeat and reconciles the broker's assignment (``consumer_membership.py``),
        with incremental callbacks only.
        """
        self._check_usable()
        if not isinstance(topics, (list, tuple)) or not topics:
            raise TypeError(f"subscribe: topics must be a non-empty list of topic names, got {topics!r}")
        for t in topics:
            if not isinstance(t, str) or not t:
                raise TypeError(f"subscribe: each topic must be a non-empty str, got {t!r}")
        for name, cb in (("on_assign", on_assign), ("on_revoke", on_revoke), ("on_lost", on_lost)):
            if cb is not None and not callable(cb):
                raise TypeError(f"subscribe: {name} must be callable, got {type(cb).__name__}")
        if self._mode == "assign" and self._fetcher.assigned:
            self.unassign()
        self._mode = "subscribe"
        if self._coordinator is None and self._kip848_member_id is not None:
            self._coordinator = membership = ConsumerMembership(
                self, self._conf, member_id=self._kip848_member_id, fetcher=self._fetcher, commits=self._commits,
                clock=self._clock, connected=self._cluster is not None, name=self._name, client_id=self._client_id,
                trace=self._trace, push_event=self._push_event, callbacks=self._callbacks, request=self._request,
                alive=self._is_alive, last_poll_ms=self._last_poll)
            self._commits.on_epoch_error = membership.on_commit_error
        if self._coordinator is None:
            self._coordinator = ConsumerCoordinator(
                self, self._conf, fetcher=self._fetcher, commits=self._commits, clock=self._clock,
                connected=self._cluster is not None, name=self._name, client_id=self._client_id, trace=self._trace,
                push_event=self._push_event, callbacks=self._callbacks, request=self._request,
                roundtrip=self._roundtrip, alive=self._is_alive, last_poll_ms=self._last_poll)
        self._coordinator.subscribe(list(topics), on_assign, on_revoke, on_lost)

    def unsubscribe(self) -> None:
        """Leave the group (revoke callbacks run now) and drop the subscription."""
        self._check_usable()
        if self._coordinator is not None:
            self._coordinator.unsubscribe()
        self._mode = None

    def _is_alive(self) -> bool:
        return self._alive

    def _last_poll(self) -> int:
        return self._last_poll_ms

    def _membership(self) -> tuple[str, int, str | None]:
        """Member id, generation and instance id a commit carries now ("", -1, None outside a group)."""
        coord = self._coordinator
        if coord is None:
            return "", -1, None
        return coord.member_id, coord.generation_id, coord.instance_id

    # -- assign ---------------------------------------------------------------------------------------
    def assign(self, partitions: list[TopicPartition], /) -> None:
        """Replace the assignment; each TopicPartition may carry a start offset.

        Offsets -1001/-1000 start from the group's committed offset (else ``auto.offset.reset``),
        -2 from the log start, -1 from the end, >= 0 from that offset.

        Kafka: confluent-kafka ``Consumer.assign`` (standalone consumers take no part in the group).
        """
        self._check_usable()
        tps = _tp_list(partitions, "assign")
        self._check_eager_call("Failed to set assignment")
        if self._mode is None:
            self._mode = "assign"
        fetcher = self._fetcher
        fetcher.assign([(tp.topic, tp.partition, tp.offset) for tp in tps])
        if self._mode == "assign":
            self._trace("assigned", "assign()", partitions=[[tp.topic, tp.partition] for tp in tps],
                        generation_id=-1, incremental=False, assignment=[[tp.topic, tp.partition] for tp in tps])
            self._commits.start()
        fetcher.maybe_fetch()

    def _check_eager_call(self, what: str) -> None:
        """Under ``group.protocol=consumer`` (once subscribed) only the incremental calls change the assignment.

        Kafka: librdkafka answers ``assign``/``unassign`` with ``_STATE`` ("Changes to the current assignment
        must be made using incremental_assign() or incremental_unassign() when rebalance protocol type is
        COOPERATIVE"); confluent-kafka raises it as "<what>: Local: Erroneous state". The call still counts
        as the callback's assign call, so the library does not assign in its place (a reconciliation it
        belonged to does not complete). While ``close()`` runs, librdkafka allows them.
        """
        coord = self._coordinator
        if coord is not None and coord.group_protocol == "consumer" and coord.subscribed_once and not coord.terminating:
            self._fetcher.assign_calls += 1
            coord.refused_calls += 1
            raise KafkaException(KafkaError(ERR._STATE, f"{what}: {KafkaError(ERR._STATE).str()}"))

    def incremental_assign(self, partitions: list[TopicPartition], /) -> None:
        """Add partitions to the assignment (cooperative rebalancing).

        Kafka: confluent-kafka ``Consumer.incremental_assign``.
        """
        self._check_usable()
        tps = _tp_list(partitions, "incremental_assign")
        if self._mode is None:
            self._mode = "assign"
        self._fetcher.incremental_assign([(tp.topic, tp.partition, tp.offset) for tp in tps])

    def incremental_unassign(self, partitions: list[TopicPartition], /) -> None:
        """Remove partitions from the assignment (cooperative rebalancing).

        Kafka: confluent-kafka ``Consumer.incremental_unassign``.
        """
        self._check_usable()
        tps = _tp_list(partitions, "incremental_unassign")
        self._fetcher.incremental_unassign([(tp.topic, tp.partition) for tp in tps])

    def unassign(self) -> None:
        """Remove the whole assignment. Kafka: confluent-kafka ``Consumer.unassign``."""
        self._check_usable()
        self._check_eager_call("Failed to remove assignment")
        self._fetcher.unassign()

    def assignment(self) -> list[TopicPartition]:
        """The current assignment. Kafka: confluent-kafka ``Consumer.assignment``."""
        self._check_usable()
        return [TopicPartition(t, p) for t, p in self._fetcher.assigned]

    # -- group -----------------------------------------------------------------------------------------
    def memberid(self) -> str | None:
        """This consumer's member id in the group, or None before it joined."""
        self._check_usable()
        coord = self._coordinator
        if coord is None:
            return self._kip848_member_id       # KIP-848: the client's own id, from construction
        return coord.member_id if coord.member_id else None

    def consumer_group_metadata(self) -> ConsumerGroupMetadata:
        """Group id, generation, member id and instance id for ``send_offsets_to_transaction``."""
        self._check_usable()
        coord = self._coordinator
        if coord is None:
            return ConsumerGroupMetadata(self._group_id, -1, "", self._conf.get("group.instance.id") or None)
        return ConsumerGroupMetadata(self._group_id, coord.generation_id, coord.member_id, coord.instance_id)

    # -- close / crash ------------------------------------------------------------------------------
    def close(self) -> None:
        """Revoke (callbacks run here), commit final offsets if auto-commit is on, leave the group.

        Afterwards every method raises ``RuntimeError: Consumer closed``.

        Kafka: confluent-kafka ``Consumer.close``. Static members send no LeaveGroup. A second
        ``close()`` does nothing and returns None, as confluent-kafka's.
        """
        if self._closed:
            return None
        self._check_usable()
        coord = self._coordinator
        if coord is not None and self._cluster is not None and self._fetcher.assigned:
            if not self._commits.java:
                self._commits.final()
            coord.leave("close()")
        else:
            self._commits.final()
            if coord is not None and self._cluster is not None and coord.member_id and (
                    coord.instance_id is None or coord.static_member_leaves):
                coord.leave("close()")
        self._serve_ops()
        if coord is not None and self._cluster is not None:
            self._clock.run_until(self._clock.now_ms + 2 * self._latency_ms)   # LeaveGroup round trip
        if coord is not None:
            coord.stop_timers()
        self._commits.stop()
        self._flush_run()
        self._trace("consumer_closed", "close()")
        self._closed = True
        self._fetcher.clear()

    def _on_crash(self) -> None:
        self._flush_run()
        if self._coordinator is not None:
            self._coordinator.stop_timers()
        self._commits.stop()
        self._fetcher.clear()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "crashed" if self._crashed else "open"
        return f"<Consumer {self._name} group={self._group_id!r} {state}>"


_TIMEOUT_TYPES = frozenset({int, float, type(None)})


def _identity(msg: Message) -> Message:
    return msg
