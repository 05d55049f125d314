# Attack: answers that claim to equal anything (a comparison done in the student's process would pass).
class Anything:
    def __eq__(self, other):
        return True

    def __float__(self):
        raise TypeError("no")

def grad_sigmoid_manual(x): return Anything()
def dz_da_manual(a, b): return Anything()
def poly_dy_dx_manual(x): return Anything()
