# Question 4:  f = exp(-x^2 - 2x - sin x)
#   df/dx = exp(-x^2 - 2x - sin x) * (-2x - 2 - cos x)
import math
import torch

x0 = 0.7
x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
f = torch.exp(-x**2 - 2*x - torch.sin(x))
f.backward()

manual = math.exp(-x0**2 - 2*x0 - math.sin(x0)) * (-2*x0 - 2 - math.cos(x0))

print(f"f({x0}) = {f.item():.8f}")
print(f"df/dx autograd = {x.grad.item():.8f}")
print(f"df/dx manual   = {manual:.8f}")
