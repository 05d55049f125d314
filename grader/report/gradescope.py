"""Per-student results in Gradescope's results.json schema.

Each test carries ``extra_data.exercise``; the full labgrade result rides
along in the top-level ``extra_data.labgrade`` so reports can be re-rendered
later without running any student code again (grader.store saves and reads these documents).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from grader.results import PASSED, CheckResult, SubmissionResult

if TYPE_CHECKING:
    from grader.adjust import FinalGrade


def check_output(check: CheckResult) -> str:
    """A check's explanation as plain text: message, first failing case (unless hidden), hint."""
    if check.hidden:
        # Comparator messages quote expected values; a hidden check only says how it went.
        passed = sum(case.passed for case in check.cases)
        lines = [f"{passed} of {len(check.cases)} hidden cases passed." if check.cases else check.message]
    else:
        lines = [check.message]
    failed = next((case for case in check.cases if not case.passed), None)
    if failed is not None and not check.hidden:
        if failed.inputs:
            lines.append("Inputs: " + ", ".join(f"{k}={v!r}" for k, v in failed.inputs.items()))
        if failed.expected:
            lines.append(f"Expected: {failed.expected}")
        if failed.got:
            lines.append(f"Got: {failed.got}")
    if check.status != PASSED and check.hint:
        lines.append(f"Hint: {check.hint}")
    return "\n".join(lines)


UNGRADABLE_OUTPUT = ("Not graded: the machine grading this submission stopped each time it tried. This is not a "
                     "score; your instructor will grade it by hand.")


def submission_output(result: SubmissionResult) -> str:
    """The text above the tests: the score (or that nothing could be graded), what did not run, notes."""
    if not result.scored:
        return UNGRADABLE_OUTPUT
    if result.ran:
        lines = [f"{result.score:g} / {result.max_score:g} points."]
    else:
        lines = ["Not graded: none of your code could run, so nothing could be checked. Fix this and hand it in again."]
    lines += [stop.text for stop in result.stops]
    lines += list(result.notes)
    return "\n".join(lines)


def adjustments_output(final: "FinalGrade") -> str:
    """The steps from the autograded score to the final one, in plain text (empty when there are none)."""
    if not final.adjusted:
        return ""
    lines = [f"Autograded: {final.autograded:g} / {final.max_score:g} points."]
    for adjustment in final.adjustments:
        if adjustment.kind == "late":
            lines.append(f"Late penalty: {adjustment.points:+g} ({adjustment.comment}).")
            continue
        capped = f", capped at {adjustment.maximum:g}" if adjustment.capped else ""
        lines.append(f"Override of {adjustment.label} ({adjustment.written}{capped}): {adjustment.points:+g} "
                     f"— {adjustment.comment} ({adjustment.by}).")
    lateness = final.lateness
    if lateness is not None and not any(a.kind == "late" for a in final.adjustments):
        lines.append(f"Lateness: {lateness.text()}.")
    if lateness is not None and lateness.submitted:
        from grader.adjust.times import describe_source

        lines.append(f"Submitted {lateness.shown(lateness.submitted)} (from {describe_source(lateness.source)}); "
                     f"due {lateness.shown(lateness.due)}{'; ' + lateness.extension if lateness.extension else ''}.")
    lines.append(f"Final: {final.final:g} / {final.max_score:g} points.")
    return "\n".join(lines)


def to_gradescope(result: SubmissionResult, final: "FinalGrade | None" = None) -> dict:
    """The Gradescope results.json document for one submission.

    With `final` (grader.adjust), the top-level score is the final one, the output spells out each
    adjustment and ``extra_data.final`` holds them; the tests keep the autograded points of each check,
    and ``extra_data.labgrade`` the raw result, unchanged."""
    tests = [
        {
            "name": f"{check.id}: {check.title}",
            "score": check.score,
            "max_score": check.max_score,
            "status": "passed" if check.status == PASSED else "failed",
            "output": check_output(check),
            "visibility": "after_published" if check.hidden else "visible",
            "extra_data": {"exercise": check.exercise, "check": check.id, "status": check.status},
        }
        for check in result.checks
    ]
    output = submission_output(result)
    extra = {"seed": result.seed, "rubric_version": result.rubric_version, "grader_version": result.grader_version}
    score = result.score
    if final is not None and final.graded and final.adjusted:
        rest = output.split("\n", 1)[1] if result.ran and "\n" in output else ("" if result.ran else output)
        output = "\n".join(part for part in (adjustments_output(final), rest) if part)
        score = final.final
        extra["final"] = final.to_json()
    return {
        "score": score,
        "execution_time": result.elapsed,
        "output": output,
        "visibility": "visible",
        "tests": tests,
        "extra_data": {**extra, "labgrade": result.to_json()},
    }
