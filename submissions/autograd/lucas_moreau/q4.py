import numpy as np
import torch

# Q4 -- check the gradient at several points at once
x = torch.linspace(-2.0, 2.0, steps=9, dtype=torch.float64, requires_grad=True)
f = torch.exp(-x**2 - 2*x - torch.sin(x))
f.backward(torch.ones_like(x))   # f is a vector, so give backward a vector of ones

xs = x.detach().numpy()
manual = np.exp(-xs**2 - 2*xs - np.sin(xs)) * (-2*xs - 2 - np.cos(xs))

print("     x      autograd        manual")
for xi, g, m in zip(xs, x.grad.numpy(), manual):
    print(f"{xi:6.2f}  {g:12.6f}  {m:12.6f}")
print("max abs difference:", np.abs(x.grad.numpy() - manual).max())
