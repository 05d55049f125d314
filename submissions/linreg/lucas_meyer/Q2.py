import torch

x = torch.tensor([2.0, 4.0])
y = torch.tensor([20.0, 40.0])

w = torch.tensor([1.0], requires_grad=True)
b = torch.tensor([1.0], requires_grad=True)
lr = 0.001

for epoch in range(2):
    yp = w * x + b
    loss = torch.mean((yp - y) ** 2)
    loss.backward()
    print(f"Epoch {epoch+1}")
    print(f"  w.grad = {w.grad.item():.4f}")
    print(f"  b.grad = {b.grad.item():.4f}")
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
    print(f"  w = {w.item():.6f}, b = {b.item():.6f}")
    w.grad.zero_()
    b.grad.zero_()
