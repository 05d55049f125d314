"""What is left for a student to do: the checks to fix, the stubs still to write.

A student's report leads with it, `grade check` ends with it and the CI step
summary starts with it. A check is one of:

* passed;
* **to fix**: failed, missing, an error, a timeout, or not run (the student's code
  must change for it to pass);
* **to do**: a stub not written yet (every call raised ``NotImplementedError``),
  neutral, worth nothing yet;
* left to the instructor's grader (``instructor_only``), or not decided because the
  grader itself failed (``grader_error``, never the student's fault).
"""
from __future__ import annotations

from dataclasses import dataclass

from grader.results import GRADER_ERROR, INSTRUCTOR_ONLY, PASSED, TODO, CheckResult, SubmissionResult

NOT_TO_FIX = {PASSED, TODO, INSTRUCTOR_ONLY, GRADER_ERROR}


@dataclass(frozen=True, kw_only=True)
class Outstanding:
    """A result's checks sorted by what the student has left to do, each kind in the rubric's order."""

    to_fix: tuple[CheckResult, ...]
    to_do: tuple[CheckResult, ...]
    instructor: tuple[CheckResult, ...]
    undecided: tuple[CheckResult, ...]  # the grader failed: not the student's to fix
    passed_exercises: tuple[str, ...]  # exercises whose every visible check passed

    @classmethod
    def of(cls, result: SubmissionResult, exercise_order: list[str] | tuple[str, ...] = ()) -> "Outstanding":
        order = {ident: index for index, ident in enumerate(exercise_order)}
        checks = sorted(result.checks, key=lambda c: order.get(c.exercise, len(order)))  # stable: check order kept
        by_exercise: dict[str, list[CheckResult]] = {}
        for check in checks:
            by_exercise.setdefault(check.exercise, []).append(check)
        return cls(
            to_fix=tuple(c for c in checks if c.status not in NOT_TO_FIX),
            to_do=tuple(c for c in checks if c.status == TODO),
            instructor=tuple(c for c in checks if c.status == INSTRUCTOR_ONLY),
            undecided=tuple(c for c in checks if c.status == GRADER_ERROR),
            passed_exercises=tuple(e for e, group in by_exercise.items() if all(c.status == PASSED for c in group)),
        )

    @property
    def everything_passes(self) -> bool:
        return not (self.to_fix or self.to_do or self.instructor or self.undecided)

    def closing(self) -> str:
        """The last line: "2 checks to fix: Q3.manual, Q4.fit; 3 to do in Q6, Q7." — or "Everything passes." """
        if self.everything_passes:
            return "Everything passes."
        parts = []
        if self.to_fix:
            parts.append(f"{_count(len(self.to_fix), 'check')} to fix: {', '.join(c.id for c in self.to_fix)}")
        elif self.to_do:
            parts.append("Nothing to fix")
        else:
            parts.append("Nothing to fix: everything the self-check can judge passes")
        if self.to_do:
            parts.append(f"{len(self.to_do)} to do in {', '.join(_exercises(self.to_do))}")
        if self.instructor:
            parts.append(f"{len(self.instructor)} left to your instructor's grader "
                         f"({', '.join(c.id for c in self.instructor)})")
        if self.undecided:
            parts.append(f"{len(self.undecided)} the grader could not decide, not your code's fault "
                         f"({', '.join(c.id for c in self.undecided)})")
        return "; ".join(parts) + "."


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _exercises(checks: tuple[CheckResult, ...]) -> list[str]:
    return list(dict.fromkeys(c.exercise for c in checks))
