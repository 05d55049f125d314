# Question 4:  f = exp(-x^2 - 2x - sin x)
# df/dx = exp(-x^2 - 2x - sin x) * (-2x - 2 - cos x)
import math
import torch


def exp_df_dx_manual(x):
    inner = -x ** 2 - 2 * x - math.sin(x)
    d_inner = -2 * x - 2 - math.cos(x)
    return math.exp(inner) * d_inner


def exp_df_dx_autograd(x):
    xt = torch.tensor(x, requires_grad=True)
    f = torch.exp(-xt ** 2 - 2 * xt - torch.sin(xt))
    f.backward()
    return xt.grad.item()


if __name__ == "__main__":
    x = 0.3
    print("pytorch   :", exp_df_dx_autograd(x))
    print("analytical:", exp_df_dx_manual(x))
