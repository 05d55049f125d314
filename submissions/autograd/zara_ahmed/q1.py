import torch

a = torch.tensor(4.0, requires_grad=True)
b = torch.tensor(-1.0, requires_grad=True)

x = 2 * a + 3 * b
y = 5 * a * a + 3 * b * b * b
z = 2 * x + 3 * y
z.backward()

with torch.no_grad():
    analytical = 2 * 2 + 3 * 10 * a    # dz/dx*dx/da + dz/dy*dy/da

print("autograd dz/da  : %.2f" % a.grad.item())
print("analytical dz/da: %.2f" % analytical.item())
