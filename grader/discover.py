"""Finding the students of a class and the parts of each submission.

A lab folder holds one entry per student: a notebook, a module, or a folder.
A folder holds either one whole-lab notebook/module, or one script per
exercise (``q3.py``, ``Q3.py``, ``ex3.py``, ``question3.py``,
``q3_regression.py``, ``p1.py``, ``problem1.py``, ``aq1.py``,
``additional1.py`` …), or both: a script is judged for its exercise and the
whole-lab file for every exercise that has no script.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from grader.errors import SubmissionPathError

CODE_SUFFIXES = (".ipynb", ".py")
MAX_FOLDER_FILES = 200
MAX_FOLDER_BYTES = 50 * 1024**2

# Prefixes students use for an exercise number, mapped to the rubric's letter.
_PREFIXES = {
    "q": "Q", "question": "Q", "ex": "Q", "exercise": "Q", "qn": "Q",
    "p": "P", "problem": "P", "prob": "P",
    "aq": "AQ", "additional": "AQ", "additionalq": "AQ", "additionalquestion": "AQ",
    "task": "Q", "ques": "Q", "qs": "Q",
}
_EXERCISE_FILE = re.compile(r"^(?P<prefix>[a-z]+?)[ _\-.]*(?P<number>\d+)(?![0-9])", re.IGNORECASE)


@dataclass(frozen=True, kw_only=True)
class Part:
    """A file run in its own child process; `exercises` None means the whole lab."""

    name: str
    path: Path
    exercises: frozenset[str] | None = None

    def covers(self, exercise: str) -> bool:
        return self.exercises is None or exercise in self.exercises


@dataclass(frozen=True, kw_only=True)
class Submission:
    student: str
    lab: str
    path: Path
    parts: tuple[Part, ...]
    files: tuple[Path, ...]  # copied into each run's scratch folder
    notes: tuple[str, ...] = ()

    def part_for(self, exercise: str) -> Part | None:
        """The script dedicated to an exercise, else the (first) whole-lab file."""
        return (self.parts_for(exercise) or [None])[0]

    def parts_for(self, exercise: str) -> list[Part]:
        """The scripts dedicated to an exercise, else every whole-lab file."""
        dedicated = [p for p in self.parts if p.exercises is not None and exercise in p.exercises]
        return dedicated or [p for p in self.parts if p.exercises is None]


def exercise_of(filename: str, exercise_ids: tuple[str, ...]) -> str | None:
    """The exercise a script is named after (`q1_linear.py` → Q1), if any."""
    match = _EXERCISE_FILE.match(Path(filename).stem)
    if not match:
        return None
    letter = _PREFIXES.get(match["prefix"].lower())
    candidate = f"{letter}{int(match['number'])}" if letter else None
    return candidate if candidate in exercise_ids else None


def student_name(path: Path) -> str:
    return path.stem if path.is_file() else path.name


def _code_files(folder: Path) -> list[Path]:
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.is_symlink() and p.suffix in CODE_SUFFIXES)
    return [p for p in files if not p.name.startswith(".")]


def _folder_files(folder: Path) -> tuple[tuple[Path, ...], list[str]]:
    """Regular top-level files to copy into the scratch folder, within limits."""
    notes, files, total = [], [], 0
    for path in sorted(folder.iterdir()):
        if path.is_symlink() or not path.is_file() or path.name.startswith("."):
            if path.is_symlink():
                notes.append(f"{path.name} is a symbolic link and was ignored")
            continue
        total += path.stat().st_size
        if len(files) >= MAX_FOLDER_FILES or total > MAX_FOLDER_BYTES:
            notes.append(f"the folder is too large; {path.name} and later files were not copied")
            break
        files.append(path)
    return tuple(files), notes


def discover_submission(path: Path, lab: str, exercise_ids: tuple[str, ...]) -> Submission:
    """Describe one student's entry: a file, or a folder of files."""
    if path.is_file():
        return Submission(student=student_name(path), lab=lab, path=path,
                          parts=(Part(name=path.name, path=path),), files=(path,))
    files, notes = _folder_files(path)
    scripts, wholes = [], []
    for code in _code_files(path):
        exercise = exercise_of(code.name, exercise_ids)
        if exercise:
            scripts.append(Part(name=code.name, path=code, exercises=frozenset({exercise})))
        else:
            wholes.append(Part(name=code.name, path=code))
    if len(wholes) > 1 and scripts:
        # Helpers next to per-exercise scripts (utils.py) are imports, not answers.
        notes.append("not judged as a whole lab (the folder has per-exercise scripts): "
                     + ", ".join(p.name for p in wholes))
        wholes = []
    elif len(wholes) > 1:
        # Files named in no way the grader knows (task_a.py, part2.ipynb): each runs, and what each computes
        # decides which exercises it answers; a contract function is looked for in all of them, notebooks first.
        wholes.sort(key=lambda p: p.path.suffix != ".ipynb")
        notes.append("several files not named for an exercise (" + ", ".join(p.name for p in wholes)
                     + "): each is judged by what it computes")
    if not scripts and not wholes:
        notes.append(f"no notebook (.ipynb) or Python file (.py) found in {path.name}/")
    return Submission(student=student_name(path), lab=lab, path=path, parts=tuple(scripts + wholes),
                      files=files, notes=tuple(notes))


def discover_class(folder: Path, lab: str, exercise_ids: tuple[str, ...]) -> list[Submission]:
    """Every student entry in a lab folder, sorted by name; hidden and stray files skipped."""
    if not folder.is_dir():
        raise SubmissionPathError(f"{folder} is not a folder")
    entries = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith((".", "_")) or path.is_symlink():
            continue
        if path.is_dir() or path.suffix in CODE_SUFFIXES:
            entries.append(discover_submission(path, lab, exercise_ids))
    return entries
