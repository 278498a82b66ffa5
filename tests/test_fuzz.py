"""Bad-input fuzzing of the public API: random calls with wrong types, out-of-range values, unknown
names, and calls after close or crash. Only the documented exceptions (KafkaException, ValueError,
TypeError, BufferError, RuntimeError) may come out; anything else is a bug (issue 9).

Each target is fuzzed by a seeded ``random.Random``: pick a live object (a fresh one now and then,
some of them closed or crashed), one of its public methods, and 0-3 positional and 0-2 keyword
arguments from a pool of awkward values. Futures returned by the admin client are resolved too.
Regression tests for the bugs the fuzzer found are at the end. ``KAFKALAB_FUZZ_CALLS`` sets the
number of calls per target and seed (default 300).
"""

from __future__ import annotations

import inspect
import math
import os
import random
import signal
from concurrent.futures import Future

import pytest

import kafkalab
from kafkalab import Consumer, KafkaException, Producer, TopicPartition
from kafkalab.admin import AdminClient, ConfigResource, NewPartitions, NewTopic, OffsetSpec

ALLOWED = (KafkaException, ValueError, TypeError, BufferError, RuntimeError)
CALLS = int(os.environ.get("KAFKALAB_FUZZ_CALLS", "300"))
SEEDS = tuple(range(1, 1 + int(os.environ.get("KAFKALAB_FUZZ_SEEDS", "3"))))
CALL_LIMIT_S = 10
STATS = {"calls": 0, "bugs": 0}


@pytest.fixture(scope="module", autouse=True)
def _report_counts():
    """Print the number of calls tried and bugs found once the module is done (visible with -s)."""
    yield
    print(f"\nfuzz: {STATS['calls']} calls, {STATS['bugs']} bugs")


class _Hang(Exception):
    """A single call ran longer than CALL_LIMIT_S of wall time."""


def _pool() -> list:
    """Awkward values: wrong types, out-of-range numbers, unknown names, half-right objects."""
    return [
        None, True, False, 0, 1, -1, 2, 7, -7, 2**31, -(2**31), 2**63, 10**6, 1.5, -0.5, 0.001, math.nan, math.inf,
        -math.inf, "", "t", "nope", "__consumer_offsets", "bad name!", "g", "x" * 300, b"", b"bytes", "ünïcode",
        [], [None], ["t"], ["t", "t"], ["nope"], [1, 2], (), {}, {"t": 1}, {"retention.ms": -5},
        {"foo.bar": 1}, {"bootstrap.servers": 5}, object(), TopicPartition("t", 0), TopicPartition("t", 0, 3),
        TopicPartition("t", -1), TopicPartition("nope", 9, 1), TopicPartition("t", 1, -2),
        TopicPartition("t", 0, 2**62), [TopicPartition("t", 0, 1)], [TopicPartition("t", 5, 1)],
        [TopicPartition("nope", 0)], [TopicPartition("t", 0)] * 2,
        {TopicPartition("t", 0): OffsetSpec.latest()}, {TopicPartition("t", 0): 5}, NewTopic("new", 2),
        NewTopic("t", 1), [NewTopic("n2", 1)], [NewTopic("bad name!", 1)], [NewPartitions("t", 1)],
        [NewPartitions("t", 4)], [ConfigResource("topic", "t")], [ConfigResource("broker", "1")], OffsetSpec.earliest(),
        lambda *a, **k: None, print, int, "kafkalab://cluster-nope",
    ]


def _targets(cluster: kafkalab.Cluster) -> dict:
    conf = {"bootstrap.servers": cluster.bootstrap_servers}

    def consumer(**extra):
        return Consumer({**conf, "group.id": "g", "auto.offset.reset": "earliest", **extra})

    def subscribed():
        c = consumer()
        c.subscribe(["t"])
        return c

    def txn_producer():
        p = Producer({**conf, "transactional.id": "tx"})
        p.init_transactions()
        return p

    def closed(factory):
        def make():
            obj = factory()
            obj.close()
            return obj
        return make

    def crashed(factory):
        def make():
            obj = factory()
            cluster.crash(obj)
            return obj
        return make

    return {
        "producer": lambda: Producer(conf),
        "idempotent producer": lambda: Producer({**conf, "enable.idempotence": True}),
        "transactional producer": txn_producer,
        "closed producer": closed(lambda: Producer(conf)),
        "crashed producer": crashed(txn_producer),
        "consumer": consumer,
        "subscribed consumer": subscribed,
        "read_committed consumer": lambda: consumer(**{"isolation.level": "read_committed"}),
        "closed consumer": closed(subscribed),
        "crashed consumer": crashed(subscribed),
        "admin": lambda: AdminClient(conf),
    }


CLUSTER_VERBS = ("create_topic", "delete_topic", "create_partitions", "topic", "partition", "advance", "crash",
                 "lose_produce_response", "delay_produce_response", "fail_produce", "clear_produce_faults",
                 "produce_faults", "user_topics")


def _public_methods(obj, only=None) -> list[str]:
    """Public callables of ``obj``; of a class, only its class methods (unbound methods need a self)."""
    names = only or [n for n in dir(obj) if not n.startswith("_")]
    found = [n for n in names if callable(getattr(obj, n, None)) and not inspect.isclass(getattr(obj, n))]
    return [n for n in found if inspect.ismethod(getattr(obj, n))] if inspect.isclass(obj) else found


def _resolve(result) -> None:
    """Futures (and dicts of them) carry errors too: wait for them."""
    futures = [result] if isinstance(result, Future) else (
        [v for v in result.values() if isinstance(v, Future)] if isinstance(result, dict) else [])
    for f in futures:
        f.result()


def _on_alarm(signum, frame):
    raise _Hang()


def _call(fn, args, kwargs, bugs: list, label: str) -> None:
    STATS["calls"] += 1
    old = signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(CALL_LIMIT_S)
    try:
        _resolve(fn(*args, **kwargs))
    except ALLOWED:
        pass
    except _Hang:
        bugs.append(f"{label}: no answer within {CALL_LIMIT_S} s of wall time")
    except Exception as exc:   # any other exception is the finding
        bugs.append(f"{label}: {type(exc).__name__}: {exc}")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _random_call(rng: random.Random, obj, methods: list[str], pool: list, bugs: list, name: str) -> None:
    method = rng.choice(methods)
    fn = getattr(obj, method)
    args = [rng.choice(pool) for _ in range(rng.randint(0, 3))]
    try:
        params = [p for p in inspect.signature(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in ("self", "cls")]
    except (TypeError, ValueError):
        params = []
    kwargs = {}
    for p in rng.sample(params, min(len(params), rng.randint(0, 2))):
        kwargs[p.name] = rng.choice(pool)
    label = f"{name}.{method}(*{args!r}, **{kwargs!r})"
    _call(fn, args, kwargs, bugs, label)


def _fresh_cluster(seed: int) -> kafkalab.Cluster:
    cluster = kafkalab.Cluster(seed=seed, config={"group.initial.rebalance.delay.ms": 0})
    cluster.create_topic("t", 2)
    Producer({"bootstrap.servers": cluster.bootstrap_servers}).produce("t", b"seed", partition=0)
    return cluster


@pytest.mark.parametrize("seed", SEEDS)
def test_fuzz_clients_admin_and_cluster_verbs(seed):
    """Random bad calls on producers, consumers, the admin client and the cluster's verbs."""
    rng = random.Random(seed)
    pool = _pool()
    bugs: list[str] = []
    cluster = _fresh_cluster(seed)
    targets = _targets(cluster)
    live: dict = {}
    for _ in range(CALLS):
        if rng.random() < 0.05:
            cluster = _fresh_cluster(seed)
            targets, live = _targets(cluster), {}
        name = rng.choice([*targets, "cluster", "cluster"])
        if name == "cluster":
            pool_here = [*pool, *live.values()]
            _random_call(rng, cluster, _public_methods(cluster, CLUSTER_VERBS), pool_here, bugs, "cluster")
            continue
        if name not in live or rng.random() < 0.1:
            live[name] = targets[name]()
        _random_call(rng, live[name], _public_methods(live[name]), [*pool, cluster], bugs, name)
    STATS["bugs"] += len(bugs)
    assert not bugs, "\n".join(bugs[:20])


@pytest.mark.parametrize("seed", SEEDS)
def test_fuzz_constructors(seed):
    """Constructors and value types with bad arguments."""
    from kafkalab.admin import ConfigEntry

    rng = random.Random(seed)
    pool = [*_pool(), {"bootstrap.servers": "kafkalab://cluster-nope"}]
    bugs: list[str] = []
    cluster = _fresh_cluster(seed)
    good = {"bootstrap.servers": cluster.bootstrap_servers}
    pool += [good, {**good, "group.id": 5}, {**good, "group.id": "g", "session.timeout.ms": "x"},
             {**good, "transactional.id": ""}, {**good, "acks": 7}, {**good, "partitioner": "nope"}]
    for _ in range(CALLS):
        ctor = rng.choice([Producer, Consumer, AdminClient, kafkalab.Cluster, TopicPartition, NewTopic, NewPartitions,
                           ConfigResource, ConfigEntry, OffsetSpec.for_timestamp])
        args = [rng.choice(pool) for _ in range(rng.randint(0, 3))]
        _call(ctor, args, {}, bugs, f"{getattr(ctor, '__qualname__', ctor)}(*{args!r})")
    STATS["bugs"] += len(bugs)
    assert not bugs, "\n".join(bugs[:20])


@pytest.mark.parametrize("seed", SEEDS)
def test_fuzz_sim_scenario_and_library(seed):
    """kafkalab.sim: Scenario verbs and the library with bad arguments ."""
    import kafkalab.sim as sim
    from kafkalab.sim import library

    rng = random.Random(seed)
    pool = [*_pool(), "c1", "crash", "restart", "commit", "after_each", "exactly_once", "orders",
            *library.names(), {"partitions": 2}, {"orders": {"partitions": 2}}, 5_000, 60_000]
    bugs: list[str] = []

    def scenario():
        sc = sim.Scenario(seed=seed, topics={"orders": {"partitions": 2}})
        sc.add_consumer("c1", group="g", topics=["orders"])
        sc.add_producer("p1", topic="orders", rate_per_s=5)
        return sc

    sc = scenario()
    for _ in range(CALLS // 2):
        if rng.random() < 0.1:
            sc = scenario()
        target, name = rng.choice([(sc, "scenario"), (library, "library"), (sim.Scenario, "Scenario")])
        methods = _public_methods(target)
        _random_call(rng, target, methods, pool, bugs, name)
    STATS["bugs"] += len(bugs)
    assert not bugs, "\n".join(bugs[:20])


@pytest.mark.parametrize("seed", SEEDS)
def test_fuzz_lab_frames_and_plots(seed):
    """kafkalab.lab.frames and plots entry points with bad arguments."""
    import matplotlib

    from kafkalab.lab import frames, plots

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rng = random.Random(seed)
    cluster = _fresh_cluster(seed)
    pool = [*_pool(), cluster.trace, cluster, "t", "g", 0]
    bugs: list[str] = []
    for module, name in ((frames, "frames"), (plots, "plots")):
        functions = [n for n in getattr(module, "__all__", dir(module)) if not n.startswith("_")
                     and inspect.isfunction(getattr(module, n, None))]
        for _ in range(CALLS // 4):
            _random_call(rng, module, functions, pool, bugs, name)
            plt.close("all")
    STATS["bugs"] += len(bugs)
    assert not bugs, "\n".join(bugs[:20])


# -- regressions: what the fuzzer found (AttributeError/KeyError from inside, or no error where one was due) --
@pytest.mark.parametrize(("call", "error", "text"), [
    (lambda a: a.delete_records("t"), TypeError, "delete_records: topic_partition_offsets must be a list"),
    (lambda a: a.create_partitions([5]), TypeError, "create_partitions: new_partitions must be a list"),
    (lambda a: a.describe_configs(None), TypeError, "describe_configs: resources must be a list"),
    (lambda a: a.alter_configs([{}]), TypeError, "alter_configs: resources must be a list"),
    (lambda a: a.list_offsets({TopicPartition("t", 0): 5}), TypeError, "list_offsets: topic_partition_offsets"),
    (lambda a: a.delete_consumer_groups([5]), TypeError, "delete_consumer_groups: group_ids must be a list"),
    (lambda a: ConfigResource("nope", "t"), ValueError, "restype 'nope' is not one of"),
    (lambda a: ConfigResource(1.5, "t"), TypeError, "restype must be a ResourceType, str or int"),
])
def test_admin_bad_arguments_name_the_parameter(call, error, text):
    cluster = _fresh_cluster(1)          # keep a reference: the registry forgets unreferenced clusters
    admin = AdminClient({"bootstrap.servers": cluster.bootstrap_servers})
    with pytest.raises(error) as info:
        call(admin)
    assert text in str(info.value)
