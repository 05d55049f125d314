import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader
import matplotlib.pyplot as plt

torch.manual_seed(123)

x = torch.tensor([5.0, 7.0, 12.0, 16.0, 20.0])
y = torch.tensor([40.0, 120.0, 180.0, 210.0, 240.0])


class XYDataset(Dataset):
    def __init__(self, xs, ys):
        self.xs = xs
        self.ys = ys

    def __len__(self):
        return len(self.xs)

    def __getitem__(self, index):
        return self.xs[index], self.ys[index]


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.zeros(1))
        self.b = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return self.w * x + self.b


loader = DataLoader(XYDataset(x, y), batch_size=2, shuffle=True)
model = Regressor()
optimizer = torch.optim.SGD(model.parameters(), lr=0.001)
loss_fn = nn.MSELoss()

epoch_losses = []
for epoch in range(300):
    running = 0.0
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        running += loss.item() * xb.shape[0]
    epoch_losses.append(running / len(x))

with torch.no_grad():
    full = loss_fn(model(x), y).item()
print(f"w = {model.w.item():.4f}, b = {model.b.item():.4f}, MSE on all points = {full:.2f}")
plt.plot(epoch_losses)
plt.xlabel("epoch")
plt.ylabel("MSE")
plt.show()
