import torch

# multiple regression by hand: Y = X @ w + b
X = torch.tensor([[3.0, 8.0],
                  [4.0, 5.0],
                  [5.0, 7.0],
                  [6.0, 3.0],
                  [2.0, 1.0]])
Y = torch.tensor([[-3.7], [3.5], [2.5], [11.5], [5.7]])

w = torch.zeros(2, 1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
lr = 0.01

for epoch in range(2000):
    loss = ((X @ w + b - Y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
    w.grad.zero_()
    b.grad.zero_()
    if epoch % 400 == 0:
        print(f"epoch {epoch}: loss = {loss.item():.4f}")

print(f"final loss = {loss.item():.4f}")
print(f"w1 = {w[0].item():.4f}, w2 = {w[1].item():.4f}, b = {b.item():.4f}")
with torch.no_grad():
    pred = torch.tensor([[3.0, 2.0]]) @ w + b
print(f"Check: X1 = 3, X2 = 2  ->  Y = {pred.item():.4f}")
