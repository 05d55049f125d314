import torch
import torch.nn as nn
from matplotlib import pyplot as plt

x = torch.tensor([1.0, 5.0, 10.0, 10.0, 25.0, 50.0, 70.0, 75.0, 100.0]).reshape(-1, 1)
y = torch.tensor([0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0]).reshape(-1, 1)
x_norm = (x - x.mean()) / x.std()

torch.manual_seed(2)
model = nn.Sequential(nn.Linear(1, 1), nn.Sigmoid())
criterion = nn.BCELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.3)
loss_list = []

for epochs in range(1000):
    optimizer.zero_grad()
    loss = criterion(model(x_norm), y)
    loss.backward()
    optimizer.step()
    loss_list.append(loss.item())

print("Final loss = {}".format(loss_list[-1]))
print("Probabilities: {}".format(model(x_norm).detach().reshape(-1)))
plt.plot(loss_list)
plt.show()
