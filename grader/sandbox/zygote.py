"""The zygote: a server process that imports torch once and forks a child per run.

It runs as ``python -I -c BOOT ROOT`` and speaks JSON lines. Requests arrive
on its stdin:

    {"run": ID, "paths": {...}, "limits": {...}}   fork a sandboxed child for a run
    {"kill": ID}                                   kill that run's whole process group

and events go out on its stdout:

    {"id": ID, "pid": PID}        the child exists
    {"id": ID, "status": CODE, "peak_kib": KIB}
                                  the child ended (negative: killed by that signal),
                                  with its peak resident memory

The server never runs student code itself: each child is a fork of the
pristine server that detaches, redirects, scrubs and limits itself, then runs
the same harness as a fresh interpreter would. When a child ends, its process
group is killed *before* the child is reaped, so nothing it started outlives
it and no recycled pid can be hit by mistake.
"""
from __future__ import annotations

import gc
import json
import os
import selectors
import signal
import time
import sys
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36
# The launcher is what every child imports first (grader.sandbox.zygote._become_child).
PRELOAD = ("torch", "numpy", "matplotlib", "matplotlib.pyplot", "grader.sandbox.child", "grader.sandbox.launcher")


def _preload() -> None:
    os.environ["MPLBACKEND"] = "Agg"
    for name in PRELOAD:
        try:
            __import__(name)
        except ImportError:
            pass  # a course without matplotlib still gets a working (cooler) zygote
    _exercise_first_use_paths()
    from grader.sandbox import child

    child.preload_harness()  # last: its baseline is the state every part of a set is put back to


def _exercise_first_use_paths() -> None:
    """Pay the libraries' one-time lazy costs here, once, instead of in every child.

    Importing is not all: torch's first optimizer step imports its compiler
    stack (about 0.7 s), and matplotlib's first saved figure loads fonts, the
    PNG writer and (for log axes, common for loss curves) the mathtext parser. Every child would pay them again. Only throwaway objects
    are touched, every child is a fork of this same state, and the child seeds
    every RNG itself, so nothing here can differ between students. One torch
    thread, so that no intra-op pool exists at fork time.
    """
    import io

    try:
        import torch

        torch.set_num_threads(1)
        model = torch.nn.Linear(1, 1)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        loss = torch.nn.MSELoss()(model(torch.ones(2, 1)), torch.zeros(2, 1))
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        repr(loss)
        # Seeding queues a lazy CUDA call with a formatted stack: reading those source lines once, here,
        # saves every child the file reads (the harness seeds before every part).
        from grader.sandbox.child import seed_everything

        seed_everything(0)
    except Exception:
        pass  # a missing or odd torch is the child's problem to report, not the server's
    try:
        from matplotlib import pyplot

        figure, (linear_axis, log_axis) = pyplot.subplots(1, 2)
        linear_axis.plot([0.0, 1.0], [1.0, 0.0])
        linear_axis.set_title("warm-up")
        log_axis.semilogy([1.0, 2.0], [1.0, 1000.0])  # log ticks build the mathtext parser
        figure.savefig(io.BytesIO(), format="png", dpi=72)
        pyplot.close("all")
    except Exception:
        pass


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


ABANDON_SECONDS = 5.0  # how long a zygote whose grader left keeps killing what its runs left behind


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
            _, status, usage = os.wait4(info.si_pid, 0)
            run = self.runs.pop(info.si_pid, None)
            if run is not None:
                self.send({"id": run, "status": os.waitstatus_to_exitcode(status),
                           "peak_kib": usage.ru_maxrss})
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
                    self.abandon()
                    return
            self.reap()

    def abandon(self) -> None:
        """The grader went away (its Dask worker was killed, say): nobody will read these runs or stop
        them at their time limit, so none may go on. Their tasks are run again elsewhere."""
        for pid in list(self.runs):
            _kill_group(pid)
        self.runs.clear()
        deadline = time.monotonic() + ABANDON_SECONDS
        while time.monotonic() < deadline:
            self.sweep_orphans()  # every child is an orphan now, a set's jobs reparented here included
            while True:
                try:
                    pid, _ = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    return
                if pid == 0:
                    break
            time.sleep(0.05)

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
    """The processes whose parent is `parent`: from its tasks' `children` lists where the kernel keeps them
    (a few reads, however busy the machine), else by scanning every process."""
    try:
        tasks = os.listdir(f"/proc/{parent}/task")
        listed = set()
        for task in tasks:
            with open(f"/proc/{parent}/task/{task}/children", encoding="ascii") as children:
                listed.update(int(pid) for pid in children.read().split())
        return sorted(listed)
    except (OSError, ValueError):
        return _scanned_children_of(parent)


def _scanned_children_of(parent: int) -> list[int]:
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
    # The preloaded heap is shared by every child; frozen, a child's garbage
    # collections skip it (no 0.1 s full scans, no copy-on-write of every page).
    gc.collect()
    gc.freeze()
    _become_subreaper()
    Server().serve()
