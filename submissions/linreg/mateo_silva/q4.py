import torch
import torch.nn as nn
from matplotlib import pyplot as plt

x = torch.tensor([12.4, 14.3, 14.5, 14.9, 16.1, 16.9, 16.5, 15.4, 17.0, 17.9, 18.8, 20.3, 22.4, 19.4, 15.5, 16.7, 17.3, 18.4, 19.2, 17.4, 19.5, 19.7, 21.2]).view(-1, 1)
y = torch.tensor([11.2, 12.5, 12.7, 13.1, 14.1, 14.8, 14.4, 13.4, 14.9, 15.6, 16.4, 17.7, 19.6, 16.9, 14.0, 14.6, 15.1, 16.1, 16.8, 15.2, 17.0, 17.2, 18.6]).view(-1, 1)

net = nn.Linear(1, 1)
with torch.no_grad():
    net.weight.fill_(1.0)
    net.bias.fill_(1.0)
opt = torch.optim.SGD(net.parameters(), lr=0.001)
crit = nn.MSELoss()

L = []
for ep in range(200):
    opt.zero_grad()
    loss = crit(net(x), y)
    loss.backward()
    opt.step()
    L.append(loss.item())

print("w = %.4f  b = %.4f  loss = %.5f" % (net.weight.item(), net.bias.item(), L[-1]))
plt.plot(L)
plt.xlabel("epoch")
plt.ylabel("loss")
plt.show()
