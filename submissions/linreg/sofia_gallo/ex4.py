import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader
import matplotlib.pyplot as plt

x = torch.tensor([5.0, 7.0, 12.0, 16.0, 20.0]).view(-1, 1)
y = torch.tensor([40.0, 120.0, 180.0, 210.0, 240.0]).view(-1, 1)


class PointsDataset(Dataset):
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


class LinReg(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.ones(1))
        self.b = nn.Parameter(torch.ones(1))

    def forward(self, x):
        return self.w * x + self.b


dl = DataLoader(PointsDataset(x, y), batch_size=5)
model = LinReg()
opt = torch.optim.SGD(model.parameters(), lr=0.001)
crit = nn.MSELoss()

loss_hist = []
for ep in range(500):
    for xb, yb in dl:
        opt.zero_grad()
        loss = crit(model(xb), yb)
        loss.backward()
        opt.step()
    loss_hist.append(loss.item())

print("w =", model.w.item(), " b =", model.b.item(), " loss =", loss_hist[-1])
plt.plot(loss_hist)
plt.show()
