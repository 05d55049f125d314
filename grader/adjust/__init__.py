"""Adjusting autograded scores into final ones: TA overrides and the late policy.

    table.py      the small CSV files an instructor keeps (errors name the file and line)
    overrides.py  overrides.csv: student,item,points,comment,by
    lateness.py   the rubric's [deadline], extensions.csv, and how late a submission was
    times.py      when a submission was handed in: submitted.csv, git history, file times
    final.py      the policy of a lab and the `FinalGrade` of each student

Nothing here runs student code or names a lab; every renderer shows a `FinalGrade`.
"""
from grader.adjust.final import AdjustFiles, Adjustment, FinalGrade, Policy, load_policy

__all__ = ["AdjustFiles", "Adjustment", "FinalGrade", "Policy", "load_policy"]
