import torch
from matplotlib import pyplot as plt

x = torch.tensor([5.0, 7.0, 12.0, 16.0, 20.0])
y = torch.tensor([40.0, 120.0, 180.0, 210.0, 240.0])
lr = torch.tensor(0.001)


class LinReg:
    def __init__(self):
        self.w = torch.tensor([1.0], requires_grad=True)
        self.b = torch.tensor([1.0], requires_grad=True)

    def forward(self, x):
        return self.w * x + self.b

    def step(self):
        with torch.no_grad():
            self.w -= lr * self.w.grad
            self.b -= lr * self.b.grad

    def zero_grads(self):
        self.w.grad.zero_()
        self.b.grad.zero_()

    def loss(self, y, yp):
        return (y - yp) ** 2


model = LinReg()
L = []
for ep in range(100):
    total = 0.0
    for j in range(len(x)):
        total += model.loss(y[j], model.forward(x[j]))
    total = total / len(x)
    L.append(total.item())
    total.backward()
    model.step()
    model.zero_grads()

print("w = %.4f  b = %.4f  loss = %.3f" % (model.w.item(), model.b.item(), L[-1]))
plt.plot(L)
plt.xlabel("epoch")
plt.ylabel("loss")
plt.show()
