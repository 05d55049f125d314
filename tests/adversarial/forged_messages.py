# Attack: write forged observations (and an early "done") straight into the grader's channel, then vanish.
import json, os
line = {"type": "observation", "probe": "p4_manual", "case": 0, "strategy": 0, "status": "ok",
        "value": {"kind": "number", "type": "float", "value": 0.1049935854035065}}
for fd in os.listdir("/proc/self/fd"):
    try:
        target = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        continue
    if target.endswith("messages.jsonl"):
        os.write(int(fd), (json.dumps(line) + "\n" + json.dumps({"type": "done"}) + "\n").encode())
os._exit(0)
