# Q2 - w.grad and b.grad for two epochs: autograd vs analytic formula
# error is defined as (yp - y), loss = (1/n) * sum (yp - y)^2
#   dL/dw = (2/n) * sum (yp - y) * x
#   dL/db = (2/n) * sum (yp - y)
import torch

x = torch.tensor([2.0, 4.0])
y = torch.tensor([20.0, 40.0])
lr = 0.001

# autograd version
w = torch.tensor(1.0, requires_grad=True)
b = torch.tensor(1.0, requires_grad=True)

# analytic version (plain python floats)
wa, ba = 1.0, 1.0
n = len(x)

for epoch in range(2):
    yp = w * x + b
    loss = ((yp - y) ** 2).mean()
    loss.backward()

    # analytic gradient with the current analytic parameters
    err = [(wa * x[i].item() + ba) - y[i].item() for i in range(n)]
    dw = 2.0 / n * sum(err[i] * x[i].item() for i in range(n))
    db = 2.0 / n * sum(err)

    print("Epoch", epoch + 1)
    print("  autograd : w.grad = {:.4f}, b.grad = {:.4f}".format(w.grad.item(), b.grad.item()))
    print("  analytic : dL/dw  = {:.4f}, dL/db  = {:.4f}".format(dw, db))

    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
    w.grad.zero_()
    b.grad.zero_()

    wa = wa - lr * dw
    ba = ba - lr * db
    print("  updated (autograd): w = {:.6f}, b = {:.6f}".format(w.item(), b.item()))
    print("  updated (analytic): w = {:.6f}, b = {:.6f}".format(wa, ba))
