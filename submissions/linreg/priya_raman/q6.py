# Q6 - multiple linear regression, Y = w1*X1 + w2*X2 + b
import torch
import torch.nn as nn

torch.manual_seed(0)

X = torch.tensor([[3.0, 8.0],
                  [4.0, 5.0],
                  [5.0, 7.0],
                  [6.0, 3.0],
                  [2.0, 1.0]])
Y = torch.tensor([-3.7, 3.5, 2.5, 11.5, 5.7]).view(-1, 1)

# standardise the features, otherwise it needs a lot of epochs
mean = X.mean(dim=0)
std = X.std(dim=0)
Xs = (X - mean) / std

model = nn.Linear(2, 1)
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)

for epoch in range(1000):
    optimizer.zero_grad()
    loss = criterion(model(Xs), Y)
    loss.backward()
    optimizer.step()
    if epoch % 100 == 0:
        print("epoch {:4d}  loss {:.4f}".format(epoch, loss.item()))

print("final MSE = {:.4f}".format(loss.item()))

# verify at X1 = 3, X2 = 2
x_new = (torch.tensor([[3.0, 2.0]]) - mean) / std
with torch.no_grad():
    print("Prediction at X1=3, X2=2: {:.4f}".format(model(x_new).item()))
