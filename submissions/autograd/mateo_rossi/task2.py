"""Task 2: a = ReLU(w*x + b), gradient with respect to w"""
import torch

x = torch.tensor(0.8)
w = torch.tensor(1.5, requires_grad=True)
b = torch.tensor(0.2)

u = w*x
v = u + b
a = torch.relu(v)
a.backward()

def relu_derivative(v):
    return 1.0 if v > 0 else 0.0

# da/dw = relu'(v) * dv/du * du/dw = relu'(v) * 1 * x
by_hand = relu_derivative(v.item()) * x.item()
print('u = {:.3f}, v = {:.3f}, a = {:.3f}'.format(u.item(), v.item(), a.item()))
print('da/dw -> torch: {:.4f} | by hand: {:.4f}'.format(w.grad.item(), by_hand))
