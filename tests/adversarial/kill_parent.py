# Attack: kill the process that started us (the grader or its zygote), after defining correct answers.
import os, signal
# {CORRECT_ANSWERS}
os.kill(os.getppid(), signal.SIGKILL)
