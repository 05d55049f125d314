import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader
from matplotlib import pyplot as plt

torch.manual_seed(5)

x = torch.tensor([5.0, 7.0, 12.0, 16.0, 20.0])
y = torch.tensor([40.0, 120.0, 180.0, 210.0, 240.0])


class Data(Dataset):
    def __init__(self, x, y):
        self.x = x.view(-1, 1)
        self.y = y.view(-1, 1)

    def __len__(self):
        return self.x.shape[0]

    def __getitem__(self, i):
        return self.x[i], self.y[i]


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.w = nn.Parameter(torch.ones(1, 1))
        self.b = nn.Parameter(torch.ones(1))

    def forward(self, x):
        return x @ self.w + self.b


dl = DataLoader(Data(x, y), batch_size=1, shuffle=True)
net = Net()
opt = torch.optim.SGD(net.parameters(), lr=0.0005)
crit = nn.MSELoss()

L = []
for ep in range(150):
    s = 0.0
    for xb, yb in dl:
        opt.zero_grad()
        loss = crit(net(xb), yb)
        loss.backward()
        opt.step()
        s += loss.item()
    L.append(s / len(dl))

print("w = %.4f  b = %.4f  avg loss last epoch = %.2f" % (net.w.item(), net.b.item(), L[-1]))
plt.plot(L)
plt.show()
