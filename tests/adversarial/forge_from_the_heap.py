# Attack (issue 10): find the harness's channel and job among the process's objects, write an answer for every
# case of P4, then "done", then vanish before the harness can observe anything.
import gc
import math
import os

channel = job = None
for thing in gc.get_objects():
    kind = type(thing).__name__
    if kind == "Channel":
        channel = thing
    elif kind == "Job":
        job = thing
if channel is not None and job is not None:
    for probe in job.probes:
        if probe.name == "p4_manual":
            for index, case in enumerate(probe.cases):
                s = 1 / (1 + math.exp(-case["x"]))
                channel.send({"type": "observation", "probe": probe.name, "strategy": 0, "case": index,
                              "status": "ok", "value": {"kind": "number", "type": "float", "value": s * (1 - s)}})
    channel.send({"type": "done"})
os._exit(0)


def grad_sigmoid_manual(x):
    return 0.0
