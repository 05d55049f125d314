# Eli Turner - Q7 logistic regression
import torch
import torch.nn as nn

x = torch.tensor([1, 5, 10, 10, 25, 50, 70, 75, 100], dtype=torch.float32).reshape(-1, 1)
y = torch.tensor([0, 0, 0, 0, 0, 1, 1, 1, 1], dtype=torch.float32).reshape(-1, 1)


class LogReg(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        # standardise x with the training mean / std, raw x (up to 100) saturates the sigmoid
        self.mean = mean
        self.std = std
        self.fc = nn.Linear(1, 1)

    def forward(self, x):
        return torch.sigmoid(self.fc((x - self.mean) / self.std))


def train_logistic_regression(x, y):
    torch.manual_seed(42)
    model = LogReg(x.mean(), x.std())
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    bce = nn.BCELoss()
    loss_list = []
    for epoch in range(1000):
        p = model(x)
        loss = bce(p, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        loss_list.append(loss.item())
    return model, loss_list


model, loss_list = train_logistic_regression(x, y)
print("final loss:", loss_list[-1])
with torch.no_grad():
    pred = model(x)
for xi, pi, yi in zip(x.view(-1), pred.view(-1), y.view(-1)):
    print(f"x={xi.item():5.1f}  p={pi.item():.3f}  class={int(pi > 0.5)}  true={int(yi)}")
