"""Class statistics for the dashboard, computed with pandas from saved results.

Every function takes the results of one lab and returns a small DataFrame
(or Series) in a stable order, so the dashboard can show them as they come.
"""
from __future__ import annotations

import pandas as pd

from grader.results import PASSED, SubmissionResult


def exercise_ids(results: list[SubmissionResult], known: tuple[str, ...] = ()) -> list[str]:
    """The exercises to show, in rubric order (`known`), then any others the results name."""
    ids = list(known)
    for result in results:
        ids.extend(e for e in result.exercises if e not in ids)
    return ids


def check_pass_rates(results: list[SubmissionResult]) -> pd.DataFrame:
    """One row per check: how many students passed it, hardest first.

    Columns: check, exercise, title, passed, students, rate (0..1).
    """
    rows = [{"order": order, "check": c.id, "exercise": c.exercise, "title": c.title, "passed": c.status == PASSED}
            for result in results for order, c in enumerate(result.checks)]
    columns = ["check", "exercise", "title", "passed", "students", "rate"]
    if not rows:
        return pd.DataFrame(columns=columns)
    table = (pd.DataFrame(rows)
             .groupby("check", sort=False)
             .agg(order=("order", "min"), exercise=("exercise", "first"), title=("title", "first"),
                  passed=("passed", "sum"), students=("passed", "size"))
             .reset_index())
    table["passed"] = table["passed"].astype(int)
    table["rate"] = table["passed"] / table["students"]
    return table.sort_values(["rate", "order"], kind="stable")[columns].reset_index(drop=True)


def exercise_summary(results: list[SubmissionResult], exercises: list[str]) -> pd.DataFrame:
    """One row per exercise: max points, mean and median earned, how many got full marks.

    Columns: exercise, max, mean, median, full (count of students with full marks).
    """
    columns = ["exercise", "max", "mean", "median", "full"]
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
    return pd.Series({r.student: r.score for r in results if r.graded}, dtype=float, name="total")


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
    """Headline numbers: students, max, mean, median, flagged."""
    scores = totals(results)
    return {
        "students": len(results),
        "max": max((r.max_score for r in results), default=0.0),
        "mean": float(scores.mean()) if len(scores) else float("nan"),
        "median": float(scores.median()) if len(scores) else float("nan"),
        "flagged": sum(1 for r in results if r.flags),
    }
