from drive import Run
import sys
mode = sys.argv[1]
r = Run(partitions=4)
r.start("c1", cb=mode); r.wait(3)
r.mark("c2 start"); r.start("c2", cb=mode); r.wait(4)
r.send("c1", "assignment"); r.send("c2", "assignment"); r.wait(1)
r.mark("c2 close"); r.send("c2", "close"); r.wait(3)
r.send("c1", "assignment"); r.wait(1)
r.dump(); r.close()
