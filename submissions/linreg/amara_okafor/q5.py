import torch
import torch.nn as nn
import matplotlib.pyplot as plt

torch.manual_seed(123)

x = torch.tensor([12.4, 14.3, 14.5, 14.9, 16.1, 16.9, 16.5, 15.4, 17.0, 17.9, 18.8, 20.3,
                  22.4, 19.4, 15.5, 16.7, 17.3, 18.4, 19.2, 17.4, 19.5, 19.7, 21.2]).unsqueeze(1)
y = torch.tensor([11.2, 12.5, 12.7, 13.1, 14.1, 14.8, 14.4, 13.4, 14.9, 15.6, 16.4, 17.7,
                  19.6, 16.9, 14.0, 14.6, 15.1, 16.1, 16.8, 15.2, 17.0, 17.2, 18.6]).unsqueeze(1)

linear = nn.Linear(1, 1)
optimizer = torch.optim.SGD(linear.parameters(), lr=0.001)
loss_fn = nn.MSELoss()

losses = []
for epoch in range(1000):
    optimizer.zero_grad()
    loss = loss_fn(linear(x), y)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())

print(f"w = {linear.weight.item():.4f}, b = {linear.bias.item():.4f}, final MSE = {losses[-1]:.5f}")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
ax1.plot(losses)
ax1.set_xlabel("epoch")
ax1.set_ylabel("MSE")
ax2.scatter(x.squeeze(), y.squeeze(), label="data")
xs = torch.linspace(12, 23, 50).unsqueeze(1)
with torch.no_grad():
    ax2.plot(xs.squeeze(), linear(xs).squeeze(), "r-", label="nn.Linear fit")
ax2.legend()
plt.show()
