import torch

x = torch.tensor(1.2, requires_grad=True)
y = torch.tensor(2.2, requires_grad=True)
z = torch.tensor(0.8, requires_grad=True)

# forward pass
a = 2 * x
b = torch.sin(y)
c = a / b
d = c * z
e = torch.log(1 + d)
f = torch.tanh(e)
print("a = %.5f" % a.item())
print("b = %.5f" % b.item())
print("c = %.5f" % c.item())
print("d = %.5f" % d.item())
print("e = %.5f" % e.item())
print("f = %.5f" % f.item())

f.backward()
print("autograd df/dy = %.6f" % y.grad.item())

# backward pass by hand
with torch.no_grad():
    df_de = 1 - torch.tanh(e) ** 2
    de_dd = 1 / (1 + d)
    dd_dc = z
    dc_db = -a / b ** 2
    db_dy = torch.cos(y)
    df_dy = df_de * de_dd * dd_dc * dc_db * db_dY
print("chain rule df/dy = %.6f" % df_dy.item())
