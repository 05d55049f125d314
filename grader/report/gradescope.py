"""Per-student results in Gradescope's results.json schema.

Each test carries ``extra_data.exercise``; the full labgrade result rides
along in the top-level ``extra_data.labgrade`` so reports can be re-rendered
later without running any student code again (grader.store saves and reads these documents).
"""
from __future__ import annotations

from grader.results import PASSED, CheckResult, SubmissionResult


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


def submission_output(result: SubmissionResult) -> str:
    """The text above the tests: the score (or that nothing could be graded), what did not run, notes."""
    if result.ran:
        lines = [f"{result.score:g} / {result.max_score:g} points."]
    else:
        lines = ["Not graded: none of your code could run, so nothing could be checked. Fix this and hand it in again."]
    lines += [stop.text for stop in result.stops]
    lines += list(result.notes)
    return "\n".join(lines)


def to_gradescope(result: SubmissionResult) -> dict:
    """The Gradescope results.json document for one submission."""
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
    return {
        "score": result.score,
        "execution_time": result.elapsed,
        "output": submission_output(result),
        "visibility": "visible",
        "tests": tests,
        "extra_data": {"seed": result.seed, "rubric_version": result.rubric_version,
                       "grader_version": result.grader_version, "labgrade": result.to_json()},
    }
