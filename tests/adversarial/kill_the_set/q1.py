# An honest Q1 beside a script that kills the process that runs its scripts one after another.
import torch


def dz_da_manual(a, b):
    return 4 + 30 * a


def dz_da_autograd(a, b):
    a = torch.tensor(float(a), requires_grad=True)
    b = torch.tensor(float(b), requires_grad=True)
    z = 2 * (2 * a + 3 * b) + 3 * (5 * a * a + 3 * b ** 3)
    z.backward()
    return a.grad.item()
