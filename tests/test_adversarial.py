"""Hostile submissions (tests/adversarial/) graded in one batch beside an honest student.

Each file there attacks one thing: forged verdicts, secrets on disk, the
batch, the machine, or the reports. The batch runs through the CLI as an
instructor would run it; then every hostile student gets the expected score
and message, the honest student still gets full marks, a sentinel file
outside every scratch folder is untouched, and no process is left behind.
"""
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from conftest import ROOT, read_result, scores_by_exercise

pytestmark = pytest.mark.slow

ADVERSARIAL = Path(__file__).parent / "adversarial"
REFERENCE = ROOT / "reference"
RUN_UIDS = range(61000, 62000)

# student -> (expected total out of 40, words expected somewhere in their results.json)
EXPECTED = {
    "honest": (40, ""),
    "eq_always_true": (0, "an object of type"),
    "float_subclass": (0, "an object of type"),
    "fake_pass_output": (0, "Looked for"),
    "forged_messages": (0, ""),
    "duplicate_messages": (40, "did not ask for"),  # its right answers count; the forged extra line is refused
    "read_reference": (0, "Looked for"),
    "read_other_student": (0, "FileNotFoundError"),
    "write_outside": (0, "Looked for"),
    "kill_parent": (40, "PermissionError"),
    "kill_the_set": (10, "PermissionError"),
    "replace_observe": (0, "reaches into the grader"),  # the harness it patched is not the one that observes
    "forge_from_the_heap": (0, "did not ask for"),  # its answers predate the grader's requests  # q2.py kills the child running the folder's scripts; q1, q5 count
    "kill_everything": (0, "Looked for"),
    "fork_bomb": (0, ""),
    "setsid_daemon": (0, "Looked for"),
    # On a loaded machine the bomb may reach the cell's time limit before the memory limit; either stops it
    # (tests/test_sandbox.py checks the memory limit itself).
    "memory_bomb": (0, ("MemoryError", "was stopped after")),
    "os_exit_first": (0, "exit"),
    "ignore_alarm_loop": (0, "still running"),
    "huge_output": (0, ""),
    "nan_answers": (0, "NaN"),
    "deep_nesting": (0, ""),
    "patch_builtins": (0, ""),
    "patch_torch": (0, "differs by"),
    "pickle_payload": (0, "an object of type"),
    "env_and_network": (0, "differs by"),
    "kill_own_group": (0, "killed"),
    "hostile_text": (40, ""),
    "shadow_modules": (5, ""),
    "symlink_folder": (3, "symbolic link"),
    "corrupt_bytes": (0, "not a notebook Jupyter can open"),
    "not_utf8": (0, "not UTF-8"),
}


def _world_dir(prefix: str, mode: int) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    folder.chmod(mode)
    return folder


def _run_uid_processes(started_under: Path | None = None) -> list[int]:
    """Processes running as a run uid; with `started_under`, only those of a grader whose temporary folder was
    there (their environment names it), so that another grading on this machine, say a parallel test's, is not
    taken for ours."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid not in RUN_UIDS:
                    continue
                if started_under is not None:
                    with open(f"/proc/{entry}/environ", "rb") as environment:
                        if str(started_under).encode() not in environment.read():
                            continue
                pids.append(int(entry))
            except (FileNotFoundError, ProcessLookupError):
                continue
    return pids


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    """Build the hostile class, grade it, and hand back what a test needs to inspect."""
    base = _world_dir("labgrade-adversarial-", 0o755)  # reachable by a run's uid, so attacks are real
    drop = _world_dir("labgrade-drop-", 0o777)
    klass, out = base / "autograd", base / "reports"
    klass.mkdir()
    sentinel = base / "sentinel.txt"
    sentinel.write_text("untouched")
    answers = (REFERENCE / "autograd.py").read_text()
    shutil.copy(REFERENCE / "autograd.py", klass / "honest.py")
    placeholders = {"{HONEST}": str(klass / "honest.py"), "{SENTINEL}": str(sentinel), "{REFERENCE}": str(REFERENCE),
                    "{OUT}": str(out), "{DROP}": str(drop), "# {CORRECT_ANSWERS}": answers}
    for source in ADVERSARIAL.iterdir():
        target = klass / source.name
        if source.is_dir():
            shutil.copytree(source, target)
        elif source.suffix == ".py" and source.name != "not_utf8.py":
            text = source.read_text()
            for key, value in placeholders.items():
                text = text.replace(key, value)
            target.write_text(text)
        else:
            shutil.copy(source, target)
    (klass / "symlink_folder" / "passwd").symlink_to("/etc/passwd")
    (klass / "symlink_folder" / "answers.py").symlink_to(REFERENCE / "autograd.py")
    runs = _world_dir("labgrade-runs-", 0o755)  # the grader's temporary folder: its runs' environment names it
    before = set(_run_uid_processes(runs))
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "grader", str(klass), "--out", str(out), "--seed", "11",
                           "--timeout", "20", "--workers", "2"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600, env={**os.environ, "TMPDIR": str(runs)})
    yield {"before": before, "done": done, "out": out, "drop": drop, "sentinel": sentinel, "runs": runs,
           "elapsed": time.monotonic() - started}
    for folder in (base, drop, runs):
        shutil.rmtree(folder, ignore_errors=True)


def test_the_batch_finishes(attacked):
    assert attacked["done"].returncode == 0, attacked["done"].stderr[-2000:]


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_each_attack_scores_as_expected(attacked, student):
    total, words = EXPECTED[student]
    document = read_result(attacked["out"], "autograd", student)
    assert sum(scores_by_exercise(document).values()) == total
    text = json.dumps(document, ensure_ascii=False)
    assert any(w in text for w in ((words,) if isinstance(words, str) else words))


REACHES_IN = ["forged_messages", "duplicate_messages", "patch_builtins", "read_reference", "read_other_student",
              "replace_observe", "forge_from_the_heap"]


@pytest.mark.parametrize("student", REACHES_IN)
def test_code_that_reaches_into_the_grader_is_flagged_for_review_with_its_line(attacked, student):
    result = read_result(attacked["out"], "autograd", student)["extra_data"]["labgrade"]
    assert "needs_review" in result["flags"]
    assert result["review"] and result["review"][0].startswith(f"reaches into the grader ({student}.py line ")
    dashboard = (attacked["out"] / "autograd" / "index.html").read_text()
    assert "needs review: reaches into the grader" in dashboard


def test_the_honest_student_is_unaffected(attacked):
    document = read_result(attacked["out"], "autograd", "honest")
    assert document["score"] == 40 and document["extra_data"]["labgrade"]["review"] == []
    assert all(test["status"] == "passed" for test in document["tests"])


def test_the_sentinel_outside_scratch_is_untouched(attacked):
    sentinel = attacked["sentinel"]
    assert sentinel.read_text() == "untouched"
    assert stat.S_IMODE(sentinel.stat().st_mode) == 0o644


def test_the_reference_is_intact(attacked):
    assert (REFERENCE / "autograd.py").read_text().startswith('"""Reference solution')


def test_no_process_outlives_the_batch(attacked):
    daemon_pid = attacked["drop"] / "daemon.pid"
    deadline = time.monotonic() + 5
    def ours():
        return set(_run_uid_processes(attacked["runs"])) - attacked["before"]

    while ours() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert ours() == set()
    if daemon_pid.exists():
        with pytest.raises(ProcessLookupError):
            os.kill(int(daemon_pid.read_text()), 0)


def test_nothing_was_unpickled(attacked):
    assert not (attacked["drop"] / "pwned").exists()


def test_isolation_level_is_recorded(attacked):
    sandbox = read_result(attacked["out"], "autograd", "honest")["extra_data"]["labgrade"]["sandbox"]
    assert {"launcher", "network", "files", "uid"} <= set(sandbox)


def test_hostile_text_is_inert_in_the_html_report(attacked):
    page = (attacked["out"] / "autograd" / "hostile_text.html").read_text()
    assert "<script>window.__xss" not in page
    assert "\x1b[" not in page
