"""
Farah Haddad
Lab: Autograd and computation graphs
"""
import math
import torch
import matplotlib.pyplot as plt


# ---------------- Problem 4 ----------------
def grad_sigmoid_manual(x):
    a = -x
    b = math.exp(a)
    c = 1 + b
    s = 1.0 / c
    dsdc = -1.0 / (c ** 2)
    dsdb = dsdc * 1
    dsda = dsdb * math.exp(a)
    dsdx = dsda * (-1)
    return dsdx


def sigmoid(x):
    return 1.0 / (1.0 + torch.exp(-x))


# ---------------- Question 1 ----------------
def dz_da_manual(a, b):
    return 2 * 2 + 3 * (10 * a)


def dz_da_autograd(a, b):
    a = torch.tensor(a, requires_grad=True)
    b = torch.tensor(b, requires_grad=True)
    z = 2 * (2 * a + 3 * b) + 3 * (5 * a * a + 3 * b * b * b)
    z.backward()
    return a.grad.item()


# ---------------- Question 2 ----------------
def relu_da_dw_manual(x, w, b):
    v = w * x + b
    return x if v > 0 else 0.0


def relu_da_dw_autograd(x, w, b):
    w = torch.tensor(w, requires_grad=True)
    a = torch.nn.functional.relu(w * x + b)
    a.backward()
    return w.grad.item()


# ---------------- Question 3 ----------------
def sigmoid_da_dw_manual(x, w, b)
    v = w * x + b
    s = 1 / (1 + math.exp(-v))
    return s * (1 - s) * x


def sigmoid_da_dw_autograd(x, w, b):
    w = torch.tensor(w, requires_grad=True)
    a = torch.sigmoid(w * x + b)
    a.backward()
    return w.grad.item()


# ---------------- Question 4 ----------------
def exp_df_dx_manual(x):
    return math.exp(-x**2 - 2*x - math.sin(x)) * (-2*x - 2 - math.cos(x))


def exp_df_dx_autograd(x):
    x = torch.tensor(x, requires_grad=True)
    torch.exp(-x**2 - 2*x - torch.sin(x)).backward()
    return x.grad.item()


# ---------------- Question 5 ----------------
def poly_dy_dx_manual(x):
    return 32*x**3 + 9*x**2 + 14*x + 6


def poly_dy_dx_autograd(x):
    x = torch.tensor(x, requires_grad=True)
    (8*x**4 + 3*x**3 + 7*x**2 + 6*x + 3).backward()
    return x.grad.item()


# ---------------- Question 6 ----------------
def tanhlog_forward(x, y, z):
    a = 2 * x
    b = math.sin(y)
    c = a / b
    d = z * c
    e = math.log(1 + d)
    f = math.tanh(e)
    return a, b, c, d, e, f


def tanhlog_grad_manual(x, y, z):
    a, b, c, d, e, f = tanhlog_forward(x, y, z)
    k = (1 - f ** 2) / (1 + d)
    return k * z * 2 / b, k * z * (-a / b ** 2) * math.cos(y), k * c


def tanhlog_grad_autograd(x, y, z):
    x = torch.tensor(x, requires_grad=True)
    y = torch.tensor(y, requires_grad=True)
    z = torch.tensor(z, requires_grad=True)
    torch.tanh(torch.log(1 + z * 2 * x / torch.sin(y))).backward()
    return x.grad.item(), y.grad.item(), z.grad.item()


xs = [i / 10 for i in range(-50, 51)]
plt.plot(xs, [grad_sigmoid_manual(v) for v in xs])
plt.title("sigmoid derivative")
plt.show()
