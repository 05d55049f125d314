import torch

x = torch.tensor(4.0)
w = torch.tensor(0.25, requires_grad=True)
b = torch.tensor(1.0)

u = w * x
v = u + b
a = torch.sigmoid(v)

a.backward()
print("a =", a)
print("da/dw =", w.grad)
