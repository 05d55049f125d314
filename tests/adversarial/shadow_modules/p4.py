# Uses torch; must get the real one, not the fake beside it.
import torch

def grad_sigmoid_manual(x):
    s = 1 / (1 + torch.exp(torch.tensor(-x, dtype=torch.float64)))
    return float(s * (1 - s))

def sigmoid(x):
    return 1 / (1 + torch.exp(-x))
