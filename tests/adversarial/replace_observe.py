# Attack (issue 10): a wrong derivative, and the harness's observe() replaced through sys.modules by one that
# answers every probe of P4 with the right value for its inputs.
import math
import sys


def grad_sigmoid_manual(x):
    return 0.0  # wrong


def _forged_observe(probe, namespace, job, extras, recorder=None):
    messages = []
    for index, case in enumerate(probe.cases):
        s = 1 / (1 + math.exp(-case.get("x", 0.0)))
        messages.append({"type": "observation", "probe": probe.name, "strategy": 0, "case": index, "status": "ok",
                         "value": {"kind": "number", "type": "float", "value": s * (1 - s)}})
    return messages


sys.modules["grader.sandbox.child"].observe = _forged_observe
