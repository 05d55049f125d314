# Eli Turner - Q3: RegressionModel class
import torch
from matplotlib import pyplot as plt

x = torch.tensor([5.0, 7.0, 12.0, 16.0, 20.0])
y = torch.tensor([40.0, 120.0, 180.0, 210.0, 240.0])
learning_rate = torch.tensor(0.001)


class RegressionModel:
    def __init__(self):
        # w and b start at 1
        self.w = torch.tensor([1.0], requires_grad=True)
        self.b = torch.tensor([1.0], requires_grad=True)

    def forward(self, x):
        return self.w * x + self.b

    def update(self):
        # .data so that autograd does not track the update
        self.w.data -= learning_rate * self.w.grad
        self.b.data -= learning_rate * self.b.grad

    def reset_grad(self):
        self.w.grad.data.zero_()
        self.b.grad.data.zero_()

    def criterion(self, y, yp):
        return (y - yp) ** 2


model = RegressionModel()
loss_list = []
for epoch in range(100):
    loss = 0.0
    for j in range(len(x)):
        y_p = model.forward(x[j])
        loss += model.criterion(y[j], y_p)
    loss = loss / len(x)
    loss_list.append(loss.item())
    loss.backward()
    model.update()
    model.reset_grad()
    if epoch % 10 == 0:
        print(f"epoch {epoch}: w={model.w.item():.4f} b={model.b.item():.4f} loss={loss.item():.2f}")

plt.plot(loss_list)
plt.xlabel("epoch")
plt.ylabel("loss")
plt.show()
