import torch

x = torch.tensor(2.0, requires_grad=True)
y = 8*x**4 + 3*x**3 + 7*x**2 + 6*x + 3
y.backward()
print("y =", y)
print("dy/dx =", x.grad)
