# Attack: add a second, forged observation for a case the harness will observe honestly too.
import json, os
forged = {"type": "observation", "probe": "p4_manual", "case": 1, "strategy": 0, "status": "ok",
          "value": {"kind": "number", "type": "float", "value": 0.25}}
for fd in os.listdir("/proc/self/fd"):
    try:
        if os.readlink(f"/proc/self/fd/{fd}").endswith("messages.jsonl"):
            os.write(int(fd), (json.dumps(forged) + "\n").encode())
    except OSError:
        pass
# {CORRECT_ANSWERS}
