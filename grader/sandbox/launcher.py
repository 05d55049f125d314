"""Starting a child process for one job, and collecting what it left behind.

`Launcher` is the seam: checks and reports only see `RunRecord`s, so the way a
child is started (a fresh interpreter today, a warm pre-imported worker later)
can change without touching them.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from grader.sandbox.job import Job
from grader.sandbox.limits import Limits
from grader.sandbox.record import RunRecord, parse_messages

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
STDERR_KEEP = 20_000

# -I keeps PYTHONPATH, user site-packages and the working directory off the
# path, so nothing in the student's folder can shadow the harness or torch.
BOOT = "import sys; sys.path.insert(0, sys.argv[1]); from grader.sandbox.child import main; main(sys.argv[2], sys.argv[3])"


class Launcher(Protocol):
    """Runs one job in isolation and reports what happened."""

    def run(self, job: Job, *, files: list[Path], limits: Limits, keep_dir: Path | None) -> RunRecord: ...


def scrubbed_environment(home: Path) -> dict[str, str]:
    """Only what an interpreter needs: no tokens, proxies or grader settings leak in."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": str(home / ".matplotlib"),
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONIOENCODING": "utf-8",
    }


def copy_into_scratch(files: list[Path], scratch: Path) -> None:
    """The child works on copies: whatever it writes or deletes, the originals stay."""
    for source in files:
        if source.is_symlink() or not source.is_file():
            continue
        shutil.copy2(source, scratch / source.name)


def _read_tail(path: Path, limit: int) -> str:
    if not path.exists():
        return ""
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - limit))
        return handle.read().decode("utf-8", "replace")


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


class SubprocessLauncher:
    """A fresh `python -I` per job, in its own session, with rlimits and a wall clock."""

    def __init__(self, python: str = sys.executable):
        self.python = python

    def run(self, job: Job, *, files: list[Path], limits: Limits, keep_dir: Path | None = None) -> RunRecord:
        with tempfile.TemporaryDirectory(prefix="labgrade-") as temp:
            base = Path(temp)
            scratch, channel = base / "scratch", base / "channel"
            scratch.mkdir()
            channel.mkdir()
            copy_into_scratch(files, scratch)
            job_file = channel / "job.json"
            job_file.write_text(json.dumps(job.to_json()), encoding="utf-8")
            messages = channel / "messages.jsonl"
            stderr_file = channel / "stderr.txt"
            record = self._execute(job, scratch, job_file, messages, stderr_file, limits)
            if keep_dir is not None:
                record = replace(record, figures_dir=str(self._keep_figures(channel, keep_dir)))
            return record

    def _execute(self, job, scratch, job_file, messages, stderr_file, limits: Limits) -> RunRecord:
        started = time.monotonic()
        timed_out = False
        with open(stderr_file, "wb") as stderr:
            process = subprocess.Popen(
                [self.python, "-I", "-c", BOOT, str(PACKAGE_ROOT), str(job_file), str(messages)],
                cwd=scratch,
                env=scrubbed_environment(scratch),
                stdin=subprocess.DEVNULL,
                stdout=stderr,
                stderr=stderr,
                start_new_session=True,
                preexec_fn=limits.apply,
            )
            try:
                process.wait(timeout=limits.wall_seconds)
            except subprocess.TimeoutExpired:
                timed_out = True
            # Kill the whole group even after a clean exit: nothing may outlive its run.
            _kill_group(process)
        elapsed = time.monotonic() - started
        lines = messages.read_text(encoding="utf-8", errors="replace").splitlines() if messages.exists() else []
        units, observations, done, bad = parse_messages(lines)
        code = process.returncode
        problems = (f"{bad} malformed message(s) from the run were ignored",) if bad else ()
        return RunRecord(
            part=job.part,
            units=tuple(units),
            observations=tuple(observations),
            finished=done,
            timed_out=timed_out,
            exit_code=code if code is not None and code >= 0 else None,
            signal_name=signal.Signals(-code).name if code is not None and code < 0 else None,
            elapsed=round(elapsed, 3),
            process_stderr=_read_tail(stderr_file, STDERR_KEEP),
            problems=problems,
        )

    @staticmethod
    def _keep_figures(channel: Path, keep_dir: Path) -> Path:
        keep_dir.mkdir(parents=True, exist_ok=True)
        for image in channel.glob("*.png"):
            if image.is_file() and not image.is_symlink():
                shutil.copy2(image, keep_dir / image.name)
        return keep_dir
