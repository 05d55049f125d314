# Attack: a double-forked daemon in its own session that would outlive the run.
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        open("{DROP}/daemon.pid", "w").write(str(os.getpid()))
        time.sleep(600)
    os._exit(0)
time.sleep(0.5)
