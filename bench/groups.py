"""Group benchmarks (not tests): wall-clock time to simulate group scenarios in virtual time.

(a) Crash before commit: 3 consumers on 3 partitions, c3 consumes without committing and crashes;
    measured from the start until a survivor received c3's last uncommitted record.
    Goal < 50 ms wall (librdkafka's mock cluster needs ~10.6 s, because it runs in real time).
(b) 50 consumers on a 500-partition topic, one crashes; wall time from the crash until the group
    is Stable in a new generation and the 49 survivors own all 500 partitions. Each consumer runs
    the loop ``poll(0.1)``. Goal < 200 ms wall.
(c) As (b) under Kafka 4's consumer group protocol (``group.protocol=consumer``, KIP-848): wall time from the
    crash until the broker has fenced the member (its session timeout, 45 s virtual), the group is Stable at a
    new group epoch and the 49 survivors own all 500 partitions. The survivors keep theirs throughout.

Usage: python bench/groups.py [--repeat K]
"""

from __future__ import annotations

import argparse
import statistics
import time

import kafkalab
from kafkalab import Consumer, Producer


def crash_before_commit() -> tuple[float, int]:
    t0 = time.perf_counter()
    cluster = kafkalab.Cluster(seed=1)
    cluster.create_topic("orders", partitions=3)
    conf = {"bootstrap.servers": cluster.bootstrap_servers}
    p = Producer(conf)
    for i in range(30):
        p.produce("orders", f"v{i}", partition=i % 3)
    p.flush()
    cs = [Consumer({**conf, "group.id": "g", "client.id": f"c{i}", "auto.offset.reset": "earliest",
                    "enable.auto.commit": False}) for i in range(3)]
    for c in cs:
        c.subscribe(["orders"])
    seen = {0: 0, 1: 0, 2: 0}
    crashed_partition = None
    while min(seen.values()) < 5:
        for i, c in enumerate(cs):
            m = c.poll(0.1)
            if m is not None and m.error() is None:
                seen[i] += 1
                if i < 2:
                    c.commit(m, asynchronous=False)
                else:
                    crashed_partition = m.partition()
    cluster.crash(cs[2])
    redelivered = set()
    while len(redelivered) < 10:
        for c in cs[:2]:
            m = c.poll(0.1)
            if m is not None and m.error() is None:
                c.commit(m, asynchronous=False)
                if m.partition() == crashed_partition:
                    redelivered.add(m.offset())
    return (time.perf_counter() - t0) * 1000, cluster.now_ms


def big_group_crash() -> tuple[float, float, int]:
    t0 = time.perf_counter()
    cluster = kafkalab.Cluster(seed=2)
    cluster.create_topic("big", partitions=500)
    conf = {"bootstrap.servers": cluster.bootstrap_servers}
    cs = [Consumer({**conf, "group.id": "big", "client.id": f"c{i}", "enable.auto.commit": False})
          for i in range(50)]
    for c in cs:
        c.subscribe(["big"])
    grp = None
    while grp is None or grp.state.value != "Stable" or any(len(c.assignment()) != 10 for c in cs):
        for c in cs:
            c.poll(0.1)
        grp = cluster.group_coordinator.group("big")
    setup_ms = (time.perf_counter() - t0) * 1000
    gen = grp.generation_id
    t1 = time.perf_counter()
    cluster.crash(cs[0])
    live = cs[1:]
    while grp.generation_id == gen or grp.state.value != "Stable" or sum(len(c.assignment()) for c in live) != 500:
        for c in live:
            c.poll(0.1)
    return setup_ms, (time.perf_counter() - t1) * 1000, cluster.now_ms


def big_group_crash_kip848() -> tuple[float, float, int]:
    t0 = time.perf_counter()
    cluster = kafkalab.Cluster(seed=2)
    cluster.create_topic("big", partitions=500)
    conf = {"bootstrap.servers": cluster.bootstrap_servers}
    cs = [Consumer({**conf, "group.id": "big", "client.id": f"c{i}", "enable.auto.commit": False,
                    "group.protocol": "consumer"}) for i in range(50)]
    for c in cs:
        c.subscribe(["big"])
    groups = cluster.group_coordinator.consumer
    grp = None
    while grp is None or grp.state.value != "Stable" or any(len(c.assignment()) != 10 for c in cs):
        for c in cs:
            c.poll(0.1)
        grp = groups.group("big")
    setup_ms = (time.perf_counter() - t0) * 1000
    epoch = grp.group_epoch
    t1 = time.perf_counter()
    cluster.crash(cs[0])
    live = cs[1:]
    while grp.group_epoch == epoch or grp.state.value != "Stable" or sum(len(c.assignment()) for c in live) != 500:
        for c in live:
            c.poll(0.1)
    return setup_ms, (time.perf_counter() - t1) * 1000, cluster.now_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    a = [crash_before_commit() for _ in range(args.repeat)]
    med = statistics.median(x[0] for x in a)
    print(f"(a) crash before commit, start -> last redelivered record: median {med:.1f} ms "
          f"wall (min {min(x[0] for x in a):.1f}), {a[0][1]:,} virtual ms simulated")
    b = [big_group_crash() for _ in range(args.repeat)]
    print(f"(b) 50 consumers x 500 partitions, crash -> Stable new generation: median "
          f"{statistics.median(x[1] for x in b):.1f} ms wall (min {min(x[1] for x in b):.1f}); "
          f"forming the group took {statistics.median(x[0] for x in b):.1f} ms; {b[0][2]:,} virtual ms simulated")
    c = [big_group_crash_kip848() for _ in range(args.repeat)]
    print(f"(c) the same under group.protocol=consumer (KIP-848), crash -> Stable new group epoch: median "
          f"{statistics.median(x[1] for x in c):.1f} ms wall (min {min(x[1] for x in c):.1f}); "
          f"forming the group took {statistics.median(x[0] for x in c):.1f} ms; {c[0][2]:,} virtual ms simulated")


if __name__ == "__main__":
    main()
