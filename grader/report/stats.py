"""Class statistics for the dashboard, computed with pandas from saved results.

Every function takes the results of one lab and returns a small DataFrame
(or Series) in a stable order, so the dashboard can show them as they come.

How a check's outcome counts
----------------------------
Each student's check falls in one of four outcomes (`outcome`):

* **passed**  — status passed.
* **failed**  — status failed: an answer was found and judged wrong.
* **missing** — status missing, in a file or part that ran to its end: the code ran
  and the answer was not there.
* **not run** — no answer could be judged because the code did not get that far:
  status not_run (the file never ran), timeout, error (the code stopped, raised
  or was killed before an answer came back), grader_error (the grader's fault),
  and status missing in a part that stopped before its end (it has a `Stop`):
  the code that would have defined the answer never ran, so "missing" cannot be
  told apart from "not reached".

instructor_only (a self-check's "only the instructor can judge this") is no
outcome at all and is left out of every count.

A pass rate is passed / (passed + failed + missing): a student whose code never
ran is not counted as a wrong answer. It is undefined (NaN) when no student's
code reached the check; such checks come after every other in "hardest first".
"""
from __future__ import annotations

import pandas as pd

from grader.results import (ERROR, FAILED, GRADER_ERROR, MISSING, NOT_RUN, PASSED, TIMEOUT, CheckResult,
                            SubmissionResult)

OUTCOMES = ("passed", "failed", "missing", "not_run")  # in the order the dashboard shows them
JUDGED = ("passed", "failed", "missing")  # the outcomes a pass rate is taken over
_NEVER_REACHED = {NOT_RUN, TIMEOUT, ERROR, GRADER_ERROR}  # statuses that count as "not_run"


def exercise_ids(results: list[SubmissionResult], known: tuple[str, ...] = ()) -> list[str]:
    """The exercises to show, in rubric order (`known`), then any others the results name."""
    ids = list(known)
    for result in results:
        ids.extend(e for e in result.exercises if e not in ids)
    return ids


def outcome(check: CheckResult, stopped: frozenset[str] | set[str] = frozenset()) -> str | None:
    """How one check counts (see the module's docstring); `stopped`: the parts with a Stop.

    None for a status that is no outcome (instructor_only)."""
    if check.status in (PASSED, FAILED):
        return str(check.status)
    if check.status == MISSING:
        return "not_run" if check.source in stopped else "missing"
    return "not_run" if check.status in _NEVER_REACHED else None


def check_outcomes(results: list[SubmissionResult]) -> pd.DataFrame:
    """One row per student and check: its status and how it counts.

    Columns: order (the check's place in the rubric), check, exercise, title, student, status, outcome.
    Rows come in the results' order, then the checks' order; checks with no outcome are left out.
    """
    rows = []
    for result in results:
        stopped = {stop.part for stop in result.stops}
        for order, check in enumerate(result.checks):
            counted = outcome(check, stopped)
            if counted is not None:
                rows.append({"order": order, "check": check.id, "exercise": check.exercise, "title": check.title,
                             "student": result.student, "status": str(check.status), "outcome": counted})
    return pd.DataFrame(rows, columns=["order", "check", "exercise", "title", "student", "status", "outcome"])


def check_pass_rates(results: list[SubmissionResult]) -> pd.DataFrame:
    """One row per check: how many students passed, failed, missed and never reached it, hardest first.

    Columns: check, exercise, title, passed, failed, missing, not_run, students (all four),
    judged (passed + failed + missing) and rate (passed / judged, 0..1; NaN when nobody's
    code reached the check). Sorted by rate, lowest first, NaN last, then in rubric order.
    """
    columns = ["check", "exercise", "title", *OUTCOMES, "students", "judged", "rate"]
    outcomes = check_outcomes(results)
    if outcomes.empty:
        return pd.DataFrame(columns=columns)
    checks = (outcomes.groupby("check", sort=False)
              .agg(order=("order", "min"), exercise=("exercise", "first"), title=("title", "first")))
    counts = (pd.crosstab(outcomes["check"], outcomes["outcome"])
              .reindex(index=checks.index, columns=list(OUTCOMES), fill_value=0).astype(int))
    table = checks.join(counts)
    table["students"] = table[list(OUTCOMES)].sum(axis=1)
    table["judged"] = table[list(JUDGED)].sum(axis=1)
    table["rate"] = table["passed"] / table["judged"].where(table["judged"] > 0)
    return (table.reset_index()
            .sort_values(["rate", "order"], kind="stable", na_position="last")[columns]
            .reset_index(drop=True))


def not_passed(results: list[SubmissionResult]) -> pd.DataFrame:
    """Who did not pass each check, and why it counts so.

    Columns: check, student, status, outcome (failed, missing or not_run); in the results' order.
    """
    outcomes = check_outcomes(results)
    failing = outcomes.loc[outcomes["outcome"] != "passed", ["check", "student", "status", "outcome"]]
    return failing.reset_index(drop=True)


def exercise_summary(results: list[SubmissionResult], exercises: list[str]) -> pd.DataFrame:
    """One row per exercise: max points, mean and median earned, how many got full marks.

    Columns: exercise, max, mean, median, full (count of students with full marks). Only graded
    results count: an unreadable saved result is no score of 0 (as in `totals`).
    """
    columns = ["exercise", "max", "mean", "median", "full"]
    results = [r for r in results if r.scored]
    if not results:
        return pd.DataFrame({"exercise": exercises, "max": 0.0, "mean": float("nan"),
                             "median": float("nan"), "full": 0})[columns]
    earned = pd.DataFrame([{e: r.exercises.get(e, (0.0, 0.0))[0] for e in exercises} for r in results],
                          columns=exercises)
    maxima = pd.Series({e: max(r.exercises.get(e, (0.0, 0.0))[1] for r in results) for e in exercises})
    return pd.DataFrame({
        "exercise": exercises,
        "max": maxima.values,
        "mean": earned.mean().values,
        "median": earned.median().values,
        "full": [(earned[e] >= maxima[e]).sum() if maxima[e] else 0 for e in exercises],
    })[columns]


def totals(results: list[SubmissionResult]) -> pd.Series:
    """Each graded student's total score, indexed by student (an unreadable saved result is no score)."""
    return pd.Series({r.student: r.score for r in results if r.scored}, dtype=float, name="total")


def score_distribution(results: list[SubmissionResult], bins: int = 10) -> pd.DataFrame:
    """How many students fall in each score band from 0 to the maximum.

    Columns: low, high, students. The last band includes the maximum itself.
    """
    maximum = max((r.max_score for r in results), default=0.0)
    scores = totals(results)
    if maximum <= 0:
        return pd.DataFrame({"low": [0.0], "high": [0.0], "students": [len(scores)]})
    edges = [maximum * i / bins for i in range(bins + 1)]
    bands = pd.cut(scores.clip(0, maximum), edges, include_lowest=True, right=False)
    counts = bands.value_counts(sort=False).to_numpy().copy()
    counts[-1] += int((scores >= maximum).sum())  # `right=False` leaves the maximum out of the last band
    return pd.DataFrame({"low": edges[:-1], "high": edges[1:], "students": counts})


def summary(results: list[SubmissionResult]) -> dict:
    """Headline numbers: students, graded (those with a score), max, mean, median, flagged."""
    scores = totals(results)
    return {
        "students": len(results),
        "graded": len(scores),
        "max": max((r.max_score for r in results), default=0.0),
        "mean": float(scores.mean()) if len(scores) else float("nan"),
        "median": float(scores.median()) if len(scores) else float("nan"),
        "flagged": sum(1 for r in results if r.flags),
    }
