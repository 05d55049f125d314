# Eli Turner - Additional question 1, error written as (y - yp)
#
# L = 1/n * sum (y_i - yp_i)^2
# dL/dw = 1/n * sum 2*(y_i - yp_i) * d(y_i - w x_i - b)/dw = -2/n * sum (y_i - yp_i) * x_i
# dL/db = -2/n * sum (y_i - yp_i)
# -> epoch 1: y - yp = [17, 35], dL/dw = -(17*2 + 35*4) = -174, dL/db = -52 (same as Q2!)
import torch


def grads_y_minus_yp_manual(x, y, epochs=2, learning_rate=0.001):
    n = len(x)
    w, b = 1.0, 1.0
    out = []
    for i in range(epochs):
        dw, db = 0.0, 0.0
        for j in range(n):
            yp = w * x[j].item() + b
            dw += -2 * (y[j].item() - yp) * x[j].item() / n
            db += -2 * (y[j].item() - yp) / n
        w = w - learning_rate * dw
        b = b - learning_rate * db
        out.append((dw, db, w, b))
    return out


def grads_y_minus_yp_autograd(x, y, epochs=2, learning_rate=0.001):
    w = torch.tensor(1.0, requires_grad=True)
    b = torch.tensor(1.0, requires_grad=True)
    out = []
    for i in range(epochs):
        loss = torch.sum((y - (w * x + b)) ** 2) / len(x)
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
for e, (m, a) in enumerate(zip(grads_y_minus_yp_manual(x, y), grads_y_minus_yp_autograd(x, y))):
    print("epoch", e + 1, "manual", m, "autograd", a)
