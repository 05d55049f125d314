"""A course on disk: `rubrics/<lab>.toml` plus `reference/<module>.py` per lab.

Adding a lab means adding those two files; nothing in `grader/` names a lab.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from grader.errors import UnknownLabError
from grader.rubric import Rubric, load_rubric


@dataclass(frozen=True, kw_only=True)
class Lab:
    rubric: Rubric
    reference_path: Path
    rubric_path: Path

    @property
    def id(self) -> str:
        return self.rubric.lab


@dataclass(frozen=True, kw_only=True)
class Course:
    root: Path

    @property
    def rubrics_dir(self) -> Path:
        return self.root / "rubrics"

    def lab_ids(self) -> list[str]:
        return sorted(path.stem for path in self.rubrics_dir.glob("*.toml"))

    def load(self, lab_id: str) -> Lab:
        path = self.rubrics_dir / f"{lab_id}.toml"
        if not path.is_file():
            known = ", ".join(self.lab_ids()) or "none"
            raise UnknownLabError(f"unknown lab {lab_id!r} (labs in {self.rubrics_dir}: {known})")
        rubric = load_rubric(path)
        reference = self.root / "reference" / f"{rubric.reference}.py"
        if not reference.is_file():
            raise UnknownLabError(f"lab {lab_id!r}: reference solution {reference} is missing")
        return Lab(rubric=rubric, reference_path=reference, rubric_path=path)


def default_course(explicit: Path | None = None) -> Course:
    """The course folder: --course, else $LABGRADE_COURSE, else the current folder if it
    has rubrics/, else the folder this package was installed from (a checkout)."""
    candidates = [explicit, os.environ.get("LABGRADE_COURSE"), Path.cwd(), Path(__file__).resolve().parents[1]]
    for candidate in candidates:
        if candidate and (Path(candidate) / "rubrics").is_dir():
            return Course(root=Path(candidate).resolve())
    return Course(root=Path(explicit or Path.cwd()).resolve())
