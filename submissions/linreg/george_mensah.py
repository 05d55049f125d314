"""Lab 2 - Linear and logistic regression with PyTorch.

George Mensah
"""
import torch
import torch.nn as nn
import matplotlib.pyplot as plt

torch.manual_seed(7)

# ---------------------------------------------------------------- data
x_p1 = torch.tensor([5.0, 7.0, 12.0, 16.0, 20.0])
y_p1 = torch.tensor([40.0, 120.0, 180.0, 210.0, 240.0])

x_q1 = torch.tensor([12.4, 14.3, 14.5, 14.9, 16.1, 16.9, 16.5, 15.4, 17.0, 17.9, 18.8, 20.3, 22.4, 19.4, 15.5, 16.7,
                     17.3, 18.4, 19.2, 17.4, 19.5, 19.7, 21.2])
y_q1 = torch.tensor([11.2, 12.5, 12.7, 13.1, 14.1, 14.8, 14.4, 13.4, 14.9, 15.6, 16.4, 17.7, 19.6, 16.9, 14.0, 14.6,
                     15.1, 16.1, 16.8, 15.2, 17.0, 17.2, 18.6])


# ---------------------------------------------------------------- Problem 1 / Q1
def train_linear_regression(x, y, epochs=100, learning_rate=0.001):
    """Gradient descent on the MSE, w = b = 1 at the start."""
    w = torch.tensor(1.0, requires_grad=True)
    b = torch.tensor(1.0, requires_grad=True)
    loss_list = []
    for _ in range(epochs):
        yp = w * x + b
        loss = ((yp - y) ** 2).sum() / len(x)
        loss_list.append(loss.item())
        loss.backward()
        with torch.no_grad():
            w.sub_(learning_rate * w.grad)
            b.sub_(learning_rate * b.grad)
            w.grad.zero_()
            b.grad.zero_()
    return w.item(), b.item(), loss_list


print("=== Problem 1 ===")
w, b, losses = train_linear_regression(x_p1, y_p1)
print("w = %.4f, b = %.4f" % (w, b))

print("=== Q1 ===")
w, b, losses = train_linear_regression(x_q1, y_q1)
print("w = %.4f, b = %.4f, last loss = %.4f" % (w, b, losses[-1]))
plt.figure()
plt.plot(range(1, 101), losses, "b-")
plt.xlabel("epoch")
plt.ylabel("loss")
plt.title("Q1")
plt.show()


# ---------------------------------------------------------------- Q2
def grads_yp_minus_y_autograd(x, y, epochs=2, learning_rate=0.001):
    w = torch.tensor(1.0, requires_grad=True)
    b = torch.tensor(1.0, requires_grad=True)
    history = []
    for _ in range(epochs):
        loss = ((w * x + b - y) ** 2).mean()
        loss.backward()
        gw, gb = float(w.grad), float(b.grad)
        with torch.no_grad():
            w -= learning_rate * w.grad
            b -= learning_rate * b.grad
            w.grad.zero_()
            b.grad.zero_()
        history.append((gw, gb, w.item(), b.item()))
    return history


def grads_yp_minus_y_manual(x, y, epochs=2, learning_rate=0.001):
    w = torch.tensor(1.0)
    b = torch.tensor(1.0)
    history = []
    for _ in range(epochs):
        e = w * x + b - y
        gw = 2 * torch.mean(e * x)
        gb = 2 * torch.mean(e)
        w = w - learning_rate * gw
        b = b - learning_rate * gb
        history.append((gw, gb, w, b))
    return history


print("=== Q2 ===")
x_q2 = torch.tensor([2.0, 4.0])
y_q2 = torch.tensor([20.0, 40.0])
print("autograd", grads_yp_minus_y_autograd(x_q2, y_q2))
print("manual  ", grads_yp_minus_y_manual(x_q2, y_q2))

# ---------------------------------------------------------------- Q3
learning_rate = torch.tensor(0.001)


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


print("=== Q3 ===")
model = RegressionModel()
loss_list = []
for epoch in range(100):
    loss = model.criterion(y_p1, model.forward(x_p1)).mean()
    loss_list.append(loss.item())
    loss.backward()
    model.update()
    model.reset_grad()
print("w =", model.w.item(), "b =", model.b.item())
plt.figure()
plt.plot(loss_list)
plt.title("Q3")
plt.show()


# ---------------------------------------------------------------- Q4
class LinearRegressionNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.tensor([1.0]))
        self.b = nn.Parameter(torch.tensor([1.0]))

    def forward(self, x):
        return self.w * x + self.b


def train_nn_module(x, y):
    # the data is tiny so I just pass the whole tensor every epoch
    model = LinearRegressionNN()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.001)
    loss_fn = nn.MSELoss()
    loss_list = []
    for epoch in range(150):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        loss_list.append(loss.item())
    return model, loss_list


print("=== Q4 ===")
m4, l4 = train_nn_module(x_q1.view(-1, 1), y_q1.view(-1, 1))
print("w =", m4.w.item(), "b =", m4.b.item(), "loss =", l4[-1])


# ---------------------------------------------------------------- Q5
def train_nn_linear(x, y):
    model = nn.Linear(1, 1)
    model.weight.data.fill_(1.0)
    model.bias.data.fill_(1.0)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.001)
    loss_fn = nn.MSELoss()
    loss_list = []
    for epoch in range(100):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        loss_list.append(loss.item())
    return model, loss_list


print("=== Q5 ===")
m5, l5 = train_nn_linear(x_q1.view(-1, 1), y_q1.view(-1, 1))
plt.figure()
plt.scatter(x_q1, y_q1, label="data")
plt.plot(x_q1, m5(x_q1.view(-1, 1)).detach().view(-1), "r", label="nn.Linear fit")
plt.legend()
plt.show()


# ---------------------------------------------------------------- Q6
def train_multiple_regression(X, y):
    model = nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.MSELoss()
    loss_list = []
    for epoch in range(20):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        loss_list.append(loss.item())
    return model, loss_list


print("=== Q6 ===")
X6 = torch.tensor([[3.0, 8.0], [4.0, 5.0], [5.0, 7.0], [6.0, 3.0], [2.0, 1.0]])
Y6 = torch.tensor([[-3.7], [3.5], [2.5], [11.5], [5.7]])
m6, l6 = train_multiple_regression(X6, Y6)
print("prediction at X1=3, X2=2:", m6(torch.tensor([[3.0, 2.0]])).item())


# ---------------------------------------------------------------- Q7
class Logistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(1, 1)

    def forward(self, x):
        return torch.sigmoid(self.lin(x * 0.01))


def train_logistic_regression(x, y):
    model = Logistic()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
    loss_fn = nn.BCELoss()
    loss_list = []
    for epoch in range(2000):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        loss_list.append(loss.item())
    return model, loss_list


print("=== Q7 ===")
x7 = torch.tensor([1, 5, 10, 10, 25, 50, 70, 75, 100], dtype=torch.float).view(-1, 1)
y7 = torch.tensor([0, 0, 0, 0, 0, 1, 1, 1, 1], dtype=torch.float).view(-1, 1)
m7, l7 = train_logistic_regression(x7, y7)
print("probabilities:", m7(x7).detach().view(-1))
plt.figure()
plt.plot(l7)
plt.title("Q7 loss")
plt.show()
