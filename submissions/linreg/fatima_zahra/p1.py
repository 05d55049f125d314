import torch
from matplotlib import pyplot as plt

# Problem 1 - training data
x = torch.tensor([5.0, 7.0, 12.0, 16.0, 20.0])
y = torch.tensor([40.0, 120.0, 180.0, 210.0, 240.0])

# The parameters to be learnt w, and b in the
# prediction y_p = wx + b  (both initialised with 1)
b = torch.ones([1], requires_grad=True)
w = torch.ones([1], requires_grad=True)
print("The parameters are {}, and {}".format(w, b))

# The learning rate is set to alpha = 0.001
learning_rate = torch.tensor(0.001)

# The list of loss values for the plotting purpose
loss_list = []

# Run the training loop for N epochs
for epochs in range(100):
    # Compute the average loss for the training samples
    loss = 0.0
    # Accumulate the loss for all the samples
    for j in range(len(x)):
        a = w * x[j]
        y_p = a + b
        loss += (y_p - y[j]) ** 2
    # Find the average loss
    loss = loss / len(x)
    # Add the loss to a list for the plotting purpose
    loss_list.append(loss.item())
    # Compute the gradients using backward
    # dL/dw and dL/db
    loss.backward()
    # Without modifying the gradient in this block
    # perform the operation
    with torch.no_grad():
        # Update the weight based on gradient descent
        w -= learning_rate * w.grad
        b -= learning_rate * b.grad
    # reset the gradients for next epoch
    w.grad.zero_()
    b.grad.zero_()
    # Display the parameters and loss
    print("The parameters are w={}, b={}, and loss={}".format(w, b, loss.item()))

# Display the plot
plt.plot(loss_list)
plt.show()
