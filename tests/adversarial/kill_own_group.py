# Attack: kill our own process group mid-run.
import os, signal
def grad_sigmoid_manual(x): return 0.0
os.killpg(0, signal.SIGKILL)
