import torch

x = torch.tensor(0.5, requires_grad=True)
y = torch.exp(-x**2 - 2*x - torch.sin(x))
y.backward()
print('PyTorch gradient:', x.grad)

with torch.no_grad():
    dy_dx = torch.exp(-x**2 - 2*x - torch.sin(x)) * (-2*x - 2 - torch.cos(x))
print('Analytical gradient:', dy_dx)
