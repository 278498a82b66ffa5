import json, os, queue, signal, subprocess, sys, threading, time
sys.path.insert(0, "/work/shared/examples/live")
from mockcluster import MockCluster
HERE = os.path.dirname(os.path.abspath(__file__))

class Run:
    def __init__(self, partitions=6, session=6000, hb=1000, brokers=1, topic="t"):
        self.mc = MockCluster(brokers, initial_rebalance_delay_ms=0)
        self.mc.set_kip848_session_timeout_ms(session); self.mc.set_kip848_heartbeat_interval_ms(hb)
        self.mc.create_topic(topic, partitions, 1); self.topic = topic
        self.q = queue.Queue(); self.events = []; self.procs = {}; self.t0 = time.time()
    def start(self, name, cb="normal", extra=None, stats=None):
        conf = {"bootstrap.servers": self.mc.bootstrap, "group.id": "g", "group.protocol": "consumer",
                "auto.offset.reset": "earliest", "client.id": name, **(extra or {})}
        spec = {"conf": conf, "topic": self.topic, "name": name, "cb": cb, "t0": self.t0}
        if stats: spec["stats"] = stats
        p = subprocess.Popen([sys.executable, os.path.join(HERE, "member.py"), json.dumps(spec)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.procs[name] = p
        threading.Thread(target=lambda: [self.q.put(json.loads(l)) for l in p.stdout], daemon=True).start()
        threading.Thread(target=lambda: [self.q.put({"app": name, "ev": "stderr", "line": l.strip()[:300]}) for l in p.stderr], daemon=True).start()
    def send(self, name, cmd):
        self.procs[name].stdin.write(cmd + "\n"); self.procs[name].stdin.flush()
    def kill(self, name):
        self.procs[name].send_signal(signal.SIGKILL); self.events.append({"t": round(time.time()-self.t0,3), "app": name, "ev": "SIGKILL"})
    def wait(self, s, until=None):
        end = time.time() + s
        while time.time() < end:
            try:
                e = self.q.get(timeout=0.05)
                self.events.append(e)
                if until and until(e): return e
            except queue.Empty:
                pass
    def mark(self, what):
        self.events.append({"t": round(time.time()-self.t0, 3), "app": "-", "ev": "MARK", "what": what})
    def dump(self, kinds=None, skip=("deliver", "stats")):
        for e in self.events:
            if e["ev"] in skip: continue
            if kinds and e["ev"] not in kinds: continue
            print(json.dumps(e))
    def close(self):
        for p in self.procs.values():
            if p.poll() is None: p.kill(); p.wait()
        self.mc.close()
