# Q7: logistic regression
import torch
from torch import nn
from matplotlib import pyplot as plt

torch.manual_seed(0)

x = torch.tensor([1, 5, 10, 10, 25, 50, 70, 75, 100], dtype=torch.float32).view(-1, 1) / 100
y = torch.tensor([0, 0, 0, 0, 0, 1, 1, 1, 1], dtype=torch.float32).view(-1, 1)

model = nn.Sequential(nn.Linear(1, 1), nn.Sigmoid())
optimizer = torch.optim.SGD(model.parameters(), lr=2.0)
criterion = nn.MSELoss()

loss_list = []
for epoch in range(1500):
    optimizer.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
    loss_list.append(loss.item())

print(f"loss {loss_list[0]:.4f} -> {loss_list[-1]:.4f}")
with torch.no_grad():
    print("predicted:", (model(x) > 0.5).int().view(-1).tolist())
plt.plot(loss_list)
plt.show()
