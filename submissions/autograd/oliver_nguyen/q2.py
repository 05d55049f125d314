# Question 2 - single neuron with ReLU
#   u = w*x,  v = u + b,  a = relu(v)
#   da/dw = da/dv * dv/du * du/dw = 1[v > 0] * 1 * x
import torch

x = torch.tensor(2.5)
w = torch.tensor(0.4, requires_grad=True)
b = torch.tensor(-0.5)

u = w * x
v = u + b
a = torch.relu(v)
print(f"u = {u.item():.4f}, v = {v.item():.4f}, a = {a.item():.4f}")

a.backward()

with torch.no_grad():
    relu_grad = 1.0 if v.item() > 0 else 0.0
    da_dw_manual = relu_grad * 1.0 * x.item()

print(f"da/dw autograd: {w.grad.item():.4f}")
print(f"da/dw manual  : {da_dw_manual:.4f}")
