# Eli Turner - Q4: nn.Module + Dataset + DataLoader + SGD
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader
import matplotlib.pyplot as plt


class MyData(Dataset):
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def __len__(self):
        return self.x.shape[0]

    def __getitem__(self, i):
        return self.x[i], self.y[i]


class LinReg(nn.Module):
    def __init__(self):
        super(LinReg, self).__init__()
        self.w = nn.Parameter(torch.tensor([1.0]))
        self.b = nn.Parameter(torch.tensor([1.0]))

    def forward(self, x):
        return self.w * x + self.b


def train_nn_module(x, y):
    data = MyData(x, y)
    # batch_size=4 gave a noisy loss curve, one batch with all the points is smoother
    loader = DataLoader(data, batch_size=len(data), shuffle=True)
    model = LinReg()
    opt = torch.optim.SGD(model.parameters(), lr=0.001)
    mse = nn.MSELoss()
    loss_list = []
    for epoch in range(200):
        total = 0.0
        for xb, yb in loader:
            opt.zero_grad()
            loss = mse(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)
        loss_list.append(total / len(data))
    return model, loss_list


x = torch.tensor([12.4, 14.3, 14.5, 14.9, 16.1, 16.9, 16.5, 15.4, 17.0, 17.9, 18.8, 20.3, 22.4, 19.4, 15.5, 16.7,
                  17.3, 18.4, 19.2, 17.4, 19.5, 19.7, 21.2]).reshape(-1, 1)
y = torch.tensor([11.2, 12.5, 12.7, 13.1, 14.1, 14.8, 14.4, 13.4, 14.9, 15.6, 16.4, 17.7, 19.6, 16.9, 14.0, 14.6,
                  15.1, 16.1, 16.8, 15.2, 17.0, 17.2, 18.6]).reshape(-1, 1)
model, loss_list = train_nn_module(x, y)
print("w:", model.w.item(), "b:", model.b.item())
plt.plot(loss_list)
plt.show()
