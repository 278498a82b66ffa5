from drive import Run
r = Run(partitions=4, session=6000, hb=1000)
r.start("a", cb="incr", stats=100); r.wait(2)
r.start("s1", cb="incr", extra={"group.instance.id": "i1"}, stats=100); r.wait(4)
r.mark("s1 close (static)"); r.send("s1", "close"); r.wait(2)
r.mark("s1 restart"); r.start("s1b", cb="incr", extra={"group.instance.id": "i1"}); r.wait(4)
r.mark("dup i1 joins"); r.start("dup", cb="incr", extra={"group.instance.id": "i1"}); r.wait(4)
r.mark("a unsubscribe"); r.send("a", "unsubscribe"); r.wait(3)
r.send("s1b", "assignment"); r.wait(1)
r.dump(); 
print("join_states:", sorted({(e["app"], e["join_state"]) for e in r.events if e["ev"] == "stats"}))
r.close()
