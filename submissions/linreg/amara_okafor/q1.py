import torch
import matplotlib.pyplot as plt

# Q1: 23 data points, w = b = 1, lr = 0.001
x = torch.tensor([12.4, 14.3, 14.5, 14.9, 16.1, 16.9, 16.5, 15.4, 17.0, 17.9, 18.8, 20.3,
                  22.4, 19.4, 15.5, 16.7, 17.3, 18.4, 19.2, 17.4, 19.5, 19.7, 21.2])
y = torch.tensor([11.2, 12.5, 12.7, 13.1, 14.1, 14.8, 14.4, 13.4, 14.9, 15.6, 16.4, 17.7,
                  19.6, 16.9, 14.0, 14.6, 15.1, 16.1, 16.8, 15.2, 17.0, 17.2, 18.6])

w = torch.tensor(1.0, requires_grad=True)
b = torch.tensor(1.0, requires_grad=True)
lr = 0.001
EPOCHS = 100


def mse(pred, target):
    return ((pred - target) ** 2).mean()


losses = []
for epoch in range(EPOCHS):
    loss = mse(w * x + b, y)
    losses.append(loss.item())
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
    w.grad.zero_()
    b.grad.zero_()

print(f"first loss {losses[0]:.4f}, last loss {losses[-1]:.6f}")
print(f"w = {w.item():.4f}, b = {b.item():.4f}")
plt.plot(range(1, EPOCHS + 1), losses, marker=".")
plt.xlabel("epoch")
plt.ylabel("MSE")
plt.grid(True)
plt.show()
