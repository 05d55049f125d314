import torch

x = torch.tensor([2.0, 4.0])
y = torch.tensor([20.0, 40.0])
learning_rate = 0.001

w_initial = 1.0
b_initial = 1.0

# ---------- using autograd ----------
w = torch.tensor([w_initial], requires_grad=True)
b = torch.tensor([b_initial], requires_grad=True)

for epoch in range(2):
    y_p = w * x + b
    loss = torch.mean((y_p - y) ** 2)
    loss.backward()
    print("epoch", epoch + 1)
    print("  w.grad =", w.grad.item(), " b.grad =", b.grad.item())
    with torch.no_grad():
        w -= learning_rate * w.grad
        b -= learning_rate * b.grad
    w.grad.zero_()
    b.grad.zero_()
    print("  w =", w.item(), " b =", b.item())

# ---------- analytical ----------
# dL/dw = 2/n * sum((w*x + b - y) * x)
# dL/db = 2/n * sum(w*x + b - y)
wa = w_intial
ba = b_initial
for epoch in range(2):
    e = wa * x + ba - y
    dw = 2 * torch.mean(e * x)
    db = 2 * torch.mean(e)
    wa = wa - learning_rate * dw
    ba = ba - learning_rate * db
    print("analytical epoch", epoch + 1, ": dw =", dw.item(), " db =", db.item(), " w =", wa.item(), " b =", ba.item())
