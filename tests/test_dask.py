"""`grade --executor dask`: the same grading on a Dask cluster's workers, losing nothing when a worker dies."""
from __future__ import annotations

import csv
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, run_grade_command
from grader.discover import discover_class
from grader.execute.ship import land_submission, ship_submission
from grader.store import ResultsStore
from test_sample_class import AUTOGRAD, AUTOGRAD_EXPECTED

DASK = importlib.util.find_spec("distributed") is not None
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not DASK, reason="Dask is an optional extra (pip install 'labgrade[dask]'); "
                                                  "not installed here, so the Dask executor is not tested")]

# One lab's sample class (22 students: contract and free-form work, an endless loop, a syntax error, a corrupt
# notebook, figures): the whole class would double this module's minute for nothing the executor does differently.
EXPECTED = {"autograd": (AUTOGRAD, AUTOGRAD_EXPECTED)}
POISON = "poison_pill"


def grade_command(*args: str, extra_env: dict | None = None) -> subprocess.Popen:
    """`grade ARGS` in its own process (as an instructor runs it), output captured."""
    return subprocess.Popen([sys.executable, "-m", "grader", *args], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **(extra_env or {})})


def spawned_workers(pid: int) -> list[int]:
    """The Dask worker processes a `grade` process started: the children its LocalCluster's nannies spawned."""
    import psutil  # a dependency of distributed

    workers = []
    for child in psutil.Process(pid).children():
        try:
            if "spawn_main" in " ".join(child.cmdline()):
                workers.append(child.pid)
        except psutil.NoSuchProcess:
            continue
    return workers


def results_written(out: Path) -> int:
    return sum(len(list((out / lab / "results").glob("*.json"))) for lab in EXPECTED if (out / lab / "results").is_dir())


@pytest.fixture(scope="module")
def killed_run(tmp_path_factory) -> dict:
    """The autograd sample class through `--executor dask` on a LocalCluster of 2 workers, one of which is
    SIGKILLed once the first results are in."""
    out = tmp_path_factory.mktemp("dask")
    run = grade_command("submissions/autograd", "--executor", "dask", "--workers", "2", "--seed", "2026", "--out", str(out))
    killed, written_then = None, 0
    deadline = time.monotonic() + 300
    while run.poll() is None and time.monotonic() < deadline:
        workers = spawned_workers(run.pid)
        if killed is None and len(workers) == 2 and results_written(out) >= 2:
            killed, written_then = workers[0], results_written(out)
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.2)
    stdout, stderr = run.communicate(timeout=600)
    return {"out": out, "returncode": run.returncode, "stdout": stdout, "stderr": stderr, "killed": killed,
            "written_then": written_then}


class TestLocalCluster:
    def test_same_scores_as_the_local_executor(self, killed_run):
        """Every sample student gets, per exercise, the points the local executor gives (test_sample_class)."""
        assert killed_run["returncode"] == 0, killed_run["stderr"]
        for lab, (exercises, expected) in EXPECTED.items():
            results = {r.student: r for r in ResultsStore(killed_run["out"] / lab).read_all()}
            assert sorted(results) == sorted(expected)
            got = {student: [results[student].exercises[e][0] for e in exercises] for student in expected}
            assert got == expected, lab

    def test_a_killed_worker_loses_nothing(self, killed_run):
        """A worker killed mid-run: its submissions run again elsewhere, each student ends with one result."""
        assert killed_run["killed"] is not None, "the run ended before a worker could be killed"
        total = sum(len(expected) for _, expected in EXPECTED.values())
        assert killed_run["written_then"] < total  # it died with work left
        for lab, (_, expected) in EXPECTED.items():
            results = ResultsStore(killed_run["out"] / lab).read_all()
            assert sorted(r.student for r in results) == sorted(expected)
            assert not [r.student for r in results if "ungradable" in r.flags or "grader error" in " ".join(r.notes)]
            grades = (killed_run["out"] / lab / "grades.csv").read_text(encoding="utf-8").splitlines()
            assert len(grades) == len(expected) + 1

    def test_results_say_where_they_were_graded(self, killed_run):
        """Each result records the executor, host and worker; figures drawn on a worker reach the reports."""
        results = ResultsStore(killed_run["out"] / "autograd").read_all()
        assert {r.sandbox["executor"] for r in results} == {"dask"}
        assert all(r.sandbox["host"] and r.sandbox["worker"].startswith("tcp://") for r in results)
        assert len({r.sandbox["worker"] for r in results}) >= 2
        figures = [f for r in results for unit in r.units for f in unit.figures]
        assert figures and all((killed_run["out"] / "autograd" / f).is_file() for f in figures)
        for result in [r for r in results if r.units]:  # the same isolation on every worker as locally
            assert result.sandbox["launcher"] == "WarmLauncher"
            assert "hidden" in result.sandbox["files"] and result.sandbox["network"] != "not run"


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster of 2 workers, as an instructor's running scheduler, where a worker that dies is
    restarted by its nanny and fails the task it was running at once (the grader retries it)."""
    import dask
    from distributed import Client, LocalCluster

    from grader.execute.cluster import LOCAL_CLUSTER_CONFIG

    with dask.config.set(LOCAL_CLUSTER_CONFIG):
        local = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                             silence_logs=50)
    client = Client(local)
    yield local, client
    client.close()
    local.close()


def poison_plugin(student: str):
    """A worker plugin that makes its worker die, SIGKILLed, whenever it starts grading `student`: a
    submission that takes down every worker it touches."""
    from distributed import WorkerPlugin

    class Poison(WorkerPlugin):
        def setup(self, worker):
            from grader.execute import worker as side

            landing = side.land_submission

            def land(shipped, folder):
                if shipped.student == student:
                    os.kill(os.getpid(), signal.SIGKILL)
                return landing(shipped, folder)

            side.land_submission = land

    return Poison()


@pytest.fixture(scope="module")
def poison_run(cluster, tmp_path_factory) -> dict:
    """Two students and a poison submission graded on the running cluster with `--retries 1`."""
    local, client = cluster
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers need not import this test
    client.register_plugin(poison_plugin(POISON), name="poison")
    root = tmp_path_factory.mktemp("poison")
    lab = root / "submissions" / "autograd"
    lab.mkdir(parents=True)
    for name in ("ada_lovelace.ipynb", "emma_schultz.py"):
        shutil.copy(ROOT / "submissions" / "autograd" / name, lab / name)
    shutil.copy(ROOT / "submissions" / "autograd" / "kofi_mensah.py", lab / f"{POISON}.py")
    out = root / "out"
    run = grade_command(str(root / "submissions"), "--executor", "dask", "--scheduler", local.scheduler_address,
                        "--retries", "1", "--seed", "2026", "--out", str(out))
    stdout, stderr = run.communicate(timeout=300)
    return {"out": out, "returncode": run.returncode, "stderr": stderr, "stdout": stdout}


class TestRunningScheduler:
    def test_poison_submission_is_ungradable_not_zero(self, poison_run):
        """A submission whose worker dies on every attempt ends as ungradable (infrastructure), flagged,
        after --retries; the others are graded as usual and the batch finishes."""
        out = poison_run["out"]
        assert poison_run["returncode"] == 0, poison_run["stderr"]
        assert "Grading on the Dask cluster at tcp://" in poison_run["stdout"]
        assert "2 worker(s), 2 thread(s), retries 1" in poison_run["stdout"]
        results = {r.student: r for r in ResultsStore(out / "autograd").read_all()}
        assert sorted(results) == ["ada_lovelace", "emma_schultz", POISON]
        poisoned = results[POISON]
        assert {"ungradable", "needs_review"} <= set(poisoned.flags)
        assert "ungradable (infrastructure)" in poisoned.notes[0] and "2 attempt" in poisoned.notes[0]
        assert all(check.status == "grader_error" for check in poisoned.checks)
        page = (out / "autograd" / f"{POISON}.html").read_text(encoding="utf-8")
        assert "Not graded" in page and "This is not a score" in page
        dashboard = (out / "autograd" / "index.html").read_text(encoding="utf-8")
        assert "ungradable (infrastructure)" in dashboard
        with (out / "autograd" / "grades.csv").open(encoding="utf-8") as handle:
            row = next(r for r in csv.DictReader(handle) if r["student"] == POISON)
        assert row["total"] == row["final"] == "" and row["max_total"] == "40.0"  # no 0 the student earned
        document = json.loads((out / "autograd" / "results" / f"{POISON}.json").read_text(encoding="utf-8"))
        assert document["output"].startswith("Not graded")
        # Graded by hand: a TA's override gives it its final score, in the gradebook and the LMS file.
        (out / "autograd" / "overrides.csv").write_text(
            f"student,item,points,comment,by\n{POISON},total,=31,graded by hand,TA Kim\n", encoding="utf-8")
        assert run_grade_command("report", str(out)).returncode == 0
        with (out / "autograd" / "grades.csv").open(encoding="utf-8") as handle:
            row = next(r for r in csv.DictReader(handle) if r["student"] == POISON)
        assert row["total"] == "" and float(row["final"]) == 31
        canvas = (out / "autograd" / "canvas.csv").read_text(encoding="utf-8").splitlines()
        assert [line.rsplit(",", 1)[1] for line in canvas if line.startswith(POISON)] in (["31"], ["31.0"])
        graded = [results["ada_lovelace"].exercises[e][0] for e in AUTOGRAD]
        assert graded == AUTOGRAD_EXPECTED["ada_lovelace"]
        assert [results["emma_schultz"].exercises[e][0] for e in AUTOGRAD] == AUTOGRAD_EXPECTED["emma_schultz"]

    def test_workers_keep_nothing_after_the_run(self, cluster, poison_run):
        """A run on a shared cluster stops its zygotes when it ends; the cluster itself stays up, its killed
        workers restarted by their nannies."""
        local, client = cluster
        assert poison_run["returncode"] == 0, poison_run["stderr"]
        client.wait_for_workers(2, timeout=60)
        plugins = client.run(lambda dask_worker: sorted(dask_worker.plugins))
        assert len(plugins) == 2 and all("labgrade-zygote" not in names for names in plugins.values())


class TestChoosing:
    def test_scheduler_needs_the_dask_executor(self, capsys):
        """--scheduler without --executor dask stops before anything runs, saying what to add."""
        from grader.cli import main

        assert main(["submissions", "--scheduler", "tcp://127.0.0.1:1"]) == 2
        assert "--executor dask" in capsys.readouterr().err

    @pytest.mark.parametrize("address", ["tcp://127.0.0.1:9", "inproc://192.0.2.2/1/1"])
    def test_unreachable_scheduler_is_one_clear_line(self, tmp_path, address, capsys):
        """A scheduler nobody answers at, or an address no process can reach: exit 2 and one line naming
        the address, not a traceback."""
        import gc

        import dask
        import distributed  # noqa: F401  its defaults must be in dask's config before one is set for a while
        from distributed import Client

        from grader.cli import main

        def clients() -> dict[int, Client]:
            return {id(obj): obj for obj in gc.get_objects() if isinstance(obj, Client)}

        before = clients()
        with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
            assert main(["submissions/autograd", "--executor", "dask", "--scheduler", address,
                         "--out", str(tmp_path)]) == 2
        stderr = capsys.readouterr().err
        assert address in stderr and len(stderr.strip().splitlines()) == 1
        # The Client that failed is closed now: left to the garbage collector, its close could deadlock a
        # later Dask start in this process (it once hung the suite inside the next test's LocalCluster).
        assert not [client for key, client in clients().items() if key not in before and client.status != "closed"]

    def test_a_worker_too_small_for_a_run_is_refused_before_anything_runs(self, tmp_path, capsys):
        """A run's memory must stay below its worker's limit: a worker whose share (its memory limit, less what
        the worker needs, over its threads) cannot hold a run stops `grade` with one line saying what to change."""
        from distributed import LocalCluster

        from grader.cli import main

        with LocalCluster(n_workers=1, threads_per_worker=2, memory_limit="2GiB", processes=False,
                          dashboard_address=None) as small:  # in this process: its inproc:// address works here
            code = main(["submissions/autograd", "--executor", "dask", "--scheduler", small.scheduler_address,
                         "--out", str(tmp_path)])
        stderr = capsys.readouterr().err
        assert code == 2
        assert "MiB per run" in stderr and "fewer threads" in stderr and len(stderr.strip().splitlines()) == 1
        assert not (tmp_path / "autograd" / "results").exists()

    def test_a_runs_memory_is_its_share_of_the_worker(self):
        """Each thread of a worker runs one submission at a time: a run gets the worker's limit, less a reserve,
        over its threads, and never more than the rubric allows (the result records what applied)."""
        from grader.execute.worker import WORKER_RESERVE_MB, run_memory_mb

        assert run_memory_mb(None, 4) is None  # no limit on the worker: the rubric's alone
        assert run_memory_mb(8 * 1024**3, 2) == (8192 - WORKER_RESERVE_MB) // 2
        assert run_memory_mb(8 * 1024**3, 4) < run_memory_mb(8 * 1024**3, 2)

    def test_a_submission_travels_whole(self, tmp_path):
        """What a worker lands is the submission discovery found: the same parts, exercises and bytes."""
        for submission in discover_class(ROOT / "submissions" / "linreg", "linreg",
                                         ["P1", "Q1", "Q2", "AQ1", "Q3", "Q4", "Q5", "Q6", "Q7"]):
            landed = land_submission(ship_submission(submission), tmp_path / submission.student)
            assert [(p.name, p.exercises) for p in landed.parts] == [(p.name, p.exercises) for p in submission.parts]
            assert sorted(f.name for f in landed.files) == sorted(f.name for f in submission.files)
            assert all(a.read_bytes() == b.read_bytes() for a, b in zip(sorted(landed.files), sorted(submission.files)))
