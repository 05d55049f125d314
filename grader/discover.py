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
# A word and the number after it (`q1`, `ex_4`, `question 2`); a file name may hold several (`lab2_q1`).
_NUMBERED = re.compile(r"([a-z]+)[ _\-.]*(\d+)(?![0-9])")
_BARE_NUMBER = re.compile(r"^(\d+)(?![0-9])")  # `1.py`, `2b.py`: the number alone names a question
_IMPORTS = re.compile(r"\bfrom\s+([A-Za-z_]\w*)\s+import\b|\bimport\s+([A-Za-z_][\w \t,]*)")


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


def exercise_prefixes() -> dict[str, str]:
    """The words students put before an exercise's number, mapped to the rubric's letter."""
    return dict(_PREFIXES)


def exercise_of(filename: str, exercise_ids: tuple[str, ...]) -> str | None:
    """The exercise a script is named after, if any: `q1_linear.py` → Q1, `lab2_q3.py` → Q3 (the first word the
    course uses for an exercise, with its number), `4.py` → Q4. Only a prior: what the code computes decides."""
    stem = Path(filename).stem.lower()
    for word, number in _NUMBERED.findall(stem):
        letter = _PREFIXES.get(word)
        if letter:
            candidate = f"{letter}{int(number)}"
            if candidate in exercise_ids:
                return candidate
    bare = _BARE_NUMBER.match(stem)
    if bare:
        candidate = f"{_PREFIXES['q']}{int(bare[1])}"
        return candidate if candidate in exercise_ids else None
    return None


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
    helpers = [p for p in wholes if p.path.stem in _imported(scripts + wholes)] if len(scripts + wholes) > 1 else []
    if helpers:
        # A module the other files import (`from data import x, y`, utils.py) is a helper, not an answer.
        notes.append("imported by the other files, so not judged on its own: " + ", ".join(p.name for p in helpers))
        wholes = [p for p in wholes if p not in helpers]
    if len(wholes) > 1:
        # Files named in no way the grader knows (task_a.py, part2.ipynb, demo.py): each runs, and what each computes
        # decides which exercises it answers; a contract function is looked for in all of them, notebooks first.
        wholes.sort(key=lambda p: p.path.suffix != ".ipynb")
        notes.append("several files not named for an exercise (" + ", ".join(p.name for p in wholes)
                     + "): each is judged by what it computes")
    if not scripts and not wholes:
        notes.append(f"no notebook (.ipynb) or Python file (.py) found in {path.name}/")
    return Submission(student=student_name(path), lab=lab, path=path, parts=tuple(scripts + wholes),
                      files=files, notes=tuple(notes))


def _imported(parts: list[Part]) -> set[str]:
    """The module names the files import (read as text: a file that does not parse still names its imports)."""
    names: set[str] = set()
    for part in parts:
        try:
            text = part.path.read_text(errors="replace")
        except OSError:
            continue
        for source, listed in _IMPORTS.findall(text):
            names.add(source)
            names.update(item.split()[0] for item in listed.split(",") if item.split())
    return names


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
