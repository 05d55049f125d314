import torch

x=torch.tensor(1.5, requires_grad=True)

y=8*x**4+3*x**3+7*x**2+6*x+3

y.backward()

print(x.grad)

# analytical: 32x^3 + 9x^2 + 14x + 6
print(32*1.5**3 + 9*1.5**2 + 14*1.5 + 6)
