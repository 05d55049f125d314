import torch

x = torch.tensor([2.0, 4.0])
y = torch.tensor([20.0, 40.0])
b = torch.ones([1], requires_grad=True)
w = torch.ones([1], requires_grad=True)
learning_rate = 0.001

# Analytical solution
# L = 1/n * sum (yp - y)^2
# dL/dw = 2/n * sum (yp - y) * x
# dL/db = 2/n * sum (yp - y)
for epochs in range(2):
    y_p = w * x + b
    loss = torch.mean((y_p - y) ** 2)
    loss.backward()

    dw = 2 * torch.mean((y_p - y) * x)
    db = 2 * torch.mean(y_p - y)
    print("Epoch {}".format(epochs + 1))
    print("Analytical: dL/dw = {}, dL/db = {}".format(dw.item(), db.item()))
    print("Autograd:   w.grad = {}, b.grad = {}".format(w.grad.item(), b.grad.item()))

    with torch.no_grad():
        w -= learning_rate * w.grad
        b -= learning_rate * b.grad
    print("Updated parameters: w = {}, b = {}".format(w.item(), b.item()))
