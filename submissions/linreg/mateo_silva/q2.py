import torch

x = torch.tensor([2.0, 4.0])
y = torch.tensor([20.0, 40.0])
w = torch.tensor([1.0], requires_grad=True)
b = torch.tensor([1.0], requires_grad=True)
lr = 0.001
n = 2

# analytic:  dL/dw = 2/n * sum((w*x + b - y) * x),  dL/db = 2/n * sum(w*x + b - y)
for ep in range(2):
    loss = 0.0
    for j in range(n):
        loss += (w * x[j] + b - y[j]) ** 2
    loss = loss / n
    loss.backward()

    wv, bv = w.item(), b.item()
    dw = 2.0 / n * sum((wv * x[j].item() + bv - y[j].item()) * x[j].item() for j in range(n))
    db = 2.0 / n * sum((wv * x[j].item() + bv - y[j].item()) for j in range(n))

    print("epoch %d" % (ep + 1))
    print("  w.grad = %.4f   analytic %.4f" % (w.grad.item(), dw))
    print("  b.grad = %.4f   analytic %.4f" % (b.grad.item(), db))
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
    w.grad.zero_()
    b.grad.zero_()
    print("  w -> %.6f   (by hand %.6f)" % (w.item(), wv - lr * dw))
    print("  b -> %.6f   (by hand %.6f)" % (b.item(), bv - lr * db))
