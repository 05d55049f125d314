# Q6: multiple linear regression
import torch
from torch import nn

torch.manual_seed(4)

X = torch.tensor([[3.0, 8.0],
                  [4.0, 5.0],
                  [5.0, 9.0],
                  [6.0, 3.0],
                  [2.0, 1.0]])
Y = torch.tensor([[-3.7], [3.5], [2.5], [11.5], [5.7]])

model = nn.Linear(2, 1)
optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
criterion = nn.MSELoss()

for epoch in range(2000):
    optimizer.zero_grad()
    loss = criterion(model(X), Y)
    loss.backward()
    optimizer.step()

print(f"final MSE = {loss.item():.4f}")
print(f"coefficients: {model.weight.data.view(-1).tolist()}, intercept: {model.bias.item():.4f}")
with torch.no_grad():
    print(f"Y(X1=3, X2=2) = {model(torch.tensor([[3.0, 2.0]])).item():.4f}")
