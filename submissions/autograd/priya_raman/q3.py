import torch

# Q3
x = torch.tensor(-1.0)
w = torch.tensor(2.0, requires_grad=True)
b = torch.tensor(3.0)

u = w*x
v = u + b
a = torch.relu(v)
a.backward()

# relu'(v) is 1 when v > 0, else 0, so da/dw = x when v > 0
if v.item() > 0:
    manual = x.item()
else:
    manual = 0.0

print("v = {}, a = {}".format(v.item(), a.item()))
print("da/dw (autograd) = {}".format(w.grad.item()))
print("da/dw (by hand)  = {}".format(manual))
