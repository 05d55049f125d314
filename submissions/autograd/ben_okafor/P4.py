# Ben Okafor - Lab: autograd - Problem 4
# gradient of the sigmoid via the chain rule, checked against autograd
import math
import torch


def grad_sigmoid_manual(x):
    # forward pass: sigma(x) = s(c(b(a(x))))
    a = -x
    b = math.exp(a)
    c = 1 + b
    s = 1.0 / c

    # backward pass (local gradients, multiplied together)
    ds_dc = -1.0 / (c * c)
    dc_db = 1.0
    db_da = math.exp(a)
    da_dx = -1.0
    return ds_dc * dc_db * db_da * da_dx


def sigmoid(x):
    return 1.0 / (1.0 + torch.exp(-x))


if __name__ == "__main__":
    for input_x in [2.0, -1.0, 0.0, 3.5]:
        x = torch.tensor(input_x, requires_grad=True)
        y = sigmoid(x)
        y.backward()
        print(f"x = {input_x:5.2f}  autograd: {x.grad.item():.8f}  manual: {grad_sigmoid_manual(input_x):.8f}")
