"""Who on a lab's dashboard needs a person's attention, and why, in plain words.

A student is listed when some of their code did not run to its end (the
result's stops: grader.judge.stops), when a run timed out or crashed, when
the result is flagged for review, or when their saved result cannot be read.
A score cell carries one mark per kind of stop that cost that exercise.
"""
from __future__ import annotations

from dataclasses import dataclass

from grader.results import PASSED, UNGRADABLE, SubmissionResult

# How a stop is marked on a score cell and named in "Needs attention", by kind (grader.judge.stops).
STOP_KINDS = {
    "syntax_error": ("⚠", "syntax error"),
    "unreadable": ("⊘", "unreadable file"),
    "error": ("✖", "stopped with an error"),
    "timeout": ("◷", "timed out"),
    "exit": ("⇥", "called exit()"),
    "crashed": ("↯", "crashed"),
}
UNKNOWN_STOP = ("⚠", "did not run to its end")


@dataclass(frozen=True, kw_only=True)
class StopMark:
    """The mark on one score cell for one kind of stop: every stop of that kind that cost the exercise."""

    kind: str
    symbol: str
    label: str
    texts: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.texts)


@dataclass(frozen=True, kw_only=True)
class Reason:
    """One reason a student is on the "Needs attention" list: its kind, a short label, what happened."""

    kind: str
    label: str
    texts: tuple[str, ...]
    where: str = ""  # the file a cell is in, when the texts name only the cell


@dataclass(frozen=True, kw_only=True)
class Attention:
    """A student on the "Needs attention" list, with every reason they are on it."""

    student: str
    reasons: tuple[Reason, ...]


def stop_kind(kind: str) -> tuple[str, str]:
    return STOP_KINDS.get(kind, UNKNOWN_STOP)


def exercise_marks(result: SubmissionResult) -> dict[str, tuple[StopMark, ...]]:
    """Per exercise, the stops that cost it points: a stop in the part a non-passed check of it was looked in.

    One mark per kind of stop, in the order the stops came."""
    marks = {}
    for exercise in dict.fromkeys(c.exercise for c in result.checks):
        parts = {c.source for c in result.checks if c.exercise == exercise and c.status != PASSED}
        by_kind: dict[str, list[str]] = {}
        for stop in result.stops:
            if stop.part in parts:
                by_kind.setdefault(stop.kind, []).append(stop.text)
        if by_kind:
            marks[exercise] = tuple(StopMark(kind=kind, symbol=stop_kind(kind)[0], label=stop_kind(kind)[1],
                                             texts=tuple(texts)) for kind, texts in by_kind.items())
    return marks


def review_reasons(result: SubmissionResult) -> tuple[str, ...]:
    """Why a flagged result needs a person: its review reasons, else its notes (a grader failure)."""
    if "needs_review" not in result.flags and not result.review:
        return ()
    return result.review or result.notes or ("flagged for review",)


def attention_reasons(result: SubmissionResult) -> tuple[Reason, ...]:
    """Why a person should look at this student's result, in plain words; () when nothing is wrong."""
    if not result.graded:
        return (Reason(kind="ungraded", label="not graded", texts=result.notes or result.review),)
    if UNGRADABLE in result.flags:  # no run of it ever finished: its stops and checks say nothing
        label = "ungradable (infrastructure)"
        return (Reason(kind=UNGRADABLE, label=label, texts=tuple(n.removeprefix(f"{label}: ") for n in result.notes)),)
    reasons = []
    if not result.ran:
        reasons.append(Reason(kind="not_run", label="nothing ran",
                              texts=("None of the code could run, so no answer was judged.",)))
    for stop in result.stops:
        where = stop.part if stop.label != stop.part else ""
        reasons.append(Reason(kind=stop.kind, label=stop_kind(stop.kind)[1], texts=(stop.text,), where=where))
    kinds = {stop.kind for stop in result.stops}
    for flag, text in (("timeout", "A run was stopped by its time limit."),
                       ("crashed", "A run's Python process died before it finished.")):
        if flag in result.flags and flag not in kinds:
            reasons.append(Reason(kind=flag, label=stop_kind(flag)[1], texts=(text,)))
    review = review_reasons(result)
    if review:
        reasons.append(Reason(kind="needs_review", label="needs review", texts=review))
    return tuple(reasons)


def needs_attention(results: list[SubmissionResult]) -> list[Attention]:
    """The students whose code did not all run, who timed out, are flagged for review or are ungraded."""
    entries = [Attention(student=r.student, reasons=attention_reasons(r)) for r in results]
    return [entry for entry in entries if entry.reasons]
