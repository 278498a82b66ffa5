"""Retention benchmark (not a test): one simulated week of a 12-partition topic with retention.ms = 1 day
and hourly segments (the defaults scaled down by 7 and 168), 1,000,000 records produced in 5-minute chunks,
the retention check running every 5 virtual minutes (broker default). Prints wall time, peak memory,
the time spent inside retention checks, segments deleted and the final log start offsets, and checks
that the segment / log-start history is in the trace for a retention timeline plot.

Usage: python bench/retention.py [--records N] [--tracemalloc]
Goal on the 2-core reference machine: < 3 s wall and < 400 MB peak memory.
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import kafkalab
from kafkalab import Producer

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
CHUNK_MS = 300_000
PARTITIONS = 12


def run(records: int) -> dict:
    cluster = kafkalab.Cluster(seed=1)
    cluster.create_topic("events", PARTITIONS, {"retention.ms": DAY_MS, "segment.ms": HOUR_MS})
    cleaner = cluster.log_cleaner
    check_s = [0.0]
    check = cleaner.check

    def timed_check() -> int:
        t = time.perf_counter()
        deleted = check()
        check_s[0] += time.perf_counter() - t
        return deleted

    cleaner.check = timed_check                    # the periodic task calls self.check()
    producer = Producer({"bootstrap.servers": cluster.bootstrap_servers, "linger.ms": 5})
    keys = [b"sensor-%d" % i for i in range(1000)]
    value = b"reading-0123456789-0123456789"
    chunks = 7 * DAY_MS // CHUNK_MS
    produce = producer.produce
    sent = 0
    t0 = time.perf_counter()
    for chunk in range(chunks):
        upto = records * (chunk + 1) // chunks
        for i in range(sent, upto):
            produce("events", value, keys[i % 1000])
        sent = upto
        producer.flush()
        cluster.advance((chunk + 1) * CHUNK_MS - cluster.now_ms)
    wall = time.perf_counter() - t0
    logs = cluster.topic("events").partitions
    history = [ev for ev in cluster.trace.events(topic="events")
               if ev.kind in ("segment_rolled", "segment_created", "segment_deleted", "log_start_offset")]
    deleted = [ev for ev in history if ev.kind == "segment_deleted"]
    oldest_age = max(cluster.now_ms - min(b.max_timestamp for b in log.segments[0].batches) for log in logs)
    return {"wall": wall, "check_s": check_s[0], "checks": cleaner.checks, "sent": sent,
            "now_ms": cluster.now_ms, "deleted": len(deleted),
            "causes": sorted({ev["cause"] for ev in deleted}), "history": len(history),
            "log_start": [log.log_start_offset for log in logs], "log_end": [log.log_end_offset for log in logs],
            "segments": sum(len(log.segments) for log in logs), "oldest_age_ms": oldest_age}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--tracemalloc", action="store_true", help="measure the Python heap peak (slower)")
    args = parser.parse_args()
    if args.tracemalloc:
        tracemalloc.start()
    r = run(args.records)
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if args.tracemalloc else None
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    retained = sum(e - s for s, e in zip(r["log_start"], r["log_end"], strict=True))
    print(f"simulated {r['now_ms'] / DAY_MS:.1f} days, {r['sent']:,} records, {PARTITIONS} partitions, "
          f"{r['checks']:,} retention checks")
    print(f"wall time          : {r['wall']:.2f} s (of which retention checks {r['check_s'] * 1000:.0f} ms)")
    print(f"peak memory        : {maxrss:.0f} MB max RSS" + (f", {peak:.0f} MB tracemalloc peak" if peak else ""))
    print(f"segments deleted   : {r['deleted']:,} (causes {r['causes']}), {r['segments']} segments left")
    print(f"records retained   : {retained:,}; oldest is {r['oldest_age_ms'] / HOUR_MS:.2f} h old "
          f"(bound: 24 h + 1 h segment + 5 min check = 25.08 h)")
    print(f"log start offsets  : {r['log_start']}")
    print(f"timeline history   : {r['history']:,} segment/log-start trace events")
    print(f"goal               : wall < 3 s {'OK' if r['wall'] < 3 else 'MISSED'}, "
          f"memory < 400 MB {'OK' if max(maxrss, peak or 0) < 400 else 'MISSED'}")


if __name__ == "__main__":
    main()
