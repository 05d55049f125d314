"""The warm launcher: every run is a fork of a zygote that imported torch once.

Importing torch, numpy and matplotlib costs over a second per fresh
interpreter, far more than a typical submission's own code. The zygote
(grader.sandbox.zygote) pays that once; each run is still its own process
with its own limits and clean state — what one student changes in `torch` or
`builtins` dies with their child. The zygote is a new interpreter started
with ``-I``, not a fork of the grader, so no reference solution is in its
memory, and only paths and limits travel to it (as JSON, never pickle).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict
from pathlib import Path

from grader.sandbox.job import Job
from grader.sandbox.launcher import (PACKAGE_ROOT, RunRecordBuilder, drive_set, part_outcomes, prepared_run,
                                     prepared_set, records_of_set, scrubbed_environment)
from grader.sandbox.protocol import ProbeDriver
from grader.sandbox.limits import Limits
from grader.sandbox.record import RunRecord

BOOT = "import sys; sys.path.insert(0, sys.argv[1]); from grader.sandbox.zygote import serve; serve()"
START_TIMEOUT = 120.0  # the first fork waits for the zygote's imports
SET_SLACK = 10.0  # a set's own clock: every job's wall clock, plus this for forking and reaping them


class _Ticket:
    """One run's view of the zygote's events."""

    def __init__(self):
        self.started = threading.Event()
        self.ended = threading.Event()
        self.pid: int | None = None
        self.status: int | None = None
        self.peak_kib: int | None = None


def _going(ticket: _Ticket) -> bool:
    """Whether a run is still going: not ended, or orphaned by a zygote that died under it but still alive."""
    if not ticket.ended.is_set():
        return True
    if ticket.status is not None or ticket.pid is None:
        return False
    try:
        os.kill(ticket.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under its own uid
    return True


def _outlive(pid: int, seconds: float) -> bool:
    """Wait for an orphaned run to end on its own; kill its group when its time is up."""
    deadline = time.monotonic() + max(0.0, seconds)
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        time.sleep(0.05)
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    return True


class Zygote:
    """Client side of the zygote server: send requests, route events to tickets."""

    def __init__(self, python: str = sys.executable):
        self._home = tempfile.TemporaryDirectory(prefix="labgrade-zygote-")
        self._process = subprocess.Popen(
            [python, "-I", "-c", BOOT, str(PACKAGE_ROOT)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd=self._home.name, env=scrubbed_environment(Path(self._home.name)), start_new_session=True)
        self._lock = threading.Lock()
        self._tickets: dict[int, _Ticket] = {}
        self._next = 0
        threading.Thread(target=self._read_events, daemon=True, name="zygote-events").start()

    def _read_events(self) -> None:
        for line in self._process.stdout:
            event = json.loads(line)
            ticket = self._tickets.get(event["id"])
            if ticket is None:
                continue
            if "pid" in event:
                ticket.pid = event["pid"]
                ticket.started.set()
            elif "status" in event:
                ticket.status = event["status"]
                ticket.peak_kib = event.get("peak_kib")
                ticket.ended.set()
        for ticket in list(self._tickets.values()):  # the zygote died: release every waiter
            ticket.started.set()
            ticket.ended.set()

    def _send(self, message: dict) -> None:
        with self._lock:
            self._process.stdin.write((json.dumps(message) + "\n").encode())
            self._process.stdin.flush()

    def start(self, paths, limits: Limits) -> tuple[int, _Ticket]:
        with self._lock:
            self._next += 1
            run, ticket = self._next, _Ticket()
            self._tickets[run] = ticket
        self._send({"run": run, "paths": {k: str(v) for k, v in asdict(paths).items()}, "limits": asdict(limits)})
        return run, ticket

    def kill(self, run: int) -> None:
        self._send({"kill": run})

    def forget(self, run: int) -> None:
        with self._lock:
            self._tickets.pop(run, None)

    def alive(self) -> bool:
        return self._process.poll() is None

    def close(self) -> None:
        if self.alive():
            self._process.stdin.close()
            try:
                # Never used (started early, then the caller failed): no need to wait out its imports.
                self._process.wait(timeout=10 if self._next else 0)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait()
        self._home.cleanup()


class WarmLauncher:
    """Runs each job in a fresh fork of a warm zygote (started on first use, restarted if it dies)."""

    def __init__(self, python: str = sys.executable):
        self.python = python
        self._zygote: Zygote | None = None
        self._lock = threading.Lock()

    def start(self) -> "WarmLauncher":
        """Boot the zygote now, so that its imports overlap the caller's own work."""
        self._server()
        return self

    def _server(self) -> Zygote:
        with self._lock:
            if self._zygote is None or not self._zygote.alive():
                self._zygote = Zygote(self.python)
            return self._zygote

    def run(self, job: Job, *, files: list[Path], limits: Limits, keep_dir: Path | None = None) -> RunRecord:
        with prepared_run(job, files) as paths:
            driver = ProbeDriver(job, paths.messages.parent)
            zygote = self._server()
            run, ticket = zygote.start(paths, limits)
            ticket.started.wait(START_TIMEOUT)
            started = time.monotonic()
            exchange = driver.drive(started + limits.wall_seconds, lambda: _going(ticket))
            timed_out = not ticket.ended.wait(max(0.0, limits.wall_seconds - (time.monotonic() - started)))
            if timed_out:
                zygote.kill(run)
                ticket.ended.wait(30)
            elif ticket.status is None and ticket.pid is not None:
                # The zygote died under this run (a student killed it): keep this run's own clock.
                timed_out = _outlive(ticket.pid, limits.wall_seconds - (time.monotonic() - started))
            zygote.forget(run)
            return RunRecordBuilder(job=job, paths=paths).build(
                exit_code=ticket.status, timed_out=timed_out, elapsed=time.monotonic() - started, keep_dir=keep_dir,
                peak_kib=ticket.peak_kib, exchange=exchange)

    def run_many(self, jobs: list[Job], *, files: list[Path], limits: Limits,
                 keep_dirs: list[Path | None]) -> list[RunRecord | None]:
        """Several jobs in one fork of the zygote, which forks again for each (grader.sandbox.child.coordinate).

        Each job keeps its own process, limits and wall clock; the set saves a round trip through the zygote
        per job. A job the set did not finish (its child was killed from inside) comes back as None.
        """
        if len(jobs) < 2:
            return [self.run(job, files=files, limits=limits, keep_dir=keep) for job, keep in zip(jobs, keep_dirs)]
        with prepared_set(jobs, files, limits.wall_seconds) as (coordinator, parts):
            drivers = [ProbeDriver(job, paths.messages.parent) for job, paths in parts]
            zygote = self._server()
            run, ticket = zygote.start(coordinator, limits)
            ticket.started.wait(START_TIMEOUT)
            budget = limits.wall_seconds * len(jobs) + SET_SLACK
            started = time.monotonic()
            exchanges = drive_set(drivers, coordinator.messages, started + budget, lambda: _going(ticket))
            if not ticket.ended.wait(max(0.0, budget - (time.monotonic() - started))):
                zygote.kill(run)
                ticket.ended.wait(30)
            elif ticket.status is None and ticket.pid is not None:
                _outlive(ticket.pid, budget - (time.monotonic() - started))
            zygote.forget(run)
            return records_of_set(parts, part_outcomes(coordinator.messages, len(parts)), keep_dirs, exchanges)

    def close(self) -> None:
        if self._zygote is not None:
            self._zygote.close()
            self._zygote = None
