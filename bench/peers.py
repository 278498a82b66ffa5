"""Peer benchmark (not a test): the throughput workload of bench/throughput.py on kafkalab, on mockafka-py,
and on confluent-kafka against librdkafka's built-in mock cluster. Prints records/s (wall clock).

The workload: produce N small keyed records (1,000 distinct keys) to a 3-partition topic and flush,
then one consumer reads them all, committing synchronously every 1,000. Each run happens in a fresh
process; the peers are interleaved over the rounds; medians and ratios are printed at the end.

- kafkalab: ``bench/throughput.py``'s ``run_once`` as it is.
- confluent-kafka: an in-process mock cluster started by a client with ``test.mock.num.brokers=1``;
  the brokers' addresses come from its ``list_topics()``. The mock has no controller, so AdminClient
  cannot create the topic: it is auto-created with the mock's default partition count (4, not 3;
  printed), and the consumer assigns all of them.
- mockafka-py: FakeProducer/FakeConsumer. Its producer needs an explicit partition (it has no
  partitioner), so the loop computes ``crc32(key) % 3`` itself, inside the timed part; its consumer
  has no ``assign`` (subscribe instead) and its ``commit()`` stores the position with no group.

Peers come from the ``bench`` extra (``pip install -e .[bench]``); one that cannot be imported is
reported and skipped.

Usage: python bench/peers.py [--records N] [--rounds K] [--peers kafkalab,confluent-mock,mockafka]
Goal (issue 9): kafkalab end to end >= confluent-kafka on the mock cluster and >= 2x mockafka-py.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import zlib
from pathlib import Path

PEERS = ("kafkalab", "confluent-mock", "mockafka")
IMPORTS = {"kafkalab": "kafkalab", "confluent-mock": "confluent_kafka", "mockafka": "mockafka"}
KEYS_MOD = 1000
VALUE = b"value-0123456789"


def _figures(records: int, t0: float, t1: float, t2: float) -> dict[str, float]:
    return {"produce": records / (t1 - t0), "consume": records / (t2 - t1), "end_to_end": records / (t2 - t0)}


def run_kafkalab(records: int) -> dict[str, float]:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from throughput import run_once

    return run_once(records)


def run_confluent_mock(records: int) -> dict[str, float]:
    from confluent_kafka import Consumer, Producer, TopicPartition

    owner = Producer({"test.mock.num.brokers": 1})       # keeps the mock cluster alive for the run
    brokers = ",".join(f"{b.host}:{b.port}" for b in owner.list_topics(timeout=10).brokers.values())
    conf = {"bootstrap.servers": brokers}
    # the mock reports no controller, so CreateTopics cannot be used; a producer's metadata request
    # auto-creates the topic with the mock's default partition count (4 in librdkafka 2.x)
    partitions = len(Producer(conf).list_topics("bench", timeout=10).topics["bench"].partitions)
    keys = [b"key-%d" % (i % KEYS_MOD) for i in range(records)]
    producer = Producer(conf)
    t0 = time.perf_counter()
    produce = producer.produce
    for key in keys:
        while True:
            try:
                produce("bench", VALUE, key)
                break
            except BufferError:                          # local queue full: serve deliveries, retry
                producer.poll(0.01)
    producer.flush()
    t1 = time.perf_counter()
    consumer = Consumer({**conf, "group.id": "bench", "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.assign([TopicPartition("bench", p) for p in range(partitions)])
    got = _consume(consumer, records)
    t2 = time.perf_counter()
    consumer.close()
    assert got == records
    return {**_figures(records, t0, t1, t2), "partitions": partitions}


def _consume(consumer, records: int) -> int:
    got = 0
    poll = consumer.poll
    while got < records:
        msg = poll(1.0)
        if msg is None:
            raise SystemExit(f"consumer stalled after {got} records")
        if msg.error() is None:
            got += 1
            if got % 1000 == 0:
                consumer.commit(asynchronous=False)
    return got


def run_mockafka(records: int) -> dict[str, float]:
    from mockafka import FakeAdminClientImpl, FakeConsumer, FakeProducer
    from mockafka.admin_client import NewTopic

    FakeAdminClientImpl(clean=True).create_topic(NewTopic("bench", 3))
    keys = [b"key-%d" % (i % KEYS_MOD) for i in range(records)]
    producer = FakeProducer()
    t0 = time.perf_counter()
    produce, crc32 = producer.produce, zlib.crc32
    for key in keys:
        produce("bench", VALUE, key, partition=crc32(key) % 3)
    producer.flush()
    t1 = time.perf_counter()
    consumer = FakeConsumer()
    consumer.subscribe(["bench"])
    _consume(consumer, records)
    t2 = time.perf_counter()
    consumer.close()
    return _figures(records, t0, t1, t2)


WORKERS = {"kafkalab": run_kafkalab, "confluent-mock": run_confluent_mock, "mockafka": run_mockafka}


def _available(peer: str) -> str | None:
    """None if the peer's package imports in a fresh interpreter, else the reason it does not."""
    done = subprocess.run([sys.executable, "-c", f"import {IMPORTS[peer]}"], capture_output=True, text=True,
                          check=False)
    return None if done.returncode == 0 else (done.stderr.strip().splitlines() or ["import failed"])[-1]


def _run_in_fresh_process(peer: str, records: int) -> dict[str, float]:
    done = subprocess.run([sys.executable, __file__, "--worker", peer, "--records", str(records)],
                          capture_output=True, text=True, check=False, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"{peer} failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--peers", default=",".join(PEERS))
    parser.add_argument("--worker", choices=PEERS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(WORKERS[args.worker](args.records)))
        return
    peers = []
    for peer in args.peers.split(","):
        if peer not in WORKERS:
            raise SystemExit(f"unknown peer {peer!r}; allowed: {', '.join(PEERS)}")
        reason = _available(peer)
        if reason:
            print(f"skipped {peer}: cannot import {IMPORTS[peer]} ({reason})")
        else:
            peers.append(peer)
    runs: dict[str, list[dict[str, float]]] = {p: [] for p in peers}
    for round_ in range(args.rounds):
        for peer in peers[round_ % len(peers):] + peers[:round_ % len(peers)]:   # rotate the order
            runs[peer].append(_run_in_fresh_process(peer, args.records))
    print(f"{args.rounds} rounds of {args.records:,} records, each run in a fresh process (records/s, median)")
    print(f"{'peer':>16} {'produce':>12} {'consume':>12} {'end_to_end':>12}")
    medians = {p: {k: statistics.median(r[k] for r in runs[p]) for k in ("produce", "consume", "end_to_end")}
               for p in peers}
    for peer in peers:
        m = medians[peer]
        print(f"{peer:>16} {m['produce']:>12,.0f} {m['consume']:>12,.0f} {m['end_to_end']:>12,.0f}")
    for peer in peers:
        if "partitions" in runs[peer][0]:
            print(f"note: {peer} ran on {runs[peer][0]['partitions']} partitions (kafkalab and mockafka on 3)")
    if "kafkalab" in medians:
        for peer in peers:
            if peer != "kafkalab":
                ratios = "  ".join(f"{k} {medians['kafkalab'][k] / medians[peer][k]:.2f}x"
                                   for k in ("produce", "consume", "end_to_end"))
                print(f"kafkalab / {peer}: {ratios}")


if __name__ == "__main__":
    main()
