"""Reading the small CSV files an instructor keeps beside a lab's results (overrides, extensions, times).

Every problem is a `GraderError` naming the file and the line, so that nothing
in such a file is applied, or left out, silently.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path

from grader.errors import GraderError


@dataclass(frozen=True, kw_only=True)
class Row:
    """One line of a table: its values by column, and where it is (for messages)."""

    file: Path
    line: int
    values: dict[str, str]

    @property
    def where(self) -> str:
        return f"{self.file}, line {self.line}"

    def error(self, problem: str) -> GraderError:
        return GraderError(f"{self.where}: {problem}")


def read_rows(path: Path, *, required: tuple[str, ...], optional: tuple[str, ...] = (),
              one_of: tuple[str, ...] = ()) -> list[Row]:
    """The non-empty lines of a CSV whose header has every `required` column (and at least one of `one_of`).

    Column names are matched ignoring case and spaces; an unknown column is an error (a misspelt
    `coment` would otherwise be dropped). Lines that are empty, or whose first cell starts with ``#``,
    are skipped: they are comments."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise GraderError(f"{path}: cannot read it ({error})") from None
    reader = csv.reader(io.StringIO(text))
    header = [name.strip().lower() for name in next(reader, [])]
    known = (*required, *optional, *one_of)
    missing = [name for name in required if name not in header]
    if missing or (one_of and not set(one_of) & set(header)):
        wanted = ",".join(required) + (f" and one of {', '.join(one_of)}" if one_of else "")
        raise GraderError(f"{path}, line 1: the header must name {wanted} (found: {','.join(header) or 'nothing'})")
    unknown = [name for name in header if name not in known]
    if unknown:
        raise GraderError(f"{path}, line 1: unknown column(s) {', '.join(unknown)} (known: {', '.join(known)})")
    rows = []
    for line, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells) or cells[0].lstrip().startswith("#"):
            continue
        if len(cells) > len(header):
            raise GraderError(f"{path}, line {line}: {len(cells)} cells for {len(header)} columns "
                              "(quote a comment that holds a comma)")
        values = {name: (cells[index].strip() if index < len(cells) else "") for index, name in enumerate(header)}
        rows.append(Row(file=path, line=line, values=values))
    return rows


def parse_time(text: str, zone: tzinfo | None) -> datetime:
    """An ISO 8601 time (``2026-12-08T23:59:00+01:00``, ``…Z``, or without an offset in `zone`).

    Raises ValueError, worded for the person who wrote the time."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a date and time like 2026-12-08T23:59:00 or 2026-12-08T23:59:00+01:00")
    if moment.tzinfo is None:
        if zone is None:
            raise ValueError(f"{text!r} has no time zone: add one (2026-12-08T23:59:00+01:00, or …Z for UTC), "
                             "or set the rubric's [deadline] timezone")
        moment = moment.replace(tzinfo=zone)
    return moment


def resolve_student(name: str, students: set[str]) -> str | None:
    """The student a line means: the exact name, else the only one equal ignoring case."""
    if name in students:
        return name
    matches = [student for student in students if student.casefold() == name.casefold()]
    return matches[0] if len(matches) == 1 else None


def row_student(row, students: set[str] | None) -> str:
    """The student a CSV row names (resolved as `resolve_student` does when `students` is known), or the
    row's error for an empty or unknown name."""
    name = row.values["student"]
    student = resolve_student(name, students) if students is not None else name
    if not name or student is None:
        raise row.error(f"no submission is called {name!r}" if name else "empty `student`")
    return student
