import torch
import matplotlib.pyplot as plt

x = torch.tensor([5.0, 7.0, 12.0, 16.0, 20.0])
y = torch.tensor([40.0, 120.0, 180.0, 210.0, 240.0])
learning_rate = torch.tensor(0.001)


class RegressionModel:
    def __init__(self):
        self.w = torch.ones(1, requires_grad=True)
        self.b = torch.ones(1, requires_grad=True)

    def forward(self, x):
        return self.w * x + self.b

    def update(self):
        self.w.data -= learning_rate * self.w.grad
        self.b.data -= learning_rate * self.b.grad

    def reset_grad(self):
        self.w.grad.zero_()
        self.b.grad.zero_()

    def criterion(self, y, yp):
        return ((y - yp) ** 2).mean()


model = RegressionModel()
loss_hist = []
for ep in range(100):
    loss = model.criterion(y, model.forward(x))
    loss_hist.append(loss.item())
    loss.backward()
    model.update()
    model.reset_grad()

print("w =", model.w.item(), " b =", model.b.item())
plt.plot(loss_hist)
plt.show()
