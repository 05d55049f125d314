import torch
import matplotlib.pyplot as plt

x = torch.tensor([1, 5, 10, 10, 25, 50, 70, 75, 100], dtype=torch.float32) / 100
y = torch.tensor([[0], [0], [0], [0], [0], [1], [1], [1], [1]], dtype=torch.float32)

w = torch.ones(1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
lr = 0.5
loss_hist = []

for ep in range(1000):
    p = torch.sigmoid(w * x + b)
    loss = -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
    loss_hist.append(loss.item())
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
        w.grad.zero_()
        b.grad.zero_()

print("w =", w.item(), " b =", b.item(), " loss =", loss_hist[-1])
with torch.no_grad():
    print("probabilities:", torch.sigmoid(w * x + b))
plt.plot(loss_hist)
plt.show()
