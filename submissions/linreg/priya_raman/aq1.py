# Additional Q1 - same as Q2 but the error is written (y - yp)
# loss = (1/n) * sum (y - yp)^2
#   dL/dw = (2/n) * sum (y - yp) * (-x) = -(2/n) * sum (y - yp) * x
#   dL/db = -(2/n) * sum (y - yp)
import torch

x = torch.tensor([2.0, 4.0])
y = torch.tensor([20.0, 40.0])
lr = 0.001

w = torch.tensor(1.0, requires_grad=True)
b = torch.tensor(1.0, requires_grad=True)
wa, ba = 1.0, 1.0
n = len(x)

for epoch in range(2):
    yp = w * x + b
    loss = ((y - yp) ** 2).mean()
    loss.backward()

    err = [y[i].item() - (wa * x[i].item() + ba) for i in range(n)]
    dw = -2.0 / n * sum(err[i] * x[i].item() for i in range(n))
    db = -2.0 / n * sum(err)

    print("Epoch", epoch + 1)
    print("  autograd : w.grad = {:.4f}, b.grad = {:.4f}".format(w.grad.item(), b.grad.item()))
    print("  analytic : dL/dw  = {:.4f}, dL/db  = {:.4f}".format(dw, db))

    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
    w.grad.zero_()
    b.grad.zero_()

    wa -= lr * dw
    ba -= lr * db
    print("  updated (autograd): w = {:.6f}, b = {:.6f}".format(w.item(), b.item()))
    print("  updated (analytic): w = {:.6f}, b = {:.6f}".format(wa, ba))
