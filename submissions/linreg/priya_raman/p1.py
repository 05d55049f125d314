# Problem 1 - linear regression by gradient descent (w = b = 1, lr = 0.001)
import torch
from matplotlib import pyplot as plt

x = torch.tensor([5.0, 7.0, 12.0, 16.0, 20.0])
y = torch.tensor([40.0, 120.0, 180.0, 210.0, 240.0])

# initialise as the question says (not torch.rand like the template)
w = torch.tensor([1.0], requires_grad=True)
b = torch.tensor([1.0], requires_grad=True)
print("Initial parameters: w = {}, b = {}".format(w.item(), b.item()))

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
        b -= learning_rate * b.grad
    w.grad.zero_()
    b.grad.zero_()
    print("epoch {:3d}: w = {:.4f}, b = {:.4f}, loss = {:.4f}".format(epoch, w.item(), b.item(), loss.item()))

print("Final: w = {:.4f}, b = {:.4f}".format(w.item(), b.item()))

plt.plot(range(1, 101), loss_list)
plt.xlabel("epoch")
plt.ylabel("MSE loss")
plt.title("Problem 1: epoch vs loss")
plt.show()
