"""The instruments the child installs before student code runs: what the code does with torch.

A `Recorder` watches one run. It wraps ``torch.autograd.backward`` (which
``Tensor.backward`` calls), ``torch.autograd.grad`` and ``nn.Module.__call__``,
registers torch's global optimizer-step hook, wraps ``DataLoader.__iter__``,
and receives the calls that grader.observe.sites inserted into the student's
tree (report sites and function entries). Everything it keeps is a bounded
description of numbers and shapes (grader.observe.events), attributed to the
unit and line that caused it; at the end of each unit the harness asks for
an `Activity` and sends it. It decides nothing. While the harness calls the
contract's functions itself (probes) the recorder is paused.

Recording never changes what student code computes: values pass through
unchanged, the wrapped calls are the originals, and a failure inside the
recorder is counted and swallowed (only the harness's time limit, a
BaseException, passes through).
"""
from __future__ import annotations

import collections
import numbers
import sys
import weakref

from grader.observe.events import (TRAINING_INPUT, Activity, Evaluation, FinalValue, GradientCall, Graph, Leaf,
                                   LoaderUse, LossSeries, ModuleUse, Named, OptimizerUse, Reported, TensorInfo)
from grader.observe.events import SUBTRACTED
from grader.observe.sites import DISPLAY, ENTER, REPORT

# The budget of one unit: what a 10,000-epoch loop costs to report.
DETAILED_PER_SITE = 8  # gradient computations of one run kept in full (the judge reads the first few: the start,
                       # the first update, whether gradients pile up); the rest are counted and their losses kept
DETAILED_PER_SPAN = 600
SERIES_FIRST = 2000  # scalar roots (losses) kept from the start of a run …
SERIES_LAST = 200  # … and from its end
REPORT_FIRST, REPORT_LAST = 24, 8  # values kept per report site (a loop printing each element of a vector)
MAX_TENSOR_VALUES = 1024
MAX_SCOPE = 80
FRAMES_PER_FUNCTION, MAX_FRAMES, MAX_LOCALS = 2, 32, 256  # student functions' locals kept per span (forward passes)
MAX_SCOPE_VALUES = 256
MAX_LEAVES = 32
MAX_GRAPH_NODES = 4000
KEY = 65536  # report and function keys are unit * KEY + index
_NUMBER_MODULES = frozenset({"sympy", "fractions", "decimal", "mpmath"})

_SAVED = ("_saved_self", "_saved_other", "_saved_result", "_saved_target", "_saved_mat2", "_saved_weight")
_SAVED_SIZES = ("_saved_self_sym_sizes", "_saved_other_sym_sizes")  # reductions keep their input's shape


def _unit_of(key: int) -> tuple[int, int]:
    return divmod(key, KEY)


class _Segment:
    """The gradient computations of one line on one set of tensors: one training run, usually."""

    def __init__(self, number: int, unit: int, line: int):
        self.number = number
        self.unit, self.line = unit, line
        self.count = 0
        self.detailed = 0
        self.first: list[float] = []
        self.last: collections.deque = collections.deque(maxlen=SERIES_LAST)
        self.first_seq = 0
        self.last_seq = 0
        self.idents: frozenset = frozenset()
        self.names: tuple = ()
        self.start: tuple = ()  # the leaves' values at its first computation
        self.ops: tuple = ()  # the kinds of operation in its graph: another function is another run
        self.shapes: tuple = ()  # its leaves' shapes: another model (nn.Linear(2, 1) after (1, 1)) is another run
        self.named: dict = {}  # leaf ident -> [(name, owner)], found once per set of tensors


class _Site:
    """What one line that calls backward() has done so far."""

    def __init__(self):
        self.segment: _Segment | None = None
        self.graph_kind: str | None = None
        self.cached: list = []  # the leaves of the last walk: gradients should reach them
        self.marks: list = []  # their gradients' identity and version just before the current computation
        self.watch: tuple | None = None  # (the way from the root to a leaf, that leaf) found at the last walk
        self.walk = True  # the next computation is walked (the leaves may have changed)


class _ReportSite:
    def __init__(self):
        self.count = 0
        self.first: list = []
        self.last: collections.deque = collections.deque(maxlen=REPORT_LAST)
        self.callers: list = []  # (count, unit, line) of the student's call, for a site inside a function
        self.last_callers: collections.deque = collections.deque(maxlen=REPORT_LAST)
        self.top_level = False  # in a unit's own code, not a function's: it has no caller to record


class _LoaderState:
    def __init__(self, ident: int, loader, recorder: "Recorder"):
        dataset = getattr(loader, "dataset", None)
        kind = type(dataset)
        try:
            length = len(dataset)
        except Exception:
            length = None
        sampler = type(getattr(loader, "sampler", None)).__name__
        self.use = dict(ident=ident, dataset_cls=kind.__qualname__,
                        dataset_bases=tuple(c.__qualname__ for c in kind.__mro__[1:8]),
                        dataset_own=recorder.is_own_class(kind), dataset_len=length,
                        batch_size=getattr(loader, "batch_size", None), shuffle=sampler == "RandomSampler")
        self.iterations = 0
        self.batches = 0
        self.first_seq = 0
        self.last_seq = 0
        self.batch_shapes: tuple = ()


class _CountingIterator:
    """A DataLoader's iterator that counts the batches it hands out; otherwise the original."""

    def __init__(self, inner, state: _LoaderState, recorder: "Recorder"):
        self._inner = inner
        self._state = state
        self._recorder = recorder

    def __iter__(self):
        return self

    def __len__(self):
        return len(self._inner)

    def __next__(self):
        batch = next(self._inner)
        state = self._state
        state.batches += 1
        state.last_seq = self._recorder.next_seq()
        if state.batches == 1:
            state.batch_shapes = self._recorder.shapes_in(batch)
        return batch

    def __getattr__(self, name):
        return getattr(self._inner, name)


class Recorder:
    """Watches one child run; see the module docstring."""

    def __init__(self, *, unit_files: dict[str, int], evaluations: dict, scratch: str):
        self.unit_files = unit_files  # filename used to compile a unit -> its index
        self.evaluations = evaluations  # rubric name -> nested list of numbers
        self.scratch = scratch
        self.quiet = False  # True while the harness itself calls student code
        self.unit = 0
        self.namespace: dict = {}
        self.entries: dict[int, str] = {}  # function key -> qualname
        self._seq = 0
        self._idents: dict[int, tuple] = {}  # id(obj) -> (weakref, ident)
        self._next_ident = 1
        self.torch = None
        self._reset_span()

    # ------------------------------------------------------------------ span bookkeeping
    def _reset_span(self) -> None:
        self.gradients: list[GradientCall] = []
        self.sites: dict[tuple[int, int], _Site] = {}
        self.segments: list[_Segment] = []
        self.report_sites: dict[int, _ReportSite] = {}
        self.calls: collections.Counter = collections.Counter()
        self.optimizers: dict[int, dict] = {}
        self.modules: dict[int, dict] = {}
        self.module_objects: dict[int, object] = {}
        self.module_records: dict[int, dict] = {}  # id(module) -> its record, for repeat calls
        self.loaders: dict[int, _LoaderState] = {}
        self.leaves: dict[int, object] = {}  # ident -> tensor (strong: read again at the span's end)
        self.leaf_names: dict[int, tuple[str, ...]] = {}
        self.frames: list = []  # (function key, frame) of the first calls of each student function
        self.dropped = 0

    def start_job(self, *, unit_files: dict[str, int], evaluations: dict, scratch: str) -> None:
        """Watch the next job of a set, run in this same process: nothing of the last job's is kept."""
        self.unit_files, self.evaluations, self.scratch = unit_files, evaluations, scratch
        self.entries = {}
        self.quiet = False
        self.unit, self.namespace = 0, {}
        self._reset_span()

    def pause(self) -> None:
        """Stop recording (the harness calls student code itself)."""
        self.quiet = True

    def resume(self) -> None:
        self.quiet = False

    def begin(self, *, unit: int, namespace: dict) -> None:
        """Start recording one unit (cell or script), which runs in `namespace`."""
        self._reset_span()
        self.unit, self.namespace = unit, namespace

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def ident(self, obj) -> int:
        """A small number for an object, stable while it lives (ids can be reused, these are not)."""
        known = self._idents.get(id(obj))
        if known is not None and known[0]() is obj:
            return known[1]
        ident = self._next_ident
        self._next_ident += 1
        try:
            self._idents[id(obj)] = (weakref.ref(obj), ident)
        except TypeError:
            pass
        return ident

    def is_own_class(self, kind: type) -> bool:
        """Defined by the student: in a unit's namespace (`__main__`) or in a file of their folder."""
        module = getattr(kind, "__module__", "") or ""
        if module == "__main__":
            return True
        found = sys.modules.get(module)
        path = getattr(found, "__file__", None) or ""
        return bool(self.scratch) and path.startswith(self.scratch)

    # ------------------------------------------------------------------ describing values
    def describe(self, value, limit: int = MAX_TENSOR_VALUES) -> TensorInfo | None:
        """A number, tensor, array or short list of numbers as a TensorInfo; None for anything else."""
        torch = self.torch
        if isinstance(value, bool):
            return None
        if isinstance(value, (int, float)):
            return TensorInfo(shape=(), values=(float(value),))
        if torch is not None and isinstance(value, torch.Tensor):
            if value.is_complex() or value.layout != torch.strided:
                return None
            shape = tuple(int(n) for n in value.shape)
            numel = value.numel()
            values = None
            if numel <= limit:
                flat = value.detach().reshape(-1)
                values = tuple(float(v) for v in (flat.double() if flat.dtype != torch.bool else flat.double()).tolist())
            return TensorInfo(shape=shape, values=values, requires_grad=bool(value.requires_grad))
        numpy = sys.modules.get("numpy")
        if numpy is not None and isinstance(value, numpy.ndarray):
            if value.dtype.kind not in "biuf":
                return None
            values = tuple(float(v) for v in value.reshape(-1).tolist()) if value.size <= limit else None
            return TensorInfo(shape=tuple(int(n) for n in value.shape), values=values)
        if numpy is not None and isinstance(value, numpy.generic) and value.dtype.kind in "iuf":
            return TensorInfo(shape=(), values=(float(value),))
        if type(value).__module__.split(".")[0] in _NUMBER_MODULES and isinstance(value, numbers.Real):
            # sympy's `dY.subs(x, 2)`, a Fraction, a Decimal: numbers the student printed (library types only, so
            # no student-defined __float__ runs here)
            try:
                return TensorInfo(shape=(), values=(float(value),))
            except (TypeError, ValueError, OverflowError):
                return None
        pandas = sys.modules.get("pandas")
        if pandas is not None and type(value) in (pandas.DataFrame, pandas.Series) and numpy is not None:
            return _table_numbers(value, pandas, numpy, limit)
        if type(value) in (list, tuple) and 0 < len(value) <= limit:
            flat = []
            for item in value:
                described = self.describe(item, limit)
                if described is None or described.values is None:
                    return None
                flat.extend(described.values)
                if len(flat) > limit:
                    return None
            return TensorInfo(shape=(len(flat),), values=tuple(flat))
        return None

    def shapes_in(self, batch) -> tuple:
        torch = self.torch
        items = batch if isinstance(batch, (list, tuple)) else [batch]
        return tuple(tuple(int(n) for n in item.shape) for item in items[:8]
                     if torch is not None and isinstance(item, torch.Tensor))

    # ------------------------------------------------------------------ where student code is
    def student_frame(self):
        """The innermost frame running a unit's code, and that unit's index."""
        frame = sys._getframe(2)
        depth = 0
        while frame is not None and depth < 12:
            unit = self.unit_files.get(frame.f_code.co_filename)
            if unit is not None:
                return frame, unit
            frame = frame.f_back
            depth += 1
        return None, self.unit

    def _entry(self, frame) -> tuple[int, int] | None:
        """For a frame of a student's function: the (unit, line) of the top-level statement that called into it."""
        if frame is None or frame.f_code.co_name == "<module>":
            return None
        depth = 0
        while frame is not None and depth < 32:
            if frame.f_code.co_name == "<module>":
                unit = self.unit_files.get(frame.f_code.co_filename)
                return None if unit is None else (unit, frame.f_lineno)
            frame, depth = frame.f_back, depth + 1
        return None

    def _names_for(self, targets: dict[int, object], frame) -> dict[int, list[tuple[str, str]]]:
        """Names (and owner classes) bound to each target object in the frame and the unit's namespace."""
        found: dict[int, list[tuple[str, str]]] = {key: [] for key in targets}
        by_id = {id(obj): key for key, obj in targets.items()}
        scopes = []
        if frame is not None:
            scopes.append(frame.f_locals)
            if frame.f_globals is not frame.f_locals:
                scopes.append(frame.f_globals)
        elif self.namespace:
            scopes.append(self.namespace)
        torch = self.torch
        seen = set()
        for scope in scopes:
            for name, value in list(scope.items())[:400]:
                if name.startswith("__") or id(value) in seen:
                    continue
                seen.add(id(value))
                key = by_id.get(id(value))
                if key is not None:
                    found[key].append((name, ""))
                    continue
                owner = type(value).__qualname__
                if torch is not None and isinstance(value, torch.nn.Module):
                    try:
                        for attr, parameter in list(value.named_parameters())[:64]:
                            key = by_id.get(id(parameter))
                            if key is not None:
                                found[key].append((f"{name}.{attr}", owner))
                    except Exception:
                        pass
                elif self.is_own_class(type(value)) and hasattr(value, "__dict__"):
                    for attr, inner in list(vars(value).items())[:64]:
                        key = by_id.get(id(inner))
                        if key is not None:
                            found[key].append((f"{name}.{attr}", owner))
        return found

    def _scope(self, frame) -> tuple[Named, ...]:
        """Small numeric values bound to names where the computation was made (and one level into objects)."""
        scopes = [frame.f_locals] if frame is not None else []
        if frame is not None and frame.f_globals is not frame.f_locals:
            scopes.append(frame.f_globals)
        named, seen = [], set()
        for scope in scopes:
            for name, value in list(scope.items())[:400]:
                if len(named) >= MAX_SCOPE:
                    return tuple(named)
                if name.startswith("__") or name in seen:
                    continue
                seen.add(name)
                described = self.describe(value, MAX_SCOPE_VALUES)
                if described is not None and described.values is not None:
                    named.append(Named(name=name, value=described))
                else:
                    for attr, inner in self._inside(name, value):
                        described = self.describe(inner, MAX_SCOPE_VALUES)
                        if described is not None and described.values is not None and len(named) < MAX_SCOPE:
                            named.append(Named(name=attr, value=described))
        return tuple(named)

    def _inside(self, name: str, value) -> list[tuple[str, object]]:
        """One level into an object of the student's class; a DataLoader's data, through its dataset (the data
        of `DataLoader(MyData(), …)` are bound to no name of their own)."""
        loader_type = getattr(getattr(getattr(self.torch, "utils", None), "data", None), "DataLoader", None)
        if loader_type is not None and isinstance(value, loader_type):
            dataset = getattr(value, "dataset", None)
            tensors = getattr(dataset, "tensors", None)
            if isinstance(tensors, tuple):  # TensorDataset
                return [(f"{name}.dataset.tensors[{i}]", t) for i, t in enumerate(tensors[:8])]
            name, value = f"{name}.dataset", dataset
        if self.is_own_class(type(value)) and hasattr(value, "__dict__") and not isinstance(value, type):
            return [(f"{name}.{attr}", inner) for attr, inner in list(vars(value).items())[:32]]
        return []

    # ------------------------------------------------------------------ gradient computations
    def _walk(self, roots, with_shapes: bool):
        """The leaves of a graph (tensors at AccumulateGrad nodes), its op kinds and saved shapes."""
        leaves, ops, shapes, broadcasts = [], [], [], []
        seen_ops, seen_shapes = set(), set()
        stack = [r.grad_fn for r in roots if r.grad_fn is not None]
        leaf_roots = [r for r in roots if r.grad_fn is None and r.requires_grad]
        leaves.extend(leaf_roots)
        visited = set()
        torch = self.torch
        while stack and len(visited) < MAX_GRAPH_NODES:
            node = stack.pop()
            if node is None or id(node) in visited:
                continue
            visited.add(id(node))
            kind = type(node).__name__
            if kind == "AccumulateGrad":
                variable = getattr(node, "variable", None)
                if variable is not None and len(leaves) < MAX_LEAVES:
                    leaves.append(variable)
                continue
            if kind == "SubBackward0":
                # Which side of the subtraction the graph goes on: `y - yp` and `yp - y` give the same loss and
                # gradients, and only this tells the error conventions apart at run time.
                parents = node.next_functions
                if len(parents) == 2 and parents[0][0] is None and parents[1][0] is not None:
                    kind = SUBTRACTED
            if kind not in seen_ops:
                seen_ops.add(kind)
                ops.append(kind)
            if with_shapes:
                operands = []
                for attribute in _SAVED:
                    saved = getattr(node, attribute, None)
                    if torch is not None and isinstance(saved, torch.Tensor):
                        shape = tuple(int(n) for n in saved.shape)
                        operands.append(shape)
                        if shape not in seen_shapes and len(shapes) < 64:
                            seen_shapes.add(shape)
                            shapes.append(shape)
                for attribute in _SAVED_SIZES:
                    sizes = getattr(node, attribute, None)
                    if isinstance(sizes, tuple) and all(isinstance(n, int) for n in sizes):
                        if sizes not in seen_shapes and len(shapes) < 64:
                            seen_shapes.add(sizes)
                            shapes.append(tuple(sizes))
                pair = _broadcast_pair(torch, operands[:2])
                if pair is not None and pair not in broadcasts and len(broadcasts) < 16:
                    broadcasts.append(pair)
            for parent, _ in reversed(node.next_functions):
                if parent is not None:
                    stack.append(parent)
        # DFS order from the root: for `w * x + b` that is w, then b.
        unique, ids = [], set()
        for leaf in leaves:
            if id(leaf) not in ids:
                ids.add(id(leaf))
                unique.append(leaf)
        return unique, Graph(ops=tuple(ops), shapes=tuple(shapes), broadcasts=tuple(broadcasts))

    def before_gradient(self, roots, api: str, inputs=None):
        """Called just before a gradient computation; returns what `after_gradient` needs.

        The graph is walked (to find its leaves) for the first computations of each training run and
        whenever the gradients stop reaching the leaves found last: a loop of 10,000 epochs costs a walk
        only for its first DETAILED_PER_SITE steps, and a line that starts training new tensors is noticed.
        """
        if self.quiet:
            return None
        torch = self.torch
        if isinstance(roots, torch.Tensor):
            roots = (roots,)
        else:
            roots = [r for r in (roots if isinstance(roots, (list, tuple)) else [roots]) if isinstance(r, torch.Tensor)]
            if not roots:
                return None
        frame, unit = self.student_frame()
        line = frame.f_lineno if frame is not None else 0
        key = (unit, line)
        site = self.sites.get(key)
        if site is None:
            site = self.sites[key] = _Site()
        self._seq += 1
        seq = self._seq
        root = roots[0]
        value = root.item() if root.numel() == 1 else None
        if value is not None and not isinstance(value, (int, float)):
            value = None  # a complex loss has no place in a loss curve
        segment = site.segment
        budget = DETAILED_PER_SITE
        if site.watch is not None and segment is not None and not site.walk:
            # Does the graph still lead, the same way, to the tensor the last walk found? If not (a new call of the
            # training function, a rebinding loop), these are other leaves: walk this computation. A few attribute
            # reads, where resolving a name in a function's frame would build its locals every step.
            path, leaf = site.watch
            if not _leads_to(root, path, leaf):
                site.walk = True
        if segment is not None and not site.walk and (segment.detailed >= budget
                                                      or len(self.gradients) >= DETAILED_PER_SPAN):
            # The cheap path, for every computation after a run's first few: count, keep the loss, and mark
            # the tensors found last so that `after_gradient` can tell whether the gradients still reach them.
            self._count(segment, seq, value)
            if site.watch is None:
                site.marks = [None if leaf.grad is None else (id(leaf.grad), leaf.grad._version)
                              for leaf in site.cached]
            return site
        kind = type(root.grad_fn).__name__ if root.grad_fn is not None else "leaf"
        walk_shapes = site.graph_kind != kind
        site.graph_kind = kind
        if inputs is not None:
            listed = inputs if isinstance(inputs, (list, tuple)) else [inputs]
            leaves = [t for t in listed if isinstance(t, torch.Tensor)][:MAX_LEAVES]
            walked, graph = self._walk(roots, walk_shapes)
            # The asked tensors first (their gradients are the results, in order), then the graph's other leaves:
            # `grad(f, inputs[1])` differentiates f(x, y, z) at values the other leaves hold.
            asked = {id(t) for t in leaves}
            leaves += [t for t in walked if id(t) not in asked][:MAX_LEAVES - len(leaves)]
        else:
            leaves, graph = self._walk(roots, walk_shapes)
        idents = [self.ident(leaf) for leaf in leaves]
        current = site.segment
        if current is not None and all(ident in current.named for ident in idents):
            names = {ident: current.named[ident] for ident in idents}  # the same tensors: the same names
        else:
            names = self._names_for(dict(zip(idents, leaves)), frame)
        before = [self.describe(leaf) for leaf in leaves]
        segment = self._segment_for(site, unit, line, idents, names, before, graph.ops)
        segment.named.update(names)
        site.cached, site.walk = list(leaves), False
        site.watch = _path_to_a_leaf(root)
        self._count(segment, seq, value)
        if segment.detailed >= budget or len(self.gradients) >= DETAILED_PER_SPAN:
            self.dropped += 1
            site.marks = [self._mark(leaf) for leaf in site.cached]
            return site
        segment.detailed += 1
        return dict(seq=seq, unit=unit, line=line, entry=self._entry(frame), api=api, root=self.describe(root),
                    leaves=leaves,
                    idents=idents, names=names, before=before, graph=graph if walk_shapes or segment.detailed == 1
                    else None, scope=self._scope(frame) if segment.detailed == 1 else None, segment=segment.number,
                    site=site)

    @staticmethod
    def _mark(leaf):
        grad = leaf.grad
        return None if grad is None else (id(grad), grad._version)

    def _count(self, segment: _Segment, seq: int, value: float | None) -> None:
        segment.count += 1
        segment.first_seq = segment.first_seq or seq
        segment.last_seq = seq
        if value is not None:
            (segment.first if len(segment.first) < SERIES_FIRST else segment.last).append(value)

    def _segment_for(self, site: _Site, unit: int, line: int, idents, names, before, ops) -> _Segment:
        """The run this computation belongs to: the site's current one, unless these are other tensors that
        are not the same parameters rebound (`w = w - lr * w.grad`): other names, a fresh start, or another
        function (a helper that differentiates whatever it is given computes each exercise at one line)."""
        current = site.segment
        key = frozenset(idents)
        labels = tuple(tuple(n for n, _ in names.get(i, [])[:1]) for i in idents)
        start = tuple(b.values if b is not None else None for b in before)
        shapes = tuple(b.shape if b is not None else None for b in before)
        if current is not None and (key == current.idents or (
                labels == current.names and start != current.start and ops == current.ops
                and shapes == current.shapes)):
            current.idents = key
            return current
        segment = _Segment(len(self.segments), unit, line)
        segment.idents, segment.names, segment.start, segment.ops = key, labels, start, ops
        segment.shapes = shapes
        if len(self.segments) < 200:
            self.segments.append(segment)
        site.segment = segment
        return segment

    def after_gradient(self, token, *, failed: bool = False, results=None) -> None:
        if token is None:
            return
        if token.__class__ is _Site:
            # Had the gradients reached the tensors found last? If not, the next computation is walked.
            site = token
            if site.watch is None and site.cached and all(
                    self._mark(leaf) == mark for leaf, mark in zip(site.cached, site.marks)):
                site.walk = True
            return
        torch = self.torch
        records = []
        for index, (leaf, ident, before) in enumerate(zip(token["leaves"], token["idents"], token["before"])):
            grad = leaf.grad
            if results is not None and index < len(results):
                grad = results[index]
            named = token["names"].get(ident, [])
            records.append(Leaf(ident=ident, names=tuple(n for n, _ in named)[:16],
                                owners=tuple(o for _, o in named)[:16],
                                value=before or TensorInfo(shape=(), values=None),
                                grad=self.describe(grad) if isinstance(grad, torch.Tensor) else None))
            self.leaves[ident] = leaf
            if named:
                self.leaf_names[ident] = tuple(n for n, _ in named)
        self.gradients.append(GradientCall(
            seq=token["seq"], unit=token["unit"], line=token["line"], entry=token["entry"], api=token["api"],
            root=token["root"] or TensorInfo(shape=(), values=None), leaves=tuple(records), failed=failed,
            graph=token["graph"], scope=token["scope"], segment=token["segment"]))

    # ------------------------------------------------------------------ hooks called by torch
    def on_optimizer_step(self, optimizer, args, kwargs) -> None:
        if self.quiet:
            return
        ident = self.ident(optimizer)
        record = self.optimizers.get(ident)
        seq = self.next_seq()
        if record is None:
            groups = getattr(optimizer, "param_groups", []) or [{}]
            hyper = {k: float(v) for k, v in groups[0].items()
                     if isinstance(v, (int, float)) and not isinstance(v, bool)}
            hyper.update({k: float(getattr(v, "item", lambda: v)()) for k, v in groups[0].items()
                          if self.torch is not None and isinstance(v, self.torch.Tensor) and v.numel() == 1})
            params = [self.ident(p) for group in groups for p in group.get("params", [])][:256]
            record = dict(ident=ident, cls=type(optimizer).__qualname__, hyper=hyper, params=tuple(params),
                          steps=0, first_seq=seq, last_seq=seq)
            if len(self.optimizers) < 32:
                self.optimizers[ident] = record
            else:
                self.dropped += 1
                return
        record["steps"] += 1
        record["last_seq"] = seq

    def on_module_forward(self, module, args, output) -> None:
        """torch's global forward hook. Called for every module call, so a repeat call does little."""
        if self.quiet:
            return
        try:
            self._module_forward(module, args, output)
        except Exception:
            self.dropped += 1

    def _module_forward(self, module, args, output) -> None:
        record = self.module_records.get(id(module))
        if record is None or record["object"] is not module:
            record = self._new_module(module, args, output)
            if record is None:
                return
        record["calls"] += 1
        torch = self.torch
        if record["loss"]:
            if len(record["values"]) < 32:
                if isinstance(output, torch.Tensor) and output.numel() == 1 and output.is_floating_point():
                    record["values"].append(output.item())
            else:
                record["last_output"] = output  # read when the span ends: a loss is not changed in place
        elif record["calls"] <= 64 and args and torch.is_grad_enabled():
            # The whole data set, if it is ever passed at once, shows in the first epochs; a no_grad() call
            # (plotting a fitted line) is not training data.
            first = args[0]
            widest = record.get("widest")
            if isinstance(first, torch.Tensor) and first.numel() <= 4096 and (
                    widest is None or first.numel() > widest.numel()):
                record["widest"] = first

    def _new_module(self, module, args, output) -> dict | None:
        """The record of a module's first call: its class, parameters and shapes."""
        if len(self.modules) >= 64:
            self.dropped += 1
            return None
        torch = self.torch
        kind = type(module)
        features = (int(module.in_features), int(module.out_features)) if isinstance(module, torch.nn.Linear) else ()
        try:
            params = tuple(self.ident(p) for p in list(module.parameters())[:256])
        except Exception:
            params = ()
        ident = self.ident(module)
        record = dict(ident=ident, cls=kind.__qualname__, bases=tuple(c.__qualname__ for c in kind.__mro__[1:10]),
                      own=self.is_own_class(kind), calls=0, object=module, params=params, features=features,
                      inputs=tuple(tuple(int(n) for n in a.shape) for a in args[:8] if isinstance(a, torch.Tensor)),
                      output=tuple(int(n) for n in output.shape) if isinstance(output, torch.Tensor) else None,
                      values=[], first_seq=self.next_seq())
        record["loss"] = _is_loss(record)
        self.modules[ident] = record
        self.module_objects[ident] = module
        self.module_records[id(module)] = record
        return record

    def loader_iter(self, loader, original):
        """DataLoader.__iter__, counted."""
        iterator = original(loader)
        if self.quiet:
            return iterator
        ident = self.ident(loader)
        state = self.loaders.get(ident)
        if state is None:
            if len(self.loaders) >= 32:
                return iterator
            state = self.loaders[ident] = _LoaderState(ident, loader, self)
            state.first_seq = self.next_seq()
        state.iterations += 1
        return _CountingIterator(iterator, state, self)

    # ------------------------------------------------------------------ calls inserted in the student's tree
    def report(self, key: int, value, depth: int = 1):
        """A report site's value passes through here; it is returned unchanged."""
        if self.quiet:
            return value
        try:
            site = self.report_sites.get(key)
            if site is None:
                if len(self.report_sites) >= 600:
                    return value
                site = self.report_sites[key] = _ReportSite()
            site.count += 1
            if value.__class__ is str:
                return value  # `describe` keeps nothing of text: a loop printing a line a step pays no more
            if len(site.first) < REPORT_FIRST:
                described = self.describe(value, 256)
                if described is not None:
                    site.first.append((site.count, described))
                    self._caller(site, site.callers, depth + 1)
                return value
            elif value.__class__ in (float, int):
                site.last.append((site.count, value))  # described at the end: a number cannot change meanwhile
            elif isinstance(value, self.torch.Tensor) and value.numel() <= 256:
                # A copy, since the tensor may be changed in place later (w printed, then stepped); one number is
                # copied as a number, the cheapest way.
                site.last.append((site.count, value.item() if value.numel() == 1 and not value.is_complex()
                                  else value.detach().clone()))
            else:
                described = self.describe(value, 256)
                if described is None:
                    return value
                site.last.append((site.count, described))
            if not site.top_level:
                self._caller(site, site.last_callers, depth + 1)
        except Exception:
            self.dropped += 1
        return value

    def _caller(self, site: _ReportSite, into, depth: int) -> None:
        """Where the student's code called the function this report site is in (nothing at module level)."""
        frame = sys._getframe(depth)
        if frame.f_code.co_name == "<module>":
            site.top_level = True  # a site's place in the code does not change: no frame is looked at again
            return
        caller = frame.f_back
        unit = self.unit_files.get(caller.f_code.co_filename) if caller is not None else None
        if unit is not None:
            into.append((site.count, unit, caller.f_lineno))

    def display(self, key: int, value) -> None:
        """A notebook cell's last expression: recorded, then shown as Jupyter would (its repr)."""
        self.report(key, value, depth=2)
        if value is not None:
            print(repr(value))

    def enter(self, key: int) -> None:
        """A student function starts. Its first calls' frames are kept: when the span ends, the values the
        function computed (a forward pass's intermediates worked out inside `manual(x, y, z)`) are read."""
        if not self.quiet:
            calls = self.calls
            count = calls[key] = calls.get(key, 0) + 1
            if count <= FRAMES_PER_FUNCTION and len(self.frames) < MAX_FRAMES:
                self.frames.append((key, sys._getframe(1)))

    def _locals(self) -> tuple[Named, ...]:
        found = []
        for key, frame in self.frames:
            function = self.entries.get(key, "?")
            for name, value in list(frame.f_locals.items())[:64]:
                if len(found) >= MAX_LOCALS:
                    return tuple(found)
                described = self.describe(value, 64)
                if described is not None and described.values is not None:
                    found.append(Named(name=f"{function}.{name}", value=described))
        return tuple(found)

    def names_for_namespace(self) -> dict:
        return {REPORT: self.report, DISPLAY: self.display, ENTER: self.enter}

    # ------------------------------------------------------------------ the end of a span
    def _evaluate(self, time_limit) -> list[Evaluation]:
        """Each trained module of the span, called on the rubric's evaluation inputs (no gradients)."""
        torch = self.torch
        trained = set(self.leaves)
        inner = set()
        for ident, module in self.module_objects.items():
            for child in list(module.children())[:64] if hasattr(module, "children") else []:
                inner.add(self.ident(child))
        found = []
        for ident, module in list(self.module_objects.items()):
            record = self.modules[ident]
            if ident in inner or not (set(record["params"]) & trained) or _is_loss(record):
                continue
            for name, values in list(self.evaluations.items())[:8]:
                output = self._call_module(module, values, time_limit)
                if output is not None:
                    found.append(Evaluation(module=ident, data=name, output=output))
            widest = record.get("widest")
            if widest is not None:
                try:
                    with torch.no_grad():
                        output = time_limit(lambda: module(widest))
                    if isinstance(output, torch.Tensor):
                        found.append(Evaluation(module=ident, data=TRAINING_INPUT, output=self.describe(output)))
                except Exception:
                    pass
        return found[:64]

    def _call_module(self, module, values, time_limit) -> TensorInfo | None:
        torch = self.torch
        try:
            parameter = next(iter(module.parameters()), None)
            dtype = parameter.dtype if parameter is not None else torch.float32
            data = torch.tensor(values, dtype=dtype)
        except Exception:
            return None
        rows = data.shape[0] if data.dim() else 1
        layouts = [data] if data.dim() == 2 else [data.reshape(-1, 1), data.reshape(-1)]
        if data.dim() == 2:
            layouts.append(tuple(data[:, j] for j in range(data.shape[1])))

        def attempt(layout):
            with torch.no_grad():
                result = module(*layout) if isinstance(layout, tuple) else module(layout)
            if isinstance(result, torch.Tensor) and result.numel() == rows:
                return self.describe(result)
            return None

        for layout in layouts:
            try:
                described = time_limit(lambda: attempt(layout))
            except Exception:
                continue
            if described is not None:
                return described
        try:  # one row at a time: a model trained on single samples
            outputs = []
            for row in data:
                out = time_limit(lambda: attempt(row.reshape(1, -1) if data.dim() == 2 else row.reshape(1)))
                if out is None or out.values is None:
                    return None
                outputs.extend(out.values)
            return TensorInfo(shape=(len(outputs),), values=tuple(outputs))
        except Exception:
            return None

    def _finals(self) -> list[FinalValue]:
        finals, seen = [], set()
        for ident, leaf in list(self.leaves.items())[:64]:
            described = self.describe(leaf)
            if described is not None:
                finals.append(FinalValue(ident=ident, names=self.leaf_names.get(ident, ()), value=described))
                seen.add(ident)
        # A loop that rebinds `w = w - lr * w.grad` leaves a new tensor under the old name.
        for ident, names in list(self.leaf_names.items())[:64]:
            for name in names[:2]:
                current = self._resolve(name)
                if current is not None and self.ident(current) not in seen:
                    described = self.describe(current)
                    if described is not None:
                        fresh = self.ident(current)
                        seen.add(fresh)
                        finals.append(FinalValue(ident=fresh, names=(name,), value=described))
        return finals

    def _resolve(self, dotted: str):
        parts = dotted.split(".")
        value = self.namespace.get(parts[0])
        for part in parts[1:]:
            if value is None:
                return None
            try:
                value = getattr(value, part)
            except Exception:
                return None
        return value if self.torch is not None and isinstance(value, self.torch.Tensor) else None

    def flush(self, time_limit=lambda action: action()) -> Activity:
        """The span's activity; recording of the next span starts empty."""
        self.quiet = True
        try:
            try:
                evaluations = self._evaluate(time_limit)
            except Exception:
                evaluations = []
            finals = self._finals()
        finally:
            self.quiet = False
        series = tuple(LossSeries(unit=seg.unit, line=seg.line, count=seg.count, first=tuple(seg.first),
                                  last=tuple(seg.last), first_seq=seg.first_seq, last_seq=seg.last_seq,
                                  segment=seg.number) for seg in self.segments)
        reports = tuple(Reported(unit=_unit_of(key)[0], site=_unit_of(key)[1], count=site.count,
                                 samples=tuple(site.first) + tuple(
                                     (n, v if isinstance(v, TensorInfo) else self.describe(v, 256))
                                     for n, v in site.last if not isinstance(v, bool)),
                                 callers=tuple(site.callers) + tuple(site.last_callers))
                        for key, site in list(self.report_sites.items()))
        calls = collections.Counter()
        for key, count in self.calls.items():
            name = self.entries.get(key)
            if name is not None:
                calls[name] += count
        outer = self._outer_modules()
        modules = tuple(ModuleUse(ident=r["ident"], cls=r["cls"], bases=r["bases"], own=r["own"], calls=r["calls"],
                                  training_input=self.describe(r["widest"], 4096) if r.get("widest") is not None
                                  else None,
                                  outer_calls=r["calls"] if r["ident"] in outer else 0, params=r["params"],
                                  features=r["features"], inputs=r["inputs"], output=r["output"],
                                  values=tuple(r["values"]), last_value=self._last_loss(r), first_seq=r["first_seq"])
                        for r in self.modules.values())
        loaders = tuple(LoaderUse(**state.use, iterations=state.iterations, batches=state.batches,
                                  first_seq=state.first_seq, last_seq=state.last_seq, batch_shapes=state.batch_shapes)
                        for state in self.loaders.values())
        activity = Activity(unit=self.unit, gradients=tuple(self.gradients), series=series,
                            optimizers=tuple(OptimizerUse(**o) for o in self.optimizers.values()),
                            modules=modules, loaders=loaders, reports=reports, calls=dict(calls),
                            finals=tuple(finals), evaluations=tuple(evaluations), locals=_guarded(self, self._locals) or (),
                            dropped=self.dropped)
        self._reset_span()
        return activity

    def _last_loss(self, record: dict) -> float | None:
        output = record.get("last_output")
        torch = self.torch
        if isinstance(output, torch.Tensor) and output.numel() == 1 and output.is_floating_point():
            return output.item()
        return record["values"][-1] if record["values"] else None

    def _outer_modules(self) -> set[int]:
        inner = set()
        for module in self.module_objects.values():
            try:
                for child in module.modules():
                    if child is not module:
                        inner.add(self.ident(child))
            except Exception:
                pass
        return {ident for ident in self.module_objects if ident not in inner}


def install(recorder: Recorder) -> None:
    """Put the recorder in the way of torch's gradient, optimizer, module and data-loading calls."""
    import torch
    import torch.autograd
    from torch.nn import Module
    from torch.optim.optimizer import register_optimizer_step_post_hook
    from torch.utils.data import DataLoader

    recorder.torch = torch
    original_backward, original_grad = torch.autograd.backward, torch.autograd.grad

    def backward(tensors, *args, **kwargs):
        try:
            token = recorder.before_gradient(tensors, "backward")
        except Exception:
            recorder.dropped, token = recorder.dropped + 1, None
        try:
            result = original_backward(tensors, *args, **kwargs)
        except BaseException:
            _guarded(recorder, lambda: recorder.after_gradient(token, failed=True))
            raise
        try:
            recorder.after_gradient(token)
        except Exception:
            recorder.dropped += 1
        return result

    def grad(outputs, inputs, *args, **kwargs):
        token = _guarded(recorder, lambda: recorder.before_gradient(outputs, "grad", inputs=inputs))
        try:
            result = original_grad(outputs, inputs, *args, **kwargs)
        except BaseException:
            _guarded(recorder, lambda: recorder.after_gradient(token, failed=True))
            raise
        listed = result if isinstance(result, (list, tuple)) else [result]
        _guarded(recorder, lambda: recorder.after_gradient(token, results=list(listed)))
        return result

    backward.__wrapped__, grad.__wrapped__ = original_backward, original_grad
    backward.__doc__, grad.__doc__ = original_backward.__doc__, original_grad.__doc__
    torch.autograd.backward = backward
    torch.autograd.grad = grad

    def stepped(optimizer, args, kwargs):
        if not recorder.quiet:
            try:
                recorder.on_optimizer_step(optimizer, args, kwargs)
            except Exception:
                recorder.dropped += 1

    register_optimizer_step_post_hook(stepped)
    # Module calls are watched by wrapping Module.__call__, not by torch's global forward hook: any global hook
    # sends every module call (the inner nn.Linear of a model too) down torch's slow Python path.
    original_call = Module.__call__

    def call(module, *args, **kwargs):
        output = original_call(module, *args, **kwargs)
        if not recorder.quiet:
            recorder.on_module_forward(module, args, output)  # guards itself
        return output

    call.__wrapped__ = original_call
    Module.__call__ = call
    original_iter = DataLoader.__iter__

    def counted_iter(loader):
        return recorder.loader_iter(loader, original_iter)

    DataLoader.__iter__ = counted_iter


WATCH_NODES = 64  # nodes near the root searched for a leaf to watch


def _path_to_a_leaf(root) -> tuple | None:
    """The shortest way from a root through its graph to a leaf tensor (next_functions indices), and that leaf."""
    if root.grad_fn is None:
        return None
    queue = collections.deque([(root.grad_fn, ())])
    seen = 0
    while queue and seen < WATCH_NODES:
        node, path = queue.popleft()
        seen += 1
        if type(node).__name__ == "AccumulateGrad":
            variable = getattr(node, "variable", None)
            return (path, variable) if variable is not None else None
        for index, (parent, _) in enumerate(node.next_functions):
            if parent is not None:
                queue.append((parent, path + (index,)))
    return None


def _leads_to(root, path: tuple, leaf) -> bool:
    node = root.grad_fn
    try:
        for index in path:
            node = node.next_functions[index][0]
    except (AttributeError, IndexError, TypeError):
        return False
    return node is not None and getattr(node, "variable", None) is leaf


def _table_numbers(table, pandas, numpy, limit: int) -> TensorInfo | None:
    """A pandas table's numeric columns, column after column (a column's values side by side, as printed down
    it); None when it has none or too many. Only pandas' own classes come here: no student method runs."""
    try:
        numeric = table.select_dtypes("number") if type(table) is pandas.DataFrame else table
        if numeric.size == 0 or numeric.size > limit or (type(numeric) is pandas.Series
                                                         and numeric.dtype.kind not in "biuf"):
            return None
        array = numpy.asarray(numeric.to_numpy(dtype=float))
    except Exception:
        return None
    columns = array.T if array.ndim == 2 else array
    return TensorInfo(shape=tuple(int(n) for n in columns.shape), values=tuple(float(v) for v in columns.reshape(-1)))


def _broadcast_pair(torch, shapes: list) -> tuple | None:
    """Two operands of one operation whose shapes broadcast to something larger than both: ((9, 1), (9,))."""
    if len(shapes) != 2 or shapes[0] == shapes[1]:
        return None
    try:
        result = torch.broadcast_shapes(shapes[0], shapes[1])
    except RuntimeError:
        return None
    size = 1
    for n in result:
        size *= n
    largest = max(_size(shapes[0]), _size(shapes[1]))
    return (shapes[0], shapes[1]) if size > largest else None


def _size(shape) -> int:
    size = 1
    for n in shape:
        size *= n
    return size


def _is_loss(record: dict) -> bool:
    """A loss module (nn.MSELoss, nn.BCELoss, …): its outputs are losses, not predictions."""
    return record["cls"].endswith("Loss") or "_Loss" in record["bases"]


def _guarded(recorder: Recorder, action):
    """Run recorder code; its own failures are counted, never raised into student code."""
    try:
        return action()
    except Exception:
        recorder.dropped += 1
        return None
