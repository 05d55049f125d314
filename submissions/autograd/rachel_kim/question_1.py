# Question 1 -- Rachel Kim
import torch

a = torch.tensor(-1.0, requires_grad=True)
b = torch.tensor(0.5, requires_grad=True)

x = 2*a + 3*b
y = 5*a*a + 3*b*b*b
z = 2*x + 3*y
z.backward()

def analytic(a):
    # dz/da = 2*(dx/da) + 3*(dy/da) = 2*2 + 3*(10a)
    return 4 + 30*a

print('autograd dz/da:', round(a.grad.item(), 4))
print('analytic dz/da:', round(analytic(a.item()), 4))
