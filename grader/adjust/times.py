"""When each submission was handed in, and how we know.

In order of trust, per student:

1. ``submitted.csv`` (``student,time``): the LMS's or the instructor's list.
   It is ``<out>/<lab>/submitted.csv``, or the file given with ``--submitted``;
   a time without an offset is in the rubric's ``[deadline]`` zone.
2. The student folder's own git history, when the folder is a repository
   (``<folder>/.git`` is a directory): the last commit's committer time.
   A class folder that is one repository is not used: its commits are the
   course's or a TA's, not the student's.
3. Only when neither exists: the newest modification time of the files the
   grader reads (for a single file, its own), which copying can change.

The time and its source are recorded in the result when it is graded
(`SubmissionResult.submitted_at`, ``submitted_source``), so the late policy
can be applied again later (``grade report``) without the class folder.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from datetime import datetime, timezone, tzinfo
from enum import StrEnum
from pathlib import Path

from grader.adjust.table import parse_time, read_rows, row_student
from grader.discover import Submission

GIT_TIMEOUT = 10.0  # seconds for one `git log`


class TimeSource(StrEnum):
    SUBMITTED_CSV = "submitted.csv"
    GIT = "git"
    FILE_TIMES = "file times"


SOURCE_TEXT = {
    TimeSource.SUBMITTED_CSV: "the submission list (submitted.csv)",
    TimeSource.GIT: "the last commit of the student's git repository",
    TimeSource.FILE_TIMES: "the files' modification times (no submission list, no git history)",
}


def describe_source(source: str) -> str:
    return SOURCE_TEXT.get(source, source or "nowhere: no time was found") if source else "nowhere: no time was found"


def read_submitted(path: Path, zone: tzinfo | None, students: set[str] | None) -> dict[str, str]:
    """student -> ISO 8601 time from a ``student,time`` CSV. A line naming a student with no submission,
    a student named twice, or a time that cannot be read is an error naming the line."""
    times: dict[str, str] = {}
    lines: dict[str, str] = {}
    for row in read_rows(path, required=("student", "time")):
        student = row_student(row, students)
        if student in times:
            raise row.error(f"{student} already has a time ({lines[student]})")
        try:
            times[student] = parse_time(row.values["time"], zone).isoformat()
        except ValueError as problem:
            raise row.error(str(problem)) from None
        lines[student] = row.where
    return times


def git_time(folder: Path) -> datetime | None:
    """The committer time of the last commit of the repository at `folder` (None if there is none).

    The student controls that repository, so git runs without a shell, with a scrubbed environment,
    no system or global configuration, no pager, no signature checks, and a time limit."""
    folder = folder.resolve()
    git_dir = folder / ".git"
    if git_dir.is_symlink() or not git_dir.is_dir():
        return None
    git = shutil.which("git")
    if git is None:
        return None
    with tempfile.TemporaryDirectory(prefix="labgrade-git-") as home:
        # A folder owned by another user (the grader runs as root) is refused unless it is named
        # safe, which only a global configuration can do: ours, written for this one call.
        config = Path(home) / "gitconfig"
        config.write_text(f"[safe]\n\tdirectory = {folder}\n", encoding="utf-8")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "LC_ALL": "C",
               "GIT_DIR": str(git_dir), "GIT_WORK_TREE": str(folder), "GIT_CONFIG_NOSYSTEM": "1",
               "GIT_CONFIG_GLOBAL": str(config), "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}
        command = [git, "--no-pager", "-c", "log.showSignature=false", "-c", "core.fsmonitor=false",
                   "log", "-1", "--format=%cI"]
        try:
            done = subprocess.run(command, env=env, cwd=home, capture_output=True, text=True, timeout=GIT_TIMEOUT,
                                  stdin=subprocess.DEVNULL, check=False)
        except (OSError, subprocess.SubprocessError):
            return None
    try:
        return datetime.fromisoformat(done.stdout.strip()) if done.returncode == 0 and done.stdout.strip() else None
    except ValueError:
        return None


def newest_file_time(submission: Submission) -> datetime | None:
    """The newest modification time of the files the grader reads."""
    stamps = []
    for path in {*submission.files, *(part.path for part in submission.parts)}:
        try:
            stamps.append(path.stat().st_mtime)
        except OSError:
            continue
    return datetime.fromtimestamp(max(stamps), tz=timezone.utc) if stamps else None


def submission_time(submission: Submission, submitted: dict[str, str]) -> tuple[str, str]:
    """(ISO 8601 time, source) for one submission; ("", "") when nothing tells."""
    if submission.student in submitted:
        return submitted[submission.student], str(TimeSource.SUBMITTED_CSV)
    folder = submission.path if submission.path.is_dir() else None
    moment = git_time(folder) if folder is not None else None
    if moment is not None:
        return moment.isoformat(), str(TimeSource.GIT)
    moment = newest_file_time(submission)
    if moment is not None:
        return moment.isoformat(), str(TimeSource.FILE_TIMES)
    return "", ""
