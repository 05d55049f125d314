# Q5 - nn.Linear on the Q1 data
import torch
import torch.nn as nn
from matplotlib import pyplot as plt

torch.manual_seed(1)

x = torch.tensor([12.4, 14.3, 14.5, 14.9, 16.1, 16.9, 16.5, 15.4, 17.0, 17.9, 18.8, 20.3, 22.4, 19.4, 15.5, 16.7,
                  17.3, 18.4, 19.2, 17.4, 19.5, 19.7, 21.2]).view(-1, 1)
y = torch.tensor([11.2, 12.5, 12.7, 13.1, 14.1, 14.8, 14.4, 13.4, 14.9, 15.6, 16.4, 17.7, 19.6, 16.9, 14.0, 14.6,
                  15.1, 16.1, 16.8, 15.2, 17.0, 17.2, 18.6]).view(-1, 1)

model = nn.Linear(1, 1)
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.001)

losses = []
for epoch in range(300):
    optimizer.zero_grad()
    y_pred = model(x)
    loss = criterion(y_pred, y)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())

print("weight = {:.4f}, bias = {:.4f}".format(model.weight.item(), model.bias.item()))
print("final loss = {:.5f}".format(losses[-1]))

plt.figure(figsize=(10, 4))
plt.subplot(1, 2, 1)
plt.plot(losses)
plt.xlabel("epoch")
plt.ylabel("MSE")
plt.subplot(1, 2, 2)
plt.scatter(x.numpy(), y.numpy(), label="data")
with torch.no_grad():
    plt.plot(x.numpy(), model(x).numpy(), "r", label="fit")
plt.legend()
plt.show()
