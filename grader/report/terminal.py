"""The terminal side of a run: a progress bar while grading, a summary table after."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from grader.adjust import FinalGrade, Policy
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


def _adjusted(finals: dict[str, FinalGrade] | None) -> dict[str, FinalGrade]:
    """The finals worth a column: those of a lab where any student's differs from the autograded score
    or there is a deadline; {} otherwise."""
    finals = finals or {}
    return finals if any(final.graded and final.adjusted for final in finals.values()) else {}


def _final_text(final: FinalGrade | None) -> Text:
    if final is None or not final.graded:
        return Text("")
    return Text(f"{final.final:g}", style="bold" if final.final == final.autograded else "bold cyan")


def summary_table(rubric: Rubric, results: list[SubmissionResult], *, compact: bool = False,
                  finals: dict[str, FinalGrade] | None = None) -> Table:
    """Students × exercises. Names never wrap or shorten; `compact` drops the borders and the flags column.

    Every column but the flags is ``no_wrap``, and the student column is as wide as the longest name, so
    a table too wide for the terminal is not squeezed into ``dana_iv…``: `print_summary` prints the compact
    table instead, with the flags listed under it.
    """
    table = Table(title=f"{rubric.title} ({rubric.lab})", title_justify="left")
    if compact:
        table = Table(title=table.title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False,
                      pad_edge=False, padding=(0, 0, 0, 1))
    names = [printable(result.student) for result in results]
    table.add_column("student", no_wrap=True, overflow="fold", min_width=max(map(len, names), default=0))
    table.add_column("total", justify="right", no_wrap=True)
    finals = _adjusted(finals)
    if finals:
        table.add_column("final", justify="right", no_wrap=True)
    for exercise in rubric.exercise_ids():
        table.add_column(exercise, justify="right", no_wrap=True)
    if not compact:
        table.add_column("flags", overflow="fold")
    for name, result in zip(names, results):
        total = Text(f"{result.score:g} / {result.max_score:g}", style="bold")
        final = [_final_text(finals.get(result.student))] if finals else []
        cells = [_score_cell(*result.exercises[e]) for e in rubric.exercise_ids()]
        flags = [Text(", ".join(result.flags), style="magenta")] if not compact else []
        table.add_row(Text(name), total, *final, *cells, *flags)
    return table


def fits(console: Console, table: Table) -> bool:
    """Whether the table fits the console without shortening a no_wrap cell."""
    unbounded = console.options.update_width(1_000_000)  # measured as if any width would do
    return Measurement.get(console, unbounded, table).minimum <= console.width


def summary_lines(rubric: Rubric, results: list[SubmissionResult], width: int,
                  finals: dict[str, FinalGrade] | None = None) -> Text:
    """The summary where no table fits: a line per student (name, total, flags), the exercises under it."""
    text = Text(f"{rubric.title} ({rubric.lab})\n", style="italic")
    finals = _adjusted(finals)
    for result in results:
        text.append(printable(result.student), style="bold")
        text.append(f"  {result.score:g} / {result.max_score:g}")
        if result.student in finals and finals[result.student].graded:
            text.append(f"  final {finals[result.student].final:g}")
        if result.flags:
            text.append(f"\n  flags: {', '.join(result.flags)}", style="magenta")
        column = width  # start a new line before the first exercise
        for exercise in rubric.exercise_ids():
            cell = _score_cell(*result.exercises[exercise])
            piece = len(exercise) + 1 + len(cell.plain)
            if column + 3 + piece > width:  # an exercise and its score are never split
                text.append("\n  ")
                column = 2
            else:
                text.append(" · ")
                column += 3
            text.append(f"{exercise} ")
            text.append_text(cell)
            column += piece
        text.append("\n")
    text.rstrip()
    return text


def print_summary(console: Console, rubric: Rubric, results: list[SubmissionResult], lab_out: Path,
                  finals: dict[str, FinalGrade] | None = None) -> None:
    """The summary table; narrower when the terminal is (never by shortening a student's name).

    With `finals` (grader.adjust) that change anything, a "final" column follows the total."""
    table = summary_table(rubric, results, finals=finals)
    compact = summary_table(rubric, results, compact=True, finals=finals)
    if fits(console, table):
        console.print(table)
    elif fits(console, compact):  # no borders, and the flags under the table, one line per flagged student
        console.print(compact)
        for result in results:
            if result.flags:
                console.print(Text(f"Flags: {printable(result.student)}: {', '.join(result.flags)}", style="magenta"),
                              soft_wrap=True)
    else:
        console.print(summary_lines(rubric, results, console.width, finals), soft_wrap=True)
    for result in results:
        for reason in result.review:
            console.print(Text(f"Needs review: {printable(result.student)} {printable(reason)}", style="magenta"),
                          soft_wrap=True)
    console.print(Text(f"Gradebook: {lab_out / 'grades.csv'}   Results: {lab_out / 'results'}/"), soft_wrap=True)


def print_policy(console: Console, lab: str, policy: Policy, finals: dict[str, FinalGrade]) -> None:
    """What turned autograded scores into final ones, in a few lines (nothing when nothing did)."""
    lines = policy.describe()
    if not lines:
        return
    console.print(Text(f"{lab}: " + "; ".join(lines)), soft_wrap=True)
    late = [f for f in finals.values() if f.lateness is not None and f.penalty]
    unknown = [f.student for f in finals.values() if f.lateness is not None and f.lateness.status == "unknown"]
    if late:
        console.print(Text(f"Late: {len(late)} student(s) penalised: {_names([f.student for f in late])}",
                           style="yellow"), soft_wrap=True)
    if unknown:
        console.print(Text(f"Late: no submission time for {_names(unknown)} (no penalty applied)", style="yellow"),
                      soft_wrap=True)


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
