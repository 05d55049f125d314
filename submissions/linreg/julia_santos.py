########################################################
#  Lab 2 : Linear regression / logistic regression
#  Julia Santos
########################################################
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader
import matplotlib.pyplot as plt

# 0.001 took forever to get anywhere so I am using a bigger step
learning_rate = 0.05


# ---------------- Problem 1 & Question 1 ----------------
def train_linear_regression(x, y, epochs=100, learning_rate=0.001):
    lr = 0.05   # faster than 0.001
    w = torch.tensor([1.0], requires_grad=True)
    b = torch.tensor([1.0], requires_grad=True)
    loss_list = []
    for epoch in range(epochs):
        y_p = w * x + b
        loss = ((y_p - y) ** 2).mean()
        loss_list.append(loss.item())
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
    return w.item(), b.item(), loss_list


x = torch.tensor([5.0, 7.0, 12.0, 16.0, 20.0])
y = torch.tensor([40.0, 120.0, 180.0, 210.0, 240.0])
w, b, loss_list = train_linear_regression(x, y)
print("P1 ->", w, b, loss_list[:5])

x = torch.tensor([12.4, 14.3, 14.5, 14.9, 16.1, 16.9, 16.5, 15.4, 17.0, 17.9, 18.8, 20.3, 22.4, 19.4, 15.5, 16.7,
                  17.3, 18.4, 19.2, 17.4, 19.5, 19.7, 21.2])
y = torch.tensor([11.2, 12.5, 12.7, 13.1, 14.1, 14.8, 14.4, 13.4, 14.9, 15.6, 16.4, 17.7, 19.6, 16.9, 14.0, 14.6,
                  15.1, 16.1, 16.8, 15.2, 17.0, 17.2, 18.6])
w, b, loss_list = train_linear_regression(x, y)
print("Q1 ->", w, b)
plt.plot(range(len(loss_list)), loss_list)
plt.xlabel("epoch")
plt.ylabel("loss")
plt.show()


# ---------------- Question 2 ----------------
def grads_yp_minus_y_autograd(x, y, epochs=2, learning_rate=0.001):
    w = torch.tensor([1.0], requires_grad=True)
    b = torch.tensor([1.0], requires_grad=True)
    table = []
    for epoch in range(epochs):
        loss = ((w * x + b - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= learning_rate * w.grad
            b -= learning_rate * b.grad
        table.append((w.grad.clone(), b.grad.clone(), w.detach().clone(), b.detach().clone()))
        w.grad.zero_()
        b.grad.zero_()
    return table


def grads_yp_minus_y_manual(x, y, epochs=2, learning_rate=0.001):
    w, b = 1.0, 1.0
    n = len(x)
    table = []
    for epoch in range(epochs):
        diff = (w * x + b) - y
        w_grad = (2 / n) * torch.dot(diff, x).item()
        b_grad = (2 / n) * diff.sum().item()
        w -= learning_rate * w_grad
        b -= learning_rate * b_grad
        table.append((w_grad, b_grad, w, b))
    return table


xs = torch.tensor([2.0, 4.0])
ys = torch.tensor([20.0, 40.0])
print("Q2 autograd:", grads_yp_minus_y_autograd(xs, ys))
print("Q2 manual:", grads_yp_minus_y_manual(xs, ys))


# ---------------- Question 3 ----------------
class RegressionModel:
    def __init__(self):
        self.w = torch.tensor([1.0], requires_grad=True)
        self.b = torch.tensor([1.0], requires_grad=True)

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


x = torch.tensor([5.0, 7.0, 12.0, 16.0, 20.0])
y = torch.tensor([40.0, 120.0, 180.0, 210.0, 240.0])
model = RegressionModel()
loss_list = []
for epoch in range(100):
    loss = model.criterion(y, model.forward(x)).mean()
    loss_list.append(loss.item())
    loss.backward()
    model.update()
    model.reset_grad()
print("Q3 ->", model.w, model.b)
plt.plot(loss_list)
plt.show()


# ---------------- Question 4 ----------------
class RegData(Dataset):
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def __len__(self):
        return len(self.x)

    def __getitem__(self, idx):
        return self.x[idx], self.y[idx]


class RegNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.tensor(1.0))
        self.b = nn.Parameter(torch.tensor(1.0))

    def forward(self, x):
        return self.w * x + self.b


def train_nn_module(x, y):
    loader = DataLoader(RegData(x, y), batch_size=len(x), shuffle=False)
    net = RegNet()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.001)
    mse = nn.MSELoss()
    loss_list = []
    for epoch in range(200):
        running = 0.0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = mse(net(xb), yb)
            loss.backward()
            optimizer.step()
            running += loss.item()
        loss_list.append(running / len(loader))
    return net, loss_list


xc = x_q1 = torch.tensor([12.4, 14.3, 14.5, 14.9, 16.1, 16.9, 16.5, 15.4, 17.0, 17.9, 18.8, 20.3, 22.4, 19.4, 15.5,
                          16.7, 17.3, 18.4, 19.2, 17.4, 19.5, 19.7, 21.2]).view(-1, 1)
yc = torch.tensor([11.2, 12.5, 12.7, 13.1, 14.1, 14.8, 14.4, 13.4, 14.9, 15.6, 16.4, 17.7, 19.6, 16.9, 14.0, 14.6,
                   15.1, 16.1, 16.8, 15.2, 17.0, 17.2, 18.6]).view(-1, 1)
net4, l4 = train_nn_module(xc, yc)
print("Q4 ->", net4.w.item(), net4.b.item())


# ---------------- Question 5 ----------------
def train_nn_linear(x, y):
    model = nn.Linear(1, 1)
    nn.init.constant_(model.weight, 1.0)
    nn.init.constant_(model.bias, 1.0)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.001)
    loss_fn = nn.MSELoss()
    loss_list = []
    for epoch in range(150):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss_list.append(loss.item())
        loss.backward()
        optimizer.step()
    return model, loss_list


m5, l5 = train_nn_linear(xc, yc)
plt.plot(l5, label="nn.Linear")
plt.legend()
plt.show()


# ---------------- Question 6 ----------------
class Standardize(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.mean = mean
        self.std = std

    def forward(self, X):
        return (X - self.mean) / self.std


def train_multiple_regression(X, y):
    model = nn.Sequential(Standardize(X.mean(0), X.std(0)), nn.Linear(2, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.2)
    loss_fn = nn.MSELoss()
    loss_list = []
    for epoch in range(1500):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss_list.append(loss.item())
        loss.backward()
        optimizer.step()
    return model, loss_list


X6 = torch.tensor([[3.0, 8.0], [4.0, 5.0], [5.0, 7.0], [6.0, 3.0], [2.0, 1.0]])
y6 = torch.tensor([[-3.7], [3.5], [2.5], [11.5], [5.7]])
m6, l6 = train_multiple_regression(X6, y6)
print("Q6 -> y(3, 2) =", m6(torch.tensor([[3.0, 2.0]])).item())


# ---------------- Question 7 ----------------
class Divide(nn.Module):
    def forward(self, x):
        return x / 100.0


def train_logistic_regression(x, y):
    model = nn.Sequential(Divide(), nn.Linear(1, 1), nn.Sigmoid())
    # random start sometimes got stuck with everything = 1, start from 0 instead
    nn.init.zeros_(model[1].weight)
    nn.init.zeros_(model[1].bias)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
    loss_fn = nn.BCELoss()
    loss_list = []
    for epoch in range(2000):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss_list.append(loss.item())
        loss.backward()
        optimizer.step()
    return model, loss_list


x7 = torch.tensor([1, 5, 10, 10, 25, 50, 70, 75, 100]).float().view(-1, 1)
y7 = torch.tensor([0, 0, 0, 0, 0, 1, 1, 1, 1]).float().view(-1, 1)
m7, l7 = train_logistic_regression(x7, y7)
print("Q7 ->", m7(x7).detach().view(-1))


# ---------------- Additional question ----------------
def grads_y_minus_yp_autograd(x, y, epochs=2, learning_rate=0.001):
    w = torch.tensor([1.0], requires_grad=True)
    b = torch.tensor([1.0], requires_grad=True)
    table = []
    for epoch in range(epochs):
        loss = ((y - (w * x + b)) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= learning_rate * w.grad
            b -= learning_rate * b.grad
        table.append((w.grad.clone(), b.grad.clone(), w.detach().clone(), b.detach().clone()))
        w.grad.zero_()
        b.grad.zero_()
    return table


def grads_y_minus_yp_manual(x, y, epochs=2, learning_rate=0.001):
    w, b = 1.0, 1.0
    n = len(x)
    table = []
    for epoch in range(epochs):
        diff = y - (w * x + b)
        w_grad = -(2 / n) * torch.dot(diff, x).item()
        b_grad = -(2 / n) * diff.sum().item()
        w -= learning_rate * w_grad
        b -= learning_rate * b_grad
        table.append((w_grad, b_grad, w, b))
    return table


print("AQ1 autograd:", grads_y_minus_yp_autograd(xs, ys))
print("AQ1 manual:", grads_y_minus_yp_manual(xs, ys))
