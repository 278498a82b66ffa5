import confluent_kafka as ck
from confluent_kafka import Consumer, KafkaException
print(ck.version(), ck.libversion())
base = {"bootstrap.servers": "localhost:1", "group.id": "g", "group.protocol": "consumer"}
cases = [("session.timeout.ms", 45000), ("session.timeout.ms", 10000), ("heartbeat.interval.ms", 3000),
         ("partition.assignment.strategy", "range"), ("partition.assignment.strategy", "cooperative-sticky"),
         ("group.protocol.type", "consumer"),
         ("enable.auto.commit", False), ("group.instance.id", "i1"), ("max.poll.interval.ms", 60000),
         ("group.remote.assignor", "bogus"), ("group.remote.assignor", "uniform"), ("auto.commit.interval.ms", 1000),
         ("enable.auto.offset.store", False), ("isolation.level", "read_committed"), ("client.rack", "r1"),
         ("coordinator.query.interval.ms", 1000), ("group.protocol", "CONSUMER"), ("group.protocol", "bogus"),
         ("group.protocol", "Consumer"), ("partition.assignment.strategy", ""),
         ("topic.metadata.refresh.interval.ms", 1000), ("check.crcs", True)]
for k, v in cases:
    try:
        c = Consumer({**base, k: v})
        print(f"OK   {k}={v!r}")
        c.close()
    except KafkaException as e:
        err = e.args[0]
        print(f"ERR  {k}={v!r}: code={err.code()} name={err.name()} str={err.str()!r}")
    except Exception as e:
        print(f"EXC  {k}={v!r}: {type(e).__name__} {e}")
# no group.id
try:
    Consumer({"bootstrap.servers": "localhost:1", "group.protocol": "consumer"}).close(); print("OK no group.id")
except Exception as e:
    print("no group.id:", repr(e))
# two refused at once
try:
    Consumer({**base, "session.timeout.ms": 1, "heartbeat.interval.ms": 1}).close()
except KafkaException as e:
    print("two at once:", e.args[0].str())
try:
    Consumer({**base, "heartbeat.interval.ms": 1000, "partition.assignment.strategy": "range"}).close()
except KafkaException as e:
    print("two at once b:", e.args[0].str())
