# Question 5:  y = 8x^4 + 3x^3 + 7x^2 + 6x + 3
#   dy/dx = 32x^3 + 9x^2 + 14x + 6
import torch

x = torch.tensor(-1.5, requires_grad=True)
y = 8*x**4 + 3*x**3 + 7*x**2 + 6*x + 3
y.backward()

with torch.no_grad():
    dy_dx = 32*x**3 + 9*x**2 + 14*x + 6

print(f"x = {x.item()}, y = {y.item()}")
print(f"PyTorch gradient   : {x.grad.item()}")
print(f"Analytical gradient: {dy_dx.item()}")
