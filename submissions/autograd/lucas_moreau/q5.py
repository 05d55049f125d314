import numpy as np
import torch

# Q5 -- several x values in one go
x = torch.tensor([-1.0, 0.0, 1.0, 2.0, 3.0], requires_grad=True)
y = 8*x**4 + 3*x**3 + 7*x**2 + 6*x + 3
y.backward(torch.ones_like(x))

xs = x.detach().numpy()
dydx = 32*xs**3 + 9*xs**2 + 14*xs + 6

print("x        :", xs)
print("x.grad   :", x.grad.numpy())
print("32x^3+9x^2+14x+6:", dydx)
print("all equal:", np.allclose(x.grad.numpy(), dydx))
