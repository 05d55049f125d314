"""What travels to a worker that shares no filesystem with the grader: plain data, never pickle of our objects.

A lab travels as its rubric and reference files, a submission as its files
relative to its class folder plus what discovery decided about them (which
file answers which exercises). The worker writes both into a staging folder
of its own and grades from there (grader.execute.worker), so discovery,
fingerprints and submission times stay the grader's, decided once, here.
"""
from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from grader.discover import Part, Submission
from grader.lab import Course, Lab


@dataclass(frozen=True, kw_only=True)
class ShippedLab:
    """A lab's rubric and reference solution as bytes, with a digest that names this exact version."""

    lab: str
    rubric: bytes
    reference_name: str
    reference: bytes

    @functools.cached_property  # a worker asks for it twice per task; frozen dataclasses allow this cache
    def digest(self) -> str:
        digest = hashlib.sha256(self.lab.encode() + b"\0" + self.rubric + b"\0")
        digest.update(self.reference_name.encode() + b"\0" + self.reference)
        return digest.hexdigest()[:16]


def ship_lab(lab: Lab) -> ShippedLab:
    return ShippedLab(lab=lab.id, rubric=lab.rubric_path.read_bytes(), reference_name=lab.reference_path.name,
                      reference=lab.reference_path.read_bytes())


def land_lab(shipped: ShippedLab, folder: Path) -> Lab:
    """The lab written into `folder` as a course of its own (rubrics/ and reference/), and loaded from it."""
    (folder / "rubrics").mkdir(parents=True, exist_ok=True)
    (folder / "reference").mkdir(parents=True, exist_ok=True)
    _write_once(folder / "rubrics" / f"{shipped.lab}.toml", shipped.rubric)
    _write_once(folder / "reference" / shipped.reference_name, shipped.reference)
    return Course(root=folder).load(shipped.lab)


@dataclass(frozen=True, kw_only=True)
class ShippedSubmission:
    """One submission's files, relative to the folder holding it, and the parts discovery found."""

    student: str
    lab: str
    entry: str  # the submission's own name in its class folder (a file or a folder)
    files: dict[str, bytes]  # relative path -> content, every file a run copies or reads
    parts: tuple[tuple[str, str, tuple[str, ...] | None], ...]  # (name, relative path, exercises or None)
    notes: tuple[str, ...]


def ship_submission(submission: Submission) -> ShippedSubmission:
    base = submission.path.parent
    paths = dict.fromkeys([*submission.files, *(part.path for part in submission.parts)])
    return ShippedSubmission(
        student=submission.student, lab=submission.lab, entry=submission.path.name,
        files={_relative(path, base): path.read_bytes() for path in paths if path.is_file()},
        parts=tuple((part.name, _relative(part.path, base),
                     None if part.exercises is None else tuple(sorted(part.exercises))) for part in submission.parts),
        notes=submission.notes)


def land_submission(shipped: ShippedSubmission, folder: Path) -> Submission:
    """The submission written under `folder`, as discovery described it, with paths into `folder`."""
    for relative, content in shipped.files.items():
        target = _inside(folder, relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    parts = tuple(Part(name=name, path=_inside(folder, relative),
                       exercises=None if exercises is None else frozenset(exercises))
                  for name, relative, exercises in shipped.parts)
    return Submission(student=shipped.student, lab=shipped.lab, path=_inside(folder, shipped.entry), parts=parts,
                      files=tuple(_inside(folder, relative) for relative in shipped.files), notes=shipped.notes)


def _relative(path: Path, base: Path) -> str:
    return path.resolve().relative_to(base.resolve()).as_posix()


def _inside(folder: Path, relative: str) -> Path:
    """`folder/relative`, refusing a path that would leave `folder` (the grader wrote it, but a worker checks)."""
    target = (folder / relative).resolve()
    if not target.is_relative_to(folder.resolve()):
        raise ValueError(f"shipped path {relative!r} leaves its staging folder")
    return target


def _write_once(path: Path, content: bytes) -> None:
    """Write through a temporary name, so that two tasks landing the same lab at once never see half a file."""
    if path.is_file() and path.read_bytes() == content:
        return
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{id(content)}")
    temporary.write_bytes(content)
    os.replace(temporary, path)
