# Q5  y = 8x^4 + 3x^3 + 7x^2 + 6x + 3   ->  dy/dx = 32x^3 + 9x^2 + 14x + 6
import torch


def poly_dy_dx_manual(x):
    return 32 * x ** 3 + 9 * x ** 2 + 14 * x + 6


def poly_dy_dx_autograd(x):
    x = torch.tensor(x, requires_grad=True)
    y = 8 * x ** 4 + 3 * x ** 3 + 7 * x ** 2 + 6 * x + 3
    y.backward()
    return x.grad


print(poly_dy_dx_manual(2.0), poly_dy_dx_autograd(2.0))
