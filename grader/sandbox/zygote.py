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

Forking a process that holds torch costs about 10 ms, so the server keeps one
*spare*: a fork made ahead of time, detached and waiting on a pipe of its own
for the request it will run. A request is handed to the spare where there is
one (its pid is known at once) and the next spare is forked while that run
goes on; a second request that arrives meanwhile gets a fork of its own, as
before. A spare has run nothing but its own detaching, and ends when its pipe
closes, the server's death included.
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

from grader.sandbox.between import children_of

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
    PNG writer and (for log axes, common for loss curves) the mathtext parser.
    Every child would pay them again. Only throwaway objects are touched, every
    child is a fork of this same state, and the child seeds every RNG itself,
    so nothing here can differ between students. One torch thread, so that no
    intra-op pool exists at fork time.
    """
    _exercise_torch()
    _exercise_matplotlib()


def _exercise_torch() -> None:
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
        # Where torch has an accelerator built in, seeding queues lazy calls with a formatted stack: reading
        # those source lines once, here, saves every child the file reads (the harness seeds before every part).
        from grader.sandbox.child import seed_everything

        seed_everything(0)
    except Exception:
        pass  # a missing or odd torch is the child's problem to report, not the server's


def _rehearse_putting_back() -> None:
    try:
        from grader.sandbox.child import rehearse_putting_back

        rehearse_putting_back()
    except Exception:
        pass  # a rehearsal only saves time: the run puts back for real, and reports what fails there


def _exercise_matplotlib() -> None:
    import io

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


def _detach() -> None:
    """Inside a fork, first: out of the server's signal handling, and a session (a process group) of its own."""
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.setsid()


def _become_child(request: dict) -> None:
    """Inside a detached fork: run one job and never return into the server loop."""
    try:
        from grader.sandbox.child import main
        from grader.sandbox.launcher import scrubbed_environment
        from grader.sandbox.limits import Limits

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


def _wait_as_spare(requests: int) -> None:
    """Inside a spare fork: detach, then wait for the one request this process will run (read to the pipe's
    end); never returns into the server loop. An empty pipe (the server closed it, or died) ends it."""
    try:
        _detach()
        quiet = os.open(os.devnull, os.O_RDWR)
        for stream in (0, 1, 2):  # the server's event stream is no place for a word from a fork
            os.dup2(quiet, stream)
        os.closerange(3, requests)
        os.closerange(requests + 1, 1024)
        # A fork's first touch of torch copies the pages it writes (about 7 ms for a first tensor op): the
        # same throwaway exercise as the server's pays that here, while nothing waits. Drawing a figure is
        # not first-touch but real work, which a run without figures would pay for nothing: not rehearsed.
        _exercise_torch()
        _rehearse_putting_back()
        chunks = []
        while chunk := os.read(requests, 65536):
            chunks.append(chunk)
        os.close(requests)
        if chunks:
            _become_child(json.loads(b"".join(chunks)))
    finally:
        os._exit(70)


class Spare:
    """The server's side of a spare fork: its pid, and the pipe its request goes down."""

    def __init__(self):
        requests, self.pipe = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            os.close(self.pipe)
            _wait_as_spare(requests)
        os.close(requests)

    def hand(self, request: dict) -> bool:
        """Send the spare its request; False where it is gone (killed while it waited) and cannot take it."""
        try:
            os.write(self.pipe, json.dumps(request).encode())
            return True
        except OSError:
            return False
        finally:
            self.close()

    def close(self) -> None:
        """An unused spare reads the pipe's end and leaves; one handed its request runs it."""
        if self.pipe >= 0:
            os.close(self.pipe)
            self.pipe = -1


ABANDON_SECONDS = 5.0  # how long a zygote whose grader left keeps killing what its runs left behind


class Server:
    """The zygote's event loop: fork on request, report pids and exit statuses."""

    def __init__(self):
        self.runs: dict[int, int] = {}  # pid -> run id, for children not yet reaped
        self.spare: Spare | None = None
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
            pid = self.handed_to_spare(request)
            if pid is None:
                pid = os.fork()
                if pid == 0:
                    _detach()
                    _become_child(request)
            self.runs[pid] = request["run"]
            self.send({"id": request["run"], "pid": pid})
        elif "kill" in request:
            for pid, run in self.runs.items():
                if run == request["kill"]:
                    _kill_group(pid)

    def handed_to_spare(self, request: dict) -> int | None:
        """The spare's pid, once it has the request; None where there is no spare that can take it."""
        spare, self.spare = self.spare, None
        if spare is not None and spare.hand(request):
            return spare.pid
        return None

    def keep_a_spare(self) -> None:
        """Fork the next spare while no request waits: its fork is then off every run's path."""
        if self.spare is None:
            try:
                self.spare = Spare()
            except OSError:
                pass  # no process to spare now (a limit, memory): runs are forked on request, as they can be

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
            if self.spare is not None and info.si_pid == self.spare.pid:
                self.spare.close()  # killed while it waited: the next one is forked when the server is idle
                self.spare = None
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
        spare = self.spare.pid if self.spare is not None else None
        for pid in children_of(os.getpid()):
            if pid not in self.runs and pid != spare:
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
            events = selector.select(timeout=0)
            if not events:  # idle: a request already waiting is read before the next spare is forked
                self.keep_a_spare()
                events = selector.select(timeout=1.0)
            for key, _ in events:
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
        if self.spare is not None:
            self.spare.close()
            _kill_group(self.spare.pid)
            self.spare = None
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
