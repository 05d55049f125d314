# Q4 - nn.Module + Dataset + DataLoader + torch.optim.SGD on the Problem 1 data
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader
from matplotlib import pyplot as plt

torch.manual_seed(0)

x = torch.tensor([5.0, 7.0, 12.0, 16.0, 20.0])
y = torch.tensor([40.0, 120.0, 180.0, 210.0, 240.0])


class LinearDataset(Dataset):
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def __len__(self):
        return len(self.x)

    def __getitem__(self, idx):
        return self.x[idx], self.y[idx]


class RegressionModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.tensor([1.0]))
        self.b = nn.Parameter(torch.tensor([1.0]))

    def forward(self, x):
        return self.w * x + self.b


dataset = LinearDataset(x, y)
loader = DataLoader(dataset, batch_size=1, shuffle=True)

model = RegressionModel()
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.001)

loss_list = []
for epoch in range(100):
    epoch_loss = 0.0
    for xb, yb in loader:
        optimizer.zero_grad()
        pred = model(xb)
        loss = criterion(pred, yb)
        loss.backward()
        optimizer.step()
        epoch_loss += loss.item()
    loss_list.append(epoch_loss / len(loader))
    if epoch % 10 == 0:
        print("epoch {}: loss {:.3f}".format(epoch, loss_list[-1]))

print("w = {:.4f}, b = {:.4f}".format(model.w.item(), model.b.item()))
with torch.no_grad():
    print("MSE on the data: {:.3f}".format(criterion(model(x), y).item()))

plt.plot(loss_list)
plt.xlabel("epoch")
plt.ylabel("average loss")
plt.show()
