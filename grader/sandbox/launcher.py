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
import time
from collections.abc import Generator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Protocol

from grader.sandbox.folder import RUN_CAPACITY, run_folder, sweep_abandoned
from grader.sandbox.isolation import can_isolate, claimed_run_uid
from grader.sandbox.job import Job, PartPaths, RunSet
from grader.sandbox.limits import Limits
from grader.sandbox.protocol import Exchange, ProbeDriver, make_pipes
from grader.sandbox.record import RunRecord, asked_observations, clean_text, parse_messages

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
STDERR_KEEP = 20_000

# -I keeps PYTHONPATH, user site-packages and the working directory off the
# path, so nothing in the student's folder can shadow the harness or torch.
BOOT = ("import sys; sys.path.insert(0, sys.argv[1]); from grader.sandbox.child import main; "
        "main(sys.argv[2], sys.argv[3], sys.argv[4])")


class Beside:
    """Work the grader does while a child runs (given to a launcher as `meanwhile`), or after, where no child
    started or the child was quicker; its error is raised by `result`, to the caller, never into the launcher.

    The work is a function, or a generator function whose steps are taken one at a time, each while the
    launcher would otherwise wait for the child (its value is the generator's return value). In one thread:
    a second, busy thread would hold up every read of the child's messages for the interpreter's switch
    interval. In steps: a set's child that has answered its first part waits for the grader to ask about it,
    and it waits at most one step.
    """

    def __init__(self, work: Callable[[], object]):
        self._work = work
        self._steps: Generator | None = None
        self._done = False
        self._value: object = None
        self._error: Exception | None = None

    def step(self) -> bool:
        """Take the next step; whether any work is left after it."""
        if self._done:
            return False
        try:
            if self._steps is None:
                made = self._work()
                if not isinstance(made, Generator):
                    self._value, self._done = made, True
                    return False
                self._steps = made
            next(self._steps)
            return True
        except StopIteration as end:
            self._value = end.value
        except Exception as error:
            self._error = error
        self._done = True
        return False

    def __call__(self) -> None:
        """All the work that is left, now."""
        while self.step():
            pass

    def result(self):
        """The work's value, doing what is left of it now."""
        self()
        if self._error is not None:
            raise self._error
        return self._value


Meanwhile = Beside | None
"""The caller's own work, done by a launcher in steps while it waits on its child (see `Beside`)."""


def idle_work(meanwhile: Meanwhile) -> Callable[[], bool] | None:
    """What a probe driver does while it waits for the child: the next step of `meanwhile`."""
    return None if meanwhile is None else meanwhile.step


class FollowOn:
    """One submission's sets of runs, in turn: a launcher may keep the child of one set here, waiting, so that
    the submission's next set (its inputs moved, another seed) runs in it without a new process, folder and
    uid (grader.sandbox.warm). The caller hands the same FollowOn to each of the submission's `run_many`, and
    closes it once the submission is graded, which ends whatever child is kept."""

    def __init__(self):
        self.kept = None  # the launcher's own record of its kept child
        self._end: Callable[[], None] | None = None

    def keep(self, kept, end: Callable[[], None]) -> None:
        self.close()
        self.kept, self._end = kept, end

    def take(self) -> tuple[object, Callable[[], None]] | None:
        """What is kept and what ends it, now the caller's to use and call; None where nothing is kept."""
        if self.kept is None:
            return None
        taken, self.kept, self._end = (self.kept, self._end), None, None
        return taken

    def close(self) -> None:
        end, self.kept, self._end = self._end, None, None
        if end is not None:
            end()


class Launcher(Protocol):
    """Runs one job in isolation and reports what happened."""

    def run(self, job: Job, *, files: list[Path], limits: Limits, keep_dir: Path | None,
            meanwhile: Meanwhile = None, later: list[Callable[[], None]] | None = None) -> RunRecord:
        """One job; a launcher may leave work on `later` (its figures, drawn after the answers) for the caller
        to call once it has judged the record."""
        ...

    def run_many(self, jobs: list[Job], *, files: list[Path], limits: Limits,
                 keep_dirs: list[Path | None], meanwhile: Meanwhile = None,
                 later: list[Callable[[], None]] | None = None,
                 follow_on: FollowOn | None = None) -> list[RunRecord | None]:
        """Several jobs of one submission, each as `run` would; None for a job that did not get to run. A
        launcher may keep the set's child in `follow_on` for the submission's next set, or ignore it."""
        ...

    def close(self) -> None:
        """Release whatever the launcher keeps between runs."""


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


READ_ONCE_BYTES = 1024**2  # a student's file up to this size is read once per run or set, and written per copy


@dataclass(frozen=True)
class Originals:
    """The student's files, as each scratch folder of a run or a set gets its copy: the child works on copies,
    so whatever it writes or deletes, the originals stay.

    A set makes one copy per part. A small file is read once and its bytes written into each copy: about
    35 µs a copy on tmpfs, against 130 µs for shutil.copyfile, which opens and stats its source every time. A
    large one (a data set) is copied by the kernel each time, never held in the grader's memory. The bytes
    alone are copied: a copy's times, permission bits and extended attributes are nobody's business.
    """

    files: tuple[tuple[Path, bytes | None], ...]  # (original, its bytes where read once)
    size: int  # bytes of one copy of them all

    @classmethod
    def of(cls, files: list[Path]) -> "Originals":
        kept, size = [], 0
        for source in files:
            if source.is_symlink() or not source.is_file():
                continue
            try:
                length = source.stat().st_size
                data = source.read_bytes() if length <= READ_ONCE_BYTES else None
            except OSError:
                length, data = 0, None  # copied as before, which reports what is wrong with it
            kept.append((source, data))
            size += length
        return cls(files=tuple(kept), size=size)

    def copy_into(self, scratch: Path) -> None:
        for source, data in self.files:
            target = scratch / source.name
            if data is None:
                shutil.copyfile(source, target)
                continue
            handle = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
            try:
                left = memoryview(data)
                while left:
                    left = left[os.write(handle, left):]
            finally:
                os.close(handle)


def _read_tail(path: Path, limit: int) -> str:
    if not path.exists():
        return ""
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - limit))
        return clean_text(handle.read().decode("utf-8", "replace"), limit)


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def running(pid: int) -> bool:
    """Whether a child of this process is still running, without reaping it."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None
    except ChildProcessError:
        return False


def _wait_measured(process: subprocess.Popen, timeout: float) -> tuple[bool, int | None]:
    """Wait like Popen.wait(timeout) but through wait4, to learn the child's peak memory.

    Returns (timed out, peak resident KiB or None). Popen.wait polls the same way.
    """
    deadline = time.monotonic() + timeout
    pause = 0.0005
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return False, usage.ru_maxrss
        if time.monotonic() >= deadline:
            return True, None
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


@dataclass(frozen=True)
class RunPaths:
    """Where one run lives: the student's scratch copy, and the grader-side channel files."""

    scratch: Path
    job: Path
    messages: Path
    stderr: Path


def _hand_over(base: Path, uid: int) -> None:
    """Give the run's uid its scratch and channel folders, all the base holds; the base stays root's,
    traversable only."""
    os.chmod(base, 0o711)
    _hand_over_folders(uid, *(Path(entry.path) for entry in os.scandir(base)))


@contextmanager
def prepared_run(job: Job, files: list[Path]):
    """A temporary folder with the job file and a scratch copy of the student's files; removed afterwards.

    When the grader is root, the job gets a uid of its own and the folders are
    handed over to it (see isolation.py); otherwise the job runs as the grader.
    """
    originals = Originals.of(files)
    with ExitStack() as claim, run_folder(originals.size, RUN_CAPACITY) as base:
        scratch, channel = base / "scratch", base / "channel"
        scratch.mkdir()
        channel.mkdir()
        originals.copy_into(scratch)
        paths = RunPaths(scratch=scratch, job=channel / "job.json", messages=channel / "messages.jsonl",
                         stderr=channel / "stderr.txt")
        if can_isolate():
            job = replace(job, uid=claim.enter_context(claimed_run_uid()))
        paths.job.write_text(json.dumps(job.to_json()), encoding="utf-8")
        make_pipes(channel)
        if job.uid is not None:
            _hand_over(base, job.uid)
        yield paths


FEED = "feed.fifo"  # in a set's root-owned `next` folder: the grader names a follow-on set there (see FollowOn)


@dataclass
class SetFolder:
    """Where one set's child runs: the child's own paths, and each job with its paths, all under `base`."""

    base: Path
    runner: RunPaths
    parts: list[tuple[Job, RunPaths]]
    uid: int | None
    originals: Originals
    hide: tuple[str, ...]
    feed: Path | None = None  # the follow-on channel, where the set may be followed (`room`)


@contextmanager
def prepared_set(jobs: list[Job], files: list[Path], room: int = 0):
    """Folders for several jobs run by one child: yields their SetFolder.

    Each job gets its own scratch copy and channel, as `prepared_run` gives one; all run under one uid. With
    `room`, the folder has space for that many more jobs, which a follow-on set may bring (`followed_parts`),
    and a feed the child reads them from: a named pipe in a folder of root's, which the child can read but
    its code cannot write.
    """
    originals = Originals.of(files)
    jobs_in_all = len(jobs) + room
    with ExitStack() as claim, run_folder(originals.size * jobs_in_all, RUN_CAPACITY * jobs_in_all) as base:
        uid = claim.enter_context(claimed_run_uid()) if can_isolate() else None
        parts = [_part_folder(base, index, job, originals, uid) for index, job in enumerate(jobs)]
        (base / "scratch").mkdir()
        (base / "channel").mkdir()
        runner = RunPaths(scratch=base / "scratch", job=base / "channel" / "set.json",
                          messages=base / "channel" / "set.jsonl", stderr=base / "channel" / "stderr.txt")
        hide = jobs[0].hide if jobs else ()
        feed = base / "next" / FEED if room else None
        runs = RunSet(parts=tuple(_part_paths(p) for _, p in parts), hide=hide, uid=uid,
                      feed=str(feed) if feed else None, room_each=RUN_CAPACITY if os.path.ismount(base) else None)
        runner.job.write_text(json.dumps(runs.to_json()), encoding="utf-8")
        if uid is not None:
            _hand_over(base, uid)
        if feed is not None:  # after the hand-over: root's, readable by the run's uid, writable by root alone
            feed.parent.mkdir(mode=0o755)
            os.mkfifo(feed, 0o644)
        yield SetFolder(base=base, runner=runner, parts=parts, uid=uid, originals=originals, hide=hide, feed=feed)


def followed_parts(folder: SetFolder, jobs: list[Job]) -> tuple[list[tuple[Job, RunPaths]], Path]:
    """Folders for a follow-on set's jobs inside a kept set's folder, handed to its uid, and the root-owned
    file that lists them for its child."""
    start = len(folder.parts)
    parts = [_part_folder(folder.base, start + offset, job, folder.originals, folder.uid)
             for offset, job in enumerate(jobs)]
    if folder.uid is not None:
        for _, paths in parts:
            _hand_over_folders(folder.uid, paths.scratch, paths.messages.parent)
    listing = folder.base / "next" / f"set{start}.json"
    listing.write_text(json.dumps(RunSet(parts=tuple(_part_paths(p) for _, p in parts), hide=folder.hide,
                                         uid=folder.uid).to_json()), encoding="utf-8")
    os.chmod(listing, 0o644)
    folder.parts.extend(parts)
    return parts, listing


def _part_folder(base: Path, index: int, job: Job, originals: Originals, uid: int | None) -> tuple[Job, RunPaths]:
    scratch, channel = base / f"scratch{index}", base / f"channel{index}"
    scratch.mkdir()
    channel.mkdir()
    originals.copy_into(scratch)
    job = replace(job, uid=uid)
    paths = RunPaths(scratch=scratch, job=channel / "job.json", messages=channel / "messages.jsonl",
                     stderr=channel / "stderr.txt")
    paths.job.write_text(json.dumps(job.to_json()), encoding="utf-8")
    make_pipes(channel)
    return job, paths


def _part_paths(paths: RunPaths) -> PartPaths:
    return PartPaths(job=str(paths.job), scratch=str(paths.scratch), messages=str(paths.messages),
                     stderr=str(paths.stderr))


def _hand_over_folders(uid: int, *folders: Path) -> None:
    """Give the run's uid these scratch and channel folders, and what is in them (copies and channel files,
    nothing nested): its own alone to open. A follow-on set's are handed over this way when they are made."""
    for folder in folders:
        os.lchown(folder, uid, uid)
        os.chmod(folder, 0o700)
        for entry in os.scandir(folder):
            os.lchown(entry.path, uid, uid)


def records_of_set(parts, outcomes: dict[int, dict], keep_dirs: list[Path | None],
                   exchanges: list[Exchange]) -> list[RunRecord | None]:
    """Each job's record, from its own channel; None for a job the set's child never finished."""
    records: list[RunRecord | None] = []
    for index, (job, paths) in enumerate(parts):
        outcome = outcomes.get(index)
        records.append(None if outcome is None else RunRecordBuilder(job=job, paths=paths).build(
            keep_dir=keep_dirs[index], exchange=exchanges[index], **outcome))
    return records


@dataclass(frozen=True)
class RunRecordBuilder:
    """Turns what a finished (or killed) child left in its channel folder into a RunRecord."""

    job: Job
    paths: RunPaths

    def build(self, *, exit_code: int | None, timed_out: bool, elapsed: float, keep_dir: Path | None,
              exchange: Exchange, peak_kib: int | None = None) -> RunRecord:
        messages = self.paths.messages
        lines = messages.read_text(encoding="utf-8", errors="replace").splitlines() if messages.exists() else []
        parsed = parse_messages(lines, asked=True)
        observations, malformed = asked_observations(exchange.accepted)
        refused = exchange.refused + ["an observation written to the channel file, not asked for"] * parsed.unasked
        problems = [_refusals(refused, malformed)] if refused or malformed else []
        if parsed.bad:
            problems.append(f"{parsed.bad} malformed message(s) from the run were ignored")
        return RunRecord(
            part=self.job.part,
            units=tuple(parsed.units),
            observations=tuple(observations),
            activities=tuple(parsed.activities),
            finished=exchange.completed,
            isolation=parsed.isolation,
            timed_out=timed_out,
            exit_code=exit_code if exit_code is not None and exit_code >= 0 else None,
            signal_name=_signal_name(exit_code),
            elapsed=round(elapsed, 3),
            peak_memory_mib=round(peak_kib / 1024, 1) if peak_kib else None,
            process_stderr=_read_tail(self.paths.stderr, STDERR_KEEP),
            problems=tuple(problems),
            refused=bool(exchange.refused or parsed.unasked),
            grader_fault=_grader_fault(parsed, self.job, timed_out, exit_code),
            figures_dir=str(keep_figures(messages.parent, keep_dir)) if keep_dir is not None else None,
        )


def _grader_fault(parsed, job: Job, timed_out: bool, exit_code: int | None) -> str:
    """The harness's own failure, if that is why the run ended: it said so, or it never reached student code."""
    if parsed.harness_error:
        return f"the grader's harness failed: {parsed.harness_error}"
    if job.units and not parsed.started and not timed_out:
        return f"the grader's harness stopped before running any of the student's code (exit code {exit_code})"
    return ""


def _refusals(refused: list[str], malformed: int) -> str:
    """The result's words for messages the grader did not ask for (grader.sandbox.protocol)."""
    kinds = {}
    for reason in refused:
        kinds[reason] = kinds.get(reason, 0) + 1
    listed = "; ".join(f"{count} × {reason}" if count > 1 else reason for reason, count in list(kinds.items())[:4])
    if malformed:
        listed += ("; " if listed else "") + f"{malformed} malformed answer(s)"
    return (f"messages the grader did not ask for were refused and earn nothing ({listed}): the run's "
            f"observations count only as answers to the grader's own requests")


def _signal_name(exit_code: int | None) -> str | None:
    if exit_code is None or exit_code >= 0:
        return None
    try:
        return signal.Signals(-exit_code).name
    except ValueError:
        return f"signal {-exit_code}"


def keep_figures(channel: Path, keep_dir: Path) -> Path:
    """Copy the run's PNGs from its channel to `keep_dir`, where the report finds them."""
    keep_dir.mkdir(parents=True, exist_ok=True)
    for image in channel.glob("*.png"):
        if image.is_file() and not image.is_symlink():
            shutil.copy2(image, keep_dir / image.name)
    return keep_dir


class SubprocessLauncher:
    """A fresh `python -I` per job, in its own session, with rlimits and a wall clock."""

    def __init__(self, python: str = sys.executable):
        self.python = python
        sweep_abandoned()

    def close(self) -> None:
        """Nothing is kept between runs."""

    def run_many(self, jobs: list[Job], *, files: list[Path], limits: Limits,
                 keep_dirs: list[Path | None], meanwhile: Meanwhile = None,
                 later: list[Callable[[], None]] | None = None,
                 follow_on: FollowOn | None = None) -> list[RunRecord | None]:
        """One fresh interpreter per job: an interpreter's start costs far more than the round trip. Figures are
        drawn as they come (`later` is left as it is); nothing is kept for a follow-on set."""
        return [self.run(job, files=files, limits=limits, keep_dir=keep, meanwhile=meanwhile if index == 0 else None)
                for index, (job, keep) in enumerate(zip(jobs, keep_dirs))]

    def run(self, job: Job, *, files: list[Path], limits: Limits, keep_dir: Path | None = None,
            meanwhile: Meanwhile = None, later: list[Callable[[], None]] | None = None) -> RunRecord:
        with prepared_run(job, files) as paths:
            started = time.monotonic()
            timed_out = False
            driver = ProbeDriver(job, paths.messages.parent)
            with open(paths.stderr, "wb") as output:
                process = subprocess.Popen(
                    [self.python, "-I", "-c", BOOT, str(PACKAGE_ROOT), str(paths.job), str(paths.messages),
                     str(os.getpid())],
                    cwd=paths.scratch,
                    env=scrubbed_environment(paths.scratch),
                    stdin=subprocess.DEVNULL,
                    stdout=output,
                    stderr=output,
                    start_new_session=True,
                    preexec_fn=limits.apply,
                )
                exchange = driver.drive(started + limits.wall_seconds, lambda: running(process.pid),
                                        idle=idle_work(meanwhile))
                timed_out, peak_kib = _wait_measured(process, limits.wall_seconds - (time.monotonic() - started))
                # Kill the whole group even after a clean exit: nothing may outlive its run.
                _kill_group(process)
            return RunRecordBuilder(job=job, paths=paths).build(
                exit_code=process.returncode, timed_out=timed_out, elapsed=time.monotonic() - started,
                keep_dir=keep_dir, peak_kib=peak_kib, exchange=exchange)
