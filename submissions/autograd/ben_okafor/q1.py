# Ben Okafor - Exercise 1
#   x = 2a + 3b
#   y = 5a^2 + 3b^3
#   z = 2x + 3y
# path back from z to a:  dz/da = dz/dx * dx/da + dz/dy * dy/da = 2*2 + 3*10a = 4 + 30a
import torch


def dz_da_manual(a, b):
    dz_dx = 2
    dz_dy = 3
    dx_da = 2
    dy_da = 10 * a
    return dz_dx * dx_da + dz_dy * dy_da


def dz_da_autograd(a, b):
    a = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    x = 2 * a + 3 * b
    y = 5 * a * a + 3 * b * b * b
    z = 2 * x + 3 * y
    z.backward()
    return a.grad


if __name__ == "__main__":
    print("manual  :", dz_da_manual(1.0, 2.0))
    print("autograd:", dz_da_autograd(1.0, 2.0))
