"""What the instruments saw, as typed, bounded records: the wire format of both processes.

The child builds these from what student code does with torch and sends them
as JSON of builtins (``to_json``); the grader reads them back with
``from_json``, which checks every field's type and bound and raises
``ValueError`` on anything else, so a malformed or forged line is dropped by
the reader (grader.sandbox.record) instead of reaching a verdict. They are
observations only: nothing here says whether an answer is right.

One ``Activity`` covers one unit (cell or script) of the run. Long loops are summarised inside it (the first gradient
computations of a site in full, then counts and the loss series), so its size
does not grow with the number of epochs.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

# Bounds the reader enforces; the child's budget (grader.observe.instruments) stays inside them.
MAX_VALUES = 4096  # numbers in one tensor description
MAX_NAMES = 16
MAX_RECORDS = 4000  # records of one kind in one activity
SUBTRACTED = "SubBackward0@right"  # a graph op: a subtraction whose tracked operand is on the right (`y - yp`)
MAX_SERIES = 5000  # losses kept for one site
MAX_TEXT = 200

_SPECIAL = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
TRAINING_INPUT = "(training input)"  # Evaluation.data of a module called on the largest input it was trained on


def number_to_json(value: float) -> float | str:
    """JSON has no NaN or infinity: spell them as strings."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def _numbers_to_json(values) -> list:
    """Many numbers at once; only a list holding NaN or infinity takes the slow path."""
    if math.isfinite(math.fsum(values)) if values else True:
        return list(values)
    return [number_to_json(v) for v in values]


def _number(raw) -> float:
    if isinstance(raw, str):
        return _SPECIAL[raw]
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise ValueError(f"not a number: {raw!r}")
    return float(raw)


def _integer(raw, low: int = 0, high: int = 2**62) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
        raise ValueError(f"not an integer in range: {raw!r}")
    return raw


def _text(raw) -> str:
    if not isinstance(raw, str):
        raise ValueError(f"not text: {raw!r}")
    return raw[:MAX_TEXT]


def _texts(raw, limit: int = MAX_NAMES) -> tuple[str, ...]:
    if not isinstance(raw, list):
        raise ValueError("not a list")
    return tuple(_text(item) for item in raw[:limit])


def _bounded(raw, limit: int) -> list:
    if not isinstance(raw, list):
        raise ValueError("not a list")
    if len(raw) > limit:
        raise ValueError("too many items")
    return raw


def _shape(raw) -> tuple[int, ...]:
    return tuple(_integer(n, 0, 10**9) for n in _bounded(raw, 8))


@dataclass(frozen=True, kw_only=True)
class TensorInfo:
    """A number, tensor or array as seen: its shape and (when small enough) its values, flattened."""

    shape: tuple[int, ...]
    values: tuple[float, ...] | None  # None: too many to keep
    requires_grad: bool = False

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def scalar(self) -> float | None:
        """The single value, when there is exactly one."""
        return self.values[0] if self.values is not None and len(self.values) == 1 else None

    def to_json(self) -> dict:
        values = None if self.values is None else _numbers_to_json(self.values)
        return {"shape": list(self.shape), "values": values, "grad": self.requires_grad}

    @classmethod
    def from_json(cls, data: dict) -> "TensorInfo":
        values = data["values"]
        return cls(shape=_shape(data["shape"]),
                   values=None if values is None else tuple(_number(v) for v in _bounded(values, MAX_VALUES)),
                   requires_grad=bool(data.get("grad", False)))


def _optional_tensor(data) -> TensorInfo | None:
    return None if data is None else TensorInfo.from_json(data)


@dataclass(frozen=True, kw_only=True)
class Leaf:
    """A tensor at the start of a gradient computation's graph, with the names code binds it to."""

    ident: int  # the run's own number for this tensor object
    names: tuple[str, ...]  # "w", "model.w", "model.linear.weight"
    owners: tuple[str, ...]  # for a dotted name, the class of the object holding it ("" otherwise)
    value: TensorInfo  # before the computation
    grad: TensorInfo | None  # .grad right after it

    def to_json(self) -> dict:
        return {"ident": self.ident, "names": list(self.names), "owners": list(self.owners),
                "value": self.value.to_json(), "grad": None if self.grad is None else self.grad.to_json()}

    @classmethod
    def from_json(cls, data: dict) -> "Leaf":
        return cls(ident=_integer(data["ident"]), names=_texts(data["names"]), owners=_texts(data["owners"]),
                   value=TensorInfo.from_json(data["value"]), grad=_optional_tensor(data["grad"]))


@dataclass(frozen=True, kw_only=True)
class Named:
    """A value bound to a name in the student's scope."""

    name: str
    value: TensorInfo

    def to_json(self) -> dict:
        return {"name": self.name, "value": self.value.to_json()}

    @classmethod
    def from_json(cls, data: dict) -> "Named":
        return cls(name=_text(data["name"]), value=TensorInfo.from_json(data["value"]))


@dataclass(frozen=True, kw_only=True)
class Graph:
    """The shape of a computation graph: the kinds of operation in it and the shapes they saved."""

    ops: tuple[str, ...]  # grad_fn class names: "MseLossBackward0", "SigmoidBackward0", …
    shapes: tuple[tuple[int, ...], ...]  # distinct shapes of tensors saved for the backward pass
    broadcasts: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...] = ()  # operand pairs that broadcast larger

    def to_json(self) -> dict:
        return {"ops": list(self.ops), "shapes": [list(s) for s in self.shapes],
                "broadcasts": [[list(a), list(b)] for a, b in self.broadcasts]}

    @classmethod
    def from_json(cls, data: dict) -> "Graph":
        pairs = tuple((_shape(a), _shape(b)) for a, b in _bounded(data.get("broadcasts", []), 32))
        return cls(ops=_texts(data["ops"], 200), shapes=tuple(_shape(s) for s in _bounded(data["shapes"], 200)),
                   broadcasts=pairs)


@dataclass(frozen=True, kw_only=True)
class GradientCall:
    """One gradient computation: ``backward()`` or ``torch.autograd.grad``."""

    seq: int  # order among every record of the run
    unit: int  # the cell or script whose line made the call
    line: int
    api: str  # "backward" | "grad"
    root: TensorInfo
    leaves: tuple[Leaf, ...]
    failed: bool = False  # the call raised
    graph: Graph | None = None  # walked at a run's first call and when the graph changes
    scope: tuple[Named, ...] | None = None  # small values in scope, at a run's first call
    segment: int = 0  # the run it belongs to: computations of one line on the same (or rebound) tensors
    # Made inside a function: the (unit, line) of the top-level statement that called into it, so that a report
    # site in that function is told apart by its caller (Q2's `run("yp-y")` from the additional question's).
    entry: tuple[int, int] | None = None

    def to_json(self) -> dict:
        return {"seq": self.seq, "unit": self.unit, "line": self.line, "api": self.api, "segment": self.segment,
                "entry": None if self.entry is None else list(self.entry),
                "root": self.root.to_json(), "leaves": [leaf.to_json() for leaf in self.leaves],
                "failed": self.failed, "graph": None if self.graph is None else self.graph.to_json(),
                "scope": None if self.scope is None else [named.to_json() for named in self.scope]}

    @classmethod
    def from_json(cls, data: dict) -> "GradientCall":
        scope = data.get("scope")
        graph = data.get("graph")
        api = _text(data["api"])
        if api not in ("backward", "grad"):
            raise ValueError(api)
        return cls(seq=_integer(data["seq"]), unit=_integer(data["unit"]), line=_integer(data["line"]),
                   api=api, root=TensorInfo.from_json(data["root"]),
                   leaves=tuple(Leaf.from_json(leaf) for leaf in _bounded(data["leaves"], 64)),
                   failed=bool(data.get("failed", False)),
                   graph=None if graph is None else Graph.from_json(graph),
                   scope=None if scope is None else tuple(Named.from_json(n) for n in _bounded(scope, 200)),
                   segment=_integer(data.get("segment", 0)), entry=_entry(data.get("entry")))


def _entry(data) -> tuple[int, int] | None:
    if data is None:
        return None
    unit, line = _bounded(data, 2)
    return _integer(unit), _integer(line)


@dataclass(frozen=True, kw_only=True)
class LossSeries:
    """Every gradient computation of one run (one line, the same tensors), summarised: how many, their roots."""

    unit: int
    line: int
    count: int
    first: tuple[float, ...]  # the roots of the first calls
    last: tuple[float, ...]  # the roots of the last calls (after `first`, no overlap)
    first_seq: int = 0
    last_seq: int = 0
    segment: int = 0

    def to_json(self) -> dict:
        return {"unit": self.unit, "line": self.line, "count": self.count, "segment": self.segment,
                "first": _numbers_to_json(self.first), "last": _numbers_to_json(self.last),
                "first_seq": self.first_seq, "last_seq": self.last_seq}

    @classmethod
    def from_json(cls, data: dict) -> "LossSeries":
        return cls(unit=_integer(data["unit"]), line=_integer(data["line"]), count=_integer(data["count"]),
                   first=tuple(_number(v) for v in _bounded(data["first"], MAX_SERIES)),
                   last=tuple(_number(v) for v in _bounded(data["last"], MAX_SERIES)),
                   first_seq=_integer(data.get("first_seq", 0)), last_seq=_integer(data.get("last_seq", 0)),
                   segment=_integer(data.get("segment", 0)))


@dataclass(frozen=True, kw_only=True)
class OptimizerUse:
    """One optimizer object and the steps it took (torch's global step hook)."""

    ident: int
    cls: str
    hyper: dict[str, float]  # lr, momentum, weight_decay … of its first parameter group
    params: tuple[int, ...]  # idents of the tensors it updates
    steps: int
    first_seq: int
    last_seq: int

    def to_json(self) -> dict:
        return {"ident": self.ident, "cls": self.cls, "hyper": {k: number_to_json(v) for k, v in self.hyper.items()},
                "params": list(self.params), "steps": self.steps, "first_seq": self.first_seq,
                "last_seq": self.last_seq}

    @classmethod
    def from_json(cls, data: dict) -> "OptimizerUse":
        hyper = data["hyper"]
        if not isinstance(hyper, dict) or len(hyper) > 20:
            raise ValueError("hyper")
        return cls(ident=_integer(data["ident"]), cls=_text(data["cls"]),
                   hyper={_text(k): _number(v) for k, v in hyper.items()},
                   params=tuple(_integer(p) for p in _bounded(data["params"], 256)),
                   steps=_integer(data["steps"]), first_seq=_integer(data["first_seq"]),
                   last_seq=_integer(data["last_seq"]))


@dataclass(frozen=True, kw_only=True)
class ModuleUse:
    """One ``nn.Module`` object that was called (torch's global forward hook)."""

    ident: int
    cls: str
    bases: tuple[str, ...]  # the class's ancestors, nearest first
    own: bool  # its class is defined in the student's code
    calls: int
    outer_calls: int  # calls not made from inside another module's forward
    params: tuple[int, ...]  # idents of its parameters
    features: tuple[int, ...] = ()  # nn.Linear: (in_features, out_features)
    inputs: tuple[tuple[int, ...], ...] = ()  # shapes of the tensors passed at the first call
    output: tuple[int, ...] | None = None  # shape of the first call's output
    values: tuple[float, ...] = ()  # scalar outputs (losses) of the first calls
    last_value: float | None = None
    first_seq: int = 0
    training_input: TensorInfo | None = None  # the largest input it was called with (the data, in one batch)

    def to_json(self) -> dict:
        return {"ident": self.ident, "cls": self.cls, "bases": list(self.bases), "own": self.own,
                "training_input": None if self.training_input is None else self.training_input.to_json(),
                "calls": self.calls, "outer_calls": self.outer_calls, "params": list(self.params),
                "features": list(self.features), "inputs": [list(s) for s in self.inputs],
                "output": None if self.output is None else list(self.output),
                "values": [number_to_json(v) for v in self.values],
                "last_value": None if self.last_value is None else number_to_json(self.last_value),
                "first_seq": self.first_seq}

    @classmethod
    def from_json(cls, data: dict) -> "ModuleUse":
        output, last = data.get("output"), data.get("last_value")
        return cls(ident=_integer(data["ident"]), cls=_text(data["cls"]), bases=_texts(data["bases"], 32),
                   own=bool(data["own"]), calls=_integer(data["calls"]), outer_calls=_integer(data["outer_calls"]),
                   params=tuple(_integer(p) for p in _bounded(data["params"], 256)),
                   features=tuple(_integer(n) for n in _bounded(data.get("features", []), 4)),
                   inputs=tuple(_shape(s) for s in _bounded(data.get("inputs", []), 8)),
                   output=None if output is None else _shape(output),
                   values=tuple(_number(v) for v in _bounded(data.get("values", []), 64)),
                   last_value=None if last is None else _number(last), first_seq=_integer(data.get("first_seq", 0)),
                   training_input=_optional_tensor(data.get("training_input")))


@dataclass(frozen=True, kw_only=True)
class LoaderUse:
    """One ``DataLoader`` object that was iterated."""

    ident: int
    dataset_cls: str
    dataset_bases: tuple[str, ...]
    dataset_own: bool
    dataset_len: int | None
    batch_size: int | None
    shuffle: bool
    iterations: int  # times it was looped over (epochs, usually)
    batches: int  # batches it yielded in all
    first_seq: int
    last_seq: int
    batch_shapes: tuple[tuple[int, ...], ...] = ()  # shapes in its first batch

    def to_json(self) -> dict:
        return {"ident": self.ident, "dataset_cls": self.dataset_cls, "dataset_bases": list(self.dataset_bases),
                "dataset_own": self.dataset_own, "dataset_len": self.dataset_len, "batch_size": self.batch_size,
                "shuffle": self.shuffle, "iterations": self.iterations, "batches": self.batches,
                "first_seq": self.first_seq, "last_seq": self.last_seq,
                "batch_shapes": [list(s) for s in self.batch_shapes]}

    @classmethod
    def from_json(cls, data: dict) -> "LoaderUse":
        length, size = data.get("dataset_len"), data.get("batch_size")
        return cls(ident=_integer(data["ident"]), dataset_cls=_text(data["dataset_cls"]),
                   dataset_bases=_texts(data["dataset_bases"], 32), dataset_own=bool(data["dataset_own"]),
                   dataset_len=None if length is None else _integer(length),
                   batch_size=None if size is None else _integer(size), shuffle=bool(data["shuffle"]),
                   iterations=_integer(data["iterations"]), batches=_integer(data["batches"]),
                   first_seq=_integer(data["first_seq"]), last_seq=_integer(data["last_seq"]),
                   batch_shapes=tuple(_shape(s) for s in _bounded(data.get("batch_shapes", []), 8)))


@dataclass(frozen=True, kw_only=True)
class Reported:
    """The values one report site showed: the first and last few, and how many times it ran."""

    unit: int
    site: int  # index in grader.observe.sites.report_sites of that unit
    count: int
    samples: tuple[tuple[int, TensorInfo], ...]  # (occurrence number, value); only numeric values
    # For a site inside a function: (occurrence number, unit, line) of the call in the student's code that
    # made each kept sample, so that `show("manual", …)` and `show("autograd", …)` are told apart.
    callers: tuple[tuple[int, int, int], ...] = ()

    def to_json(self) -> dict:
        return {"unit": self.unit, "site": self.site, "count": self.count,
                "samples": [[n, value.to_json()] for n, value in self.samples],
                "callers": [list(caller) for caller in self.callers]}

    @classmethod
    def from_json(cls, data: dict) -> "Reported":
        samples = tuple((_integer(n), TensorInfo.from_json(v)) for n, v in _bounded(data["samples"], 64))
        callers = tuple((_integer(n), _integer(unit), _integer(line))
                        for n, unit, line in _bounded(data.get("callers", []), 64))
        return cls(unit=_integer(data["unit"]), site=_integer(data["site"]), count=_integer(data["count"]),
                   samples=samples, callers=callers)


@dataclass(frozen=True, kw_only=True)
class Evaluation:
    """A trained module's output on one of the rubric's evaluation inputs, at the end of a unit."""

    module: int  # ident of the ModuleUse
    data: str  # the rubric's name for the input
    output: TensorInfo

    def to_json(self) -> dict:
        return {"module": self.module, "data": self.data, "output": self.output.to_json()}

    @classmethod
    def from_json(cls, data: dict) -> "Evaluation":
        return cls(module=_integer(data["module"]), data=_text(data["data"]),
                   output=TensorInfo.from_json(data["output"]))


@dataclass(frozen=True, kw_only=True)
class FinalValue:
    """A tensor that took part in a gradient computation, as it is at the end of the span."""

    ident: int
    names: tuple[str, ...]
    value: TensorInfo

    def to_json(self) -> dict:
        return {"ident": self.ident, "names": list(self.names), "value": self.value.to_json()}

    @classmethod
    def from_json(cls, data: dict) -> "FinalValue":
        return cls(ident=_integer(data["ident"]), names=_texts(data["names"]), value=TensorInfo.from_json(data["value"]))


@dataclass(frozen=True, kw_only=True)
class Activity:
    """Everything the instruments saw during one unit, or during a probe's first case (``probe`` names it)."""

    unit: int
    probe: str = ""
    gradients: tuple[GradientCall, ...] = ()
    series: tuple[LossSeries, ...] = ()
    optimizers: tuple[OptimizerUse, ...] = ()
    modules: tuple[ModuleUse, ...] = ()
    loaders: tuple[LoaderUse, ...] = ()
    reports: tuple[Reported, ...] = ()
    calls: dict[str, int] = field(default_factory=dict)  # function entry qualname -> calls in this span
    finals: tuple[FinalValue, ...] = ()
    evaluations: tuple[Evaluation, ...] = ()
    locals: tuple[Named, ...] = ()  # small values the student's functions computed ("manual.b"), first calls only
    dropped: int = 0  # records left out to stay within the budget

    def to_json(self) -> dict:
        return {"type": "activity", "unit": self.unit, "probe": self.probe,
                "gradients": [g.to_json() for g in self.gradients], "series": [s.to_json() for s in self.series],
                "optimizers": [o.to_json() for o in self.optimizers], "modules": [m.to_json() for m in self.modules],
                "loaders": [lo.to_json() for lo in self.loaders], "reports": [r.to_json() for r in self.reports],
                "calls": dict(self.calls), "finals": [f.to_json() for f in self.finals],
                "evaluations": [e.to_json() for e in self.evaluations], "locals": [n.to_json() for n in self.locals],
                "dropped": self.dropped}

    @classmethod
    def from_json(cls, data: dict) -> "Activity":
        calls = data.get("calls", {})
        if not isinstance(calls, dict) or len(calls) > MAX_RECORDS:
            raise ValueError("calls")

        def many(key, kind):
            return tuple(kind.from_json(item) for item in _bounded(data.get(key, []), MAX_RECORDS))

        return cls(unit=_integer(data["unit"]), probe=_text(data.get("probe", "")), gradients=many("gradients", GradientCall), series=many("series", LossSeries),
                   optimizers=many("optimizers", OptimizerUse), modules=many("modules", ModuleUse),
                   loaders=many("loaders", LoaderUse), reports=many("reports", Reported),
                   calls={_text(k): _integer(v) for k, v in calls.items()},
                   finals=many("finals", FinalValue), evaluations=many("evaluations", Evaluation),
                   locals=tuple(Named.from_json(item) for item in _bounded(data.get("locals", []), 256)),
                   dropped=_integer(data.get("dropped", 0)))
