"""A derivative, by autograd and by hand, at inputs the student chose.

The exercise is a function of named inputs (from the reference module, in
torch operations) and the derivative it asks for. A gradient computation
answers it when its root equals the function at the values its leaves (and
same-named scope values) hold; the expected derivative is then computed by
autograd in float64 at exactly those values. Verdicts:

* ``autograd`` — the asked leaf's ``.grad`` is that derivative, and the code
  shows it (a print or a cell's last value that reads *that* leaf's ``.grad``);
* ``manual`` — a value the code computed without autograd (by the source's
  provenance, grader.observe.source), not typed in, equals it;
* ``forward`` — the intermediate values of the forward pass were computed.
"""
from __future__ import annotations

import ast
import functools
import itertools
import re
from dataclasses import dataclass, field, replace
from types import MappingProxyType

import torch

from grader.judge.behaviour.base import (Match, Reference, Verdict, close, contains, fmt_all, options_from,
                                         shown_at, shown_with, shows, where)
from grader.judge.episodes import Episode, PartView, Shown
from grader.judge.formula import reads_as
from grader.observe.perturb import factors_for, moved
from grader.observe.headings import section_at
from grader.observe.source import parsed


@dataclass(frozen=True, kw_only=True)
class GradientOptions:
    function: str  # reference function of the inputs, in torch operations
    inputs: list[str]
    target: str  # the input the derivative is taken with respect to
    quantity: str = ""  # the exercise's name for it, "dz/da"
    intermediates: str = ""  # reference function giving the forward pass's named intermediates
    example: dict = field(default_factory=dict)  # what a TA types when the script asks with input()
    rtol: float = 1e-3
    atol: float = 1e-6


@dataclass(frozen=True)
class _Bound:
    name: str  # the student's name for it
    shape: tuple[int, ...]
    values: tuple[float, ...]
    leaf: object | None  # the events.Leaf, when autograd tracked it
    named: bool = True  # the student's code calls it by the input's name (else: bound by position or value)


def _tensor(shape: tuple[int, ...], values: tuple[float, ...]):
    """These values as a float64 tensor of this shape; one number by `scalar_tensor`, at a fifth of the cost of
    `torch.tensor` (recognition builds a few thousand, nearly all of them single numbers)."""
    if shape == () and len(values) == 1:
        return torch.scalar_tensor(values[0], dtype=torch.float64)
    return torch.tensor(values, dtype=torch.float64).reshape(shape)


# What a reference function may raise where it is not defined (a log of a negative number, a shape it refuses).
UNDEFINED = (RuntimeError, ValueError, TypeError, ZeroDivisionError, OverflowError)


def _point(binding: dict[str, _Bound]) -> tuple[tuple[str, tuple[int, ...], tuple[float, ...]], ...]:
    """The binding's values as a key the evaluation caches can hold."""
    return tuple((name, bound.shape, bound.values) for name, bound in binding.items())


def _evaluate(function, binding: dict[str, _Bound]):
    """(the function's value, its gradient per input) at the binding's values; None where undefined."""
    return _evaluated(function, _point(binding))


@functools.lru_cache(maxsize=16384)
def _evaluated(function, inputs: tuple[tuple[str, tuple[int, ...], tuple[float, ...]], ...]):
    # Cached: recognition tries every way to bind a student's values to the inputs, and a class evaluates
    # the same few points over and over. The gradients come back read-only, since the cache shares them.
    tensors = {name: _tensor(shape, values).requires_grad_(True) for name, shape, values in inputs}
    try:
        out = function(**tensors)
        if not isinstance(out, torch.Tensor):
            return None
        root = tuple(float(v) for v in out.detach().reshape(-1).tolist())
        out.sum().backward()
    except UNDEFINED:
        return None
    grads = {name: tuple(float(v) for v in (t.grad if t.grad is not None else torch.zeros_like(t)).reshape(-1).tolist())
             for name, t in tensors.items()}
    return root, MappingProxyType(grads)


def _value(function, binding: dict[str, _Bound]) -> tuple[float, ...] | None:
    """The function's value alone at the binding's values (None where undefined): a fifth of `_evaluate`'s
    cost, and most bindings recognition tries are ruled out by it before any gradient is needed."""
    return _valued(function, _point(binding))


@functools.lru_cache(maxsize=16384)
def _valued(function, inputs: tuple[tuple[str, tuple[int, ...], tuple[float, ...]], ...]):
    # Forward only, through the same operations as `_evaluated`: tensors that need no gradient build no graph.
    try:
        out = function(**{name: _tensor(shape, values) for name, shape, values in inputs})
        if not isinstance(out, torch.Tensor):
            return None
        return tuple(float(v) for v in out.detach().reshape(-1).tolist())
    except UNDEFINED:
        return None


@functools.lru_cache(maxsize=4096)
def _derivative_at(function, values: tuple[float, ...], inputs: tuple[str, ...], target: str):
    """The derivative of `function` with respect to `target` at scalar `values` (None where undefined)."""
    result = _evaluate(function, {name: _Bound(name=name, shape=(), values=(value,), leaf=None)
                                  for name, value in zip(inputs, values)})
    return None if result is None else result[1][target]


# `xin`, `xval`, and the input's name with one letter more (`xv`, `xq` for "question 3"): one word, the name first.
_NAME_ENDINGS = ("in", "inp", "input", "val", "value", *"abcdefghijklmnopqrstuvwxyz")


@functools.lru_cache(maxsize=4096)  # asked for every name against every input of every computation
def _resembles(name: str, input_name: str) -> bool:
    """`x_val`, `x0`, `xVal`, `input_x`, `xx`, `xin`, `xv` name the input x; `wrt`, `lr` or `b` do not. Only
    numbers the code holds are bound so, and only where the function's value there is the computation's."""
    words = {word.lower() for word in re.split(r"[^A-Za-z]+|(?<=[a-z])(?=[A-Z])", name) if word}
    base = input_name.lower()
    doubled = {word for word in words if len(word) > len(base) and word == base * (
        len(word) // len(base))}  # `xx`, `bb`: a name kept free for the next exercise
    ended = {word for word in words if word.startswith(base) and word[len(base):] in _NAME_ENDINGS}
    return name != input_name and (base in words or bool(doubled) or bool(ended))


AGREEING_GRADIENTS = 5  # a computation whose gradients are the exercise's derivatives fits far better than one
                        # whose result only happens to be the function's value (exp(0) = relu(2·0 + 1) = 1)


def _gradients_agree(binding: dict[str, _Bound], grads: dict[str, tuple[float, ...]]) -> bool:
    """The gradients autograd left on the bound tensors are the function's derivatives there."""
    checked = [(bound.leaf.grad.values, grads[name]) for name, bound in binding.items()
               if bound.leaf is not None and bound.leaf.grad is not None and bound.leaf.grad.values is not None]
    return bool(checked) and all(contains(got, expected, 1e-3, 1e-6) for got, expected in checked)


def _same_root(root, expected) -> bool:
    """The computation's result is the function's; at several points at once it may be their sum
    (`f(torch.linspace(-2, 2, 5)).sum().backward()` gives every point's derivative)."""
    if len(root) == len(expected):
        return all(close(g, e, 1e-4, 1e-6) for g, e in zip(root, expected))
    return len(root) == 1 and len(expected) > 1 and close(root[0], sum(expected), 1e-4, 1e-6)


def _describe_inputs(binding: dict[str, _Bound]) -> dict:
    return {name: (bound.values[0] if len(bound.values) == 1 else list(bound.values[:6]))
            for name, bound in binding.items()}


def _inputs_text(binding: dict[str, _Bound]) -> str:
    return ", ".join(f"{bound.name} = {fmt_all(bound.values, 4)}" for bound in binding.values())


_MANUAL_WORDS = ("manual", "analy", "by hand", "hand", "formula", "chain", "expected", "calculated", "theor")
_DERIVATIVE = re.compile(r"\bd\w*\s*/\s*d\w+|∂")


def _by_hand(shown: Shown) -> bool:
    p = shown.fact.provenance
    return not p.autograd and p.computed and not p.constant


def _looks_manual(shown: Shown) -> bool:
    """The code presents this value as its by-hand derivative (by its label or its expression)."""
    text = f"{shown.fact.label} {shown.fact.expression}".lower()
    return any(word in text for word in _MANUAL_WORDS) or bool(_DERIVATIVE.search(text))


def _flat(values, atol: float) -> bool:
    return bool(values) and all(abs(v) <= atol for v in values)


def _attempts_of(episode: Episode, unit: int, rtol: float, atol: float) -> list[Shown]:
    """Values a unit presents as worked out by hand, that are not the by-hand half of another computation: one
    that equals a gradient autograd computed elsewhere in the part belongs to that exercise (a whole-lab script
    shows every exercise's manual value in one unit), nor one under another exercise's heading."""
    others = [leaf.grad.values for activity in episode.view.activities for call in activity.gradients
              if call not in episode.calls for leaf in call.leaves
              if leaf.grad is not None and leaf.grad.values is not None]
    return [s for s in episode.view.shown if s.unit == unit and s.values() and _by_hand(s) and _looks_manual(s)
            and episode.sits_with(s)
            and not any(contains(values, grad, rtol, atol) for values in s.values() for grad in others)]


@functools.lru_cache(maxsize=1024)
def _literal_values(source: str) -> frozenset[float]:
    tree = parsed(source)
    if tree is None:
        return frozenset()
    return frozenset({float(node.value) for node in ast.walk(tree) if isinstance(node, ast.Constant)
            and isinstance(node.value, (int, float)) and not isinstance(node.value, bool) and abs(node.value) < 100})


MAX_POINTS = 12  # numbers of a unit tried as the exercise's inputs, in at most MAX_BINDINGS combinations
MAX_BOUND_LEAVES = 6  # the first tensors of a graph tried as the exercise's inputs …
MAX_BINDINGS = 400  # … in at most this many ways
MAX_OTHER_VALUES = 8  # numbers under other names tried for inputs autograd does not track


class GradientFamily:
    """See the module docstring; one instance per exercise."""

    verdicts = ("autograd", "manual", "forward")
    # A contract derivative is called on random inputs; watching it adds nothing to that.
    probe_verdicts: tuple[str, ...] = ()
    usage_verdicts: tuple[str, ...] = ()  # no contract class whose calls matter

    def __init__(self, exercise: str, table: dict):
        self.exercise = exercise
        self.options: GradientOptions = options_from(GradientOptions, exercise, table)
        if self.options.target not in self.options.inputs:
            from grader.errors import RubricError
            raise RubricError(f"[behaviour.{exercise}]: target {self.options.target!r} is not one of the inputs")

    # ------------------------------------------------------------------ a derivative by hand alone
    def shown_answer(self, views: list[PartView], reference: Reference) -> tuple[dict[str, Verdict], str] | None:
        """No gradient autograd computed answers the exercise, but its file (or its section of a whole-lab
        file) shows a value worked out by hand that is the derivative at numbers the same cell or script holds:
        the by-hand half is earned, the autograd comparison is missing (`partial`, as a TA grades it)."""
        o = self.options
        function = reference.function(o.function)
        for view in sorted(views, key=lambda v: v.prior != self.exercise):
            own = view.prior == self.exercise
            if not own and not view.whole:
                continue  # another exercise's script: without autograd its content cannot be told apart
            # Where autograd did compute something, it was not this exercise's function: the by-hand value
            # disagrees with the student's own autograd (wrong), it is not a by-hand answer alone.
            computed = {(call.unit, call.line) for activity in view.activities for call in activity.gradients}
            if own and computed:
                continue
            for shown in view.shown:
                if not (shown.values() and _by_hand(shown) and _looks_manual(shown)):
                    continue
                unit, line = shown.place
                if not own and (self.exercise not in section_at(view.sections, unit, line) or any(
                        self.exercise in section_at(view.sections, *at) for at in computed)):
                    continue
                found = self._derivative_shown(shown, function, view.sources[unit])
                if found is not None:
                    return self._by_hand_only(view, shown, *found, reference), view.part
        return None

    def _derivative_shown(self, shown: Shown, function, source: str) -> tuple[dict[str, _Bound], str] | None:
        """The inputs, among the numbers the unit's code holds, at which the shown value is the derivative, and
        the derivative there."""
        o = self.options
        points = sorted(_literal_values(source))[:MAX_POINTS]
        for combo in itertools.islice(itertools.product(points, repeat=len(o.inputs)), MAX_BINDINGS):
            result = _derivative_at(function, combo, tuple(o.inputs), o.target)
            if result is None or _flat(result, o.atol):
                continue  # a zero derivative (a ReLU switched off) matches too much to say anything
            if any(contains(values, result, o.rtol, o.atol) for values in shown.values()):
                return {name: _Bound(name=name, shape=(), values=(value,), leaf=None)
                        for name, value in zip(o.inputs, combo)}, fmt_all(result)
        return None

    def _by_hand_only(self, view: PartView, shown: Shown, binding: dict[str, _Bound], value: str,
                      reference: Reference) -> dict[str, Verdict]:
        inputs = _describe_inputs(binding)
        verdicts = {
            "autograd": Verdict(passed=False, inputs=inputs, message=(
                f"no gradient computed by autograd answers this exercise: the exercise asks you to check your "
                f"formula against autograd ({self._quantity} from backward() or torch.autograd.grad).")),
            "manual": Verdict(passed=True, inputs=inputs, got=value, expected=value, message=(
                f"your formula gives {value} at {_inputs_text(binding)} ({where(shown)}), {self._quantity} there.")),
            "forward": Verdict(passed=False, inputs=inputs, message="this exercise has no forward-pass check"),
        }
        if self.options.intermediates:
            wanted = self._intermediates(reference, binding)
            seen = [values for other in view.shown if other.unit == shown.unit for values in other.values()]
            missing = [name for name, value in wanted.items()
                       if not any(contains(s, value, self.options.rtol, self.options.atol) for s in seen)]
            verdicts["forward"] = Verdict(passed=not missing, inputs=inputs, message=(
                f"the forward pass computes {', '.join(wanted)}." if not missing else
                f"the forward pass's intermediate value(s) {', '.join(missing)} were not shown "
                f"(found {len(wanted) - len(missing)} of {len(wanted)})."))
        return verdicts

    # ------------------------------------------------------------------ recognising
    def _bindings(self, episode: Episode, call):
        inputs = self.options.inputs
        leaves = [leaf for leaf in call.leaves if leaf.value.values is not None]
        scope = episode.scope()

        def leaf_bound(leaf, name=None):
            if leaf.names:
                own = name is None or any(n == name or n.split(".")[-1] == name for n in leaf.names)
                return _Bound(name=leaf.names[0], shape=leaf.value.shape, values=leaf.value.values, leaf=leaf,
                              named=own)
            # An unnamed tensor (a list's element, a helper's argument) whose value a scope name of the input
            # holds: `for x, y, z in points: grad(f, *[tensor(v) for v in (x, y, z)])`.
            held = scope.get(name)
            own = held is not None and tuple(held[1]) == tuple(leaf.value.values)
            return _Bound(name=name or "?", shape=leaf.value.shape, values=leaf.value.values, leaf=leaf, named=own)

        named: dict[str, _Bound] = {}
        for name in inputs:
            for leaf in leaves:
                if name in leaf.names or any(n.split(".")[-1] == name for n in leaf.names):
                    named[name] = leaf_bound(leaf)
                    break
            else:
                if name in scope:
                    shape, values = scope[name]
                    named[name] = _Bound(name=name, shape=shape, values=values, leaf=None)
        # Plain numbers under names like an input's (`u = w * x_val`, `x0`): the inputs autograd does not track.
        others = [_Bound(name=name, shape=shape, values=values, leaf=None, named=False)
                  for name, (shape, values) in scope.items()
                  if name not in inputs and len(values) == 1 and any(_resembles(name, i) for i in inputs)
                  ][:MAX_OTHER_VALUES]
        return itertools.islice(self._candidates(inputs, named, leaves[:MAX_BOUND_LEAVES], leaf_bound, others),
                                MAX_BINDINGS)

    @staticmethod
    def _candidates(inputs, named: dict, leaves: list, leaf_bound, others: list):
        """Ways to bind the inputs: the names alone first; then tensors in place of some names (a tensor that
        holds an input need not be called by its name), most tensors first; a tensor binds one input only. An
        input left without a name or a tensor takes a number the code holds under another name; so may one whose
        name holds only a number, perhaps left by an earlier exercise (`x` from Q1 beside Q2's `xx`)."""
        if len(named) == len(inputs):
            yield named
        for count in range(min(len(leaves), len(inputs)), 0, -1):
            for chosen_names in itertools.combinations(inputs, count):
                rest = [name for name in inputs if name not in chosen_names]
                taken = {id(named[name].leaf) for name in rest if name in named and named[name].leaf is not None}
                choices = [[named[name]] if name in named and named[name].leaf is not None
                           else ([named[name]] if name in named else []) + others for name in rest]
                for fill in itertools.product(*choices):
                    if len({id(bound) for bound in fill}) < len(fill):
                        continue  # one number stands for one input
                    bound = dict(zip(rest, fill))
                    for chosen in itertools.permutations([leaf for leaf in leaves if id(leaf) not in taken], count):
                        yield {**bound, **{name: leaf_bound(leaf, name) for name, leaf in zip(chosen_names, chosen)}}

    def recognise(self, episode: Episode, reference: Reference) -> Match | None:
        """The episode's first computation whose result is the exercise's function at the values it was given.
        Among the ways to bind the student's values to the inputs that fit, the best is kept: the asked input
        on a tensor autograd tracked, then most inputs on such tensors, then most inputs under their own name (a
        global `x` that happens to hold the same number as a helper's tensor does not hide that tensor)."""
        function = reference.function(self.options.function)
        target = self.options.target
        for call in episode.calls[:3]:
            root = call.root.values
            if root is None or call.failed:
                continue
            best, best_rank, ties = None, None, []
            for binding in self._bindings(episode, call):
                value = _value(function, binding)
                if value is None or not _same_root(root, value):
                    continue
                result = _evaluate(function, binding)
                if result is not None:
                    grads = result[1]
                    by_name = sum(bound.named for bound in binding.values())
                    on_leaves = sum(bound.leaf is not None for bound in binding.values())
                    aimed = binding[target].leaf
                    agree = _gradients_agree(binding, grads)
                    rank = (aimed is not None, agree, aimed is not None and aimed.grad is not None, on_leaves,
                            by_name)
                    if best_rank is None or rank > best_rank:
                        score = 10 + by_name + on_leaves + (AGREEING_GRADIENTS if agree else 0)
                        best, best_rank, ties = (binding, grads, score), rank, []
                    elif rank == best_rank and len(ties) < 8:
                        ties.append(binding)  # as good a fit: `z * 2x` cannot tell x from z
            if best is not None:
                binding, grads, score = best
                return Match(exercise=self.exercise, episode=episode, score=score,
                             details={"call": call, "binding": binding, "grads": grads, "ties": ties})
        return None

    # ------------------------------------------------------------------ judging
    def judge(self, match: Match, reference: Reference) -> dict[str, Verdict]:
        binding: dict[str, _Bound] = match.details["binding"]
        expected = match.details["grads"][self.options.target]
        inputs = _describe_inputs(binding)
        verdicts = {"autograd": self._autograd(match, binding, expected, inputs),
                    "manual": self._manual(match, binding, expected, inputs, reference),
                    "forward": self._forward(match, binding, reference, inputs)}
        if not verdicts["manual"].passed and verdicts["autograd"].passed:
            wrong = self._wrong_by_hand(match, binding, expected, reference)
            if wrong is not None:
                shown = fmt_all(wrong.values()[0])
                message = (f"your analytic value {shown} ({where(wrong)}) disagrees with your autograd "
                           f"({fmt_all(expected)}) at the same inputs ({_inputs_text(binding)}): the two must agree, "
                           f"so the derivative is not established.")
                verdicts["autograd"] = replace(verdicts["autograd"], passed=False, message=message)
                verdicts["manual"] = replace(verdicts["manual"], message=message, got=shown)
        return verdicts

    def _wrong_by_hand(self, match: Match, binding, expected, reference: Reference) -> Shown | None:
        """A value the code presents as worked out by hand that is neither the derivative at the student's
        inputs nor at any other point the code mentions: a wrong analytic part, not a missing one."""
        o = self.options
        unit = match.episode.unit
        attempts = _attempts_of(match.episode, unit, o.rtol, o.atol)
        if not attempts:
            return None
        function = reference.function(o.function)
        points = sorted(_literal_values(match.episode.view.sources[unit]) |
                        {b.values[0] for b in binding.values() if len(b.values) == 1})[:12]
        for attempt in attempts:
            for combo in itertools.islice(itertools.product(points, repeat=len(o.inputs)), 400):
                elsewhere = {name: _Bound(name=name, shape=(), values=(value,), leaf=None)
                             for name, value in zip(o.inputs, combo)}
                result = _evaluate(function, elsewhere)
                if result is not None and any(contains(v, result[1][o.target], o.rtol, o.atol)
                                              for v in attempt.values()):
                    return None  # the right formula, evaluated at another point: partial, not wrong
        return attempts[0]

    def _reads_as_derivative(self, shown: Shown, binding: dict[str, _Bound], reference: Reference | None) -> bool:
        """Whether the value's typed-in arithmetic, its numbers read as the inputs, is the derivative
        (grader.judge.formula): checked at moved inputs, as the rerun on moved inputs would."""
        formula = shown.fact.provenance.formula
        if not formula or reference is None or any(len(b.values) != 1 for b in binding.values()):
            return False
        o = self.options
        function = reference.function(o.function)
        names = tuple(binding)
        given = {name: b.values[0] for name, b in binding.items()}
        original = _derivative_at(function, tuple(given.values()), names, o.target)
        if original is None:
            return False

        def derivative(point: dict[str, float]) -> float | None:
            result = _derivative_at(function, tuple(point[name] for name in names), names, o.target)
            if result is None or _flat(result, o.atol) != _flat(original, o.atol):
                return None  # across a kink (a ReLU switched off or on): not comparable
            return result[0]

        factors = factors_for(list(names))
        points = [{name: moved(value, factors[name] + shift) for name, value in given.items()}
                  for shift in (0.0, -0.35, 0.2)]
        return reads_as(formula, given, derivative, points)

    @property
    def _quantity(self) -> str:
        return self.options.quantity or f"the derivative with respect to {self.options.target}"

    def _autograd(self, match: Match, binding, expected, inputs) -> Verdict:
        o = self.options
        target = binding[o.target]
        at = _inputs_text(binding)
        if target.leaf is None:
            return Verdict(passed=False, inputs=inputs,
                           message=f"{target.name} is not a tensor with requires_grad=True, so autograd never "
                                   f"computes {self._quantity} (your inputs: {at}).")
        grad = target.leaf.grad.values if target.leaf.grad is not None else None
        if grad is None:
            return Verdict(passed=False, inputs=inputs, message=f"After backward(), {target.name}.grad is empty.")
        if not contains(grad, expected, o.rtol, o.atol):
            ratio = grad[0] / expected[0] if expected and expected[0] else None
            why = " backward() seems to have run twice: gradients add up until they are zeroed." \
                if ratio is not None and close(ratio, round(ratio), 1e-3, 0) and round(ratio) >= 2 else ""
            return Verdict(passed=False, inputs=inputs, got=fmt_all(grad), expected=fmt_all(expected),
                           message=f"{target.name}.grad is {fmt_all(grad)}, but {self._quantity} at your inputs "
                                   f"({at}) is {fmt_all(expected)}.{why}")
        names = set(target.leaf.names)
        others = {n for name, bound in binding.items() if name != o.target and bound.leaf is not None
                  for n in bound.leaf.names}
        view = match.episode.view

        def reads_target(shown: Shown) -> bool:
            p = shown.fact.provenance
            # A tensor made inline (`grad(f)(torch.tensor(0.25))`) has no name for the shown value to read.
            return p.autograd and (not p.grads_of or not names or bool(p.grads_of & names)) \
                and match.episode.sits_with(shown)

        accepted = shown_with(view.shown, expected, o.rtol, o.atol, reads_target)
        if accepted:
            return Verdict(passed=True, inputs=inputs, got=fmt_all(expected), expected=fmt_all(expected),
                           message=f"autograd gives {self._quantity} = {fmt_all(expected)} at {at}, shown at "
                                   f"{where(accepted[0])}.")
        wrong = [s for s in view.shown if s.fact.provenance.autograd and s.fact.provenance.grads_of
                 and s.fact.provenance.grads_of <= others and match.episode.sits_with(s)]
        if wrong:
            shown_name = sorted(wrong[0].fact.provenance.grads_of)[0]
            return Verdict(passed=False, inputs=inputs,
                           message=f"{where(wrong[0])} shows {shown_name}.grad, the derivative with respect to "
                                   f"{shown_name}; the exercise asks for {self._quantity}, which is "
                                   f"{target.name}.grad.")
        return Verdict(passed=False, inputs=inputs,
                       message=f"After backward(), {target.name}.grad holds {self._quantity}, but your code never "
                               f"prints or displays it.")

    def _manual(self, match: Match, binding, expected, inputs, reference: Reference) -> Verdict:
        o = self.options
        at = _inputs_text(binding)
        view = match.episode.view
        unit = match.episode.unit

        # Only what sits with this computation: in a whole-lab notebook, a by-hand value under another exercise's
        # heading that happens to equal this derivative (2 = x, the next exercise's answer) is not this one's.
        found = shown_with(view.shown, expected, o.rtol, o.atol,
                           lambda s: _by_hand(s) and match.episode.sits_with(s))
        found.sort(key=lambda s: (s.unit != unit, abs(s.unit - unit)))
        if found:
            return Verdict(passed=True, inputs=inputs, got=fmt_all(expected), expected=fmt_all(expected),
                           sites=tuple((s.unit, s.fact.index, s.place) for s in found),
                           message=f"your formula gives {fmt_all(expected)} at {at} ({where(found[0])}), "
                                   f"the same as autograd.")
        typed = shown_with(view.shown, expected, o.rtol, o.atol,
                           lambda s: not s.fact.provenance.autograd and s.fact.provenance.constant
                           and match.episode.sits_with(s))
        # Arithmetic that reads as the derivative is the by-hand work whatever its label (a notebook cell holding
        # only `32*3**3 + 9*3**2 + 14*3 + 6`); a bare typed number needs a label to be taken as an attempt.
        read = [s for s in typed if s.fact.provenance.computed and self._reads_as_derivative(s, binding, reference)]
        typed = [s for s in typed if _looks_manual(s)]
        if read:
            # No site to watch on moved inputs (the typed numbers do not move): the reading was that check.
            return Verdict(passed=True, inputs=inputs, got=fmt_all(expected), expected=fmt_all(expected),
                           message=f"your formula, with your inputs' values typed into it ({where(read[0])}), gives "
                                   f"{fmt_all(expected)} at {at}, the same as autograd; read with those numbers as the "
                                   f"inputs, it is the derivative at other inputs too.")
        if typed:
            return Verdict(passed=False, inputs=inputs,
                           message=f"{where(typed[0])} shows {fmt_all(expected)}, but it is typed in, not computed "
                                   f"from your inputs.")
        near = _attempts_of(match.episode, unit, o.rtol, o.atol)
        if near:
            got = near[0].values()[0]
            return Verdict(passed=False, inputs=inputs, got=fmt_all(got), expected=fmt_all(expected),
                           message=f"your value at {where(near[0])} is {fmt_all(got)}, but {self._quantity} at "
                                   f"your inputs ({at}) is {fmt_all(expected)}, as your autograd shows.")
        return Verdict(passed=False, inputs=inputs,
                       message=f"no value worked out without autograd was shown for {self._quantity}: print your "
                               f"formula's result next to the autograd one.")

    def _forward(self, match: Match, binding, reference: Reference, inputs) -> Verdict:
        if not self.options.intermediates:
            return Verdict(passed=False, message="this exercise has no forward-pass check", inputs=inputs)
        seen = [named.value.values for call in match.episode.calls for named in (call.scope or ())
                if named.value.values is not None]
        seen += [values for shown in match.episode.view.shown for values in shown.values()]
        seen += [named.value.values for named in match.episode.locals if named.value.values is not None]
        best = None
        for candidate in [binding, *match.details.get("ties", ())]:
            wanted = self._intermediates(reference, candidate)
            missing = [name for name, value in wanted.items()
                       if not any(contains(s, value, self.options.rtol, self.options.atol) for s in seen)]
            if not missing:
                return Verdict(passed=True, inputs=_describe_inputs(candidate),
                               message=f"the forward pass computes {', '.join(wanted)}.")
            best = best or (wanted, missing)
        wanted, missing = best
        return Verdict(passed=False, inputs=inputs,
                       message=f"the forward pass's intermediate value(s) {', '.join(missing)} were not computed as "
                               f"separate values (found {len(wanted) - len(missing)} of {len(wanted)}).")

    def _intermediates(self, reference: Reference, binding) -> dict[str, tuple[float, ...]]:
        function = reference.function(self.options.intermediates)
        with torch.no_grad():
            values = function(**{name: torch.tensor(b.values, dtype=torch.float64).reshape(b.shape)
                                 for name, b in binding.items()})
        return {name: tuple(float(v) for v in torch.as_tensor(value).reshape(-1).tolist())
                for name, value in values.items()}

    # ------------------------------------------------------------------ typed-in values
    def perturbable(self, match: Match, verdicts: dict[str, Verdict]) -> dict[str, float]:
        """The student's names for the inputs, with their values, when the manual half rests on a shown value
        (one read as a formula of the inputs has no site: it was checked at other inputs already)."""
        if not verdicts["manual"].passed or not verdicts["manual"].sites:
            return {}
        return {b.name: b.values[0] for b in match.details["binding"].values()
                if len(b.values) == 1 and "." not in b.name}

    def recheck(self, match: Match, verdicts: dict[str, Verdict], again: Match,
                reference: Reference) -> dict[str, Verdict]:
        """The manual value must follow the inputs: shown again at moved inputs, it must be the new derivative."""
        manual = verdicts["manual"]
        o = self.options
        before, after = match.details["grads"][o.target], again.details["grads"][o.target]
        if contains(after, before, o.rtol, o.atol):
            return {}  # the inputs moved, but not so as to change the derivative: nothing to learn
        if _flat(before, o.atol) != _flat(after, o.atol):
            return {}  # the move crossed a kink (a ReLU switched off or on): a formula for one side is not wrong
        for unit, index, place in manual.sites:
            shown = shown_at(again.episode.view, unit, index, place)
            if shown is not None and shows(shown, after, o.rtol, o.atol):
                return {}
            before_shown = shown_at(match.episode.view, unit, index, place)
            if before_shown is not None and self._reads_as_derivative(before_shown, match.details["binding"],
                                                                      reference):
                return {}  # the inputs' values are typed into the formula (`v = 0.8*2.0 - 0.6`), so it stayed put
        first = shown_at(again.episode.view, *manual.sites[0]) if manual.sites else None
        shown = first.values() if first is not None else []
        now = fmt_all(shown[0]) if shown else "nothing"
        moved = _inputs_text(again.details["binding"])
        other = next((name for name, grads in again.details["grads"].items() if name != o.target
                      and any(contains(values, grads, o.rtol, o.atol) for values in shown)), None)
        if other is not None:
            why = (f"that is the derivative with respect to {again.details['binding'][other].name}, not "
                   f"{self._quantity}: the two were equal only at your first inputs.")
        elif shown and any(contains(values, before, o.rtol, o.atol) for values in shown):
            why = "it stayed the same, so it looks typed in, not computed from the inputs."
        else:
            why = "it does not follow the inputs as the derivative does."
        return {"manual": replace(manual, passed=False, sites=(), got=now, expected=fmt_all(after), message=(
            f"your by-hand value ({fmt_all(before)}) was checked at other inputs: with them changed to {moved}, "
            f"autograd gives {fmt_all(after)} and your code shows {now}; {why}"))}

    def absent(self, episodes: list[Episode], reference: Reference) -> str:
        """Why nothing in the exercise's own file was recognised as this exercise."""
        if not episodes:
            return ""
        call = episodes[0].first
        root = call.root.values
        shown = fmt_all(root, 3) if root else "?"
        return (f"{episodes[0].view.part} computes a gradient (line {call.line}, whose result is {shown}), but not "
                f"of this exercise's function at the values its tensors hold, so neither half can be judged.")
