"""From autograded to final scores (grader.adjust): TA overrides and the late policy, on real files.

Three sample students are graded once for the module, through the CLI, with a course whose rubric has a
[deadline]: ada_lovelace's time comes from a submitted.csv, ben_okafor's folder is a git repository made
here (its commit dated with GIT_COMMITTER_DATE), dmitri_volkov's from his file's modification time.
Every test works on its own copy of that output (and of the course, when it edits the rubric), and
changes only CSV files and rubrics: `grade report` must apply them without running any code.
"""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from conftest import ROOT, run_grade_command, read_result

SAMPLES = ROOT / "submissions" / "autograd"
DEADLINE = '''
[deadline]
due = "2026-12-08T23:59:00"
timezone = "Europe/Berlin"
grace_minutes = 15
penalty_percent_per_day = 10
max_days_late = 3
'''
ADA_TIME = "2026-12-09T00:10:00+01:00"  # 11 minutes late: within the grace period
BEN_COMMIT = "2026-12-10T00:00:00+00:00"  # 1 day and 1 minute late (23:59 CET is 22:59 UTC): 2 days, 20 %
DMITRI_MTIME = "2026-12-08T20:00:00+00:00"  # on time
RAW = {"ada_lovelace": 40.0, "ben_okafor": 40.0, "dmitri_volkov": 30.0}  # tests/test_sample_class.py
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def grade(*args: str) -> subprocess.CompletedProcess:
    return run_grade_command(*args)


def git_repository(folder: Path, date: str) -> None:
    """`folder` made a git repository whose one commit has `date` as its committer time."""
    env = {**os.environ, "GIT_COMMITTER_DATE": date, "GIT_AUTHOR_DATE": date, "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_CONFIG_GLOBAL": os.devnull}
    for command in (["init", "-q"], ["add", "-A"],
                    ["-c", "user.name=Ben", "-c", "user.email=ben@example.org", "commit", "-q", "-m", "hand in"]):
        subprocess.run(["git", *command], cwd=folder, env=env, check=True, capture_output=True, timeout=60)


def make_course(root: Path, deadline: str = DEADLINE) -> Path:
    course = root / "course"
    shutil.copytree(ROOT / "rubrics", course / "rubrics")
    shutil.copytree(ROOT / "reference", course / "reference")
    with open(course / "rubrics" / "autograd.toml", "a", encoding="utf-8") as handle:
        handle.write(deadline)
    return course


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict:
    """The three students graded once, with --seed 1 and --submitted."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path_factory.mktemp("adjust")
    course = make_course(root)
    folder = root / "class" / "autograd"
    folder.mkdir(parents=True)
    shutil.copy(SAMPLES / "ada_lovelace.ipynb", folder)
    shutil.copy(SAMPLES / "dmitri_volkov.py", folder)
    shutil.copytree(SAMPLES / "ben_okafor", folder / "ben_okafor")
    git_repository(folder / "ben_okafor", BEN_COMMIT)
    stamp = datetime.fromisoformat(DMITRI_MTIME).timestamp()
    os.utime(folder / "dmitri_volkov.py", (stamp, stamp))
    times = root / "times.csv"
    times.write_text(f"student,time\nada_lovelace,{ADA_TIME}\n")
    out = root / "out"
    done = grade(str(folder), "--out", str(out), "--course", str(course), "--seed", "1", "--submitted", str(times))
    assert done.returncode == 0, done.stderr
    return {"root": root, "course": course, "class": folder, "out": out, "stdout": done.stdout}


@pytest.fixture
def run(graded, tmp_path) -> dict:
    """This test's own copy of the graded output, course and class."""
    copy = {"out": tmp_path / "out", "course": tmp_path / "course", "class": tmp_path / "class" / "autograd"}
    shutil.copytree(graded["out"], copy["out"])
    shutil.copytree(graded["course"], copy["course"])
    shutil.copytree(graded["class"], copy["class"], symlinks=True)
    return copy


def gradebook(out: Path) -> dict[str, dict]:
    with open(out / "autograd" / "grades.csv", newline="", encoding="utf-8") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


def canvas(out: Path) -> dict[str, str]:
    rows = list(csv.reader(io.StringIO((out / "autograd" / "canvas.csv").read_text(encoding="utf-8"))))
    return {row[0]: row[-1] for row in rows[2:]}


def report(run: dict, *extra: str) -> subprocess.CompletedProcess:
    return grade("report", str(run["out"]), "--course", str(run["course"]), *extra)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


OVERRIDES = '''student,item,points,comment,by
dmitri_volkov,Q2,+2,"derivation on paper, accepted",TA Kim
# comments and empty lines are skipped

dmitri_volkov,q4.manual,+10,regraded by hand,TA Kim
ada_lovelace,total,=38,the plot has no axis labels,Prof. Roy
'''


class TestSubmissionTimes:
    """Each source of submission times is recorded in the result, and said."""

    def test_each_source_is_recorded_in_the_saved_result(self, graded):
        saved = {s: read_result(graded["out"], "autograd", s)["extra_data"]["labgrade"] for s in RAW}
        assert (saved["ada_lovelace"]["submitted_source"], saved["ada_lovelace"]["submitted_at"]) == \
            ("submitted.csv", ADA_TIME)
        assert saved["ben_okafor"]["submitted_source"] == "git"
        assert datetime.fromisoformat(saved["ben_okafor"]["submitted_at"]) == datetime.fromisoformat(BEN_COMMIT)
        assert saved["dmitri_volkov"]["submitted_source"] == "file times"
        assert datetime.fromisoformat(saved["dmitri_volkov"]["submitted_at"]) == datetime.fromisoformat(DMITRI_MTIME)

    def test_the_gradebook_and_the_page_say_where_the_time_came_from(self, graded):
        rows = gradebook(graded["out"])
        assert {s: rows[s]["submitted_from"] for s in RAW} == {
            "ada_lovelace": "submitted.csv", "ben_okafor": "git", "dmitri_volkov": "file times"}
        assert rows["ben_okafor"]["submitted"] == "2026-12-10 01:00:00 CET"  # shown in the deadline's zone
        page = (graded["out"] / "autograd" / "ben_okafor.html").read_text(encoding="utf-8")
        assert "the last commit of the student&#39;s git repository" in page
        assert "modification times" in (graded["out"] / "autograd" / "dmitri_volkov.html").read_text(encoding="utf-8")

    def test_a_penalty_applied_when_grading(self, graded):
        rows = gradebook(graded["out"])
        assert rows["ben_okafor"]["days_late"] == "2" and float(rows["ben_okafor"]["penalty_percent"]) == 20
        assert float(rows["ben_okafor"]["final"]) == 32 and float(rows["ben_okafor"]["total"]) == 40
        assert rows["ada_lovelace"]["lateness"].startswith("within the grace period")
        assert float(rows["ada_lovelace"]["final"]) == 40 and rows["dmitri_volkov"]["lateness"] == "on time"
        document = read_result(graded["out"], "autograd", "ben_okafor")
        assert document["score"] == 32 and sum(test["score"] for test in document["tests"]) == 40
        assert "Late penalty: -8 (2 days late" in document["output"]
        assert document["extra_data"]["labgrade"]["score"] == 40 and document["extra_data"]["final"]["final"] == 32
        assert "late policy: due 2026-12-08 23:59:00 CET" in graded["stdout"]
        assert "Late: 1 student(s) penalised: ben_okafor" in graded["stdout"]


class TestOverrides:
    """overrides.csv changes the final score everywhere, and nothing else."""

    @pytest.fixture
    def reported(self, run) -> dict:
        write(run["out"] / "autograd" / "overrides.csv", OVERRIDES)
        done = report(run)
        assert done.returncode == 0, done.stderr
        assert "3 override(s) from" in done.stdout
        return run

    def test_grades_csv_shows_raw_adjustments_and_final(self, reported):
        rows = gradebook(reported["out"])
        dmitri = rows["dmitri_volkov"]
        assert float(dmitri["total"]) == 30 and float(dmitri["Q2"]) == 2  # the autograded points stay
        # Q4.manual is worth 3 and scored 0: +10 is capped at its maximum, +3.
        assert float(dmitri["overrides"]) == 5 and float(dmitri["final"]) == 35
        assert dmitri["adjustments"] == ("Q2 +2 (TA Kim: derivation on paper, accepted); "
                                         "Q4.manual +3 (TA Kim: regraded by hand, capped at 3)")
        assert float(rows["ada_lovelace"]["overrides"]) == -2 and float(rows["ada_lovelace"]["final"]) == 38
        # Overrides first, then the late penalty on what they give: ben has none, so 40 less 20 %.
        assert float(rows["ben_okafor"]["final"]) == 32

    def test_lms_exports_carry_the_final_score(self, reported):
        assert canvas(reported["out"]) == {"ada_lovelace": "38", "ben_okafor": "32", "dmitri_volkov": "35"}
        moodle = (reported["out"] / "autograd" / "moodle.csv").read_text(encoding="utf-8")
        assert "dmitri_volkov,35" in moodle

    def test_the_results_json_score_is_final_with_the_raw_result_kept(self, reported):
        document = read_result(reported["out"], "autograd", "dmitri_volkov")
        assert document["score"] == 35
        assert document["extra_data"]["labgrade"]["score"] == 30  # the raw result, unchanged
        assert sum(test["score"] for test in document["tests"]) == 30
        assert "Override of Q2 (+2): +2 — derivation on paper, accepted (TA Kim)." in document["output"]
        assert "Final: 35 / 40 points." in document["output"]
        steps = document["extra_data"]["final"]["adjustments"]
        assert [(s["item"], s["points"], s["by"], s["capped"]) for s in steps] == [
            ("Q2", 2.0, "TA Kim", False), ("Q4.manual", 3.0, "TA Kim", True)]

    def test_the_student_page_shows_each_adjustment_with_comment_and_author(self, reported):
        page = (reported["out"] / "autograd" / "dmitri_volkov.html").read_text(encoding="utf-8")
        block = page[page.index('id="final-grade"'):]
        block = block[:block.index("</section>")]
        for text in ("Autograded", "30 / 40", "Override of Q2 (+2)", "derivation on paper, accepted", "TA Kim",
                     "Override of Q4.manual (+10)", "(capped at 3)", "35 / 40", "Lateness: on time"):
            assert text in block, text

    def test_the_dashboard_has_a_final_column(self, reported):
        page = (reported["out"] / "autograd" / "index.html").read_text(encoding="utf-8")
        assert '<button type="button">Final</button>' in page
        assert 'data-sort="35.0" title="autograded 30; Q2 +2; Q4.manual +3">35' in page
        assert 'title="autograded 40; late penalty -8">32' in page

    def test_overrides_survive_a_regrade_and_resume(self, run):
        write(run["out"] / "autograd" / "overrides.csv", OVERRIDES)
        done = grade(str(run["class"] / "dmitri_volkov.py"), "--lab", "autograd", "--out", str(run["out"]),
                     "--course", str(run["course"]), "--seed", "1")
        assert done.returncode == 0, done.stderr
        assert float(gradebook(run["out"])["dmitri_volkov"]["final"]) == 35
        assert read_result(run["out"], "autograd", "dmitri_volkov")["score"] == 35
        done = grade(str(run["class"]), "--out", str(run["out"]), "--course", str(run["course"]), "--seed", "1",
                     "--resume")
        assert done.returncode == 0, done.stderr
        assert canvas(run["out"]) == {"ada_lovelace": "38", "ben_okafor": "32", "dmitri_volkov": "35"}
        page = (run["out"] / "autograd" / "ada_lovelace.html").read_text(encoding="utf-8")
        assert "the plot has no axis labels" in page and "Prof. Roy" in page

    def test_an_override_file_given_on_the_command_line(self, run, tmp_path):
        elsewhere = write(tmp_path / "ta.csv", "student,item,points,comment,by\nben_okafor,,=20,copied work,Prof. Roy\n")
        done = report(run, "--overrides", str(elsewhere))
        assert done.returncode == 0, done.stderr
        ben = gradebook(run["out"])["ben_okafor"]
        assert float(ben["overrides"]) == -20 and float(ben["final"]) == 16  # =20, then 20 % late

    def test_a_lab_column_keeps_a_line_to_its_lab(self, run):
        write(run["out"] / "autograd" / "overrides.csv", "student,item,points,comment,by,lab\n"
              "dmitri_volkov,Q2,+1,shown on paper,TA Kim,autograd\n"
              "someone_in_linreg,Q3,+1,not this lab,TA Kim,linreg\n")
        done = report(run)
        assert done.returncode == 0, done.stderr
        assert "1 override(s) from" in done.stdout and float(gradebook(run["out"])["dmitri_volkov"]["final"]) == 31

    def test_released_pages_show_the_final_score_last_rendered(self, reported, tmp_path):
        import zipfile

        done = grade("release", str(reported["out"]), "--to", str(tmp_path / "release"))
        assert done.returncode == 0, done.stderr
        with zipfile.ZipFile(tmp_path / "release" / "autograd" / "dmitri_volkov.zip") as archive:
            page = archive.read("dmitri_volkov.html").decode("utf-8")
        assert 'id="final-grade"' in page and "derivation on paper, accepted" in page and "35 / 40" in page

    def test_an_exact_value_may_go_above_the_maximum_and_a_change_never_below_zero(self, run):
        write(run["out"] / "autograd" / "overrides.csv", "student,item,points,comment,by\n"
              "dmitri_volkov,Q2,=7,bonus for a second method,TA Kim\n"
              "dmitri_volkov,Q2.manual,-5,no derivation shown,TA Kim\n")
        assert report(run).returncode == 0
        dmitri = gradebook(run["out"])["dmitri_volkov"]
        # Q2 set to 7 (+5); Q2.manual scored 0 of 3, so -5 takes nothing: capped at 0.
        assert float(dmitri["final"]) == 35 and "Q2.manual +0" in dmitri["adjustments"]


class TestBadOverrides:
    """A bad line is a one-line error naming the file and the line; nothing is written."""

    @pytest.mark.parametrize("line, problem", [
        ("nobody,Q2,+1,why,TA", "no graded submission of autograd is called 'nobody'"),
        ("dmitri_volkov,Q9,+1,why,TA", "autograd has no exercise or check 'Q9'"),
        ("dmitri_volkov,Q2,4,why,TA", "bad points '4': write +2 or -1.5 to change the score, =4 to set it"),
        ("dmitri_volkov,Q2,=lots,why,TA", "bad points 'lots': not a number"),
        ("dmitri_volkov,Q2,=-1,why,TA", "bad points '=-1': a new value is at least 0"),
        ("dmitri_volkov,Q2,+1,,TA", "empty `comment`"),
        ("dmitri_volkov,Q2,+1,why,", "empty `by`"),
    ])
    def test_grade_report_refuses_the_line(self, run, line, problem):
        path = write(run["out"] / "autograd" / "overrides.csv",
                     "student,item,points,comment,by\nada_lovelace,Q1,+0,fine,TA\n" + line + "\n")
        before = (run["out"] / "autograd" / "grades.csv").read_text()
        done = report(run)
        assert done.returncode == 2
        assert len(done.stderr.strip().splitlines()) == 1 and f"{path}, line 3: {problem}" in done.stderr, \
            done.stderr
        assert (run["out"] / "autograd" / "grades.csv").read_text() == before

    def test_a_bad_header_names_line_1(self, run):
        path = write(run["out"] / "autograd" / "overrides.csv", "student,item,points,coment,by\n")
        done = report(run)
        assert done.returncode == 2 and f"{path}, line 1: the header must name student,item,points,comment,by" \
            in done.stderr

    def test_grading_stops_before_any_code_runs(self, run):
        path = write(run["out"] / "autograd" / "overrides.csv", "student,item,points,comment,by\nzed,Q1,+1,x,y\n")
        done = grade(str(run["class"]), "--out", str(run["out"]), "--course", str(run["course"]), "--seed", "1")
        assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
        assert f"{path}, line 2: no graded submission of autograd is called 'zed'" in done.stderr


class TestLatePolicy:
    """Penalties at the boundaries, across time zones, with extensions; applied again by `grade report`."""

    @pytest.mark.parametrize("time, lateness, final", [
        ("2026-12-08T23:59:00+01:00", "on time", 30),  # exactly at the due time
        ("2026-12-09T00:14:00+01:00", "within the grace period (0:15:00 after the due time): no penalty", 30),
        ("2026-12-09T00:14:01+01:00", "1 day late (0:15:01 after the due time): 10 % off", 27),
        ("2026-12-09T23:59:00+01:00", "1 day late (1 day, 0:00:00 after the due time): 10 % off", 27),
        ("2026-12-09T23:59:01+01:00", "2 days late (1 day, 0:00:01 after the due time): 20 % off", 24),
        ("2026-12-11T23:59:00+01:00", "3 days late (3 days, 0:00:00 after the due time): 30 % off", 21),
        ("2026-12-11T23:59:01+01:00",
         "3 days, 0:00:01 after the due time, more than the policy allows: the score is 0", 0),
        # Time zones: New York 17:30 is 23:30 in Berlin; Tokyo 08:10 the next morning is 00:10; UTC 22:58.
        ("2026-12-08T17:30:00-05:00", "on time", 30),
        ("2026-12-09T08:10:00+09:00", "within the grace period (0:11:00 after the due time): no penalty", 30),
        ("2026-12-08T22:58:00Z", "on time", 30),
        ("2026-12-09T00:00:00", "within the grace period (0:01:00 after the due time): no penalty", 30),  # Berlin
    ])
    def test_boundaries_and_time_zones(self, run, time, lateness, final):
        write(run["out"] / "autograd" / "submitted.csv", f"student,time\ndmitri_volkov,{time}\n")
        done = report(run)
        assert done.returncode == 0, done.stderr
        dmitri = gradebook(run["out"])["dmitri_volkov"]
        assert (dmitri["lateness"], float(dmitri["final"]), dmitri["submitted_from"]) == \
            (lateness, final, "submitted.csv")
        assert read_result(run["out"], "autograd", "dmitri_volkov")["score"] == final

    def test_extensions_by_days_and_by_a_new_due_time(self, run):
        write(run["out"] / "autograd" / "submitted.csv", "student,time\ndmitri_volkov,2026-12-10T12:00:00+01:00\n")
        write(run["out"] / "autograd" / "extensions.csv", "student,due,days,comment,by\n"
              "dmitri_volkov,,2,ill (certificate),Prof. Roy\n"
              "ben_okafor,2026-12-10T09:00:00,,family emergency,Prof. Roy\n")
        done = report(run)
        assert done.returncode == 0, done.stderr
        rows = gradebook(run["out"])
        assert (rows["dmitri_volkov"]["lateness"], float(rows["dmitri_volkov"]["final"])) == ("on time", 30)
        assert rows["dmitri_volkov"]["due"] == "2026-12-10 23:59:00 CET"
        assert (rows["ben_okafor"]["lateness"], float(rows["ben_okafor"]["final"])) == ("on time", 40)
        page = (run["out"] / "autograd" / "ben_okafor.html").read_text(encoding="utf-8")
        assert "extended to 2026-12-10 09:00:00 CET (family emergency, by Prof. Roy)" in page

    def test_an_extension_for_an_unknown_student_is_an_error(self, run):
        path = write(run["out"] / "autograd" / "extensions.csv", "student,days\nnobody,2\n")
        done = report(run)
        assert done.returncode == 2 and f"{path}, line 2: no submission is called 'nobody'" in done.stderr

    def test_a_bad_time_is_an_error_naming_the_line(self, run):
        path = write(run["out"] / "autograd" / "submitted.csv", "student,time\nben_okafor,yesterday\n")
        done = report(run)
        assert done.returncode == 2 and f"{path}, line 2: 'yesterday' is not a date and time" in done.stderr

    def test_moving_the_due_date_in_the_rubric_recomputes_without_running_code(self, run):
        rubric = run["course"] / "rubrics" / "autograd.toml"
        rubric.write_text(rubric.read_text().replace('due = "2026-12-08T23:59:00"', 'due = "2026-12-10T23:59:00"'))
        shutil.rmtree(run["class"])  # nothing to run even if something tried
        done = report(run)
        assert done.returncode == 0, done.stderr
        ben = gradebook(run["out"])["ben_okafor"]
        assert (ben["lateness"], float(ben["final"]), ben["due"]) == ("on time", 40, "2026-12-10 23:59:00 CET")
        assert canvas(run["out"])["ben_okafor"] == "40"
        assert read_result(run["out"], "autograd", "ben_okafor")["score"] == 40

    def test_moving_the_due_date_does_not_make_resume_grade_again(self, run):
        saved = {name: read_result(run["out"], "autograd", name)["extra_data"]["labgrade"]["elapsed"]
                 for name in RAW}
        rubric = run["course"] / "rubrics" / "autograd.toml"
        rubric.write_text(rubric.read_text().replace('due = "2026-12-08T23:59:00"', 'due = "2026-12-10T23:59:00"'))
        done = grade(str(run["class"]), "--out", str(run["out"]), "--course", str(run["course"]), "--seed", "1",
                     "--resume")
        assert done.returncode == 0, done.stderr
        kept = {name: read_result(run["out"], "autograd", name)["extra_data"]["labgrade"]["elapsed"] for name in RAW}
        assert kept == saved  # the same saved results: nothing ran again
        assert float(gradebook(run["out"])["ben_okafor"]["final"]) == 40  # and the new due date applies

    def test_without_the_rubric_the_policy_last_applied_still_holds(self, run, tmp_path):
        elsewhere = tmp_path / "other-course"
        (elsewhere / "rubrics").mkdir(parents=True)  # a course without the lab
        done = grade("report", str(run["out"]), "--course", str(elsewhere))
        assert done.returncode == 0, done.stderr
        assert float(gradebook(run["out"])["ben_okafor"]["final"]) == 32

    def test_a_bad_deadline_is_a_rubric_error(self, run):
        rubric = run["course"] / "rubrics" / "autograd.toml"
        rubric.write_text(rubric.read_text().replace('"Europe/Berlin"', '"Mars/Olympus"'))
        done = report(run)
        assert done.returncode == 2 and "unknown time zone 'Mars/Olympus'" in done.stderr


@needs_git
def test_git_time_is_the_last_commit_even_of_a_folder_owned_by_another_user(tmp_path):
    """The student's own repository, read with a scrubbed environment; a folder that is no repository has none."""
    from grader.adjust.times import git_time

    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "q1.py").write_text("print(1)\n")
    assert git_time(folder) is None
    git_repository(folder, "2026-12-07T10:00:00+05:30")
    assert git_time(folder) == datetime.fromisoformat("2026-12-07T10:00:00+05:30")
    if os.geteuid() == 0:
        for path in [folder, *folder.rglob("*")]:
            os.chown(path, 65534, 65534, follow_symlinks=False)
        assert git_time(folder) == datetime.fromisoformat("2026-12-07T10:00:00+05:30")


def test_a_result_saved_before_submission_times_still_loads(graded, tmp_path):
    """Old results have no submitted_at: they load, and their lateness is 'unknown', with no penalty."""
    from grader.store import ResultsStore

    out = tmp_path / "out"
    shutil.copytree(graded["out"], out)
    path = out / "autograd" / "results" / "dmitri_volkov.json"
    document = json.loads(path.read_text())
    for key in ("submitted_at", "submitted_source"):
        del document["extra_data"]["labgrade"][key]
    path.write_text(json.dumps(document))
    assert ResultsStore(out / "autograd").read("dmitri_volkov").submitted_at == ""
    done = grade("report", str(out), "--course", str(graded["course"]))
    assert done.returncode == 0, done.stderr
    dmitri = gradebook(out)["dmitri_volkov"]
    assert dmitri["lateness"] == "submission time unknown: no penalty applied" and float(dmitri["final"]) == 30
    assert "no submission time for dmitri_volkov" in done.stdout
