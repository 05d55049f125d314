"""Judging free-form work by what it did: one family per kind of exercise (see base.py)."""
from grader.judge.behaviour.base import Family, Match, Reference, Verdict

FAMILY_NAMES = ("gradient", "descent", "fit")


def family(exercise: str, table: dict) -> Family:
    """The family a rubric's `[behaviour.<exercise>]` table asks for, with its options checked."""
    from grader.errors import RubricError

    kind = table.get("kind")
    if kind == "gradient":
        from grader.judge.behaviour.gradient import GradientFamily
        return GradientFamily(exercise, table)
    if kind == "descent":
        from grader.judge.behaviour.descent import DescentFamily
        return DescentFamily(exercise, table)
    if kind == "fit":
        from grader.judge.behaviour.fit import FitFamily
        return FitFamily(exercise, table)
    raise RubricError(f"[behaviour.{exercise}]: unknown kind {kind!r} (known: {', '.join(FAMILY_NAMES)})")


__all__ = ["Family", "Match", "Reference", "Verdict", "family", "FAMILY_NAMES"]
