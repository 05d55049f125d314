import torch
from torch import nn
import matplotlib.pyplot as plt

x = torch.tensor([12.4, 14.3, 14.5, 14.9, 16.1, 16.9, 16.5, 15.4, 17.0, 17.9, 18.8, 20.3, 22.4, 19.4, 15.5, 16.7, 17.3, 18.4, 19.2, 17.4, 19.5, 19.7, 21.2]).reshape(-1, 1)
y = torch.tensor([11.2, 12.5, 12.7, 13.1, 14.1, 14.8, 14.4, 13.4, 14.9, 15.6, 16.4, 17.7, 19.6, 16.9, 14.0, 14.6, 15.1, 16.1, 16.8, 15.2, 17.0, 17.2, 18.6]).reshape(-1, 1)

model = nn.Sequential(nn.Linear(1, 1))
loss_fn = nn.MSELoss()
opt = torch.optim.SGD(model.parameters(), lr=0.002)

losses = []
for epoch in range(500):
    opt.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())

lin = model[0]
print(f"w = {lin.weight.item():.4f}, b = {lin.bias.item():.4f}, final loss = {losses[-1]:.5f}")

plt.plot(losses)
plt.xlabel("epoch")
plt.ylabel("loss")
plt.show()

plt.scatter(x, y)
with torch.no_grad():
    plt.plot(x, model(x), color="orange")
plt.show()
