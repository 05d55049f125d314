# Kills its parent: when the scripts of a folder share one coordinating child, that child.
import os
import signal

os.kill(os.getppid(), signal.SIGKILL)
