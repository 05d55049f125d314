import torch
from torch import nn
import matplotlib.pyplot as plt

x = torch.tensor([1, 5, 10, 10, 25, 50, 70, 75, 100], dtype=torch.float32).reshape(-1, 1)
y = torch.tensor([0, 0, 0, 0, 0, 1, 1, 1, 1], dtype=torch.float32).reshape(-1, 1)

# standardise x
xs = (x - x.mean()) / x.std()

model = nn.Sequential(nn.Linear(1, 1), nn.Sigmoid())
loss_fn = nn.BCELoss()
opt = torch.optim.SGD(model.parameters(), lr=0.5)

losses = []
for epoch in range(800):
    opt.zero_grad()
    loss = loss_fn(model(xs), y)
    loss.backward()
    opt.step()
    losses.append(loss.item())

print(f"loss: {losses[0]:.4f} -> {losses[-1]:.4f}")
with torch.no_grad():
    pred = (model(xs) > 0.5).float()
print(f"predicted classes: {pred.view(-1).tolist()}")
print(f"accuracy: {(pred == y).float().mean().item():.2f}")

plt.plot(losses)
plt.show()
