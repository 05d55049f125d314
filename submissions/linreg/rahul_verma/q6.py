import torch
import torch.nn as nn

x = torch.tensor([[3.0, 8.0], [4.0, 5.0], [5.0, 7.0], [6.0, 3.0], [2.0, 1.0]])
y = torch.tensor([[-3.7], [3.5], [2.5], [11.5], [5.7]])


class MultipleRegression(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, x):
        return self.linear(x)


torch.manual_seed(1)
model = MultipleRegression()
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.02)

for epochs in range(2000):
    optimizer.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
    if epochs % 200 == 0:
        print("Epoch {}: loss={}".format(epochs, loss.item()))

print("Final loss = {}".format(loss.item()))
print("Prediction for X1=3, X2=2 is {}".format(model(torch.tensor([[3.0, 2.0]])).item()))
