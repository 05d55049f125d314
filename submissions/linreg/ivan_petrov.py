# Ivan Petrov
# Lab: linear regression with pytorch

import torch
from torch import nn
from torch.utils.data import Dataset, DataLoader
import matplotlib.pyplot as plt


# Problem 1 + Exercise 1
def train_linear_regression(x, y, epochs=100, learning_rate=0.001):
    w = torch.ones(1, requires_grad=True)
    b = torch.ones(1, requires_grad=True)
    loss_list = []
    for epoch in range(epochs):
        yp = w * x + b
        loss = torch.mean((yp - y) ** 2)
        loss_list.append(loss.item())
        loss.backward()
        with torch.no_grad():
            w -= learning_rate * w.grad
            b -= learning_rate * b.grad
    return w.item(), b.item(), loss_list


x = torch.tensor([5.0, 7.0, 12.0, 16.0, 20.0])
y = torch.tensor([40.0, 120.0, 180.0, 210.0, 240.0])
w, b, losses = train_linear_regression(x, y)
print("Problem 1: w =", w, "b =", b)

x = torch.tensor([12.4, 14.3, 14.5, 14.9, 16.1, 16.9, 16.5, 15.4, 17.0, 17.9, 18.8, 20.3, 22.4, 19.4, 15.5, 16.7, 17.3,
                  18.4, 19.2, 17.4, 19.5, 19.7, 21.2])
y = torch.tensor([11.2, 12.5, 12.7, 13.1, 14.1, 14.8, 14.4, 13.4, 14.9, 15.6, 16.4, 17.7, 19.6, 16.9, 14.0, 14.6, 15.1,
                  16.1, 16.8, 15.2, 17.0, 17.2, 18.6])
w, b, losses = train_linear_regression(x, y)
print("Exercise 1: w =", w, "b =", b)
plt.plot(losses)
plt.xlabel("epoch")
plt.ylabel("loss")
plt.title("Exercise 1")
plt.show()


# Exercise 2
def grads_yp_minus_y_autograd(x, y, epochs=2, learning_rate=0.001):
    w = torch.ones(1, requires_grad=True)
    b = torch.ones(1, requires_grad=True)
    res = []
    for i in range(epochs):
        loss = torch.mean((w * x + b - y) ** 2)
        loss.backward()
        with torch.no_grad():
            w -= learning_rate * w.grad
            b -= learning_rate * b.grad
        res.append((w.grad.item(), b.grad.item(), w.item(), b.item()))
        w.grad = None
        b.grad = None
    return res


def grads_yp_minus_y_manual(x, y, epochs=2, learning_rate=0.001):
    w, b = 1.0, 1.0
    n = x.shape[0]
    res = []
    for i in range(epochs):
        d = w * x + b - y
        gw = (2 * d * x).sum().item() / n
        gb = (2 * d).sum().item() / n
        w, b = w - learning_rate * gw, b - learning_rate * gb
        res.append((gw, gb, w, b))
    return res


x = torch.tensor([2.0, 4.0])
y = torch.tensor([20.0, 40.0])
print("Exercise 2 autograd:", grads_yp_minus_y_autograd(x, y))
print("Exercise 2 manual:  ", grads_yp_minus_y_manual(x, y))

# Exercise 3
learning_rate = torch.tensor(0.001)


class RegressionModel:
    def __init__(self):
        self.w = torch.ones(1, requires_grad=True)
        self.b = torch.ones(1, requires_grad=True)

    def forward(self, x):
        return self.w * x + self.b

    def update(self):
        with torch.no_grad():
            self.w -= learning_rate * self.w.grad
            self.b -= learning_rate * self.b.grad

    def reset_grad(self):
        pass

    def criterion(self, y, yp):
        return (y - yp) ** 2


x = torch.tensor([5.0, 7.0, 12.0, 16.0, 20.0])
y = torch.tensor([40.0, 120.0, 180.0, 210.0, 240.0])
model = RegressionModel()
loss_list = []
for epoch in range(100):
    loss = 0.0
    for j in range(len(x)):
        loss += model.criterion(y[j], model.forward(x[j]))
    loss = loss / len(x)
    loss_list.append(loss.item())
    loss.backward()
    model.update()
    model.reset_grad()
print("Exercise 3:", model.w.item(), model.b.item())
plt.plot(loss_list)
plt.title("Exercise 3")
plt.show()


# Exercise 4
class XYDataset(Dataset):
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def __len__(self):
        return len(self.y)

    def __getitem__(self, item):
        return self.x[item], self.y[item]


class Line(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.ones(1, 1))
        self.b = nn.Parameter(torch.ones(1))

    def forward(self, x):
        return x @ self.w + self.b


def train_nn_module(x, y):
    ds = XYDataset(x, y)
    dl = DataLoader(ds, batch_size=len(ds), shuffle=False)
    model = Line()
    opt = torch.optim.SGD(model.parameters(), lr=0.001)
    lossf = nn.MSELoss()
    loss_list = []
    for epoch in range(120):
        for xb, yb in dl:
            opt.zero_grad()
            loss = lossf(model(xb), yb)
            loss.backward()
            opt.step()
            loss_list.append(loss.item())
    return model, loss_list


xc = torch.tensor([12.4, 14.3, 14.5, 14.9, 16.1, 16.9, 16.5, 15.4, 17.0, 17.9, 18.8, 20.3, 22.4, 19.4, 15.5, 16.7,
                   17.3, 18.4, 19.2, 17.4, 19.5, 19.7, 21.2]).reshape(23, 1)
yc = torch.tensor([11.2, 12.5, 12.7, 13.1, 14.1, 14.8, 14.4, 13.4, 14.9, 15.6, 16.4, 17.7, 19.6, 16.9, 14.0, 14.6,
                   15.1, 16.1, 16.8, 15.2, 17.0, 17.2, 18.6]).reshape(23, 1)
m4, l4 = train_nn_module(xc, yc)
print("Exercise 4:", m4.w.item(), m4.b.item(), l4[-1])


# Exercise 5
class LinearNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(1, 1)
        with torch.no_grad():
            self.layer.weight.copy_(torch.tensor([[1.0]]))
            self.layer.bias.copy_(torch.tensor([1.0]))

    def forward(self, x):
        return self.layer(x)


def train_nn_linear(x, y):
    model = LinearNet()
    opt = torch.optim.SGD(model.parameters(), lr=0.001)
    lossf = nn.MSELoss()
    loss_list = []
    for epoch in range(100):
        opt.zero_grad()
        loss = lossf(model(x), y)
        loss.backward()
        opt.step()
        loss_list.append(loss.item())
    return model, loss_list


m5, l5 = train_nn_linear(xc, yc)
print("Exercise 5:", m5.layer.weight.item(), m5.layer.bias.item())
plt.plot(l5)
plt.title("Exercise 5")
plt.show()


# Exercise 6
class Multi(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.mean = mean
        self.std = std
        self.lin = nn.Linear(2, 1)

    def forward(self, X):
        return self.lin((X - self.mean) / self.std)


def train_multiple_regression(X, y):
    model = Multi(X.mean(dim=0), X.std(dim=0))
    opt = torch.optim.SGD(model.parameters(), lr=0.25)
    lossf = nn.MSELoss()
    loss_list = []
    for epoch in range(1200):
        opt.zero_grad()
        loss = lossf(model(X), y)
        loss.backward()
        opt.step()
        loss_list.append(loss.item())
    return model, loss_list


X = torch.tensor([[3.0, 8.0], [4.0, 5.0], [5.0, 7.0], [6.0, 3.0], [2.0, 1.0]])
Y = torch.tensor([-3.7, 3.5, 2.5, 11.5, 5.7]).reshape(-1, 1)
m6, l6 = train_multiple_regression(X, Y)
print("Exercise 6: y(3,2) =", m6(torch.tensor([[3.0, 2.0]])).item())


# Exercise 7
class LogReg(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.mean = mean
        self.std = std
        self.lin = nn.Linear(1, 1)

    def forward(self, x):
        return torch.sigmoid(self.lin((x - self.mean) / self.std))


def train_logistic_regression(x, y):
    model = LogReg(x.mean(), x.std())
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    lossf = nn.BCELoss()
    loss_list = []
    for epoch in range(1000):
        opt.zero_grad()
        loss = lossf(model(x), y)
        loss.backward()
        opt.step()
        loss_list.append(loss.item())
    return model, loss_list


x7 = torch.tensor([1.0, 5.0, 10.0, 10.0, 25.0, 50.0, 70.0, 75.0, 100.0]).reshape(-1, 1)
y7 = torch.tensor([0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0]).reshape(-1, 1)
m7, l7 = train_logistic_regression(x7, y7)
print("Exercise 7:", m7(x7).detach().reshape(-1))


# Additional question
def grads_y_minus_yp_autograd(x, y, epochs=2, learning_rate=0.001):
    w = torch.ones(1, requires_grad=True)
    b = torch.ones(1, requires_grad=True)
    res = []
    for i in range(epochs):
        loss = torch.mean((y - (w * x + b)) ** 2)
        loss.backward()
        with torch.no_grad():
            w -= learning_rate * w.grad
            b -= learning_rate * b.grad
        res.append((w.grad.item(), b.grad.item(), w.item(), b.item()))
        w.grad = None
        b.grad = None
    return res


def grads_y_minus_yp_manual(x, y, epochs=2, learning_rate=0.001):
    w, b = 1.0, 1.0
    n = x.shape[0]
    res = []
    for i in range(epochs):
        d = y - (w * x + b)
        gw = (-2 * d * x).sum().item() / n
        gb = (-2 * d).sum().item() / n
        w, b = w - learning_rate * gw, b - learning_rate * gb
        res.append((gw, gb, w, b))
    return res


x = torch.tensor([2.0, 4.0])
y = torch.tensor([20.0, 40.0])
print("Additional autograd:", grads_y_minus_yp_autograd(x, y))
print("Additional manual:  ", grads_y_minus_yp_manual(x, y))
