# Question 6:  f(x, y, z) = tanh(ln(1 + z * 2x / sin y))
# forward:  a = 2x, b = sin y, c = a/b, d = c*z, e = ln(1 + d), f = tanh(e)
# backward (towards y):
#   df/de = 1 - tanh(e)^2, de/dd = 1/(1 + d), dd/dc = z, dc/db = -a/b^2, db/dy = cos y
import torch

x = torch.tensor(0.8, dtype=torch.float64, requires_grad=True)
y = torch.tensor(1.1, dtype=torch.float64, requires_grad=True)
z = torch.tensor(1.7, dtype=torch.float64, requires_grad=True)

a = 2 * x
b = torch.sin(y)
c = a / b
d = c * z
e = torch.log(1 + d)
f = torch.tanh(e)

print("forward pass:")
for name, val in [("a", a), ("b", b), ("c", c), ("d", d), ("e", e), ("f", f)]:
    print(f"  {name} = {val.item():.6f}")

f.backward()

with torch.no_grad():
    df_de = 1 - torch.tanh(e) ** 2
    de_dd = 1 / (1 + d)
    dd_dc = z
    dc_db = -a / b ** 2
    db_dy = torch.cos(y)
    df_dy = df_de * de_dd * dd_dc * dc_db * db_dy

print("backward pass:")
print(f"  df/de = {df_de.item():.6f}, de/dd = {de_dd.item():.6f}, dd/dc = {dd_dc.item():.6f}")
print(f"  dc/db = {dc_db.item():.6f}, db/dy = {db_dy.item():.6f}")
print(f"df/dy chain rule = {df_dy.item():.8f}")
print(f"df/dy autograd   = {y.grad.item():.8f}")
