"""Gradebook CSVs an LMS can import (Canvas, Moodle), matched against an optional roster.

A roster is a CSV that maps submission names to the students the LMS knows:

    submission,id,name,email,login,section
    ada_lovelace,20231001,Ada Lovelace,ada@uni.example,alovelace,L01

Only ``submission`` is required, plus at least one of ``id``, ``email`` or
``login`` to identify the student; names are matched ignoring case. ``id``
is the institution's student number (Canvas "SIS User ID", Moodle "ID
number"), ``login`` the user name (Canvas "SIS Login ID", Moodle "Username").

Nobody is dropped silently. A roster student with no result is *missing*:
their row is exported with an empty grade, which both LMSs leave unchanged. A
graded submission that is not on the roster is *unknown*: it cannot be
imported (an LMS rejects a row it cannot match), so it is left out of the
LMS files and listed, with the missing ones, in ``roster_check.csv`` and on
the lab's dashboard. Without a roster every graded submission is one row,
its name standing in for the login.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from grader.errors import GraderError
from grader.report.files import write_atomic
from grader.results import SubmissionResult

if TYPE_CHECKING:
    from grader.adjust import FinalGrade

ROSTER_COLUMNS = ("submission", "id", "name", "email", "login", "section")


@dataclass(frozen=True, kw_only=True)
class RosterEntry:
    submission: str
    id: str = ""
    name: str = ""
    email: str = ""
    login: str = ""
    section: str = ""


@dataclass(frozen=True, kw_only=True)
class GradeRow:
    student: RosterEntry
    score: float | None  # None: the student handed nothing in


@dataclass(frozen=True, kw_only=True)
class Matching:
    """Graded results lined up with a roster (or with themselves, when there is none)."""

    rows: tuple[GradeRow, ...]
    unknown: tuple[str, ...] = ()  # graded, not on the roster
    missing: tuple[RosterEntry, ...] = ()  # on the roster, nothing graded
    roster: Path | None = None


@dataclass(frozen=True, kw_only=True)
class Exports:
    files: dict[str, Path]  # what it is -> where it was written
    matching: Matching


def read_roster(path: Path) -> tuple[RosterEntry, ...]:
    """Parse a roster CSV; a malformed one is the grader's problem, reported in one line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise GraderError(f"roster {path}: cannot read it ({error})") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    if "submission" not in header or not {"id", "email", "login"} & set(header):
        raise GraderError(f"roster {path}: needs a `submission` column and one of `id`, `email`, `login` "
                          f"(found: {', '.join(header) or 'nothing'})")
    entries, seen = [], {}
    for line, row in enumerate(reader, start=2):
        values = {key: (row.get(raw) or "").strip()
                  for raw, key in zip(reader.fieldnames, header) if key in ROSTER_COLUMNS}
        if not any(values.values()):
            continue
        if not values.get("submission"):
            raise GraderError(f"roster {path}, line {line}: empty `submission`")
        key = values["submission"].casefold()
        if key in seen:
            raise GraderError(f"roster {path}, line {line}: {values['submission']!r} is already on line {seen[key]}")
        seen[key] = line
        entries.append(RosterEntry(**values))
    return tuple(entries)


def _exported(result: SubmissionResult, final: "FinalGrade | None") -> float | None:
    """The grade to export: the final score, else the autograded one; empty (not 0) for a result that has no
    score of the student's (ungraded, or ungradable without a TA's override)."""
    if not result.graded or (not result.scored and not (final and final.overrides)):
        return None
    return final.final if final is not None else result.score


def match(results: list[SubmissionResult], roster: tuple[RosterEntry, ...] | None,
          roster_path: Path | None = None, finals: "dict[str, FinalGrade] | None" = None) -> Matching:
    """Line results up with the roster: roster order, with the missing and the unknown named.

    The grade is the final score (grader.adjust) where `finals` has one, else the autograded score."""
    finals = finals or {}
    scores = {r.student: _exported(r, finals.get(r.student)) for r in results}
    if roster is None:
        return Matching(rows=tuple(GradeRow(student=RosterEntry(submission=s, login=s), score=scores[s])
                                   for s in sorted(scores)))
    by_key = {student.casefold(): student for student in scores}
    rows, missing, matched = [], [], set()
    for entry in roster:
        student = by_key.get(entry.submission.casefold())
        if student is None:
            missing.append(entry)
            rows.append(GradeRow(student=entry, score=None))
        else:
            matched.add(student)
            rows.append(GradeRow(student=entry, score=scores[student]))
    unknown = tuple(sorted(s for s in scores if s not in matched))
    return Matching(rows=tuple(rows), unknown=unknown, missing=tuple(missing), roster=roster_path)


def _cell(text: str) -> str:
    """Keep spreadsheet programs from reading a name as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _grade(score: float | None) -> str:
    return "" if score is None else f"{score:g}"


def _csv(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[_cell(value) for value in row] for row in rows])
    return buffer.getvalue()


def canvas_csv(matching: Matching, *, assignment: str, max_score: float) -> str:
    """Canvas's gradebook import form: five identity columns, then one column per assignment."""
    header = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", assignment]
    points = ["Points Possible", "", "", "", "", f"{max_score:g}"]
    rows = [[s.name or s.submission, "", s.id, s.login, s.section, _grade(row.score)]
            for row in matching.rows for s in [row.student]]
    return _csv(header, [points, *rows])


def moodle_csv(matching: Matching, *, assignment: str) -> str:
    """A CSV for Moodle's grade import: map one identity column to the user, the last to the grade item."""
    header = ["ID number", "Username", "Email address", "Full name", assignment]
    rows = [[s.id, s.login, s.email, s.name or s.submission, _grade(row.score)]
            for row in matching.rows for s in [row.student]]
    return _csv(header, rows)


def roster_check_csv(matching: Matching) -> str:
    """Everyone who did not line up: `submission,problem`."""
    rows = [[name, "graded but not on the roster: not exported"] for name in matching.unknown]
    rows += [[entry.submission, "on the roster but no submission: exported with an empty grade"]
             for entry in matching.missing]
    return _csv(["submission", "problem"], rows)


def write_exports(lab_out: Path, results: list[SubmissionResult], *, assignment: str,
                  roster: Path | None = None, finals: "dict[str, FinalGrade] | None" = None) -> Exports:
    """Write canvas.csv and moodle.csv (and roster_check.csv when there is a roster) into `lab_out`;
    the grade exported is the final score where `finals` (grader.adjust) has one."""
    entries = read_roster(roster) if roster is not None else None
    matching = match(results, entries, roster, finals)
    max_score = max((r.max_score for r in results), default=0.0)
    files = {"Canvas gradebook import": lab_out / "canvas.csv", "Moodle grade import": lab_out / "moodle.csv"}
    write_atomic(files["Canvas gradebook import"], canvas_csv(matching, assignment=assignment, max_score=max_score))
    write_atomic(files["Moodle grade import"], moodle_csv(matching, assignment=assignment))
    check = lab_out / "roster_check.csv"
    if roster is not None:
        write_atomic(check, roster_check_csv(matching))
        files["students not on the roster, or on it without a submission"] = check
    else:
        check.unlink(missing_ok=True)  # a stale check from an earlier run with a roster would mislead
    return Exports(files=files, matching=matching)
