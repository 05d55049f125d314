"""The gradebook: one row per student, one column per exercise."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from grader.report.files import write_atomic
from grader.results import SubmissionResult
from grader.rubric import Rubric


def grades_table(rubric: Rubric, results: list[SubmissionResult]) -> pd.DataFrame:
    """`student,total,max_total` then the points earned per exercise, in rubric order; a student whose saved
    result cannot be read has a row with empty points (ungraded), not no row."""
    exercise_ids = list(rubric.exercise_ids())
    rows = [
        {"student": r.student, "total": r.score, "max_total": r.max_score,
         **{e: r.exercises.get(e, (0.0, 0.0))[0] for e in exercise_ids}} if r.graded else
        {"student": r.student, "total": None, "max_total": None, **{e: None for e in exercise_ids}}
        for r in results
    ]
    return pd.DataFrame(rows, columns=["student", "total", "max_total", *exercise_ids])


def write_grades(path: Path, rubric: Rubric, results: list[SubmissionResult]) -> Path:
    write_atomic(path, grades_table(rubric, results).to_csv(index=False))
    return path
