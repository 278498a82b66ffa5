from drive import Run
r = Run(partitions=1, session=6000, hb=1000)
r.start("c1", cb="incr"); r.wait(2)
r.start("c2", cb="incr"); r.wait(3)
r.mark("c1 close"); r.send("c1", "close"); r.wait(3)
r.dump(); r.close()
