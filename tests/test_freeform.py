"""Free-form and contract work judged through the CLI, on small classes written here.

The sample class (test_sample_class.py) carries the realistic students; these are the sharp cases each rule
exists for, one student per rule, graded once per lab.
"""
from __future__ import annotations

import subprocess
import sys
from textwrap import dedent

import pytest

from conftest import ROOT, check_named, read_result, scores_by_exercise

pytestmark = pytest.mark.slow

AUTOGRAD = {
    "by_hand_uses_autograd.py": '''
        import torch
        def dz_da_manual(a, b):
            a = torch.tensor(float(a), requires_grad=True)
            z = 2 * (2 * a + 3 * b) + 3 * (5 * a * a + 3 * b ** 3)
            z.backward()
            return a.grad.item()
        def dz_da_autograd(a, b):
            return dz_da_manual(a, b)
    ''',
    "asks_for_x/q5.py": '''
        import torch
        value = float(input("x = "))
        x = torch.tensor(value, requires_grad=True)
        y = 8 * x**4 + 3 * x**3 + 7 * x**2 + 6 * x + 3
        y.backward()
        print("autograd:", x.grad.item())
        print("by hand:", 32 * value**3 + 9 * value**2 + 14 * value + 6)
    ''',
    "disguised_constant/q5.py": '''
        import torch
        x = torch.tensor(2.0, requires_grad=True)
        y = 8 * x**4 + 3 * x**3 + 7 * x**2 + 6 * x + 3
        y.backward()
        print("autograd:", x.grad.item())
        print("analytic:", x.item() * 0 + 326)
    ''',
    "notebook_shows_last_value.ipynb": None,  # written below: a cell ending in `x.grad`
    # One helper differentiates every exercise and one prints every value: what each call passes decides.
    "one_helper_for_all.py": '''
        import math
        import torch
        def grad_of(f, *values, wrt=0):
            inputs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
            (g,) = torch.autograd.grad(f(*inputs), inputs[wrt])
            return g.item()
        def show(name, manual, auto):
            if manual is None:
                print(f"{name}: autograd = {auto:.6f}")
            else:
                print(f"{name}: manual = {manual:.6f}, autograd = {auto:.6f}")
        def z_of(a, b):
            return 2 * (2 * a + 3 * b) + 3 * (5 * a * a + 3 * b ** 3)
        def poly(x):
            return 8 * x ** 4 + 3 * x ** 3 + 7 * x ** 2 + 6 * x + 3
        def tanhlog(x, y, z):
            return torch.tanh(torch.log(1 + z * 2 * x / torch.sin(y)))
        def dfdy_by_hand(x, y, z):
            a = 2 * x
            b = math.sin(y)
            c = a / b
            d = z * c
            e = math.log(1 + d)
            return (1 - math.tanh(e) ** 2) / (1 + d) * z * (-a / b ** 2) * math.cos(y)
        a, b = 1.5, 2.0
        show("Q1", 4 + 30 * a, grad_of(z_of, a, b))
        show("P4", 0.105, grad_of(torch.sigmoid, 2.0))  # typed in: earns the autograd half only
        show("Q5", None, grad_of(poly, 2.0))
        show("Q6", dfdy_by_hand(1.0, 2.0, 3.0), grad_of(tanhlog, 1.0, 2.0, 3.0, wrt=1))
    ''',
    # The inputs' values typed into the formula: read as a formula of the inputs, not taken as typed in.
    "typed_formula/q5.py": '''
        import torch
        x = torch.tensor(2.0, requires_grad=True)
        y = 8*x**4 + 3*x**3 + 7*x**2 + 6*x + 3
        y.backward()
        print("autograd:", x.grad.item(), " analytic:", 32*2**3 + 9*2**2 + 14*2 + 6)
    ''',
    "typed_formula/q3.py": '''
        import math, torch
        w = torch.tensor(0.8, requires_grad=True)
        x = torch.tensor(2.0)
        b = torch.tensor(-0.6)
        torch.sigmoid(w*x + b).backward()
        v = 0.8*2.0 - 0.6
        s = 1/(1 + math.exp(-v))
        manual = s*(1 - s)*2.0
        print("manual da/dw:", manual, "autograd:", w.grad.item())
    ''',
    "typed_formula/q2.py": '''
        import torch
        w = torch.tensor(1.0, requires_grad=True)
        x = torch.tensor(1.0)
        b = torch.tensor(0.5)
        torch.relu(w*x + b).backward()
        print("manual da/dw:", 1*1.0, "autograd:", w.grad.item())  # w = x = 1: which one is it?
    ''',
    "typed_formula/q1.py": '''
        import torch
        a = torch.tensor(2.0, requires_grad=True)
        b = torch.tensor(1.0, requires_grad=True)
        z = 2*(2*a + 3*b) + 3*(5*a**2 + 3*b**3)
        z.backward()
        print("dz/da by hand:", 60 + 4, " autograd:", a.grad.item())  # the answer's digits, not its formula
    ''',
    # A derivative worked out by hand with no autograd beside it: the by-hand half alone.
    "by_hand_only/q4.py": '''
        import math
        def f(x):
            return math.exp(-x**2 - 2*x - math.sin(x))
        def df_dx(x):
            return f(x) * (-2*x - 2 - math.cos(x))
        for point in (0.5, 1.0):
            print(f"x = {point}: analytical df/dx = {df_dx(point):.6f}")
    ''',
    # ... but not where the file's own autograd computes another function (its own, wrong, sigmoid).
    "by_hand_only/q3.py": '''
        import torch
        w = torch.tensor(0.5, requires_grad=True)
        x, b = 2.0, 0.1
        a = 1 / (1 + torch.exp(w * x + b))
        a.backward()
        s = 1 / (1 + torch.exp(-(w.item() * x + b)))
        print("manual da/dw:", (s * (1 - s) * x).item(), "autograd:", w.grad.item())
    ''',
    "rounds_and_uses_sympy/q4.py": '''
        import sympy as sp
        import torch
        X = sp.symbols("x")
        derivative = sp.diff(sp.exp(-X ** 2 - 2 * X - sp.sin(X)), X)
        x = torch.tensor(2.0, requires_grad=True)
        f = torch.exp(-x ** 2 - 2 * x - torch.sin(x))
        f.backward()
        print("analytic:", round(float(derivative.subs(X, 2.0)), 4))
        print("autograd:", round(x.grad.item(), 4))
    ''',
    # Comparisons instead of prints, tuples and tables as a cell's last value, several points at once.
    "compares_instead_of_printing.ipynb": None,  # written below
    "returns_both.py": '''
        import math
        import torch
        def q4(x0):
            x = torch.tensor(x0, requires_grad=True)
            f = torch.exp(-x ** 2 - 2 * x - torch.sin(x))
            f.backward()
            analytic = -(2 * x0 + 2 + math.cos(x0)) * math.exp(-x0 ** 2 - 2 * x0 - math.sin(x0))
            return analytic, x.grad.item()
        def q2(w_val, x_val, b_val):
            w = torch.tensor(w_val, requires_grad=True)
            a = torch.relu(w * x_val + b_val)
            a.backward()
            return (x_val if w_val * x_val + b_val > 0 else 0.0), w.grad.item()
        if __name__ == "__main__":
            manual, auto = q4(-0.5)
            print(f"Q4 analytic {manual:.6f} autograd {auto:.6f}")
            manual, auto = q2(1.0, 4.0, -2.0)
            print("Q2 manual", manual, "autograd", auto)
    ''',
    "shifted/lab2_q1.py": '''
        import torch
        a = torch.tensor(2.0, requires_grad=True)
        b = torch.tensor(1.0, requires_grad=True)
        z = 2 * (2 * a + 3 * b) + 3 * (5 * a * a + 3 * b ** 3)
        z.backward()
        print("dz/da by hand:", 4 + 30 * a.item(), "autograd:", a.grad.item())
    ''',
    "shifted/demo.py": '''
        import torch
        x = torch.tensor(3.0, requires_grad=True)
        y = x ** 2
        y.backward()
        print(x.grad)
    ''',
    # Values shown another way than print: a helper module's function that prints what it is given, a logger,
    # sys.stdout.write of a text built with +.
    "shows_another_way/common.py": '''
        def report(title, by_autograd, by_hand):
            print(title.ljust(20), "autograd", round(by_autograd, 5), "| by hand", round(by_hand, 5))
    ''',
    "shows_another_way/q1.py": '''
        import torch
        from common import report
        for a_value, b_value in [(1.0, 2.0), (-0.5, 1.0)]:
            a = torch.tensor(a_value, requires_grad=True)
            b = torch.tensor(b_value, requires_grad=True)
            z = 2 * (2 * a + 3 * b) + 3 * (5 * a ** 2 + 3 * b ** 3)
            z.backward()
            report(f"dz/da at {a_value}", a.grad.item(), 4 + 30 * a_value)
    ''',
    "shows_another_way/q5.py": '''
        import logging
        import sys
        import torch
        logging.basicConfig(level=logging.INFO)
        logger = logging.getLogger(__name__)
        x = torch.tensor(1.5, requires_grad=True)
        y = 8 * x ** 4 + 3 * x ** 3 + 7 * x ** 2 + 6 * x + 3
        y.backward()
        logger.info("autograd dy/dx = %.5f", x.grad.item())
        v = x.item()
        sys.stdout.write("analytic dy/dx = " + str(32 * v ** 3 + 9 * v ** 2 + 14 * v + 6) + "\\n")
    ''',
    # Rows collected in a list and printed under a closing banner; torch.func.grad; an input named `xin`.
    "results_at_the_end.py": '''
        import math
        import torch
        from torch.func import grad
        rows = []
        # ---------- P4 ----------
        x = torch.tensor(0.5, requires_grad=True)
        s = torch.sigmoid(x)
        s.backward()
        sv = 1 / (1 + math.exp(-x.item()))
        rows.append(("P4", x.grad.item(), sv * (1 - sv)))
        # ---------- Q3 ----------
        xin = torch.tensor(1.5)
        w = torch.tensor(-0.4, requires_grad=True)
        b = torch.tensor(0.3, requires_grad=True)
        act = torch.sigmoid(w * xin + b)
        act.backward()
        sig = 1 / (1 + math.exp(-(w.item() * xin.item() + b.item())))
        rows.append(("Q3", w.grad.item(), sig * (1 - sig) * xin.item()))
        # ---------- Q4 ----------
        def f(t):
            return torch.exp(-t ** 2 - 2 * t - torch.sin(t))
        point = 0.25
        rows.append(("Q4", grad(f)(torch.tensor(point)).item(),
                     math.exp(-point ** 2 - 2 * point - math.sin(point)) * (-2 * point - 2 - math.cos(point))))
        # ---------- summary ----------
        for name, auto, manual in rows:
            print(f"{name}: autograd {auto:.6f}  manual {manual:.6f}")
    ''',
    # sympy evaluated with a dict of the inputs, one of them negative: it follows the inputs when they move.
    "sympy_point/q1.py": '''
        import sympy as sp
        import torch
        A, B = sp.symbols("a b")
        dz_da = sp.diff(2 * (2 * A + 3 * B) + 3 * (5 * A ** 2 + 3 * B ** 3), A)
        a = torch.tensor(-2.0, requires_grad=True)
        b = torch.tensor(0.5, requires_grad=True)
        z = 2 * (2 * a + 3 * b) + 3 * (5 * a ** 2 + 3 * b ** 3)
        z.backward()
        print("autograd:", a.grad.item())
        print("sympy:", float(dz_da.subs({A: -2, B: 0.5})))
    ''',
    # Plain one-line titles; the ReLU cell differentiates with respect to x, and a later section happens to
    # show, by hand, the number that da/dw would be: it is that section's, not Q2's.
    "titles_and_a_coincidence.ipynb": None,  # written below
}

# Helpers defined in the first cell and used in later ones: what the later cells pass them decides what is shown,
# and moving the inputs moves the helpers' arguments too.
HELPERS_NOTEBOOK = [
    """
    import math
    import torch
    def relu_manual(w, x, b):
        return (1.0 if w * x + b > 0 else 0.0) * x
    def poly_manual(x):
        return 32 * x ** 3 + 9 * x ** 2 + 14 * x + 6
    def show(what, manual, auto):
        print(f"{what}: by hand {manual:.6f}, autograd {auto:.6f}")
    """,
    "## Question 2",
    """
    w = torch.tensor(0.5, requires_grad=True)
    x = torch.tensor(3.0)
    b = torch.tensor(1.0)
    torch.relu(w * x + b).backward()
    show("da/dw", relu_manual(0.5, 3.0, 1.0), w.grad.item())
    """,
    "## Question 5",
    """
    x = torch.tensor(-1.5, requires_grad=True)
    (8 * x ** 4 + 3 * x ** 3 + 7 * x ** 2 + 6 * x + 3).backward()
    show("dy/dx", poly_manual(-1.5), x.grad.item())
    """,
]

COMPARING_NOTEBOOK = [
    "import torch\nimport numpy as np",
    """
    a = torch.tensor(2.0).requires_grad_()
    b = torch.tensor(1.0).requires_grad_()
    z = 2 * (2 * a + 3 * b) + 3 * (5 * a * a + 3 * b ** 3)
    z.backward()
    dz_da = 2 * 2 + 3 * 10 * a.item()
    dz_da, a.grad
    """,
    """
    w, b, x = torch.tensor(2.0, requires_grad=True), torch.tensor(1.0), torch.tensor(3.0)
    a = torch.relu(w * x + b)
    a.backward()
    print("da/dw autograd", w.grad.item(), "by hand", x.item() if (w * x + b).item() > 0 else 0.0)
    """,
    """
    x = torch.tensor(0.0, requires_grad=True)
    f = torch.exp(-x ** 2 - 2 * x - torch.sin(x))
    f.backward()
    print("autograd df/dx", x.grad.item())  # relu(w·0 + b) is 1 too, with the w and b left over
    """,
    """
    x = torch.linspace(-2, 2, 5, requires_grad=True)
    f = torch.exp(-x ** 2 - 2 * x - torch.sin(x))
    f.sum().backward()
    manual = -(2 * x + 2 + torch.cos(x)) * f
    np.c_[x.detach().numpy(), manual.detach().numpy(), x.grad.numpy()]
    """,
    """
    x = torch.tensor(1.5, requires_grad=True)
    y = 8 * x ** 4 + 3 * x ** 3 + 7 * x ** 2 + 6 * x + 3
    y.backward()
    by_hand = 32 * x ** 3 + 9 * x ** 2 + 14 * x + 6
    assert torch.isclose(by_hand, x.grad)
    torch.allclose(by_hand, x.grad)
    """,
]

LINREG = {
    "hard_threshold.py": '''
        import torch
        from torch import nn
        class Step(nn.Module):
            def __init__(self):
                super().__init__()
                self.linear = nn.Linear(1, 1)
            def forward(self, x):
                return (x > 30).float()
        def train_logistic_regression(x, y):
            return Step(), [0.7, 0.5, 0.3]
    ''',
    "sigmoid_with_mse.py": '''
        import torch
        from torch import nn
        def train_logistic_regression(x, y):
            torch.manual_seed(0)
            model = nn.Sequential(nn.Linear(1, 1), nn.Sigmoid())
            optimizer = torch.optim.SGD(model.parameters(), lr=1.0)
            losses = []
            for epoch in range(3000):
                optimizer.zero_grad()
                loss = nn.MSELoss()(model(x / 100), y)
                loss.backward()
                optimizer.step()
                losses.append(loss.item())
            return nn.Sequential(Scale(), model), losses
        class Scale(nn.Module):
            def forward(self, x):
                return x / 100
    ''',
}


def descent_contract(loss: str = "((w * x + b - y) ** 2).mean()", steps: str = "epochs",
                     update_b: str = "b.grad", data: str = "x, y") -> str:
    """A contract P1 function with one deviation: another loss, step count, update or data."""
    return f'''
        import torch
        X_GIVEN = torch.tensor([5.0, 7.0, 12.0, 16.0, 20.0])
        Y_GIVEN = torch.tensor([40.0, 120.0, 180.0, 210.0, 240.0])
        def train_linear_regression(x, y, epochs=100, learning_rate=0.001):
            x, y = {data}
            w = torch.tensor(1.0, requires_grad=True)
            b = torch.tensor(1.0, requires_grad=True)
            losses = []
            for epoch in range({steps}):
                loss = {loss}
                loss.backward()
                losses.append(loss.item())
                with torch.no_grad():
                    w -= learning_rate * w.grad
                    b -= learning_rate * {update_b}
                    w.grad.zero_()
                    b.grad.zero_()
            return w.item(), b.item(), losses
    '''


LINREG.update({
    # One function does Q2 and the additional question, by a flag: the sign is read from each run's graph.
    "sign_by_flag.py": '''
        import torch
        def two_epochs(flip):
            x, y = torch.tensor([2.0, 4.0]), torch.tensor([20.0, 40.0])
            w = torch.tensor(1.0, requires_grad=True)
            b = torch.tensor(1.0, requires_grad=True)
            wa, ba = 1.0, 1.0
            for epoch in range(2):
                error = (y - (w * x + b)) if flip else (w * x + b - y)
                loss = (error ** 2).mean()
                loss.backward()
                ea = [(yi - (wa * xi + ba)) if flip else (wa * xi + ba - yi) for xi, yi in zip([2.0, 4.0], [20.0, 40.0])]
                sign = -1 if flip else 1
                dw, db = sign * sum(e * xi for e, xi in zip(ea, [2.0, 4.0])), sign * sum(ea)
                wa, ba = wa - 0.001 * dw, ba - 0.001 * db
                print("analytic", dw, db, wa, ba)
                print("autograd", w.grad.item(), b.grad.item())
                with torch.no_grad():
                    w -= 0.001 * w.grad
                    b -= 0.001 * b.grad
                print("updated", w.item(), b.item())
                w.grad.zero_()
                b.grad.zero_()
        two_epochs(False)
        two_epochs(True)
    ''',
    "per_sample/q2.py": '''
        import torch
        x = torch.tensor([2.0, 4.0])
        y = torch.tensor([20.0, 40.0])
        w = torch.tensor(1.0, requires_grad=True)
        b = torch.tensor(1.0, requires_grad=True)
        for epoch in range(2):
            for xi, yi in zip(x.tolist(), y.tolist()):
                loss = (w * xi + b - yi) ** 2
                loss.backward()
                print("analytic:", 2 * (w.item() * xi + b.item() - yi) * xi, 2 * (w.item() * xi + b.item() - yi))
                print("autograd:", w.grad.item(), b.grad.item())
                with torch.no_grad():
                    w -= 0.001 * w.grad
                    b -= 0.001 * b.grad
                print("updated:", w.item(), b.item())
                w.grad.zero_()
                b.grad.zero_()
    ''',
    "b_with_w_grad/q2.py": '''
        import torch
        x, y = torch.tensor([2.0, 4.0]), torch.tensor([20.0, 40.0])
        w = torch.tensor(1.0, requires_grad=True)
        b = torch.tensor(1.0, requires_grad=True)
        wa, ba = 1.0, 1.0
        for epoch in range(2):
            loss = ((w * x + b - y) ** 2).mean()
            loss.backward()
            dw = sum(2 * (wa * xi + ba - yi) * xi for xi, yi in zip([2.0, 4.0], [20.0, 40.0])) / 2
            db = sum(2 * (wa * xi + ba - yi) for xi, yi in zip([2.0, 4.0], [20.0, 40.0])) / 2
            wa, ba = wa - 0.001 * dw, ba - 0.001 * dw
            print("analytic", dw, db, "autograd", w.grad.item(), b.grad.item())
            with torch.no_grad():
                w -= 0.001 * w.grad
                b -= 0.001 * w.grad
            print("updated", w.item(), b.item())
            w.grad.zero_()
            b.grad.zero_()
    ''',
    "class_not_used/q3.py": '''
        import torch
        import matplotlib.pyplot as plt
        learning_rate = 0.001
        class RegressionModel:
            def __init__(self):
                self.w = torch.tensor(1.0, requires_grad=True)
                self.b = torch.tensor(1.0, requires_grad=True)
            def forward(self, x):
                return self.w * x + self.b
            def update(self):
                with torch.no_grad():
                    self.w -= learning_rate * self.w.grad
                    self.b -= learning_rate * self.b.grad
            def reset_grad(self):
                self.w.grad.zero_()
                self.b.grad.zero_()
            def criterion(self, y, yp):
                return (y - yp) ** 2
        x = torch.tensor([5.0, 7.0, 12.0, 16.0, 20.0])
        y = torch.tensor([40.0, 120.0, 180.0, 210.0, 240.0])
        model = RegressionModel()
        optimizer = torch.optim.SGD([model.w, model.b], lr=learning_rate)
        losses = []
        for epoch in range(100):
            optimizer.zero_grad()
            loss = model.criterion(y, model.forward(x)).mean()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        plt.plot(losses)
    ''',
    "logits_and_tensordataset.ipynb": None,  # written below: Q4 over a TensorDataset, Q6, then Q7 on logits
    # Q2 and the additional question from one function whose sign is a multiplier: the graph is the same twice.
    "sign_by_multiplier.py": '''
        import torch
        def run(sign):
            x, y = torch.tensor([2.0, 4.0]), torch.tensor([20.0, 40.0])
            w = torch.tensor(1.0, requires_grad=True)
            b = torch.tensor(1.0, requires_grad=True)
            for epoch in range(2):
                loss = torch.mean((sign * (w * x + b - y)) ** 2)
                loss.backward()
                print("autograd", w.grad.item(), b.grad.item())
                with torch.no_grad():
                    w -= 0.001 * w.grad
                    b -= 0.001 * b.grad
                print("updated", w.item(), b.item())
                w.grad.zero_()
                b.grad.zero_()
        run(1)
        run(-1)
    ''',
    # A validation split of Q1's data, and a sigmoid applied outside the module on standardised inputs.
    "split_and_outside_sigmoid.py": '''
        import torch
        import torch.nn.functional as F
        from torch import nn
        from torch.utils.data import DataLoader, TensorDataset, random_split
        torch.manual_seed(0)
        X1 = [12.4, 14.3, 14.5, 14.9, 16.1, 16.9, 16.5, 15.4, 17.0, 17.9, 18.8, 20.3, 22.4, 19.4, 15.5, 16.7, 17.3,
              18.4, 19.2, 17.4, 19.5, 19.7, 21.2]
        Y1 = [11.2, 12.5, 12.7, 13.1, 14.1, 14.8, 14.4, 13.4, 14.9, 15.6, 16.4, 17.7, 19.6, 16.9, 14.0, 14.6, 15.1,
              16.1, 16.8, 15.2, 17.0, 17.2, 18.6]
        def q5():
            x, y = torch.tensor(X1).view(-1, 1), torch.tensor(Y1).view(-1, 1)
            train, _ = random_split(TensorDataset(x, y), [18, 5])
            loader = DataLoader(train, batch_size=18)
            model = nn.Linear(1, 1)
            optimizer = torch.optim.SGD(model.parameters(), lr=0.001)
            for epoch in range(2000):
                for xb, yb in loader:
                    optimizer.zero_grad()
                    loss = F.mse_loss(model(xb), yb)
                    loss.backward()
                    optimizer.step()
            print("Q5 loss", loss.item())
        def q7():
            x = torch.tensor([1.0, 5.0, 10.0, 10.0, 25.0, 50.0, 70.0, 75.0, 100.0]).view(-1, 1)
            y = torch.tensor([0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0]).view(-1, 1)
            xn = (x - x.mean()) / x.std()
            model = nn.Linear(1, 1)
            optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
            for epoch in range(500):
                optimizer.zero_grad()
                loss = F.binary_cross_entropy(torch.sigmoid(model(xn)), y)
                loss.backward()
                optimizer.step()
            print("Q7 BCE", loss.item())
        q5()
        q7()
    ''',
})

AUTOGRAD.update({
    "helpers_first.ipynb": "",
    # q1() to q4() called from main: Q1 shows autograd only; q4's by-hand value is wrong, and it is Q4's, not Q1's.
    "one_function_each.py": """
        import math
        import torch
        def q1():
            a = torch.tensor(0.5, requires_grad=True)
            b = torch.tensor(1.0, requires_grad=True)
            z = 2 * (2 * a + 3 * b) + 3 * (5 * a * a + 3 * b ** 3)
            z.backward()
            print("Q1 dz/da autograd =", a.grad.item())
        def q4():
            x = torch.tensor(0.3, requires_grad=True)
            torch.exp(-x ** 2 - 2 * x - torch.sin(x)).backward()
            xv = 0.3
            manual = math.exp(-xv ** 2 - 2 * xv - math.sin(xv)) * (-2 * xv - 2 + math.cos(xv))
            print("Q4 df/dx autograd =", x.grad.item(), "manual =", manual)
        def main():
            q1()
            q4()
        main()
    """,
})

LINREG.update({
    "sections.ipynb": "",
    # The graph is saved to a file and closed, as scripts do: it was drawn all the same.
    "q5_saved_graph.py": """
        import torch
        from torch import nn
        import matplotlib.pyplot as plt
        x = torch.tensor([12.4, 14.3, 14.5, 14.9, 16.1, 16.9, 16.5, 15.4, 17.0, 17.9, 18.8, 20.3, 22.4, 19.4, 15.5,
                          16.7, 17.3, 18.4, 19.2, 17.4, 19.5, 19.7, 21.2]).view(-1, 1)
        y = torch.tensor([11.2, 12.5, 12.7, 13.1, 14.1, 14.8, 14.4, 13.4, 14.9, 15.6, 16.4, 17.7, 19.6, 16.9, 14.0,
                          14.6, 15.1, 16.1, 16.8, 15.2, 17.0, 17.2, 18.6]).view(-1, 1)
        torch.manual_seed(2)
        line = nn.Linear(1, 1)
        step = torch.optim.SGD(line.parameters(), lr=0.001)
        history = []
        for epoch in range(400):
            step.zero_grad()
            cost = nn.MSELoss()(line(x), y)
            cost.backward()
            step.step()
            history.append(cost.item())
        plt.figure()
        plt.plot(history)
        plt.savefig("q5_loss.png")
        plt.close()
    """,
    # Q2 for one epoch only: the analytic and autograd gradients agree, the step is taken once.
    "q2_one_epoch.py": """
        import torch
        x = torch.tensor([2.0, 4.0])
        y = torch.tensor([20.0, 40.0])
        w = torch.tensor(1.0, requires_grad=True)
        b = torch.tensor(1.0, requires_grad=True)
        n = len(x)
        prediction = w.item() * x + b.item()
        print("analytic:", (2 / n * ((prediction - y) * x).sum()).item(), (2 / n * (prediction - y).sum()).item())
        loss = ((w * x + b - y) ** 2).mean()
        loss.backward()
        print("autograd:", w.grad.item(), b.grad.item())
        with torch.no_grad():
            w -= 0.001 * w.grad
            b -= 0.001 * b.grad
        print("after one step:", w.item(), b.item())
    """,
})

LINREG.update({
    # Q5 right, but the graph the exercise asks for is never drawn.
    "q5_no_graph.py": """
        import torch
        from torch import nn
        x = torch.tensor([12.4, 14.3, 14.5, 14.9, 16.1, 16.9, 16.5, 15.4, 17.0, 17.9, 18.8, 20.3, 22.4, 19.4, 15.5,
                          16.7, 17.3, 18.4, 19.2, 17.4, 19.5, 19.7, 21.2]).unsqueeze(1)
        y = torch.tensor([11.2, 12.5, 12.7, 13.1, 14.1, 14.8, 14.4, 13.4, 14.9, 15.6, 16.4, 17.7, 19.6, 16.9, 14.0,
                          14.6, 15.1, 16.1, 16.8, 15.2, 17.0, 17.2, 18.6]).unsqueeze(1)
        torch.manual_seed(1)
        line = nn.Linear(1, 1)
        step = torch.optim.SGD(line.parameters(), lr=0.001)
        for epoch in range(400):
            step.zero_grad()
            cost = nn.MSELoss()(line(x), y)
            cost.backward()
            step.step()
        print("cost", cost.item())
    """,
})

def handout_class_loop(*, epochs: int, error: str) -> str:
    """The handout's RegressionModel and criterion, trained by the student's own loop on whatever x and y hold."""
    return dedent(f"""
        learning_rate = 0.001
        class RegressionModel:
            def __init__(self):
                self.w = torch.ones([1], requires_grad=True)
                self.b = torch.ones([1], requires_grad=True)
            def forward(self, x):
                return self.w * x + self.b
            def update(self):
                with torch.no_grad():
                    self.w -= learning_rate * self.w.grad
                    self.b -= learning_rate * self.b.grad
            def reset_grad(self):
                self.w.grad.zero_()
                self.b.grad.zero_()
        def criterion(yj, y_p):
            return ({error}) ** 2
        model = RegressionModel()
        for epoch in range({epochs}):
            loss = 0.0
            for j in range(len(x)):
                loss += criterion(y[j], model.forward(x[j]))
            loss = loss / len(x)
            loss.backward()
            model.update()
            model.reset_grad()
        print("w, b:", model.w.item(), model.b.item())
    """)


LINREG.update({
    # Q2 and the additional question in one script, one loop each: Q2's analytic line divides by n twice; the
    # additional question's is right, and its numbers are Q2's too, but they belong to its own loop.
    "q2_and_aq1_loops.py": """
        import torch
        x = torch.tensor([2.0, 4.0])
        y = torch.tensor([20.0, 40.0])
        n = len(x)
        w = torch.tensor([1.0], requires_grad=True)
        b = torch.tensor([1.0], requires_grad=True)
        for epoch in range(2):
            yp = w * x + b
            loss = torch.mean((yp - y) ** 2)
            loss.backward()
            with torch.no_grad():
                print("Q2 analytic", (2 / n * torch.mean((yp - y) * x)).item(), (2 / n * torch.mean(yp - y)).item())
                print("Q2 autograd", w.grad.item(), b.grad.item())
                w -= 0.001 * w.grad
                b -= 0.001 * b.grad
                print("Q2 updated", w.item(), b.item())
            w.grad.zero_()
            b.grad.zero_()
        w = torch.tensor([1.0], requires_grad=True)
        b = torch.tensor([1.0], requires_grad=True)
        for epoch in range(2):
            yp = w * x + b
            loss = torch.mean((y - yp) ** 2)
            loss.backward()
            with torch.no_grad():
                print("AQ1 analytic", (-2 / n * torch.sum((y - yp) * x)).item(), (-2 / n * torch.sum(y - yp)).item())
                print("AQ1 autograd", w.grad.item(), b.grad.item())
                w -= 0.001 * w.grad
                b -= 0.001 * b.grad
                print("AQ1 updated", w.item(), b.item())
            w.grad.zero_()
            b.grad.zero_()
    """,
    # One function for Q2 and the additional question, called once with each error; its analytic formula is
    # right for (yp - y) only: the additional question's call shows +174 where autograd gives -174.
    "one_function_two_errors.py": """
        import torch
        def run(kind):
            x = torch.tensor([2.0, 4.0])
            y = torch.tensor([20.0, 40.0])
            w = torch.tensor([1.0], requires_grad=True)
            b = torch.tensor([1.0], requires_grad=True)
            for epoch in range(2):
                yp = w * x + b
                err = yp - y if kind == "yp-y" else y - yp
                loss = torch.sum(err ** 2) / len(x)
                loss.backward()
                with torch.no_grad():
                    dw = 2 / len(x) * torch.sum(err * x)
                    db = 2 / len(x) * torch.sum(err)
                print("w.grad", w.grad.item(), "analytical", dw.item())
                print("b.grad", b.grad.item(), "analytical", db.item())
                with torch.no_grad():
                    w -= 0.001 * w.grad
                    b -= 0.001 * b.grad
                w.grad.zero_()
                b.grad.zero_()
                print("w, b:", w.item(), b.item())
        run("yp-y")
        run("y-yp")
    """,
    # The handout's class, trained by the student's own loop for 50 epochs, not 100.
    "q3_fifty_epochs.py": dedent("""
        import torch
        x = torch.tensor([5.0, 7.0, 12.0, 16.0, 20.0])
        y = torch.tensor([40.0, 120.0, 180.0, 210.0, 240.0])
    """) + handout_class_loop(epochs=50, error="yj - y_p"),
})

LINREG.update({
    "leftover_data.ipynb": "",
    # Q6 solved exactly, by the normal equation: nothing is trained, and nothing needs to be.
    "q6_normal_equation.py": """
        import numpy as np
        X = np.array([[3.0, 8.0], [4.0, 5.0], [5.0, 7.0], [6.0, 3.0], [2.0, 1.0]])
        Y = np.array([-3.7, 3.5, 2.5, 11.5, 5.7])
        A = np.column_stack([X, np.ones(len(X))])
        theta = np.linalg.inv(A.T @ A) @ A.T @ Y
        print("coefficients", theta)
        print("prediction at (3, 2):", np.array([3.0, 2.0, 1.0]) @ theta)
    """,
    # … and the same answer typed in.
    "q6_typed_in.py": """
        print("Y = 2.2816 X1 - 1.6721 X2 + 2.7996")
        print("prediction at (3, 2):", 6.3003)
    """,
})

LINREG_NOTEBOOK = [
    """
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset
    torch.manual_seed(0)
    class Line(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.ones(1))
            self.b = nn.Parameter(torch.ones(1))
        def forward(self, x):
            return self.w * x + self.b
    x = torch.tensor([5.0, 7.0, 12.0, 16.0, 20.0])
    y = torch.tensor([40.0, 120.0, 180.0, 210.0, 240.0])
    loader = DataLoader(TensorDataset(x, y), batch_size=5)
    model, loss_fn = Line(), nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.001)
    for epoch in range(300):
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
    print("final loss", loss.item())
    """,
    """
    X = torch.tensor([[3.0, 8.0], [4.0, 5.0], [5.0, 7.0], [6.0, 3.0], [2.0, 1.0]])
    Y = torch.tensor([-3.7, 3.5, 2.5, 11.5, 5.7]).reshape(-1, 1)
    plane = nn.Linear(2, 1)
    optimizer = torch.optim.SGD(plane.parameters(), lr=0.02)
    for epoch in range(6000):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(plane(X), Y)
        loss.backward()
        optimizer.step()
    print("prediction at (3, 2):", plane(torch.tensor([[3.0, 2.0]])).item())
    """,
    """
    x = torch.tensor([1.0, 5.0, 10.0, 10.0, 25.0, 50.0, 70.0, 75.0, 100.0]) / 100
    y = torch.tensor([0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0])
    w = torch.zeros(1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    loss_fn = nn.BCEWithLogitsLoss()
    for epoch in range(3000):
        loss = loss_fn(w * x + b, y)
        loss.backward()
        with torch.no_grad():
            w -= 1.0 * w.grad
            b -= 1.0 * b.grad
            w.grad.zero_()
            b.grad.zero_()
    print("final BCE", loss.item())
    """,
]

LINREG.update({
    "p1_half_mse.py": descent_contract(loss="((w * x + b - y) ** 2).mean() / 2"),
    "p1_sum_of_squares.py": descent_contract(loss="((w * x + b - y) ** 2).sum()"),
    "p1_99_epochs.py": descent_contract(steps="epochs - 1"),
    "p1_b_with_w_grad.py": descent_contract(update_b="w.grad"),
    "p1_ignores_its_arguments.py": descent_contract(data="X_GIVEN, Y_GIVEN"),
    "p1_correct.py": descent_contract(),
    # The two epochs as a pandas table made by a function, printed as text by the caller.
    "pandas_table/q2.py": '''
        import pandas as pd
        import torch
        x = torch.tensor([2.0, 4.0])
        y = torch.tensor([20.0, 40.0])
        def two_epochs():
            w = torch.tensor(1.0, requires_grad=True)
            b = torch.tensor(1.0, requires_grad=True)
            rows = []
            for epoch in (1, 2):
                loss = ((w * x + b - y) ** 2).mean()
                loss.backward()
                with torch.no_grad():
                    w -= 0.001 * w.grad
                    b -= 0.001 * b.grad
                rows.append({"epoch": epoch, "w.grad": w.grad.item(), "b.grad": b.grad.item(),
                             "w": w.item(), "b": b.item()})
                w.grad.zero_()
                b.grad.zero_()
            return pd.DataFrame(rows)
        print(two_epochs().to_string(index=False))
    ''',
    # Mini-batches of 4 whose (4, 1) outputs meet (4,) targets: each batch's loss is a 4 × 4 table.
    "batch_broadcast/q4.py": '''
        import torch
        from torch import nn
        from torch.utils.data import DataLoader, Dataset
        class Pairs(Dataset):
            def __init__(self, inputs, targets):
                self.inputs, self.targets = inputs, targets
            def __len__(self):
                return len(self.inputs)
            def __getitem__(self, i):
                return self.inputs[i], self.targets[i]
        class Line(nn.Module):
            def __init__(self):
                super().__init__()
                self.layer = nn.Linear(1, 1)
            def forward(self, v):
                return self.layer(v.reshape(-1, 1))
        torch.manual_seed(0)
        x = torch.tensor([5.0, 7.0, 12.0, 16.0, 20.0])
        y = torch.tensor([40.0, 120.0, 180.0, 210.0, 240.0])
        net = Line()
        opt = torch.optim.SGD(net.parameters(), lr=0.001)
        for epoch in range(200):
            for xb, yb in DataLoader(Pairs(x, y), batch_size=4):
                opt.zero_grad()
                loss = nn.MSELoss()(net(xb), yb)
                loss.backward()
                opt.step()
        print("w, b:", net.layer.weight.item(), net.layer.bias.item())
    ''',
})


# A notebook whose headings say where each exercise is; the Exercise 5 cell reuses the x and y the Exercise 4
# cell left (Problem 1's data), so by its data it would answer Q4 too: its heading keeps Q4 with the cell that
# builds the Dataset and the DataLoader.
SECTIONED_NOTEBOOK = [
    "# Lab 3\nMy answers, one section per exercise.",
    """
    import torch
    from torch import nn
    from torch.utils.data import Dataset, DataLoader
    torch.manual_seed(3)
    """,
    "## Exercise 4\nA module, a dataset and a loader.",
    """
    class Pairs(Dataset):
        def __init__(self, inputs, targets):
            self.inputs, self.targets = inputs, targets
        def __len__(self):
            return len(self.inputs)
        def __getitem__(self, i):
            return self.inputs[i], self.targets[i]

    class Line(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = nn.Linear(1, 1)
        def forward(self, v):
            return self.layer(v)

    x = torch.tensor([5.0, 7.0, 12.0, 16.0, 20.0])
    y = torch.tensor([40.0, 120.0, 180.0, 210.0, 240.0])
    batches = DataLoader(Pairs(x, y), batch_size=2, shuffle=True)
    net = Line()
    opt = torch.optim.SGD(net.parameters(), lr=0.001)
    for epoch in range(100):
        for xb, yb in batches:
            opt.zero_grad()
            loss = nn.functional.mse_loss(net(xb.reshape(-1, 1)), yb.reshape(-1, 1))
            loss.backward()
            opt.step()
    print("w, b:", net.layer.weight.item(), net.layer.bias.item())
    """,
    "## Exercise 5",
    """
    lin = nn.Linear(1, 1)
    opt = torch.optim.SGD(lin.parameters(), lr=0.001)
    for epoch in range(100):
        opt.zero_grad()
        loss = nn.functional.mse_loss(lin(x.reshape(-1, 1)), y.reshape(-1, 1))
        loss.backward()
        opt.step()
    print("loss", loss.item())
    """,
]


# The handout's class under a Q3 heading, trained by the student's own loop on the x and y the Q2 cell left.
LEFTOVER_DATA_NOTEBOOK = [
    "## Q2",
    """
    import torch
    x = torch.tensor([2.0, 4.0])
    y = torch.tensor([20.0, 40.0])
    w = torch.tensor([1.0], requires_grad=True)
    b = torch.tensor([1.0], requires_grad=True)
    for epoch in range(2):
        loss = ((w * x + b - y) ** 2).mean()
        loss.backward()
        print("autograd", w.grad.item(), b.grad.item())
        with torch.no_grad():
            w -= 0.001 * w.grad
            b -= 0.001 * b.grad
        w.grad.zero_()
        b.grad.zero_()
    """,
    "## Q3",
    handout_class_loop(epochs=100, error="y_p - yj"),
]


TITLED_NOTEBOOK = [
    "import torch",
    "md:Q2 relu",
    """
    w = torch.tensor(3.0, requires_grad=True)
    x = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(1.0, requires_grad=True)
    a = torch.relu(w * x + b)
    a.backward()
    print("autograd:", x.grad.item())
    print("by hand:", w.item())
    """,
    "md:Q6 tanh and log",
    """
    x = torch.tensor(1.0, requires_grad=True)
    y = torch.tensor(0.5, requires_grad=True)
    z = torch.tensor(2.0, requires_grad=True)
    a = 2 * x
    print("a =", 2 * x.item())
    f = torch.tanh(torch.log(1 + z * a / torch.sin(y)))
    f.backward()
    print("df/dy autograd:", y.grad.item())
    """,
]


def document_notes(document: dict) -> list[str]:
    return list(document.get("extra_data", {}).get("labgrade", {}).get("notes", []))


def notebook(cells: list[str]) -> str:
    """A notebook of these cells: code, or markdown where the text starts with a `#` heading or `md:`."""
    import nbformat

    book = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell(c.removeprefix("md:")) if c.startswith(("#", "md:"))
        else nbformat.v4.new_code_cell(dedent(c)) for c in cells])
    return nbformat.writes(book)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    classes = tmp_path_factory.mktemp("classes")
    for lab, students in (("autograd", AUTOGRAD), ("linreg", LINREG)):
        for name, source in students.items():
            path = classes / lab / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if name == "logits_and_tensordataset.ipynb":
                path.write_text(notebook(LINREG_NOTEBOOK))
            elif name == "leftover_data.ipynb":
                path.write_text(notebook(LEFTOVER_DATA_NOTEBOOK))
            elif name == "helpers_first.ipynb":
                path.write_text(notebook(HELPERS_NOTEBOOK))
            elif name == "sections.ipynb":
                path.write_text(notebook(SECTIONED_NOTEBOOK))
            elif name == "compares_instead_of_printing.ipynb":
                path.write_text(notebook(COMPARING_NOTEBOOK))
            elif name == "titles_and_a_coincidence.ipynb":
                path.write_text(notebook(TITLED_NOTEBOOK))
            elif name.endswith(".ipynb"):
                path.write_text(notebook(["import torch\nx = torch.tensor(1.5, requires_grad=True)",
                                          "y = 8*x**4 + 3*x**3 + 7*x**2 + 6*x + 3\ny.backward()\nx.grad",
                                          "dydx = 32*x**3 + 9*x**2 + 14*x + 6\ndydx"]))
            else:
                path.write_text(dedent(source))
    out = tmp_path_factory.mktemp("out")
    done = subprocess.run([sys.executable, "-m", "grader", str(classes), "--out", str(out), "--seed", "5"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return out


class TestContractTraps:
    """The contract path is judged no less strictly for the free-form judge beside it."""

    def test_a_by_hand_function_that_calls_autograd_loses_the_manual_points(self, graded):
        document = read_result(graded, "autograd", "by_hand_uses_autograd")
        manual = check_named(document, "Q1.manual")
        assert manual["status"] == "failed" and "uses autograd (line 6" in manual["output"]
        assert check_named(document, "Q1.autograd")["status"] == "passed"

    def test_a_hard_threshold_is_not_a_probability(self, graded):
        document = read_result(graded, "linreg", "hard_threshold")
        assert check_named(document, "Q7.probabilities")["status"] == "failed"
        assert "hard threshold" in check_named(document, "Q7.learns")["output"]
        assert scores_by_exercise(document)["Q7"] <= 1.0


    def test_a_sigmoid_trained_with_the_mean_squared_error_is_not_logistic_regression(self, graded):
        document = read_result(graded, "linreg", "sigmoid_with_mse")
        assert check_named(document, "Q7.learns")["status"] == "passed"
        model = check_named(document, "Q7.model")
        assert model["status"] == "failed" and "handout's inputs" in model["output"]
        assert 0 < scores_by_exercise(document)["Q7"] < 8

    @pytest.mark.parametrize("student, deviation", [
        ("p1_half_mse", "half the mean squared error"), ("p1_sum_of_squares", "sum of squared errors"),
        ("p1_99_epochs", "99"), ("p1_b_with_w_grad", "b with w.grad")])
    def test_a_self_consistent_deviation_in_p1_is_partial(self, graded, student, deviation):
        document = read_result(graded, "linreg", student)
        assert 0 < scores_by_exercise(document)["P1"] < 8
        assert check_named(document, "P1.settings")["status"] == "failed"
        assert deviation in " ".join(t["output"] for t in document["tests"] if t["name"].startswith("P1."))

    def test_a_function_right_on_the_handouts_data_only_keeps_the_contracts_verdict(self, graded):
        document = read_result(graded, "linreg", "p1_ignores_its_arguments")
        assert check_named(document, "P1.params")["status"] == "failed"
        assert check_named(document, "P1.losses")["status"] == "failed"

    def test_a_correct_contract_keeps_full_marks(self, graded):
        assert scores_by_exercise(read_result(graded, "linreg", "p1_correct"))["P1"] == 8


class TestFreeForm:
    """A script's inputs are its own, typed in, or moved by the grader; what it shows must follow them."""

    def test_input_is_answered_with_the_exercises_example_and_said_so(self, graded):
        document = read_result(graded, "autograd", "asks_for_x")
        assert scores_by_exercise(document)["Q5"] == 5.0
        assert "asks for its inputs with input(); the grader typed the exercise's example values (x = 2.0)" \
            in document["output"]

    def test_a_constant_disguised_as_a_formula_is_caught_by_moving_the_inputs(self, graded):
        output = check_named(read_result(graded, "autograd", "disguised_constant"), "Q5.manual")["output"]
        assert "checked at other inputs" in output and "stayed the same" in output

    def test_a_cells_last_value_counts_as_shown(self, graded):
        document = read_result(graded, "autograd", "notebook_shows_last_value")
        assert scores_by_exercise(document)["Q5"] == 5.0
        assert "cell 3" not in check_named(document, "Q5.manual")["output"]  # no failure to explain


class TestStudentHabits:
    """Ways students really write this lab, each judged as a TA reading and running it would."""

    def test_one_helper_for_every_exercise_is_judged_per_call(self, graded):
        scores = scores_by_exercise(read_result(graded, "autograd", "one_helper_for_all"))
        assert scores["Q1"] == 5.0 and scores["Q6"] == 10.0
        assert scores["Q5"] == scores["P4"] == 2.0  # autograd shown; no manual value, or one typed in
        assert scores["Q2"] == 0.0

    def test_the_inputs_values_typed_into_a_formula_are_read_as_the_inputs(self, graded):
        document = read_result(graded, "autograd", "typed_formula")
        assert check_named(document, "Q5.manual")["status"] == "passed"
        assert "typed into it" in check_named(document, "Q5.manual")["output"]
        assert check_named(document, "Q3.manual")["status"] == "passed"  # v = 0.8*2.0 - 0.6, then σ's formula

    def test_typed_digits_and_a_number_two_inputs_share_are_not_read_as_a_formula(self, graded):
        document = read_result(graded, "autograd", "typed_formula")
        assert check_named(document, "Q1.manual")["status"] == "failed"  # 60 + 4
        assert check_named(document, "Q2.manual")["status"] == "failed"  # 1*1.0 with w = x = 1
        assert scores_by_exercise(document)["Q2"] == 2.0  # the autograd half stands

    def test_a_pandas_table_printed_as_text_shows_its_numbers(self, graded):
        document = read_result(graded, "linreg", "pandas_table")
        assert check_named(document, "Q2.autograd")["status"] == "passed"
        assert check_named(document, "Q2.updated")["status"] == "passed"
        assert check_named(document, "Q2.manual")["status"] == "failed"  # autograd only: partial, as a TA grades it

    def test_a_mini_batchs_broadcast_loss_is_the_wrong_objective(self, graded):
        document = read_result(graded, "linreg", "batch_broadcast")
        assert "4 × 4 table" in check_named(document, "Q4.fit")["output"]
        assert scores_by_exercise(document)["Q4"] == 0.0

    def test_a_helpers_print_a_logger_and_stdout_write_count_as_shown(self, graded):
        scores = scores_by_exercise(read_result(graded, "autograd", "shows_another_way"))
        assert (scores["Q1"], scores["Q5"]) == (5.0, 5.0)

    def test_rows_printed_under_a_closing_banner_keep_each_columns_meaning(self, graded):
        scores = scores_by_exercise(read_result(graded, "autograd", "results_at_the_end"))
        assert (scores["P4"], scores["Q3"], scores["Q4"]) == (5.0, 5.0, 5.0)

    def test_sympy_evaluated_with_a_dict_of_the_inputs_follows_them(self, graded):
        document = read_result(graded, "autograd", "sympy_point")
        assert scores_by_exercise(document)["Q1"] == 5.0
        assert not any("did not follow its inputs" in note for note in document_notes(document))

    def test_a_value_shown_under_another_exercises_title_is_not_this_ones(self, graded):
        document = read_result(graded, "autograd", "titles_and_a_coincidence")
        assert check_named(document, "Q2.manual")["status"] == "failed"  # Q6's `a = 2 * x` is 2, as da/dw here
        assert scores_by_exercise(document)["Q2"] == 0.0

    def test_a_derivative_by_hand_alone_earns_the_by_hand_half(self, graded):
        document = read_result(graded, "autograd", "by_hand_only")
        assert check_named(document, "Q4.manual")["status"] == "passed"
        assert check_named(document, "Q4.autograd")["status"] == "failed"
        assert scores_by_exercise(document)["Q4"] == 3.0  # of 5: partial, as a TA grades it

    def test_a_by_hand_value_beside_autograd_of_another_function_earns_nothing_alone(self, graded):
        assert scores_by_exercise(read_result(graded, "autograd", "by_hand_only"))["Q3"] == 0.0

    def test_rounded_and_symbolic_values_count_as_shown(self, graded):
        document = read_result(graded, "autograd", "rounds_and_uses_sympy")
        assert scores_by_exercise(document)["Q4"] == 5.0

    def test_comparisons_tuples_tables_and_several_points_count_as_shown(self, graded):
        scores = scores_by_exercise(read_result(graded, "autograd", "compares_instead_of_printing"))
        assert (scores["Q1"], scores["Q2"], scores["Q4"], scores["Q5"]) == (5.0, 5.0, 5.0, 5.0)

    def test_a_coincidence_of_values_does_not_take_another_exercises_run(self, graded):
        """Q4 at x = 0 gives 1, as Q2's relu(w·x + b) would with the w and b an earlier cell left: the gradients
        tell them apart, so Q2 keeps its own run and the autograd-only Q4 its half."""
        scores = scores_by_exercise(read_result(graded, "autograd", "compares_instead_of_printing"))
        assert scores["Q2"] == 5.0 and scores["Q4"] == 5.0

    def test_a_function_returning_formula_and_gradient_keeps_each_ones_meaning(self, graded):
        scores = scores_by_exercise(read_result(graded, "autograd", "returns_both"))
        assert (scores["Q4"], scores["Q2"]) == (5.0, 5.0)  # Q2's x is a plain number, x_val

    def test_files_named_another_way_are_found_and_judged_by_content(self, graded):
        document = read_result(graded, "autograd", "shifted")
        assert scores_by_exercise(document)["Q1"] == 5.0
        assert "lab2_q1.py is named for Q1" not in document["output"]

    def test_a_flag_that_flips_the_error_gives_both_exercises(self, graded):
        scores = scores_by_exercise(read_result(graded, "linreg", "sign_by_flag"))
        assert (scores["Q2"], scores["AQ1"]) == (8.0, 7.0)  # full marks on both

    def test_one_update_per_sample_is_partial_with_the_shown_values_checked(self, graded):
        document = read_result(graded, "linreg", "per_sample")
        assert scores_by_exercise(document)["Q2"] == 7.0  # of 8: all but the fixed setting
        assert check_named(document, "Q2.settings")["status"] == "failed"
        assert check_named(document, "Q2.autograd")["status"] == "passed"

    def test_a_class_whose_methods_the_loop_never_calls_loses_them(self, graded):
        document = read_result(graded, "linreg", "class_not_used")
        assert check_named(document, "Q3.update")["status"] == "failed"
        assert "never called" in check_named(document, "Q3.reset")["output"]
        assert check_named(document, "Q3.forward")["status"] == "passed"

    def test_logits_a_tensor_dataset_and_a_notebooks_left_over_data(self, graded):
        document = read_result(graded, "linreg", "logits_and_tensordataset")
        assert check_named(document, "Q4.dataset")["status"] == "passed"
        assert check_named(document, "Q7.learns")["status"] == "passed"
        assert check_named(document, "Q6.predict")["status"] == "passed"

    def test_a_sign_set_by_a_multiplier_still_gives_both_exercises(self, graded):
        scores = scores_by_exercise(read_result(graded, "linreg", "sign_by_multiplier"))
        assert scores["Q2"] > 0 and scores["AQ1"] > 0

    def test_a_validation_split_and_a_sigmoid_outside_the_module(self, graded):
        document = read_result(graded, "linreg", "split_and_outside_sigmoid")
        assert check_named(document, "Q5.fit")["status"] == "passed"
        assert check_named(document, "Q7.learns")["status"] == "passed"
        assert check_named(document, "Q7.probabilities")["status"] == "passed"

    def test_a_notebooks_headings_say_which_cell_answers_which_exercise(self, graded):
        document = read_result(graded, "linreg", "sections")
        for part in ("module", "dataset", "loader", "fit"):
            assert check_named(document, f"Q4.{part}")["status"] == "passed", part
        assert scores_by_exercise(document)["Q5"] < 6  # its cell trains on Problem 1's data, not the 23 points

    def test_one_epoch_of_two_is_partial(self, graded):
        document = read_result(graded, "linreg", "q2_one_epoch")
        assert check_named(document, "Q2.autograd")["status"] == "passed"
        assert check_named(document, "Q2.manual")["status"] == "passed"
        assert check_named(document, "Q2.settings")["status"] == "passed"  # the rate read off the one step
        updated = check_named(document, "Q2.updated")
        assert updated["status"] == "failed" and "stops after 1 epoch" in updated["output"]

    def test_a_missing_graph_costs_its_own_point_only(self, graded):
        document = read_result(graded, "linreg", "q5_no_graph")
        assert check_named(document, "Q5.plot")["status"] == "failed"
        assert check_named(document, "Q5.fit")["status"] == "passed"
        assert scores_by_exercise(document)["Q5"] == 6.0  # of 7

    def test_a_graph_saved_and_closed_was_drawn(self, graded):
        document = read_result(graded, "linreg", "q5_saved_graph")
        assert check_named(document, "Q5.plot")["status"] == "passed"

    def test_helpers_from_an_earlier_cell_follow_moved_inputs(self, graded):
        scores = scores_by_exercise(read_result(graded, "autograd", "helpers_first"))
        assert (scores["Q2"], scores["Q5"]) == (5.0, 5.0)

    def test_a_by_hand_value_in_another_function_is_not_this_exercises(self, graded):
        document = read_result(graded, "autograd", "one_function_each")
        scores = scores_by_exercise(document)
        assert scores["Q1"] == 2.0  # autograd only: q4's wrong value does not make Q1 wrong
        assert check_named(document, "Q4.manual")["status"] == "failed"

    def test_a_value_shown_in_another_loop_belongs_to_that_loop(self, graded):
        document = read_result(graded, "linreg", "q2_and_aq1_loops")
        assert check_named(document, "Q2.manual")["status"] == "failed"
        assert check_named(document, "AQ1.manual")["status"] == "passed"

    def test_a_contract_class_trained_by_the_students_own_loop_keeps_its_settings(self, graded):
        document = read_result(graded, "linreg", "q3_fifty_epochs")
        settings = check_named(document, "Q3.settings")
        assert settings["status"] == "failed" and "50 epochs" in settings["output"]
        assert check_named(document, "Q3.train")["status"] == "passed"

    def test_q3_without_its_graph_loses_the_plot_point(self, graded):
        document = read_result(graded, "linreg", "q3_fifty_epochs")  # it never plots its losses
        assert check_named(document, "Q3.plot")["status"] == "failed"

    def test_one_function_called_once_per_error_shows_each_calls_values_for_its_own_exercise(self, graded):
        document = read_result(graded, "linreg", "one_function_two_errors")
        assert check_named(document, "Q2.manual")["status"] == "passed"
        assert check_named(document, "AQ1.manual")["status"] == "failed"  # +174 from its own call, not Q2's -174

    def test_least_squares_solved_exactly_answers_q6(self, graded):
        document = read_result(graded, "linreg", "q6_normal_equation")
        assert scores_by_exercise(document)["Q6"] == 5.0
        assert "exactly" in check_named(document, "Q6.fit")["output"]

    def test_a_typed_in_prediction_does_not(self, graded):
        assert scores_by_exercise(read_result(graded, "linreg", "q6_typed_in"))["Q6"] == 0.0

    def test_a_contract_class_trained_on_another_exercises_data_is_not_full_marks(self, graded):
        document = read_result(graded, "linreg", "leftover_data")
        settings = check_named(document, "Q3.settings")
        assert settings["status"] == "failed" and "data of Q2" in settings["output"]
        assert check_named(document, "Q3.train")["status"] == "passed"  # the class itself works
        assert scores_by_exercise(document)["Q2"] > 0

    def test_right_gradients_with_a_wrong_update_are_partial(self, graded):
        document = read_result(graded, "linreg", "b_with_w_grad")
        assert check_named(document, "Q2.autograd")["status"] == "passed"
        updated = check_named(document, "Q2.updated")
        assert updated["status"] == "failed" and "b with w.grad" in updated["output"]
        assert 0 < scores_by_exercise(document)["Q2"] < 8
