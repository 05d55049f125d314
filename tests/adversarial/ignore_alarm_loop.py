# Attack: disable the per-cell alarm and loop forever.
import signal
signal.signal(signal.SIGALRM, signal.SIG_IGN)
while True:
    pass
