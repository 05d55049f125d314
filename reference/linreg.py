"""Reference solution for the lab "linear and logistic regression".

It implements the student contract (docs/student-contract.md) exactly; the
grader runs the probes of rubrics/linreg.toml against it to obtain expected
values. Trusted code: it only runs in the grader's own process.
"""
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

learning_rate = torch.tensor(0.001)


# P1 / Q1 — gradient descent by hand, loss recorded before each update.
def train_linear_regression(x, y, epochs=100, learning_rate=0.001):
    w = torch.ones(1, requires_grad=True)
    b = torch.ones(1, requires_grad=True)
    loss_list = []
    for _ in range(epochs):
        loss = ((w * x + b - y) ** 2).mean()
        loss_list.append(loss.item())
        loss.backward()
        with torch.no_grad():
            w -= learning_rate * w.grad
            b -= learning_rate * b.grad
        w.grad.zero_()
        b.grad.zero_()
    return w.item(), b.item(), loss_list


# Q2 / AQ1 — two epochs, gradients by autograd and by the analytic formula.
def _grads_autograd(x, y, epochs, learning_rate, error):
    w = torch.ones(1, requires_grad=True)
    b = torch.ones(1, requires_grad=True)
    history = []
    for _ in range(epochs):
        loss = (error(w * x + b, y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= learning_rate * w.grad
            b -= learning_rate * b.grad
        history.append((w.grad.item(), b.grad.item(), w.item(), b.item()))
        w.grad.zero_()
        b.grad.zero_()
    return history


def grads_yp_minus_y_autograd(x, y, epochs=2, learning_rate=0.001):
    return _grads_autograd(x, y, epochs, learning_rate, lambda yp, y: yp - y)


def grads_y_minus_yp_autograd(x, y, epochs=2, learning_rate=0.001):
    return _grads_autograd(x, y, epochs, learning_rate, lambda yp, y: y - yp)


def grads_yp_minus_y_manual(x, y, epochs=2, learning_rate=0.001):
    w, b, n = 1.0, 1.0, len(x)
    history = []
    for _ in range(epochs):
        error = (w * x + b) - y
        w_grad = (2 / n * (error * x).sum()).item()
        b_grad = (2 / n * error.sum()).item()
        w, b = w - learning_rate * w_grad, b - learning_rate * b_grad
        history.append((w_grad, b_grad, w, b))
    return history


def grads_y_minus_yp_manual(x, y, epochs=2, learning_rate=0.001):
    w, b, n = 1.0, 1.0, len(x)
    history = []
    for _ in range(epochs):
        error = y - (w * x + b)
        # d/dw (y - wx - b)^2 = -2 (y - yp) x: the minus sign is the point.
        w_grad = (-2 / n * (error * x).sum()).item()
        b_grad = (-2 / n * error.sum()).item()
        w, b = w - learning_rate * w_grad, b - learning_rate * b_grad
        history.append((w_grad, b_grad, w, b))
    return history


# Q3 — the handout's RegressionModel.
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


# Q4 — nn.Module + Dataset + DataLoader + SGD.
class PairDataset(Dataset):
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return len(self.x)

    def __getitem__(self, index):
        return self.x[index], self.y[index]


class LinearModule(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.ones(1))
        self.b = nn.Parameter(torch.ones(1))

    def forward(self, x):
        return self.w * x + self.b


def _fit(model, x, y, loss_fn, epochs, learning_rate, batch_size):
    loader = DataLoader(PairDataset(x, y), batch_size=batch_size, shuffle=False)
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
    loss_list = []
    for _ in range(epochs):
        total = 0.0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
        loss_list.append(total / len(x))
    return model, loss_list


def train_nn_module(x, y):
    return _fit(LinearModule(), x, y, nn.MSELoss(), 100, 0.001, len(x))


# Q5 — nn.Linear on the 23-point data.
def train_nn_linear(x, y):
    model = nn.Linear(1, 1)
    with torch.no_grad():
        model.weight.fill_(1.0)
        model.bias.fill_(1.0)
    return _fit(model, x, y, nn.MSELoss(), 100, 0.001, len(x))


# Q6 — multiple regression; the exact least-squares fit is the target.
class LeastSquares(nn.Module):
    def __init__(self, coefficients):
        super().__init__()
        self.coefficients = coefficients

    def forward(self, X):
        ones = torch.ones(X.shape[0], 1, dtype=X.dtype)
        return torch.cat([X, ones], dim=1) @ self.coefficients


def train_multiple_regression(X, y):
    design = torch.cat([X, torch.ones(X.shape[0], 1)], dim=1).double()
    coefficients = torch.linalg.lstsq(design, y.double()).solution.float()
    model = LeastSquares(coefficients)
    loss = ((model(X) - y) ** 2).mean().item()
    return model, [loss]


# Q7 — logistic regression on one feature, standardised for stable training.
class Logistic(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.mean, self.std = mean, std
        self.linear = nn.Linear(1, 1)

    def forward(self, x):
        return torch.sigmoid(self.linear((x - self.mean) / self.std))


def train_logistic_regression(x, y):
    torch.manual_seed(0)
    model = Logistic(x.mean(), x.std())
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    loss_fn = nn.BCELoss()
    loss_list = []
    for _ in range(500):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        loss_list.append(loss.item())
    return model, loss_list


# ---------------------------------------------------------------------------------------------------------------------
# Models and reference procedures for judging free-form work (rubrics/linreg.toml, [behaviour.*]). A model function
# takes the student's trained parameters (float64 tensors, in the order the exercise names them) and the inputs.
def _scalar(parameter):
    return parameter.reshape(-1)[0]


def line(params, x):
    """w·x + b, whatever shapes the student gave w and b ((), (1,) or (1, 1))."""
    w, b = params
    return _scalar(w) * x + _scalar(b)


def plane(params, X):
    """w1·x1 + w2·x2 + b, from separate w1, w2, b or from a weight vector and a bias."""
    if len(params) == 3:
        w1, w2, b = params
        return _scalar(w1) * X[:, 0] + _scalar(w2) * X[:, 1] + _scalar(b)
    weights, bias = params
    return X @ weights.reshape(-1) + _scalar(bias)


def logistic(params, x):
    return torch.sigmoid(line(params, x))


def descent_predictions(xs, ys):
    """The reference procedure a free-form fit is measured against: 100 epochs of plain gradient descent."""
    x, y = torch.tensor(xs), torch.tensor(ys)
    w, b, _ = train_linear_regression(x, y, epochs=100, learning_rate=0.001)
    return (w * x + b).tolist()
