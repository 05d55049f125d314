import torch

x = torch.tensor(1.5)
w = torch.tensor(1.0, requires_grad=True)
b = torch.tensor(-2.0)

u = w*x
v = u + b
a = torch.relu(v)
a.backward()
print("v =", v.item(), " a =", a.item())
print("Pytorch da/dw:", w.grad.item())

# da/dw = relu'(v) * x, relu'(v) = 0 here because v < 0
with torch.no_grad():
    da_dw = (v > 0).float() * x
print("Analytical da/dw:", da_dw.item())
