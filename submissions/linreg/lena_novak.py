# Lena Novak -- Lab 2 (linear regression part)
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader
import matplotlib.pyplot as plt

# ---------- data from the handout ----------
P1_X = torch.tensor([5.0, 7.0, 12.0, 16.0, 20.0])
P1_Y = torch.tensor([40.0, 120.0, 180.0, 210.0, 240.0])
Q1_X = torch.tensor([12.4, 14.3, 14.5, 14.9, 16.1, 16.9, 16.5, 15.4, 17.0, 17.9, 18.8, 20.3, 22.4, 19.4, 15.5, 16.7,
                     17.3, 18.4, 19.2, 17.4, 19.5, 19.7, 21.2])
Q1_Y = torch.tensor([11.2, 12.5, 12.7, 13.1, 14.1, 14.8, 14.4, 13.4, 14.9, 15.6, 16.4, 17.7, 19.6, 16.9, 14.0, 14.6,
                     15.1, 16.1, 16.8, 15.2, 17.0, 17.2, 18.6])
Q2_X = torch.tensor([2.0, 4.0])
Q2_Y = torch.tensor([20.0, 40.0])


# ---------- Problem 1 and Q1 ----------
def train_linear_regression(x, y, epochs=100, learning_rate=0.001):
    w = torch.ones(1, requires_grad=True)
    b = torch.ones(1, requires_grad=True)
    loss_list = []
    for epoch in range(epochs):
        loss = torch.mean((w * x + b - y) ** 2)
        loss_list.append(loss.item())
        loss.backward()
        with torch.no_grad():
            w -= learning_rate * w.grad
            b -= learning_rate * b.grad
        w.grad.zero_()
        b.grad.zero_()
    return w.item(), b.item(), loss_list


w, b, losses = train_linear_regression(P1_X, P1_Y)
print("P1: w = %.4f  b = %.4f" % (w, b))
w, b, losses = train_linear_regression(Q1_X, Q1_Y)
print("Q1: w = %.4f  b = %.4f" % (w, b))
plt.plot(range(1, 101), losses)
plt.xlabel("epoch")
plt.ylabel("MSE loss")
plt.show()


# ---------- Q2 and additional question ----------
def _autograd_history(x, y, epochs, learning_rate, flip):
    w = torch.ones(1, requires_grad=True)
    b = torch.ones(1, requires_grad=True)
    hist = []
    for epoch in range(epochs):
        yp = w * x + b
        err = (y - yp) if flip else (yp - y)
        loss = torch.mean(err ** 2)
        loss.backward()
        with torch.no_grad():
            w -= learning_rate * w.grad
            b -= learning_rate * b.grad
        hist.append((w.grad.item(), b.grad.item(), w.item(), b.item()))
        w.grad.zero_()
        b.grad.zero_()
    return hist


def grads_yp_minus_y_autograd(x, y, epochs=2, learning_rate=0.001):
    return _autograd_history(x, y, epochs, learning_rate, flip=False)


def grads_y_minus_yp_autograd(x, y, epochs=2, learning_rate=0.001):
    return _autograd_history(x, y, epochs, learning_rate, flip=True)


def grads_yp_minus_y_manual(x, y, epochs=2, learning_rate=0.001):
    w, b, n = 1.0, 1.0, len(x)
    hist = []
    for epoch in range(epochs)
        err = (w * x + b) - y
        gw = float(2 * (err * x).sum() / n)
        gb = float(2 * err.sum() / n)
        w, b = w - learning_rate * gw, b - learning_rate * gb
        hist.append((gw, gb, w, b))
    return hist


def grads_y_minus_yp_manual(x, y, epochs=2, learning_rate=0.001):
    w, b, n = 1.0, 1.0, len(x)
    hist = []
    for epoch in range(epochs):
        err = y - (w * x + b)
        gw = float(-2 * (err * x).sum() / n)
        gb = float(-2 * err.sum() / n)
        w, b = w - learning_rate * gw, b - learning_rate * gb
        hist.append((gw, gb, w, b))
    return hist


print("Q2 autograd", grads_yp_minus_y_autograd(Q2_X, Q2_Y))
print("Q2 manual  ", grads_yp_minus_y_manual(Q2_X, Q2_Y))
print("AQ1 autograd", grads_y_minus_yp_autograd(Q2_X, Q2_Y))
print("AQ1 manual  ", grads_y_minus_yp_manual(Q2_X, Q2_Y))

# ---------- Q3 ----------
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
        self.w.grad.zero_()
        self.b.grad.zero_()

    def criterion(self, y, yp):
        return (y - yp) ** 2


model = RegressionModel()
loss_list = []
for epoch in range(100):
    loss = model.criterion(P1_Y, model.forward(P1_X)).mean()
    loss_list.append(loss.item())
    loss.backward()
    model.update()
    model.reset_grad()
plt.plot(loss_list)
plt.show()


# ---------- Q4 ----------
class PointsDataset(Dataset):
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


class LineModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.ones(1))
        self.b = nn.Parameter(torch.ones(1))

    def forward(self, x):
        return self.w * x + self.b


def train_nn_module(x, y):
    loader = DataLoader(PointsDataset(x, y), batch_size=len(x))
    model = LineModel()
    opt = torch.optim.SGD(model.parameters(), lr=0.001)
    loss_list = []
    for epoch in range(200):
        for xb, yb in loader:
            opt.zero_grad()
            loss = nn.functional.mse_loss(model(xb), yb)
            loss.backward()
            opt.step()
        loss_list.append(loss.item())
    return model, loss_list


# ---------- Q5 ----------
def train_nn_linear(x, y):
    model = nn.Linear(1, 1)
    nn.init.ones_(model.weight)
    nn.init.ones_(model.bias)
    opt = torch.optim.SGD(model.parameters(), lr=0.001)
    loss_list = []
    for epoch in range(200):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss_list.append(loss.item())
        loss.backward()
        opt.step()
    return model, loss_list


# ---------- Q6 ----------
class Scaled(nn.Module):
    def __init__(self, X):
        super().__init__()
        self.m = X.mean(0)
        self.s = X.std(0)
        self.lin = nn.Linear(2, 1)

    def forward(self, X):
        return self.lin((X - self.m) / self.s)


def train_multiple_regression(X, y):
    model = Scaled(X)
    opt = torch.optim.SGD(model.parameters(), lr=0.2)
    loss_list = []
    for epoch in range(1500):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(X), y)
        loss_list.append(loss.item())
        loss.backward()
        opt.step()
    return model, loss_list


# ---------- Q7 ----------
class Logit(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(1, 1)

    def forward(self, x):
        return torch.sigmoid(self.lin(x / 100))


def train_logistic_regression(x, y):
    model = Logit()
    opt = torch.optim.Adam(model.parameters(), lr=0.1)
    loss_list = []
    for epoch in range(2000):
        opt.zero_grad()
        loss = nn.functional.binary_cross_entropy(model(x), y)
        loss_list.append(loss.item())
        loss.backward()
        opt.step()
    return model, loss_list


X6 = torch.tensor([[3.0, 8.0], [4.0, 5.0], [5.0, 7.0], [6.0, 3.0], [2.0, 1.0]])
Y6 = torch.tensor([[-3.7], [3.5], [2.5], [11.5], [5.7]])
m6, _ = train_multiple_regression(X6, Y6)
print("Q6: y(3,2) =", m6(torch.tensor([[3.0, 2.0]])).item())
x7 = torch.tensor([1.0, 5, 10, 10, 25, 50, 70, 75, 100]).view(-1, 1)
y7 = torch.tensor([0.0, 0, 0, 0, 0, 1, 1, 1, 1]).view(-1, 1)
m7, _ = train_logistic_regression(x7, y7)
print("Q7:", m7(x7).view(-1))
