import torch


def poly_dy_dx_manual(x):
    return 32 * x ** 3 + 9 * x ** 2 + 14 * x + 6


def poly_dy_dx_autograd(x):
    x = torch.tensor(float(x), requires_grad=True)
    y = 8 * x ** 4 + 3 * x ** 3 + 7 * x ** 2 + 6 * x + 3
    y.backward()
    return x.grad.item()
