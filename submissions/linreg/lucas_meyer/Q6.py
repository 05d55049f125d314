import torch
from torch import nn

X = torch.tensor([[3., 8.], [4., 5.], [5., 7.], [6., 3.], [2., 1.]])
Y = torch.tensor([[-3.7], [3.5], [2.5], [11.5], [5.7]])

model = nn.Linear(2, 1)
loss_fn = nn.MSELoss()
opt = torch.optim.Adam(model.parameters(), lr=0.1)

for epoch in range(1500):
    opt.zero_grad()
    loss = loss_fn(model(X), Y)
    loss.backward()
    opt.step()
    if (epoch + 1) % 250 == 0:
        print(f"epoch {epoch+1}: loss = {loss.item():.4f}")

print(f"weights: {model.weight.data.tolist()}, bias: {model.bias.item():.4f}")
with torch.no_grad():
    print(f"Y at X1=3, X2=2 -> {model(torch.tensor([[3., 2.]])).item():.3f}")
