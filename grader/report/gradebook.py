"""The gradebook: one row per student, one column per exercise, then the way to the final score.

    student,total,max_total,<exercise>…    the autograded points (as before adjustments existed)
    overrides          the points TA overrides added or took (grader.adjust.overrides)
    adjustments        each override in words: "Q2 +2 (TA Kim: derivation on paper)"
    submitted          when it was handed in, in the deadline's zone ("" unknown)
    submitted_from     how that is known: submitted.csv, git, file times
    due                the due time that applied to the student (an extension moves it)
    lateness           in words: on time, within the grace period, 2 days late …
    days_late          started days late that count (0 on time or within the grace period)
    penalty_percent    of the score after overrides
    penalty            the points the late penalty took
    final              the final score: total + overrides - penalty

A student whose saved result cannot be read has a row with empty points (ungraded), not no row; so has
one no worker could grade (ungradable), until a TA's override gives it a final score;
without a deadline the lateness columns are empty.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from grader.adjust import FinalGrade
from grader.adjust.final import Adjustment
from grader.report.files import write_atomic
from grader.results import SubmissionResult
from grader.rubric import Rubric

FINAL_COLUMNS = ("overrides", "adjustments", "submitted", "submitted_from", "due", "lateness", "days_late",
                 "penalty_percent", "penalty", "final")


def _said(adjustment: Adjustment) -> str:
    capped = f", capped at {adjustment.maximum:g}" if adjustment.capped else ""
    return f"{adjustment.label} {adjustment.points:+g} ({adjustment.by}: {adjustment.comment}{capped})"


def final_cells(final: FinalGrade | None) -> dict:
    """The gradebook's columns after the exercises, for one student."""
    if final is None or not final.graded:
        return dict.fromkeys(FINAL_COLUMNS)
    late = final.lateness
    cells = {"overrides": final.override_points, "adjustments": "; ".join(_said(a) for a in final.overrides),
             "submitted": "", "submitted_from": "", "due": "", "lateness": "", "days_late": None,
             "penalty_percent": None, "penalty": None, "final": final.final}
    if late is not None:
        cells.update(submitted=late.shown(late.submitted), submitted_from=late.source, due=late.shown(late.due),
                     lateness=late.text(), days_late=late.days_late, penalty_percent=late.percent,
                     penalty=final.penalty)
    return cells


def grades_table(rubric: Rubric | Iterable[str], results: list[SubmissionResult],
                 finals: dict[str, FinalGrade] | None = None) -> pd.DataFrame:
    """`student,total,max_total`, the autograded points per exercise in rubric order (`rubric` may be a
    rubric or the exercise ids), then the columns of `FINAL_COLUMNS`; without `finals` the final is the total."""
    exercise_ids = list(rubric.exercise_ids() if isinstance(rubric, Rubric) else rubric)
    finals = finals or {}
    rows = []
    for r in results:
        final = finals.get(r.student) or FinalGrade(student=r.student, graded=r.graded, autograded=r.score,
                                                    max_score=r.max_score, final=r.score)
        if not r.scored:  # ungraded, or ungradable: no autograded points, a final score only once a TA gives one
            rows.append({"student": r.student, "total": None, "max_total": r.max_score if r.graded else None,
                         **{e: None for e in exercise_ids}, **final_cells(final if final.overrides else None)})
            continue
        rows.append({"student": r.student, "total": r.score, "max_total": r.max_score,
                     **{e: r.exercises.get(e, (0.0, 0.0))[0] for e in exercise_ids}, **final_cells(final)})
    return pd.DataFrame(rows, columns=["student", "total", "max_total", *exercise_ids, *FINAL_COLUMNS])


def write_grades(path: Path, rubric: Rubric | Iterable[str], results: list[SubmissionResult],
                 finals: dict[str, FinalGrade] | None = None) -> Path:
    write_atomic(path, grades_table(rubric, results, finals).to_csv(index=False))
    return path
