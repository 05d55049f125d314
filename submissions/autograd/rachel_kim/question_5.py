# Question 5 -- Rachel Kim
import torch

x = torch.tensor(0.5, requires_grad=True)
y = 8*x**4 + 3*x**3 + 7*x**2 + 6*x + 3
y.backward()

def analytic(x):
    return 32*x**3 + 9*x**2 + 14*x + 6

print('autograd dy/dx:', x.grad.item())
print('analytic dy/dx:', analytic(x.item()))
