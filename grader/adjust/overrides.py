"""TA overrides: ``overrides.csv``, one adjustment of the autograded score per line.

    student,item,points,comment,by
    ada_lovelace,Q2,+2,"derivation on paper, accepted",TA Kim
    ben_okafor,Q2.manual,=1,half credit: the formula is right,TA Kim
    chen_wei,,-1.5,plotted the wrong curve,Prof. Roy
    chen_wei,total,=30,regraded by hand,Prof. Roy

* ``item`` is an exercise id (``Q2``), a check id (``Q2.manual``), or empty or
  ``total`` for the whole score; ids and students are matched ignoring case.
* ``points`` is a change (``+2``, ``-1.5``) or a new value (``=4``, at least 0).
  A bare number is an error: ``4`` could mean either.
* ``comment`` and ``by`` are required: every adjustment says why and who,
  and both are shown to the student.
* An optional ``lab`` column limits a line to one lab (for one file used with
  ``--overrides`` while grading several labs); without it a line applies to
  every lab the file is used for.
* Empty lines and lines starting with ``#`` are comments.

A line naming an unknown student or item, or with points that cannot be read,
is an error naming the file and the line: nothing is applied until the whole
file is right. How lines are applied (order, limits) is `grader.adjust.final`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from grader.adjust.table import read_rows, resolve_student
from grader.errors import GraderError

TOTAL = ""  # the item of a line about the whole score
COLUMNS = ("student", "item", "points", "comment", "by")


@dataclass(frozen=True, kw_only=True)
class Override:
    """One line of overrides.csv, checked and with its names made the grader's own."""

    student: str
    item: str  # TOTAL, an exercise id or a check id
    set_to: bool  # True: `=value`; False: a change by `value`
    value: float
    written: str  # the points as the line wrote them
    comment: str
    by: str
    where: str  # the file and line


def parse_points(text: str) -> tuple[bool, float]:
    """(set_to, value) from ``+2``, ``-1.5`` or ``=4``; ValueError with the reason otherwise."""
    text = text.strip().replace("\u2212", "-")  # a typographic minus, as spreadsheets write it
    if text[:1] == "=":
        value = _number(text[1:])
        if value < 0:
            raise ValueError(f"bad points {text!r}: a new value is at least 0")
        return True, value
    if text[:1] in "+-" and text[1:].strip():
        return False, _number(text)
    raise ValueError(f"bad points {text!r}: write +2 or -1.5 to change the score, =4 to set it")


def _number(text: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise ValueError(f"bad points {text!r}: not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"bad points {text!r}: not a finite number")
    return value


def read_overrides(path: Path, *, lab: str, students: set[str], items: set[str]) -> tuple[Override, ...]:
    """The lines of `path` that apply to `lab`, each checked against the lab's students and items
    (exercise and check ids); the first problem is a GraderError naming its line."""
    rows = read_rows(path, required=COLUMNS, optional=("lab",))
    by_fold = {item.casefold(): item for item in items}
    overrides = []
    for row in rows:
        values = row.values
        if values.get("lab") and values["lab"].casefold() != lab.casefold():
            continue
        name = values["student"]
        student = resolve_student(name, students)
        if not name:
            raise row.error("empty `student`")
        if student is None:
            hint = " (add a `lab` column when one file serves several labs)" if "lab" not in values else ""
            raise row.error(f"no graded submission of {lab} is called {name!r}{hint}")
        written = values["item"]
        item = TOTAL if written.casefold() in ("", "total") else by_fold.get(written.casefold())
        if item is None:
            raise row.error(f"{lab} has no exercise or check {written!r} (an exercise such as "
                            f"{_examples(items)}, a check id, or empty for the total)")
        try:
            set_to, value = parse_points(values["points"])
        except ValueError as problem:
            raise row.error(str(problem)) from None
        for column in ("comment", "by"):
            if not values[column]:
                raise row.error(f"empty `{column}`: every override says why and who made it")
        overrides.append(Override(student=student, item=item, set_to=set_to, value=value,
                                  written=values["points"].strip(), comment=values["comment"], by=values["by"],
                                  where=row.where))
    return tuple(overrides)


def _examples(items: set[str]) -> str:
    exercises = sorted(item for item in items if "." not in item)
    return ", ".join(exercises[:3]) or "Q1"


def check_against(overrides: tuple[Override, ...], present: dict[str, set[str]]) -> None:
    """Every override names an item that its student's result has (`present`: student -> items):
    a rubric changed since a student was graded would otherwise drop a line silently."""
    for override in overrides:
        items = present.get(override.student)
        if items is not None and override.item != TOTAL and override.item not in items:
            raise GraderError(f"{override.where}: the saved result of {override.student} has no "
                              f"{override.item!r} (graded with another rubric?); grade them again or fix the line")
