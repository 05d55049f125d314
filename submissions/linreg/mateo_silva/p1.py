import torch
from matplotlib import pyplot as plt

x = torch.tensor([5.0, 7.0, 12.0, 16.0, 20.0])
y = torch.tensor([40.0, 120.0, 180.0, 210.0, 240.0])
w = torch.tensor([1.0], requires_grad=True)
b = torch.tensor([1.0], requires_grad=True)
lr = torch.tensor(0.001)

L = []
for ep in range(100):
    loss = 0.0
    for j in range(len(x)):
        loss += (w * x[j] + b - y[j]) ** 2
    loss = loss / len(x)
    L.append(loss.item())
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
    w.grad.zero_()
    b.grad.zero_()

print("w = %.4f  b = %.4f  loss = %.3f" % (w.item(), b.item(), L[-1]))
plt.plot(L)
plt.show()
