# Q6: f(x, y, z) = tanh(ln(1 + z * 2x / sin(y)))
#   a = 2x, b = sin y, c = a/b, d = z*c, e = ln(1+d), f = tanh(e)
import math
import torch


def tanhlog_forward(x, y, z):
    x, y, z = torch.tensor(x), torch.tensor(y), torch.tensor(z)
    a = 2 * x
    b = torch.sin(y)
    c = a / b
    d = z * c
    e = torch.log(1 + d)
    f = torch.tanh(e)
    return a, b, c, d, e, f          # 0-d tensors


def tanhlog_grad_manual(x, y, z):
    a = 2 * x
    b = math.sin(y)
    c = a / b
    d = z * c
    e = math.log(1 + d)
    # backward
    df_de = 1 - math.tanh(e) ** 2
    de_dd = 1 / (1 + d)
    dd_dc = z
    dd_dz = c
    dc_da = 1 / b
    dc_db = -a / b ** 2
    da_dx = 2
    db_dy = math.cos(y)
    df_dd = df_de * de_dd
    df_dx = df_dd * dd_dc * dc_da * da_dx
    df_dy = df_dd * dd_dc * dc_db * db_dy
    df_dz = df_dd * dd_dz
    return df_dx, df_dy, df_dz


def tanhlog_grad_autograd(x, y, z):
    x = torch.tensor(x, requires_grad=True)
    y = torch.tensor(y, requires_grad=True)
    z = torch.tensor(z, requires_grad=True)
    f = torch.tanh(torch.log(1 + z * (2 * x) / torch.sin(y)))
    f.backward()
    return [x.grad.item(), y.grad.item(), z.grad.item()]


if __name__ == "__main__":
    print(tanhlog_forward(1.0, 1.0, 1.0))
    print("manual  ", tanhlog_grad_manual(1.0, 1.0, 1.0))
    print("autograd", tanhlog_grad_autograd(1.0, 1.0, 1.0))
