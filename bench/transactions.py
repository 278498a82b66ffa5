"""Transactions benchmark (not a test): 100,000 records in transactions of 100 to 3 partitions, then
one read_committed consumer reads them all. Prints records/s (wall clock).

Usage: python bench/transactions.py [--records N] [--per-txn K] [--repeat R]
Goal on the 2-core reference machine: >= 200,000 records/s end to end.
"""

from __future__ import annotations

import argparse
import statistics
import time

import kafkalab
from kafkalab import Consumer, Producer, TopicPartition


def run_once(records: int, per_txn: int) -> dict[str, float]:
    cluster = kafkalab.Cluster(seed=1)
    cluster.create_topic("bench", partitions=3)
    conf = {"bootstrap.servers": cluster.bootstrap_servers}
    keys = [b"key-%d" % (i % 1000) for i in range(records)]
    value = b"value-0123456789"
    t0 = time.perf_counter()
    producer = Producer({**conf, "transactional.id": "bench"})
    producer.init_transactions()
    produce = producer.produce
    for start in range(0, records, per_txn):
        producer.begin_transaction()
        for key in keys[start:start + per_txn]:
            produce("bench", value, key)
        producer.commit_transaction()
    t1 = time.perf_counter()
    consumer = Consumer({**conf, "group.id": "bench", "auto.offset.reset": "earliest", "enable.auto.commit": False,
                         "isolation.level": "read_committed"})
    consumer.assign([TopicPartition("bench", p) for p in range(3)])
    got = 0
    poll = consumer.poll
    while got < records:
        msg = poll(1.0)
        if msg is None:
            raise SystemExit(f"consumer stalled after {got} records")
        if msg.error() is None:
            got += 1
    t2 = time.perf_counter()
    consumer.close()
    return {"produce": records / (t1 - t0), "consume": records / (t2 - t1), "end_to_end": records / (t2 - t0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--per-txn", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    runs = [run_once(args.records, args.per_txn) for _ in range(args.repeat)]
    for name in ("produce", "consume", "end_to_end"):
        values = [r[name] for r in runs]
        print(f"{name:>10}: median {statistics.median(values):>12,.0f} records/s "
              f"(min {min(values):,.0f}, max {max(values):,.0f}, {args.repeat} runs of {args.records:,}, "
              f"{args.per_txn} per transaction)")


if __name__ == "__main__":
    main()
