"""`grade diff` and `grade … --compare`: what a rubric fix changed, on two real runs of a small class."""
from __future__ import annotations

import csv
import shutil
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from conftest import ROOT, run_grade_command
from grader.report import diff
from grader.store import ResultsStore

STUDENTS = ("ada_lovelace.ipynb", "dmitri_volkov.py", "emma_schultz.py", "kofi_mensah.py")
NAMES = sorted(Path(name).stem for name in STUDENTS)
WIDE = {"COLUMNS": "200"}  # rich reads the width from COLUMNS when stdout is not a terminal


def grade(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return run_grade_command(*args, extra_env=env or WIDE, timeout=300)


def set_option(rubric: str, check: str, key: str, old: str, new: str) -> str:
    """`key = old` → `key = new` in the [[checks]] entry of `check` (and nowhere else)."""
    start = rubric.index(f'id = "{check}"')
    end = rubric.find("[[checks]]", start)
    entry = rubric[start:end if end > 0 else len(rubric)]
    assert entry.count(f"\n{key} = {old}\n") == 1, (check, key)
    return rubric[:start] + entry.replace(f"\n{key} = {old}\n", f"\n{key} = {new}\n") + rubric[start + len(entry):]


@dataclass(frozen=True)
class Runs:
    root: Path
    old: Path
    new: Path
    compare: subprocess.CompletedProcess  # the second grading run, made with --compare OLD


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Runs:
    """Four students graded twice with seed 1: the repository's rubric, then a copy where Q6.manual is worth
    5 points instead of 4 and Q4.manual's rtol is 0.3 instead of 1e-3 (Dmitri's Q4 without its cos term is
    within 30 % of the derivative on every case, Emma's hard-coded value is not)."""
    root = tmp_path_factory.mktemp("regrade")
    course = root / "course"
    for folder in ("rubrics", "reference"):
        shutil.copytree(ROOT / folder, course / folder)
    students = root / "class" / "autograd"
    students.mkdir(parents=True)
    for name in STUDENTS:
        shutil.copy(ROOT / "submissions" / "autograd" / name, students / name)
    old, new = root / "OLD", root / "NEW"
    first = grade(str(students), "--out", str(old), "--seed", "1", "--course", str(course))
    assert first.returncode == 0, first.stderr
    rubric = course / "rubrics" / "autograd.toml"
    text = set_option(rubric.read_text(encoding="utf-8"), "Q6.manual", "points", "4", "5")
    rubric.write_text(set_option(text, "Q4.manual", "rtol", "1e-3", "0.3"), encoding="utf-8")
    second = grade(str(students), "--out", str(new), "--seed", "1", "--course", str(course), "--compare", str(old))
    assert second.returncode == 0, second.stderr
    return Runs(root=root, old=old, new=new, compare=second)


def rows(path: Path) -> dict[tuple[str, str], dict]:
    with path.open(encoding="utf-8", newline="") as stream:
        listed = list(csv.DictReader(stream))
    keyed = {(row["student"], row["check"]): row for row in listed}
    assert len(keyed) == len(listed), "one row per student and check"
    return keyed


def totals(out: Path) -> dict[str, tuple[float, float]]:
    return {r.student: (r.score, r.max_score) for r in ResultsStore(out / "autograd").read_all()}


def number(value: float) -> str:
    return f"{value:g}"


class TestChangedRubric:
    """A point value and a tolerance changed: exactly those checks are listed, with the totals."""

    def test_lists_exactly_the_changed_checks_in_the_csv(self, runs):
        done = grade("diff", str(runs.old), str(runs.new))
        assert done.returncode == 0, done.stderr
        table = rows(runs.new / "autograd" / "diff.csv")
        expected = {(name, "(total)") for name in NAMES} | {(name, "Q6.manual") for name in NAMES}
        assert set(table) == expected | {("dmitri_volkov", "Q4.manual")}
        flip = table["dmitri_volkov", "Q4.manual"]
        assert (flip["change"], flip["points_before"], flip["max_before"], flip["points_after"], flip["max_after"]) \
            == ("changed", "0.0", "3.0", "3.0", "3.0")
        assert (flip["status_before"], flip["status_after"], flip["delta"]) == ("failed", "passed", "3.0")
        assert flip["message_before"].startswith("3 of 3 cases wrong") and flip["message_after"].startswith("Correct")
        for name in NAMES:  # the point value: possible points 4 → 5 for everyone, earned only where it passed
            q6 = table[name, "Q6.manual"]
            assert (q6["max_before"], q6["max_after"]) == ("4.0", "5.0")
            assert q6["status_before"] == q6["status_after"]
            assert (q6["points_after"] == "5.0") == (q6["status_after"] == "passed")
            assert q6["message_before"] == q6["message_after"] == "", "an unchanged message is left out"
        before, after = totals(runs.old), totals(runs.new)
        for name in NAMES:
            total = table[name, "(total)"]
            assert total["change"] == "changed"
            assert (float(total["points_before"]), float(total["max_before"])) == before[name]
            assert (float(total["points_after"]), float(total["max_after"])) == after[name]
            assert float(total["delta"]) == after[name][0] - before[name][0]
        assert after["dmitri_volkov"][0] - before["dmitri_volkov"][0] == 3  # Q4.manual now passes; Q6.manual failed
        assert after["emma_schultz"][0] == before["emma_schultz"][0]

    def test_the_terminal_table(self, runs):
        done = grade("diff", str(runs.old), str(runs.new))
        assert done.returncode == 0, done.stderr
        text = done.stdout
        assert "autograded scores" in text and "no TA overrides or late penalties" in text
        assert f"Regrade diff autograd: {runs.old / 'autograd'} → {runs.new / 'autograd'}" in text
        assert "0 / 3 → 3 / 3" in text and "failed → passed" in text
        assert "was: 3 of 3 cases wrong" in text and "now: Correct" in text
        before, after = totals(runs.old), totals(runs.new)
        for name in NAMES:
            assert name in text
            assert f"{number(before[name][0])} / {number(before[name][1])} → " \
                   f"{number(after[name][0])} / {number(after[name][1])}" in text
        for unchanged in ("P4.manual", "Q1.manual", "Q2.manual", "Q4.autograd", "Q6.autograd"):
            assert unchanged not in text
        up = sum(after[n][0] - before[n][0] for n in NAMES)
        mean = (sum(before[n][0] for n in NAMES) / 4, sum(after[n][0] for n in NAMES) / 4)
        assert f"4 of 4 student(s) changed: 3 up (+{number(up)} points), 0 down (0 points), 1 same total" in text
        assert f"Mean of the 4 compared: {number(mean[0])} / 40 → {number(mean[1])} / 41." in text
        assert f"Diff CSV: {runs.new / 'autograd' / 'diff.csv'}" in text

    def test_narrow_terminal_prints_lines_with_whole_names(self, runs):
        done = grade("diff", str(runs.old), str(runs.new), "--lab", "autograd", env={"COLUMNS": "50"})
        assert done.returncode == 0, done.stderr
        lines = done.stdout.splitlines()
        for name in NAMES:
            assert any(line.startswith(f"{name}  total ") for line in lines), done.stdout
        assert "  Q4.manual  0 / 3 → 3 / 3  +3  failed → passed" in lines
        assert any(line.startswith("    was: 3 of 3 cases wrong") for line in lines)

    def test_compare_prints_the_same_summary_after_grading(self, runs):
        done = grade("diff", str(runs.old), str(runs.new))
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() in runs.compare.stdout
        # After the grading summary, before the dashboard line.
        assert runs.compare.stdout.index("Gradebook:") < runs.compare.stdout.index("Regrade diff autograd") \
            < runs.compare.stdout.index("Dashboard:")


class TestEveryStudentAccountedFor:
    """No changes, a removed or added student, a damaged file: each said, none skipped."""

    def test_an_unchanged_run_has_no_changes(self, runs, tmp_path):
        shutil.copytree(runs.old, tmp_path / "again")
        done = grade("diff", str(runs.old), str(tmp_path / "again"))
        assert done.returncode == 0, done.stderr
        assert "autograd: no changes (4 student(s) compared)." in done.stdout
        assert rows(tmp_path / "again" / "autograd" / "diff.csv") == {}

    def test_removed_and_unreadable(self, runs, tmp_path):
        new = tmp_path / "new"
        shutil.copytree(runs.new, new)
        (new / "autograd" / "diff.csv").unlink()  # from the fixture's runs; --csv writes elsewhere
        (new / "autograd" / "results" / "kofi_mensah.json").unlink()
        (new / "autograd" / "results" / "emma_schultz.json").write_text("{ not json", encoding="utf-8")
        done = grade("diff", str(runs.old), str(new), "--csv", str(tmp_path / "changes.csv"))
        assert done.returncode == 0, done.stderr
        table = rows(tmp_path / "changes.csv")
        assert not (new / "autograd" / "diff.csv").exists()
        removed, unreadable = table["kofi_mensah", "(total)"], table["emma_schultz", "(total)"]
        assert (removed["change"], removed["points_after"], removed["lab"]) == ("removed", "", "autograd")
        assert float(removed["points_before"]) == totals(runs.old)["kofi_mensah"][0]
        assert unreadable["change"] == "unreadable" and unreadable["points_after"] == ""
        assert "emma_schultz.json cannot be read" in unreadable["message_before"]
        assert {student for student, _ in table} == set(NAMES)
        assert "removed" in done.stdout and "unreadable" in done.stdout and "cannot be read" in done.stdout
        assert "2 of 2 student(s) changed" in done.stdout and "1 removed; 1 unreadable" in done.stdout

        back = grade("diff", str(new), str(runs.old), "--csv", str(tmp_path / "back.csv"))
        assert back.returncode == 0, back.stderr
        table = rows(tmp_path / "back.csv")
        assert table["kofi_mensah", "(total)"]["change"] == "added"
        assert table["emma_schultz", "(total)"]["change"] == "unreadable"
        assert "1 added" in back.stdout


class TestErrors:
    """A diff that cannot be made exits 2 with a one-line reason."""

    @pytest.mark.parametrize("case", ["missing", "same", "no common lab", "unknown lab", "empty"])
    def test_exit_2(self, runs, tmp_path, case):
        other = tmp_path / "other"
        (other / "linreg" / "results").mkdir(parents=True)
        (tmp_path / "empty").mkdir()
        argv = {"missing": [str(runs.old), str(tmp_path / "nowhere")],
                "same": [str(runs.old), str(runs.old)],
                "no common lab": [str(runs.old), str(other)],
                "unknown lab": [str(runs.old), str(runs.new), "--lab", "linreg"],
                "empty": [str(tmp_path / "empty"), str(runs.new)]}[case]
        done = grade("diff", *argv)
        assert done.returncode == 2 and done.stdout == ""
        reason = done.stderr.strip()
        assert reason.startswith("grade diff: ") and "\n" not in reason and "Traceback" not in reason
        assert {"missing": "is not a folder", "same": "are the same folder", "no common lab": "no lab graded into both",
                "unknown lab": "no results for lab 'linreg'", "empty": "holds no graded lab"}[case] in reason

    def test_compare_with_a_missing_folder_stops_before_grading(self, tmp_path):
        done = grade(str(ROOT / "submissions" / "autograd"), "--out", str(tmp_path / "out"),
                     "--compare", str(tmp_path / "nowhere"))
        assert done.returncode == 2 and "is not a folder" in done.stderr
        assert not (tmp_path / "out").exists()


class TestCompareLab:
    """The comparison itself, on real saved results changed in memory."""

    def test_a_check_dropped_from_the_rubric_and_another_seed(self, runs):
        olds = ResultsStore(runs.old / "autograd").read_all()
        news = [replace(r, seed=2, checks=tuple(c for c in r.checks if c.id != "P4.autograd")) for r in olds]
        lab = diff.compare_lab("autograd", olds, news, old=runs.old, new=runs.new)
        assert [s.student for s in lab.students] == NAMES
        for student in lab.students:
            assert [(c.check, c.change, c.after) for c in student.checks] == [("P4.autograd", "removed", None)]
        assert any(note.startswith("seed: 1 → 2") for note in lab.notes)

    def test_a_final_score_basis_goes_through_the_seam(self, runs):
        """A total computed at render time (here: a point off for a result marked late) is compared through a
        Basis; a total that moves without any check moving is still listed."""
        olds = ResultsStore(runs.old / "autograd").read_all()
        news = [replace(r, notes=("late",)) if r.student == "emma_schultz" else r for r in olds]
        final = diff.Basis(name="final scores", total=lambda r: diff.Points(
            score=r.score - ("late" in r.notes), max_score=r.max_score))
        lab = diff.compare_lab("autograd", olds, news, old=runs.old, new=runs.new, basis=final)
        assert [(s.student, s.checks, s.delta) for s in lab.students] == [("emma_schultz", (), -1)]
        assert lab.basis == "final scores" and lab.compared == 4
        assert diff.compare_lab("autograd", olds, news, old=runs.old, new=runs.new).students == ()
