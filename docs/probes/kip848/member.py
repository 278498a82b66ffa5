"""One consumer in its own process. argv[1] JSON {conf, topic, name, cb: normal|assign|unassign|incr}.
stdin commands (one per line): close | commit | stall <s> | unsubscribe | memberid | assignment | position
stdout JSON lines."""
import json, queue, sys, threading, time
from confluent_kafka import Consumer, KafkaException, TopicPartition

cfg = json.loads(sys.argv[1]); name = cfg["name"]; T0 = time.time()
def out(**kw):
    kw["t"] = round(time.time() - cfg.get("t0", T0), 3); kw["app"] = name
    sys.stdout.write(json.dumps(kw) + "\n"); sys.stdout.flush()
def stats(js):
    d = json.loads(js); cg = d.get("cgrp", {})
    out(ev="stats", join_state=cg.get("join_state"), state=cg.get("state"), rebalance_cnt=cg.get("rebalance_cnt"),
        rebalance_reason=cg.get("rebalance_reason"), assignment_size=cg.get("assignment_size"))
conf = dict(cfg["conf"])
if cfg.get("stats"):
    conf["stats_cb"] = stats; conf["statistics.interval.ms"] = cfg["stats"]
conf["error_cb"] = lambda e: out(ev="error_cb", code=e.code(), name=e.name(), str=e.str(), fatal=e.fatal())
c = Consumer(conf)
mode = cfg.get("cb", "normal")
def P(ps): return sorted([tp.topic, tp.partition] for tp in ps)
def mk(kind):
    def cb(cons, ps):
        extra = {}
        if mode in ("assign", "unassign") :
            try:
                if mode == "assign":
                    cons.assign(ps) if kind == "assign" else cons.unassign()
                else:
                    cons.unassign()
                extra["call"] = "ok"
            except KafkaException as e:
                er = e.args[0]; extra.update(call="KafkaException", code=er.code(), name=er.name(), str=er.str())
            except Exception as e:
                extra.update(call=type(e).__name__, str=str(e))
        elif mode == "revoke_unassign" and kind != "assign":
            try:
                cons.unassign(); extra["call"] = "ok"
            except KafkaException as e:
                er = e.args[0]; extra.update(call="KafkaException", code=er.code(), name=er.name(), str=er.str())
        elif mode == "revoke_assign" and kind != "assign":
            try:
                cons.assign([]); extra["call"] = "ok"
            except KafkaException as e:
                er = e.args[0]; extra.update(call="KafkaException", code=er.code(), name=er.name(), str=er.str())
        elif mode == "incr":
            try:
                cons.incremental_assign(ps) if kind == "assign" else cons.incremental_unassign(ps)
                extra["call"] = "ok"
            except KafkaException as e:
                er = e.args[0]; extra.update(call="KafkaException", code=er.code(), name=er.name(), str=er.str())
        try:
            extra["assignment_after"] = P(cons.assignment())
        except Exception as e:
            extra["assignment_after"] = str(e)
        try:
            extra["lost"] = cons.assignment_lost() if hasattr(cons, "assignment_lost") else None
        except Exception:
            pass
        out(ev=kind, parts=P(ps), **extra)
    return cb
c.subscribe([cfg["topic"]], on_assign=mk("assign"), on_revoke=mk("revoke"), on_lost=mk("lost"))
q = queue.Queue()
threading.Thread(target=lambda: [q.put(l.strip()) for l in sys.stdin], daemon=True).start()
out(ev="ready")
last = None
while True:
    try:
        cmd = q.get_nowait()
    except queue.Empty:
        cmd = None
    if cmd:
        w = cmd.split()
        try:
            if w[0] == "close":
                out(ev="closing"); c.close(); out(ev="closed"); sys.exit(0)
            elif w[0] == "commit":
                try:
                    r = c.commit(asynchronous=False)
                    out(ev="commit", offsets=[[tp.topic, tp.partition, tp.offset, str(tp.error) if tp.error else None] for tp in r])
                except KafkaException as e:
                    er = e.args[0]; out(ev="commit_error", code=er.code(), name=er.name(), str=er.str())
            elif w[0] == "commit_offsets":
                try:
                    tps = [TopicPartition(cfg["topic"], int(p), int(o)) for p, o in zip(w[1::2], w[2::2])]
                    r = c.commit(offsets=tps, asynchronous=False)
                    out(ev="commit", offsets=[[tp.topic, tp.partition, tp.offset, str(tp.error) if tp.error else None] for tp in r])
                except KafkaException as e:
                    er = e.args[0]; out(ev="commit_error", code=er.code(), name=er.name(), str=er.str())
            elif w[0] == "stall":
                out(ev="stalling"); time.sleep(float(w[1])); out(ev="stall_end")
            elif w[0] == "unsubscribe":
                c.unsubscribe(); out(ev="unsubscribed")
            elif w[0] == "memberid":
                out(ev="memberid", id=c.memberid())
            elif w[0] == "assignment":
                out(ev="assignment", parts=P(c.assignment()))
            elif w[0] == "cgm":
                m = c.consumer_group_metadata(); out(ev="cgm", s=str(m))
        except SystemExit:
            raise
        except Exception as e:
            out(ev="cmd_exc", cmd=cmd, exc=repr(e))
    m = c.poll(0.05)
    if m is None:
        continue
    if m.error():
        er = m.error(); out(ev="msg_error", code=er.code(), name=er.name(), str=er.str(), fatal=er.fatal()); continue
    out(ev="deliver", p=m.partition(), o=m.offset())
