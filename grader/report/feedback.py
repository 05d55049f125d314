"""What a student's page says, in the order a student needs it.

First what to fix (each failing check, linked), then what did not run (once,
not in every check it cost), then each exercise — collapsed to one line when
it is fully passed — with its failures in plain words, the figures its code
drew and a link to the line of code behind each failure. Everything here is
computed from a saved result and the saved code, so `grade report` draws the
same page again.
"""
from __future__ import annotations

from dataclasses import dataclass

from grader.report.code import Anchors, PartCode, code_views
from grader.report.todo import NOT_TO_FIX, Outstanding
from grader.results import NOT_RUN, CaseResult, CheckResult, Stop, SubmissionResult



STOP_MARKS = {"syntax_error": "Python cannot read this line", "error": "the code stopped here with an error",
              "timeout": "still running here when it was stopped", "exit": "exit() was called here"}


def check_anchor(check_id: str) -> str:
    return "check-" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in check_id)


@dataclass(frozen=True, kw_only=True)
class FixItem:
    check: CheckResult
    anchor: str
    lost: float


@dataclass(frozen=True, kw_only=True)
class StopView:
    stop: Stop
    href: str | None  # the line in the code view


def to_fix(result: SubmissionResult) -> list[FixItem]:
    """Every check to fix that lost points, in report order; code that never ran is said once instead."""
    return [FixItem(check=c, anchor=check_anchor(c.id), lost=round(c.max_score - c.score, 2))
            for c in Outstanding.of(result).to_fix if c.status != NOT_RUN and c.max_score > 0]


def to_do(result: SubmissionResult) -> list[CheckResult]:
    return list(Outstanding.of(result).to_do)


def case_sentence(case: CaseResult) -> str:
    """One failing case in plain words: for these inputs, what the code gave and what was expected."""
    inputs = ", ".join(f"{name} = {_plain(value)}" for name, value in case.inputs.items())
    lead = f"For {inputs}: " if inputs else ""
    if case.got and case.expected:
        return f"{lead}your code gives {case.got}, expected {case.expected}."
    if case.got:
        return f"{lead}your code gives {case.got} — {case.message}."
    return f"{lead}{case.message}."


def _plain(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)) and len(value) > 6:
        return "[" + ", ".join(_plain(v) for v in value[:3]) + f", … ({len(value)} values)]"
    return str(value)


def case_columns(cases: tuple[CaseResult, ...]) -> dict[str, bool]:
    """Which columns of the cases table hold anything (an empty column is left out)."""
    return {"inputs": any(case.inputs for case in cases), "expected": any(case.expected for case in cases),
            "got": any(case.got for case in cases)}


def stop_views(result: SubmissionResult, anchors: Anchors) -> list[StopView]:
    return [StopView(stop=stop, href=_href(anchors.line(stop.part, stop.label, stop.line)))
            for stop in result.stops]


def check_href(check: CheckResult, anchors: Anchors) -> str | None:
    if not check.line:
        return None
    return _href(anchors.line(check.source, check.unit, check.line))


def _href(anchor: str | None) -> str | None:
    return f"#{anchor}" if anchor else None


def code_for(result: SubmissionResult, parts: list[dict], anchors: Anchors) -> list[PartCode]:
    """The saved code with the lines behind each failure and each stop highlighted."""
    marks: dict[tuple[str, str], dict[int, str]] = {}
    for stop in result.stops:
        if stop.line:
            marks.setdefault((stop.part, stop.label), {})[stop.line] = STOP_MARKS.get(stop.kind, "the code stopped here")
    for check in result.checks:
        if check.line and check.status not in NOT_TO_FIX:
            where = marks.setdefault((check.source, check.unit), {})
            where.setdefault(check.line, f"{check.id}: {check.title}")
    return code_views(parts, marks, anchors)


def exercise_of_figures(result: SubmissionResult) -> dict[tuple[str, str], str]:
    """(part, unit label) -> the exercise whose answer that unit holds, for the units that drew figures.

    A unit belongs to an exercise when one of its checks was placed in it, or when the unit's
    file answers a single exercise. Figures of other units stay in the page's figure section.
    """
    placed: dict[tuple[str, str], set[str]] = {}
    by_part: dict[str, set[str]] = {}
    for check in result.checks:
        by_part.setdefault(check.source, set()).add(check.exercise)
        if check.unit:
            placed.setdefault((check.source, check.unit), set()).add(check.exercise)
    owners = {}
    for unit in result.units:
        if not unit.figures:
            continue
        exercises = placed.get((unit.part, unit.label)) or by_part.get(unit.part, set())
        if len(exercises) == 1:
            owners[(unit.part, unit.label)] = next(iter(exercises))
    return owners
