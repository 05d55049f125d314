import torch

# sigmoid as a chain of simple functions
def sigmoid(x):
    a = -x
    b = torch.exp(a)
    c = 1 + b
    s = 1.0 / c
    return s

x = torch.tensor(0.5, requires_grad=True)
s = sigmoid(x)
s.backward()
print("sigmoid(x) =", s)
print("gradient of sigmoid at x = 0.5 :", x.grad)
