import torch
import torch.nn as nn
import matplotlib.pyplot as plt

torch.manual_seed(42)

x = torch.tensor([12.4, 14.3, 14.5, 14.9, 16.1, 16.9, 16.5, 15.4, 17.0, 17.9, 18.8, 20.3, 22.4, 19.4, 15.5, 16.7, 17.3, 18.4, 19.2, 17.4, 19.5, 19.7, 21.2])
y = torch.tensor([11.2, 12.5, 12.7, 13.1, 14.1, 14.8, 14.4, 13.4, 14.9, 15.6, 16.4, 17.7, 19.6, 16.9, 14.0, 14.6, 15.1, 16.1, 16.8, 15.2, 17.0, 17.2, 18.6])

# standardise x so that a bigger learning rate can be used
x_mean, x_std = x.mean(), x.std()
X = ((x - x_mean) / x_std).view(-1, 1)          # nn.Linear wants (N, 1)
model = nn.Linear(1, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.05)

loss_hist = []
for ep in range(300):
    opt.zero_grad()
    pred = model(X)
    loss = ((pred - y) ** 2).mean()
    loss.backward()
    opt.step()
    loss_hist.append(loss.item())

print("w =", model.weight.item(), " b =", model.bias.item(), "(on standardised x)")
print("final loss =", loss_hist[-1])

plt.subplot(1, 2, 1)
plt.plot(loss_hist)
plt.title("loss")
plt.subplot(1, 2, 2)
plt.scatter(x, y)
with torch.no_grad():
    plt.plot(x, model(X).view(-1), "r.")
plt.show()
