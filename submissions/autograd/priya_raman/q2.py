import numpy as np
import torch

# Q2
x = torch.tensor(2.0)
w = torch.tensor(0.5, requires_grad=True)
b = torch.tensor(-1.5)

u = w*x
v = u + b
a = torch.sigmoid(v)
a.backward()

# da/dw = sigma(v)*(1-sigma(v)) * x
x_np, w_np, b_np = x.item(), w.item(), b.item()
v_np = w_np*x_np + b_np
sig = 1.0/(1.0 + np.exp(-v_np))
manual = sig*(1 - sig)*x_np

print("v = {:.4f}  a = {:.4f}".format(v.item(), a.item()))
print("da/dw (autograd) = {:.6f}".format(w.grad.item()))
print("da/dw (by hand)  = {:.6f}".format(manual))
