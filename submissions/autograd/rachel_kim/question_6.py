# Question 6 -- Rachel Kim
# f(x, y, z) = tanh(ln(1 + z*2x/sin(y)))
import math
import torch

x = torch.tensor(1.5, requires_grad=True)
y = torch.tensor(1.0, requires_grad=True)
z = torch.tensor(0.5, requires_grad=True)

a = 2*x
b = torch.sin(y)
c = a/b
d = c*z
e = torch.log(1 + d)
f = torch.tanh(e)
print('a, b, c, d, e, f =', [round(t.item(), 4) for t in (a, b, c, d, e, f)])

f.backward()

def analytic(x, y, z):
    # chain rule: df/de * de/dd * dd/dc * dc/da * da/dx
    a = 2*x
    b = math.sin(y)
    d = z*a/b
    e = math.log(1 + d)
    return (1 - math.tanh(e)**2) * 1/(d + 1) * z * (1/b) * 2

print('autograd df/dx:', round(x.grad.item(), 6))
print('analytic df/dx:', round(analytic(x.item(), y.item(), z.item()), 6))
