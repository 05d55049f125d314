"""Arithmetic typed with the inputs' numbers in it, read back as a formula of the inputs.

Students often evaluate their derivative by typing the input's value into it:
``32*2**3 + 9*2**2 + 14*2 + 6`` at x = 2, or ``v = 0.8*2.0 - 0.6`` before a
sigmoid's formula. The value cannot follow the inputs when they move, so the
run on moved inputs (grader.freeform) cannot tell it from a typed-in answer.
It is read instead: each typed number equal to one input's value (or to its
negation) may stand for that input, and a reading counts when, evaluated at
several other inputs, it gives the derivative there too. `326` has no reading
(no number in it is an input), nor does `163*2` (2·163 is not the formula), so
a typed-in answer still earns nothing. A number equal to two inputs' values
(w = x = 1) stands for neither: the right number for the wrong reason is not
read as the right formula.

The formula is text the grader itself wrote from the student's syntax tree
(grader.observe.source, Provenance.formula); it is evaluated here by a small
interpreter of numbers, + - * / ** and a few math functions, never by Python.
"""
from __future__ import annotations

import ast
import itertools
import math
from collections.abc import Callable

MAX_READINGS = 512  # ways of assigning typed numbers to inputs tried, at most
MIN_POINTS = 2  # other inputs the reading must agree with the derivative at

_FUNCTIONS: dict[str, Callable[[float], float]] = {
    "exp": math.exp, "log": math.log, "sin": math.sin, "cos": math.cos, "tan": math.tan, "tanh": math.tanh,
    "sqrt": math.sqrt, "sigmoid": lambda v: 1.0 / (1.0 + math.exp(-v)),
}
_CONSTANTS = {"pi": math.pi, "e": math.e}
_BINARY: dict[type, Callable[[float, float], float]] = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b, ast.Pow: lambda a, b: a ** b,
}


class _Unreadable(Exception):
    """The text is not arithmetic this interpreter evaluates, or its value is not a finite real number."""


def _evaluate(node: ast.AST, values: dict[str, float]) -> float:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body, values)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return float(node.value)
    if isinstance(node, ast.Name) and node.id in values:
        return values[node.id]
    if isinstance(node, ast.Name) and node.id in _CONSTANTS:
        return _CONSTANTS[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _evaluate(node.operand, values)
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _evaluate(node.left, values), _evaluate(node.right, values)
        try:
            result = _BINARY[type(node.op)](left, right)
        except (ZeroDivisionError, OverflowError, ValueError) as error:
            raise _Unreadable from error
        if isinstance(result, complex) or not math.isfinite(result) or abs(result) > 1e300:
            raise _Unreadable
        return float(result)
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS
            and len(node.args) == 1 and not node.keywords):
        try:
            result = _FUNCTIONS[node.func.id](_evaluate(node.args[0], values))
        except (ValueError, OverflowError, ZeroDivisionError) as error:
            raise _Unreadable from error
        if not math.isfinite(result):
            raise _Unreadable
        return result
    raise _Unreadable


def _same(a: float, b: float) -> bool:
    """Equal as typed: an input held in float32 (0.800000011920929) is the 0.8 the code typed."""
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


def _stand_ins(value: float, inputs: dict[str, float]) -> list[tuple[str, int]]:
    """The inputs a typed number may stand for, with the sign it carries; none when it could be two inputs."""
    found = [(name, sign) for name, given in inputs.items() for sign in (1, -1)
             if given != 0 and _same(value, sign * given)]
    if len({name for name, _ in found}) != 1:
        return []
    return found[:1]


class _Substitute(ast.NodeTransformer):
    """The formula with chosen typed numbers replaced by their inputs."""

    def __init__(self, chosen: dict[int, tuple[str, int]]):
        self.chosen = chosen

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        choice = self.chosen.get(id(node))
        if choice is None:
            return node
        name, sign = choice
        named = ast.Name(id=name, ctx=ast.Load())
        return named if sign == 1 else ast.UnaryOp(op=ast.USub(), operand=named)


def readings(formula: str, inputs: dict[str, float]) -> list[ast.Expression]:
    """The formula's readings as functions of the inputs: each way of letting some of its typed numbers
    stand for inputs (at least one), at most MAX_READINGS of them."""
    try:
        tree = ast.parse(formula, mode="eval")
    except (SyntaxError, ValueError, RecursionError):
        return []
    numbers = [node for node in ast.walk(tree) if isinstance(node, ast.Constant)
               and isinstance(node.value, (int, float)) and not isinstance(node.value, bool)]
    options = [(node, _stand_ins(float(node.value), inputs)) for node in numbers]
    options = [(node, found) for node, found in options if found]
    if not options:
        return []
    # Each reading rewrites a fresh parse; its numbers are matched to the first parse's by their walk order.
    position = {id(node): index for index, node in enumerate(numbers)}
    found: list[ast.Expression] = []
    choices = itertools.product(*[[None, *stand_ins] for _, stand_ins in options])
    for choice in itertools.islice(choices, MAX_READINGS):
        chosen = {position[id(node)]: pick for (node, _), pick in zip(options, choice) if pick is not None}
        if not chosen:
            continue
        copy = ast.parse(formula, mode="eval")
        copies = [node for node in ast.walk(copy) if isinstance(node, ast.Constant)
                  and isinstance(node.value, (int, float)) and not isinstance(node.value, bool)]
        found.append(_Substitute({id(copies[index]): pick for index, pick in chosen.items()}).visit(copy))
    return found


def reads_as(formula: str, inputs: dict[str, float], derivative: Callable[[dict[str, float]], float | None],
             points: list[dict[str, float]]) -> bool:
    """Whether some reading of the formula is the derivative: equal to it at every other point where the
    derivative is defined and comparable (`derivative` gives None elsewhere), at MIN_POINTS of them at least."""
    targets = [(point, derivative(point)) for point in points]
    targets = [(point, value) for point, value in targets if value is not None]
    if len(targets) < MIN_POINTS:
        return False
    for reading in readings(formula, inputs):
        try:
            if all(abs(_evaluate(reading, point) - value) <= 1e-6 * max(1.0, abs(value)) for point, value in targets):
                return True
        except (_Unreadable, RecursionError):
            continue
    return False
