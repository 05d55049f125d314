# Question 2 -- Rachel Kim
# u = w*x, v = u + b, a = ReLU(v)
import torch

w = torch.tensor(1.0)
x = torch.tensor(1.0, requires_grad=True)
b = torch.tensor(1.0)

u = w*x
v = u + b
a = torch.relu(v)
a.backward()

# manual: ReLU passes the gradient through when v > 0, and du/dx = w
def analytic(v, w):
    return w if v > 0 else 0.0

print('autograd da/dw:', x.grad.item())
print('analytic da/dw:', analytic(v.item(), w.item()))
