import torch

# Q6  f = tanh( ln(1 + z*2x/sin(y)) )
x = torch.tensor(1.0, requires_grad=True)
y = torch.tensor(0.9, requires_grad=True)
z = torch.tensor(2.0, requires_grad=True)

a = 2*x
b = torch.sin(y)
c = a/b
d = c*z
e = torch.log(1 + d)
f = torch.tanh(e)
print("a={:.5f} b={:.5f} c={:.5f} d={:.5f} e={:.5f} f={:.5f}".format(
    a.item(), b.item(), c.item(), d.item(), e.item(), f.item()))

f.backward()

# chain rule back to y
with torch.no_grad():
    dfdy = (1 - torch.tanh(e)**2) * (1/(d + 1)) * z * (-a/b**2) * torch.cos(y)

print("df/dy chain rule: {:.6f}".format(dfdy.item()))
print("df/dy autograd:   {:.6f}".format(y.grad.item()))
