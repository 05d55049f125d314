import torch
import matplotlib.pyplot as plt

# Problem 1
x = torch.tensor([5.0, 7.0, 12.0, 16.0, 20.0])
y = torch.tensor([40.0, 120.0, 180.0, 210.0, 240.0])

w = torch.tensor(1.0, requires_grad=True)
b = torch.tensor(1.0, requires_grad=True)
lr = 0.001


def mse(pred, target):
    return ((pred - target) ** 2).mean()


losses = []
for epoch in range(1, 100):
    loss = mse(w * x + b, y)
    losses.append(loss.item())
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
    w.grad.zero_()
    b.grad.zero_()
    print(f"epoch {epoch:3d} | loss {loss.item():10.4f} | w {w.item():.4f} | b {b.item():.4f}")

print(f"\nfinal parameters: w = {w.item():.4f}, b = {b.item():.4f}")
plt.plot(losses, marker=".")
plt.xlabel("epoch")
plt.ylabel("MSE")
plt.grid(True)
plt.show()
