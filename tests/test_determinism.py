"""Determinism across processes: the same program in two fresh interpreters, with different hash seeds,
gives the same trace text (DESIGN §1.2: no wall clock, no global random state, no set-order effects).

The program (``engine_program``) uses groups, a crash and the rebalance it causes, commits,
transactions (committed, aborted, and fenced by a restarted instance) and an idempotent producer;
``library_programs`` runs every scenario of ``kafkalab.sim.library``. This file is also the script the
subprocesses run: ``python tests/test_determinism.py engine|library`` prints the trace text.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def engine_program() -> str:
    """A small application exercising groups, a crash, a rebalance, commits and transactions."""
    import kafkalab
    from kafkalab import Consumer, KafkaException, Producer, TopicPartition

    cluster = kafkalab.Cluster(seed=42, name="determinism")
    for topic, partitions in (("orders", 6), ("payments", 3), ("audit", 1)):
        cluster.create_topic(topic, partitions)
    conf = {"bootstrap.servers": cluster.bootstrap_servers}
    producer = Producer({**conf, "enable.idempotence": True, "linger.ms": 5})
    for i in range(120):
        producer.produce("orders" if i % 3 else "payments", b"v%d" % i, key=b"user-%d" % (i % 17))
        producer.produce("orders", b"no-key-%d" % i)
    producer.flush()
    members = []
    for name in ("c1", "c2", "c3"):
        c = Consumer({**conf, "group.id": "billing", "client.id": name, "auto.offset.reset": "earliest",
                      "enable.auto.commit": name != "c3", "partition.assignment.strategy": "cooperative-sticky",
                      "session.timeout.ms": 6_000, "heartbeat.interval.ms": 1_000})
        c.subscribe(["orders", "payments"])
        members.append(c)
    for round_ in range(12):
        for c in members:
            msg = c.poll(0.3)
            if msg is not None and msg.error() is None and round_ % 3 == 0:
                c.commit(message=msg, asynchronous=False)
    cluster.crash(members[1])          # no LeaveGroup: the session timeout triggers the rebalance
    for _ in range(30):
        for c in (members[0], members[2]):
            c.poll(0.5)
    members[2].commit(asynchronous=False)
    txn = Producer({**conf, "transactional.id": "tx-1"})
    txn.init_transactions()
    meta = members[0].consumer_group_metadata()
    for commit in (True, False, True):
        txn.begin_transaction()
        for i in range(5):
            txn.produce("audit", b"t%d" % i)
        txn.send_offsets_to_transaction(members[0].position(members[0].assignment()), meta)
        try:
            (txn.commit_transaction if commit else txn.abort_transaction)()
        except KafkaException as exc:     # a rebalance may have made the metadata stale: an outcome
            print("outcome", exc.args[0].name())
            txn.abort_transaction()
    txn.begin_transaction()
    txn.produce("audit", b"zombie")
    txn.flush()
    Producer({**conf, "transactional.id": "tx-1"}).init_transactions()   # fences txn, aborts its transaction
    reader = Consumer({**conf, "group.id": "reader", "isolation.level": "read_committed",
                       "auto.offset.reset": "earliest"})
    reader.assign([TopicPartition("audit", 0)])
    while reader.poll(0.2) is not None:
        pass
    for c in (members[0], members[2], reader):
        c.close()
    cluster.advance(60_000)
    return cluster.trace.text()


def library_programs() -> str:
    """Every scenario of ``kafkalab.sim.library``, run to its default end."""
    from kafkalab.sim import library

    parts = []
    for name in library.names():
        sc = library.run(name)
        parts.append(f"## {name}\n" + sc.trace.text().replace(sc.cluster.name, "<cluster>"))
    return "\n".join(parts)


def _run(program: str, hash_seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, __file__, program], env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("program", ["engine", "library"])
def test_determinism_same_trace_in_two_processes(program):
    """Two fresh interpreters with hash seeds 1 and 2 print identical traces."""
    if program == "library":
        pytest.importorskip("kafkalab.sim.library")
    first, second = _run(program, "1"), _run(program, "2")
    assert first.count("\n") > 100, "the program traced almost nothing"
    assert first == second


def test_determinism_engine_program_covers_the_scenario():
    """The engine program really has a crash-driven rebalance, commits and all three transaction ends."""
    text = engine_program()
    for needle in ("client_crashed", "member_removed", "generation", "offset_commit", "control_record",
                   "COMMIT", "ABORT", "PrepareEpochFence", "producer_fenced"):
        assert needle in text, needle


if __name__ == "__main__":
    print(engine_program() if sys.argv[1] == "engine" else library_programs())
