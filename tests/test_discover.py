"""Finding the parts of a submission: which file is named for which exercise, which files are helpers."""
from __future__ import annotations

import pytest

from grader.discover import discover_submission, exercise_of

EXERCISES = ("P1", "P4", "Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q7", "AQ1")


class TestExerciseOf:
    """A file's name is a prior for the exercise it answers; content decides (grader.judge.recognise)."""

    @pytest.mark.parametrize("name, exercise", [
        ("q1.py", "Q1"), ("Q1.py", "Q1"), ("ex_4.py", "Q4"), ("question 2.py", "Q2"), ("task1.py", "Q1"),
        ("q1_linear_regression.py", "Q1"), ("p1.py", "P1"), ("prob4_sigmoid.py", "P4"), ("aq1.py", "AQ1"),
        ("additional1.py", "AQ1"), ("lab2_q3.py", "Q3"), ("week2_q1.py", "Q1"), ("lab3_p1.py", "P1"),
        ("exercise_p1.py", "P1"), ("hw3_q1_v2.py", "Q1"), ("4.py", "Q4"), ("2b.py", "Q2"),
        ("demo.py", None), ("main.ipynb", None), ("Lab2_autograd_final.ipynb", None), ("q8.py", None),
        ("additional.py", None),
    ])
    def test_names_students_use(self, name, exercise):
        assert exercise_of(name, EXERCISES) == exercise


class TestParts:
    """Every file of a folder is run, except the helpers the others import."""

    def test_unnamed_files_beside_scripts_are_judged_by_content_and_helpers_are_not(self, tmp_path):
        folder = tmp_path / "ana"
        folder.mkdir()
        (folder / "data.py").write_text("import torch\nx = torch.tensor([2.0, 4.0])\n")
        (folder / "q1.py").write_text("from data import x\nprint(x)\n")
        (folder / "q2.py").write_text("import data\n")
        (folder / "demo.py").write_text("print('the handout demo')\n")
        submission = discover_submission(folder, "linreg", EXERCISES)
        parts = {part.name: part.exercises for part in submission.parts}
        assert parts == {"q1.py": frozenset({"Q1"}), "q2.py": frozenset({"Q2"}), "demo.py": None}
        assert any("data.py" in note and "imported" in note for note in submission.notes)

    def test_a_whole_lab_file_beside_scripts_stays_a_whole_lab_file(self, tmp_path):
        folder = tmp_path / "ben"
        folder.mkdir()
        (folder / "lab.ipynb").write_text("{}")
        (folder / "q3.py").write_text("import torch\n")
        submission = discover_submission(folder, "linreg", EXERCISES)
        assert [(p.name, p.exercises) for p in submission.parts] == [("q3.py", frozenset({"Q3"})), ("lab.ipynb", None)]
        assert submission.notes == ()
