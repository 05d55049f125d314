"""The zygote: a server process that imports torch once and forks a child per run.

It runs as ``python -I -c BOOT ROOT`` and speaks JSON lines. Requests arrive
on its stdin:

    {"run": ID, "paths": {...}, "limits": {...}}   fork a sandboxed child for a run
    {"kill": ID}                                   kill that run's whole process group

and events go out on its stdout:

    {"id": ID, "pid": PID}        the child exists
    {"id": ID, "status": CODE}    the child ended (negative: killed by that signal)

The server never runs student code itself: each child is a fork of the
pristine server that detaches, redirects, scrubs and limits itself, then runs
the same harness as a fresh interpreter would. When a child ends, its process
group is killed *before* the child is reaped, so nothing it started outlives
it and no recycled pid can be hit by mistake.
"""
from __future__ import annotations

import json
import os
import selectors
import signal
import sys
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36
PRELOAD = ("torch", "numpy", "matplotlib", "matplotlib.pyplot", "grader.sandbox.child")


def _preload() -> None:
    os.environ["MPLBACKEND"] = "Agg"
    for name in PRELOAD:
        try:
            __import__(name)
        except ImportError:
            pass  # a course without matplotlib still gets a working (cooler) zygote


def _become_child(request: dict) -> None:
    """Inside the fork: run one job and never return into the server loop."""
    try:
        from grader.sandbox.child import main
        from grader.sandbox.launcher import scrubbed_environment
        from grader.sandbox.limits import Limits

        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()
        paths = request["paths"]
        output = os.open(paths["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(output, 1)
        os.dup2(output, 2)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        os.closerange(3, 1024)  # the server's pipes are not the student's business
        scratch = Path(paths["scratch"])
        os.chdir(scratch)
        os.environ.clear()
        os.environ.update(scrubbed_environment(scratch))
        Limits(**request["limits"]).apply()
        main(paths["job"], paths["messages"])
    except BaseException:
        import traceback

        traceback.print_exc()  # into the run's stderr file, for the grader's record
    finally:
        os._exit(70)


class Server:
    """The zygote's event loop: fork on request, report pids and exit statuses."""

    def __init__(self):
        self.runs: dict[int, int] = {}  # pid -> run id, for children not yet reaped
        self.buffer = b""
        self.wakeup_r, wakeup_w = os.pipe()
        os.set_blocking(self.wakeup_r, False)
        os.set_blocking(wakeup_w, False)
        signal.set_wakeup_fd(wakeup_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)

    def send(self, message: dict) -> None:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    def handle(self, request: dict) -> None:
        if "run" in request:
            pid = os.fork()
            if pid == 0:
                _become_child(request)
            self.runs[pid] = request["run"]
            self.send({"id": request["run"], "pid": pid})
        elif "kill" in request:
            for pid, run in self.runs.items():
                if run == request["kill"]:
                    _kill_group(pid)

    def reap(self) -> None:
        while True:
            try:
                info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:
                return
            if info is None:
                return
            _kill_group(info.si_pid)  # still a zombie: its group id cannot have been reused
            _, status = os.waitpid(info.si_pid, 0)
            run = self.runs.pop(info.si_pid, None)
            if run is not None:
                self.send({"id": run, "status": os.waitstatus_to_exitcode(status)})
                self.sweep_orphans()

    def sweep_orphans(self) -> None:
        """Kill processes that escaped their run's group (a double-forked setsid daemon).

        The server is a child subreaper, so such orphans are reparented to it;
        anything it parents that is not a live run's child has no business running.
        """
        for pid in _children_of(os.getpid()):
            if pid not in self.runs:
                _kill_group(pid)
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass

    def serve(self) -> None:
        selector = selectors.DefaultSelector()
        selector.register(0, selectors.EVENT_READ, "requests")
        selector.register(self.wakeup_r, selectors.EVENT_READ, "children")
        while True:
            for key, _ in selector.select(timeout=1.0):
                if key.data == "children":
                    try:
                        os.read(self.wakeup_r, 4096)
                    except BlockingIOError:
                        pass
                elif not self.read_requests():
                    return
            self.reap()

    def read_requests(self) -> bool:
        chunk = os.read(0, 65536)
        if not chunk:
            return False  # the grader went away
        self.buffer += chunk
        while b"\n" in self.buffer:
            line, self.buffer = self.buffer.split(b"\n", 1)
            self.handle(json.loads(line))
        return True


def _children_of(parent: int) -> list[int]:
    children = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            children.append(int(entry))
    return children


def _become_subreaper() -> None:
    """Orphans of the runs are reparented to the server instead of init (Linux only)."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def serve() -> None:
    _preload()
    _become_subreaper()
    Server().serve()
