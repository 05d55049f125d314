import torch

# Exercise 3 : same as 2 but a = sigmoid(v)
x = torch.tensor(1.5)
w = torch.tensor(0.8, requires_grad=True)
b = torch.tensor(-0.3)

u = w * x
v = u + b
a = torch.sigmoid(v)

a.backward()
print('PyTorch gradient da/dw:', w.grad)

with torch.no_grad():
    s = torch.sigmoid(v)
    da_dw = s * (1 - s) * x
print('Analytical gradient:', da_dw)
