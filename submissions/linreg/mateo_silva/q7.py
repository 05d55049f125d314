import torch
import torch.nn as nn
from matplotlib import pyplot as plt

torch.manual_seed(0)

x = torch.tensor([1.0, 5.0, 10.0, 10.0, 25.0, 50.0, 70.0, 75.0, 100.0]).view(-1, 1)
y = torch.tensor([0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0]).view(-1, 1)


class LogReg(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(1, 1)

    def forward(self, x):
        return torch.sigmoid(self.lin(x / 100.0))   # raw x blew up sometimes


net = LogReg()
opt = torch.optim.SGD(net.parameters(), lr=1.0)
crit = nn.BCELoss()

L = []
for ep in range(2000):
    opt.zero_grad()
    loss = crit(net(x), y)
    loss.backward()
    opt.step()
    L.append(loss.item())

print("loss %.4f -> %.4f" % (L[0], L[-1]))
print("p =", [round(p, 3) for p in net(x).detach().view(-1).tolist()])
plt.plot(L)
plt.show()
