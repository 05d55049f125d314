import torch

# Q5
x = torch.tensor(1.0, requires_grad=True)
y = 8*x**4 + 3*x**3 + 7*x**2 + 6*x + 3
y.backward()

with torch.no_grad():
    grad = 32*x**3 + 9*x**2 + 14*x + 6

print("PyTorch gradient: {}".format(x.grad))
print("Analytical gradient: {}".format(grad))
