# Question 3 - same neuron, sigmoid activation
#   a = sigmoid(v),  da/dv = sigmoid(v) * (1 - sigmoid(v))
#   da/dw = sigmoid(v)(1 - sigmoid(v)) * x
import torch

x = torch.tensor(1.2, dtype=torch.float64)
w = torch.tensor(-0.7, dtype=torch.float64, requires_grad=True)
b = torch.tensor(0.3, dtype=torch.float64)

u = w * x
v = u + b
a = torch.sigmoid(v)
a.backward()

with torch.no_grad():
    sig = 1 / (1 + torch.exp(-v))
    da_dw_manual = sig * (1 - sig) * x

print(f"v = {v.item():.6f}, a = {a.item():.6f}")
print(f"da/dw autograd: {w.grad.item():.8f}")
print(f"da/dw manual  : {da_dw_manual.item():.8f}")
