"""Gradient descent on a squared-error loss, replayed exactly under the student's own settings.

The exercise gives the data, the model (a reference function of the
parameters and x) and which settings are fixed (the start, the learning rate,
the number of epochs, the mean squared error). A training episode answers it
when its first gradient computation sees the exercise's data in scope and its
leaves are the model's parameters. The grader then reads the student's
settings off the episode — the start from the leaves' first values, the
learning rate from the first update, the loss convention from the first loss,
the epochs from the count — and replays full-batch gradient descent from
them in float64. Verdicts:

* ``params`` / ``losses`` — the student's run follows that replay (so a
  deviation in a fixed setting costs only the ``settings`` verdict);
* ``settings`` — each fixed setting the rubric lists, named when it differs;
* ``autograd`` / ``updated`` / ``manual`` — for exercises that ask to show the
  first epochs: the gradients shown from autograd, the updated parameters, and
  the same values worked out without autograd;
* ``init``, ``forward``, ``criterion``, ``update``, ``reset`` — for a model
  class: the start, and its methods actually invoked during training;
* ``plot`` — a plotted line that is the run's loss curve.
"""
from __future__ import annotations

import ast
import functools
from dataclasses import dataclass, field

import torch

from grader.judge.behaviour.base import (Match, Reference, Verdict, agreement, close, columns_of, contains, fmt,
                                         fmt_all, options_from, shown_with, trained_elsewhere, where)
from grader.judge.episodes import Episode
from grader.observe.events import SUBTRACTED
from grader.observe.source import parsed

MAX_REPLAY = 20_000
CONVENTIONS = {"mean": "the mean squared error", "sum": "the sum of squared errors",
               "half": "half the mean squared error", "sample": "one sample's squared error (an update per sample)"}
_ROLES = {"forward": ("forward", "predict", "__call__"), "update": ("update", "step", "optimi"),
          "reset": ("reset", "zero", "clear"), "criterion": ("criter", "loss", "mse", "cost", "error")}


@dataclass(frozen=True, kw_only=True)
class DescentOptions:
    x: str  # [data] names of the inputs and targets
    y: str
    model: str  # reference function model(params, x) -> predictions
    params: list[str] = field(default_factory=lambda: ["w", "b"])
    init: list[float] | None = None  # fixed start
    lr: float | None = None  # fixed learning rate
    epochs: int | None = None  # fixed number of epochs
    loss: str = "mean"  # fixed loss convention
    error: str = ""  # "yp - y" or "y - yp": the sign convention the exercise asks to write
    structure: str = "plain"  # "plain" tensors, or "class": held by an instance of the student's class
    report_epochs: int = 0  # the gradients and updated values of this many epochs must be shown
    settings: list[str] = field(default_factory=lambda: ["init", "lr", "epochs", "loss", "data"])
    example: dict = field(default_factory=dict)  # what a TA types when the script asks with input()
    rtol: float = 1e-3
    atol: float = 1e-3


@dataclass(frozen=True)
class Replay:
    losses: tuple[float, ...]
    grads: tuple[tuple[float, ...], ...]  # per epoch (the first few)
    params: tuple[tuple[float, ...], ...]  # after each epoch's update (the first few)
    final: tuple[float, ...]


FIRST_GRADIENT = "the second parameter is updated with the first one's gradient (b with w.grad)"


def replay(model, x, y, init: list[float], lr: float, steps: int, convention: str, keep: int = 5,
           update: str = "own") -> Replay:
    """Gradient descent in float64, exactly as the handout's loop does it (full batch), or one update per row in
    order where the student's loop does that ("sample": each step is one row).

    Most students run the exercise's own settings, so a class replays the same few runs: they are kept.
    """
    return _replay(model, _frozen(x), _frozen(y), _frozen(init), float(lr), int(steps), convention, keep, update)


def _frozen(values):
    """Nested lists of numbers as nested tuples of floats: a key the replay cache can hold."""
    if isinstance(values, (list, tuple)):
        return tuple(_frozen(v) for v in values)
    return float(values)


@functools.lru_cache(maxsize=256)
def _replay(model, x, y, init, lr, steps, convention, keep, update) -> Replay:
    params = [torch.tensor(float(v), dtype=torch.float64, requires_grad=True) for v in init]
    xs, ys = torch.tensor(x, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
    losses, grads, history = [], [], []
    rows = len(ys)
    for step in range(min(steps, MAX_REPLAY)):
        if convention == "sample":  # stochastic gradient descent, one row after the other, in the data's order
            row = step % rows
            squared = (model(params, xs[row:row + 1]) - ys[row:row + 1]) ** 2
        else:
            squared = (model(params, xs) - ys) ** 2
        loss = squared.sum() if convention in ("sum", "sample") else squared.mean() / (2 if convention == "half" else 1)
        loss.backward()
        losses.append(float(loss.detach()))
        with torch.no_grad():
            if step < keep:
                grads.append([float(p.grad) for p in params])
            steps_by = [params[0].grad.clone()] * len(params) if update == "first" else [p.grad for p in params]
            for p, grad in zip(params, steps_by):
                p -= lr * grad
            for p in params:
                p.grad.zero_()
            if step < keep:
                history.append([float(p) for p in params])
    return Replay(losses=tuple(losses), grads=tuple(map(tuple, grads)), params=tuple(map(tuple, history)),
                  final=tuple(float(p.detach()) for p in params))


def _first(epochs: int) -> str:
    return "the first epoch" if epochs == 1 else f"the first {epochs} epochs"


def _find_data(scope: dict, wanted: list[float]) -> tuple[str, tuple[float, ...], float] | None:
    """The scope value that best matches a data column: (name, its values, share of values that agree)."""
    best = None
    for name, (shape, values) in scope.items():
        for column in columns_of(shape, values):
            share = agreement(column, wanted)
            if share > 0 and (best is None or share > best[2]):
                best = (name, column, share)
    return best


def _structure(episode: Episode) -> str:
    """plain tensors; a "class" of the student's holding them; their own nn.Module ("module-class"); a torch module."""
    owners = {leaf.owners[0] for leaf in episode.first.leaves if leaf.owners and leaf.owners[0]}
    modules = episode.view.facts.subclasses("torch.nn.Module", upto=episode.unit)
    linear = any(m.cls == "Linear" for m in episode.modules)
    if owners and not linear and owners <= modules:
        return "module-class"
    if owners and not episode.modules and not owners & modules:
        return "class"
    return "module" if episode.modules or owners else "plain"


SIGN_IN_GRAPH, SIGN_IN_SOURCE = 1.5, 0.5  # how much the error's sign says about Q2 vs the additional question


def _error_sign(episode: Episode, y_names: set[str]) -> tuple[str, float]:
    """How the code writes the error: "y - yp" when a target is on the left of a subtraction, else "yp - y",
    and how sure that is. The graph says it for the run itself (one function may do both, by a flag); the
    source, less surely, where the graph has no subtraction of the prediction (`nn.MSELoss`)."""
    ops = episode.graph_ops()
    if ops & {SUBTRACTED, "RsubBackward1"}:  # tensor or number minus the prediction
        return "y - yp", SIGN_IN_GRAPH
    if ops & {"SubBackward0", "SubBackward1"}:
        return "yp - y", SIGN_IN_GRAPH
    sources = episode.view.sources
    sign = _error_sign_in(sources[episode.unit], frozenset(y_names)) if episode.unit < len(sources) else ""
    return sign, SIGN_IN_SOURCE


@functools.lru_cache(maxsize=1024)
def _error_sign_in(source: str, y_names: frozenset[str]) -> str:
    tree = parsed(source)
    if tree is None:
        return ""
    left = right = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub):
            sides = []
            for side in (node.left, node.right):
                while isinstance(side, (ast.Subscript, ast.Attribute)) and not (
                        isinstance(side, ast.Attribute) and side.attr not in ("data",)):
                    side = side.value
                sides.append(side.id if isinstance(side, ast.Name) else None)
            left += sides[0] in y_names
            right += sides[1] in y_names
    if left > right:
        return "y - yp"
    if right > left:
        return "yp - y"
    return ""


class DescentFamily:
    """See the module docstring; one instance per exercise."""

    verdicts = ("params", "losses", "settings", "autograd", "updated", "manual", "init", "forward", "criterion",
                "update", "reset", "plot", "gradients")
    # What a contract function's training run on the handout's inputs can decide (grader.judge.checks): not
    # what is shown, since a function returns its values instead of printing them.
    probe_verdicts = ("params", "losses", "settings", "gradients")
    # What the student's own training shows of a contract class: which of its methods it actually calls.
    usage_verdicts = ("forward", "update", "reset", "criterion")

    def __init__(self, exercise: str, table: dict):
        self.exercise = exercise
        self.options: DescentOptions = options_from(DescentOptions, exercise, table)
        if self.options.structure == "class":
            # A class is trained by the student's own loop, which holds the settings (the epochs, a summed
            # loss, the data): the grader's replay of the handout's loop with the class cannot see them.
            self.usage_verdicts = self.usage_verdicts + ("settings",)

    # ------------------------------------------------------------------ recognising
    def recognise(self, episode: Episode, reference: Reference) -> Match | None:
        o = self.options
        first = episode.first
        if first.root.scalar() is None:
            return None
        scope = episode.scope()
        xs, ys = reference.data(o.x), reference.data(o.y)
        found_x, found_y = _find_data(scope, [float(v) for v in xs]), _find_data(scope, [float(v) for v in ys])
        if not found_x or not found_y or found_x[2] < 0.6 or found_y[2] < 0.6:
            return None
        leaves = [leaf for leaf in first.leaves if leaf.value.values is not None and len(leaf.value.values) == 1]
        if len(leaves) != len(o.params) or len(first.leaves) != len(o.params):
            return None
        structure = _structure(episode)
        if o.structure == "class":
            score = {"class": 3, "module-class": 2}.get(structure, 0)
        else:
            # By hand means tensors (or a class of the student's) holding w and b, not an nn.Module's parameters.
            score = {"plain": 3, "class": 1}.get(structure, 0)
        if not score:
            return None
        ordered = self._order(leaves)
        if self._convention(reference, [leaf.value.values[0] for leaf in ordered], list(found_x[1]),
                            list(found_y[1]), first.root.scalar()) is None:
            return None  # the data are in scope, but this loss is not a squared error on them
        sign, weight = _error_sign(episode, {found_y[0].split(".")[-1], found_y[0]})
        if o.error and sign:
            score += weight if sign == o.error else -weight
        exact = found_x[2] == 1.0 and found_y[2] == 1.0
        return Match(exercise=self.exercise, episode=episode, score=score + (2 if exact else 0),
                     details={"leaves": ordered, "x": found_x, "y": found_y, "structure": structure, "sign": sign})

    def _order(self, leaves):
        """Leaves in the model's parameter order: by name (w, weight / b, bias), else as the graph met them."""
        names = self.options.params
        ordered = [None] * len(names)
        rest = []
        for leaf in leaves:
            short = {n.split(".")[-1].lower() for n in leaf.names}
            for index, name in enumerate(names):
                if ordered[index] is None and (name in short or (name == "w" and "weight" in short)
                                               or (name == "b" and "bias" in short)):
                    ordered[index] = leaf
                    break
            else:
                rest.append(leaf)
        for index in range(len(ordered)):
            if ordered[index] is None:
                ordered[index] = rest.pop(0)
        return ordered

    # ------------------------------------------------------------------ the student's settings
    def _convention(self, reference: Reference, init, x, y, loss0) -> str | None:
        """Which squared-error loss the first loss is, at the start and on the data: mean, sum, half, one sample."""
        model = reference.function(self.options.model)
        with torch.no_grad():
            errors = model([torch.tensor(v, dtype=torch.float64) for v in init], torch.tensor(x, dtype=torch.float64)) \
                - torch.tensor(y, dtype=torch.float64)
            squared = [float(v) for v in (errors ** 2).reshape(-1)]
        if loss0 is None or len(squared) != len(y):
            return None
        candidates = {"mean": sum(squared) / len(squared), "sum": sum(squared), "half": sum(squared) / len(squared) / 2}
        found = next((name for name, value in candidates.items() if close(loss0, value, 1e-3, 1e-6)), None)
        if found is None and any(close(loss0, value, 1e-3, 1e-6) for value in squared):
            found = "sample"
        return found

    def _settings(self, match: Match, reference: Reference) -> dict:
        episode = match.episode
        leaves = match.details["leaves"]
        idents = [leaf.ident for leaf in leaves]
        init = [leaf.value.values[0] for leaf in leaves]
        x, y = list(match.details["x"][1]), list(match.details["y"][1])
        loss0 = episode.first.root.scalar()
        convention = self._convention(reference, init, x, y, loss0)
        lr, update_problem = self._learning_rate(episode, idents)
        steps = episode.count
        return {"init": init, "x": x, "y": y, "convention": convention, "lr": lr, "steps": steps,
                "update_problem": update_problem, "loss0": loss0}

    def _learning_rate(self, episode: Episode, idents: list[int]) -> tuple[float | None, str]:
        optimizer = next(iter(episode.optimizers), None)
        if optimizer is not None and "lr" in optimizer.hyper:
            return optimizer.hyper["lr"], ""
        calls = episode.calls
        if len(calls) < 2:
            return self._single_step_rate(episode), ""
        before = {leaf.ident: leaf for leaf in calls[0].leaves}
        after = {leaf.ident: leaf for leaf in calls[1].leaves}
        if set(before) != set(after):  # rebinding loops: match by position instead
            before = dict(enumerate(calls[0].leaves))
            after = dict(enumerate(calls[1].leaves))
        rates, grads, deltas = [], [], []
        for key, leaf in before.items():
            later = after.get(key)
            if later is None or leaf.grad is None or leaf.grad.values is None or later.value.values is None:
                continue
            delta = leaf.value.values[0] - later.value.values[0]
            grad = leaf.grad.values[0]
            deltas.append(delta)
            grads.append(grad)
            rates.append(delta / grad if grad else None)
        rates = [r for r in rates if r is not None]
        if not rates:
            return None, ""
        problem = ""
        if len(rates) == 2 and not close(rates[0], rates[1], 1e-2, 1e-9):
            if len(grads) == 2 and grads[0] and close(deltas[1] / grads[0], rates[0], 1e-2, 1e-9):
                problem = FIRST_GRADIENT
            else:
                problem = "the parameters are not updated with the same learning rate"
        return rates[0], problem

    @staticmethod
    def _single_step_rate(episode: Episode) -> float | None:
        """One gradient computation, then one update: the rate is read off the parameters at the end of the run
        (only when every parameter moved by the same multiple of its gradient)."""
        rates = []
        for leaf in episode.first.leaves:
            final = episode.finals.get(leaf.ident)
            if (final is None or final.value.values is None or leaf.value.values is None or leaf.grad is None
                    or not leaf.grad.values or len(leaf.value.values) != 1 or len(final.value.values) != 1):
                continue
            if leaf.grad.values[0]:
                rates.append((leaf.value.values[0] - final.value.values[0]) / leaf.grad.values[0])
        if rates and rates[0] > 0 and all(close(r, rates[0], 1e-2, 1e-9) for r in rates):
            return rates[0]
        return None

    # ------------------------------------------------------------------ judging
    def judge(self, match: Match, reference: Reference) -> dict[str, Verdict]:
        o = self.options
        s = self._settings(match, reference)
        model = reference.function(o.model)
        inputs = {"start": s["init"], "learning rate": s["lr"], "epochs": s["steps"]}
        run = None
        if s["lr"] is not None and s["convention"] in ("mean", "sum", "half", "sample"):
            run = replay(model, s["x"], s["y"], s["init"], s["lr"], s["steps"], s["convention"])
        verdicts = {"params": self._params(match, s, run, inputs), "losses": self._losses(match, s, run, inputs),
                    "gradients": self._first_gradients(match, s, run, inputs),
                    "settings": self._fixed(match, s, reference, inputs), "plot": self._plot(match, s, inputs)}
        # Right gradients, wrong update (b with w.grad): what the code shows is checked against its own run, so the
        # gradients it shows count and the updated values, which follow the wrong rule, do not.
        own = run
        if run is not None and s["update_problem"] == FIRST_GRADIENT:
            own = replay(model, s["x"], s["y"], s["init"], s["lr"], s["steps"], s["convention"], update="first")
        verdicts.update(self._shown_epochs(match, s, run, inputs, own))
        verdicts.update(self._methods(match, s, run, inputs))
        return verdicts

    def _diagnosis(self, match: Match, s: dict, run: Replay | None) -> str:
        if s["convention"] == "sample":
            return " Your loop updates after every sample; the exercise takes one step per epoch on the mean loss."
        if s["convention"] is None:
            return " Your first loss is not a squared error of w·x + b on the data at your start."
        if s["update_problem"]:
            return f" It looks like {s['update_problem']}."
        if self._accumulates(match, run):
            return (" The second epoch's gradients are the first's plus the second's: they are never "
                    "zeroed, so they pile up (w.grad.zero_() after each update).")
        return ""

    @staticmethod
    def _accumulates(match: Match, run: Replay | None) -> bool:
        """The second computation's gradients are the first two epochs' summed: nothing zeroes them."""
        calls = match.episode.calls
        if run is None or len(calls) < 2 or len(run.grads) < 2:
            return False
        leaves = match.details["leaves"]
        by_ident = {leaf.ident: leaf for leaf in calls[1].leaves}
        second = [by_ident.get(leaf.ident) for leaf in leaves]
        if not all(l is not None and l.grad is not None and l.grad.values for l in second):
            return False
        observed = [l.grad.values[0] for l in second]
        summed = [a + b for a, b in zip(run.grads[0], run.grads[1])]
        return all(close(g, e, 1e-3, 1e-6) for g, e in zip(observed, summed))

    def _first_gradients(self, match: Match, s: dict, run: Replay | None, inputs: dict) -> Verdict:
        """The first epoch's gradients, the derivatives of the squared error at the start (whatever the update)."""
        leaves = match.details["leaves"]
        observed = [leaf.grad.values[0] if leaf.grad is not None and leaf.grad.values else None for leaf in leaves]
        if run is None or not run.grads or None in observed:
            return Verdict(passed=False, inputs=inputs,
                           message="the first epoch's gradients cannot be followed: the loss is not a squared error "
                                   "of w·x + b on the data at your start.")
        got = ", ".join(f"{n}.grad = {fmt(v)}" for n, v in zip(self.options.params, observed))
        if all(close(g, e, 1e-3, 1e-4) for g, e in zip(observed, run.grads[0])):
            return Verdict(passed=True, inputs=inputs, got=got, message=f"the first epoch's gradients are right ({got}).")
        expected = ", ".join(fmt(v) for v in run.grads[0])
        return Verdict(passed=False, inputs=inputs, got=got, expected=expected,
                       message=f"the first epoch's gradients are {got}; the squared error at your start gives {expected}.")

    def _final(self, match: Match) -> list[float] | None:
        leaves = match.details["leaves"]
        episode = match.episode
        values = []
        for leaf in leaves:
            final = episode.finals.get(leaf.ident)
            if final is None:
                final = next((episode.final_by_name[n] for n in leaf.names if n in episode.final_by_name), None)
            if final is None or final.value.values is None or len(final.value.values) != 1:
                return None
            values.append(final.value.values[0])
        return values

    def _params(self, match: Match, s: dict, run: Replay | None, inputs: dict) -> Verdict:
        o = self.options
        final = self._final(match)
        names = o.params
        if final is None:
            return Verdict(passed=False, inputs=inputs,
                           message=f"the trained {', '.join(names)} could not be read at the end of the run.")
        got = ", ".join(f"{n} = {fmt(v)}" for n, v in zip(names, final))
        if run is None:
            return Verdict(passed=False, inputs=inputs, got=got,
                           message=f"after training, {got}, but this is not gradient descent on the squared error "
                                   f"that the grader can follow.{self._diagnosis(match, s, run)}")
        expected = ", ".join(f"{n} = {fmt(v)}" for n, v in zip(names, run.final))
        start = ", ".join(f"{n} = {fmt(v)}" for n, v in zip(names, s["init"]))
        if all(close(g, e, o.rtol, o.atol) for g, e in zip(final, run.final)):
            return Verdict(passed=True, inputs=inputs, got=got, expected=expected,
                           message=f"after {s['steps']} epochs {got}: gradient descent from {start} with learning "
                                   f"rate {fmt(s['lr'])}, as the grader's replay gives.")
        return Verdict(passed=False, inputs=inputs, got=got, expected=expected,
                       message=f"after {s['steps']} epochs your {got}; gradient descent from your start ({start}, "
                               f"learning rate {fmt(s['lr'])}) gives {expected}.{self._diagnosis(match, s, run)}")

    def _losses(self, match: Match, s: dict, run: Replay | None, inputs: dict) -> Verdict:
        o = self.options
        losses = list(match.episode.losses)
        if run is None:
            return Verdict(passed=False, inputs=inputs,
                           message=f"the losses cannot be followed: {self._diagnosis(match, s, run).strip() or 'no learning rate could be read off the updates.'}")
        first = losses[:min(len(losses), len(run.losses), 2000)]
        off = [i for i, (g, e) in enumerate(zip(first, run.losses)) if not close(g, e, o.rtol, 1e-4)]
        if off:
            i = off[0]
            return Verdict(passed=False, inputs=inputs, got=fmt(first[i]), expected=fmt(run.losses[i]),
                           message=f"your loss at epoch {i + 1} is {fmt(first[i])}; the replay of your run gives "
                                   f"{fmt(run.losses[i])}.{self._diagnosis(match, s, run)}")
        if len(run.losses) >= 2 and not run.losses[-1] < run.losses[0]:
            return Verdict(passed=False, inputs=inputs,
                           message=f"the loss does not go down ({fmt(run.losses[0])} to {fmt(run.losses[-1])}).")
        return Verdict(passed=True, inputs=inputs, got=f"{fmt(losses[0])} to {fmt(losses[-1])}",
                       message=f"one loss per epoch, from {fmt(losses[0])} down to {fmt(losses[-1])}.")

    def _fixed(self, match: Match, s: dict, reference: Reference, inputs: dict) -> Verdict:
        o = self.options
        deviations = []
        names = o.params
        if "init" in o.settings and o.init is not None and not all(close(v, e, 1e-6, 1e-6) for v, e in zip(s["init"], o.init)):
            deviations.append(f"your loop starts from {', '.join(f'{n} = {fmt(v)}' for n, v in zip(names, s['init']))}; "
                              f"the exercise fixes {' = '.join(names)} = {fmt(o.init[0])}"
                              if len(set(o.init)) == 1 else f"the exercise fixes the start at {fmt_all(o.init)}")
        if "lr" in o.settings and o.lr is not None and (s["lr"] is None or not close(s["lr"], o.lr, 1e-3, 1e-9)):
            deviations.append(f"the learning rate is {fmt(s['lr']) if s['lr'] is not None else 'unclear'}, "
                              f"not {fmt(o.lr)}")
        if "epochs" in o.settings and o.epochs is not None and s["steps"] != o.epochs:
            deviations.append(f"it runs {s['steps']} epochs, not {o.epochs}")
        if "loss" in o.settings and s["convention"] != o.loss:
            deviations.append(f"the loss is {CONVENTIONS.get(s['convention'], 'not a squared error the grader recognises')}, "
                              f"not {CONVENTIONS[o.loss]}")
        if "data" in o.settings and (match.details["x"][2] < 1.0 or match.details["y"][2] < 1.0):
            deviations.append("the data differ from the exercise's in some values (a typo?)")
        if deviations:
            return Verdict(passed=False, inputs=inputs, message="; ".join(deviations) + ".")
        return Verdict(passed=True, inputs=inputs, message="the start, learning rate, epochs and loss are the exercise's.")

    def _shown_epochs(self, match: Match, s: dict, run: Replay | None, inputs: dict,
                      own: Replay | None = None) -> dict[str, Verdict]:
        """The gradients shown (by autograd, by hand) against the student's own run `own`, the updated parameters
        against the exercise's update rule (`run`)."""
        o = self.options
        epochs = o.report_epochs
        if not epochs:
            return {}
        asked = epochs
        if run is not None:
            epochs = min(epochs, s["steps"], len(run.grads))
        if run is None or not epochs:
            why = self._diagnosis(match, s, run).strip() or f"the run has {s['steps']} {'epoch' if s['steps'] == 1 else 'epochs'}"
            verdict = Verdict(passed=False, inputs=inputs, message=f"the first {asked} epochs cannot be followed: {why}")
            return {"autograd": verdict, "updated": verdict, "manual": verdict}
        grads = [g for epoch in (own or run).grads[:epochs] for g in epoch]
        updated = [v for epoch in run.params[:epochs] for v in epoch]
        shown = match.episode.view.shown
        same_unit = [s for s in match.episode.section() or list(shown) if match.episode.sits_with(s)]
        missing_from = lambda needles, accept: [n for n in needles if not shown_with(same_unit, (n,), o.rtol, 1e-4, accept)]
        autograd = lambda sh: sh.fact.provenance.autograd
        by_hand = lambda sh: not sh.fact.provenance.autograd and sh.fact.provenance.computed \
            and not sh.fact.provenance.constant
        names = [f"epoch {e + 1} {p}.grad" for e in range(epochs) for p in o.params]
        value_names = [f"epoch {e + 1} {p}" for e in range(epochs) for p in o.params]
        lacking = missing_from(grads, autograd)
        if not lacking:
            auto = Verdict(passed=True, inputs=inputs, got=fmt_all(grads, 8),
                           message=f"your code shows w.grad and b.grad of {_first(epochs)} ({fmt_all(grads, 8)}).")
        else:
            auto = Verdict(passed=False, inputs=inputs, expected=f"{len(grads)} gradients",
                           message=f"{names[grads.index(lacking[0])]} (autograd) is never shown"
                                   + (f"; {len(lacking)} of {len(grads)} gradient values are missing" if len(lacking) > 1 else "")
                                   + f".{self._diagnosis(match, s, run)}")
        lacking_values = missing_from(updated, lambda sh: True)
        if not lacking_values:
            upd = Verdict(passed=True, inputs=inputs, message=f"your code shows the updated parameters of {_first(epochs)}.")
        else:
            upd = Verdict(passed=False, inputs=inputs,
                          message=f"the updated {value_names[updated.index(lacking_values[0])]} is never shown"
                                  f" ({len(lacking_values)} of {len(updated)} updated values missing)."
                                  + (self._diagnosis(match, s, run) if own is not run else ""))
        # Parameters as autograd's gradient step left them are not an analytic result, however they are printed.
        if epochs < asked and upd.passed:
            # One missing epoch is one missing output: it costs the part that asks for every epoch, once.
            upd = Verdict(passed=False, inputs=inputs,
                          message=f"your run stops after {epochs} {'epoch' if epochs == 1 else 'epochs'}; the "
                                  f"exercise asks for the gradients and the updated parameters of {asked} epochs.")
        by_grads = missing_from(grads, by_hand)
        by_values = missing_from(updated, lambda sh: by_hand(sh) and not sh.fact.provenance.stepped)
        if not by_grads or not by_values:
            man = Verdict(passed=True, inputs=inputs,
                          message="your analytic formula gives the same values, computed without autograd.")
        else:
            near = [sh for sh in same_unit if by_hand(sh) and sh.values()]
            detail = f" (closest: {where(near[0])} shows {fmt_all(near[0].values()[0])})" if near else ""
            man = Verdict(passed=False, inputs=inputs,
                          message=f"no value worked out without autograd matches the gradients of {_first(epochs)} "
                                  f"({fmt_all(grads, 4)}){detail}.")
        return {"autograd": auto, "updated": upd, "manual": man}

    def _methods(self, match: Match, s: dict, run: Replay | None, inputs: dict) -> dict[str, Verdict]:
        o = self.options
        verdicts = {}
        init_ok = o.init is not None and all(close(v, e, 1e-6, 1e-6) for v, e in zip(s["init"], o.init))
        start = ", ".join(f"{n} = {fmt(v)}" for n, v in zip(o.params, s["init"]))
        verdicts["init"] = Verdict(passed=init_ok, inputs=inputs,
                                   message=f"the model starts from {start}" + ("." if init_ok else
                                           f"; the exercise fixes the start at {fmt_all(o.init or [])}."))
        leaves = match.details["leaves"]
        owner = next((leaf.owners[0] for leaf in leaves if leaf.owners and leaf.owners[0]), None)
        calls = match.episode.view.calls
        for role, words in _ROLES.items():
            candidates = [name for name, count in calls.items() if count > 0 and (
                (owner and name.startswith(owner + ".") and any(w in name.split(".")[-1].lower() for w in words))
                or (role == "criterion" and "." not in name and any(w in name.lower() for w in words)))]
            wrong_rate = (o.lr is not None and s["lr"] is not None and not close(s["lr"], o.lr, 1e-3, 1e-9))
            broken = {"reset": "nothing zeroes the gradients: they pile up from one epoch to the next"
                      if self._accumulates(match, run) else "",
                      "update": s["update_problem"] or (f"it steps with learning rate {fmt(s['lr'])}, not {fmt(o.lr)}"
                                                        if wrong_rate else "")}.get(role, "")
            if candidates and broken:
                verdicts[role] = Verdict(passed=False, inputs=inputs,
                                         message=f"{candidates[0]}() is called, but {broken}.")
            elif candidates:
                verdicts[role] = Verdict(passed=True, inputs=inputs,
                                         message=f"{candidates[0]}() is called {calls[candidates[0]]} time(s) in training.")
            else:
                defined = [f for f in match.episode.view.facts.functions if owner and f.startswith(owner + ".")
                           and any(w in f.split(".")[-1].lower() for w in words)]
                what = f"{defined[0]}() is defined but never called" if defined else \
                    f"no {role} method of {owner or 'your class'} is called"
                verdicts[role] = Verdict(passed=False, inputs=inputs, message=f"{what} during training.")
        return verdicts

    def _plot(self, match: Match, s: dict, inputs: dict) -> Verdict:
        episode = match.episode
        losses = list(episode.losses)
        units = {episode.unit, episode.unit + 1, episode.unit + 2}
        lines = [(unit, line) for unit, figure in episode.view.figures if unit in units for line in figure.lines]
        for unit, line in lines:
            if losses and len(line.ys) >= 2 and contains(line.ys, losses[:3], 1e-3, 1e-6):
                return Verdict(passed=True, inputs=inputs, message=f"the loss curve is plotted ({line.points} points).")
        for unit, line in lines:
            if line.points >= max(2, min(10, s["steps"])) and line.points in (s["steps"], len(losses)):
                return Verdict(passed=True, inputs=inputs, message=f"a curve of {line.points} points is plotted.")
        if lines:
            return Verdict(passed=False, inputs=inputs,
                           message="a figure is drawn, but none of its lines is the loss per epoch of this training.")
        return Verdict(passed=False, inputs=inputs, message="no plot of the loss per epoch was drawn.")

    def absent(self, episodes: list[Episode], reference: Reference) -> str:
        return trained_elsewhere(episodes, self.exercise, "w and b")
