"""A set's jobs, each in a fork of one pristine child, with the forks' fixed costs taken off the critical path.

A job's process costs the kernel two fixed amounts that have nothing to do
with the student: copying the coordinator's address space at fork (about
8 ms with torch loaded) and tearing the process's own down at exit (about
10 ms). Neither has to wait for the job before it. So the next job's process
is forked while the current one runs, and waits, with nothing of the
student's in it, for a byte that starts it; and a job whose harness has said
it is done tears down while the next one starts.

Student code of two jobs does not run at once: a job is started only once the
one before it has said it is done (a byte on a pipe, written by the harness
just before it exits), has ended, or has been killed. Each job keeps its own
process group, scratch folder, channel and wall clock (counted from its
start); whatever is left of its group when its process ends is killed then,
and a job past its wall clock is killed, said done or not. One line per
job goes to the set's channel once its process is reaped, in the order the
jobs end; a job without one (the coordinator was killed first) is run again
on its own by the launcher.
"""
from __future__ import annotations

import json
import math
import os
import select
import signal
import time
import traceback
from dataclasses import dataclass
from typing import Callable

from grader.sandbox.job import Job, PartPaths, RunSet

POLL = 0.005  # seconds between looks at a process the kernel gives no handle for (no pidfd)


@dataclass
class _Turn:
    """One job's process, from its fork to its reaping."""

    index: int
    pid: int
    go: int | None  # the coordinator's end of the pipe whose one byte starts the job
    done: int | None  # the coordinator's end of the pipe on which the harness says the job is done
    ended: int | None  # a pidfd, readable once the process has ended (None where the kernel has none)
    started: float = math.inf
    deadline: float = math.inf
    ended_at: float | None = None
    timed_out: bool = False

    def fds(self) -> list[int]:
        return [fd for fd in (self.go, self.done, self.ended) if fd is not None]


def coordinate(runs: RunSet, messages_path: str, report, serve: Callable) -> None:
    """Run each job of the set in a fork of this still-pristine process, one job's code at a time; never returns.

    `serve(job, messages_path, report, done_fd=, go_fd=)` is the harness's frozen entry point, bound before any
    student code exists: it prepares the job's process, waits for a byte on `go_fd`, runs the job and writes
    a byte to `done_fd`. A job without a line in the set's channel did not finish here; the launcher runs it on its own.
    """
    turns = [_fork_waiting(0, runs.parts[0], report, serve, [])] if runs.parts else []
    exiting: list[_Turn] = []
    for index in range(len(runs.parts)):
        current = turns[index]
        _start(current, runs.wall_seconds)
        if index + 1 < len(runs.parts):
            others = [fd for turn in [current, *exiting] for fd in turn.fds()]
            turns.append(_fork_waiting(index + 1, runs.parts[index + 1], report, serve, others))
        _await(current, exiting, messages_path)
        _close(current, "done")
        exiting.append(current)
    while exiting:
        _await(None, exiting, messages_path)
    os._exit(0)


def _fork_waiting(index: int, part: PartPaths, report, serve: Callable, others: list[int]) -> _Turn:
    """A fork for one job that prepares itself and waits for its start; its process group is its own."""
    go_read, go_write = os.pipe()
    done_read, done_write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            for fd in (go_write, done_read, *others):
                os.close(fd)
            os.setpgid(0, 0)
            output = os.open(part.stderr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(output, 1)
            os.dup2(output, 2)
            os.close(output)
            os.chdir(part.scratch)
            with open(part.job, encoding="utf-8") as handle:
                job = Job.from_json(json.load(handle))
            serve(job, part.messages, report, done_fd=done_write, go_fd=go_read)
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(70)
    os.close(go_read)
    os.close(done_write)
    try:
        os.setpgid(pid, pid)  # also here: the group must exist before it may need killing
    except OSError:
        pass
    try:
        ended = os.pidfd_open(pid)
    except (AttributeError, OSError):
        ended = None
    return _Turn(index=index, pid=pid, go=go_write, done=done_read, ended=ended)


def _start(turn: _Turn, wall_seconds: float) -> None:
    turn.started = time.monotonic()
    turn.deadline = turn.started + wall_seconds
    try:
        os.write(turn.go, b"1")
    except OSError:  # it has died waiting: its end is seen like any other
        pass
    _close(turn, "go")


def _await(current: _Turn | None, exiting: list[_Turn], messages_path: str) -> None:
    """Until the current job says it is done or ends (or, with none, until one exiting job is reaped):
    meanwhile every job that ends is reaped, and every one past its wall clock is killed."""
    while True:
        watched = ([current] if current else []) + exiting
        now = time.monotonic()
        for turn in watched:
            if now >= turn.deadline and not turn.timed_out:
                turn.timed_out = True
                _kill_group(turn.pid)
        handles = [t.ended for t in watched if t.ended is not None]
        if current is not None and current.done is not None:
            handles.append(current.done)
        wait = min((t.deadline for t in watched if not t.timed_out), default=now + POLL) - now
        if any(t.ended is None or t.timed_out for t in watched):
            wait = min(wait, POLL)  # a killed process is looked at again shortly, not in a busy loop
        ready = _ready(handles, max(0.0, wait))
        reaped = False
        for turn in list(exiting):
            if _has_ended(turn, ready):
                _reap(turn, messages_path)
                exiting.remove(turn)
                reaped = True
        if current is None:
            if reaped or not exiting:
                return
            continue
        if (current.done in ready and current.done is not None) or current.timed_out or _has_ended(current, ready):
            return


def _ready(handles: list[int], wait: float) -> list[int]:
    if not handles:
        time.sleep(wait)
        return []
    return select.select(handles, [], [], wait)[0]


def _has_ended(turn: _Turn, ready: list[int]) -> bool:
    if turn.ended is not None:
        ended = turn.ended in ready
    else:
        try:
            ended = os.waitid(os.P_PID, turn.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
        except ChildProcessError:
            ended = True
    if ended and turn.ended_at is None:
        turn.ended_at = time.monotonic()
    return ended


def _reap(turn: _Turn, messages_path: str) -> None:
    """Kill what is left of the job's group (it may have started processes of its own), reap it, write its line."""
    _kill_group(turn.pid)
    _, status, usage = os.wait4(turn.pid, 0)
    ended_at = turn.ended_at if turn.ended_at is not None else time.monotonic()
    outcome = {"status": os.waitstatus_to_exitcode(status), "timed_out": turn.timed_out,
               "elapsed": round(ended_at - turn.started, 4), "peak_kib": usage.ru_maxrss}
    for fd in turn.fds():
        os.close(fd)
    turn.go = turn.done = turn.ended = None
    # Opened per line, so no fork inherits the set's channel.
    with open(messages_path, "a", encoding="utf-8") as channel:
        channel.write(json.dumps({"type": "part", "index": turn.index, **outcome}) + "\n")


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _close(turn: _Turn, name: str) -> None:
    fd = getattr(turn, name)
    if fd is not None:
        os.close(fd)
        setattr(turn, name, None)
