# Eli Turner - Q5 using nn.Linear
import torch
from torch import nn
import matplotlib.pyplot as plt


class LinearRegressionModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(1, 1)
        # same starting point as Q1 (w = b = 1)
        nn.init.constant_(self.linear.weight, 1.0)
        nn.init.constant_(self.linear.bias, 1.0)

    def forward(self, x):
        return self.linear(x)


def train_nn_linear(x, y):
    model = LinearRegressionModel()
    criterion = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.001)
    loss_list = []
    for epoch in range(200):
        y_pred = model(x)
        loss = criterion(y_pred, y)
        loss_list.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model, loss_list


x = torch.tensor([12.4, 14.3, 14.5, 14.9, 16.1, 16.9, 16.5, 15.4, 17.0, 17.9, 18.8, 20.3, 22.4, 19.4, 15.5, 16.7,
                  17.3, 18.4, 19.2, 17.4, 19.5, 19.7, 21.2]).view(-1, 1)
y = torch.tensor([11.2, 12.5, 12.7, 13.1, 14.1, 14.8, 14.4, 13.4, 14.9, 15.6, 16.4, 17.7, 19.6, 16.9, 14.0, 14.6,
                  15.1, 16.1, 16.8, 15.2, 17.0, 17.2, 18.6]).view(-1, 1)
model, loss_list = train_nn_linear(x, y)
print(list(model.parameters()))
print("final loss", loss_list[-1])
plt.plot(loss_list)
plt.xlabel("epoch")
plt.ylabel("loss")
plt.show()
