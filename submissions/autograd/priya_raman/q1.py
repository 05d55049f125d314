import torch

# Q1: x = 2a + 3b ; y = 5a^2 + 3b^3 ; z = 2x + 3y
a = torch.tensor(3.0, requires_grad=True)
b = torch.tensor(1.0, requires_grad=True)

x = 2*a + 3*b
y = 5*a*a + 3*b*b*b
z = 2*x + 3*y
z.backward()

# following the graph back: dz/da = (dz/dx)(dx/da) + (dz/dy)(dy/da) = 2*2 + 3*10a
def analytic_dz_da(a):
    return 2*2 + 3*10*a

print("autograd   dz/da = {}".format(a.grad.item()))
print("analytical dz/da = {}".format(analytic_dz_da(a.item())))
