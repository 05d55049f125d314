import torch

x = torch.tensor(1.5)
w = torch.tensor(1.0, requires_grad=True)
b = torch.tensor(-2.0)

u = w*x
v = u + b
a = torch.sigmoid(v)
a.backward()
print("Pytorch da/dw:", w.grad.item())

# sigmoid'(v) = sigmoid(v) * (1 - sigmoid(v))
with torch.no_grad():
    s = torch.sigmoid(v)
    da_dw = s * (1 - s) * x
print("Analytical da/dw:", da_dw.item())
