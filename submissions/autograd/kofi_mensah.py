import math
import torch

# Problem 4 --------------------------------------------------------------
def grad_sigmoid_manual(x):
    a = -x
    b = math.exp(a)
    c = 1 + b
    s = 1 / c
    return (-1 / c ** 2) * 1 * math.exp(a) * (-1)

def sigmoid(x):
    return 1 / (1 + torch.exp(-x))

# Exercise 1 -------------------------------------------------------------
def dz_da_manual(a, b):
    return 2 * 2 + 3 * 10 * a

def dz_da_autograd(a, b):
    a = torch.tensor(a, requires_grad=True)
    b = torch.tensor(b, requires_grad=True)
    z = 2 * (2 * a + 3 * b) + 3 * (5 * a * a + 3 * b * b * b)
    z.backward()
    return a.grad.item()

# Exercise 2 -------------------------------------------------------------
def relu_da_dw_manual(x, w, b):
    return x if w * x + b > 0 else 0.0

def relu_da_dw_autograd(x, w, b):
    w = torch.tensor(w, requires_grad=True)
    torch.relu(w * x + b).backward()
    return w.grad.item()

# Exercise 3 -------------------------------------------------------------
def sigmoid_da_dw_manual(x, w, b):
    s = 1 / (1 + math.exp(-(w * x + b)))
    return s * (1 - s) * x

def sigmoid_da_dw_autograd(x, w, b):
    w = torch.tensor(w, requires_grad=True)
    torch.sigmoid(w * x + b).backward()
    return w.grad.item()

# Exercise 4 -------------------------------------------------------------
def f(x):
    return torch.exp(-x ** 2 - 2 * x - torch.sin(x))

def dfdx_manual(x):
    return math.exp(-x ** 2 - 2 * x - math.sin(x)) * (-2 * x - 2 - math.cos(x))

def dfdx_autograd(x):
    x = torch.tensor(x, requires_grad=True)
    f(x).backward()
    return x.grad.item()

# Exercise 5 -------------------------------------------------------------
def dydx_manual(x):
    return 32 * x ** 3 + 9 * x ** 2 + 14 * x + 6

def dydx_autograd(x):
    x = torch.tensor(x, requires_grad=True)
    y = 8 * x ** 4 + 3 * x ** 3 + 7 * x ** 2 + 6 * x + 3
    y.backward()
    return x.grad.item()

# Exercise 6 -------------------------------------------------------------
def tanhlog_forward(x, y, z):
    a = 2 * x
    b = math.sin(y)
    c = a / b
    d = z * c
    e = math.log(1 + d)
    return a, b, c, d, e, math.tanh(e)

def tanhlog_grad_manual(x, y, z):
    a, b, c, d, e, f_ = tanhlog_forward(x, y, z)
    dfde = 1 - math.tanh(e) ** 2
    dedd = 1 / (d + 1)
    return (dfde * dedd * z * (1 / b) * 2,
            dfde * dedd * z * (-a / b ** 2) * math.cos(y),
            dfde * dedd * c)

def tanhlog_grad_autograd(x, y, z):
    x = torch.tensor(x, requires_grad=True)
    y = torch.tensor(y, requires_grad=True)
    z = torch.tensor(z, requires_grad=True)
    out = torch.tanh(torch.log(1 + z * 2 * x / torch.sin(y)))
    out.backward()
    return x.grad.item(), y.grad.item(), z.grad.item()


if __name__ == '__main__':
    print('ex4', dfdx_manual(1.0), dfdx_autograd(1.0))
    print('ex5', dydx_manual(2.0), dydx_autograd(2.0))
