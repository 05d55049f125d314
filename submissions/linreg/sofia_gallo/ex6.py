import torch
import torch.nn as nn

torch.manual_seed(3)

X = torch.tensor([[3.0, 8.0], [4.0, 5.0], [5.0, 7.0], [6.0, 3.0], [2.0, 1.0]])
Y = torch.tensor([-3.7, 3.5, 2.5, 11.5, 5.7]).view(-1, 1)

model = nn.Linear(2, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.01)
crit = nn.MSELoss()

for ep in range(2000):
    opt.zero_grad()
    loss = crit(model(X), Y)
    loss.backward()
    opt.step()

print("weights", model.weight.data, "bias", model.bias.data)
print("final mse", loss.item())
print("prediction for X1=3, X2=2:", model(torch.tensor([[3.0, 2.0]])).item())
