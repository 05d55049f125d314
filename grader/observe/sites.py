"""Report sites and function entries: the syntax-tree positions both processes agree on.

A *report site* is an expression whose value student code shows: an argument
of ``print(...)`` or ``display(...)`` (inside an f-string, each interpolated
value; for ``"...".format(a, b)`` and ``"..." % (a, b)``, each argument), of
``sys.stdout.write(...)``, of a logger's ``info``/``warning``/… call, or of a
call to one of the submission's own helper functions that prints what it is
given (``show("dz/da", a.grad, manual)`` with ``show`` in ``utils.py``), and
the last expression of a notebook cell, which Jupyter displays. A *function
entry* is the start of every ``def``.

The child rewrites its copy of the tree so that each site passes its value
through the recorder and each function counts its calls; the grader parses
the same source and enumerates the same sites in the same order, so an index
coming back from the child names a node the grader found itself. Only the
standard library is used here: the child imports this module beside
untrusted code.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

REPORT = "__labgrade_report__"
DISPLAY = "__labgrade_display__"
ENTER = "__labgrade_enter__"
_SHOWING = ("print", "display")


@dataclass(frozen=True)
class Site:
    """One expression whose value the student's code shows."""

    index: int
    kind: str  # "print" or "display" (a cell's last expression)
    node: ast.expr
    call: ast.Call | None  # the print(...) call it belongs to
    within: ast.AST  # the call or statement it sits in: the child's rewrite looks for it there, not everywhere


@dataclass(frozen=True)
class FunctionEntry:
    index: int
    qualname: str  # "RegressionModel.update", "train"
    node: ast.FunctionDef | ast.AsyncFunctionDef


# Calls that put several values side by side (a table) or compare two: each value is shown in its own right.
_TABLES = {"column_stack", "stack", "vstack", "hstack", "DataFrame"}
_COMPARISONS = {"allclose", "isclose"}


def _side_by_side(node: ast.expr) -> list[ast.expr] | None:
    """The values a shown expression sets side by side or compares, or None when it is one value: the items of
    `(manual, x.grad)`, the columns of `np.c_[x, m, g]` or `pd.DataFrame({"manual": m, …})`, the two sides of
    `torch.allclose(m, x.grad)`, `m == g` or `abs(m - g) < 1e-6`, the test of `"ok" if … else "mismatch"`."""
    if isinstance(node, (ast.Tuple, ast.List)):
        return [item for item in node.elts if not isinstance(item, (ast.Constant, ast.Starred))]
    if isinstance(node, ast.Dict):
        return [value for key, value in zip(node.keys, node.values) if key is not None]
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr in ("c_", "r_"):
        return _side_by_side(node.slice) or [node.slice]
    if isinstance(node, ast.Call):
        name = _called(node)
        if name in _COMPARISONS and len(node.args) >= 2:
            return list(node.args[:2])
        if name in _TABLES and node.args:
            return _side_by_side(node.args[0])
        if name == "abs" and len(node.args) == 1:
            return _operands(node.args[0])
        if isinstance(node.func, ast.Attribute) and node.func.attr == "abs" and not node.args:
            return _operands(node.func.value)
        return None
    if isinstance(node, ast.Compare) and len(node.comparators) == 1:
        sides = []
        for side in (node.left, node.comparators[0]):
            if not isinstance(side, ast.Constant):
                sides += _side_by_side(side) or [side]
        return sides or None
    if isinstance(node, ast.IfExp) and isinstance(node.body, ast.Constant) and isinstance(node.orelse, ast.Constant):
        return _side_by_side(node.test)
    if isinstance(node, ast.BoolOp):
        return [part for value in node.values for part in (_side_by_side(value) or [])] or None
    return None


def _operands(node: ast.expr) -> list[ast.expr] | None:
    """The two sides of a difference `m - g`, as compared by `abs(m - g)`."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub):
        return [node.left, node.right]
    return None


def _shown_parts(argument: ast.expr) -> list[ast.expr]:
    """The values inside one printed argument: interpolated values of a formatted string, the values a table or a
    comparison puts side by side (each also shown as a whole where it is a value itself), else itself."""
    if isinstance(argument, ast.JoinedStr):
        return [part.value for part in argument.values if isinstance(part, ast.FormattedValue)]
    beside = _side_by_side(argument)
    if beside is not None:  # display({"analytic": g, "autograd": w.grad.item()}) shows its values, not the dict
        return beside + ([argument] if isinstance(argument, (ast.Tuple, ast.List, ast.Subscript, ast.Call))
                         and _called(argument) not in _COMPARISONS else [])
    if (isinstance(argument, ast.Call) and isinstance(argument.func, ast.Attribute)
            and argument.func.attr == "format" and isinstance(argument.func.value, ast.Constant)
            and isinstance(argument.func.value.value, str)):
        return [*argument.args, *(keyword.value for keyword in argument.keywords)]
    if (isinstance(argument, ast.BinOp) and isinstance(argument.op, ast.Mod)
            and isinstance(argument.left, ast.Constant) and isinstance(argument.left.value, str)):
        right = argument.right
        return list(right.elts) if isinstance(right, ast.Tuple) else [right]
    if isinstance(argument, (ast.Constant, ast.Starred)):
        return []
    if (isinstance(argument, ast.Call) and isinstance(argument.func, ast.Attribute)
            and argument.func.attr in _AS_TEXT and not isinstance(argument.func.value, ast.Constant)):
        return [argument.func.value]  # `table.to_string(index=False)` shows the table
    joined = _concatenated(argument)
    return [argument] if joined is None else joined


def _concatenated(argument: ast.expr) -> list[ast.expr] | None:
    """The values a text built with `+` shows (`"dz/da = " + str(g) + "\\n"` shows g), or None for anything else."""
    if not (isinstance(argument, ast.BinOp) and isinstance(argument.op, ast.Add)):
        return None
    operands, pending = [], [argument]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            pending += [node.right, node.left]
        else:
            operands.append(node)
    if not any(isinstance(o, ast.JoinedStr) or (isinstance(o, ast.Constant) and isinstance(o.value, str))
               for o in operands):
        return None  # `a + b` adds numbers: the sum is the value shown
    parts = []
    for operand in operands:
        if (isinstance(operand, ast.Call) and isinstance(operand.func, ast.Name)
                and operand.func.id in ("str", "repr", "format") and operand.args):
            operand = operand.args[0]
        parts += _shown_parts(operand)  # an f-string's values, a table's columns, the value itself
    return parts


def _position(node: ast.AST) -> tuple[int, int]:
    return node.lineno, node.col_offset


def _called(node: ast.AST) -> str:
    """The name a call calls (`allclose` for `torch.allclose(…)`), or "" for anything else."""
    if not isinstance(node, ast.Call):
        return ""
    return node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")


def _names_a_table(node: ast.AST) -> bool:
    """`DataFrame({...})` with literal column names, outside a print (a printed one is a print's argument)."""
    return _called(node) == "DataFrame" and bool(node.args) and isinstance(node.args[0], ast.Dict)


_AS_TEXT = {"to_string", "to_markdown"}  # a pandas table printed as text
_LOG_LEVELS = {"debug", "info", "warning", "warn", "error", "critical", "exception"}
_STREAMS = {"stdout", "stderr"}


def _is_showing_call(node: ast.AST, printers: frozenset[str] = frozenset()) -> bool:
    """`print(…)`, `display(…)`, `sys.stdout.write(…)`, `logging.info(…)` / `log.info(…)` / `logger.warning(…)`,
    or a call of one of `printers` (the submission's helper functions that print what they are given)."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Name):
        return func.id in _SHOWING or func.id in printers
    if not isinstance(func, ast.Attribute):
        return False
    owner = func.value
    if func.attr == "write" and isinstance(owner, ast.Attribute) and owner.attr in _STREAMS:
        return isinstance(owner.value, ast.Name) and owner.value.id == "sys"
    if func.attr in _LOG_LEVELS and isinstance(owner, ast.Name):
        return "log" in owner.id.lower()  # logging, log, logger, LOGGER, my_log: a logger, not a DataFrame's .info
    return func.attr in printers and isinstance(owner, ast.Name)  # utils.show(…)


def _shown_arguments(call: ast.Call, printers: frozenset[str]) -> list[ast.expr]:
    """The arguments a showing call shows: a helper's keyword arguments too, never print's `sep=` or `end=`."""
    name = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")
    keywords = [keyword.value for keyword in call.keywords] if name in printers and name not in _SHOWING else []
    return list(call.args) + keywords


def printing_functions(sources: list[str]) -> frozenset[str]:
    """The top-level functions of a submission's helper modules that show a value of one of their parameters:
    a call of one shows its arguments as `print` would. Read from the helpers' source alone, so that the grader
    and the child, given the same sources, find the same report sites."""
    names = set()
    for source in sources:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            continue
        for function in tree.body:
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            arguments = function.args
            parameters = {a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs}
            parameters |= {a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None}
            if any(_is_showing_call(node) and any(isinstance(name, ast.Name) and name.id in parameters
                                                  for argument in node.args for name in ast.walk(argument))
                   for node in ast.walk(function)):
                names.add(function.name)
    return frozenset(names)


def trailing_expression(tree: ast.Module, source: str) -> ast.Expr | None:
    """The last statement of a cell if Jupyter would display its value (not `x;`, not a print)."""
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        return None
    last = tree.body[-1]
    if _is_showing_call(last.value) or isinstance(last.value, ast.Constant):
        return None
    lines = source.splitlines()
    end = last.end_lineno or last.lineno
    if 0 < end <= len(lines) and lines[end - 1].rstrip().endswith(";"):
        return None
    return last


WALKED = "_labgrade_nodes"  # the attribute a parsed tree keeps its walk in (grader.observe.source.nodes)


def report_sites(tree: ast.Module, source: str, *, cell: bool, printers: frozenset[str] = frozenset()) -> list[Site]:
    """Every report site of a unit, in a fixed order (source order of the calls, then the trailing value);
    `printers` are the submission's helper functions that print what they are given (`printing_functions`)."""
    sites: list[Site] = []
    calls, asserts, tables = [], [], []
    # A tree the grader's analysis has walked already keeps its nodes (grader.observe.source.nodes): read them
    # again rather than walk it again. A tree about to be rewritten for the child is walked here, and keeps none.
    for node in tree.__dict__.get(WALKED) or ast.walk(tree):
        if _is_showing_call(node, printers):
            calls.append(node)
        elif isinstance(node, ast.Assert):
            asserts.append(node)
        elif _names_a_table(node):
            tables.append(node)
    for call in sorted(calls, key=_position):
        for argument in _shown_arguments(call, printers):
            for part in _shown_parts(argument):
                sites.append(Site(index=len(sites), kind="print", node=part, call=call, within=call))
    # An assert the code runs compares its two sides as a print of them would: `assert torch.isclose(m, x.grad)`.
    for statement in sorted(asserts, key=_position):
        for part in _side_by_side(statement.test) or []:
            sites.append(Site(index=len(sites), kind="print", node=part, call=None, within=statement))
    # A table the code builds of named columns is built to be shown: `pd.DataFrame({"manual": m, "autograd": g})`.
    already = {id(site.node) for site in sites}
    for table in sorted(tables, key=_position):
        for part in _side_by_side(table.args[0]) or []:
            if id(part) not in already:
                sites.append(Site(index=len(sites), kind="print", node=part, call=table, within=table))
    if cell:
        last = trailing_expression(tree, source)
        if last is not None:
            # `(manual, x.grad)` or `torch.allclose(m, x.grad)` as a cell's last line: each value, then the whole.
            for part in _side_by_side(last.value) or []:
                sites.append(Site(index=len(sites), kind="print", node=part, call=None, within=last))
            sites.append(Site(index=len(sites), kind="display", node=last.value, call=None, within=last))
    return sites


def function_entries(tree: ast.Module) -> list[FunctionEntry]:
    """Every function and method definition, with a dotted name (class names included), in source order.

    A definition is a statement, so only statement bodies are searched: expressions, most of a tree's nodes,
    are never entered."""
    entries: list[FunctionEntry] = []

    def visit(statements: list, prefix: str) -> None:
        for statement in statements:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}{statement.name}"
                entries.append(FunctionEntry(index=len(entries), qualname=name, node=statement))
                visit(statement.body, f"{name}.")
            elif isinstance(statement, ast.ClassDef):
                visit(statement.body, f"{prefix}{statement.name}.")
            else:
                for field in _BODIES:
                    inner = getattr(statement, field, None)
                    if inner:
                        visit(inner, prefix)

    visit(tree.body, "")
    return entries


# The fields that hold statements (a handler's or a match case's body is reached through its own `body`).
_BODIES = ("body", "handlers", "orelse", "finalbody", "cases")


def _call(name: str, arguments: list[ast.expr], like: ast.AST) -> ast.Call:
    """`name(*arguments)` placed where `like` is. The rewrite places each node it makes itself: an
    ast.fix_missing_locations would walk the whole tree again for these few."""
    function = ast.copy_location(ast.Name(id=name, ctx=ast.Load()), like)
    return ast.copy_location(ast.Call(func=function, args=arguments, keywords=[]), like)


def _key(value: int, like: ast.AST) -> ast.Constant:
    return ast.copy_location(ast.Constant(value=value), like)


def _slots(wanted: set[int], within: ast.AST) -> dict[int, tuple[ast.AST, str, int | None]]:
    """Where each node of `wanted` sits inside `within`: (its parent, the field, the index in a list field)."""
    found = {}
    for parent in ast.walk(within):
        for field, value in ast.iter_fields(parent):
            if isinstance(value, list):
                for index, item in enumerate(value):
                    if id(item) in wanted:
                        found[id(item)] = (parent, field, index)
            elif id(value) in wanted:
                found[id(value)] = (parent, field, None)
    return found


def _rewrite_sites(sites: list[Site], key_base: int) -> None:
    """Route each site's value through the recorder, in place: each place is looked for only inside the call or
    statement the site belongs to, and every place is found before any is changed."""
    by_node = {id(site.node): site for site in sites}
    groups: dict[int, tuple[ast.AST, set[int]]] = {}
    for site in by_node.values():
        groups.setdefault(id(site.within), (site.within, set()))[1].add(id(site.node))
    slots = {}
    for within, wanted in groups.values():
        slots.update(_slots(wanted, within))
    for key, (parent, field, index) in slots.items():
        site = by_node[key]
        node = site.node
        name = DISPLAY if site.kind == "display" else REPORT
        # `"{} {}".format(*values)`: the starred value is reported whole and unpacked after, as the code does
        inner = node.value if isinstance(node, ast.Starred) else node
        wrapped = _call(name, [_key(key_base + site.index, inner), inner], inner)
        if isinstance(node, ast.Starred):
            wrapped = ast.copy_location(ast.Starred(value=wrapped, ctx=node.ctx), node)
        if index is None:
            setattr(parent, field, wrapped)
        else:
            getattr(parent, field)[index] = wrapped


def _count_entries(entries: list[FunctionEntry], key_base: int) -> None:
    """Each function's first statement (after its docstring) counts the call."""
    for entry in entries:
        body = entry.node.body
        first = body[0]
        count = ast.copy_location(ast.Expr(value=_call(ENTER, [_key(key_base + entry.index, first)], first)), first)
        docstring = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(
            first.value.value, str)
        body.insert(1 if docstring else 0, count)


def instrumented(tree: ast.Module, source: str, *, cell: bool, key_base: int = 0,
                 printers: frozenset[str] = frozenset()) -> tuple[ast.Module, list[Site], list[FunctionEntry]]:
    """The tree rewritten for the child (line numbers kept), with the sites and entries it reports.

    Each inserted call carries ``key_base + index``, so one recorder can tell the
    units of a notebook apart.
    """
    sites = report_sites(tree, source, cell=cell, printers=printers)
    entries = function_entries(tree)
    _rewrite_sites(sites, key_base)
    _count_entries(entries, key_base)
    return tree, sites, entries
