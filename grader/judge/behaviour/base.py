"""The vocabulary of behaviour judging: verdicts, matches, options, and how numbers are found.

A *family* judges one kind of exercise from what the code did (gradient.py:
a derivative by autograd and by hand; descent.py: gradient descent that can
be replayed exactly; fit.py: a model trained with free settings). A rubric
instantiates a family per exercise with options (`[behaviour.Q1]`); the
family recognises the exercise in an episode and returns a `Verdict` per
verdict key, which the rubric's checks name. The families are generic: the
functions that make them one lab's exercises come from its reference module.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any, Callable, Protocol

from grader.errors import RubricError
from grader.judge.episodes import Episode, PartView, Shown


@dataclass(frozen=True, kw_only=True)
class Verdict:
    """One verdict key's outcome, in words a student can act on."""

    passed: bool
    message: str
    got: str = ""
    expected: str = ""
    inputs: dict = field(default_factory=dict)  # the student's own inputs and settings it was judged at
    metric: float | None = None  # for a verdict against a bound: the measured value (lower is better) …
    bound: float | None = None  # … and the bound; runs that depend on the seed are judged on the typical one
    sites: tuple[tuple[int, int, tuple[int, int]], ...] = ()  # (unit, report site, Shown.place)


@dataclass(frozen=True, kw_only=True)
class Match:
    """An episode recognised as answering an exercise, with what recognising it found out."""

    exercise: str
    episode: Episode
    score: float
    details: dict = field(default_factory=dict)
    note: str = ""  # said on the report (a file answering another exercise than its name)


class Reference(Protocol):
    """Where families find a lab's functions (the reference module's namespace)."""

    def function(self, name: str) -> Callable: ...

    def data(self, name: str) -> Any: ...

    def on_data(self, function: str, *names: str) -> Any: ...


class Family(Protocol):
    exercise: str
    verdicts: tuple[str, ...]
    probe_verdicts: tuple[str, ...]  # verdicts that what a contract function did on a probe's first case decides
    usage_verdicts: tuple[str, ...]  # verdicts on which contract methods the student's own run calls (checks.py)

    def recognise(self, episode: Episode, reference: Reference) -> Match | None: ...

    def judge(self, match: Match, reference: Reference) -> dict[str, Verdict]: ...

    def absent(self, episodes: list[Episode], reference: Reference) -> str: ...


class ShownAnswer(Protocol):
    """A family that can judge an exercise no computation answered from the values the code showed alone (an
    exact, closed-form solution has no training run to recognise)."""

    def shown_answer(self, views: list[PartView], reference: Reference) -> tuple[dict[str, Verdict], str] | None:
        """Verdicts and the part that showed the answer, or None when nothing shown answers the exercise."""
        ...


class Perturbable(Protocol):
    """A family whose shown-value verdicts can be checked by running the code again on moved inputs."""

    def perturbable(self, match: Match, verdicts: dict[str, Verdict]) -> dict[str, float]:
        """The student's input names and values to move; empty when no verdict rests on a shown value."""
        ...

    def recheck(self, match: Match, verdicts: dict[str, Verdict], again: Match,
                reference: Reference) -> dict[str, Verdict]:
        """Verdicts to replace, given the same exercise recognised in the run on moved inputs."""
        ...


def shown_at(view: PartView, unit: int, index: int, place: tuple[int, int] | None = None) -> Shown | None:
    """The value a report site showed; for a site inside a function, as called from `place` (see Verdict.sites)."""
    return next((s for s in view.shown if s.unit == unit and s.fact.index == index
                 and (place is None or s.place == place)), None)


def options_from(kind: type, exercise: str, table: dict):
    """A frozen options dataclass from a rubric table; an unknown or missing key is an error."""
    known = {f.name for f in fields(kind)}
    unknown = sorted(set(table) - known - {"kind"})
    if unknown:
        raise RubricError(f"[behaviour.{exercise}]: unknown option(s) {', '.join(unknown)} "
                          f"(known: {', '.join(sorted(known))})")
    try:
        return kind(**{k: v for k, v in table.items() if k != "kind"})
    except TypeError as problem:
        raise RubricError(f"[behaviour.{exercise}]: {problem}") from None


# ---------------------------------------------------------------------------------------------- numbers
def fmt(value: float) -> str:
    if value is None:
        return "?"
    if value != value:
        return "nan"
    if abs(value) >= 1e5 or (0 < abs(value) < 1e-3):
        return f"{value:.4g}"
    return f"{value:.6g}"


def fmt_all(values, limit: int = 6) -> str:
    values = list(values)
    shown = ", ".join(fmt(v) for v in values[:limit])
    return shown + (", …" if len(values) > limit else "")


def close(got: float, expected: float, rtol: float, atol: float) -> bool:
    return math.isfinite(got) and abs(got - expected) <= atol + rtol * abs(expected)


def contains(haystack, needle, rtol: float, atol: float) -> bool:
    """The needle's values appear in order, one after the other, among the haystack's."""
    haystack, needle = list(haystack), list(needle)
    if not needle or len(needle) > len(haystack):
        return False
    for start in range(len(haystack) - len(needle) + 1):
        if all(close(h, n, rtol, atol) for h, n in zip(haystack[start:start + len(needle)], needle)):
            return True
    return False


def shows(shown: Shown, needle, rtol: float, atol: float) -> bool:
    """Whether a report site showed the needle's values (rounded as the code rounds them, see shown_with)."""
    return any(contains(values, needle, rtol, atol) or _rounded_from(values, needle, shown.fact.decimals)
               for values in shown.values())


def shown_with(view_shown, needle, rtol: float, atol: float, accept=lambda shown: True) -> list[Shown]:
    """The report sites, among those `accept` admits, that showed the needle's values; a value the code rounds
    before showing it (`round(g, 4)`) is the needle rounded so, as a TA reading the output would take it."""
    return [shown for shown in view_shown if accept(shown) and shows(shown, needle, rtol, atol)]


def _rounded_from(values, needle, decimals: int | None) -> bool:
    """The needle rounded to `decimals`, with a digit left (a derivative rounded to 0 shows nothing)."""
    if decimals is None or len(values) != len(needle):
        return False
    half = 0.5 * 10.0 ** -decimals * (1 + 1e-9)
    return all(v != 0 and math.isfinite(n) and abs(v - n) <= half for v, n in zip(values, needle))


def columns_of(shape: tuple[int, ...], values: tuple[float, ...]) -> list[tuple[float, ...]]:
    """A value's data columns: itself when 1-D (or n × 1), each column of an n × k table."""
    if len(shape) == 2 and shape[1] > 1 and shape[0] > 1:
        rows, cols = shape
        return [tuple(values[r * cols + c] for r in range(rows)) for c in range(cols)]
    return [tuple(values)]


def agreement(got, expected, rtol: float = 1e-4, atol: float = 1e-6) -> float:
    """The share of positions where two equally long columns agree."""
    if len(got) != len(expected) or not expected:
        return 0.0
    return sum(close(g, e, rtol, atol) for g, e in zip(got, expected)) / len(expected)


def where(shown: Shown) -> str:
    return f"line {shown.fact.line}" + (f" (“{shown.fact.label}”)" if shown.fact.label else "")


def trained_elsewhere(episodes: list[Episode], exercise: str, what: str) -> str:
    """Why a training run in the exercise's own file was not recognised as the exercise."""
    trained = [e for e in episodes if e.count > 1]
    if not trained:
        return ""
    episode = trained[0]
    return (f"{episode.view.part} trains {what} (line {episode.first.line}, {episode.count} steps), but not on this "
            f"exercise's data, so it cannot be judged as {exercise}.")
