# Julia Santos -- autograd lab (lab 2)
import math
import numpy as np
import torch

# ============ Problem 4 ============
def grad_sigmoid_manual(x):
    a = -x
    b = np.exp(a)
    c = 1 + b
    s = 1.0 / c
    dsdc = -1.0 / (c ** 2)
    dsdb = dsdc * 1
    dsda = dsdb * np.exp(a)
    dsdx = dsda * (-1)
    return dsdx

def sigmoid(x):
    y = 1.0 / (1.0 + torch.exp(-x))
    return y

# ============ Q1 ============
def dz_da_manual(a, b):
    grad = 2 * 2 + 3 * 10 * a
    return f"dz/da = {grad}"

def dz_da_autograd(a, b):
    a_t = torch.tensor(a, requires_grad=True)
    b_t = torch.tensor(b, requires_grad=True)
    x = 2 * a_t + 3 * b_t
    y = 5 * a_t * a_t + 3 * b_t * b_t * b_t
    z = 2 * x + 3 * y
    z.backward()
    return a_t.grad.item()

# ============ Q2 ============
def relu_da_dw_manual(x, w, b):
    v = w * x + b
    return x * (1.0 if v > 0 else 0.0)

def relu_da_dw_autograd(x, w, b):
    w_t = torch.tensor([w], requires_grad=True)
    a = torch.relu(w_t * x + b)
    a.backward()
    return w_t.grad

# ============ Q3 ============
def sigmoid_da_dw_manual(x, w, b):
    s = 1 / (1 + np.exp(-(w * x + b)))
    return s * (1 - s) * x

def sigmoid_da_dw_autograd(x, w, b):
    w_t = torch.tensor(w, requires_grad=True)
    a = torch.sigmoid(w_t * x + b)
    a.backward()
    return w_t.grad.item()

# ============ Q4 ============
def exp_df_dx_manual(x):
    result = float('nan')   # TODO finish the derivative
    return result

def exp_df_dx_autograd(x):
    x_t = torch.tensor(x, requires_grad=True)
    f = torch.exp(-x_t ** 2 - 2 * x_t - torch.sin(x_t))
    f.backward()
    return x_t.grad.item()

# ============ Q5 ============
def poly_dy_dx_manual(x):
    return 32 * x**3 + 9 * x**2 + 14 * x + 6

def poly_dy_dx_autograd(x):
    x_t = torch.tensor(x, requires_grad=True)
    y = 8 * x_t**4 + 3 * x_t**3 + 7 * x_t**2 + 6 * x_t + 3
    y.backward()
    return float(x_t.grad)

# ============ Q6 ============
def tanhlog_forward(x, y, z):
    vals = {}
    vals['a'] = 2 * x
    vals['b'] = math.sin(y)
    vals['c'] = vals['a'] / vals['b']
    vals['d'] = z * vals['c']
    vals['e'] = math.log(1 + vals['d'])
    vals['f'] = math.tanh(vals['e'])
    return vals

def tanhlog_grad_manual(x, y, z):
    v = tanhlog_forward(x, y, z)
    a, b, d, e = v['a'], v['b'], v['d'], v['e']
    df_dx = (1 - math.tanh(e) ** 2) * (1 / (d + 1)) * z * (1 / b) * 2
    df_dy = (1 - math.tanh(e) ** 2) * (1 / (d + 1)) * z * (-a / b ** 2) * math.cos(y)
    return df_dx, df_dy

def tanhlog_grad_autograd(x, y, z):
    xt = torch.tensor(x, requires_grad=True)
    yt = torch.tensor(y, requires_grad=True)
    zt = torch.tensor(z, requires_grad=True)
    f = torch.tanh(torch.log(1 + zt * 2 * xt / torch.sin(yt)))
    f.backward()
    return (xt.grad, yt.grad, zt.grad)


print(grad_sigmoid_manual(2.0))
print(dz_da_manual(1.0, 1.0))
print(tanhlog_forward(1.0, 1.0, 1.0))
print(tanhlog_grad_manual(1.0, 1.0, 1.0), tanhlog_grad_autograd(1.0, 1.0, 1.0))
