# Attack (or accident): NaN and infinity everywhere.
def grad_sigmoid_manual(x): return float("nan")
def poly_dy_dx_manual(x): return float("inf")
def tanhlog_forward(x, y, z): return [float("nan")] * 6
