# Hana Sato - autograd lab
import math
import torch

# ---- Problem 4 ----
def grad_sigmoid_manual(x):
    a = -x
    b = math.exp(a)
    c = 1 + b
    dsdc = -1.0 / c ** 2
    dsdb = dsdc
    dsda = dsdb * b
    dsdx = -dsda
    return dsdx

def sigmoid(x):
    return 1.0 / (1.0 + torch.exp(-x))

# ---- Q1 ----
def dz_da_manual(a, b):
    dzdx, dzdy = 2, 3
    dxda, dyda = 2, 10 * a
    return dzdx * dxda + dzdy * dyda

def dz_da_autograd(a, b):
    a = torch.tensor(a, requires_grad=True)
    b = torch.tensor(b, requires_grad=True)
    x = 2 * a + 3 * b
    y = 5 * a * a + 3 * b * b * b
    z = 2 * x + 3 * y
    z.backward()
    return a.grad.item()

print("P4:", grad_sigmoid_manual(2.0))
print("Q1:", dz_da_manual(2.0, 1.0), dz_da_autograd(2.0, 1.0))

# wait for the plot window to be closed ... (TODO: remove)
while True:
    pass

# ---- Q2 ----
def relu_da_dw_manual(x, w, b):
    v = w * x + b
    return x if v > 0 else 0.0

def relu_da_dw_autograd(x, w, b):
    w = torch.tensor(w, requires_grad=True)
    torch.relu(w * x + b).backward()
    return w.grad.item()

# ---- Q3 ----
def sigmoid_da_dw_manual(x, w, b):
    s = 1 / (1 + math.exp(-(w * x + b)))
    return s * (1 - s) * x

def sigmoid_da_dw_autograd(x, w, b):
    w = torch.tensor(w, requires_grad=True)
    torch.sigmoid(w * x + b).backward()
    return w.grad.item()

# ---- Q4 ----
def exp_df_dx_manual(x):
    return math.exp(-x * x - 2 * x - math.sin(x)) * (-2 * x - 2 - math.cos(x))

def exp_df_dx_autograd(x):
    x = torch.tensor(x, requires_grad=True)
    torch.exp(-x * x - 2 * x - torch.sin(x)).backward()
    return x.grad.item()

# ---- Q5 ----
def poly_dy_dx_manual(x):
    return 32 * x ** 3 + 9 * x ** 2 + 14 * x + 6

def poly_dy_dx_autograd(x):
    x = torch.tensor(x, requires_grad=True)
    (8 * x ** 4 + 3 * x ** 3 + 7 * x ** 2 + 6 * x + 3).backward()
    return x.grad.item()

# ---- Q6 ----
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
    g = (1 - math.tanh(e) ** 2) / (d + 1)
    return g * z * 2 / b, -g * z * a * math.cos(y) / b ** 2, g * c

def tanhlog_grad_autograd(x, y, z):
    x = torch.tensor(x, requires_grad=True)
    y = torch.tensor(y, requires_grad=True)
    z = torch.tensor(z, requires_grad=True)
    torch.tanh(torch.log(1 + z * 2 * x / torch.sin(y))).backward()
    return x.grad.item(), y.grad.item(), z.grad.item()
