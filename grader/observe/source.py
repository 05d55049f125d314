"""Facts about student code decided from its syntax tree, in the grader's process.

What the child reports are values; what they *mean* depends on how the code
made them, and that is read here from the source, never from anything the
child says about itself:

* the **provenance** of every reported value (grader.observe.sites): whether
  it was derived from autograd (``.grad``, ``backward``, ``torch.autograd.grad``,
  also through the student's own functions), whose ``.grad`` it reads, whether
  it is a computation at all or a copy of an input, and whether it was built
  from typed-in numbers only;
* the **structure**: classes and their bases, functions and whether they use
  autograd, which library names the code uses (``torch.optim.SGD``,
  ``torch.utils.data.DataLoader``…), resolved through its imports;
* whether the code draws random numbers (its runs then depend on the seed).

The analysis is deliberately simple and conservative: assignments are
followed in order through a scope (loops twice, both arms of an ``if``),
module-level names seen from inside functions take every value they are
ever given, and anything it cannot follow counts as computed from unknown
inputs, never as autograd-free evidence it did not see.
"""
from __future__ import annotations

import ast
import functools
import threading
from collections.abc import Generator
from dataclasses import dataclass

from grader.observe.sites import WALKED, Site, function_entries, report_sites

MAX_FORMULA = 400  # characters: longer arithmetic (a formula inlined through a loop) is not read as one
_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_MATH = {"exp", "log", "sin", "cos", "tan", "tanh", "sqrt", "sigmoid"}  # functions a formula may use …
_MATH_MODULES = {"math", "numpy", "torch"}  # … from these modules
_MATH_CONSTANTS = {"pi", "e"}
# Calls that pass a number through unchanged: `float(2.0)`, `torch.tensor(2.0, requires_grad=True)`, `round(v, 4)`.
_VALUE_COPIES = {"float", "round", "torch.tensor", "torch.as_tensor", "numpy.array", "numpy.asarray",
                 "numpy.float32", "numpy.float64"}

# Calls that only convert or copy a value: they do not make a derivative "computed".
_COPIES = {"item", "detach", "clone", "numpy", "tolist", "cpu", "float", "double", "squeeze", "unsqueeze",
           "view", "reshape", "flatten", "requires_grad_", "to", "data", "contiguous", "T"}
_COPY_FUNCTIONS = {"float", "int", "round", "list", "tuple", "str", "torch.tensor", "torch.as_tensor",
                   "numpy.array", "numpy.asarray", "numpy.float32", "numpy.float64", "torch.Tensor", "print",
                   # constructors make inputs, not results
                   "torch.arange", "torch.linspace", "torch.ones", "torch.zeros", "torch.full", "torch.ones_like",
                   "torch.zeros_like", "torch.FloatTensor", "torch.from_numpy", "numpy.arange", "numpy.linspace",
                   "torch.rand", "torch.randn", "torch.empty"}
_AUTOGRAD_CALLS = {"torch.autograd.grad", "torch.autograd.backward", "torch.autograd.functional.jacobian",
                   "torch.func.grad", "torch.autograd.functional.vjp"}
_SEEDING = frozenset({"torch.manual_seed", "torch.random.manual_seed", "numpy.random.seed",
                      "random.seed", "torch.cuda.manual_seed", "torch.cuda.manual_seed_all"})
_RANDOM = ("torch.rand", "torch.randn", "torch.randint", "torch.normal", "torch.randperm", "torch.nn.init",
           "random.", "numpy.random.", "torch.nn.Linear", "torch.nn.Bilinear")


@dataclass(frozen=True)
class Provenance:
    """How a value was made, as far as the source shows."""

    autograd: bool = False  # derived from a gradient autograd computed
    grads_of: frozenset[str] = frozenset()  # dotted names whose .grad it reads ("w", "model.w")
    computed: bool = False  # arithmetic or a function call, beyond copying a value
    constant: bool = True  # made from typed-in numbers only
    copies: frozenset[str] = frozenset()  # when not computed: the names it copies
    stepped: bool = False  # it is a parameter as a gradient step left it (`w -= lr * w.grad`), not a new formula
    # The value as arithmetic on typed-in numbers, every name it uses written out ("" when it is not one, or is
    # too long): `32*2**3 + 9*2**2 + 14*2 + 6`, or `s*(1-s)*2.0` with s's own formula in its place.
    formula: str = ""

    def join(self, other: "Provenance") -> "Provenance":
        return Provenance(autograd=self.autograd or other.autograd, grads_of=self.grads_of | other.grads_of,
                          computed=self.computed or other.computed, constant=self.constant and other.constant,
                          copies=self.copies | other.copies, stepped=self.stepped or other.stepped)


UNKNOWN = Provenance(constant=False)
_FIELDS = frozenset(Provenance.__dataclass_fields__)


def _with(provenance: Provenance, **changes) -> Provenance:
    """`dataclasses.replace` for a Provenance, without its generic machinery: the analysis makes tens of
    thousands of them for one folder of scripts, and the generic one was a tenth of its time."""
    unknown = changes.keys() - _FIELDS
    if unknown:
        raise TypeError(f"Provenance has no field {sorted(unknown)[0]!r}")
    made = object.__new__(Provenance)
    made.__dict__.update(provenance.__dict__)
    made.__dict__.update(changes)
    return made


def _formula(text: str) -> str:
    return text if len(text) <= MAX_FORMULA else ""


def _operation(op: ast.operator, left: Provenance, right: Provenance) -> str:
    symbol = _OPERATORS.get(type(op))
    if symbol is None or not left.formula or not right.formula:
        return ""
    return _formula(f"({left.formula}){symbol}({right.formula})")


def _computed(operands: list[Provenance]) -> Provenance:
    """An operation on values: computed, and typed-in only if every operand is a typed-in number."""
    joined = _join_all(operands)
    constant = all(p.constant and not p.copies for p in operands)
    return Provenance(autograd=joined.autograd, grads_of=joined.grads_of, computed=True, constant=constant)


def _join_all(provenances) -> Provenance:
    result = Provenance()
    for provenance in provenances:
        result = result.join(provenance)
    return result


@dataclass(frozen=True)
class ReportFact:
    """One report site: where it is, what it shows, and how that value was made."""

    index: int
    kind: str  # print | display
    line: int
    expression: str  # its source text
    label: str  # the literal text printed with it ("Analytical gradient:")
    provenance: Provenance
    decimals: int | None = None  # the code rounds the value it shows to this many decimals (`round(g, 4)`)
    # Inside a function: the provenance when called from each place in the student's code, (unit, line, how),
    # where the arguments say more than the parameters' names (`show("manual", dy_dx)`, `show("autograd", x.grad)`).
    callers: tuple[tuple[int, int, Provenance], ...] = ()


@dataclass(frozen=True)
class ClassFact:
    name: str
    bases: tuple[str, ...]  # canonical dotted names where they resolve through imports ("torch.nn.Module")
    methods: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class FunctionFact:
    qualname: str
    line: int
    end_line: int
    uses_autograd: bool  # its body, or a student function it calls, reads .grad or calls backward/autograd
    autograd_line: int | None = None


@dataclass(frozen=True)
class UnitFacts:
    """The facts of one cell or script."""

    index: int
    parsed: bool
    reports: tuple[ReportFact, ...] = ()
    classes: tuple[ClassFact, ...] = ()
    functions: tuple[FunctionFact, ...] = ()
    uses: frozenset[str] = frozenset()  # canonical dotted names the code refers to
    keywords: frozenset[str] = frozenset()  # "shuffle=True"-style keyword arguments it passes
    random: bool = False  # it draws random numbers, not after seeding the generator itself
    seeds: bool = False  # it seeds the generator with a constant at module level: later units are deterministic
    asks_input: bool = False  # it calls input(): a TA would type the values in


@dataclass(frozen=True)
class SourceFacts:
    """The facts of every unit of one part (a notebook's cells share imports, classes and functions)."""

    units: tuple[UnitFacts, ...]

    def report(self, unit: int, index: int) -> ReportFact | None:
        if 0 <= unit < len(self.units):
            reports = self.units[unit].reports
            if 0 <= index < len(reports):
                return reports[index]
        return None

    @property
    def classes(self) -> dict[str, ClassFact]:
        return {fact.name: fact for unit in self.units for fact in unit.classes}

    @property
    def functions(self) -> dict[str, FunctionFact]:
        return {fact.qualname: fact for unit in self.units for fact in unit.functions}

    def function_at(self, unit: int, line: int) -> FunctionFact | None:
        """The innermost function of a unit whose body holds a line."""
        if not 0 <= unit < len(self.units):
            return None
        holding = [f for f in self.units[unit].functions if f.line <= line <= f.end_line]
        return max(holding, key=lambda f: f.line, default=None)

    @property
    def uses(self) -> frozenset[str]:
        return frozenset().union(*(unit.uses for unit in self.units)) if self.units else frozenset()

    @property
    def random(self) -> bool:
        """Whether a run depends on the seed: some unit draws random numbers before the code seeds them itself."""
        seeded = False
        for unit in self.units:
            if unit.random and not seeded:
                return True
            seeded = seeded or unit.seeds
        return False

    @property
    def asks_input(self) -> bool:
        return any(unit.asks_input for unit in self.units)

    def subclasses(self, base: str, upto: int | None = None) -> set[str]:
        """Student classes that derive from `base` (a canonical name), directly or through their own classes.

        In a notebook a later cell may define another class of the same name; with `upto`, each name means
        its latest definition in the units up to that one.
        """
        classes = {fact.name: fact for unit in self.units if upto is None or unit.index <= upto
                   for fact in unit.classes}
        found: set[str] = set()
        changed = True
        while changed:
            changed = False
            for name, fact in classes.items():
                if name not in found and any(b == base or b in found for b in fact.bases):
                    found.add(name)
                    changed = True
        return found


# ---------------------------------------------------------------------------------------------- imports
def import_aliases(trees: list[ast.Module]) -> dict[str, str]:
    """Local name -> canonical dotted name, from every import in the part (`import torch.nn as F` too)."""
    aliases: dict[str, str] = {"np": "numpy", "plt": "matplotlib.pyplot"}
    for tree in trees:
        for node in nodes(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        aliases[alias.asname] = alias.name
                    else:
                        aliases[alias.name.split(".")[0]] = alias.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    if alias.name != "*":
                        aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _canonical(name: str | None, aliases: dict[str, str]) -> str | None:
    if not name:
        return None
    head, _, rest = name.partition(".")
    if head in aliases:
        full = aliases[head] + ("." + rest if rest else "")
        # torch re-exports: torch.nn.modules.module.Module is torch.nn.Module, and so on
        for long, short in (("torch.nn.modules.module.", "torch.nn."), ("torch.utils.data.dataset.", "torch.utils.data."),
                            ("torch.utils.data.dataloader.", "torch.utils.data."), ("torch.optim.sgd.", "torch.optim.")):
            full = full.replace(long, short)
        return full
    return name


def dotted_name(node: ast.AST, aliases: dict[str, str]) -> str:
    """What a name or attribute chain refers to, through the imports (`F.mse_loss` -> torch.nn.functional…)."""
    return _canonical(_dotted(node), aliases) or ""


# ---------------------------------------------------------------------------------------------- provenance
MAX_CALL_SITES = 16  # per student function: the places whose arguments are followed into its body


@dataclass(frozen=True)
class _CallSite:
    """How the arguments of one call of a student function were made."""

    positional: tuple[Provenance, ...]
    keywords: dict[str, Provenance]

    def bind(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, Provenance]:
        """Each parameter's provenance at this call; a parameter stays its own name too, so that a formula of it
        is computed, never typed in, whatever literal was passed."""
        params = [*function.args.posonlyargs, *function.args.args]
        bound = {}
        for index, param in enumerate(params + list(function.args.kwonlyargs)):
            given = self.positional[index] if index < len(self.positional) and index < len(params) \
                else self.keywords.get(param.arg)
            own = Provenance(constant=False, copies=frozenset({param.arg}))
            bound[param.arg] = own if given is None else _with(given, copies=given.copies | {param.arg})
        return bound


class _Flow:
    """Follows assignments through one scope, giving each report site the provenance of its value."""

    def __init__(self, *, aliases: dict[str, str], student_functions: dict[str, bool], sites: dict[int, Site],
                 found: dict[int, Provenance], outer: dict[str, Provenance] | None = None,
                 arguments: dict | None = None, unit: int = 0):
        self.aliases = aliases
        self.student_functions = student_functions  # name -> uses autograd
        self.sites = sites
        self.found = found
        self.outer = outer or {}
        self.env: dict[str, Provenance] = {}
        self.arguments = arguments  # when given: student function -> the calls seen, _CallSite each
        self.unit = unit
        self.returns: list[list[Provenance]] | None = None  # when given: each return's value, item by item
        self.returned: dict[str, list[Provenance]] = {}  # student function -> what each item it returns is
        self.rows: dict[str, list[Provenance] | None] = {}  # a list of tuples appended row by row: each column

    def lookup(self, name: str) -> Provenance:
        if name in self.env:
            return self.env[name]
        if name in self.outer:
            return self.outer[name]
        return Provenance(constant=False, copies=frozenset({name}))

    # -- expressions
    def expr(self, node: ast.AST | None) -> Provenance:
        if node is None:
            return Provenance()
        provenance = self._expr(node)
        site = self.sites.get(id(node))
        if site is not None:
            self.found[site.index] = provenance
        return provenance

    def _expr(self, node: ast.AST) -> Provenance:
        if isinstance(node, ast.Constant):
            number = isinstance(node.value, (int, float)) and not isinstance(node.value, bool)
            return Provenance(formula=repr(float(node.value)) if number else "")
        if isinstance(node, ast.Name):
            bound = self.lookup(node.id)
            return _with(bound, copies=bound.copies | {node.id})
        if isinstance(node, ast.Attribute):
            inner = self.expr(node.value)
            if node.attr == "grad":
                owner = _dotted(node.value)
                return _with(inner, autograd=True, grads_of=inner.grads_of | ({owner} if owner else set()),
                               constant=False, formula="")
            if node.attr in _COPIES:
                return inner
            dotted = _dotted(node)
            if dotted and dotted.split(".")[0] in self.env:
                return _with(inner, copies=inner.copies | {dotted}, formula="")
            canonical = _canonical(dotted, self.aliases) or ""
            module, _, constant = canonical.rpartition(".")
            known = constant if module in _MATH_MODULES and constant in _MATH_CONSTANTS else ""
            return _with(inner, constant=False, copies=inner.copies | ({dotted} if dotted else set()), formula=known)
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.Subscript):
            return self.expr(node.value).join(self.expr(node.slice)) if not isinstance(node.slice, ast.Constant) \
                else self.expr(node.value)
        if isinstance(node, (ast.BinOp,)):
            left, right = self.expr(node.left), self.expr(node.right)
            return _with(_computed([left, right]), formula=_operation(node.op, left, right))
        if isinstance(node, ast.UnaryOp):
            inner = self.expr(node.operand)
            signed = isinstance(node.op, (ast.USub, ast.UAdd)) and inner.formula
            formula = (f"-({inner.formula})" if isinstance(node.op, ast.USub) else inner.formula) if signed else ""
            if isinstance(node.op, ast.USub) and not inner.computed:
                return _with(inner, formula=formula)  # -x is still a copy of x; -3 is still typed in
            return _with(_computed([inner]), formula=formula)
        if isinstance(node, (ast.BoolOp, ast.Compare, ast.IfExp)):
            return _computed([self.expr(child) for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr)])
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return _join_all(self.expr(item) for item in node.elts)
        if isinstance(node, ast.Dict):
            return _join_all(self.expr(item) for item in node.values if item is not None)
        if isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.SetComp, ast.DictComp)):
            saved = dict(self.env)
            for generator in node.generators:
                self.bind_iteration(generator.target, generator.iter)
            if isinstance(node, ast.DictComp):
                result = self.expr(node.key).join(self.expr(node.value))
            else:
                result = self.expr(node.elt)
            self.env = saved
            return result
        if isinstance(node, ast.JoinedStr):
            return _join_all(self.expr(part.value) for part in node.values if isinstance(part, ast.FormattedValue))
        if isinstance(node, ast.Starred):
            return self.expr(node.value)
        if isinstance(node, ast.NamedExpr):
            value = self.expr(node.value)
            self.bind(node.target, value)
            return value
        if isinstance(node, ast.Lambda):
            return _with(self.expr(node.body), computed=True)
        return UNKNOWN

    def _call(self, node: ast.Call) -> Provenance:
        positional = [self.expr(arg) for arg in node.args]
        keywords = {k.arg: self.expr(k.value) for k in node.keywords}
        arguments = positional + list(keywords.values())
        joined = _join_all(arguments)
        func = node.func
        if self.arguments is not None and isinstance(func, ast.Name) and func.id in self.student_functions:
            starred = next((i for i, arg in enumerate(node.args) if isinstance(arg, ast.Starred)), len(node.args))
            calls = self.arguments.setdefault(func.id, {})
            key = (self.unit, node.lineno)
            if key not in calls and len(calls) < MAX_CALL_SITES:
                calls[key] = _CallSite(positional=tuple(positional[:starred]),
                                       keywords={k: v for k, v in keywords.items() if k})
        target = _canonical(_dotted(func), self.aliases)
        root = _dotted(func.value) if isinstance(func, ast.Attribute) else None
        if isinstance(func, ast.Attribute) and not (root and root.split(".")[0] in self.aliases
                                                     and root.split(".")[0] not in self.env):
            receiver = self.expr(func.value)
            if func.attr == "backward":
                return _with(receiver.join(joined), autograd=True, constant=False)
            if func.attr in _COPIES:
                return _with(receiver.join(joined), formula=receiver.formula)
            if func.attr == "format" and isinstance(func.value, ast.Constant):
                return joined
            if func.attr == "append" and isinstance(func.value, ast.Name) and len(node.args) == 1:
                self._appended(func.value.id, node.args[0], positional[0])
                return receiver
            joined = receiver.join(joined)
        if target in _AUTOGRAD_CALLS or (target or "").endswith("autograd.grad"):
            return _with(joined, autograd=True, computed=True, constant=False, copies=frozenset())
        if target in _COPY_FUNCTIONS:
            first = positional[0].formula if positional and target in _VALUE_COPIES else ""
            return _with(joined, formula=first)
        if isinstance(func, ast.Name) and func.id in self.student_functions:
            uses = self.student_functions[func.id]
            return _with(joined, autograd=joined.autograd or uses, computed=True, constant=False,
                           copies=frozenset())
        if isinstance(func, ast.Call) or (isinstance(func, ast.Name) and func.id in self.env):
            callee = self.expr(func)  # a function autograd made: `df = torch.func.grad(f)`, `vmap(grad(f))`
            if callee.autograd:
                return _with(joined.join(callee), autograd=True, computed=True, constant=False,
                               copies=frozenset())
        module, _, function = (target or "").rpartition(".")
        formula = ""
        if module in _MATH_MODULES and function in _MATH and len(positional) == 1 and positional[0].formula:
            formula = _formula(f"{function}({positional[0].formula})")
        if not isinstance(func, ast.Attribute) or root in self.aliases:
            return _with(_computed(arguments), formula=formula)
        return _with(_computed([joined]), constant=False)

    def _unpacked(self, node: ast.Assign) -> list[Provenance] | None:
        """`manual, auto = q1(1.5, 0.5)` where q1 returns `formula, a.grad.item()`: each name takes its own
        element's provenance, not the call's as a whole (which reads autograd for both)."""
        call = node.value
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)):
            return None
        elements = self.returned.get(call.func.id)
        targets = [t for t in node.targets if isinstance(t, (ast.Tuple, ast.List))]
        if not elements or not targets or len(targets[0].elts) != len(elements):
            return None
        return [_with(element, computed=True, constant=False, copies=frozenset()) if element.computed
                else element for element in elements]

    def _step(self, target: ast.AST, value: Provenance) -> Provenance:
        """A gradient step (`w -= lr * w.grad`, `w = w - lr * w.grad`) updates a parameter; it does not make
        the parameter a gradient. Formulas computed from the parameter later are still worked out by hand."""
        name = _dotted(target) if isinstance(target, (ast.Name, ast.Attribute)) else None
        if name is None or name not in value.grads_of:
            return value
        others = value.grads_of - {name}
        return _with(value, autograd=bool(others), grads_of=others, stepped=True)

    def _appended(self, name: str, item: ast.expr, provenance: Provenance) -> None:
        """`table.append((q, x.grad.item(), manual))`: the list now holds that value too, and, row by row, each
        column keeps its own provenance, so that `for q, auto, man in table` binds man to the manual values."""
        self.env[name] = self.lookup(name).join(provenance)
        columns = [self.expr(element) for element in item.elts] if isinstance(item, (ast.Tuple, ast.List)) else None
        if name not in self.rows:
            self.rows[name] = columns
        elif self.rows[name] is not None and columns is not None:
            self.rows[name] = _itemwise([self.rows[name], columns])  # None when the rows differ in length
        else:
            self.rows[name] = None

    def bind_iteration(self, target: ast.AST, iterated: ast.AST) -> None:
        """Bind a loop target; `for a, b in zip(xs, ys)` binds a to xs's and b to ys's provenance, not both."""
        if isinstance(target, (ast.Tuple, ast.List)) and isinstance(iterated, ast.Name) \
                and len(self.rows.get(iterated.id) or ()) == len(target.elts):
            self.expr(iterated)
            for item, column in zip(target.elts, self.rows[iterated.id]):
                self.bind(item, column)
            return
        if isinstance(target, (ast.Tuple, ast.List)) and isinstance(iterated, ast.Call) \
                and isinstance(iterated.func, ast.Name):
            if iterated.func.id == "zip" and len(iterated.args) == len(target.elts):
                for item, source in zip(target.elts, iterated.args):
                    self.bind_iteration_item(item, source)
                return
            if iterated.func.id == "enumerate" and iterated.args and len(target.elts) == 2:
                self.bind(target.elts[0], Provenance(constant=False, copies=frozenset()))
                self.bind_iteration(target.elts[1], iterated.args[0])  # `for i, (a, t) in enumerate(zip(…))`
                return
        self.bind(target, self.expr(iterated))

    def bind_iteration_item(self, target: ast.AST, source: ast.AST) -> None:
        """One item of a zip: `for (dw, db), g in zip(analytic(), grads)` where analytic() returns a list of
        tuples of its own making: the item's names take the function's returned items' provenance."""
        if isinstance(target, (ast.Tuple, ast.List)) and isinstance(source, ast.Call) \
                and isinstance(source.func, ast.Name):
            elements = self.returned.get(source.func.id)
            if elements and len(elements) == 1 and elements[0].computed:
                self.expr(source)
                for item in target.elts:
                    self.bind(item, _with(elements[0], computed=True, constant=False, copies=frozenset()))
                return
        self.bind(target, self.expr(source))

    # -- binding and statements
    def bind(self, target: ast.AST, provenance: Provenance) -> None:
        if isinstance(target, ast.Name):
            self.env[target.id] = provenance
        elif isinstance(target, (ast.Tuple, ast.List)):
            for item in target.elts:
                self.bind(item, provenance)
        elif isinstance(target, ast.Starred):
            self.bind(target.value, provenance)
        elif isinstance(target, (ast.Attribute, ast.Subscript)):
            name = _dotted(target) if isinstance(target, ast.Attribute) else _dotted(target.value)
            if name:
                self.env[name] = provenance
            self.expr(target.value)

    def block(self, statements: list[ast.stmt]) -> None:
        for statement in statements:
            self.stmt(statement)

    def _branches(self, *blocks: list[ast.stmt]) -> None:
        start = dict(self.env)
        ends = []
        for block in blocks:
            self.env = dict(start)
            self.block(block)
            ends.append(self.env)
        merged = dict(start)
        for end in ends:
            for name, provenance in end.items():
                merged[name] = merged[name].join(provenance) if name in merged and name in start else provenance
        self.env = merged

    def stmt(self, node: ast.stmt) -> None:
        if isinstance(node, ast.Assign):
            value = self.expr(node.value)
            unpacked = self._unpacked(node)
            for target in node.targets:
                if unpacked is not None and isinstance(target, (ast.Tuple, ast.List)):
                    for item, provenance in zip(target.elts, unpacked):
                        self.bind(item, provenance)
                else:
                    self.bind(target, self._step(target, value))
        elif isinstance(node, ast.AugAssign):
            name = _dotted(node.target) if isinstance(node.target, (ast.Name, ast.Attribute)) else None
            before = self.lookup(name) if name else UNKNOWN
            value = self._step(node.target, before.join(self.expr(node.value)))
            self.bind(node.target, _with(value, computed=True, copies=frozenset()))
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self.bind(node.target, self.expr(node.value))
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            for _ in range(2):  # twice: values carried from one iteration to the next
                self.bind_iteration(node.target, node.iter)
                self._branches(node.body, [])
            self.block(node.orelse)
        elif isinstance(node, ast.While):
            self.expr(node.test)
            for _ in range(2):
                self._branches(node.body, [])
            self.block(node.orelse)
        elif isinstance(node, ast.If):
            test = self.expr(node.test)
            before = dict(self.env)
            self._branches(node.body, node.orelse)
            if test.computed or test.copies:
                # A value chosen by a test on the inputs (relu's branch) is a computation, not a copy.
                for name, provenance in self.env.items():
                    if before.get(name) is not provenance:
                        self.env[name] = _with(provenance.join(test), computed=True, constant=False,
                                                 copies=frozenset())
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                value = self.expr(item.context_expr)
                if item.optional_vars is not None:
                    self.bind(item.optional_vars, value)
            self.block(node.body)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            self.block(node.body)
            for handler in node.handlers:
                self._branches(handler.body, [])
            self.block(node.orelse)
            self.block(node.finalbody)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self.env[node.name] = Provenance(constant=False, copies=frozenset({node.name}))
        elif isinstance(node, ast.Return) and self.returns is not None:
            items = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
            self.returns.append([self.expr(item) for item in items])
        elif isinstance(node, (ast.Expr, ast.Return)):
            self.expr(node.value)
        elif isinstance(node, ast.Assert):
            self.expr(node.test)
        else:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.expr(child)


# ---------------------------------------------------------------------------------------------- structure
def _uses_autograd_directly(function: ast.AST, aliases: dict[str, str]) -> int | None:
    """The first line of a function body that reads .grad or calls backward / autograd.grad, if any."""
    for node in nodes(function):
        if isinstance(node, ast.Attribute) and node.attr == "grad" and isinstance(node.ctx, ast.Load):
            return node.lineno
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute) and node.func.attr == "backward":
                return node.lineno
            target = _canonical(_dotted(node.func), aliases) or ""
            if target in _AUTOGRAD_CALLS or target.endswith("autograd.grad"):
                return node.lineno
    return None


def _called_names(function: ast.AST) -> set[str]:
    """Functions called by name, and methods called on self."""
    names = set()
    for node in nodes(function):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name):
                names.add(node.func.id)
            elif (isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name)
                  and node.func.value.id == "self"):
                names.add(node.func.attr)
    return names


def _autograd_functions(trees: list[ast.Module], aliases: dict[str, str],
                        entries_of: dict[int, tuple]) -> dict[str, tuple[bool, int | None]]:
    """Every student function's name -> (uses autograd, where), through the functions it calls."""
    direct: dict[str, int | None] = {}
    calls: dict[str, set[str]] = {}
    for tree in trees:
        for entry in entries_of[id(tree)]:
            short = entry.node.name
            line = _uses_autograd_directly(entry.node, aliases)
            direct[short] = direct.get(short) or line
            direct[entry.qualname] = direct.get(entry.qualname) or line
            called = _called_names(entry.node)
            calls.setdefault(short, set()).update(called)
            calls.setdefault(entry.qualname, set()).update(called)
    uses = {name: line for name, line in direct.items() if line is not None}
    changed = True
    while changed:
        changed = False
        for name, called in calls.items():
            if name not in uses:
                through = [uses[c] for c in called if c in uses and c != name]
                if through:
                    uses[name] = through[0]
                    changed = True
    return {name: (name in uses, uses.get(name)) for name in direct}


def _label(site: Site) -> str:
    """The literal text printed beside a value (its f-string or the string arguments of the print)."""
    if site.call is None:
        return ""
    pieces = []
    for argument in site.call.args:
        if isinstance(argument, ast.Dict):
            keyed = [key.value for key, value in zip(argument.keys, argument.values)
                     if value is site.node and isinstance(key, ast.Constant) and isinstance(key.value, str)]
            if keyed:
                return " ".join(keyed[0].split())[:120]
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            pieces.append(argument.value)
        elif isinstance(argument, ast.JoinedStr):
            for part in argument.values:
                if isinstance(part, ast.Constant):
                    pieces.append(str(part.value))
                elif part.value is site.node:
                    break
    return " ".join(" ".join(pieces).split())[:120]


_ROUNDING = {"round", "numpy.round", "numpy.around", "torch.round"}


def _rounded_to(node: ast.AST, aliases: dict[str, str]) -> int | None:
    """The decimals a shown expression rounds to: `round(v, 4)`, `np.round(v, 4)`, `v.round(decimals=4)`."""
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    function = _canonical(_dotted(func), aliases) in _ROUNDING
    method = not function and isinstance(func, ast.Attribute) and func.attr == "round"
    if not function and not method:
        return None
    given = node.args[0 if method else 1:][:1] + [k.value for k in node.keywords if k.arg in ("ndigits", "decimals")]
    if not given:
        return 0
    if isinstance(given[0], ast.Constant) and type(given[0].value) is int and 0 <= given[0].value <= 12:
        return given[0].value
    return None


def _seed_line(tree: ast.Module, aliases: dict[str, str]) -> int | None:
    """The first module-level statement that seeds a generator with constant arguments."""
    for statement in tree.body:
        call = statement.value if isinstance(statement, ast.Expr) else None
        if (isinstance(call, ast.Call) and _canonical(_dotted(call.func), aliases) in _SEEDING
                and call.args and all(isinstance(argument, ast.Constant) for argument in call.args)):
            return statement.lineno
    return None


def _unit_structure(tree: ast.Module, aliases: dict[str, str]) -> tuple[tuple[ClassFact, ...], frozenset[str],
                                                                         frozenset[str], bool, bool, bool]:
    """Classes, dotted names used, constant keyword arguments, whether it draws random numbers (not after
    seeding them itself), whether it seeds them, and whether it asks input()."""
    classes = []
    uses, keywords = set(), set()
    asks = False
    first_draw = None
    for node in nodes(tree):
        if isinstance(node, ast.ClassDef):
            bases = tuple(_canonical(_dotted(base), aliases) or "?" for base in node.bases)
            methods = tuple(item.name for item in node.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)))
            classes.append(ClassFact(name=node.name, bases=bases, methods=methods, line=node.lineno))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "input":
            asks = True
        if isinstance(node, (ast.Name, ast.Attribute)) and isinstance(getattr(node, "ctx", None), ast.Load):
            name = _canonical(_dotted(node), aliases)
            if name and "." in name:
                uses.add(name)
                if name.startswith(_RANDOM) and name not in _SEEDING:
                    first_draw = min(first_draw or node.lineno, node.lineno)
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg and isinstance(keyword.value, ast.Constant):
                    keywords.add(f"{keyword.arg}={keyword.value.value!r}")
                    if keyword.arg == "shuffle" and keyword.value.value is True:
                        first_draw = min(first_draw or node.lineno, node.lineno)
    seed = _seed_line(tree, aliases)
    random = first_draw is not None and not (seed is not None and seed < first_draw)
    return tuple(classes), frozenset(uses), frozenset(keywords), random, seed is not None, asks


_PARSING = threading.Lock()


def parse(source: str) -> ast.Module:
    """`ast.parse`, one thread at a time: CPython 3.11 builds syntax trees with a recursion counter shared by
    every thread, and two parses at once can fail with "AST constructor recursion depth mismatch"."""
    with _PARSING:
        return ast.parse(source)


def compile_error(source: str, filename: str) -> Exception | None:
    """Why Python cannot compile a unit (a SyntaxError, or ValueError for NUL bytes), or None; under the
    same lock as `parse`, since compiling builds the same syntax trees."""
    with _PARSING:
        try:
            compile(source, filename, "exec", dont_inherit=True)
        except (SyntaxError, ValueError, MemoryError, RecursionError) as error:
            return error
    return None


def nodes(tree: ast.AST) -> tuple[ast.AST, ...]:
    """Every node of a syntax tree from `parsed` (so never changed), in `ast.walk` order, walked once and
    kept on the tree: tamper checks, imports and structure each read every tree of a submission again."""
    walked = tree.__dict__.get(WALKED)
    if walked is None:
        walked = tuple(ast.walk(tree))
        setattr(tree, WALKED, walked)  # two threads may both walk it first: the same nodes either way
    return walked


@functools.lru_cache(maxsize=1024)
def parsed(source: str) -> ast.Module | None:
    """A unit's syntax tree, parsed once for every analysis that reads it (never to be changed), or None."""
    try:
        return parse(source)
    except (SyntaxError, ValueError):
        return None


@functools.lru_cache(maxsize=1024)
def _entries(source: str) -> tuple:
    tree = parsed(source)
    return tuple(function_entries(tree)) if tree is not None else ()


def _segment(lines: list[str], node: ast.AST) -> str:
    """ast.get_source_segment without splitting the whole source again for every node."""
    try:
        first, last = node.lineno - 1, node.end_lineno - 1
        if first == last:
            return lines[first].encode()[node.col_offset:node.end_col_offset].decode(errors="replace")
        pieces = [lines[first].encode()[node.col_offset:].decode(errors="replace"), *lines[first + 1:last],
                  lines[last].encode()[:node.end_col_offset].decode(errors="replace")]
        return "\n".join(pieces)
    except (AttributeError, TypeError, IndexError):
        return ""


def _itemwise(returns: list[list[Provenance]]) -> list[Provenance] | None:
    """What each item a function returns is, over all its returns (None when they return different counts)."""
    if len({len(items) for items in returns}) != 1:
        return None
    return [_join_all(column) for column in zip(*returns)]


def _own_parameters(function: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, Provenance]:
    """Parameters whose callers are not known: each is a value of its own name."""
    arguments = function.args
    return {a.arg: Provenance(constant=False, copies=frozenset({a.arg}))
            for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                      *([arguments.vararg] if arguments.vararg else []), *([arguments.kwarg] if arguments.kwarg else [])]}


@dataclass
class _Program:
    """What the analysis of one part knows before it reads each unit's shown values."""

    aliases: dict[str, str]
    student_functions: dict[str, bool]  # name -> uses autograd
    everywhere: dict[str, Provenance]  # module-level names as they end up after every unit: what a body sees
    calls: dict[str, dict[tuple[int, int], _CallSite]]  # student function -> (unit, line) -> its arguments
    returned: dict[str, list[Provenance]]  # student function -> what each item it returns is

    def flow(self, *, sites: dict, found: dict, outer: bool = True, arguments: dict | None = None,
             unit: int = 0) -> _Flow:
        flow = _Flow(aliases=self.aliases, student_functions=self.student_functions, sites=sites, found=found,
                     outer=self.everywhere if outer else None, arguments=arguments, unit=unit)
        flow.returned = self.returned
        return flow


def _program(trees: list[ast.Module | None], entries_of: dict, aliases: dict[str, str],
             student_functions: dict[str, bool]) -> _Program:
    """Module-level names, where each student function is called and with what, and what each returns:
    module-level code first (it calls the functions), then every body (which call one another)."""
    program = _Program(aliases=aliases, student_functions=student_functions, everywhere={}, calls={}, returned={})
    outer = program.flow(sites={}, found={}, outer=False, arguments=program.calls)
    for index, tree in enumerate(trees):
        if tree is not None:
            outer.unit = index
            outer.block(tree.body)
    program.everywhere = dict(outer.env)
    for index, tree in enumerate(trees):
        for entry in entries_of[id(tree)] if tree is not None else ():
            inner = program.flow(sites={}, found={}, arguments=program.calls, unit=index)
            inner.env.update(_own_parameters(entry.node))
            inner.returns = []
            inner.block(entry.node.body)
            if "." not in entry.qualname and inner.returns:
                program.returned[entry.node.name] = _itemwise(inner.returns)
    return program


def _shown_values(program: _Program, module: _Flow, tree: ast.Module, entries, sites: list[Site]):
    """How each site's value was made (module-level code, followed by `module` from one unit to the next, and
    function bodies), and, for a site in a function, how it was made at each place that calls the function."""
    found: dict[int, Provenance] = {}
    by_caller: dict[int, list[tuple[int, int, Provenance]]] = {}
    by_node = {id(site.node): site for site in sites}
    module.sites, module.found = by_node, found
    module.block(tree.body)
    for entry in entries:
        inner = program.flow(sites=by_node, found=found)
        inner.env.update(_own_parameters(entry.node))
        inner.block(entry.node.body)
        if "." in entry.qualname or not found:
            continue  # methods are called on objects, which this analysis does not follow
        for (unit, line), call in program.calls.get(entry.node.name, {}).items():
            at_call: dict[int, Provenance] = {}
            inner = program.flow(sites=by_node, found=at_call)
            inner.env.update(call.bind(entry.node))
            inner.block(entry.node.body)
            for site_index, provenance in at_call.items():
                by_caller.setdefault(site_index, []).append((unit, line, provenance))
    return found, by_caller


def analyse(sources: list[str], *, cells: bool, printers: frozenset[str] = frozenset()) -> SourceFacts:
    """The facts of one part's units (a notebook's cells, or one script), in order; `printers` are the
    submission's helper functions that print what they are given (grader.observe.sites.printing_functions)."""
    steps = analysing(sources, cells=cells, printers=printers)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


def analysing(sources: list[str], *, cells: bool, printers: frozenset[str] = frozenset()
              ) -> Generator[None, None, SourceFacts]:
    """`analyse`, a step at a time (the program's flow, then each unit's), for a grader that reads the source
    between its child's messages (grader.sandbox.launcher.Beside): each step keeps the child waiting at most
    about a millisecond, where a whole part's analysis would keep it waiting several."""
    trees: list[ast.Module | None] = [parsed(source) for source in sources]
    parsed_trees = [tree for tree in trees if tree is not None]
    entries_of = {id(tree): _entries(source) for source, tree in zip(sources, trees) if tree is not None}
    aliases = import_aliases(parsed_trees)
    functions = _autograd_functions(parsed_trees, aliases, entries_of)
    yield
    program = _program(trees, entries_of, aliases, {name: uses for name, (uses, _) in functions.items()})
    module = program.flow(sites={}, found={}, outer=False)  # a notebook's cells share one namespace
    units = []
    for index, (source, tree) in enumerate(zip(sources, trees)):
        yield
        if tree is None:
            units.append(UnitFacts(index=index, parsed=False))
            continue
        sites = report_sites(tree, source, cell=cells, printers=printers)
        found, by_caller = _shown_values(program, module, tree, entries_of[id(tree)], sites)
        lines = source.splitlines()
        reports = tuple(
            ReportFact(index=site.index, kind=site.kind, line=site.node.lineno,
                       expression=_segment(lines, site.node)[:120], label=_label(site),
                       provenance=found.get(site.index, UNKNOWN), callers=tuple(by_caller.get(site.index, ())),
                       decimals=_rounded_to(site.node, aliases))
            for site in sites)
        facts = tuple(FunctionFact(qualname=entry.qualname, line=entry.node.lineno,
                                   end_line=entry.node.end_lineno or entry.node.lineno,
                                   uses_autograd=functions.get(entry.qualname, (False, None))[0],
                                   autograd_line=functions.get(entry.qualname, (False, None))[1])
                      for entry in entries_of[id(tree)])
        classes, uses, keywords, random, seeds, asks = _unit_structure(tree, aliases)
        units.append(UnitFacts(index=index, parsed=True, reports=reports, classes=classes, functions=facts,
                               uses=uses, keywords=keywords, random=random, seeds=seeds, asks_input=asks))
    return SourceFacts(units=tuple(units))
