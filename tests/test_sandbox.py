"""The child runner: whatever the student's code does, the grader gets a clean record back."""
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import ROOT
from grader.discover import Part
from grader.grade import RunSettings, build_job
from grader.lab import Course
from grader.sandbox.job import CodeUnit, Job, ProbeSpec, StrategySpec
from grader.sandbox.launcher import Beside, SubprocessLauncher
from grader.sandbox.limits import Limits
from grader.sandbox.warm import WarmLauncher

LAUNCHERS = {"fresh": SubprocessLauncher(), "warm": WarmLauncher()}


@pytest.fixture(params=sorted(LAUNCHERS))
def launcher(request):
    """Every behaviour holds for both ways of starting a child."""
    return LAUNCHERS[request.param]


def run(launcher, *cells: str, probes=(), wall=30.0, unit_timeout=5.0, keep_dir=None, files=(), part="test",
        threads=1, later=None):
    units = tuple(CodeUnit(label=f"cell {i}", filename=f"<cell {i}>", source=src) for i, src in enumerate(cells, 1))
    job = Job(part=part, units=units, probes=tuple(probes), unit_timeout=unit_timeout, probe_timeout=unit_timeout,
              threads=threads)
    return launcher.run(job, files=list(files), limits=Limits(wall_seconds=wall), keep_dir=keep_dir, later=later)


def call(name: str, code: str, *cases: dict) -> ProbeSpec:
    return ProbeSpec(name=name, strategies=(StrategySpec(needs=(name,), code=code),), cases=cases or ({},))


class TestUnits:
    """Cells run in order in one namespace, and a failing cell does not stop the next."""

    def test_exception_in_one_cell_does_not_stop_the_next(self, launcher):
        record = run(launcher, "def f(x): return 2 * x", "raise ValueError('boom')", "def g(x): return 3 * x",
                     probes=[call("g", "g(2)")])
        assert [u.status for u in record.units] == ["ok", "error", "ok"]
        assert record.units[1].error.type == "ValueError"
        assert record.observations[0].value == {"kind": "number", "type": "int", "value": 6.0}

    def test_traceback_quotes_the_students_own_line(self, launcher):
        record = run(launcher, "x = 1\ny = x / 0")
        assert '<cell 1>", line 2' in record.units[0].error.traceback
        assert "y = x / 0" in record.units[0].error.traceback

    def test_syntax_error_names_the_line(self, launcher):
        record = run(launcher, "def broken(:\n    pass")
        assert record.units[0].error.type == "SyntaxError"
        assert "line 1" in record.units[0].error.message

    def test_infinite_loop_in_a_cell_is_stopped_and_later_cells_run(self, launcher):
        record = run(launcher, "while True:\n    pass", "def h(): return 1", probes=[call("h", "h()")], unit_timeout=1)
        assert record.units[0].status == "timeout"
        assert record.observations[0].status == "ok"

    def test_loop_that_swallows_the_alarm_is_killed_by_the_wall_clock(self, launcher):
        stubborn = "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True:\n    pass"
        record = run(launcher, stubborn, wall=3, unit_timeout=1)
        assert record.timed_out and not record.finished

    def test_huge_output_is_capped(self, launcher):
        record = run(launcher, "for i in range(200000):\n    print('spam' * 10)")
        assert len(record.units[0].stdout) < 25_000
        assert "more characters not shown" in record.units[0].stdout

    def test_input_reads_end_of_file_instead_of_blocking(self, launcher):
        record = run(launcher, "name = input('your name? ')")
        assert record.units[0].error.type == "EOFError"

    def test_exit_in_a_cell_is_reported_and_the_run_goes_on(self, launcher):
        record = run(launcher, "import sys; sys.exit(3)", "def k(): return 1", probes=[call("k", "k()")])
        assert record.units[0].status == "exit" and record.observations[0].status == "ok"

    def test_hard_exit_loses_only_what_came_after(self, launcher):
        record = run(launcher, "def f(): return 1", "import os; os._exit(0)")
        assert len(record.units) == 1 and not record.finished

    def test_a_notebook_can_call_display_without_importing_it_as_in_jupyter(self, launcher):
        record = run(launcher, "display(3, 'three')", part="lab.ipynb")
        assert record.units[0].status == "ok" and record.units[0].stdout == "3\n'three'\n"
        assert run(launcher, "display(3)", part="lab.py").units[0].status == "error"  # plain Python has none

    def test_figures_are_captured_and_plt_show_does_not_block(self, launcher, tmp_path):
        record = run(launcher, "import matplotlib.pyplot as plt\nplt.plot(range(100))\nplt.show()", keep_dir=tmp_path)
        figure = record.units[0].figures[0]
        assert figure.line_lengths == (100,)
        assert (tmp_path / figure.image).is_file()

    def test_figures_drawn_after_the_answers_are_kept_once_the_caller_is_done(self, tmp_path):
        later = []
        record = run(LAUNCHERS["warm"], "import matplotlib.pyplot as plt\nplt.plot(range(100))\nplt.clf()\n"
                     "plt.plot(range(7))\ndef f(): return 3", probes=[call("f", "f()")], keep_dir=tmp_path,
                     later=later)
        assert record.finished and record.observations[0].value["value"] == 3 and len(later) == 1
        later[0]()
        cleared, kept = record.units[0].figures  # the figure cleared by clf() is drawn before it is drawn on again
        assert (cleared.line_lengths, kept.line_lengths) == ((100,), (7,))
        assert (tmp_path / cleared.image).read_bytes() != (tmp_path / kept.image).read_bytes()

    def test_figures_drawn_after_the_answers_are_kept_once_drawn_not_once_the_run_has_ended(self, tmp_path,
                                                                                          monkeypatch):
        """The child says when its PNGs are all there, so the caller need not wait for the process to end and
        be reaped (grader.sandbox.warm._ended_by, 10-15 ms a run)."""
        from grader.sandbox import warm

        waited = []
        monkeypatch.setattr(warm, "_ended_by", lambda *args: waited.append(args) or False)
        later = []
        record = run(LAUNCHERS["warm"], "import matplotlib.pyplot as plt\nplt.plot(range(9))\ndef f(): return 5",
                     probes=[call("f", "f()")], keep_dir=tmp_path, later=later)
        assert record.finished and len(later) == 1
        later[0]()
        assert (tmp_path / record.units[0].figures[0].image).is_file() and not waited

    def test_a_figure_that_never_finishes_drawing_costs_its_picture_not_its_answers(self, tmp_path):
        later = []
        stuck = ("import time\nimport matplotlib.figure, matplotlib.pyplot as plt\nplt.plot(range(5))\n"
                 "matplotlib.figure.Figure.savefig = lambda *a, **k: time.sleep(600)\ndef f(): return 4")
        record = run(LAUNCHERS["warm"], stuck, probes=[call("f", "f()")], keep_dir=tmp_path, later=later,
                     unit_timeout=1, wall=20)
        started = time.monotonic()
        later[0]()
        assert time.monotonic() - started < 15 and record.observations[0].value["value"] == 4
        assert record.units[0].figures[0].line_lengths == (5,)
        assert not list(tmp_path.glob("*.png"))

    def test_code_that_never_seeds_draws_what_torch_manual_seed_of_the_jobs_seed_gives(self, launcher):
        """The harness seeds torch its own, cheaper way (child._seed_torch): the draws must be torch's."""
        import torch

        torch.manual_seed(Job(part="test", units=(), probes=()).seed)
        expected = [torch.rand(3).tolist(), torch.randint(0, 1000, (2,)).tolist()]
        record = run(launcher, "import torch\ndrawn = [torch.rand(3).tolist(), torch.randint(0, 1000, (2,)).tolist()]",
                     probes=[call("drawn", "drawn")])
        items = record.observations[0].value["items"]
        assert [[v["value"] for v in item["items"]] for item in items] == expected

    def test_memory_bomb_fails_only_its_cell(self, launcher):
        record = run(launcher, "big = bytearray(8 * 1024**3)", "def ok(): return 1", probes=[call("ok", "ok()")])
        assert record.units[0].error.type == "MemoryError"
        assert record.observations[0].status == "ok"


def test_the_rubrics_thread_allowance_reaches_the_job():
    lab = Course(root=ROOT).load("linreg")
    assert lab.rubric.limits.threads == 1
    generous = replace(lab, rubric=replace(lab.rubric, limits=replace(lab.rubric.limits, threads=3)))
    part = Part(name="dana_ivanova.ipynb", path=ROOT / "submissions" / "linreg" / "dana_ivanova.ipynb")
    assert build_job(generous, part, RunSettings(seed=1)).threads == 3


def test_every_field_of_a_job_crosses_to_the_child_as_it_was():
    """The child reads its job from JSON: a field the grader's `to_json` leaves out would silently fall back to
    its default there. Every field here differs from its default."""
    import dataclasses
    import json

    job = Job(part="q1.py", units=(CodeUnit(label="q1.py", filename="q1.py", source="x = 1"),),
              probes=(ProbeSpec(name="p", strategies=(StrategySpec(needs=("f",), code="f(a)", script=True),),
                                cases=({"a": 2.0}, {"a": [1, 2]}), record=True),),
              data={"x": [1.0, 2.0]}, seed=7, unit_timeout=3.0, probe_timeout=4.0, output_limit=99,
              hide=("/answers",), uid=1234, threads=2, evaluations={"m": [[3.0, 2.0]]}, answers={"x": "2"},
              images=False, draw_after=True, printers=("show",))
    defaults = Job(part="", units=(), probes=())
    assert all(getattr(job, f.name) != getattr(defaults, f.name) for f in dataclasses.fields(Job))
    assert Job.from_json(json.loads(json.dumps(job.to_json()))) == job


def test_peak_memory_of_a_run_is_measured_by_its_parent(launcher):
    small = run(launcher, "x = 1")
    big = run(launcher, "x = bytearray(800 * 2**20)\nx[::4096] = b'1' * len(x[::4096])")
    assert small.peak_memory_mib and big.peak_memory_mib - small.peak_memory_mib > 500


class TestIsolation:
    """The child works on copies, in a scrubbed environment."""

    def test_writes_and_deletes_touch_only_the_scratch_copy(self, launcher, tmp_path):
        original = tmp_path / "data.csv"
        original.write_text("keep me")
        record = run(launcher, "import os\nos.remove('data.csv')\nopen('new.txt', 'w').write('x')", files=[original])
        assert record.units[0].status == "ok"
        assert original.read_text() == "keep me" and not (tmp_path / "new.txt").exists()

    def test_each_part_of_a_set_has_folders_only_its_runs_uid_can_open(self, tmp_path):
        from grader.sandbox.isolation import can_isolate
        from grader.sandbox.launcher import followed_parts, prepared_set

        if not can_isolate():
            pytest.skip("runs get no uid of their own on this machine")
        (tmp_path / "data.csv").write_text("x")
        job = Job(part="q.py", units=(CodeUnit(label="q.py", filename="q.py", source="x = 1"),), probes=())
        with prepared_set([job, job, job], [tmp_path / "data.csv"], room=2) as folder:
            base = folder.runner.scratch.parent
            assert base.stat().st_mode & 0o777 == 0o711
            followed, listing = followed_parts(folder, [job, job])
            assert len(folder.parts) == 5
            for part_job, paths in folder.parts:
                for made in (paths.scratch, paths.messages.parent):
                    assert made.parent == base
                    assert made.stat().st_mode & 0o777 == 0o700 and made.stat().st_uid == part_job.uid
                assert (paths.scratch / "data.csv").read_text() == "x"
                assert (paths.scratch / "data.csv").stat().st_uid == part_job.uid
            # What names the next set is root's: the run's uid may read it, never write it.
            for named in (folder.feed.parent, folder.feed, listing):
                assert named.stat().st_uid == 0 and named.stat().st_mode & 0o022 == 0

    def test_a_run_that_writes_until_nothing_is_left_fills_only_its_own_capped_folder(self, launcher):
        from grader.sandbox.folder import RUN_CAPACITY
        from grader.sandbox.isolation import can_isolate

        if not can_isolate():
            pytest.skip("the grader may not mount a folder of its own for each run here")
        flood = ("import errno\nwritten = 0\ntry:\n    for i in range(40):\n"
                 "        with open(f'junk{i}', 'wb') as out:\n            out.write(bytes(16 * 2**20))\n"
                 "        written += 16 * 2**20\nexcept OSError as error:\n    reason = errno.errorcode[error.errno]\n"
                 "def f(): return [reason, written]")
        record = run(launcher, flood, probes=[call("f", "f()")])
        reason, written = [item["value"] for item in record.observations[0].value["items"]]
        assert reason == "ENOSPC" and written <= RUN_CAPACITY
        assert record.finished and not _labgrade_mounts(os.getpid())

    def test_environment_is_scrubbed(self, launcher, monkeypatch):
        monkeypatch.setenv("SECRET_TOKEN", "hunter2")
        record = run(launcher, "import os", probes=[call("os", "'SECRET_TOKEN' in os.environ")])
        assert record.observations[0].value == {"kind": "bool", "value": False}

    def test_student_file_cannot_shadow_torch(self, launcher, tmp_path):
        fake = tmp_path / "torch.py"
        fake.write_text("raise SystemExit('shadowed')")
        record = run(launcher, "import torch\nok = hasattr(torch, 'tensor')", probes=[call("ok", "ok")], files=[fake])
        assert record.observations[0].value == {"kind": "bool", "value": True}


    def test_what_one_student_changes_in_torch_or_builtins_does_not_reach_the_next(self, launcher):
        run(launcher, "import torch, builtins, numpy\ntorch.tensor = None\nbuiltins.len = None\nnumpy.pi = 3")
        record = run(launcher, "import torch, numpy", probes=[call("torch", "torch.tensor is not None and len([1]) == 1 and numpy.pi > 3.1")])
        assert record.observations[0].value == {"kind": "bool", "value": True}

    def test_a_rubric_may_allow_more_torch_threads_and_they_work_after_the_fork(self, launcher):
        code = ("import torch\nx = torch.ones(256, 256)\nfor _ in range(20):\n    y = x @ x\n"
                "threads = torch.get_num_threads()")
        assert run(launcher, code, probes=[call("threads", "threads")]).observations[0].value["value"] == 1
        record = run(launcher, code, probes=[call("threads", "threads")], threads=2)
        assert record.units[0].status == "ok" and record.observations[0].value["value"] == 2

    def test_what_one_student_changes_in_the_warmed_up_libraries_does_not_reach_the_next(self, launcher):
        """The zygote has already stepped an optimizer and drawn a figure; those objects stay pristine."""
        run(launcher, "import torch, matplotlib, gc\ntorch.optim.SGD.step = None\n"
                      "matplotlib.rcParams['lines.linewidth'] = 42\ngc.unfreeze()\ntorch.set_num_threads(2)")
        check = ("import torch, matplotlib\nm = torch.nn.Linear(1, 1)\nopt = torch.optim.SGD(m.parameters(), lr=0.1)\n"
                 "m(torch.ones(1, 1)).sum().backward()\nopt.step()\n"
                 "pristine = matplotlib.rcParams['lines.linewidth'] != 42 and torch.get_num_threads() == 1")
        record = run(launcher, check, probes=[call("pristine", "pristine")])
        assert record.observations[0].value == {"kind": "bool", "value": True}


    def test_no_network_where_the_kernel_allows_a_namespace(self, launcher):
        import socket

        server = socket.create_server(("127.0.0.1", 0))
        port = server.getsockname()[1]
        code = (f"import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
                "    reached = True\nexcept OSError:\n    reached = False")
        record = run(launcher, code, probes=[call("reached", "reached")])
        server.close()
        if not record.isolation["network"].startswith("namespace"):
            pytest.skip(f"no network namespace here: {record.isolation['network']}")
        assert record.observations[0].value == {"kind": "bool", "value": False}


def _labgrade_mounts(pid: int) -> list[str]:
    with open("/proc/self/mountinfo", encoding="utf-8") as mounts:
        return [line.split()[4] for line in mounts if f"/labgrade-{pid}-" in line.split()[4]]


@pytest.mark.parametrize("where", ["in memory", "on disk"])
def test_a_folder_a_killed_grader_left_is_removed_by_the_next(where):
    import signal
    import subprocess

    from grader.sandbox.folder import IN_MEMORY_COPIES
    from grader.sandbox.isolation import can_isolate

    if where == "in memory" and not can_isolate():
        pytest.skip("the grader may not mount a folder of its own for each run here")
    copies = 0 if where == "in memory" else IN_MEMORY_COPIES + 1  # too much to copy into memory: on disk
    holding = ("import sys\nfrom grader.sandbox.folder import run_folder\n"
               f"with run_folder({copies}, 2**20) as folder:\n    print(folder, flush=True)\n    sys.stdin.read()")
    grader = subprocess.Popen([sys.executable, "-c", holding], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    left = Path(grader.stdout.readline().strip())
    assert left.is_dir() and _labgrade_mounts(grader.pid) == ([str(left)] if where == "in memory" else [])
    grader.send_signal(signal.SIGKILL)  # killed mid-run: its own clean-up never happens
    grader.wait()
    SubprocessLauncher()  # the next grader's launcher sweeps before its first run
    assert _labgrade_mounts(grader.pid) == [] and not left.exists()


def test_a_double_forked_daemon_does_not_outlive_its_run():
    """The zygote is a subreaper: a student's setsid daemon is killed when the run ends."""
    drop = Path(tempfile.mkdtemp(prefix="labgrade-test-"))
    drop.chmod(0o777)  # the run may have a uid of its own
    marker = drop / "daemon.pid"
    daemon = (
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        f"        open({str(marker)!r}, 'w').write(str(os.getpid()))\n"
        "        time.sleep(600)\n"
        "    os._exit(0)\n"
        "time.sleep(0.5)\n")
    run(LAUNCHERS["warm"], daemon)
    run(LAUNCHERS["warm"], "x = 1")  # the sweep also runs whenever a later run ends
    pid = int(marker.read_text())
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    pytest.fail(f"daemon {pid} is still alive")


class TestProbes:
    """Observations are made per case, with the first strategy whose names exist."""

    def test_missing_name_is_reported_as_missing(self, launcher):
        record = run(launcher, "x = 1", probes=[call("absent", "absent()")])
        assert record.observations[0].status == "missing"

    def test_probe_exception_is_an_error_observation(self, launcher):
        record = run(launcher, "def f(x): return x.nope", probes=[call("f", "f(x)", {"x": 1.0}, {"x": 2.0})])
        assert [o.status for o in record.observations] == ["error", "error"]
        assert record.observations[0].error.type == "AttributeError"

    def test_many_requests_in_flight_are_answered_each_in_turn(self, launcher):
        """Requests go a window at a time (grader.sandbox.protocol.WINDOW): more cases than that, over several
        probes, one of them answered once for all its cases, still come back each to its own request."""
        cases = [{"x": float(i)} for i in range(40)]
        probes = [call("double", "double(x)", *cases), call("absent", "absent(x)", *cases[:5]),
                  call("triple", "triple(x)", *cases)]
        record = run(launcher, "def double(x): return 2 * x\ndef triple(x): return 3 * x", probes=probes)
        assert record.finished and not record.problems
        by_probe = {}
        for observation in record.observations:
            by_probe.setdefault(observation.probe, []).append(observation)
        assert [o.value["value"] for o in by_probe["double"]] == [2.0 * i for i in range(40)]
        assert [o.status for o in by_probe["absent"]] == ["missing"]
        assert [o.value["value"] for o in by_probe["triple"]] == [3.0 * i for i in range(40)]

    def test_script_strategy_observes_globals_once(self, launcher):
        probe = ProbeSpec(name="p", cases=({"x": 1.0}, {"x": 2.0}), strategies=(
            StrategySpec(needs=("f",), code="f(x)"),
            StrategySpec(needs=("w",), code="w * 2", script=True)))
        record = run(launcher, "w = 21", probes=[probe])
        assert len(record.observations) == 1
        assert record.observations[0].strategy == 1 and record.observations[0].value["value"] == 42.0

    @pytest.mark.parametrize("value, kind", [("float('nan')", "number"), ("object()", "object"), ("'text'", "str")])
    def test_odd_values_cross_as_descriptions(self, launcher, value, kind):
        record = run(launcher, f"def f(): return {value}", probes=[call("f", "f()")])
        assert record.observations[0].value["kind"] == kind


def test_a_run_that_kills_the_zygote_does_not_take_a_concurrent_run_with_it(monkeypatch):
    """Without a uid of its own a run can kill its parent; the other runs in flight still finish."""
    import threading

    import grader.sandbox.launcher as launcher_module

    monkeypatch.setattr(launcher_module, "can_isolate", lambda: False)  # runs keep the grader's uid
    launcher = WarmLauncher()
    records = {}

    def patient():
        records["patient"] = run(launcher, "import time\ntime.sleep(2)\ndef f(): return 1", probes=[call("f", "f()")])

    thread = threading.Thread(target=patient)
    thread.start()
    time.sleep(0.5)
    records["killer"] = run(launcher, "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)")
    thread.join()
    launcher.close()
    assert records["patient"].finished
    assert records["patient"].observations[0].value["value"] == 1.0
    assert run(LAUNCHERS["warm"], "def f(): return 2", probes=[call("f", "f()")]).observations[0].status == "ok"


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid`, from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except (OSError, ValueError):
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        if entry.isdigit() and int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry))
    return found


def _run_pids(launcher: WarmLauncher) -> list[int]:
    return [ticket.pid for ticket in list(launcher._zygote._tickets.values()) if ticket.pid is not None]


def _alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie, from /proc."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return False


def test_a_zygote_whose_grader_is_gone_stops_its_runs():
    """When the grader goes away mid-run (a Dask worker killed; here, its launcher closed), the zygote kills
    the runs nobody will read or stop, rather than leaving them to run out their own limits."""
    import threading

    launcher = WarmLauncher().start()
    zygote = launcher._zygote._process.pid
    records = {}
    thread = threading.Thread(target=lambda: records.update(
        sleeper=run(launcher, "import time\ntime.sleep(100)", wall=120, unit_timeout=110)))
    thread.start()
    deadline = time.monotonic() + 60
    # The run's own pid, not any child of the zygote: its imports may run a short-lived helper (fc-list).
    while not (runs := _run_pids(launcher)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert runs and set(runs) <= set(_children(zygote)), "the run never started"
    closed = time.monotonic()
    launcher.close()
    thread.join(timeout=60)
    assert not thread.is_alive() and time.monotonic() - closed < 15
    assert not [pid for pid in runs if _alive(pid)]
    assert not records["sleeper"].finished


def test_a_fresh_run_whose_grader_is_killed_ends_with_it(tmp_path):
    """`--launcher fresh` has no zygote to stop the runs of a grader killed mid-run: each run ends with it."""
    import signal
    import subprocess
    import textwrap

    grader = tmp_path / "grader.py"
    grader.write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from grader.sandbox.job import CodeUnit, Job
        from grader.sandbox.launcher import SubprocessLauncher
        from grader.sandbox.limits import Limits
        sleeper = CodeUnit(label="cell 1", filename="<cell 1>", source="import time\\ntime.sleep(100)")
        job = Job(part="sleeper", units=(sleeper,), probes=(), unit_timeout=110, probe_timeout=110)
        SubprocessLauncher().run(job, files=[], limits=Limits(wall_seconds=120))
    """))
    process = subprocess.Popen([sys.executable, str(grader)])
    runs: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while not (runs := _children(process.pid)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert runs, "the run never started"
        time.sleep(3)  # into the student's sleep, well past the run's start
        process.send_signal(signal.SIGKILL)
        process.wait()
        deadline = time.monotonic() + 10
        while [pid for pid in runs if _alive(pid)] and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in runs if _alive(pid)]
    finally:
        process.kill()
        for pid in runs:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


@pytest.mark.parametrize("parts", [1, 3])
def test_the_graders_own_work_is_done_once_while_the_child_runs(launcher, parts):
    """`meanwhile` runs after the child started and before its answers are read; its error is the caller's."""
    import time as clock

    jobs = [Job(part=f"q{i}.py", units=(CodeUnit(label="q.py", filename="q.py", source=(
        "import time\nstarted = time.time()\ntime.sleep(0.3)\ndef f(): return started")),),
        probes=(call("f", "f()"),), unit_timeout=5.0, probe_timeout=5.0) for i in range(parts)]
    calls = []
    failing = Beside(lambda: calls.append(clock.time()) or 1 / 0)
    records = launcher.run_many(jobs, files=[], limits=Limits(wall_seconds=30), keep_dirs=[None] * parts,
                                meanwhile=failing)
    assert all(r is not None and r.finished for r in records)
    assert len(calls) == 1 and calls[0] < records[0].observations[0].value["value"] + 0.3  # before the sleep ended
    with pytest.raises(ZeroDivisionError):
        failing.result()
    assert len(calls) == 1


def test_the_graders_work_in_steps_lets_the_parts_of_a_set_run_on_between_its_steps():
    """Each step of `meanwhile` is taken while the launcher waits on the set's child: a part that has answered
    is asked about, and the next one runs, between two steps, not after the last one."""
    import time as clock

    jobs = [Job(part=f"q{i}.py", units=(CodeUnit(label="q.py", filename="q.py", source=(
        "import time\nstarted = time.time()\ntime.sleep(0.3)\ndef f(): return started")),),
        probes=(call("f", "f()"),), unit_timeout=5.0, probe_timeout=5.0) for i in range(3)]
    steps = []

    def slow_reading():
        for _ in range(4):
            clock.sleep(0.25)
            steps.append(clock.time())
            yield
        return "read"

    reading = Beside(slow_reading)
    records = LAUNCHERS["warm"].run_many(jobs, files=[], limits=Limits(wall_seconds=30), keep_dirs=[None] * 3,
                                meanwhile=reading)
    assert reading.result() == "read" and len(steps) == 4
    began = [record.observations[0].value["value"] for record in records]
    assert steps[0] < began[-1]  # taken while the set ran, not left for `result`
    assert began[1] < steps[-1]  # all at once first, the steps would have held the first part for a second


def _spares(zygote: int, runs: list[int], seconds: float = 30.0) -> list[int]:
    """The zygote's children that are not runs: its spare fork, once it has made one."""
    deadline = time.monotonic() + seconds
    while not (spares := [pid for pid in _children(zygote) if pid not in runs]) and time.monotonic() < deadline:
        time.sleep(0.05)
    return spares


def _gone(pid: int, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


class TestSpareFork:
    """The zygote forks each run's process ahead of time (grader.sandbox.zygote.Spare)."""

    def test_a_spare_killed_while_it_waits_costs_the_next_run_nothing(self):
        launcher = WarmLauncher().start()
        try:
            first = run(launcher, "import os\ndef f(): return os.getpid()", probes=[call("f", "f()")])
            spares = _spares(launcher._zygote._process.pid, [int(first.observations[0].value["value"])])
            assert spares, "the zygote keeps no spare"
            for pid in spares:
                os.kill(pid, 9)
            deadline = time.monotonic() + 15
            while any(os.path.exists(f"/proc/{pid}") for pid in spares) and time.monotonic() < deadline:
                time.sleep(0.05)  # reaped by the zygote, which then forks the next spare or the run itself
            record = run(launcher, "def f(): return 2", probes=[call("f", "f()")])
            assert record.finished and record.observations[0].value["value"] == 2.0
        finally:
            launcher.close()

    def test_each_run_is_a_process_of_its_own_and_no_spare_outlives_its_zygote(self):
        launcher = WarmLauncher().start()
        pids = [run(launcher, "import os\ndef f(): return os.getpid()", probes=[call("f", "f()")])
                .observations[0].value["value"] for _ in range(3)]
        assert len(set(pids)) == 3
        zygote = launcher._zygote._process.pid
        spares = _spares(zygote, [int(pid) for pid in pids])
        assert spares
        os.kill(zygote, 9)  # as a run without a uid of its own might: the spare reads its pipe's end and leaves
        assert all(_gone(pid) for pid in spares)
        launcher.close()


def run_set(launcher, *parts: str, wall=30.0, files=(), rerun=True, unit_timeout=5.0):
    """One single-cell job per source, run as one set; each probes f(). As grading does (grader.grade.run_parts),
    a job the set did not finish is run again on its own, unless `rerun` is off."""
    jobs = [Job(part=f"q{i}.py", units=(CodeUnit(label=f"q{i}.py", filename=f"q{i}.py", source=source),),
                probes=(call("f", "f()"),), unit_timeout=unit_timeout, probe_timeout=5.0)
            for i, source in enumerate(parts, 1)]
    limits = Limits(wall_seconds=wall)
    records = launcher.run_many(jobs, files=list(files), limits=limits, keep_dirs=[None] * len(jobs))
    if rerun:
        records = [record or launcher.run(job, files=list(files), limits=limits) for job, record in zip(jobs, records)]
    return records


class TestSets:
    """Several parts of one submission in one child: each still runs as if on its own."""

    def test_each_part_gets_its_own_record_namespace_and_scratch(self, launcher):
        records = run_set(launcher, "import os\nopen('left.txt', 'w').write('x')\ndef f(): return os.getpid()",
                          "import os\ndef f(): return os.path.exists('left.txt')",
                          "import torch\ntorch.set_default_dtype(torch.float64)\ndef f(): return 3")
        assert [r.finished for r in records] == [True, True, True]
        assert records[1].observations[0].value["value"] is False  # the first part's file is not there
        assert records[2].observations[0].value["value"] == 3.0
        assert all(r.isolation for r in records)

    CHANGES = ("import logging, os, sys, warnings\nimport numpy, torch, matplotlib\nimport helper\n"
               "helper.seen.append(1)\ntorch.set_default_dtype(torch.float64)\ntorch.set_grad_enabled(False)\n"
               "torch.set_printoptions(precision=10)\nnumpy.set_printoptions(precision=2)\n"
               "matplotlib.rcParams['lines.linewidth'] = 9\nlogging.basicConfig(level=logging.DEBUG, stream=sys.stdout)\n"
               "logging.getLogger('lab').addHandler(logging.StreamHandler())\nwarnings.simplefilter('ignore')\n"
               "os.environ['LAB_SECRET'] = '1'\nsys.path.insert(0, '/nowhere')\ndef f(): return os.getpid()")
    AS_NEW = ("import logging, os, sys, warnings\nimport numpy, torch, matplotlib\nimport helper\n"
              "def f(): return [helper.seen == [], torch.get_default_dtype() == torch.float32, torch.is_grad_enabled(),"
              " str(torch.tensor(1 / 3)) == 'tensor(0.3333)', numpy.get_printoptions()['precision'] == 8,"
              " matplotlib.rcParams['lines.linewidth'] == 1.5, logging.getLogger().handlers == [],"
              " logging.getLogger().level == logging.WARNING, not logging.getLogger('lab').handlers,"
              " ('ignore', None, Warning, None, 0) not in warnings.filters, 'LAB_SECRET' not in os.environ,"
              " '/nowhere' not in sys.path, os.getpid()]")

    def test_what_a_part_changes_in_the_process_is_put_back_before_the_next(self, launcher, tmp_path):
        """Parts of a warm set share a process (grader.sandbox.between): the next part finds it as new."""
        helper = tmp_path / "helper.py"
        helper.write_text("seen = []\n")
        records = run_set(launcher, self.CHANGES, self.AS_NEW, files=[helper])
        assert all(r.finished for r in records), [r.process_stderr for r in records]
        *checks, pid = [item["value"] for item in records[1].observations[0].value["items"]]
        assert checks == [True] * len(checks)
        if launcher is LAUNCHERS["warm"]:
            assert pid == records[0].observations[0].value["value"]  # the point: one process for both

    def test_each_part_gets_whole_copies_of_small_and_large_files_whatever_the_part_before_did(self, launcher,
                                                                                               tmp_path):
        """Small files are read once per set and written into each part's copy; a large one is copied each time
        (grader.sandbox.launcher.Originals): either way each part finds them as handed in."""
        small, large = tmp_path / "notes.txt", tmp_path / "data.bin"
        small.write_text("keep me")
        large.write_bytes(bytes(range(256)) * (5 * 1024))  # 1.25 MiB, over what is read once
        spoil = "open('notes.txt', 'a').write('!')\nopen('data.bin', 'wb').write(b'x')\ndef f(): return 0"
        check = ("import hashlib\ndef f(): return [open('notes.txt').read(), "
                 "hashlib.sha256(open('data.bin', 'rb').read()).hexdigest()]")
        records = run_set(launcher, spoil, check, check, files=[small, large])
        import hashlib
        digest = hashlib.sha256(large.read_bytes()).hexdigest()
        for record in records[1:]:
            assert [item["value"] for item in record.observations[0].value["items"]] == ["keep me", digest]
        assert small.read_text() == "keep me" and len(large.read_bytes()) == 5 * 256 * 1024

    def test_a_part_that_leaves_a_thread_running_hands_the_next_a_new_process(self):
        records = run_set(LAUNCHERS["warm"], "import os, threading, time\n"
                          "threading.Thread(target=time.sleep, args=(30,), daemon=True).start()\n"
                          "def f(): return os.getpid()", "import os\ndef f(): return os.getpid()")
        assert all(r.finished for r in records)
        first, second = (r.observations[0].value["value"] for r in records)
        assert first != second

    def test_a_part_that_leaves_the_process_beyond_repair_keeps_its_answers_and_hands_on(self):
        records = run_set(LAUNCHERS["warm"], "import sys\ndef f(): return 1\nsys.path = None", "def f(): return 2")
        assert [r.observations[0].value["value"] for r in records] == [1.0, 2.0]
        assert not records[0].grader_fault and records[0].finished

    def test_a_part_whose_process_hangs_after_its_answers_costs_the_next_part_nothing(self):
        """Putting the process back hangs (a patched torch function): the next part never started, so it is
        not timed out but run again on its own."""
        records = run_set(LAUNCHERS["warm"], "import time, torch\n"
                          "torch.set_printoptions = lambda *a, **k: time.sleep(60)\ndef f(): return 1",
                          "def f(): return 2", wall=3.0)
        assert [r.observations[0].value["value"] for r in records] == [1.0, 2.0]
        assert not records[1].timed_out and records[0].finished

    def test_a_part_that_hangs_or_exits_costs_only_itself(self, launcher):
        # A fresh interpreter imports torch within each part's wall clock: 4 s is too short on a loaded machine.
        # The clock must stay under the unit's alarm, which the hanging part would otherwise meet first.
        wall = 4.0 if launcher is LAUNCHERS["warm"] else 12.0
        records = run_set(launcher, "def f(): return 1", "import os\nos._exit(3)",
                          "while True:\n    try:\n        pass\n    except BaseException:\n        pass",
                          "def f(): return 4", wall=wall, unit_timeout=wall + 10)
        assert records[0].observations[0].value["value"] == 1.0
        assert not records[1].finished and records[1].exit_code == 3
        assert records[2].timed_out and not records[2].finished
        assert records[3].finished and records[3].observations[0].value["value"] == 4.0

    def test_parts_take_turns_and_each_wall_clock_starts_at_its_turn(self):
        """In a warm set each part's time is counted from the end of the one before: three parts of 1.5 s
        each fit a wall clock of 2.5 s each."""
        timed = "import time\nstarted = time.monotonic()\ntime.sleep(1.5)\ndef f(): return [started, time.monotonic()]"
        records = run_set(LAUNCHERS["warm"], timed, timed, timed, wall=2.5)
        assert all(r.finished and not r.timed_out for r in records)
        spans = [r.observations[0].value for r in records]
        spans = [[item["value"] for item in span["items"]] for span in spans]
        for (_, ended), (started, _) in zip(spans, spans[1:]):
            assert ended <= started  # no two parts' code ever ran at once

    def test_a_part_that_closes_every_descriptor_costs_only_itself(self, launcher):
        records = run_set(launcher, "import os\nos.closerange(3, 4096)\ndef f(): return 1", "def f(): return 2")
        assert records[1].finished and records[1].observations[0].value["value"] == 2.0


def test_a_part_that_kills_the_server_above_its_set_costs_nobody_their_answers(monkeypatch):
    """Without a uid of its own a part may kill its parent, the zygote: the set's process is orphaned but its
    parts still run and answer on their own clocks, and the next run gets a new zygote."""
    import grader.sandbox.launcher as launcher_module

    monkeypatch.setattr(launcher_module, "can_isolate", lambda: False)
    warm = WarmLauncher()
    try:
        records = run_set(warm, "def f(): return 1",
                          "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\ndef f(): return 2",
                          "def f(): return 3", rerun=False)
        after = run_set(warm, "def f(): return 4", "def f(): return 5", rerun=False)
    finally:
        warm.close()
    assert [r.observations[0].value["value"] for r in records + after] == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_every_fork_of_the_zygote_inherits_the_baseline_its_parts_are_put_back_to():
    """A fork's harness is the zygote's snapshot: the baseline must be in the snapshot's copy of
    grader.sandbox.between, or every set reads every logger and rcParam again (8 ms a set)."""
    import subprocess
    import sys

    check = ("import sys; sys.path.insert(0, sys.argv[1])\n"
             "from grader.sandbox import zygote, child\nzygote._preload()\n"
             "space = child._HARNESS['baseline_now'].__globals__\n"
             "space['taken'] = lambda: (_ for _ in ()).throw(AssertionError('taken again in the fork'))\n"
             "baseline = child._HARNESS['baseline_now']()\n"
             "assert baseline.rc and baseline.loggers, baseline\nprint('inherited')")
    done = subprocess.run([sys.executable, "-I", "-c", check, str(ROOT)], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "inherited", done.stderr[-2000:]


def test_the_parts_a_set_never_reached_come_back_for_their_caller_to_run():
    run_set(LAUNCHERS["warm"], "def f(): return 0", "def f(): return 0")  # the zygote and its pipes, first
    open_before = len(os.listdir("/proc/self/fd"))
    records = run_set(LAUNCHERS["warm"], "import threading, time\n"
                      "threading.Thread(target=time.sleep, args=(30,), daemon=True).start()\ndef f(): return 1",
                      "def f(): return 2", "def f(): return 3", rerun=False)
    assert records[0].finished and records[1] is None and records[2] is None
    assert len(os.listdir("/proc/self/fd")) <= open_before  # nor their pipes' ends left open in the grader


def _jobs(*sources: str, first: int = 1) -> list[Job]:
    return [Job(part=f"q{i}.py", units=(CodeUnit(label=f"q{i}.py", filename=f"q{i}.py", source=source),),
                probes=(call("f", "f()"),), unit_timeout=5.0, probe_timeout=5.0)
            for i, source in enumerate(sources, first)]


def _follow(first: list[str], then: list[str], *, files=()) -> tuple[list, list, list[int]]:
    """A set, then a follow-on set through one FollowOn, as grading runs a submission's moved inputs; the
    records of each, and the process ids the zygote had running once the FollowOn is closed."""
    from grader.sandbox.launcher import FollowOn

    warm, follow_on = LAUNCHERS["warm"], FollowOn()
    limits = Limits(wall_seconds=30)
    try:
        before = warm.run_many(_jobs(*first), files=list(files), limits=limits, keep_dirs=[None] * len(first),
                               follow_on=follow_on)
        after = warm.run_many(_jobs(*then, first=len(first) + 1), files=list(files), limits=limits,
                              keep_dirs=[None] * len(then), follow_on=follow_on)
    finally:
        follow_on.close()
    return before, after, _run_pids(warm)


class TestFollowOnSets:
    """A submission's next set (its moved inputs) runs in the child its first set leaves waiting."""

    PID = "import os\ndef f(): return os.getpid()"

    def test_the_next_set_runs_in_the_first_sets_child_and_nothing_is_left_running(self):
        before, after, left = _follow([self.PID, self.PID], [self.PID, "def f(): return 7"])
        pids = {r.observations[0].value["value"] for r in before + after[:1]}
        assert len(pids) == 1 and all(r.finished for r in before + after)
        assert after[1].observations[0].value["value"] == 7.0
        assert _gone(int(pids.pop())) and not left

    def test_what_the_first_set_changed_is_put_back_before_the_next_sets_parts(self, tmp_path):
        helper = tmp_path / "helper.py"
        helper.write_text("seen = []\n")
        _, after, _ = _follow([TestSets.CHANGES, self.PID], [TestSets.AS_NEW], files=[helper])
        *checks, _ = [item["value"] for item in after[0].observations[0].value["items"]]
        assert checks == [True] * len(checks)

    def test_a_child_unfit_for_more_is_not_used_again_and_the_next_set_still_runs(self):
        thread = "import os, threading, time\nthreading.Thread(target=time.sleep, args=(30,), daemon=True).start()\n"
        before, after, _ = _follow([self.PID, thread + "def f(): return os.getpid()"], [self.PID, self.PID])
        first = before[0].observations[0].value["value"]
        assert all(r.finished for r in after)
        assert first not in {r.observations[0].value["value"] for r in after}

    def test_a_set_that_did_not_finish_is_not_kept(self):
        before, after, _ = _follow([self.PID, "import os\nos._exit(3)"], [self.PID])
        assert before[1].exit_code == 3 and after[0].finished
        assert after[0].observations[0].value["value"] != before[0].observations[0].value["value"]

    def test_a_lone_part_is_kept_for_the_next_set_too(self):
        """A single notebook or script, and its moved inputs: one process for both."""
        before, after, left = _follow([self.PID], [self.PID])
        pids = {r.observations[0].value["value"] for r in before + after}
        assert len(pids) == 1 and after[0].finished
        assert _gone(int(pids.pop())) and not left

    @pytest.mark.parametrize("followed", [True, False])
    def test_a_lone_parts_figures_drawn_after_its_answers_are_kept_whether_it_is_followed_or_not(
            self, tmp_path, followed):
        from grader.sandbox.launcher import FollowOn

        warm, follow_on, later = LAUNCHERS["warm"], FollowOn(), []
        plot = "import os\nimport matplotlib.pyplot as plt\nplt.plot(range(9))\ndef f(): return os.getpid()"
        job = replace(_jobs(plot)[0], images=True)
        try:
            before = warm.run_many([job], files=[], limits=Limits(wall_seconds=30), keep_dirs=[tmp_path],
                                   later=later, follow_on=follow_on)
            assert before[0].finished and not list(tmp_path.glob("*.png"))  # drawn after the answers
            if followed:
                after = warm.run_many(_jobs(self.PID, first=2), files=[], limits=Limits(wall_seconds=30),
                                      keep_dirs=[None], follow_on=follow_on)
                assert after[0].observations[0].value["value"] == before[0].observations[0].value["value"]
        finally:
            follow_on.close()
        for step in later:
            step()
        assert (tmp_path / before[0].units[0].figures[0].image).is_file()
        assert not _run_pids(warm)

    def test_a_lone_part_whose_figure_never_finishes_drawing_still_gets_its_next_set_run(self, tmp_path):
        from grader.sandbox.launcher import FollowOn

        warm, follow_on, limits = LAUNCHERS["warm"], FollowOn(), Limits(wall_seconds=20)
        stuck = ("import time\nimport matplotlib.figure, matplotlib.pyplot as plt\nplt.plot(range(5))\n"
                 "matplotlib.figure.Figure.savefig = lambda *a, **k: time.sleep(600)\ndef f(): return 4")
        job = replace(_jobs(stuck)[0], images=True, unit_timeout=1.0)
        started = time.monotonic()
        try:
            before = warm.run_many([job], files=[], limits=limits, keep_dirs=[tmp_path], later=[],
                                   follow_on=follow_on)
            after = warm.run_many(_jobs("def f(): return 7", first=2), files=[], limits=limits, keep_dirs=[None],
                                  follow_on=follow_on)
        finally:
            follow_on.close()
        assert before[0].observations[0].value["value"] == 4 and after[0].observations[0].value["value"] == 7
        assert not list(tmp_path.glob("*.png")) and time.monotonic() - started < 15
        assert not _run_pids(warm)

    def test_a_follow_on_larger_than_the_room_left_gets_a_set_of_its_own(self):
        before, after, _ = _follow([self.PID, self.PID], [self.PID] * 3)
        assert all(r.finished for r in after)
        assert before[0].observations[0].value["value"] not in {r.observations[0].value["value"] for r in after}

    @pytest.mark.skipif(os.geteuid() != 0, reason="the feed is root's only where runs get a uid of their own")
    def test_the_students_code_cannot_write_the_feed_that_names_the_next_set(self):
        forge = ("import os\nfeed = os.path.join(os.getcwd(), '..', 'next', 'feed.fifo')\n"
                 "def f():\n    try:\n        os.open(feed, os.O_WRONLY | os.O_NONBLOCK)\n"
                 "    except PermissionError:\n        return 'refused'\n    return 'written'")
        before, after, _ = _follow([forge, self.PID], [self.PID])
        assert before[0].observations[0].value["value"] == "refused" and after[0].finished

    def test_a_set_that_filled_its_folder_leaves_the_next_set_a_folder_of_its_own(self):
        """The last part writes until its folder is full: the next set's copies cannot be made there, and that
        is not the grader's failure."""
        # Only a folder in memory, capped at about 1 GiB for this set, is filled: never the disk.
        fill = ("import os\nn = 0\nstat = os.statvfs('.')\ntry:\n"
                "    while stat.f_blocks * stat.f_frsize < 1536 * 2**20:\n"
                "        with open(f'big{n}', 'wb') as f:\n            f.write(b'x' * (1 << 24))\n        n += 1\n"
                "except OSError:\n    pass\ndef f(): return n")
        before, after, _ = _follow([self.PID, fill], [self.PID, "def f(): return 7"])
        assert before[1].finished
        if before[1].observations[0].value["value"] == 0:
            pytest.skip("the set's folder is not in memory here, so it has no cap of its own to fill")
        assert all(r.finished for r in after) and after[1].observations[0].value["value"] == 7.0

    def test_a_part_that_wrote_more_than_its_share_leaves_each_part_after_it_a_folder_of_its_own(self):
        """A set's parts share one capped folder: a part that wrote more than its share would leave the next
        too little room for what it writes. The next parts then run elsewhere, each with its own room."""
        write = ("import os\nstat = os.statvfs('.')\nn = 0\nif stat.f_blocks * stat.f_frsize < 1536 * 2**20:\n"
                 "    try:\n        for n in range(1, {count} + 1):\n"
                 "            with open(f'big{{n}}', 'wb') as f:\n                f.write(b'x' * (1 << 24))\n"
                 "    except OSError:\n        n = -1\ndef f(): return n")
        warm, limits = LAUNCHERS["warm"], Limits(wall_seconds=30)
        jobs = _jobs(write.format(count=36), write.format(count=12), "def f(): return 7")  # 576 MiB, 192 MiB
        records = warm.run_many(jobs, files=[], limits=limits, keep_dirs=[None] * 3)
        if records[0].observations[0].value["value"] == 0:
            pytest.skip("the set's folder is not in memory here, so it has no cap of its own to share")
        assert records[0].observations[0].value["value"] == 36 and records[1] is None and records[2] is None
        alone = [warm.run(job, files=[], limits=limits) for job in jobs[1:]]
        assert [r.observations[0].value["value"] for r in alone] == [12, 7]

    @pytest.mark.skipif(os.geteuid() != 0, reason="a set's own processes are told apart by its uid")
    def test_a_daemon_left_to_read_the_feed_costs_the_next_set_no_wait(self):
        """A part that double-forks a daemon (out of its process's sight, parented by the zygote until its next
        sweep) could read the line that names the next set: the kept child would wait for a line that never
        comes, and the next set for its wall clock. The kept child sees the daemon and ends instead."""
        thief = ("import os\nfeed = os.path.join(os.getcwd(), '..', 'next', 'feed.fifo')\nr, w = os.pipe()\n"
                 "if os.fork() == 0:\n    os.setsid()\n    daemon = os.fork()\n    if daemon == 0:\n"
                 "        os.read(os.open(feed, os.O_RDONLY), 4096)\n        os._exit(0)\n"
                 "    os.write(w, str(daemon).encode())\n    os._exit(0)\n"
                 "os.wait()\ndaemon = int(os.read(r, 64))\ndef f(): return daemon")
        started = time.monotonic()
        before, after, _ = _follow([thief], [self.PID])
        assert after[0].finished and time.monotonic() - started < 15  # _follow's wall clock is 30 s
        assert _gone(int(before[0].observations[0].value["value"]))


FORGED = {"kind": "number", "type": "float", "value": 999.0}


class TestHarnessIsBoundBeforeStudentCode:
    """Patching the harness by attribute, after it started, changes nothing it observes (issue 10)."""

    @pytest.mark.parametrize("attack", [
        # the harness's own functions, through sys.modules
        "import sys\nh = sys.modules['grader.sandbox.child']\n"
        "h.observe = lambda probe, *a, **k: [{'type': 'observation', 'probe': probe.name, 'strategy': 0,"
        " 'case': 0, 'status': 'ok', 'value': FORGED}]",
        "import sys\nsys.modules['grader.sandbox.child'].encode = lambda value, depth=0: FORGED",
        "import sys\nsys.modules['grader.sandbox.encode'].encode = lambda value, depth=0: FORGED\n"
        "sys.modules['grader.sandbox.encode']._encode_tensor = lambda value: FORGED",
        "import sys\nsys.modules['grader.sandbox.child'].evaluate = lambda code, namespace: 999.0",
        "import sys\nsys.modules['grader.sandbox.child'].Channel.send = lambda self, message: None",
        # the libraries and builtins it calls
        "import json\njson.dumps = lambda *a, **k: '{\"type\": \"done\"}'",
        "import json\njson.JSONEncoder.encode = lambda self, o: '{\"type\": \"done\"}'",
        "import builtins\nbuiltins.isinstance = lambda obj, kind: False\nbuiltins.len = lambda obj: 0",
        "import builtins\nbuiltins.round = lambda *a: 999.0\nbuiltins.float = lambda *a: 999.0",
    ])
    def test_a_patch_does_not_change_the_observation(self, launcher, attack):
        record = run(launcher, f"FORGED = {FORGED!r}\n" + attack, "def f(): return 2.0",
                     probes=[call("f", "f()")])
        assert record.finished, record.process_stderr
        assert [o.value for o in record.observations] == [{"kind": "number", "type": "float", "value": 2.0}]

    def test_switching_off_the_alarm_does_not_switch_off_the_time_limit(self, launcher):
        record = run(launcher, "import signal\nsignal.setitimer = lambda *a, **k: (0.0, 0.0)\n"
                               "signal.signal = lambda *a, **k: None",
                     "def f():\n    while True:\n        pass", probes=[call("f", "f()")], unit_timeout=1.0, wall=20.0)
        assert record.observations[0].status == "timeout" and not record.timed_out


class TestTheGraderAsks:
    """Observations count only as answers to the grader's own requests (grader.sandbox.protocol)."""

    FORGE = ("import gc, json\n"
             "channel = next(o for o in gc.get_objects() if type(o).__name__ == 'Channel')\n"
             "channel.send({'type': 'observation', 'probe': 'f', 'strategy': 0, 'case': 0, 'status': 'ok',"
             " 'value': {'kind': 'number', 'type': 'float', 'value': 999.0}})\n"
             "channel.send({'type': 'done'})")

    def test_an_observation_written_before_it_was_asked_for_is_refused_and_named(self, launcher):
        record = run(launcher, self.FORGE, "def f(): return 2.0", probes=[call("f", "f()")])
        assert [o.value["value"] for o in record.observations] == [2.0]
        assert record.refused and any("did not ask for" in problem for problem in record.problems)
        assert len(record.units) == 2 and record.finished  # a forged "done" ends nothing

    def test_a_run_that_vanishes_after_forging_has_no_observation_at_all(self, launcher):
        record = run(launcher, self.FORGE + "\nimport os\nos._exit(0)", "def f(): return 2.0",
                     probes=[call("f", "f()")])
        assert record.observations == () and not record.finished and record.refused


def test_the_harness_saying_it_failed_is_kept_apart_from_the_students_errors():
    from grader.sandbox.record import parse_messages

    lines = ['{"type": "start", "unit": 0}',
             '{"type": "harness-error", "error": {"type": "KeyError", "message": "x", "traceback": "Traceback…"}}']
    parsed = parse_messages(lines, asked=True)
    assert parsed.started and parsed.harness_error == "Traceback…"
    assert not parse_messages([], asked=True).started


CLAIM_FROM_ANOTHER_GRADER = """
import sys
from grader.sandbox import isolation
isolation.secrets.randbelow = lambda n: int(sys.argv[1]) - isolation.FIRST_RUN_UID  # start at the held uid
with isolation.claimed_run_uid() as uid:
    print(uid)
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="run uids are only used where the grader may switch uid")
def test_two_graders_at_once_never_give_two_runs_the_same_uid():
    """Two `grade` commands, or a LocalCluster's worker processes, each run students at the same time: a uid
    one of them holds is skipped by the other, and a claim ends with its block."""
    import subprocess
    import sys

    from grader.sandbox.isolation import claimed_run_uid

    with claimed_run_uid() as held, claimed_run_uid() as also_held:
        assert held != also_held
        other = subprocess.run([sys.executable, "-c", CLAIM_FROM_ANOTHER_GRADER, str(held)], cwd=ROOT,
                               capture_output=True, text=True, check=True)
        assert int(other.stdout) not in (held, also_held)
    again = subprocess.run([sys.executable, "-c", CLAIM_FROM_ANOTHER_GRADER, str(held)], cwd=ROOT,
                           capture_output=True, text=True, check=True)
    assert int(again.stdout) == held  # released
