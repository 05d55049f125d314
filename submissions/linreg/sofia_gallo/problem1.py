import torch
import matplotlib.pyplot as plt

x = torch.tensor([5.0, 7.0, 12.0, 16.0, 20.0])
y = torch.tensor([40.0, 120.0, 180.0, 210.0, 240.0])

w = torch.ones(1, requires_grad=True)
b = torch.ones(1, requires_grad=True)
lr = 0.001
loss_hist = []

for ep in range(100):
    loss = ((w * x + b - y) ** 2).mean()
    loss_hist.append(loss.item())
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
        w.grad.zero_()
        b.grad.zero_()

print("w =", w.item(), " b =", b.item())
print("loss first/last:", loss_hist[0], loss_hist[-1])
plt.plot(loss_hist)
plt.xlabel("epoch"); plt.ylabel("loss")
plt.show()
