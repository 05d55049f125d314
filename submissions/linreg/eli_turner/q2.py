# Eli Turner - Q2: w.grad and b.grad by hand and with autograd, error = (yp - y)
#
# L = 1/n * sum (w*x_i + b - y_i)^2
# dL/dw = 2/n * sum (yp_i - y_i) * x_i
# dL/db = 2/n * sum (yp_i - y_i)
# epoch 1: yp = [3, 5], yp - y = [-17, -35]
#   dL/dw = (2/2) * (-17*2 - 35*4) = -174
#   dL/db = (2/2) * (-17 - 35)     = -52
#   w = 1 - 0.001*(-174) = 1.174,  b = 1 - 0.001*(-52) = 1.052
import torch


def grads_yp_minus_y_manual(x, y, epochs=2, learning_rate=0.001):
    n = len(x)
    w = 1.0
    b = 1.0
    out = []
    for i in range(epochs):
        dw = 0.0
        db = 0.0
        for j in range(n):
            yp = w * x[j].item() + b
            dw += 2 * (yp - y[j].item()) * x[j].item() / n
            db += 2 * (yp - y[j].item()) / n
        w = w - learning_rate * dw
        b = b - learning_rate * db
        out.append((dw, db, w, b))
    return out


def grads_yp_minus_y_autograd(x, y, epochs=2, learning_rate=0.001):
    w = torch.tensor(1.0, requires_grad=True)
    b = torch.tensor(1.0, requires_grad=True)
    out = []
    for i in range(epochs):
        yp = w * x + b
        loss = torch.sum((yp - y) ** 2) / len(x)
        loss.backward()
        with torch.no_grad():
            w -= learning_rate * w.grad
            b -= learning_rate * b.grad
        out.append((w.grad.item(), b.grad.item(), w.item(), b.item()))
        w.grad.zero_()
        b.grad.zero_()
    return out


x = torch.tensor([2.0, 4.0])
y = torch.tensor([20.0, 40.0])
print("manual  :", grads_yp_minus_y_manual(x, y))
print("autograd:", grads_yp_minus_y_autograd(x, y))
