# Q1 - linear regression on the 23 point data set, w = b = 1, lr = 0.001
import torch
from matplotlib import pyplot as plt

x = torch.tensor([12.4, 14.3, 14.5, 14.9, 16.1, 16.9, 16.5, 15.4, 17.0, 17.9, 18.8, 20.3, 22.4, 19.4, 15.5, 16.7,
                  17.3, 18.4, 19.2, 17.4, 19.5, 19.7, 21.2])
y = torch.tensor([11.2, 12.5, 12.7, 13.1, 14.1, 14.8, 14.4, 13.4, 14.9, 15.6, 16.4, 17.7, 19.6, 16.9, 14.0, 14.6,
                  15.1, 16.1, 16.8, 15.2, 17.0, 17.2, 18.6])

w = torch.tensor([1.0], requires_grad=True)
b = torch.tensor([1.0], requires_grad=True)
learning_rate = torch.tensor(0.001)
epochs = 200

loss_list = []
for epoch in range(epochs):
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

    if epoch % 20 == 0 or epoch == epochs - 1:
        print("epoch {:3d}: w = {:.4f}, b = {:.4f}, loss = {:.6f}".format(epoch, w.item(), b.item(), loss.item()))

print("After {} epochs: w = {:.4f}, b = {:.4f}".format(epochs, w.item(), b.item()))

plt.plot(range(1, epochs + 1), loss_list)
plt.xlabel("epoch")
plt.ylabel("loss (MSE)")
plt.title("Q1: epoch vs loss")
plt.show()
