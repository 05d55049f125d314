import torch

# Exercise 2 : u = w*x , v = u + b , a = relu(v)
x = torch.tensor(3.0)
w = torch.tensor(-0.5, requires_grad=True)
b = torch.tensor(2.0)

u = w * x
v = u + b
a = torch.relu(v)

a.backward()
print('PyTorch gradient da/dw:', w.grad)

# by hand: da/dw = da/dv * dv/du * du/dw = (1 if v > 0) * 1 * x
with torch.no_grad():
    da_dw = (v > 0).float() * x
print('Analytical gradient:', da_dw)
