"""Batch behaviour through the grading API: one broken submission never takes the others down."""
import shutil
from pathlib import Path

from conftest import ROOT
from grader.batch import BatchOptions, grade_batch, plan
from grader.store import ResultsStore
from grader.sandbox.launcher import SubprocessLauncher


class ExplodingLauncher(SubprocessLauncher):
    """Simulates a grader bug on one student's run."""

    def run(self, job, **kwargs):
        if job.part.startswith("boom"):
            raise RuntimeError("simulated grader bug")
        return super().run(job, **kwargs)


def make_class(tmp_path: Path) -> Path:
    folder = tmp_path / "autograd"
    folder.mkdir()
    shutil.copy(ROOT / "reference" / "autograd.py", folder / "good.py")
    shutil.copy(ROOT / "reference" / "autograd.py", folder / "boom.py")
    return folder


def test_grader_bug_on_one_student_is_flagged_and_the_rest_graded(tmp_path, course):
    [batch] = plan(make_class(tmp_path), course)
    results = {r.student: r for r in grade_batch(batch, BatchOptions(out=tmp_path / "out", seed=5, workers=2),
                                                 launcher=ExplodingLauncher())}
    assert results["good"].score == results["good"].max_score == 40
    assert results["boom"].score == 0 and "needs_review" in results["boom"].flags
    assert "simulated grader bug" in results["boom"].notes[0]


def test_saved_results_round_trip(tmp_path, course):
    [batch] = plan(make_class(tmp_path), course)
    graded = grade_batch(batch, BatchOptions(out=tmp_path / "out", seed=5, workers=2))
    assert ResultsStore(tmp_path / "out" / "autograd").read_all() == graded


def test_single_student_is_merged_into_the_existing_gradebook(tmp_path, course):
    folder = make_class(tmp_path)
    options = BatchOptions(out=tmp_path / "out", seed=5, workers=2)
    [whole] = plan(folder, course)
    grade_batch(whole, options)
    [single] = plan(folder / "good.py", course, "autograd")
    grade_batch(single, options)
    lines = (tmp_path / "out" / "autograd" / "grades.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["boom", "good"]


def test_a_damaged_saved_result_stays_listed_as_ungraded_after_another_students_regrade(tmp_path, course):
    folder = make_class(tmp_path)
    out = tmp_path / "out"
    options = BatchOptions(out=out, seed=5, workers=2)
    [whole] = plan(folder, course)
    grade_batch(whole, options)
    damaged = out / "autograd" / "results" / "boom.json"
    damaged.write_text(damaged.read_text()[:200])  # cut off, as by a full disk
    [single] = plan(folder / "good.py", course, "autograd")
    grade_batch(single, options)
    rows = {line.split(",")[0]: line for line in (out / "autograd" / "grades.csv").read_text().splitlines()[1:]}
    assert set(rows) == {"boom", "good"}
    assert rows["boom"].split(",")[1:3] == ["", ""]  # no total: ungraded, not 0
    canvas = (out / "autograd" / "canvas.csv").read_text()
    assert "boom" in canvas
    dashboard = (out / "autograd" / "index.html").read_text()
    assert "its saved result results/boom.json cannot be read" in dashboard and "ungraded" in dashboard


def test_the_terminal_names_a_student_whose_saved_result_cannot_be_read(tmp_path):
    import subprocess
    import sys

    folder = make_class(tmp_path)
    out = tmp_path / "out"
    subprocess.run([sys.executable, "-m", "grader", str(folder), "--out", str(out), "--seed", "5"],
                   cwd=ROOT, capture_output=True, text=True, check=True, timeout=300)
    (out / "autograd" / "results" / "boom.json").write_text("{")
    done = subprocess.run([sys.executable, "-m", "grader", str(folder / "good.py"), "--lab", "autograd",
                           "--out", str(out), "--seed", "5"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "Ungraded: boom" in done.stdout


class CountingLauncher(SubprocessLauncher):
    """Records which parts were actually run."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []

    def run(self, job, **kwargs):
        self.parts.append(job.part)
        return super().run(job, **kwargs)


def test_resume_grades_only_what_changed_or_was_never_graded(tmp_path, course):
    folder = make_class(tmp_path)
    options = BatchOptions(out=tmp_path / "out", workers=2, resume=True)
    [single] = plan(folder / "good.py", course, "autograd")
    first = grade_batch(single, options)  # as if a batch had been interrupted after one student
    [whole] = plan(folder, course)
    counting = CountingLauncher()
    results = {r.student: r for r in grade_batch(whole, options, launcher=counting)}
    assert counting.parts == ["boom.py"]
    assert results["good"] == first[0] and results["boom"].seed == first[0].seed
    (folder / "good.py").write_text((folder / "good.py").read_text() + "\n# edited\n")
    counting = CountingLauncher()
    [whole] = plan(folder, course)
    grade_batch(whole, options, launcher=counting)
    assert counting.parts == ["good.py"]


class UnreadableJob:
    """A job the child cannot read: the harness fails before any student code runs."""

    def __init__(self, job):
        self._job = job

    def __getattr__(self, name):
        return getattr(self._job, name)

    def to_json(self):
        data = self._job.to_json()
        del data["units"]
        return data


class BrokenHarnessLauncher(SubprocessLauncher):
    def run(self, job, **kwargs):
        if job.part.startswith("broken"):
            job = UnreadableJob(job)
        return super().run(job, **kwargs)


def test_a_harness_failure_is_the_graders_never_the_students(tmp_path, course, monkeypatch):
    import grader.sandbox.launcher as launcher_module

    monkeypatch.setattr(launcher_module, "can_isolate", lambda: False)  # keeps the job object as it is
    folder = make_class(tmp_path)
    shutil.copy(ROOT / "reference" / "autograd.py", folder / "broken.py")
    [batch] = plan(folder, course)
    results = {r.student: r for r in grade_batch(batch, BatchOptions(out=tmp_path / "out", seed=5, workers=2),
                                                 launcher=BrokenHarnessLauncher())}
    broken = results["broken"]
    assert {check.status for check in broken.checks} == {"grader_error"} and "needs_review" in broken.flags
    assert broken.review and broken.review[0].startswith("the grader failed on broken.py")
    assert "KeyError" in broken.grader_log[0]  # the child's stderr, kept for the instructor
    assert not any("exit()" in check.message for check in broken.checks)
    assert results["good"].score == 40


def test_killing_the_grader_at_any_moment_then_resuming_loses_and_duplicates_nothing(tmp_path):
    """kill -9 of the whole grader (and its zygote) at random moments, several times, then --resume to the end."""
    import json
    import os
    import random
    import signal
    import subprocess
    import sys
    import time

    folder = tmp_path / "autograd"
    folder.mkdir()
    for name in ("ana", "bo", "cy", "di", "ed", "flo"):
        shutil.copy(ROOT / "reference" / "autograd.py", folder / f"{name}.py")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "grader", str(folder), "--out", str(out), "--seed", "5", "--resume"]
    pick = random.Random(20261202)
    for _ in range(3):
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
        time.sleep(pick.uniform(0.3, 4.0))
        os.killpg(process.pid, signal.SIGKILL)  # the zygote has a session of its own: it ends when its pipe does
        process.wait()
    (out / "autograd" / "results").mkdir(parents=True, exist_ok=True)
    (out / "autograd" / "results" / ".ana.json.x1y2.tmp").write_text('{"score": 4')  # a write cut off by a kill
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    results = out / "autograd" / "results"
    assert sorted(p.name for p in results.iterdir()) == [f"{n}.json" for n in ("ana", "bo", "cy", "di", "ed", "flo")]
    assert all(json.loads(p.read_text())["score"] == 40 for p in results.iterdir())  # none partial, all whole
    rows = (out / "autograd" / "grades.csv").read_text().splitlines()[1:]
    assert sorted(row.split(",")[0] for row in rows) == ["ana", "bo", "cy", "di", "ed", "flo"]
    assert not list((out / "autograd").glob(".*.tmp")) and not list(results.glob(".*"))
