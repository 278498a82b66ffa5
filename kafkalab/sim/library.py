"""The named scenarios the notebooks use, one per seed question (SEED_QUESTIONS.md).

Owns the registry: ``names()``, ``get(name, **overrides)`` (a Scenario, not yet run),
``run(name, **overrides)`` (run to its default end) and ``lesson(name)``. Each builder's
docstring states the lesson and the trace facts that demonstrate it. Parameters are realistic
but fast: where a setting is shortened from Kafka's default, the docstring says so. Standard
library only.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from .scenario import Scenario

_BUILDERS: dict[str, Callable[..., Scenario]] = {}

#: Broker settings shared by the scenarios: no 3 s initial rebalance delay, so groups form at once.
FAST_BROKER = {"group.initial.rebalance.delay.ms": 0}


def _scenario(name: str) -> Callable:
    def register(fn: Callable[..., Scenario]) -> Callable[..., Scenario]:
        _BUILDERS[name] = fn
        fn.scenario_name = name  # type: ignore[attr-defined]
        return fn
    return register


def names() -> list[str]:
    """The scenario names, in notebook order."""
    return list(_BUILDERS)


def _builder(name: Any) -> Callable[..., Scenario]:
    if not isinstance(name, str):
        raise TypeError(f"scenario name must be a str, got {type(name).__name__} {name!r}")
    fn = _BUILDERS.get(name)
    if fn is None:
        raise ValueError(f"unknown scenario {name!r}; names: {names()}")
    return fn


def get(name: str, **overrides: Any) -> Scenario:
    """The scenario ``name``, set up but not run; ``overrides`` are its builder's keyword arguments."""
    fn = _builder(name)
    allowed = [p for p in inspect.signature(fn).parameters]
    for key in overrides:
        if key not in allowed:
            raise ValueError(f"{name}: unknown override {key!r}; allowed: {allowed}")
    sc = fn(**overrides)
    sc.description = lesson(name)
    return sc


def run(name: str, **overrides: Any) -> Scenario:
    """The scenario ``name``, run to its default end (``end_ms``)."""
    return get(name, **overrides).run()


def lesson(name: str) -> str:
    """The first paragraph of the scenario's docstring: what it teaches."""
    doc = inspect.getdoc(_builder(name)) or ""
    return doc.split("\n\n")[0].replace("\n", " ")


# -- Q1 -------------------------------------------------------------------------------------------------
@_scenario("crash-before-commit")
def crash_before_commit(seed: int = 7, records: int = 300, crash_ms: int = 8_000, session_timeout_ms: int = 10_000,
                        end_ms: int = 40_000, c3_commit: str = "every_n", survivor_commit: str = "after_each",
                        survivor_commit_every: int | None = None, group_protocol: str = "classic") -> Scenario:
    """Three consumers share a group on a 3-partition topic; c3 crashes mid-processing before committing,
    and a survivor receives its uncommitted records again: because c3 commits only after processing,
    nothing is lost and some records are delivered twice.

    Setup: ``orders`` with 3 partitions; a producer writes ``records`` records at 20/s with keys
    ``customer-{i%12}`` (chosen so that CRC-32 puts 4 keys on each partition: the load is balanced,
    100 records each, and lag rises only where a consumer stops); c1 and c2 commit after each
    record, c3 commits every 10 records (a common batching choice; ``c3_commit="auto"`` gives it
    confluent-kafka's defaults instead: ``enable.auto.commit`` with the offset stored when
    ``poll()`` returns the record); each processes a record for 100 ms. At ``crash_ms`` c3 dies in
    the middle of a record (``cluster.crash``: no LeaveGroup). ``session.timeout.ms`` is 10 s here
    to keep the plots short; Kafka's default is 45 s.

    With ``c3_commit="auto"`` the verdict depends on timing: an auto-commit that runs while the
    record is in flight commits it (its offset was stored at ``poll()``), and the survivor starts
    after it, so it is never processed (crash at 10.1 s: offset 66 of orders-2 lost); with no
    auto-commit since ``poll()`` the records since the last auto-commit come again (crash at 8 s).

    ``survivor_commit`` is c1's and c2's policy (``after_each``, ``every_n``, ``every_ms`` or ``auto``;
    ``survivor_commit_every`` is records for ``every_n``, default 10, and ms for ``every_ms``, default
    5000). The eager rebalance that removes c3 revokes every partition, and each new owner, a survivor
    included, starts at the group's committed offset: with ``every_ms`` (a commit by hand after a record
    once 5 s passed, no commit in ``on_revoke``) and a producer still writing at the rebalance
    (``records=600``: 30 s), what c1 and c2 had processed since their last commit is delivered again
    (orders-1 moves from c2 to c1; orders-0 goes back to c1 itself). With ``auto`` it is not:
    librdkafka commits the offset store of revoked partitions when ``enable.auto.commit`` is on
    (``rdkafka_assignment.c``, "Commit final offsets to broker for the removed partitions"), and Java's
    auto-commit commits before revoking (``onJoinPrepare``). With ``every_ms`` the last records also stay
    uncommitted at the end (the next commit waits for a next record), so the final lag is not 0.

    ``group_protocol="consumer"`` runs the same group under Kafka 4's protocol (KIP-848; the scenario
    ``crash-before-commit-kip848``): ``session_timeout_ms`` no longer applies, the broker's
    ``group.consumer.session.timeout.ms`` (45 s) does.

    Trace facts: ``app_crash`` (c3, in_flight); ``member_removed`` with cause ``session_timeout``
    about ``session.timeout.ms`` after c3's last heartbeat; a ``generation`` without c3; then
    ``deliver`` events of c3's partition to a survivor from c3's last committed offset, so the
    offsets c3 received after its last commit have ``deliveries == 2``, all others 1; at the end
    every partition's committed offset equals its end offset (lag 0). Each record went to exactly
    one member of the group: no "two of three acknowledged".
    """
    sc = Scenario(seed=seed, name="crash-before-commit", topics={"orders": {"partitions": 3}},
                  broker_config=FAST_BROKER, end_ms=end_ms)
    sc.add_producer("producer", topic="orders", rate_per_s=20, keys="customer-{i%12}", count=records)
    conf = {"session.timeout.ms": session_timeout_ms}
    every = survivor_commit_every if survivor_commit_every is not None else (
        5_000 if survivor_commit == "every_ms" else 10)
    for name in ("c1", "c2"):
        sc.add_consumer(name, group="billing", topics=["orders"], processing_ms=100, commit=survivor_commit,
                        commit_every=every, config=conf, group_protocol=group_protocol)
    sc.add_consumer("c3", group="billing", topics=["orders"], processing_ms=100, commit=c3_commit, commit_every=10,
                    config=conf, group_protocol=group_protocol)
    sc.crash("c3", point="mid_processing", at_ms=crash_ms)
    return sc


@_scenario("crash-before-commit-kip848")
def crash_before_commit_kip848(seed: int = 7, records: int = 300, crash_ms: int = 8_000, end_ms: int = 70_000,
                               c3_commit: str = "every_n", survivor_commit: str = "after_each",
                               survivor_commit_every: int | None = None) -> Scenario:
    """The crash-before-commit experiment under Kafka 4's consumer group protocol (KIP-848,
    group.protocol=consumer): the survivors never stop; c3's partition moves to a survivor once the broker's session
    timeout expires; c3's uncommitted records are delivered again all the same.

    Setup: as ``crash-before-commit`` (3 partitions, c1 and c2 commit after each record, c3 every 10,
    c3 crashes mid-record at ``crash_ms``), with ``group.protocol=consumer`` on every consumer and
    no client ``session.timeout.ms`` (librdkafka refuses it under this protocol): the broker's
    ``group.consumer.session.timeout.ms`` (45 s, its minimum) and
    ``group.consumer.heartbeat.interval.ms`` (5 s) apply, hence ``end_ms`` 70 s. The broker's
    ``uniform`` assignor gives each member one partition.

    Trace facts: ``member_fenced`` for c3 with cause ``session_timeout`` 45 s after its last
    heartbeat; a new group epoch and target assignment that move only c3's partition; c1 and c2
    keep theirs (no ``revoked`` event for them, they keep processing through the crash); the
    survivor that gets c3's partition starts at c3's last committed offset, so the records c3
    received after it are delivered twice, as under the classic protocol.
    """
    sc = crash_before_commit(seed=seed, records=records, crash_ms=crash_ms, end_ms=end_ms, c3_commit=c3_commit,
                             survivor_commit=survivor_commit, survivor_commit_every=survivor_commit_every,
                             group_protocol="consumer")
    sc.name = "crash-before-commit-kip848"
    return sc


# -- Q2 -------------------------------------------------------------------------------------------------
@_scenario("every-consumer-reads-everything")
def every_consumer_reads_everything(seed: int = 7, records: int = 120, end_ms: int = 40_000, static: bool = False,
                                    restart_ms: int = 4_000) -> Scenario:
    """When every consumer must read every record, each is its own group: a crash and restart in one group redelivers
    only in that group; the others are untouched.

    Setup: ``orders`` (2 partitions), 120 records at 20/s; consumers a, b, c in groups group-a,
    group-b, group-c, each committing every 10 records. At 3 s c crashes mid-processing and
    restarts at ``restart_ms`` (4 s) as a new member of group-c; group-c rebalances once the dead member's
    ``session.timeout.ms`` (10 s here; Kafka's default is 45 s) expires, and the new member resumes
    from group-c's committed offsets.

    ``static=True`` gives every consumer ``group.instance.id`` = its name (KIP-345): restarted within
    the session timeout, c takes its old member's place at once (``member_replaced``, same
    generation, no rebalance); restarted after it (``restart_ms=15_000``), the old member was removed
    at the timeout and the restart joins an empty group (a new generation).

    Trace facts: ``deliver`` events per group cover every offset of both partitions (each group
    receives everything); only group-c has offsets with ``deliveries == 2``; ``offset_commit``
    events carry each group's own offsets.
    """
    sc = Scenario(seed=seed, name="every-consumer-reads-everything", topics={"orders": {"partitions": 2}},
                  broker_config=FAST_BROKER, end_ms=end_ms)
    sc.add_producer("producer", topic="orders", rate_per_s=20, keys="user-{i%12}", count=records)
    for n in ("a", "b", "c"):
        sc.add_consumer(n, group=f"group-{n}", topics=["orders"], processing_ms=20, commit="every_n", commit_every=10,
                        config={"session.timeout.ms": 10_000}, **({"static": True} if static else {}))
    sc.crash("c", point="mid_processing", at_ms=3_000)
    sc.restart("c", at_ms=restart_ms)
    return sc


@_scenario("static-member-restart")
def static_member_restart(seed: int = 7, static: bool = True, stop: str = "crash", stop_ms: int = 3_000,
                          restart_ms: int | None = 4_000, session_timeout_ms: int = 10_000, records: int = 400,
                          end_ms: int = 30_000) -> Scenario:
    """A static member (group.instance.id) that comes back within session.timeout.ms takes its old member's place:
    the same partitions, no rebalance, and the other member never stops; the price is that a static member sends no
    LeaveGroup, so when it does not come back its partitions wait the whole session timeout.

    Setup: ``orders`` (2 partitions), ``records`` records at 20/s; consumers c1 and c2 in group
    ``billing`` (one partition each, eager ``range``), committing every 10 records, with
    ``group.instance.id`` = their names when ``static``; ``session.timeout.ms`` 10 s (Kafka's
    default is 45 s). At ``stop_ms`` c1 stops: ``stop="crash"`` kills it mid-record, ``stop="close"``
    closes it cleanly (``close()``); it restarts at ``restart_ms`` (None: never).

    Trace facts. Static, crash, restart at 4 s: ``member_replaced`` at the restart, no ``generation``
    after the first, c1's new instance is assigned orders-0 again and c2 is never revoked. Dynamic
    (``static=False``), same restart: the new member id starts a rebalance that waits for the dead
    member until its session times out (``member_removed``, 10 s after its last heartbeat), and
    c2 revokes orders-1 meanwhile (eager): both partitions pause. Static, ``stop="close"``, no
    restart: ``close()`` sends no LeaveGroup (librdkafka, classic protocol), so orders-0 moves to c2
    only after the session timeout; dynamic, the same close hands it over within milliseconds
    (``member_removed`` cause ``leave_group``).
    """
    if stop not in ("crash", "close"):
        raise ValueError(f"static-member-restart: stop must be 'crash' or 'close', got {stop!r}")
    sc = Scenario(seed=seed, name="static-member-restart", topics={"orders": {"partitions": 2}},
                  broker_config=FAST_BROKER, end_ms=end_ms)
    sc.add_producer("producer", topic="orders", rate_per_s=20, keys="user-{i%12}", count=records)
    for n in ("c1", "c2"):
        sc.add_consumer(n, group="billing", topics=["orders"], processing_ms=20, commit="every_n", commit_every=10,
                        static=static, config={"session.timeout.ms": session_timeout_ms})
    if stop == "crash":
        sc.crash("c1", point="mid_processing", at_ms=stop_ms)
    else:
        sc.remove_consumer("c1", at_ms=stop_ms)
    if restart_ms is not None:
        sc.restart("c1", at_ms=restart_ms)
    return sc


# -- Q1 (zombies) ---------------------------------------------------------------------------------------
@_scenario("slow-consumer-zombie")
def slow_consumer_zombie(seed: int = 7, end_ms: int = 40_000, max_poll_interval_ms: int = 10_000,
                         commit: str = "after_each", group_protocol: str = "classic",
                         slow_processing_ms: int = 15_000) -> Scenario:
    """A consumer that processes one record for longer than max.poll.interval.ms leaves the group; its late commit is
    rejected and the record is processed again by the other member.

    Setup: ``orders`` (2 partitions), 40 records at 10/s; ``slow`` takes 15 s per record, ``fast``
    20 ms; both commit after each record; ``max.poll.interval.ms`` is 10 s here (Kafka's default is
    300 s) and ``session.timeout.ms`` 10 s (default 45 s): heartbeats keep flowing, so only the poll
    interval catches the stuck member. ``commit="after_each_async"``: slow commits asynchronously
    (confluent-kafka's default), so its late commit's failure reaches ``on_commit`` instead of raising.

    Trace facts: ``max_poll_exceeded`` for slow's client; a ``generation`` with fast alone; an
    ``app_outcome`` for slow (its commit fails: UNKNOWN_MEMBER_ID or ILLEGAL_GENERATION, or
    ``_MAX_POLL_EXCEEDED`` on its next poll); the record slow held is delivered again to fast.

    ``group_protocol="consumer"`` (KIP-848): slow leaves with member epoch -1 when the poll interval
    is exceeded, but only once the application polls again (librdkafka 2.15+: the assignment is
    revoked as lost in ``poll()`` first); it stops heartbeating at once, so the broker fences it
    ``group.consumer.session.timeout.ms`` (45 s) after its last heartbeat. A late commit made before
    that fencing still lands (with 15 s of processing it does: no redelivery); with
    ``slow_processing_ms=60_000`` (and ``end_ms=90_000``) the commit comes after the fencing and is
    rejected with ``UNKNOWN_MEMBER_ID``, and fast processes the record again.
    """
    sc = Scenario(seed=seed, name="slow-consumer-zombie", topics={"orders": {"partitions": 2}},
                  broker_config=FAST_BROKER, end_ms=end_ms)
    sc.add_producer("producer", topic="orders", rate_per_s=10, keys="user-{i%12}", count=40)
    conf = {"max.poll.interval.ms": max_poll_interval_ms, "session.timeout.ms": 10_000}
    sc.add_consumer("slow", group="billing", topics=["orders"], processing_ms=slow_processing_ms, commit=commit,
                    config=conf,
                    group_protocol=group_protocol)
    sc.add_consumer("fast", group="billing", topics=["orders"], processing_ms=20, config=conf,
                    group_protocol=group_protocol)
    return sc


# -- Q4 (delivery semantics) ------------------------------------------------------------------------------
@_scenario("delivery-semantics")
def delivery_semantics(seed: int = 7, end_ms: int = 30_000) -> Scenario:
    """Where the commit sits decides the guarantee: committing before processing loses a record on a crash
    (at-most-once); committing after processing repeats one (at-least-once).

    Setup: ``orders`` (1 partition), 60 records at 20/s read by two groups: ``at-most-once``
    (consumer amo, commit before processing) and ``at-least-once`` (consumer alo, commit after
    each record). At 1.5 s amo crashes right after a commit (before processing that record) and
    alo right after processing (before its commit); both restart at 2 s.

    Trace facts: the offset in amo's ``app_crash`` ``record`` never has an ``app_processed`` event
    in group at-most-once (lost); the offset alo had processed when it crashed has two
    ``app_processed`` events (duplicate); every other offset is processed once in each group.
    """
    sc = Scenario(seed=seed, name="delivery-semantics", topics={"orders": {"partitions": 1}},
                  broker_config=FAST_BROKER, end_ms=end_ms)
    sc.add_producer("producer", topic="orders", rate_per_s=20, count=60)
    conf = {"session.timeout.ms": 6_000}
    sc.add_consumer("amo", group="at-most-once", topics=["orders"], processing_ms=30, commit="before_processing",
                    config=conf)
    sc.add_consumer("alo", group="at-least-once", topics=["orders"], processing_ms=30, commit="after_each",
                    config=conf)
    sc.crash("amo", point="after_commit", at_ms=1_500)
    sc.crash("alo", point="after_processing", at_ms=1_500)
    sc.restart("amo", at_ms=2_000)
    sc.restart("alo", at_ms=2_000)
    return sc


# -- Q4 (transactions) -----------------------------------------------------------------------------------
@_scenario("transactions-read-committed")
def transactions_read_committed(seed: int = 7, end_ms: int = 20_000) -> Scenario:
    """A transactional producer's aborted records are in the log but a read_committed consumer never receives them; a
    read_uncommitted one does.

    Setup: ``payments`` (1 partition); producer ``txn`` writes 10 records/s in transactions that only
    the script ends: committed at 2 s, aborted at 4 s, committed at 6 s (it stops after 60 records).
    Group ``committed`` reads with ``isolation.level=read_committed`` (librdkafka's default; Java's
    is read_uncommitted), group ``uncommitted`` with read_uncommitted.

    Trace facts: ``control_record`` events (COMMIT, ABORT markers) in the log; ``deliver`` events of
    group uncommitted cover the aborted offsets, those of group committed skip them.
    """
    sc = Scenario(seed=seed, name="transactions-read-committed", topics={"payments": {"partitions": 1}},
                  broker_config=FAST_BROKER, end_ms=end_ms)
    sc.add_producer("txn", topic="payments", rate_per_s=10, transactional=True, transaction_records=None, count=60)
    sc.add_consumer("rc", group="committed", topics=["payments"], processing_ms=5,
                    config={"isolation.level": "read_committed"})
    sc.add_consumer("ru", group="uncommitted", topics=["payments"], processing_ms=5,
                    config={"isolation.level": "read_uncommitted"})
    sc.commit_transaction("txn", at_ms=2_000)
    sc.abort_transaction("txn", at_ms=4_000)
    sc.commit_transaction("txn", at_ms=6_000)
    return sc


@_scenario("exactly-once-pipeline")
def exactly_once_pipeline(seed: int = 7, end_ms: int = 20_000) -> Scenario:
    """Exactly-once covers the committed result inside Kafka, not side effects outside it: after a crash, the
    transactional pipeline's read_committed output has no duplicate, the at-least-once one has one, and both sinks
    count a record twice.

    Setup: ``orders`` (1 partition), 40 records at 10/s; pipeline ``alo`` (at-least-once, output
    ``receipts-alo``) and ``eos`` (exactly-once, output ``receipts-eos``), each appending to the
    side-effect sink per record. At 2 s both crash after processing (side effect done, input offset
    not committed) and restart at 2.5 s. alo's output record had been written. eos had called
    ``begin_transaction()`` and ``produce()``, but the receipt was still in the producer's buffer and
    no partition had been added to the transaction, so the broker holds no open transaction: the new
    instance's ``init_transactions`` (same transactional.id) fences the old epoch and has nothing to
    abort (no ABORT marker). A crash with output already sent in the transaction is the panel's
    ``crash_point="in_transaction"`` (notebook 08).

    Trace facts: ``app_side_effect`` twice for one input of each pipeline; ``app_produced`` twice
    for one input of alo; eos's first attempt never reached the log, so read_committed readers see
    each input once.
    """
    sc = Scenario(seed=seed, name="exactly-once-pipeline",
                  topics={"orders": {"partitions": 1}, "receipts-alo": {"partitions": 1},
                          "receipts-eos": {"partitions": 1}},
                  broker_config=FAST_BROKER, end_ms=end_ms)
    sc.add_producer("producer", topic="orders", rate_per_s=10, keys="user-{i%12}", count=40)
    conf = {"session.timeout.ms": 6_000}
    sc.add_pipeline("alo", group="etl-alo", input="orders", output="receipts-alo", mode="at_least_once", config=conf)
    sc.add_pipeline("eos", group="etl-eos", input="orders", output="receipts-eos", mode="exactly_once", config=conf)
    sc.crash("alo", point="after_processing", at_ms=2_000)
    sc.crash("eos", point="after_processing", at_ms=2_000)
    sc.restart("alo", at_ms=2_500)
    sc.restart("eos", at_ms=2_500)
    return sc


# -- Q3 -------------------------------------------------------------------------------------------------
_RETENTION_BROKER = {**FAST_BROKER, "log.retention.check.interval.ms": 2_000}
_RETENTION_TOPIC = {"retention.ms": 20_000, "segment.ms": 5_000}


@_scenario("commit-is-not-delete")
def commit_is_not_delete(seed: int = 7, end_ms: int = 60_000) -> Scenario:
    """A commit deletes nothing: the group's committed offset moves at once, but the records stay in the log until time
    retention removes whole segments, whether or not anyone committed.

    Setup: ``orders`` (1 partition) with ``retention.ms`` 20 s and ``segment.ms`` 5 s (Kafka's
    defaults: 7 days and 7 days); ``log.retention.check.interval.ms`` 2 s (default 300 s). A producer
    writes 10 records/s for 15 s; group ``billing`` commits after each record; group ``audit`` never
    commits.

    Trace facts: ``offset_commit`` events of billing long before any ``segment_deleted``; the first
    ``log_start_offset`` change comes from retention (``segment_deleted``), after the segment's
    newest record is older than ``retention.ms``, and it is the same for both groups.
    """
    sc = Scenario(seed=seed, name="commit-is-not-delete",
                  topics={"orders": {"partitions": 1, "config": _RETENTION_TOPIC}},
                  broker_config=_RETENTION_BROKER, end_ms=end_ms)
    sc.add_producer("producer", topic="orders", rate_per_s=10, count=150)
    sc.add_consumer("billing-1", group="billing", topics=["orders"], processing_ms=10)
    sc.add_consumer("audit-1", group="audit", topics=["orders"], processing_ms=10, commit="none")
    return sc


@_scenario("lagging-group-falls-off")
def lagging_group_falls_off(seed: int = 7, end_ms: int = 60_000) -> Scenario:
    """A group that lags behind retention falls off the log: its next fetch is out of range and auto.offset.reset moves
    it on, so records it never read are skipped without an error to the app.

    Setup: as in commit-is-not-delete (``retention.ms`` 20 s, 5 s segments, check every 2 s), with
    a producer writing 20 records/s for 40 s; group ``fast`` keeps up; group ``slow``'s only member
    stops cleanly at 3 s (committing its position) and comes back at 40 s, with
    ``auto.offset.reset=earliest``. (A live consumer that merely processes slowly would not show
    this soon: librdkafka prefetches records into memory, and fetched records are delivered.)

    Trace facts: ``segment_deleted`` moves ``log_start_offset`` past slow's committed offset; at
    40 s an ``offset_reset`` for group slow from the committed offset to the log start offset with
    ``skipped`` > 0; offsets in between are never delivered to group slow, while fast receives every
    offset.
    """
    sc = Scenario(seed=seed, name="lagging-group-falls-off",
                  topics={"orders": {"partitions": 1, "config": _RETENTION_TOPIC}},
                  broker_config=_RETENTION_BROKER, end_ms=end_ms)
    sc.add_producer("producer", topic="orders", rate_per_s=20, count=800)
    sc.add_consumer("fast-1", group="fast", topics=["orders"], processing_ms=10)
    sc.add_consumer("slow-1", group="slow", topics=["orders"], processing_ms=100)
    sc.remove_consumer("slow-1", at_ms=3_000)
    sc.restart("slow-1", at_ms=40_000)
    return sc


# -- Q4 (idempotence) ------------------------------------------------------------------------------------
@_scenario("lost-ack-duplicate")
def lost_ack_duplicate(seed: int = 7, end_ms: int = 20_000) -> Scenario:
    """A lost acknowledgement makes a producer retry: without idempotence the retry writes the batch twice; with
    enable.idempotence the broker recognises the sequence numbers and keeps one copy.

    Setup: topics ``plain`` and ``idem`` (1 partition each); producer ``plain`` has
    ``enable.idempotence=false`` (librdkafka's default; Java's default is true since 3.0), producer
    ``idem`` has it true; each writes 11 records at 5/s. At 2 s the broker loses the response to
    one produce request for each topic (the write happened). ``socket.timeout.ms`` is 3 s here so the
    retry comes soon (librdkafka's default: 60 s).

    Trace facts: ``produce_response_lost`` for both topics; ``produce_retry`` from both producers;
    in ``plain`` a second ``append`` of the same batch (a duplicate), in ``idem`` a
    ``produce_duplicate`` answered with the original offsets and no second append.
    """
    sc = Scenario(seed=seed, name="lost-ack-duplicate",
                  topics={"plain": {"partitions": 1}, "idem": {"partitions": 1}},
                  broker_config=FAST_BROKER, end_ms=end_ms)
    sc.add_producer("plain", topic="plain", rate_per_s=5, count=11,
                    config={"enable.idempotence": False, "socket.timeout.ms": 3_000})
    sc.add_producer("idem", topic="idem", rate_per_s=5, count=11,
                    config={"enable.idempotence": True, "socket.timeout.ms": 3_000})
    sc.lose_produce_response(topic="plain", at_ms=2_000)
    sc.lose_produce_response(topic="idem", at_ms=2_000)
    return sc


# -- Q1 as asked: share groups (KIP-932), notebook 09 --------------------------------------------------------
def _register_share_scenarios() -> None:
    from . import library_share

    for name, fn in library_share.BUILDERS.items():
        _scenario(name)(fn)


_register_share_scenarios()
