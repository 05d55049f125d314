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
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from grader.sandbox.folder import sweep_abandoned
from grader.sandbox.job import Job
from grader.sandbox.launcher import (PACKAGE_ROOT, FollowOn, Meanwhile, RunPaths, RunRecordBuilder, SetFolder,
                                     followed_parts, idle_work, keep_figures, prepared_run, prepared_set,
                                     records_of_set, scrubbed_environment)
from grader.sandbox.protocol import Exchange, ProbeDriver
from grader.sandbox.limits import Limits
from grader.sandbox.record import RunRecord

BOOT = "import sys; sys.path.insert(0, sys.argv[1]); from grader.sandbox.zygote import serve; serve()"
START_TIMEOUT = 120.0  # the first fork waits for the zygote's imports


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


def _ended_by(zygote: "Zygote", run: int, ticket: _Ticket, deadline: float) -> bool:
    """Wait for a run to end by its deadline, stopping it then; whether it had to be stopped."""
    if not ticket.ended.wait(max(0.0, deadline - time.monotonic())):
        zygote.kill(run)
        ticket.ended.wait(30)
        return True
    if ticket.status is None and ticket.pid is not None:
        # The zygote died under this run (a student killed it): keep this run's own clock.
        return _outlive(ticket.pid, deadline - time.monotonic())
    return False


def _collect_figures(zygote: "Zygote", run: int, ticket: _Ticket, deadline: float, paths: RunPaths,
                     keep_dir: Path, folder: ExitStack, driver: ProbeDriver) -> None:
    """A run whose figures were drawn after its answers: wait for its word that they are drawn, or its end (no
    later than its wall clock's), keep its PNGs, and remove its folder. A run still drawing when its time is
    up is stopped: its figures are then missing from the report, its answers are not."""
    try:
        _await_figures(zygote, run, ticket, deadline, paths, keep_dir, driver)
    finally:
        zygote.forget(run)
        folder.close()


def _await_figures(zygote: "Zygote", run: int, ticket: _Ticket, deadline: float, paths: RunPaths,
                   keep_dir: Path, driver: ProbeDriver) -> None:
    """Wait for a part's word that its deferred figures are drawn (or its end, no later than its wall clock's,
    stopping it then), and keep its PNGs."""
    if not driver.await_drawn(deadline, lambda: _going(ticket)):
        _ended_by(zygote, run, ticket, deadline)
    keep_figures(paths.messages.parent, keep_dir)


def _drive_parts(drivers: list[ProbeDriver], parts: list[RunPaths], wall_seconds: float, ticket: _Ticket,
                 stop, idle=None, listen_on: bool = False) -> tuple[dict[int, dict], list[Exchange]]:
    """Each part's probe phase in turn, as the set's child reaches it, each on a wall clock of its own counted
    from the end of the part before it: (index -> outcome, for each part that finished and for the one the
    child ended or was stopped in; each exchange).

    The parts after that one, and a part the child never reached (it stopped early, see
    grader.sandbox.between), get no outcome: they are run again on their own. With `listen_on`, a part that
    finished keeps its replies open for the word that its deferred figures are drawn (`_await_figures`).
    """
    try:
        return _drive_each(drivers, parts, wall_seconds, ticket, stop, idle, listen_on)
    finally:
        for driver in drivers:  # those never driven still hold their end of the replies
            if not (listen_on and driver.exchange.completed):
                driver.close()


def _drive_each(drivers: list[ProbeDriver], parts: list[RunPaths], wall_seconds: float, ticket: _Ticket,
                stop, idle, listen_on: bool) -> tuple[dict[int, dict], list[Exchange]]:
    outcomes: dict[int, dict] = {}
    exchanges: list[Exchange] = []
    started = time.monotonic()
    for index, (driver, paths) in enumerate(zip(drivers, parts)):
        deadline = started + wall_seconds
        peak = _Peak(ticket)
        exchange = driver.drive(deadline, lambda: _going(ticket), answered=peak.read, idle=idle,
                                listen_on=listen_on)
        exchanges.append(exchange)
        now = time.monotonic()
        if exchange.completed:
            outcomes[index] = {"exit_code": 0, "timed_out": False, "elapsed": now - started, "peak_kib": peak.kib}
            started = now
            continue
        # The child ended, or this part's time is up, or it answered what was not asked: it runs no more.
        going = _going(ticket)
        if going:
            stop()
        # A part whose code never started is not blamed for what held the child up before it: it runs again.
        reached = paths.messages.exists() and paths.messages.stat().st_size > 0
        if reached and ticket.status is not None:
            outcomes[index] = {"exit_code": ticket.status, "timed_out": going and now >= deadline,
                               "elapsed": now - started, "peak_kib": ticket.peak_kib}
        break
    # After the last part the child ends on its own; the zygote kills what is left of its group as it reaps it.
    return outcomes, exchanges


def _stop(zygote: "Zygote", run: int, ticket: _Ticket) -> None:
    """Kill a set's child and wait for its end; where the zygote died under it, kill it from here."""
    if zygote.alive():
        try:
            zygote.kill(run)
        except OSError:
            pass
        if ticket.ended.wait(30) and ticket.status is not None:
            return
    if ticket.pid is not None:
        try:
            os.killpg(ticket.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


class _Peak:
    """A run's peak resident memory, as the kernel counts it, read while the run waits for its end (a run
    whose answers are all in is not waited for, so its exit status never brings it)."""

    def __init__(self, ticket: _Ticket):
        self.ticket, self.kib = ticket, None

    def read(self) -> None:
        try:
            with open(f"/proc/{self.ticket.pid}/status", encoding="ascii", errors="replace") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        self.kib = int(line.split()[1])
                        return
        except (OSError, ValueError, IndexError):
            pass


class Zygote:
    """Client side of the zygote server: send requests, route events to tickets."""

    def __init__(self, python: str = sys.executable):
        self._home = tempfile.TemporaryDirectory(prefix="labgrade-zygote-")
        self._process = subprocess.Popen(
            [python, "-I", "-c", BOOT, str(PACKAGE_ROOT)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd=self._home.name, env=scrubbed_environment(Path(self._home.name)), start_new_session=True)
        self._lock = threading.Lock()
        self._gone = False  # its event stream has ended: it is dead, or dying and past answering
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
        with self._lock:
            self._gone = True
            waiting = list(self._tickets.values())
        for ticket in waiting:  # the zygote died: release every waiter
            ticket.started.set()
            ticket.ended.set()

    def _send(self, message: dict) -> None:
        with self._lock:
            self._process.stdin.write((json.dumps(message) + "\n").encode())
            self._process.stdin.flush()

    def start(self, paths, limits: Limits) -> tuple[int, _Ticket]:
        """Ask for a run; its ticket is released at once, with no pid, where the zygote has died."""
        with self._lock:
            self._next += 1
            run, ticket = self._next, _Ticket()
            self._tickets[run] = ticket
            gone = self._gone
        try:
            if not gone:
                self._send({"run": run, "paths": {k: str(v) for k, v in asdict(paths).items()},
                            "limits": asdict(limits)})
                return run, ticket
        except OSError:
            pass
        ticket.started.set()
        ticket.ended.set()
        return run, ticket

    def kill(self, run: int) -> None:
        self._send({"kill": run})

    def forget(self, run: int) -> None:
        with self._lock:
            self._tickets.pop(run, None)

    def alive(self) -> bool:
        return not self._gone and self._process.poll() is None

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


@dataclass
class _Kept:
    """A set's child waiting on its feed for a follow-on set (WarmLauncher.run_many), and what it runs in."""

    zygote: Zygote
    run: int
    ticket: _Ticket
    folder: SetFolder
    feed: int  # the grader's end of the feed; closing it ends the child
    room: int  # jobs it may still take
    figures: Callable[[], None] | None = None  # collects the PNGs its part draws after its answers, once

    def settle(self) -> None:
        """Collect the figures its set drew after its answers, before it runs more or its folder goes."""
        figures, self.figures = self.figures, None
        if figures is not None:
            figures()


def _settled_then(kept: _Kept, end: Callable[[], None]) -> Callable[[], None]:
    """What ends a kept child: its figures first, while its folder is still there."""
    def settle_and_end() -> None:
        try:
            kept.settle()
        finally:
            end()
    return settle_and_end


class WarmLauncher:
    """Runs each job in a fresh fork of a warm zygote (started on first use, restarted if it dies)."""

    def __init__(self, python: str = sys.executable):
        self.python = python
        self._zygote: Zygote | None = None
        sweep_abandoned()
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

    def _start(self, paths, limits: Limits) -> tuple[Zygote, int, _Ticket]:
        """A run forked by a live zygote: a zygote that died before it forked the run (another run killed
        it: a run without a uid of its own may) is replaced, and the run asked of the new one."""
        def ask() -> tuple[Zygote, int, _Ticket]:
            zygote = self._server()
            run, ticket = zygote.start(paths, limits)
            ticket.started.wait(START_TIMEOUT)
            return zygote, run, ticket

        zygote, run, ticket = ask()
        if ticket.pid is None and not zygote.alive():
            zygote.forget(run)
            zygote, run, ticket = ask()
        return zygote, run, ticket

    def run(self, job: Job, *, files: list[Path], limits: Limits, keep_dir: Path | None = None,
            meanwhile: Meanwhile = None, later: list[Callable[[], None]] | None = None) -> RunRecord:
        """One job in a fork of the zygote. Given `later`, a list of the caller's, the run's figures are drawn
        once its answers are in (Job.draw_after): the record comes back at once, and the caller calls what is
        put on `later` when it has judged them, which waits for the drawing (within the run's wall clock) and
        copies the PNGs to `keep_dir`."""
        draw_after = later is not None and keep_dir is not None and job.images
        job = replace(job, draw_after=draw_after)
        with ExitStack() as stack:
            paths = stack.enter_context(prepared_run(job, files))
            driver = ProbeDriver(job, paths.messages.parent)
            zygote, run, ticket = self._start(paths, limits)
            started = time.monotonic()
            peak = _Peak(ticket)
            exchange = driver.drive(started + limits.wall_seconds, lambda: _going(ticket), answered=peak.read,
                                    idle=idle_work(meanwhile), listen_on=draw_after)
            if exchange.completed:
                record = RunRecordBuilder(job=job, paths=paths).build(
                    exit_code=0, timed_out=False, elapsed=time.monotonic() - started, keep_dir=keep_dir,
                    peak_kib=peak.kib, exchange=exchange)
                if draw_after:
                    folder = stack.pop_all()  # the run's folder outlives this call, until the figures are in
                    later.append(lambda: _collect_figures(zygote, run, ticket, started + limits.wall_seconds,
                                                          paths, keep_dir, folder, driver))
                else:
                    # Every answer is in and the child is ending: the zygote kills what is left of its group as
                    # it reaps it, and nobody needs to wait for that.
                    zygote.forget(run)
                return record
            timed_out = _ended_by(zygote, run, ticket, started + limits.wall_seconds)
            zygote.forget(run)
            return RunRecordBuilder(job=job, paths=paths).build(
                exit_code=ticket.status, timed_out=timed_out, elapsed=time.monotonic() - started, keep_dir=keep_dir,
                peak_kib=ticket.peak_kib, exchange=exchange)

    def run_many(self, jobs: list[Job], *, files: list[Path], limits: Limits,
                 keep_dirs: list[Path | None], meanwhile: Meanwhile = None,
                 later: list[Callable[[], None]] | None = None,
                 follow_on: FollowOn | None = None) -> list[RunRecord | None]:
        """Several jobs in one fork of the zygote, one after another (grader.sandbox.child.serve_parts), each
        with its own folders, namespace and wall clock (`_drive_parts`); a single job with no `follow_on` is
        run as `run` runs it. A set of several draws its figures as it goes; a single job leaves its figures
        to draw after its answers where `run` would (`later`).

        A job the set's child did not finish or never reached (an earlier job ended or stopped it, or left
        it unfit for more) comes back as None, for the caller to run on its own. The CPU-time limit is the
        set's (each job's times the number of jobs): the jobs share a process, and each one's wall clock
        still bounds it.

        Given a `follow_on`, a set whose every job finished leaves its child waiting in it, with room for as
        many jobs again, and a later call with the same `follow_on` runs its jobs in that child (`_follow`):
        the submission's moved inputs, say, then cost no new process, folder or uid, and no first part's
        start in a new process. A child that left itself unfit for more has ended instead, and the jobs get
        a set of their own.
        """
        taken = follow_on.take() if follow_on is not None else None
        if taken is not None:
            kept, end = taken
            try:
                records = self._follow(kept, jobs, limits, keep_dirs, meanwhile)
            finally:
                end()
            if records is not None:
                return records
        if not jobs or (len(jobs) < 2 and follow_on is None):
            return [self.run(job, files=files, limits=limits, keep_dir=keep, meanwhile=meanwhile, later=later)
                    for job, keep in zip(jobs, keep_dirs)]
        room = len(jobs) if follow_on is not None else 0
        # A lone job draws its figures after its answers, as `run` does: the grader judges meanwhile. Its child,
        # kept, draws them before it reads its feed, and they are collected before it runs more or its folder
        # goes (_Kept.settle). A set of several draws its figures as it goes.
        draw_after = len(jobs) == 1 and later is not None and keep_dirs[0] is not None and bool(jobs[0].images)
        if draw_after:
            jobs = [replace(jobs[0], draw_after=True)]
        with ExitStack() as stack:
            folder = stack.enter_context(prepared_set(jobs, files, room))
            feed = os.open(folder.feed, os.O_RDWR) if folder.feed else None  # the child's open never waits
            if feed is not None:
                stack.callback(os.close, feed)
            drivers = [ProbeDriver(job, paths.messages.parent) for job, paths in folder.parts]
            if draw_after:
                stack.callback(drivers[0].close)  # it listens on after its answers, unless settled first
            cpu = limits.cpu_seconds * (len(jobs) + room)
            zygote, run, ticket = self._start(folder.runner, replace(limits, cpu_seconds=cpu))
            stack.callback(zygote.forget, run)
            started = time.monotonic()
            outcomes, exchanges = _drive_parts(drivers, [paths for _, paths in folder.parts], limits.wall_seconds,
                                               ticket, stop=lambda: _stop(zygote, run, ticket),
                                               idle=idle_work(meanwhile), listen_on=draw_after)
            records = records_of_set(folder.parts, outcomes, keep_dirs, exchanges)
            if feed is not None and all(record is not None and record.finished for record in records):
                kept = _Kept(zygote=zygote, run=run, ticket=ticket, folder=folder, feed=feed, room=room)
                if draw_after:
                    paths, deadline = folder.parts[0][1], started + limits.wall_seconds
                    kept.figures = lambda: _await_figures(zygote, run, ticket, deadline, paths, keep_dirs[0],
                                                          drivers[0])
                follow_on.keep(kept, _settled_then(kept, stack.pop_all().close))
            return records

    def _follow(self, kept: "_Kept", jobs: list[Job], limits: Limits, keep_dirs: list[Path | None],
                meanwhile: Meanwhile) -> list[RunRecord | None] | None:
        """The jobs in a kept set's child, named to it on its feed; None where it cannot take them (too many,
        or it has ended: it found itself unfit for more, or was stopped), for a set of their own."""
        if len(jobs) > kept.room:
            return None
        kept.settle()
        if not _going(kept.ticket):
            return None
        try:
            parts, listing = followed_parts(kept.folder, jobs)
        except OSError:
            return None  # its folder is full (its parts wrote all it holds, say): a folder of their own
        drivers = [ProbeDriver(job, paths.messages.parent) for job, paths in parts]
        try:
            os.write(kept.feed, f"{listing}\n".encode())
        except OSError:
            return None
        outcomes, exchanges = _drive_parts(drivers, [paths for _, paths in parts], limits.wall_seconds,
                                           kept.ticket, stop=lambda: _stop(kept.zygote, kept.run, kept.ticket),
                                           idle=idle_work(meanwhile))
        if not outcomes and not _going(kept.ticket):
            return None  # it ended before it reached them
        return records_of_set(parts, outcomes, keep_dirs, exchanges)

    def close(self) -> None:
        if self._zygote is not None:
            self._zygote.close()
            self._zygote = None
