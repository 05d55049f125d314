# Q7 - logistic regression with a sigmoid and binary cross entropy
import torch
import torch.nn as nn
from matplotlib import pyplot as plt

torch.manual_seed(0)

x = torch.tensor([1.0, 5.0, 10.0, 10.0, 25.0, 50.0, 70.0, 75.0, 100.0]).view(-1, 1)
y = torch.tensor([0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0]).view(-1, 1)

x_scaled = x / 100.0   # keeps the sigmoid out of saturation


class LogisticRegression(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(1, 1)

    def forward(self, x):
        return torch.sigmoid(self.linear(x))


model = LogisticRegression()
criterion = nn.BCELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=1.0)

losses = []
for epoch in range(1000):
    optimizer.zero_grad()
    p = model(x_scaled)
    loss = criterion(p, y)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())

print("first loss {:.4f}, final loss {:.4f}".format(losses[0], losses[-1]))
with torch.no_grad():
    probs = model(x_scaled)
for xi, pi, yi in zip(x.view(-1), probs.view(-1), y.view(-1)):
    print("x = {:5.1f}  p(y=1) = {:.3f}  label = {:.0f}".format(xi.item(), pi.item(), yi.item()))

plt.plot(losses)
plt.xlabel("epoch")
plt.ylabel("BCE loss")
plt.show()
