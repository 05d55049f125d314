import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader
from matplotlib import pyplot as plt

x = torch.tensor([5.0, 7.0, 12.0, 16.0, 20.0])
y = torch.tensor([40.0, 120.0, 180.0, 210.0, 240.0])


class RegressionDataset(Dataset):
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
        self.w = nn.Parameter(torch.ones([1]))
        self.b = nn.Parameter(torch.ones([1]))

    def forward(self, x):
        return self.w * x + self.b


dataset = RegressionDataset(x, y)
dataloader = DataLoader(dataset, batch_size=len(dataset), shuffle=True)
model = RegressionModel()
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.001)
loss_list = []

for epochs in range(200):
    for inputs, labels in dataloader:
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
    loss_list.append(loss.item())
    print("Epoch {}: w={}, b={}, loss={}".format(epochs, model.w.item(), model.b.item(), loss.item()))

plt.plot(loss_list)
plt.show()
