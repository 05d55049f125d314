"""One comparator per kind of answer, each explaining its verdict in words.

A comparator takes the student's value, the reference's value (None for
checks judged on their own) and the check's parameters, and returns a
`Comparison`. Numeric tolerance follows ``math.isclose``-style
``|got - expected| <= atol + rtol * |expected|``. NaN and infinity never pass.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from grader.judge.values import Numbers, NotNumeric, as_numbers, describe


@dataclass(frozen=True, kw_only=True)
class Comparison:
    passed: bool
    message: str
    got: str
    expected: str = ""


@dataclass(frozen=True, kw_only=True)
class Context:
    """What a comparator may know besides the two values."""

    params: dict
    inputs: dict  # the case's inputs and the rubric's data, by name


Comparator = Callable[[dict | None, dict | None, Context], Comparison]


def _fmt(value: float) -> str:
    return f"{value:.6g}"


def _close(got: float, expected: float, params: dict) -> bool:
    if not math.isfinite(got):
        return False
    rtol, atol = float(params.get("rtol", 1e-5)), float(params.get("atol", 1e-8))
    return abs(got - expected) <= atol + rtol * abs(expected)


def _not_finite(numbers: Numbers) -> str | None:
    bad = [v for v in numbers.values if not math.isfinite(v)]
    if bad:
        return f"{len(bad)} of {numbers.size} value(s) are NaN or infinite"
    return None


def compare_scalar(got, expected, context: Context) -> Comparison:
    """One number, within tolerance."""
    target = as_numbers(expected).values[0]
    shown = describe(got)
    try:
        numbers = as_numbers(got)
    except NotNumeric as problem:
        return Comparison(passed=False, message=f"expected a number, got {problem}", got=shown, expected=_fmt(target))
    if numbers.size != 1:
        return Comparison(passed=False, message=f"expected a single number, got {numbers.size} values",
                          got=shown, expected=_fmt(target))
    value = numbers.values[0]
    if not math.isfinite(value):
        return Comparison(passed=False, message="the value is NaN or infinite", got=shown, expected=_fmt(target))
    if _close(value, target, context.params):
        return Comparison(passed=True, message="matches", got=_fmt(value), expected=_fmt(target))
    return Comparison(passed=False, message=f"differs by {_fmt(abs(value - target))}", got=_fmt(value),
                      expected=_fmt(target))


def compare_array(got, expected, context: Context) -> Comparison:
    """Several numbers (a tuple, list or tensor), same count and each within tolerance."""
    target = as_numbers(expected)
    expected_text = "[" + ", ".join(_fmt(v) for v in target.values) + "]"
    try:
        numbers = as_numbers(got)
    except NotNumeric as problem:
        return Comparison(passed=False, message=f"expected {target.size} numbers, got {problem}",
                          got=describe(got), expected=expected_text)
    got_text = "[" + ", ".join(_fmt(v) for v in numbers.values[:20]) + (", …" if numbers.size > 20 else "") + "]"
    if numbers.size != target.size or numbers.squeezed_shape() != target.squeezed_shape():
        return Comparison(passed=False, got=got_text, expected=expected_text,
                          message=f"expected shape {target.shape} ({target.size} numbers), got shape {numbers.shape}")
    names = context.params.get("names") or [f"[{i}]" for i in range(target.size)]
    if len(names) != target.size:
        names = [f"[{i}]" for i in range(target.size)]
    wrong = [(name, g, e) for name, g, e in zip(names, numbers.values, target.values) if not _close(g, e, context.params)]
    if not wrong:
        return Comparison(passed=True, message="all values match", got=got_text, expected=expected_text)
    worst = max(abs(g - e) if math.isfinite(g) else math.inf for _, g, e in wrong)
    listed = "; ".join(f"{name} is {_fmt(g)}, expected {_fmt(e)}" for name, g, e in wrong[:6])
    if target.size == 1:
        named = bool(context.params.get("names"))
        return Comparison(passed=False, got=got_text, expected=expected_text,
                          message=listed if named else f"got {_fmt(wrong[0][1])}, expected {_fmt(wrong[0][2])}")
    how_many = "all of them are" if len(wrong) == target.size else f"{len(wrong)} of {target.size} are"
    return Comparison(passed=False, got=got_text, expected=expected_text,
                      message=f"{how_many} off (the largest by {_fmt(worst)}): {listed}")


def compare_loss_curve(got, expected, context: Context) -> Comparison:
    """A loss per epoch: the right count, finite, and going down."""
    params = context.params
    try:
        numbers = as_numbers(got)
    except NotNumeric as problem:
        return Comparison(passed=False, message=f"expected a list of losses, got {problem}", got=describe(got))
    losses = list(numbers.values)
    got_text = f"{len(losses)} losses" + (f", from {_fmt(losses[0])} to {_fmt(losses[-1])}" if losses else "")
    length = params.get("length")
    if length == "expected" and expected is not None:
        length = as_numbers(expected).size
    if length is not None and len(losses) != int(length):
        return Comparison(passed=False, got=got_text, expected=f"{length} losses",
                          message=f"expected one loss per epoch ({length}), got {len(losses)}")
    if len(losses) < 2:
        return Comparison(passed=False, got=got_text, message="need at least two losses to see a trend")
    problem = _not_finite(numbers)
    if problem:
        return Comparison(passed=False, got=got_text, message=f"the loss blew up: {problem}")
    if params.get("decreasing", "overall") == "strict":
        rises = sum(1 for a, b in zip(losses, losses[1:]) if b > a * (1 + 1e-6) + 1e-12)
        if rises:
            return Comparison(passed=False, got=got_text,
                              message=f"the loss went up in {rises} {'epoch' if rises == 1 else 'epochs'}")
    elif not losses[-1] < losses[0]:
        return Comparison(passed=False, got=got_text, message="the last loss is not below the first")
    if params.get("match_expected") and expected is not None:
        reference = as_numbers(expected).values
        off = [i for i, (g, e) in enumerate(zip(losses, reference)) if not _close(g, e, params)]
        if off:
            return Comparison(passed=False, got=got_text,
                              expected=f"from {_fmt(reference[0])} to {_fmt(reference[-1])}",
                              message=f"{len(off)} of {len(losses)} losses differ from the expected curve, first at epoch {off[0] + 1}")
    return Comparison(passed=True, got=got_text, message="decreasing, one per epoch")


def compare_true(got, expected, context: Context) -> Comparison:
    """An observation that must be exactly True (a structural fact about the code)."""
    if got is not None and got.get("kind") == "bool" and got["value"] is True:
        return Comparison(passed=True, got="yes", message=context.params.get("success", "yes"))
    return Comparison(passed=False, got=describe(got), message=context.params.get("failure", "not found"))


def _predictions_and_targets(got, context: Context) -> tuple[Numbers, list[float]]:
    targets = as_numbers_from_python(context.inputs[context.params["targets"]])
    predictions = as_numbers(got)
    if predictions.size != len(targets):
        raise NotNumeric(f"{predictions.size} predictions for {len(targets)} targets")
    return predictions, targets


def as_numbers_from_python(value) -> list[float]:
    """Flatten nested lists of numbers (rubric data) to a list of floats."""
    if isinstance(value, (int, float)):
        return [float(value)]
    return [number for item in value for number in as_numbers_from_python(item)]


def _mse(predictions: Numbers, targets: list[float]) -> float:
    return sum((p - t) ** 2 for p, t in zip(predictions.values, targets)) / len(targets)


def compare_fit(got, expected, context: Context) -> Comparison:
    """Predictions whose mean squared error is within `factor` of the reference fit's."""
    try:
        predictions, targets = _predictions_and_targets(got, context)
    except NotNumeric as problem:
        return Comparison(passed=False, got=describe(got), message=f"expected one prediction per data point, got {problem}")
    problem = _not_finite(predictions)
    if problem:
        return Comparison(passed=False, got=describe(got), message=f"the predictions are broken: {problem}")
    reference_predictions, _ = _predictions_and_targets(expected, context)
    mine, theirs = _mse(predictions, targets), _mse(reference_predictions, targets)
    factor = float(context.params.get("factor", 1.5))
    bound = factor * theirs + float(context.params.get("atol", 1e-6))
    text = f"mean squared error {_fmt(mine)}"
    if mine <= bound:
        return Comparison(passed=True, got=text, expected=f"at most {_fmt(bound)}", message="fits the data")
    return Comparison(passed=False, got=text, expected=f"at most {_fmt(bound)}",
                      message=f"the fit is {_fmt(mine / theirs if theirs else math.inf)}× worse than the reference procedure's")


def _probabilities_and_targets(got, context: Context) -> tuple[tuple[float, ...], list[float]] | Comparison:
    """One probability per target, or the Comparison that says why not."""
    try:
        predictions, targets = _predictions_and_targets(got, context)
    except NotNumeric as problem:
        return Comparison(passed=False, got=describe(got), message=f"expected one probability per data point, got {problem}")
    if any(not (0.0 <= p <= 1.0) for p in predictions.values):
        return Comparison(passed=False, got=describe(got), expected="probabilities between 0 and 1",
                          message="some outputs are not probabilities (outside [0, 1], or NaN)")
    if context.params.get("strict") and all(p in (0.0, 1.0) for p in predictions.values):
        return Comparison(passed=False, got=describe(got), expected="probabilities strictly between 0 and 1",
                          message="every output is exactly 0 or 1: a hard threshold, not a probability")
    return predictions.values, targets


def compare_classified(got, expected, context: Context) -> Comparison:
    """Probabilities in [0, 1] that put every point on the right side of 0.5."""
    found = _probabilities_and_targets(got, context)
    if isinstance(found, Comparison):
        return found
    values, targets = found
    wrong = [i for i, (p, t) in enumerate(zip(values, targets)) if (p >= 0.5) != (t >= 0.5)]
    got_text = f"{len(values) - len(wrong)} of {len(values)} classified correctly"
    if wrong:
        return Comparison(passed=False, got=got_text, expected=f"{len(values)} of {len(values)}",
                          message=f"{len(wrong)} point(s) end up on the wrong side of 0.5")
    return Comparison(passed=True, got=got_text, expected=f"{len(values)} of {len(values)}", message="all correct")


def compare_probabilities(got, expected, context: Context) -> Comparison:
    """Every output a probability: a finite number between 0 and 1."""
    try:
        numbers = as_numbers(got)
    except NotNumeric as problem:
        return Comparison(passed=False, got=describe(got), message=f"expected probabilities, got {problem}")
    outside = [v for v in numbers.values if not 0.0 <= v <= 1.0]
    if outside:
        return Comparison(passed=False, got=describe(got), expected="values between 0 and 1",
                          message=f"{len(outside)} of {numbers.size} outputs are outside [0, 1] (or NaN)")
    if context.params.get("strict") and numbers.values and all(v in (0.0, 1.0) for v in numbers.values):
        return Comparison(passed=False, got=describe(got), expected="probabilities strictly between 0 and 1",
                          message="every output is exactly 0 or 1: a hard threshold, not a probability "
                                  "(a sigmoid gives values in between)")
    return Comparison(passed=True, got=describe(got), expected="values between 0 and 1", message="all in [0, 1]")


def compare_log_loss(got, expected, context: Context) -> Comparison:
    """Probabilities whose binary cross-entropy against the targets is below a bound: the model learned."""
    found = _probabilities_and_targets(got, context)
    if isinstance(found, Comparison):
        return found
    values, targets = found
    loss = binary_cross_entropy(values, targets)
    bound = float(context.params.get("below", 0.6))
    text = f"binary cross-entropy {_fmt(loss)}"
    if loss <= bound:
        return Comparison(passed=True, got=text, expected=f"at most {_fmt(bound)}", message="the model learned")
    return Comparison(passed=False, got=text, expected=f"at most {_fmt(bound)}",
                      message=f"the binary cross-entropy on the data is {_fmt(loss)}; a model that always "
                              f"answers the share of ones gets {_fmt(constant_log_loss(targets))}")


def binary_cross_entropy(probabilities, targets) -> float:
    """Mean binary cross-entropy, with probabilities clipped away from 0 and 1 as torch's BCELoss does."""
    total = 0.0
    for p, t in zip(probabilities, targets):
        p = min(max(p, 1e-12), 1 - 1e-12)
        total -= t * math.log(p) + (1 - t) * math.log(1 - p)
    return total / max(len(targets), 1)


def constant_log_loss(targets) -> float:
    """The cross-entropy of the best constant answer: what a model that learned nothing achieves."""
    share = sum(targets) / max(len(targets), 1)
    return binary_cross_entropy([share] * len(targets), targets)


COMPARATORS: dict[str, Comparator] = {
    "probabilities": compare_probabilities,
    "scalar": compare_scalar,
    "array": compare_array,
    "loss_curve": compare_loss_curve,
    "true": compare_true,
    "fit": compare_fit,
    "classified": compare_classified,
    "log_loss": compare_log_loss,
}



# The options each comparator reads; a rubric naming any other is refused when it loads.
OPTIONS: dict[str, frozenset[str]] = {
    "probabilities": frozenset({"strict"}),
    "scalar": frozenset({"rtol", "atol"}),
    "array": frozenset({"rtol", "atol", "names"}),
    "loss_curve": frozenset({"length", "decreasing", "match_expected", "rtol", "atol"}),
    "true": frozenset({"failure", "success"}),
    "fit": frozenset({"targets", "factor", "atol"}),
    "classified": frozenset({"targets"}),
    "log_loss": frozenset({"targets", "below", "strict"}),
}


def uses_expected(compare: str, params: dict) -> bool:
    """Whether a comparator, with these options, reads the expected value at all.

    A student's kit ships only the expected values its visible checks read.
    """
    if compare in ("scalar", "array", "fit"):
        return True
    if compare == "loss_curve":
        return bool(params.get("match_expected")) or params.get("length") == "expected"
    return False  # true, classified, probabilities, log_loss: judged on the answer alone
