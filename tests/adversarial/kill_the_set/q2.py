# Kills its parent: the server that forked the process running this folder's scripts one after another.
import os
import signal

os.kill(os.getppid(), signal.SIGKILL)
