# Exercise 3 -- same neuron as ex 2 but with the sigmoid activation
# a = sigmoid(w*x + b)  ->  da/dw = sigmoid(v) * (1 - sigmoid(v)) * x
import math
import torch


def _sig(v):
    return 1 / (1 + math.exp(-v))


def sigmoid_da_dw_manual(x, w, b):
    v = w * x + b
    s = _sig(v)
    return s * (1 - s) * x


def sigmoid_da_dw_autograd(x, w, b):
    w = torch.tensor(w, requires_grad=True)
    v = w * torch.tensor(x) + torch.tensor(b)
    a = torch.sigmoid(v)
    a.backward()
    return w.grad.item()


print("ex3 check:", sigmoid_da_dw_manual(2.0, 0.5, -1.0), sigmoid_da_dw_autograd(2.0, 0.5, -1.0))
