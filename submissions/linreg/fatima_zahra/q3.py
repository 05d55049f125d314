import torch
from matplotlib import pyplot as plt

x = torch.tensor([5.0, 7.0, 12.0, 16.0, 20.0])
y = torch.tensor([40.0, 120.0, 180.0, 210.0, 240.0])

learning_rate = torch.tensor(0.001)


class RegressionModel:
    def __init__(self):
        # w and b initialised with 1 (the handout used torch.rand)
        self.w = torch.ones([1], requires_grad=True)
        self.b = torch.ones([1], requires_grad=True)

    def forward(self, x):
        return self.w * x + self.b

    def update(self):
        # Update the weight based on gradient descent
        with torch.no_grad():
            self.w -= learning_rate * self.w.grad
            self.b -= learning_rate * self.b.grad

    def reset_grad(self):
        self.w.grad.zero_()
        self.b.grad.zero_()


def criterion(yj, y_p):
    return (yj - y_p) ** 2


model = RegressionModel()

# The list of loss values for the plotting purpose
loss_list = []

# Run the training loop for N epochs
for epochs in range(100):
    loss = 0.0
    # Accumulate the loss for all the samples
    for j in range(len(x)):
        y_p = model.forward(x[j])
        loss += criterion(y[j], y_p)
    # Find the average loss
    loss = loss / len(x)
    # Add the loss to a list for the plotting purpose
    loss_list.append(loss.item())
    # Compute the gradients using backward dl/dw and dl/db
    loss.backward()
    # Without modifying the gradient in this block
    # perform the operation
    with torch.no_grad():
        model.update()
    # reset the gradients for next epoch
    model.reset_grad()
    # Display the parameters and loss
    print("The parameters are w={}, b={}, and loss={}".format(model.w, model.b, loss.item()))

# Display the plot
plt.plot(loss_list)
plt.show()
