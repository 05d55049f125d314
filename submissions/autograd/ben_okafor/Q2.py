"""Exercise 2: neuron with ReLU.   u = w*x,  v = u + b,  a = relu(v)

da/dw = da/dv * dv/du * du/dw = 1[v > 0] * 1 * x
"""
import torch
import torch.nn.functional as F


def relu_da_dw_manual(x, w, b):
    u = w * x
    v = u + b
    if v > 0:
        da_dv = 1.0
    else:
        da_dv = 0.0   # relu is flat for v <= 0
    dv_du = 1.0
    du_dw = x
    return da_dv * dv_du * du_dw


def relu_da_dw_autograd(x, w, b):
    x_t = torch.tensor([x])
    w_t = torch.tensor([w], requires_grad=True)
    b_t = torch.tensor([b])
    a = F.relu(w_t * x_t + b_t)
    a.backward()
    return w_t.grad          # 1-element tensor


if __name__ == "__main__":
    for (x, w, b) in [(2.0, 1.5, 0.5), (2.0, -1.5, 0.5)]:
        print(x, w, b, "->", relu_da_dw_manual(x, w, b), relu_da_dw_autograd(x, w, b))
