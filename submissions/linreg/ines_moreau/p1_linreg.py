# Problem 1: building a linear regression model
import torch
from matplotlib import pyplot as plt

x = torch.tensor([5.0, 7.0, 12.0, 16.0, 20.0])
y = torch.tensor([40.0, 120.0, 180.0, 210.0, 240.0])

w = torch.tensor([1.0], requires_grad=True)
b = torch.tensor([1.0], requires_grad=True)
learning_rate = torch.tensor(0.001)
loss_list = []

for epoch in range(100):
    loss = 0.0
    for j in range(len(x)):
        y_p = w * x[j] + b
        loss += (y_p - y[j]) ** 2
    loss = loss / len(x)
    loss_list.append(loss.item())
    loss.backward()
    with torch.no_grad():
        w -= learning_rate * w.grad
        b -= learning_rate * w.grad
    w.grad.zero_()
    b.grad.zero_()
    print(f"epoch {epoch}: w={w.item():.4f}, b={b.item():.4f}, loss={loss.item():.3f}")

plt.plot(loss_list)
plt.title("Problem 1")
plt.xlabel("epoch")
plt.ylabel("loss")
plt.show()
