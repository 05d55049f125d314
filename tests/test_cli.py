"""The `grade` command end to end, on small real files: outputs, exit codes, a new lab."""
import csv
import json
import shutil
import subprocess
from pathlib import Path
from textwrap import dedent

import pytest

from conftest import ROOT, read_result, run_grade_command, scores_by_exercise

TINY_RUBRIC = dedent('''
    [lab]
    id = "tiny"
    title = "A tiny extra lab"
    version = "1"
    reference = "tiny_solution"

    [limits]
    timeout = 30

    [exercises]
    Q1 = "Square a number"
    Q2 = "Gradient of x cubed"

    [probes.square]
    cases = [{ x = 3.0 }, { x = { uniform = [-5.0, 5.0] } }]
    [[probes.square.strategy]]
    needs = ["square"]
    code = "square(x)"

    [probes.cube_grad]
    cases = [{ x = 2.0 }, { x = { uniform = [-2.0, 2.0] } }]
    [[probes.cube_grad.strategy]]
    needs = ["cube_grad"]
    code = "cube_grad(x)"

    [[checks]]
    id = "Q1.value"
    exercise = "Q1"
    probe = "square"
    points = 2
    compare = "scalar"
    hint = "Multiply x by itself."

    [[checks]]
    id = "Q2.value"
    exercise = "Q2"
    probe = "cube_grad"
    points = 3
    compare = "scalar"
    rtol = 1e-4
    hint = "Use backward() on x ** 3."
''')

TINY_REFERENCE = dedent('''
    import torch

    def square(x):
        return x * x

    def cube_grad(x):
        t = torch.tensor(x, requires_grad=True)
        (t ** 3).backward()
        return t.grad.item()
''')


def grade(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return run_grade_command(*args, cwd=cwd, timeout=300)


@pytest.fixture
def tiny_course(tmp_path: Path) -> Path:
    """A course with one extra lab made of nothing but a rubric and a reference module."""
    (tmp_path / "rubrics").mkdir()
    (tmp_path / "reference").mkdir()
    (tmp_path / "rubrics" / "tiny.toml").write_text(TINY_RUBRIC)
    (tmp_path / "reference" / "tiny_solution.py").write_text(TINY_REFERENCE)
    students = tmp_path / "submissions" / "tiny"
    students.mkdir(parents=True)
    (students / "alice.py").write_text(TINY_REFERENCE)
    (students / "bob.py").write_text("def square(x):\n    return 9.0\n")
    return tmp_path


class TestNewLab:
    """A lab is added with a rubric file and a reference module, without touching grader/."""

    def test_tiny_lab_is_graded(self, tiny_course: Path):
        out = tiny_course / "out"
        done = grade(str(tiny_course / "submissions"), "--course", str(tiny_course), "--out", str(out), "--seed", "7")
        assert done.returncode == 0, done.stderr
        assert scores_by_exercise(read_result(out, "tiny", "alice")) == {"Q1": 2.0, "Q2": 3.0}
        bob = read_result(out, "tiny", "bob")
        assert scores_by_exercise(bob) == {"Q1": 0.0, "Q2": 0.0}
        assert "1 of 2 cases wrong" in bob["tests"][0]["output"]
        assert "Looked for `cube_grad`" in bob["tests"][1]["output"]


class TestOutputs:
    """grades.csv and results.json have the documented shapes."""

    @pytest.fixture(scope="class")
    @classmethod
    def graded(cls, tmp_path_factory) -> Path:
        out = tmp_path_factory.mktemp("out")
        student = ROOT / "submissions" / "autograd" / "dmitri_volkov.py"
        done = grade(str(student), "--lab", "autograd", "--out", str(out), "--seed", "3")
        assert done.returncode == 0, done.stderr
        return out

    def test_gradebook_columns(self, graded: Path):
        with open(graded / "autograd" / "grades.csv", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert list(rows[0]) == ["student", "total", "max_total", "P4", "Q1", "Q2", "Q3", "Q4", "Q5", "Q6",
                                 "overrides", "adjustments", "submitted", "submitted_from", "due", "lateness",
                                 "days_late", "penalty_percent", "penalty", "final"]
        assert rows[0]["final"] == rows[0]["total"] and rows[0]["lateness"] == ""  # no overrides, no deadline
        assert rows[0]["student"] == "dmitri_volkov" and float(rows[0]["max_total"]) == 40

    def test_results_follow_gradescope_schema(self, graded: Path):
        document = read_result(graded, "autograd", "dmitri_volkov")
        assert set(document) >= {"score", "tests", "execution_time", "output"}
        for test in document["tests"]:
            assert set(test) >= {"name", "score", "max_score", "status", "output", "extra_data"}
            assert test["extra_data"]["exercise"] in {"P4", "Q1", "Q2", "Q3", "Q4", "Q5", "Q6"}
        assert document["extra_data"]["seed"] == 3
        assert document["score"] == sum(test["score"] for test in document["tests"])

    def test_failed_check_says_expected_got_and_hint(self, graded: Path):
        document = read_result(graded, "autograd", "dmitri_volkov")
        failed = next(t for t in document["tests"] if t["extra_data"]["check"] == "Q2.manual")
        assert failed["status"] == "failed"
        for part in ("Expected:", "Got:", "Hint:"):
            assert part in failed["output"]


class TestExitCodes:
    """Non-zero only when the grader itself cannot run, with a one-line reason."""

    def test_unknown_lab(self, tmp_path):
        done = grade(str(tmp_path), "--lab", "nosuchlab")
        assert done.returncode == 2
        assert "unknown lab 'nosuchlab'" in done.stderr and len(done.stderr.strip().splitlines()) == 1

    def test_missing_path(self):
        done = grade("/nonexistent/folder")
        assert done.returncode == 2 and "does not exist" in done.stderr

    def test_folder_of_unknown_lab(self, tmp_path):
        done = grade(str(tmp_path))
        assert done.returncode == 2 and "pass --lab" in done.stderr

    def test_a_failing_student_still_exits_zero(self, tmp_path):
        student = tmp_path / "zoe.py"
        student.write_text("raise RuntimeError('nope')\n")
        done = grade(str(student), "--lab", "autograd", "--out", str(tmp_path / "out"))
        assert done.returncode == 0
        assert json.loads((tmp_path / "out" / "autograd" / "results" / "zoe.json").read_text())["score"] == 0


def test_roster_flag_feeds_the_lms_exports(tmp_path):
    """`grade report OUT --roster FILE` matches submissions to ids without re-running anything."""
    out = tmp_path / "out"
    student = ROOT / "submissions" / "autograd" / "dmitri_volkov.py"
    assert grade(str(student), "--lab", "autograd", "--out", str(out), "--seed", "3").returncode == 0
    roster = tmp_path / "class-list.csv"
    roster.write_text("submission,id,name\ndmitri_volkov,S-1001,Dmitri Volkov\nabsent_amy,S-1002,Amy Absent\n")
    done = grade("report", str(out), "--roster", str(roster))
    assert done.returncode == 0, done.stderr
    canvas = (out / "autograd" / "canvas.csv").read_text()
    assert "S-1001" in canvas and "S-1002" in canvas
    assert "absent_amy" in (out / "autograd" / "roster_check.csv").read_text()
    assert "1 student(s) with no submission, exported with an empty grade: absent_amy" in done.stdout


def test_grading_with_a_roster_names_who_did_not_match(tmp_path):
    """The terminal says who is missing from the LMS files, where the instructor is already looking."""
    folder = tmp_path / "autograd"  # a class folder is named after its lab
    folder.mkdir()
    for student in ("dmitri_volkov", "emma_schultz", "farah_haddad"):
        shutil.copy(ROOT / "submissions" / "autograd" / f"{student}.py", folder)
    roster = tmp_path / "roster.csv"
    roster.write_text("submission,id\ndmitri_volkov,S-1001\nabsent_amy,S-1002\n")
    out = tmp_path / "out"
    done = grade(str(folder), "--out", str(out), "--seed", "3", "--roster", str(roster))
    assert done.returncode == 0, done.stderr
    assert ("2 graded submission(s) not on the roster, left out of the Canvas/Moodle files: "
            "emma_schultz, farah_haddad") in done.stdout
    assert "1 student(s) with no submission, exported with an empty grade: absent_amy" in done.stdout
    assert str(out / "autograd" / "roster_check.csv") in done.stdout


class TestSummaryTable:
    """The summary table never shortens a student's name, whatever the terminal's width."""

    NAME = "dana_ivanova_petrovska"

    def printed(self, course, width: int, names=(NAME, "al", "bob_smith")) -> str:
        import io

        from rich.console import Console

        from grader.report import terminal
        from grader.results import SubmissionResult

        rubric = course.load("linreg").rubric
        assert len(rubric.exercise_ids()) == 9
        results = [SubmissionResult(student=name, lab="linreg", score=37.5, max_score=43, checks=(),
                                    exercises={e: (4.5, 6.0) for e in rubric.exercise_ids()}, seed=1,
                                    rubric_version="1", grader_version="0", elapsed=1.0,
                                    flags=("needs_review", "timeout") if name == self.NAME else ())
                   for name in names]
        console = Console(width=width, record=True, file=io.StringIO())
        terminal.print_summary(console, rubric, results, Path("reports/linreg"))
        return console.export_text()

    @pytest.mark.parametrize("width", [80, 60, 40, 120, 200])
    def test_the_full_name_is_on_one_line(self, course, width):
        text = self.printed(course, width)
        assert any(self.NAME in line for line in text.splitlines()), text
        summary = text.split("Gradebook:")[0].splitlines()  # (the paths after it are soft-wrapped, as ever)
        assert "…" not in text and all(len(line.rstrip()) <= width for line in summary)
        assert "needs_review, timeout" in text

    def test_in_80_columns_every_score_and_flag_is_still_shown(self, course):
        lines = self.printed(course, 80).splitlines()
        [row] = [line for line in lines if self.NAME in line and "4.5" in line]
        assert row.split() == [self.NAME, "37.5", "/", "43", *["4.5"] * 9]
        assert f"Flags: {self.NAME}: needs_review, timeout" in lines

    def test_a_wide_terminal_keeps_the_boxed_table_with_its_flags_column(self, course):
        text = self.printed(course, 200)
        row = next(line for line in text.splitlines() if self.NAME in line)
        assert row.startswith("│") and "needs_review, timeout" in row and "Flags:" not in text
