import torch

x = torch.tensor(2.0, requires_grad=True)
y = 8*x**4 + 3*x**3 + 7*x**2 + 6*x + 3
y.backward()
print("Pytorch dy/dx:", x.grad.item())

# 32x^3 + 9x^2 + 14x + 6 = 256 + 36 + 28 + 6
analytic = 326
print("Analytical dy/dx:", analytic)
