# Lab 2 - autograd and computational graphs
# Dmitri Volkov

import math
import numpy as np
import torch


########## Problem 4 ##########
def grad_sigmoid_manual(x):
    a = -x
    b = np.exp(a)
    c = 1 + b
    s = 1.0 / c
    dsdc = -1.0 / c ** 2
    dsdb = dsdc * 1
    dsda = dsdb * np.exp(a)
    dsdx = dsda * -1
    return dsdx


def sigmoid(x):
    return 1.0 / (1.0 + torch.exp(-x))


########## Q1 ##########
def dz_da_manual(a, b):
    # dz/da = 2*dx/da + 3*dy/da = 2*2 + 3*10*a
    return 4 + 30 * a


def dz_da_autograd(a, b):
    a = torch.tensor(a, requires_grad=True)
    b = torch.tensor(b, requires_grad=True)
    x = 2 * a + 3 * b
    y = 5 * a ** 2 + 3 * b ** 3
    z = 2 * x + 3 * y
    z.backward()
    return a.grad.item()


########## Q2 ##########
def relu_da_dw_manual(x, w, b):
    # a = relu(v), da/dv = 1, dv/du = 1, du/dw = x
    return x


def relu_da_dw_autograd(x, w, b):
    w = torch.tensor(w, requires_grad=True)
    a = torch.relu(w * x + b)
    a.backward()
    return w.grad.item()


########## Q3 ##########
def sigmoid_da_dw_manual(x, w, b):
    v = w * x + b
    sig = 1 / (1 + np.exp(-v))
    return sig * (1 - sig) * x


def sigmoid_da_dw_autograd(x, w, b):
    w = torch.tensor(w, requires_grad=True)
    a = torch.sigmoid(w * x + b)
    a.backward()
    return w.grad.item()


########## Q4 ##########
def exp_df_dx_manual(x):
    f = math.exp(-x ** 2 - 2 * x - math.sin(x))
    return f * (-2 * x - 2)


def exp_df_dx_autograd(x):
    x = torch.tensor(x, requires_grad=True)
    f = torch.exp(-x ** 2 - 2 * x - torch.sin(x))
    f.backward()
    return x.grad.item()


########## Q5 ##########
def poly_dy_dx_manual(x):
    return 32 * x ** 3 + 9 * x ** 2 + 14 * x + 6


def poly_dy_dx_autograd(x):
    x = torch.tensor(x, requires_grad=True)
    y = 8 * x ** 4 + 3 * x ** 3 + 7 * x ** 2 + 6 * x + 3
    y.backward()
    return x.grad.item()


########## Q6 ##########
def tanhlog_forward(x, y, z):
    a = 2 * x
    b = math.sin(y)
    c = a / b
    d = z * c
    e = math.log(1 + d)
    f = math.tanh(e)
    return (a, b, c, d, e, f)


def tanhlog_grad_manual(x, y, z):
    a, b, c, d, e, f = tanhlog_forward(x, y, z)
    common = (1 - math.tanh(e) ** 2) * (1 / (d + 1)) * z
    dfdx = common * (1 / b) * 2
    dfdy = common * (a / b ** 2) * math.cos(y)
    dfdz = (1 - math.tanh(e) ** 2) * (1 / (d + 1)) * c
    return (dfdx, dfdy, dfdz)


def tanhlog_grad_autograd(x, y, z):
    x = torch.tensor(x, requires_grad=True)
    y = torch.tensor(y, requires_grad=True)
    z = torch.tensor(z, requires_grad=True)
    f = torch.tanh(torch.log(1 + z * 2 * x / torch.sin(y)))
    f.backward()
    return (x.grad.item(), y.grad.item(), z.grad.item())


if __name__ == "__main__":
    print("P4", grad_sigmoid_manual(2.0))
    print("Q1", dz_da_manual(1.0, 1.0), dz_da_autograd(1.0, 1.0))
    print("Q2", relu_da_dw_manual(2.0, 1.0, 1.0), relu_da_dw_autograd(2.0, 1.0, 1.0))
    print("Q3", sigmoid_da_dw_manual(2.0, 1.0, 1.0), sigmoid_da_dw_autograd(2.0, 1.0, 1.0))
    print("Q4", exp_df_dx_manual(1.0), exp_df_dx_autograd(1.0))
    print("Q5", poly_dy_dx_manual(2.0), poly_dy_dx_autograd(2.0))
    print("Q6", tanhlog_grad_manual(1.0, 1.0, 1.0), tanhlog_grad_autograd(1.0, 1.0, 1.0))
