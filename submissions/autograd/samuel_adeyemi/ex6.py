import torch

x = torch.tensor(1.0, requires_grad=True)
y = torch.tensor(2.0, requires_grad=True)
z = torch.tensor(3.0, requires_grad=True)

# forward pass
a = 2 * x
b = torch.sin(y)
c = a / b
d = c * z
e = torch.log(1 + d)
f = torch.tanh(e)

print("a =", a)
print("b =", b)
print("c =", c)
print("d =", d)
print("e =", e)
print("f =", f)

f.backward()
print("df/dy =", y.grad)
