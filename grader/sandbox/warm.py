"""A warm launcher: children forked from a server that has already imported torch.

Importing torch, numpy and matplotlib costs over a second per fresh
interpreter, far more than a typical submission's own code. Python's
`multiprocessing` forkserver does the zygote part: one server process imports
those modules once, and every job is a fresh fork of that pristine server.
So each submission still gets its own process, limits and clean state — what
one student changes in `torch` or `builtins` dies with their child — and the
server itself never runs student code. The server is a new interpreter, not a
fork of the grader, so no reference solution lives in its memory.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from pathlib import Path

from grader.sandbox.job import Job
from grader.sandbox.launcher import RunPaths, RunRecordBuilder, prepared_run, scrubbed_environment
from grader.sandbox.limits import Limits
from grader.sandbox.record import RunRecord

PRELOAD = ["grader.sandbox.child", "torch", "numpy", "matplotlib", "matplotlib.pyplot"]


def _become_sandboxed_child(paths: RunPaths, limits: Limits) -> None:
    """Inside the fork: detach, redirect, scrub and limit, like the fresh launcher's exec would."""
    os.setsid()
    output = os.open(paths.stderr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.chdir(paths.scratch)
    os.environ.clear()
    os.environ.update(scrubbed_environment(paths.scratch))
    # Like `python -I`: nothing on the path that a student's folder could shadow.
    sys.path[:] = [entry for entry in sys.path if entry not in ("", ".") and not entry.startswith(str(paths.scratch))]
    limits.apply()


def _child_entry(paths: RunPaths, limits: Limits) -> None:
    _become_sandboxed_child(paths, limits)
    from grader.sandbox.child import main

    main(str(paths.job), str(paths.messages))


class WarmLauncher:
    """Forks each job from a pre-imported server (multiprocessing's forkserver)."""

    def __init__(self, preload: list[str] | None = None):
        os.environ.setdefault("MPLBACKEND", "Agg")  # the server inherits it before importing pyplot
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(preload or PRELOAD)

    def run(self, job: Job, *, files: list[Path], limits: Limits, keep_dir: Path | None = None) -> RunRecord:
        with prepared_run(job, files) as paths:
            builder = RunRecordBuilder(job=job, paths=paths)
            process = self._context.Process(target=_child_entry, args=(paths, limits), daemon=False)
            started = time.monotonic()
            process.start()
            process.join(limits.wall_seconds)
            timed_out = process.is_alive()
            _kill_session(process)
            return builder.build(exit_code=process.exitcode, timed_out=timed_out,
                                 elapsed=time.monotonic() - started, keep_dir=keep_dir)


def _kill_session(process) -> None:
    # The child called setsid(), so its pid is its process group: kill everything it started.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.join()
