import torch

x_manual = 1.0

def dy_dx(x):
    return 32 * x**3 + 9 * x**2 + 14 * x + 6

x = torch.tensor(2.0, requires_grad=True)
y = 8 * x**4 + 3 * x**3 + 7 * x**2 + 6 * x + 3
y.backward()

print("autograd gradient  : %.1f" % x.grad.item())
print("analytical gradient: %.1f" % dy_dx(x_manual))
