# Q2: gradients for two epochs, error = (yp - y)
import torch

xs = [2.0, 4.0]
ys = [20.0, 40.0]
lr = 0.001

# (a) analytic, by hand
#     L = (1/n) sum (yp_i - y_i)^2
#     dL/dw = (2/n) sum (yp_i - y_i) x_i
#     dL/db = (2/n) sum (yp_i - y_i)
print("(a) analytic")
w, b = 1.0, 1.0
for epoch in range(2):
    n = len(xs)
    gw = 2 / n * sum((w * xi + b - yi) * xi for xi, yi in zip(xs, ys))
    gb = 2 / n * sum((w * xi + b - yi) for xi, yi in zip(xs, ys))
    w, b = w - lr * gw, b - lr * gb
    print(f"  epoch {epoch + 1}: dL/dw={gw:.3f}, dL/db={gb:.3f} -> w={w:.6f}, b={b:.6f}")

# (b) autograd
print("(b) autograd")
x = torch.tensor(xs)
y = torch.tensor(ys)
w = torch.tensor(1.0, requires_grad=True)
b = torch.tensor(1.0, requires_grad=True)
for epoch in range(2):
    loss = torch.mean((w * x + b - y) ** 2)
    loss.backward()
    gw, gb = w.grad.item(), b.grad.item()
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
    w.grad.zero_()
    b.grad.zero_()
    print(f"  epoch {epoch + 1}: w.grad={gw:.3f}, b.grad={gb:.3f} -> w={w.item():.6f}, b={b.item():.6f}")
