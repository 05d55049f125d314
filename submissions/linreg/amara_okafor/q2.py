import torch

# Q2. I use L = 1/(2n) * sum (yp - y)^2 so the 2 cancels in the derivative:
#   dL/dw = 1/n * sum (yp - y) * x
#   dL/db = 1/n * sum (yp - y)
x = torch.tensor([2.0, 4.0])
y = torch.tensor([20.0, 40.0])
n = len(x)
lr = 0.001

w = torch.tensor(1.0, requires_grad=True)
b = torch.tensor(1.0, requires_grad=True)

for epoch in range(1, 3):
    yp = w * x + b
    loss = ((yp - y) ** 2).sum() / (2 * n)
    loss.backward()

    err = (yp - y).detach()
    dw = (err * x).sum() / n
    db = err.sum() / n

    print(f"--- epoch {epoch} ---")
    print(f"w.grad (autograd) = {w.grad.item():.4f}   analytic = {dw.item():.4f}")
    print(f"b.grad (autograd) = {b.grad.item():.4f}   analytic = {db.item():.4f}")

    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
    w.grad.zero_()
    b.grad.zero_()
    print(f"updated w = {w.item():.6f}, b = {b.item():.6f}")
