# Problem 4 - gradient of the sigmoid through its computation graph
# sigma(x) = s(c(b(a(x)))) with a = -x, b = e^a, c = 1 + b, s = 1/c
import math
import torch

x_val = 1.5   # my own point (the handout used 2.0)

# ---- manual: forward pass keeping the intermediates, then the chain rule ----
a = -x_val
b = math.exp(a)
c = 1 + b
s = 1 / c

ds_dc = -1 / c**2
dc_db = 1.0
db_da = math.exp(a)      # = b
da_dx = -1.0
ds_dx_manual = ds_dc * dc_db * db_da * da_dx

print(f"forward: a = {a:.6f}, b = {b:.6f}, c = {c:.6f}, s = {s:.6f}")
print(f"local grads: ds/dc = {ds_dc:.6f}, dc/db = {dc_db}, db/da = {db_da:.6f}, da/dx = {da_dx}")

# ---- autograd ----
x = torch.tensor(x_val, dtype=torch.float64, requires_grad=True)
s_t = 1 / (1 + torch.exp(-x))
s_t.backward()

print(f"manual   ds/dx at x = {x_val}: {ds_dx_manual:.10f}")
print(f"autograd ds/dx at x = {x_val}: {x.grad.item():.10f}")
print("agree:", math.isclose(ds_dx_manual, x.grad.item(), rel_tol=1e-9))
