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
}

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
    "p1_half_mse.py": descent_contract(loss="((w * x + b - y) ** 2).mean() / 2"),
    "p1_sum_of_squares.py": descent_contract(loss="((w * x + b - y) ** 2).sum()"),
    "p1_99_epochs.py": descent_contract(steps="epochs - 1"),
    "p1_b_with_w_grad.py": descent_contract(update_b="w.grad"),
    "p1_ignores_its_arguments.py": descent_contract(data="X_GIVEN, Y_GIVEN"),
    "p1_correct.py": descent_contract(),
})


def notebook(cells: list[str]) -> str:
    import nbformat

    book = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(dedent(c)) for c in cells])
    return nbformat.writes(book)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    classes = tmp_path_factory.mktemp("classes")
    for lab, students in (("autograd", AUTOGRAD), ("linreg", LINREG)):
        for name, source in students.items():
            path = classes / lab / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if name.endswith(".ipynb"):
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
