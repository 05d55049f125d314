"""Kernel-level isolation for a child, as far as this machine allows.

Applied by the harness after it has read its job and opened its channel,
and before any student code runs:

1. network: an empty network namespace (no route anywhere, loopback down);
2. files: a private mount namespace where the course's reference solutions
   and rubrics, the reports folder and the class folder are covered by empty
   read-only tmpfs mounts, so other students' work and the answers are gone;
3. identity: a uid of its own (one per run), so it cannot signal the grader,
   touch root's files, or reach another run's scratch folder, and the process
   limit applies to it alone.

Each step needs root (CAP_SYS_ADMIN, CAP_SETUID); where it is refused the
run goes on without it and the report says which level applied.
"""
from __future__ import annotations

import ctypes
import fcntl
import os
import secrets
import signal
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
PR_SET_PDEATHSIG = 1
FIRST_RUN_UID = 61000  # 61000-61999: one uid per concurrent run, never a real account
RUN_UIDS = 1000


@dataclass(frozen=True)
class IsolationReport:
    network: str
    files: str
    uid: str

    def to_json(self) -> dict:
        return {"network": self.network, "files": self.files, "uid": self.uid}


def c_library():
    """The C library, for the system calls Python does not wrap (unshare, mount)."""
    return ctypes.CDLL(None, use_errno=True)


def _failure(call: str) -> str:
    return f"none ({call}: {os.strerror(ctypes.get_errno())})"


def can_isolate() -> bool:
    """Whether this process may create namespaces and switch uid (it is root)."""
    return os.geteuid() == 0


# Where runs claim their uids, shared by every grader on the machine (two `grade` commands, the worker processes
# of a Dask LocalCluster): root's own, so no run can reach it.
UID_CLAIMS = Path("/run/labgrade/run-uids")


class NoFreeRunUid(RuntimeError):
    """Every run uid is held by a run still going on this machine."""


def _claims_folder() -> Path:
    """The claims' folder: /run's, else the temporary folder's (a read-only /run); never one another user made."""
    for folder in (UID_CLAIMS, Path(tempfile.gettempdir()) / "labgrade-run-uids"):
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            info = os.lstat(folder)
        except OSError:
            continue
        if stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid() and not stat.S_IMODE(info.st_mode) & 0o077:
            return folder
    raise NoFreeRunUid(f"no folder only this user may use for run uid claims ({UID_CLAIMS} or the temporary "
                       f"folder's labgrade-run-uids)")


@contextmanager
def claimed_run_uid() -> Iterator[int]:
    """A uid no other run on this machine holds, held until the block ends.

    Each grader process used to count its own way through the range, so two graders at once (two `grade`
    commands, or the workers of a Dask LocalCluster) gave the same uid to two students' runs at the same time,
    and each could then signal the other's processes or read its scratch folder. A claim is an exclusive
    `flock` on the uid's file, which the kernel drops when its holder ends, however it ends.
    """
    folder = _claims_folder()
    start = secrets.randbelow(RUN_UIDS)  # graders starting together do not all try the same uids first
    for step in range(RUN_UIDS):
        uid = FIRST_RUN_UID + (start + step) % RUN_UIDS
        handle = os.open(folder / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            continue
        try:
            yield uid
        finally:
            os.close(handle)  # closing the only descriptor of the claim releases it
        return
    raise NoFreeRunUid(f"all {RUN_UIDS} run uids are in use by runs on this machine")


def isolate_network() -> str:
    if c_library().unshare(CLONE_NEWNET) == 0:
        return "namespace"
    return _failure("unshare")


def hide_paths(paths: list[str]) -> str:
    """Cover each existing path with an empty read-only tmpfs, in a private mount namespace."""
    libc = c_library()
    if libc.unshare(CLONE_NEWNS) != 0:
        return _failure("unshare")
    # Without this, the mounts below would propagate back to the grader's namespace.
    if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        return _failure("mount --make-rprivate")
    hidden = 0
    for path in paths:
        if not os.path.isdir(path):
            continue
        if libc.mount(b"tmpfs", path.encode(), b"tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, b"size=4k,mode=0555") != 0:
            return _failure(f"mount over {path}")
        hidden += 1
    return f"hidden ({hidden} folder(s))"


def _reachable_by_others(path: str) -> bool:
    """Whether any user may traverse every folder down to `path` (o+x on each)."""
    current = os.path.realpath(path)
    while True:
        try:
            if os.path.isdir(current) and not os.stat(current).st_mode & 0o001:
                return False
        except OSError:
            return False
        parent = os.path.dirname(current)
        if parent == current:
            return True
        current = parent


def _unreachable_interpreter_path() -> str | None:
    """A folder of this interpreter's that another uid could not read (/root/.pyenv, say)."""
    for path in [sys.prefix, sys.base_prefix, *sys.path]:
        if path and os.path.exists(path) and not _reachable_by_others(path):
            return path
    return None


def _blocking_folder(path: str) -> tuple[str, str] | None:
    """The highest folder on the way to `path` closed to others, and its child on that way."""
    parts = os.path.realpath(path).split(os.sep)[1:]
    current = "/"
    for part in parts:
        try:
            if os.path.isdir(current) and not os.stat(current).st_mode & 0o001:
                return current, os.path.join(current, part)
        except OSError:
            return None
        current = os.path.join(current, part)
    return None


def expose_interpreter(holder_root: str) -> str:
    """Make the interpreter reachable for another uid, in this mount namespace only.

    A Python under /root/.pyenv cannot be read by other users because /root is
    closed. Here /root is covered by an empty tmpfs that others may traverse,
    and only the needed child (/root/.pyenv) is bound back into it, with its
    own submounts (a hidden folder stays hidden). The real /root is untouched.
    """
    libc = c_library()
    needed: dict[str, set[str]] = {}
    for path in [sys.prefix, sys.base_prefix, *sys.path]:
        if path and os.path.exists(path):
            blocked = _blocking_folder(path)
            if blocked:
                needed.setdefault(blocked[0], set()).add(blocked[1])
    for number, (folder, children) in enumerate(sorted(needed.items())):
        holders = []
        for index, child in enumerate(sorted(children)):
            holder = os.path.join(holder_root, f"bind{number}-{index}")
            os.mkdir(holder, 0o700)
            if libc.mount(child.encode(), holder.encode(), None, MS_BIND | MS_REC, None) != 0:
                return _failure(f"bind {child}")
            holders.append((holder, os.path.basename(child)))
        if libc.mount(b"tmpfs", folder.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, b"size=64k,mode=0755") != 0:
            return _failure(f"mount over {folder}")
        for holder, name in holders:
            target = os.path.join(folder, name)
            os.mkdir(target, 0o755)
            if libc.mount(holder.encode(), target.encode(), None, MS_BIND | MS_REC, None) != 0:
                return _failure(f"bind into {folder}")
    return "exposed " + ", ".join(sorted(c for cs in needed.values() for c in cs)) if needed else "reachable"


def drop_privileges(uid: int) -> str:
    unreachable = _unreachable_interpreter_path()
    if unreachable is not None:
        # Switching uid would break every later import; the run stays root, and says so.
        return f"none (the Python installation in {unreachable} is closed to other users)"
    try:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    except OSError as error:
        return f"none ({error.strerror})"
    return f"run uid {uid}"


def _covers(folder: str, path: str) -> bool:
    folder, path = os.path.realpath(folder), os.path.realpath(path)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def isolate(hide: list[str], uid: int | None, keep_visible: list[str]) -> IsolationReport:
    """Apply every step this process is allowed to; say what applied.

    A folder to hide that contains one of `keep_visible` (the run's own scratch
    and channel folders) is left alone rather than blinding the run itself.
    """
    if not can_isolate():
        reason = "none (not root)"
        return IsolationReport(network=_try_network_unprivileged(), files=reason, uid=reason)
    network = isolate_network()
    hide = [p for p in hide if not any(_covers(p, keep) for keep in keep_visible)]
    files = hide_paths(hide)  # also the private mount namespace expose_interpreter needs
    if uid is not None and files.startswith("hidden") and _unreachable_interpreter_path():
        files += "; " + expose_interpreter(keep_visible[-1])
    identity = drop_privileges(uid) if uid is not None else "none (no uid given)"
    return IsolationReport(network=network, files=files, uid=identity)


def die_with(parent: int) -> None:
    """End this process when `parent`, the grader that started it, ends: a grader killed mid-run must not leave
    its run waiting on a request that will never come. Called once the identity is dropped, which clears the
    setting; a parent already gone by then ends the process here."""
    try:
        c_library().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (AttributeError, OSError):
        return  # no prctl (not Linux): the run keeps its own limits and wall clock, as before
    if os.getppid() != parent:
        os._exit(70)


def _try_network_unprivileged() -> str:
    # Some kernels let anyone create a network namespace inside a user namespace.
    if c_library().unshare(0x10000000 | CLONE_NEWNET) == 0:  # CLONE_NEWUSER | CLONE_NEWNET
        return "namespace (user namespace)"
    return _failure("unshare")
