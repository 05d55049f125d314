"""What a regrade changed: two output folders compared lab by lab, student by student, check by check.

    grade diff OLD_OUT NEW_OUT                 a table per lab, and NEW_OUT/<lab>/diff.csv
    grade submissions/ --out new/ --compare old/   the same, after grading

Both sides are read through grader.store only. Every student in either run is accounted for: a check
whose points (earned or possible) or status changed is listed with its points, its status and, when
it changed, its message before → after; a student only in one run is *added* or *removed*; a saved
result that cannot be read on either side is *unreadable*, never skipped. Students whose results are
the same are counted, not listed.

What is compared is the autograded result (`SubmissionResult.score`, each check's points as the
grader gave them): TA overrides and late penalties are not in it. The totals go through a `Basis`,
the one seam to change when final scores should be compared instead.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import pandas as pd
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from grader.errors import GraderError
from grader.report.files import write_atomic
from grader.report.terminal import fits, printable
from grader.results import CheckResult, SubmissionResult
from grader.store import lab_stores

CSV_NAME = "diff.csv"
MESSAGE_WIDTH = 72  # a changed message, shortened to one line in the terminal
CSV_MESSAGE_CHARS = 500  # … and in the CSV, where a cell may be wider
TOTAL = "(total)"  # the check column of a student's own row in the CSV


class Change(StrEnum):
    """How a student, or one of their checks, differs between the two runs."""

    CHANGED = "changed"
    ADDED = "added"  # only in the new run
    REMOVED = "removed"  # only in the old run
    UNREADABLE = "unreadable"  # a saved result on either side cannot be read (students only)


@dataclass(frozen=True, kw_only=True)
class Points:
    score: float
    max_score: float

    def __str__(self) -> str:
        return f"{_number(self.score)} / {_number(self.max_score)}"


@dataclass(frozen=True, kw_only=True)
class Basis:
    """Which total of a result is compared, and how the output names it. The seam for final scores:
    a basis whose `total` applies overrides and penalties compares what students will be given."""

    name: str
    total: Callable[[SubmissionResult], Points]


AUTOGRADED = Basis(name="autograded scores (as the checks gave them; no TA overrides or late penalties)",
                   total=lambda result: Points(score=result.score, max_score=result.max_score))


@dataclass(frozen=True, kw_only=True)
class CheckChange:
    """One check whose points or status differ (`before`/`after` is None where the run has no such check)."""

    check: str
    exercise: str
    change: Change
    before: Points | None
    after: Points | None
    status_before: str
    status_after: str
    message_before: str  # whitespace collapsed to one line, full length
    message_after: str

    @property
    def message_changed(self) -> bool:
        return self.message_before != self.message_after

    @property
    def delta(self) -> float:
        return (self.after.score if self.after else 0.0) - (self.before.score if self.before else 0.0)


@dataclass(frozen=True, kw_only=True)
class StudentChange:
    """One student listed in the diff, with their total on each side (None: not in that run, or unreadable)."""

    student: str
    change: Change
    before: Points | None
    after: Points | None
    checks: tuple[CheckChange, ...] = ()
    note: str = ""  # why a side is missing or unreadable

    @property
    def delta(self) -> float | None:
        return self.after.score - self.before.score if self.before and self.after else None


@dataclass(frozen=True, kw_only=True)
class LabDiff:
    lab: str
    old: Path  # <old out>/<lab>
    new: Path
    basis: str
    students: tuple[StudentChange, ...]  # every student that differs in any way, by name
    compared: int  # students graded and readable on both sides
    mean_before: Points | None  # over the students compared (readable on both sides), so the fix's effect alone
    mean_after: Points | None
    notes: tuple[str, ...] = ()  # differences between the runs themselves (seed, rubric or grader version)

    def of(self, change: Change) -> list[StudentChange]:
        return [student for student in self.students if student.change is change]

    @property
    def up(self) -> list[StudentChange]:
        return [student for student in self.of(Change.CHANGED) if student.delta > 0]

    @property
    def down(self) -> list[StudentChange]:
        return [student for student in self.of(Change.CHANGED) if student.delta < 0]


@dataclass(frozen=True, kw_only=True)
class Run:
    """The saved results of one output folder, lab by lab, read once."""

    out: Path
    labs: dict[str, list[SubmissionResult]]


@dataclass(frozen=True, kw_only=True)
class RegradeDiff:
    old: Path
    new: Path
    labs: tuple[LabDiff, ...]
    only_old: tuple[str, ...] = ()  # labs with results in one run only: named, not compared
    only_new: tuple[str, ...] = ()


def read_run(out: Path) -> Run:
    """Every lab's saved results under `out` (damaged files as ungraded stand-ins); GraderError if none."""
    if not out.is_dir():
        raise GraderError(f"{out} is not a folder")
    labs = {store.lab_out.name: store.read_all() for store in lab_stores(out)}
    if not labs:
        raise GraderError(f"{out} holds no graded lab (no <lab>/results/ folder)")
    return Run(out=out, labs=labs)


def compare_runs(old: Run, new: Run, *, labs: Iterable[str] | None = None, basis: Basis = AUTOGRADED) -> RegradeDiff:
    """The labs of both runs (or only `labs`), compared; a lab in one run only is named in `only_old`/`only_new`."""
    wanted = sorted(set(old.labs) | set(new.labs)) if labs is None else list(labs)
    both = [lab for lab in wanted if lab in old.labs and lab in new.labs]
    return RegradeDiff(
        old=old.out, new=new.out,
        labs=tuple(compare_lab(lab, old.labs[lab], new.labs[lab], old=old.out / lab, new=new.out / lab, basis=basis)
                   for lab in both),
        only_old=tuple(lab for lab in wanted if lab in old.labs and lab not in new.labs),
        only_new=tuple(lab for lab in wanted if lab in new.labs and lab not in old.labs))


def compare_lab(lab: str, before: Sequence[SubmissionResult], after: Sequence[SubmissionResult], *,
                old: Path, new: Path, basis: Basis = AUTOGRADED) -> LabDiff:
    """One lab's two runs, student by student."""
    olds = {result.student: result for result in before}
    news = {result.student: result for result in after}
    listed, compared = [], []
    for student in sorted(set(olds) | set(news)):
        was, now = olds.get(student), news.get(student)
        if was is None or now is None:
            kept = was or now
            listed.append(StudentChange(
                student=student, change=Change.ADDED if was is None else Change.REMOVED,
                before=basis.total(was) if was and was.graded else None,
                after=basis.total(now) if now and now.graded else None,
                note=(f"no result in {old}" if was is None else f"no result in {new}")
                + ("" if kept.graded else f"; its saved result cannot be read either: {kept.notes[0]}")))
        elif not (was.graded and now.graded):
            sides = [f"{side}: {result.notes[0]}" for side, result in (("before", was), ("after", now))
                     if not result.graded]
            listed.append(StudentChange(student=student, change=Change.UNREADABLE,
                                        before=basis.total(was) if was.graded else None,
                                        after=basis.total(now) if now.graded else None, note="; ".join(sides)))
        else:
            compared.append((was, now))
            checks = compare_checks(was, now)
            total_before, total_after = basis.total(was), basis.total(now)
            if checks or not (_same(total_before.score, total_after.score)
                              and _same(total_before.max_score, total_after.max_score)):
                listed.append(StudentChange(student=student, change=Change.CHANGED, before=total_before,
                                            after=total_after, checks=checks))
    return LabDiff(lab=lab, old=old, new=new, basis=basis.name, students=tuple(listed), compared=len(compared),
                   mean_before=_mean(basis, [was for was, _ in compared]),
                   mean_after=_mean(basis, [now for _, now in compared]), notes=_run_notes(before, after))


def compare_checks(before: SubmissionResult, after: SubmissionResult) -> tuple[CheckChange, ...]:
    """The checks whose points (earned or possible) or status differ, in the new run's order, then the
    checks the new run no longer has."""
    olds = {check.id: check for check in before.checks}
    news = {check.id: check for check in after.checks}
    changes = []
    for check_id in [*news, *(check_id for check_id in olds if check_id not in news)]:
        was, now = olds.get(check_id), news.get(check_id)
        if was and now and _same(was.score, now.score) and _same(was.max_score, now.max_score) \
                and was.status == now.status:
            continue
        either = now or was
        changes.append(CheckChange(
            check=check_id, exercise=either.exercise,
            change=Change.CHANGED if was and now else (Change.ADDED if now else Change.REMOVED),
            before=_points(was), after=_points(now),
            status_before=str(was.status) if was else "", status_after=str(now.status) if now else "",
            message_before=_one_line(was.message) if was else "", message_after=_one_line(now.message) if now else ""))
    return tuple(changes)


# ---------------------------------------------------------------- CSV

COLUMNS = ["lab", "student", "change", "check", "exercise", "points_before", "max_before", "points_after",
           "max_after", "delta", "status_before", "status_after", "message_before", "message_after"]


def diff_table(diffs: Iterable[LabDiff]) -> pd.DataFrame:
    """One row per listed student (check `(total)`: their totals, or why a side is missing), then one per
    changed check. Messages are filled in only where they changed."""
    rows = []
    for lab in diffs:
        for student in lab.students:
            rows.append({"lab": lab.lab, "student": _cell(student.student), "change": str(student.change),
                         "check": TOTAL, **_point_cells(student.before, student.after), "delta": student.delta,
                         "message_before": _cell(_short(student.note, CSV_MESSAGE_CHARS))})
            for check in student.checks:
                changed = check.message_changed
                rows.append({"lab": lab.lab, "student": _cell(student.student), "change": str(check.change),
                             "check": check.check, "exercise": check.exercise,
                             **_point_cells(check.before, check.after), "delta": check.delta,
                             "status_before": check.status_before, "status_after": check.status_after,
                             "message_before": _cell(_short(check.message_before, CSV_MESSAGE_CHARS)) if changed else "",
                             "message_after": _cell(_short(check.message_after, CSV_MESSAGE_CHARS)) if changed else ""})
    return pd.DataFrame(rows, columns=COLUMNS)


def write_csv(path: Path, diffs: Iterable[LabDiff]) -> Path:
    """Written even when nothing changed (the header alone), so an older diff never lingers beside a new run."""
    write_atomic(path, diff_table(diffs).to_csv(index=False))
    return path


# ---------------------------------------------------------------- terminal

def report(console: Console, regrade: RegradeDiff, *, csv: Path | None = None) -> list[Path]:
    """Write the CSV (`csv`, or NEW/<lab>/diff.csv per lab) and print the summary of every lab; the CSVs written."""
    if csv is not None:
        written = [write_csv(csv, regrade.labs)]
        paths = {lab.lab: csv for lab in regrade.labs}
    else:
        paths = {lab.lab: write_csv(lab.new / CSV_NAME, [lab]) for lab in regrade.labs}
        written = list(paths.values())
    for lab in regrade.labs:
        print_lab(console, lab, paths[lab.lab])
    for lab in regrade.only_old:
        _say(console, f"{lab}: only in {regrade.old}, not compared (no results in {regrade.new})", "yellow")
    for lab in regrade.only_new:
        _say(console, f"{lab}: only in {regrade.new}, not compared (no results in {regrade.old})", "yellow")
    return written


def print_lab(console: Console, lab: LabDiff, csv: Path) -> None:
    """The header, the changes (a table, or lines where no table fits without cutting a name), the summary."""
    _say(console, f"Regrade diff {lab.lab}: {lab.old} → {lab.new}", "bold")
    _say(console, f"Compared: {lab.basis}.")
    for note in lab.notes:
        _say(console, note, "yellow")
    if not lab.students:
        _say(console, f"{lab.lab}: no changes ({lab.compared} student(s) compared).", "green")
    else:
        table = diff_table_view(lab)
        if fits(console, table):
            console.print(table)
        else:
            console.print(diff_lines(lab), soft_wrap=True)
        _say(console, summary_line(lab))
    _say(console, f"Diff CSV: {csv}")


def diff_table_view(lab: LabDiff) -> Table:
    """Student, check, points before → after, Δ, status, message; a bold total row closes each student.

    Every column but the message is ``no_wrap`` and as wide as its longest cell (so that `fits` measures
    what the table needs): a table too wide for the terminal is printed as lines, never with a name cut.
    """
    rows = []
    for student in lab.students:
        first = Text(printable(student.student), style="bold")
        for check in student.checks:
            rows.append(([first, Text(check.check), Text(_arrow(check.before, check.after)), _delta(check.delta),
                          _status(check), _message(check)], False))
            first = Text("")
        rows.append(([first, Text("total", style="bold"), Text(_arrow(student.before, student.after), style="bold"),
                      _delta(student.delta), _student_status(student), Text(printable(student.note))], True))
    table = Table(box=box.SIMPLE_HEAD)
    for index, (header, justify) in enumerate([("student", "left"), ("check", "left"), ("points", "right"),
                                               ("Δ", "right"), ("status", "left")]):
        widest = max((cells[index].cell_len for cells, _ in rows), default=0)
        table.add_column(header, justify=justify, no_wrap=True, overflow="fold", min_width=max(widest, len(header)))
    table.add_column("message", overflow="fold", min_width=24)
    for cells, last in rows:
        table.add_row(*cells, end_section=last)
    return table


def diff_lines(lab: LabDiff) -> Text:
    """The changes where no table fits: a line per student, an indented line per check and changed message."""
    text = Text()
    for student in lab.students:
        text.append(printable(student.student), style="bold")
        if student.change is not Change.CHANGED:
            text.append("  ")
            text.append_text(_student_status(student))
        text.append(f"  total {_arrow(student.before, student.after)}  ")
        text.append_text(_delta(student.delta))
        if student.note:
            text.append(f"\n  {printable(student.note)}")
        for check in student.checks:
            text.append(f"\n  {check.check}  {_arrow(check.before, check.after)}  ")
            text.append_text(_delta(check.delta))
            text.append("  ")
            text.append_text(_status(check))
            if check.message_changed:
                text.append(f"\n    was: {_show(check.message_before)}\n    now: {_show(check.message_after)}")
        text.append("\n")
    text.rstrip()
    return text


def summary_line(lab: LabDiff) -> str:
    """Students changed (up / down / same total), points won and lost, the means, who was added or removed."""
    changed, up, down = lab.of(Change.CHANGED), lab.up, lab.down
    gained, lost = sum(s.delta for s in up), sum(s.delta for s in down)
    parts = [f"{len(changed)} of {lab.compared} student(s) changed: {len(up)} up ({_signed(gained)} points), "
             f"{len(down)} down ({_signed(lost)} points), {len(changed) - len(up) - len(down)} same total"]
    for change in (Change.ADDED, Change.REMOVED, Change.UNREADABLE):
        if lab.of(change):
            parts.append(f"{len(lab.of(change))} {change}")
    mean = f"Mean of the {lab.compared} compared: {lab.mean_before or '—'} → {lab.mean_after or '—'}."
    return f"{lab.lab}: " + "; ".join(parts) + f". {mean}"


# ---------------------------------------------------------------- helpers

def _say(console: Console, line: str, style: str = "") -> None:
    console.print(Text(line, style=style), soft_wrap=True)


def _number(value: float) -> str:
    return f"{round(value, 4):g}"


def _signed(value: float) -> str:
    return "0" if _same(value, 0.0) else f"{round(value, 4):+g}"


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=0.0, abs_tol=1e-9)


def _points(check: CheckResult | None) -> Points | None:
    return Points(score=check.score, max_score=check.max_score) if check else None


def _mean(basis: Basis, results: Sequence[SubmissionResult]) -> Points | None:
    totals = [basis.total(result) for result in results]
    if not totals:
        return None
    return Points(score=sum(t.score for t in totals) / len(totals),
                  max_score=sum(t.max_score for t in totals) / len(totals))


def _run_notes(before: Sequence[SubmissionResult], after: Sequence[SubmissionResult]) -> tuple[str, ...]:
    """What differs between the runs themselves: a different seed makes the random inputs differ too."""
    notes = []
    for what, field, why in (("seed", "seed", "random inputs differ too, so a change may come from the inputs"),
                             ("rubric version", "rubric_version", ""), ("grader version", "grader_version", "")):
        was = sorted({str(getattr(r, field)) for r in before if r.graded})
        now = sorted({str(getattr(r, field)) for r in after if r.graded})
        if was and now and was != now:
            notes.append(f"{what}: {', '.join(was)} → {', '.join(now)}" + (f" ({why})" if why else ""))
    return tuple(notes)


def _one_line(message: str) -> str:
    return " ".join(message.split())


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1].rstrip() + "…"


def _show(message: str) -> str:
    return printable(_short(message, MESSAGE_WIDTH)) if message else "—"


def _cell(text: str) -> str:
    """Keep spreadsheet programs from reading student-controlled text as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _point_cells(before: Points | None, after: Points | None) -> dict:
    return {"points_before": before.score if before else None, "max_before": before.max_score if before else None,
            "points_after": after.score if after else None, "max_after": after.max_score if after else None}


def _arrow(before: Points | None, after: Points | None) -> str:
    return f"{before or '—'} → {after or '—'}"


def _delta(delta: float | None) -> Text:
    if delta is None:
        return Text("")
    return Text(_signed(delta), style="green" if delta > 1e-9 else ("red" if delta < -1e-9 else ""))


def _status(check: CheckChange) -> Text:
    if check.status_before == check.status_after:
        return Text(check.status_after, style="dim")
    return Text(f"{check.status_before or '—'} → {check.status_after or '—'}")


def _student_status(student: StudentChange) -> Text:
    style = {Change.CHANGED: "", Change.ADDED: "cyan", Change.REMOVED: "yellow", Change.UNREADABLE: "red"}
    return Text("" if student.change is Change.CHANGED else str(student.change), style=style[student.change])


def _message(check: CheckChange) -> Text:
    if check.change is not Change.CHANGED:
        return Text(f"check {check.change}" + (f": {_show(check.message_after)}" if check.message_after else ""))
    if not check.message_changed:
        return Text("")
    return Text(f"was: {_show(check.message_before)}\nnow: {_show(check.message_after)}")
