# Attack: an answer nested thousands deep, and one with ten million items.
def grad_sigmoid_manual(x):
    value = []
    for _ in range(5000):
        value = [value]
    return value

def poly_dy_dx_manual(x):
    return [0.5] * 10_000_000
