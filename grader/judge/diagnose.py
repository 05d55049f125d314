"""How a numeric answer went wrong, read from all its cases at once: the hint a TA would give.

A wrong value alone says little; the pattern over several inputs says what
kind of mistake it is — the same answer whatever the input (typed in, or
not computed from the inputs), the right size with the wrong sign, a
constant factor off, right on the first input only. The hint names
the kind of mistake, never the answer. For a hidden check only the pattern
that needs no expected value is named, so no hint leaks one.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

RTOL = 1e-3  # how closely a pattern must hold over the cases to be named


@dataclass(frozen=True)
class CaseNumbers:
    """One case: the numbers the student's code gave and the numbers expected (empty if not numeric)."""

    got: tuple[float, ...]
    expected: tuple[float, ...]
    passed: bool
    inputs: dict


def how_it_failed(cases: Sequence[CaseNumbers], *, hidden: bool = False) -> str:
    """A sentence naming the kind of mistake, or "" when no pattern holds (or too little to tell)."""
    usable = [c for c in cases if c.got and len(c.got) == len(c.expected) and _finite(c.got + c.expected)]
    failed = [c for c in usable if not c.passed]
    if not failed or len(usable) < 2:
        return ""
    if _constant(usable):
        return ("Your answer is the same for every input the grader tried: compute it from the function's "
                "arguments rather than from fixed numbers.")
    if hidden:
        return ""
    if usable[0].passed and len(failed) == len(usable) - 1 and len(usable) >= 3:
        return ("Right on the first input the grader tried but not on the others: something in your code is "
                "fixed to that input's values instead of following the arguments.")
    if len(failed) == len(usable):
        ratio = _common_ratio(failed)
        if ratio is not None and _near(ratio, -1.0):
            return "The size is right but the sign is flipped: check the sign of each factor in the chain rule."
        if ratio is not None:
            return (f"Every answer is {_factor(ratio)} the expected one: a constant factor is missing or extra "
                    "(a 2 from a square, a 1/n from a mean, a step of the chain rule?).")
        if _common_offset(failed):
            return ("Every answer is off by the same amount: a term that does not depend on the input is "
                    "missing or extra.")
    return ""


def _finite(values: tuple[float, ...]) -> bool:
    return all(math.isfinite(v) for v in values)


def _near(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=RTOL, abs_tol=1e-9)


def _constant(cases: list[CaseNumbers]) -> bool:
    first = cases[0]
    same_answer = all(all(_near(g, f) for g, f in zip(c.got, first.got)) for c in cases[1:])
    inputs_differ = any(c.expected != first.expected for c in cases[1:])
    return same_answer and inputs_differ


def _common_ratio(cases: list[CaseNumbers]) -> float | None:
    ratios = [g / e for c in cases for g, e in zip(c.got, c.expected) if abs(e) > 1e-9]
    if len(ratios) < 2 or len(ratios) < sum(len(c.expected) for c in cases):
        return None
    return ratios[0] if all(_near(r, ratios[0]) for r in ratios) and not _near(ratios[0], 1.0) else None


def _common_offset(cases: list[CaseNumbers]) -> bool:
    offsets = [g - e for c in cases for g, e in zip(c.got, c.expected)]
    return len(offsets) >= 2 and all(_near(o, offsets[0]) for o in offsets) and not _near(offsets[0], 0.0)


def _factor(ratio: float) -> str:
    if _near(ratio, round(ratio)) and abs(ratio) >= 2:
        return f"{round(ratio)}×"
    if abs(ratio) < 1 and _near(1 / ratio, round(1 / ratio)):
        return f"1/{round(1 / ratio)} of"
    return f"{ratio:.3g}×"
