import torch

a = torch.tensor(2.0, requires_grad=True)
b = torch.tensor(1.0, requires_grad=True)

x = 2*a + 3*b
y = 5*a*a + 3*b*b*b
z = 2*x + 3*y

z.backward()
print("Pytorch dz/da:", a.grad.item())

# analytical, following the graph: dz/dx*dx/da + dz/dy*dy/da
dz_da = 2*2 + 3*10*2
print("Analytical dz/da:", dz_da)
