"""Task 3: same neuron, sigmoid instead of ReLU"""
import math
import torch

x = torch.tensor(0.8)
w = torch.tensor(1.5, requires_grad=True)
b = torch.tensor(0.2)

u = w*x
v = u + b
a = 1 / (1 + torch.exp(v))      # sigmoid
a.backward()

def sigmoid(t):
    return 1 / (1 + math.exp(-t))

# sigmoid'(v) = sigmoid(v) * (1 - sigmoid(v)), then times dv/dw = x
s = sigmoid(v.item())
by_hand = s * (1 - s) * x.item()
print('v = {:.3f}, a = {:.4f}'.format(v.item(), a.item()))
print('da/dw -> torch: {:.4f} | by hand: {:.4f}'.format(w.grad.item(), by_hand))
