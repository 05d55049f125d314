"""A content hash that says whether a saved result still holds.

It covers everything a result depends on: the submission's files, the
rubric, the reference solution and the grader's version. A resumed run
skips every student whose saved result carries the same fingerprint.

The rubric's ``[deadline]`` table is left out: the late policy is applied
when results are rendered (grader.adjust), so moving a due date must not make
`grade --resume` run every submission again.
"""
from __future__ import annotations

import functools
import hashlib
import json
import tomllib
from pathlib import Path

from grader import __version__
from grader.discover import Submission
from grader.lab import Lab


def _feed(digest, label: str, path: Path) -> None:
    digest.update(label.encode() + b"\0")
    try:
        digest.update(path.read_bytes())
    except OSError as error:  # an unreadable file changes the hash rather than crashing
        digest.update(f"unreadable: {error}".encode())
    digest.update(b"\0")


RENDER_TIME_TABLES = ("deadline",)  # rubric tables no grading depends on


def _feed_rubric(digest, path: Path) -> None:
    """The rubric as parsed, without the tables only rendering reads (its raw bytes if it cannot be parsed)."""
    try:
        stat = path.stat()
        digest.update(_rubric_bytes(str(path), stat.st_mtime_ns, stat.st_size))
    except (OSError, ValueError):
        _feed(digest, "rubric", path)


@functools.lru_cache(maxsize=16)
def _rubric_bytes(path: str, mtime_ns: int, size: int) -> bytes:
    """What a rubric adds to every fingerprint, computed once per version of the file (parsing TOML for
    each of a class's submissions cost ten milliseconds apiece)."""
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    for table in RENDER_TIME_TABLES:
        data.pop(table, None)
    return b"rubric\0" + json.dumps(data, sort_keys=True, default=str).encode() + b"\0"


def fingerprint(lab: Lab, submission: Submission) -> str:
    digest = hashlib.sha256(f"labgrade {__version__}\0".encode())
    _feed_rubric(digest, lab.rubric_path)
    _feed(digest, "reference", lab.reference_path)
    for path in sorted(set(submission.files) | {part.path for part in submission.parts}):
        _feed(digest, f"file {path.name}", path)
    return digest.hexdigest()
