"""Rewriting a script's input literals, to see whether what it shows follows its inputs.

A free-form script cannot be called on new inputs the way a contract
function can, so its inputs are changed instead. Every numeric literal that
gives an input its value is moved: the right-hand side of an assignment
(``x = 2.0``, ``x = torch.tensor(2.0, requires_grad=True)``, ``a, b = 1.0, 2.0``)
and the arguments of the student's own functions (``manual(2.0, 2.0)``,
attributed to the function's parameter names). Each input name moves by its
own factor, so ``w = x = 1`` become different numbers and a value worked out
for the wrong variable no longer matches; a literal whose name is not an
input but whose value is one input's value moves with that input. Literals
inside formulas (``2 * a + 3 * b``, ``x ** 2``), counts (``range(100)``) and
shapes stay as they are, so the code computes the same thing at other
inputs. A value that was typed in does not move.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from grader.observe.source import nodes as walked, parsed

_CONSTRUCTORS = {"tensor", "Tensor", "FloatTensor", "DoubleTensor", "array", "asarray", "float", "as_tensor"}
FACTORS = (1.1, 1.25, 1.4, 1.15, 1.3, 1.45)  # one per input name, in order


@dataclass(frozen=True)
class Literal:
    line: int  # 1-based
    col: int  # UTF-8 byte offsets, as ast gives them
    end_col: int
    value: float  # with the minus sign written before it: `-1` is -1.0 (the literal itself is the 1)
    name: str | None  # the input it gives a value to, where the code says
    by_value: bool = False  # attributed by its value alone (the code names no input there)


def factors_for(names: list[str]) -> dict[str, float]:
    """A distinct factor per input name."""
    return {name: FACTORS[index % len(FACTORS)] + 0.5 * (index // len(FACTORS)) for index, name in enumerate(names)}


def moved(value: float, factor: float) -> float:
    """An input value moved by its factor, away from zero; 0 becomes a small number of the factor."""
    if value == 0:
        return round(factor - 1, 6)
    return round(value * factor, 6)


def _numbers(node: ast.AST) -> list[ast.Constant]:
    """The numeric literals of an input expression: a number, -number, or (nested) lists and tuples of them."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return [node]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return _numbers(node.operand)
    if isinstance(node, (ast.List, ast.Tuple)):
        return [n for item in node.elts for n in _numbers(item)]
    return []


def _callee(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _value_literals(node: ast.AST) -> list[ast.Constant]:
    """The literals an assigned value is made of: itself, or a tensor constructor's data."""
    found = _numbers(node)
    if isinstance(node, ast.Call) and _callee(node) in _CONSTRUCTORS and node.args:
        found += _numbers(node.args[0])
    return found


def _parameters(nodes: tuple[ast.AST, ...]) -> dict[str, list[str]]:
    return {node.name: [a.arg for a in [*node.args.posonlyargs, *node.args.args]]
            for node in nodes if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


_POINT_METHODS = {"subs", "evalf"}  # sympy: an expression evaluated at a point
# Elementary functions a by-hand formula evaluates at a point it types again (`np.cos(0.8)` where y = 0.8).
_ELEMENTARY = {"sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "sigmoid", "cosh", "sinh"}


def _assigned_names(nodes: tuple[ast.AST, ...]) -> set[str]:
    """Names the code binds by assignment (`f = lambda x: …`, `df = sp.lambdify(X, d)`): callables of its own."""
    return {target.id for node in nodes if isinstance(node, ast.Assign)
            for target in node.targets if isinstance(target, ast.Name)}


def _point_values(arguments: list[ast.expr]) -> list[ast.expr]:
    """The values a point method is given: `f.subs(x, 2.0)`, `f.subs({a: -1, b: 2})`, `f.subs([(a, -1), (b, 2)])`."""
    first = arguments[0] if arguments else None
    if isinstance(first, ast.Dict):
        return list(first.values)
    if isinstance(first, (ast.List, ast.Tuple)) and first.elts and all(
            isinstance(pair, ast.Tuple) and len(pair.elts) == 2 for pair in first.elts):
        return [pair.elts[1] for pair in first.elts]
    return arguments[1:]


def _evaluates_at_a_point(node: ast.Call, bound: set[str]) -> bool:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr in _POINT_METHODS or func.attr in _ELEMENTARY
    return isinstance(func, ast.Name) and (func.id in bound or func.id in _ELEMENTARY)


def _passed_on(nodes: tuple[ast.AST, ...]) -> set[str]:
    """Names handed to a function call as a whole argument (inputs, not factors of a formula)."""
    return {argument.id for node in nodes if isinstance(node, ast.Call)
            for argument in [*node.args, *(k.value for k in node.keywords)] if isinstance(argument, ast.Name)}


def _aliases(nodes: tuple[ast.AST, ...], names: set[str]) -> dict[str, str]:
    """Names that only carry an input's value to it: `input_x = 2.0; x = torch.tensor(input_x)` (input_x -> x)."""
    aliases = {}
    for node in nodes:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and node.targets[0].id in names:
            value = node.value
            for _ in range(4):  # torch.tensor(input_x).requires_grad_(True), torch.tensor(input_x).float()
                if isinstance(value, ast.Call) and _callee(value) in _CONSTRUCTORS and value.args:
                    value = value.args[0]
                elif isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
                        and value.func.attr in ("requires_grad_", "float", "double", "to", "clone"):
                    value = value.func.value
                else:
                    break
            if isinstance(value, ast.Name) and value.id not in names:
                aliases[value.id] = node.targets[0].id
    return aliases


def function_parameters(sources: list[str]) -> dict[str, list[str]]:
    """The parameters of every function the code defines, over all its units (a notebook's cells)."""
    found: dict[str, list[str]] = {}
    for source in sources:
        tree = parsed(source)
        if tree is not None:
            found.update(_parameters(walked(tree)))
    return found


def input_literals(source: str, names: set[str], values: dict[float, str],
                   defined: dict[str, list[str]] | None = None) -> list[Literal]:
    """The literals in input positions that feed one of `names`.

    An assignment feeds the name it assigns (or, through an alias, the input that name is copied into); an
    argument of the student's own function feeds its parameter, or, when the parameter is not named like an
    input, the input whose value it carries (`values`: value -> name). `defined` gives the parameters of
    functions defined elsewhere (an earlier cell); the unit's own definitions take precedence.
    """
    tree = parsed(source)  # shared with the source analysis: read, never changed
    if tree is None:
        return []
    nodes = walked(tree)  # one walk for every question asked of the tree below, shared with the analysis
    parameters = {**(defined or {}), **_parameters(nodes)}
    bound = _assigned_names(nodes)
    aliases = _aliases(nodes, names)
    passed_on = _passed_on(nodes)
    attributed: list[tuple[ast.Constant, str | None, bool]] = []  # (literal, name, may fall back on its value)
    for node in nodes:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    name = aliases.get(target.id, target.id)
                    # `inp_x = 2.0` later handed to functions is an input; `dcdb = 1` in a formula is not.
                    attributed += [(c, name, target.id in passed_on) for c in _value_literals(node.value)]
                elif isinstance(target, (ast.Tuple, ast.List)) and isinstance(node.value, (ast.Tuple, ast.List)):
                    for item, value in zip(target.elts, node.value.elts):
                        name = aliases.get(item.id, item.id) if isinstance(item, ast.Name) else None
                        attributed += [(c, name, False) for c in _value_literals(value)]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in parameters:
            params = parameters[node.func.id]
            for index, argument in enumerate(node.args):
                name = params[index] if index < len(params) else None
                attributed += [(c, name, True) for c in _numbers(argument)]
            for keyword in node.keywords:  # a keyword names what it is: `wrt=1` is not an input that is 1
                attributed += [(c, keyword.arg, False) for c in _numbers(keyword.value)]
        elif isinstance(node, ast.Call) and _evaluates_at_a_point(node, bound):
            # A formula evaluated at a point the code types again: `dy.subs(X, 2.0)`, `f_prime(2.0)` for a lambda
            # or a sympy.lambdify result. The literal moves with the input whose value it is.
            method = isinstance(node.func, ast.Attribute) and node.func.attr in _POINT_METHODS
            arguments = _point_values(node.args) if method else node.args
            attributed += [(c, None, True) for argument in arguments for c in _numbers(argument)]
    # A value attributed to an input on a line tells what the same value means elsewhere on that line:
    # `report(2.0, manual(2.0), grad_of(f, 2.0))` moves every 2.0 with manual's parameter x.
    negated = {id(node.operand) for node in nodes
               if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)}

    def signed(constant: ast.Constant) -> float:  # `-1` is the value -1, however the literal is written
        return -float(constant.value) if id(constant) in negated else float(constant.value)

    on_line = {(constant.lineno, signed(constant)): name for constant, name, _ in attributed if name in names}
    # … and what it means in the same unit (a cell), before what it means elsewhere in the part.
    in_unit = {signed(constant): name for constant, name, _ in attributed if name in names}
    found, seen = [], set()
    for constant, name, by_value in attributed:
        key = (constant.lineno, constant.col_offset)
        if key in seen or constant.lineno != constant.end_lineno:
            continue
        value = signed(constant)
        feeds = name if name in names else (
            on_line.get((constant.lineno, value), in_unit.get(value, values.get(value))) if by_value else None)
        if feeds is None:
            continue
        seen.add(key)
        found.append(Literal(line=constant.lineno, col=constant.col_offset, end_col=constant.end_col_offset,
                             value=value, name=feeds, by_value=name not in names))
    return found


def rewrite(source: str, literals: list[Literal], factors: dict[str, float]) -> str:
    """The source with each literal moved by its input's factor (positions are of the original source)."""
    lines = source.splitlines(keepends=True)
    by_line: dict[int, list[Literal]] = {}
    for literal in literals:
        by_line.setdefault(literal.line, []).append(literal)
    for number, found in by_line.items():
        encoded = lines[number - 1].encode("utf-8")
        for literal in sorted(found, key=lambda item: item.col, reverse=True):
            # A negative value is a literal under a minus sign (`-1`): the text replaced is its magnitude.
            new = repr(abs(moved(literal.value, factors.get(literal.name, FACTORS[0]))))
            encoded = encoded[:literal.col] + new.encode() + encoded[literal.end_col:]
        lines[number - 1] = encoded.decode("utf-8")
    return "".join(lines)
