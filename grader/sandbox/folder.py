"""Where a run's files live: its scratch copies, its channel, what its code writes.

Where the grader may mount (it is root, as when it isolates runs), each run or set gets a tmpfs of its own,
mounted on a fresh temporary folder and capped in size. Files there are made and removed several times faster
than on a disk (a set of six scripts: about 16 ms to prepare and 4 ms to remove on ext4, 8 ms and under 1 ms
on tmpfs), and the cap bounds what one run can write: code that writes file after file until the disk is
full gets "no space left" in its own folder instead, and the machine keeps its disk and its memory. Removing
the folder is one unmount.

Elsewhere (not root, or a kernel that refuses the mount) the folder is an ordinary temporary folder on disk,
as it always was. A submission whose files are large (a dataset) stays on disk too: every part of a set has
its own copy, and that many copies belong on a disk, not in memory.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from grader.sandbox.isolation import MS_NODEV, MS_NOSUID, c_library, can_isolate

MNT_DETACH = 2
PREFIX = "labgrade-"
IN_MEMORY_COPIES = 64 * 1024**2  # the student's copies a folder in memory may start with; more stay on disk
RUN_CAPACITY = 256 * 1024**2  # what one run's code may write in its folder in memory (a set: this per part)


def _mounted(folder: str, capacity: int) -> bool:
    options = f"size={capacity},mode=0700".encode()
    return c_library().mount(b"tmpfs", folder.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options) == 0


def _unmount(folder: str) -> None:
    # Detached, not refused while busy: a child still ending keeps its view until it is gone, nobody else does.
    c_library().umount2(folder.encode(), MNT_DETACH)


@contextmanager
def run_folder(copies_bytes: int, capacity: int) -> Iterator[Path]:
    """A fresh, empty folder for one run or set, removed (with everything in it) when the block ends.

    `copies_bytes` is what the grader will copy in (the student's files, once per part); `capacity` what the
    run's own code may add. In memory where it can be mounted and the copies are small (see the module),
    else on disk.
    """
    folder = tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-")
    in_memory = can_isolate() and copies_bytes <= IN_MEMORY_COPIES and _mounted(folder, copies_bytes + capacity)
    try:
        yield Path(folder)
    finally:
        if in_memory:
            _unmount(folder)
            os.rmdir(folder)
        else:
            shutil.rmtree(folder, ignore_errors=True)


def sweep_abandoned() -> int:
    """Remove the folders of graders that died without removing them (killed while a run went on), unmounting
    those in memory; the number swept. A grader's folders carry its pid, so no live grader loses one."""
    pattern = re.compile(re.escape(PREFIX) + r"(\d+)-[^/]+$")
    try:
        with open("/proc/self/mountinfo", encoding="utf-8") as handle:
            mounted = {line.split()[4].replace("\\040", " ") for line in handle}
    except OSError:
        mounted = set()
    swept = 0
    with os.scandir(tempfile.gettempdir()) as entries:
        for entry in entries:
            match = pattern.match(entry.name)
            if match is None or _alive(int(match.group(1))) or not entry.is_dir(follow_symlinks=False):
                continue
            if entry.path in mounted:
                _unmount(entry.path)
            shutil.rmtree(entry.path, ignore_errors=True)
            swept += 1
    return swept


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        pass
    return True
