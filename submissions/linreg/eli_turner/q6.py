# Eli Turner - Q6 multiple linear regression  y = w1*X1 + w2*X2 + b
# plain gradient descent did not converge in a reasonable number of epochs
# (the loss was still going down after 10000), so I normalise X1 and X2 first.
import torch
import matplotlib.pyplot as plt


class MultiLinReg:
    def __init__(self, mu, sigma):
        self.mu = mu
        self.sigma = sigma
        self.w = torch.zeros(2, 1, requires_grad=True)
        self.b = torch.zeros(1, requires_grad=True)

    def __call__(self, X):
        Z = (X - self.mu) / self.sigma
        return Z @ self.w + self.b


def train_multiple_regression(X, y):
    model = MultiLinReg(X.mean(0), X.std(0))
    lr = 0.2
    loss_list = []
    for epoch in range(1500):
        loss = torch.mean((model(X) - y) ** 2)
        loss_list.append(loss.item())
        loss.backward()
        with torch.no_grad():
            model.w -= lr * model.w.grad
            model.b -= lr * model.b.grad
            model.w.grad.zero_()
            model.b.grad.zero_()
    return model, loss_list


X = torch.tensor([[3.0, 8.0],
                  [4.0, 5.0],
                  [5.0, 7.0],
                  [6.0, 3.0],
                  [2.0, 1.0]])
Y = torch.tensor([[-3.7], [3.5], [2.5], [11.5], [5.7]])
model, loss_list = train_multiple_regression(X, Y)
print("loss:", loss_list[-1])
print("Y for X1=3, X2=2 :", model(torch.tensor([[3.0, 2.0]])).item())   # should be about 6.3
plt.plot(loss_list)
plt.show()
