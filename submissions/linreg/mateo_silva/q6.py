import torch
import torch.nn as nn

torch.manual_seed(0)

X = torch.tensor([[3.0, 8.0], [4.0, 5.0], [5.0, 7.0], [6.0, 3.0], [2.0, 1.0]])
Y = torch.tensor([-3.7, 3.5, 2.5, 11.5, 5.7]).view(-1, 1)

net = nn.Linear(2, 1)
opt = torch.optim.Adam(net.parameters(), lr=0.05)
crit = nn.MSELoss()

for ep in range(2000):
    opt.zero_grad()
    loss = crit(net(X), Y)
    loss.backward()
    opt.step()

print("loss = %.4f" % loss.item())
print("w =", net.weight.data.view(-1).tolist(), " b = %.4f" % net.bias.item())
print("Y(3, 2) = %.4f" % net(torch.tensor([[3.0, 2.0]])).item())
