"""Typed-in arithmetic read as a formula of the inputs (grader.judge.formula), on formulas the source analysis
writes for real student lines."""
from __future__ import annotations

import math

from grader.judge.formula import reads_as
from grader.observe.source import analyse


def poly_derivative(point):
    x = point["x"]
    return 32 * x ** 3 + 9 * x ** 2 + 14 * x + 6


def sigmoid_derivative(point):
    s = 1 / (1 + math.exp(-(point["w"] * point["x"] + point["b"])))
    return s * (1 - s) * point["x"]


POINTS_X = [{"x": 2.2}, {"x": 2.5}, {"x": 1.7}]
POINTS_WXB = [{"w": 1.0, "x": 2.2, "b": -0.84}, {"w": 0.72, "x": 1.5, "b": -0.63}, {"w": 1.16, "x": 2.6, "b": -0.96}]


def formula_shown(source: str) -> str:
    """The formula the source analysis writes for the last printed value."""
    facts = analyse([source], cells=False)
    return facts.units[0].reports[-1].provenance.formula


def test_the_polynomial_typed_at_two_reads_as_its_derivative():
    formula = formula_shown("print('analytic', 32*2**3 + 9*2**2 + 14*2 + 6)")
    assert reads_as(formula, {"x": 2.0}, poly_derivative, POINTS_X)


def test_a_formula_through_variables_and_math_functions_is_written_out():
    source = "import math\nv = 0.8*2.0 - 0.6\ns = 1/(1 + math.exp(-v))\nm = s*(1 - s)*2.0\nprint(m)"
    formula = formula_shown(source)
    assert "exp" in formula and "0.8" in formula
    assert reads_as(formula, {"w": 0.800000011920929, "x": 2.0, "b": -0.6000000238418579}, sigmoid_derivative,
                    POINTS_WXB)  # float32 inputs are the numbers typed


def test_typed_answers_have_no_reading():
    for line in ("m = 326\nprint(m)", "print(300 + 26)", "print(163 * 2)", "print(32*8 + 9*4 + 14*2 + 6)"):
        formula = formula_shown(line)
        assert not reads_as(formula, {"x": 2.0}, poly_derivative, POINTS_X), line


def test_a_number_two_inputs_share_stands_for_neither():
    def relu_derivative(point):
        return point["x"]

    formula = formula_shown("print(1*1.0)")
    assert not reads_as(formula, {"w": 1.0, "x": 1.0}, relu_derivative, [{"w": 1.1, "x": 1.25}, {"w": 0.9, "x": 1.4}])
    assert reads_as(formula, {"w": 3.0, "x": 1.0}, relu_derivative, [{"w": 3.3, "x": 1.25}, {"w": 2.7, "x": 1.4}])


def test_values_made_with_names_or_autograd_carry_no_formula():
    assert formula_shown("import torch\nx = torch.ones(1)\nprint(x.grad)") == ""
    assert formula_shown("def f(v):\n    return v*2\nprint(f(3.0))") == ""


def test_a_point_where_the_derivative_is_not_comparable_is_left_out():
    """Points on the other side of a kink come back as None; fewer than two comparable points decide nothing."""
    formula = formula_shown("print(32*2**3 + 9*2**2 + 14*2 + 6)")
    assert not reads_as(formula, {"x": 2.0}, lambda point: None, POINTS_X)
