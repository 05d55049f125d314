"""The terminal side of a run: a progress bar while grading, a summary table after."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from grader.report.lms import Exports
from grader.results import SubmissionResult
from grader.rubric import Rubric


def printable(text: str) -> str:
    """Student-controlled text (file names) without control characters or escapes."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


@contextmanager
def progress_bar(console: Console, label: str, total: int):
    """A progress bar on stderr; yields a callback to call once per finished student."""
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(label, total=total)
        yield lambda result: progress.advance(task)


def _score_cell(score: float, maximum: float) -> Text:
    style = "green" if maximum and score >= maximum else ("red" if score == 0 else "yellow")
    return Text(f"{score:g}", style=style)


def summary_table(rubric: Rubric, results: list[SubmissionResult]) -> Table:
    table = Table(title=f"{rubric.title} ({rubric.lab})", title_justify="left")
    table.add_column("student")
    table.add_column("total", justify="right")
    for exercise in rubric.exercise_ids():
        table.add_column(exercise, justify="right")
    table.add_column("flags")
    for result in results:
        total = Text(f"{result.score:g} / {result.max_score:g}", style="bold")
        cells = [_score_cell(*result.exercises[e]) for e in rubric.exercise_ids()]
        table.add_row(Text(printable(result.student)), total, *cells, Text(", ".join(result.flags), style="magenta"))
    return table


def print_summary(console: Console, rubric: Rubric, results: list[SubmissionResult], lab_out: Path) -> None:
    console.print(summary_table(rubric, results))
    for result in results:
        for reason in result.review:
            console.print(Text(f"Needs review: {printable(result.student)} {printable(reason)}", style="magenta"),
                          soft_wrap=True)
    console.print(Text(f"Gradebook: {lab_out / 'grades.csv'}   Results: {lab_out / 'results'}/"), soft_wrap=True)


def print_ungraded(console: Console, saved: list[SubmissionResult]) -> None:
    """Every student whose saved result cannot be read, by name: they stay in the gradebook, ungraded."""
    for result in saved:
        if not result.graded:
            console.print(Text(f"Ungraded: {printable(result.student)}: {printable(result.notes[0])}", style="red"),
                          soft_wrap=True)


def _names(names: list[str], shown: int = 8) -> str:
    listed = ", ".join(printable(name) for name in names[:shown])
    return listed + (f" and {len(names) - shown} more" if len(names) > shown else "")


def print_roster_check(console: Console, exports: Exports, lab_out: Path) -> None:
    """Who did not line up with the roster, said where the instructor is looking (nothing without a roster)."""
    matching = exports.matching
    if matching.roster is None:
        return
    if not matching.unknown and not matching.missing:
        console.print(Text(f"Roster: every one of {len(matching.rows)} student(s) matched a result.", style="green"))
        return
    if matching.unknown:
        console.print(Text(f"Roster: {len(matching.unknown)} graded submission(s) not on the roster, left out of "
                           f"the Canvas/Moodle files: {_names(list(matching.unknown))}", style="yellow"),
                      soft_wrap=True)
    if matching.missing:
        console.print(Text(f"Roster: {len(matching.missing)} student(s) with no submission, exported with an empty "
                           f"grade: {_names([entry.submission for entry in matching.missing])}", style="yellow"),
                      soft_wrap=True)
    console.print(Text(f"Details: {lab_out / 'roster_check.csv'}"), soft_wrap=True)
