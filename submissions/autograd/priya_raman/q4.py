import numpy as np
import torch

# Q4  f = exp(-x^2 - 2x - sin(x))
x0 = -0.5
x = torch.tensor(x0, requires_grad=True)
f = torch.exp(-x**2 - 2*x - torch.sin(x))
f.backward()

# chain rule: f' = f * d/dx(-x^2 - 2x - sin x) = f * (-2x - 2 - cos x)
f_np = np.exp(-x0**2 - 2*x0 - np.sin(x0))
dfdx = f_np * (-2*x0 - 2 - np.cos(x0))

print("f = {:.5f}".format(f.item()))
print("pytorch  df/dx = {:.5f}".format(x.grad.item()))
print("analytic df/dx = {:.5f}".format(dfdx))
