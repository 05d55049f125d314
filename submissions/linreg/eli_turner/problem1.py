# Eli Turner - Lab 2, Problem 1
# linear regression "from scratch" with autograd
import torch
from matplotlib import pyplot as plt


def train_linear_regression(x, y, epochs=100, learning_rate=0.001):
    # parameters start at 1 (as the problem says)
    w = torch.ones(1, requires_grad=True)
    b = torch.ones(1, requires_grad=True)
    loss_list = []
    for epoch in range(epochs):
        loss = 0.0
        # go through every sample like in the lecture code
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
        # print("epoch", epoch, "w", w.item(), "b", b.item(), "loss", loss.item())
    return w.item(), b.item(), loss_list


x = torch.tensor([5.0, 7.0, 12.0, 16.0, 20.0])
y = torch.tensor([40.0, 120.0, 180.0, 210.0, 240.0])
w, b, loss_list = train_linear_regression(x, y)
print("The parameters are w={}, b={}, and loss={}".format(w, b, loss_list[-1]))
plt.plot(loss_list)
plt.show()
