from drive import Run
import time
r = Run(partitions=4, session=6000, hb=1000)
r.start("c1", cb="incr"); r.wait(2)
r.start("c2", cb="incr", extra={"max.poll.interval.ms": 3000}); r.send("c2", "memberid"); r.wait(4)
r.send("c2", "memberid"); r.wait(1)
r.mark("c2 stall 7s (max.poll 3000)"); r.send("c2", "stall 7"); r.wait(4)
r.send("c2", "commit_offsets 2 1"); r.wait(6)
r.send("c2", "memberid"); r.send("c2", "commit_offsets 2 1"); r.wait(4)
r.mark("stale injection: next OffsetCommit -> 113"); r.mc.push_cluster_errors(8, [113]); r.send("c1", "commit_offsets 0 1"); r.wait(2)
r.send("c1", "commit_offsets 0 1"); r.wait(2)
r.dump(); r.close()
