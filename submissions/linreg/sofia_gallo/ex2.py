import torch

# L = 1/n sum (yp - y)^2 , yp = w x + b
# dL/dw = 2/n sum (yp - y) x ,  dL/db = 2/n sum (yp - y)
x = torch.tensor([2.0, 4.0])
y = torch.tensor([20.0, 40.0])
lr = 0.001

w = torch.ones(1, requires_grad=True)
b = torch.ones(1, requires_grad=True)

for ep in range(2):
    yp = w * x + b
    loss = ((yp - y) ** 2).mean()
    loss.backward()

    # by hand, using the same w and b before the update
    with torch.no_grad():
        e = (w * x + b) - y
        gw = 2 * (e * x).sum() / len(x)
        gb = 2 * e.sum() / len(x)

    print(f"epoch {ep + 1}")
    print(f"   autograd  w.grad={w.grad.item():.3f}  b.grad={b.grad.item():.3f}")
    print(f"   analytic  dw={gw.item():.3f}  db={gb.item():.3f}")

    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
    print(f"   new w={w.item():.6f}  new b={b.item():.6f}")
