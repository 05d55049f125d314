import torch

# Q1 -- scalars
a = torch.tensor(-0.5, requires_grad=True)
b = torch.tensor(1.5, requires_grad=True)

x = 2*a + 3*b
y = 5*a*a + 3*b*b*b
z = 2*x + 3*y
z.backward()

# dz/da = 2*dx/da + 3*dy/da = 4 + 30a
print("dz/da  autograd:", a.grad.item(), "  formula:", 4 + 30*a.item())
