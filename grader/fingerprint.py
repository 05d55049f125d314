"""A content hash that says whether a saved result still holds.

It covers everything a result depends on: the submission's files, the
rubric, the reference solution and the grader's version. A resumed run
skips every student whose saved result carries the same fingerprint.
"""
from __future__ import annotations

import hashlib
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


def fingerprint(lab: Lab, submission: Submission) -> str:
    digest = hashlib.sha256(f"labgrade {__version__}\0".encode())
    _feed(digest, "rubric", lab.rubric_path)
    _feed(digest, "reference", lab.reference_path)
    for path in sorted(set(submission.files) | {part.path for part in submission.parts}):
        _feed(digest, f"file {path.name}", path)
    return digest.hexdigest()
