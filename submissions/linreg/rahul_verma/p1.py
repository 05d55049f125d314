import torch
from matplotlib import pyplot as plt

# Create the tensors x and y. They are the training
# examples in the dataset for the linear regression
x = torch.tensor([5.0, 7.0, 12.0, 16.0, 20.0])
y = torch.tensor([40.0, 120.0, 180.0, 210.0, 240.0])

# w and b start at 1 as the problem says
b = torch.ones([1], requires_grad=True)
w = torch.ones([1], requires_grad=True)
print("The parameters are {}, and {}".format(w, b))

learning_rate = torch.tensor(0.001)
loss_list = []

for epochs in range(100):
    loss = 0.0
    for j in range(len(x)):
        a = w * x[j]
        y_p = a + b
        loss += (y_p - y[j]) ** 2
    loss = loss / len(x)
    loss_list.append(loss.item())
    loss.backward()
    with torch.no_grad():
        w -= learning_rate * w.grad
        b -= learning_rate * b.grad
    # reset the gradients for next epoch
    w.grad.zero_()
    b.grad.zero_()
    print("The parameters are w={}, b={}, and loss={}".format(w, b, loss.item()))

plt.plot(loss_list)
plt.show()
