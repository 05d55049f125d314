import torch

# Additional question: error is (y - yp), loss = sum (y - yp)^2
#   dL/dw = -2 * sum (y - yp) * x
#   dL/db = -2 * sum (y - yp)
x = torch.tensor([2.0, 4.0])
y = torch.tensor([20.0, 40.0])
lr = 0.001

w = torch.tensor(1.0, requires_grad=True)
b = torch.tensor(1.0, requires_grad=True)

for epoch in range(1, 3):
    yp = w * x + b
    loss = ((y - yp) ** 2).sum()
    loss.backward()

    err = (y - yp).detach()
    dw = -2 * (err * x).sum()
    db = -2 * err.sum()

    print(f"--- epoch {epoch} ---")
    print(f"w.grad (autograd) = {w.grad.item():.4f}   analytic = {dw.item():.4f}")
    print(f"b.grad (autograd) = {b.grad.item():.4f}   analytic = {db.item():.4f}")

    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
    w.grad.zero_()
    b.grad.zero_()
    print(f"updated w = {w.item():.6f}, b = {b.item():.6f}")
