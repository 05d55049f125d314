import torch

x = torch.tensor(0.0, requires_grad=True)
f = torch.exp(-x**2 - 2*x - torch.sin(x))
f.backward()
print("Pytorch df/dx:", x.grad.item())

# df/dx = (-2x - 2 - cos x) * exp(-x^2 - 2x - sin x)
with torch.no_grad():
    df_dx = (-2*x - 2 - torch.cos(x)) * torch.exp(-x**2 - 2*x - torch.sin(x))
print("Analytical df/dx:", df_dx.item())
