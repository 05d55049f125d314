"""`grade check` and `grade kit`: the commands of the students' side.

    grade check [PATH] [--lab L] [--all] [--fail-under PERCENT] [--ci] [--kit DIR] [--out DIR]
    grade kit LAB --out DIR [--wheel WHEEL]

`grade check` runs a submission's *visible* checks through the same sandboxed
launcher and judge as `grade`, prints what is left to do — the checks that did
not pass, grouped by exercise, each with its message and hint, then one line
naming the checks to fix (``--all``: a table of every check) — and writes the
student's HTML report. Expected values come from a kit (``--kit``, or a
``.labgrade/`` folder next to or above PATH or the current folder) or, in a
course checkout, from the reference solution, with the same fixed seed the
kit's values were computed with. Exit status: 0 unless ``--fail-under`` is
not met (1); 2 when the self-check itself cannot run.
"""
from __future__ import annotations

import argparse
import os
import sys
import textwrap
from dataclasses import dataclass, replace
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from grader.discover import discover_submission
from grader.errors import GraderError
from grader.grade import RunSettings, grade_submission
from grader.lab import Course, Lab, default_course
from grader.reference import Expectations, ReferenceSolution
from grader.report import html
from grader.report.terminal import printable
from grader.results import GRADER_ERROR, INSTRUCTOR_ONLY, PASSED, TODO, CheckResult, SubmissionResult
from grader.sandbox.warm import WarmLauncher
from grader.selfcheck import ci
from grader.selfcheck.expectations import SELF_CHECK_SEED, KitExpectations, visible_rubric
from grader.selfcheck.locate import KIT_FOLDER, find_kit, infer_lab, kit_labs, resolve_kit
from grader.report.todo import Outstanding

STYLES = {PASSED: "green", INSTRUCTOR_ONLY: "cyan", TODO: "default", GRADER_ERROR: "magenta"}
# The mark before a check in the to-do list: a cross only for what the student has to fix.
SYMBOLS = {PASSED: "✓", TODO: "○", INSTRUCTOR_ONLY: "–", GRADER_ERROR: "!"}
LABELS = {TODO: "to do"}  # otherwise the status, "_" read as a space


@dataclass(frozen=True, kw_only=True)
class Source:
    """A lab to self-check against, and where its expected values come from."""

    lab: Lab
    expectations: Expectations
    origin: str  # said in the output: "the kit in …" or "the reference solution in …"


def build_check_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grade check", description=(
        "Run the visible checks of a lab on your notebook, module or folder, before you hand it in."))
    parser.add_argument("path", type=Path, nargs="?", default=Path("."),
                        help="your notebook, module or folder (default: the current folder)")
    parser.add_argument("--lab", help="the lab id (default: inferred from the kit, the folder, the file)")
    parser.add_argument("--all", action="store_true",
                        help="print every check, passed ones too, as a table (default: only what is left to do)")
    parser.add_argument("--fail-under", type=float, metavar="PERCENT",
                        help="exit with 1 when the visible checks score below PERCENT of their points")
    parser.add_argument("--ci", action="store_true",
                        help="also write JUnit XML, a GitHub step summary and annotations for failed checks")
    parser.add_argument("--kit", type=Path, help="the kit folder (default: a .labgrade/ folder found next to PATH)")
    parser.add_argument("--out", type=Path, default=Path("selfcheck"),
                        help="where the HTML report (and junit.xml) go (default: selfcheck/)")
    parser.add_argument("--course", type=Path, help="a course folder with rubrics/ and reference/ (instructors)")
    parser.add_argument("--timeout", type=float, help="wall-clock seconds for one run (default: the rubric's)")
    return parser


def build_kit_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grade kit", description=(
        "Build the student kit of a lab: starter notebook, self-check data (visible checks only), "
        "the grading engine as a wheel, a GitHub Actions workflow and a README."))
    parser.add_argument("lab", help="the lab id")
    parser.add_argument("--out", type=Path, required=True, help="the kit folder to write")
    parser.add_argument("--course", type=Path, help="folder holding rubrics/, reference/ and starters/")
    parser.add_argument("--wheel", type=Path, help="an engine wheel to ship instead of building one")
    return parser


# ---------------------------------------------------------------- where the expectations come from

def _kit_source(folder: Path, path: Path, lab_id: str | None) -> Source:
    labs = kit_labs(folder)
    kits = {lab: KitExpectations.load(file) for lab, file in labs.items()}
    if lab_id is None:
        lab_id = infer_lab(path, {lab: kit.rubric for lab, kit in kits.items()})
    if lab_id not in kits:
        raise GraderError(f"the kit in {folder.parent} has no self-check data for lab {lab_id!r} "
                          f"(it has {', '.join(sorted(kits))})")
    kit = kits[lab_id]
    # The data file stands for both the rubric and the reference in the result's fingerprint.
    lab = Lab(rubric=kit.rubric, reference_path=labs[lab_id], rubric_path=labs[lab_id])
    return Source(lab=lab, expectations=kit, origin=f"the kit in {folder.parent}")


def _course_source(course_dir: Path | None, path: Path, lab_id: str | None) -> Source:
    # --course names the course: no falling back to another one found elsewhere.
    course = Course(root=course_dir.resolve()) if course_dir is not None else default_course()
    if not course.rubrics_dir.is_dir():
        raise GraderError(f"no self-check data found for {path}: run it inside your kit folder (the one with "
                          f"the {KIT_FOLDER}/ folder), or pass --kit DIR")
    if lab_id is None:
        rubrics = {}
        for known in course.lab_ids():
            try:
                rubrics[known] = course.load(known).rubric
            except GraderError:
                continue
        lab_id = infer_lab(path, rubrics)
    lab = course.load(lab_id)
    visible = visible_rubric(lab.rubric)
    reference = ReferenceSolution(visible, lab.reference_path, SELF_CHECK_SEED)
    return Source(lab=replace(lab, rubric=visible), expectations=reference,
                  origin=f"the reference solution in {course.root}")


def open_source(path: Path, *, lab: str | None, kit: Path | None, course: Path | None) -> Source:
    if kit is not None:
        return _kit_source(resolve_kit(kit), path, lab)
    found = find_kit(path) or find_kit(Path.cwd())
    if found is not None and course is None:
        return _kit_source(found, path, lab)
    return _course_source(course, path, lab)


# ---------------------------------------------------------------- output

def _label(status: str) -> str:
    return LABELS.get(status, status.replace("_", " "))


def _title(source: Source, result: SubmissionResult) -> str:
    rubric = source.lab.rubric
    return f"Self-check · {rubric.title} ({rubric.lab}) · {printable(result.student)}"


def _score_line(result: SubmissionResult) -> str:
    return (f"Visible checks: {result.score:g} / {result.max_score:g} points ({percent(result):.0f} %). "
            "Hidden checks are run only by your instructor's grader.")


def _wrapped(text: Text, line: str, *, indent: int, width: int, style: str = "", first: str = "") -> None:
    """Append `line` to `text`, wrapped to `width` under an indent (no trailing spaces, unlike a padded block)."""
    for paragraph in _printable_lines(line):
        pieces = textwrap.wrap(first + paragraph, width=max(width - indent, 20), break_on_hyphens=False) or [""]
        first = ""
        for piece in pieces:
            text.append(" " * indent + piece + "\n", style=style)


def _printable_lines(text: str) -> list[str]:
    """Student-controlled text, line by line, without control characters."""
    return [printable(line) for line in text.splitlines()] or [""]


def _check_entry(text: Text, check: CheckResult, width: int) -> None:
    """One check not passed: mark, id, status, points and title; under it the message and the hint."""
    style = STYLES.get(check.status, "red")
    mark = SYMBOLS.get(check.status, "✗")
    head = f"{mark} {check.id} · {_label(check.status)} · {check.score:g} / {check.max_score:g}"
    text.append(f"  {head}", style=style)
    lines = textwrap.wrap(f"{head} · {printable(check.title)}", width=max(width - 2, 20), subsequent_indent="    ")
    text.append(lines[0][len(head):] + "\n", style="bold")
    for line in lines[1:]:
        text.append(f"  {line}\n", style="bold")
    _wrapped(text, check.message, indent=6, width=width)
    if check.hint:
        _wrapped(text, check.hint, indent=6, width=width, style="italic", first="Hint: ")


def _todo_entry(text: Text, checks: list[CheckResult], width: int) -> None:
    """Checks whose stub is not written yet, said once per stub: the checks waiting for it, what to do."""
    points = sum(c.max_score for c in checks)
    _wrapped(text, f"{SYMBOLS[TODO]} to do: {', '.join(c.id for c in checks)} ({points:g} points)", indent=2,
             width=width)
    _wrapped(text, checks[0].message, indent=6, width=width)


def todo_list(source: Source, result: SubmissionResult, width: int = 80) -> Text:
    """The default output: header and score, the checks that did not pass by exercise, the passed exercises.

    A stub not written yet is one neutral "to do" entry, whichever checks wait for it; hints are for the
    checks to fix (the task in the notebook says what to write).
    """
    rubric = source.lab.rubric
    outstanding = Outstanding.of(result, rubric.exercise_ids())
    text = Text()
    text.append(_title(source, result) + "\n", style="bold")
    _wrapped(text, _score_line(result), indent=0, width=width)
    for exercise in rubric.exercises:
        left = [c for c in result.checks if c.exercise == exercise.id and c.status != PASSED]
        if not left:
            continue
        score, maximum = result.exercises.get(exercise.id, (0.0, 0.0))
        text.append("\n")
        _wrapped(text, f"{exercise.id} · {exercise.title} · {score:g} / {maximum:g}", indent=0, width=width,
                 style="bold")
        stubs: dict[str, list[CheckResult]] = {}
        for check in left:
            if check.status == TODO:
                stubs.setdefault(check.message, []).append(check)
        for check in left:
            if check.status != TODO:
                _check_entry(text, check, width)
            elif stubs.get(check.message, [None])[0] is check:
                _todo_entry(text, stubs[check.message], width)
    if outstanding.passed_exercises:
        text.append(f"\npassed: {', '.join(outstanding.passed_exercises)}\n", style="green")
    text.rstrip()
    return text


def closing_line(source: Source, result: SubmissionResult) -> Text:
    """The last line of `grade check`: the checks to fix by name (and how many stubs are still to do)."""
    outstanding = Outstanding.of(result, source.lab.rubric.exercise_ids())
    return Text(printable(outstanding.closing()), style="bold green" if outstanding.everything_passes else "bold")


def results_table(source: Source, result: SubmissionResult) -> Table:
    """One row per check, grouped by exercise, with each message and (when not passed) the hint."""
    rubric = source.lab.rubric
    table = Table(title=_title(source, result), title_justify="left", show_lines=True)
    table.add_column("exercise", no_wrap=True)
    table.add_column("check", no_wrap=True)
    table.add_column("result", no_wrap=True)
    table.add_column("points", justify="right", no_wrap=True)
    table.add_column("what was checked, what happened", ratio=1, overflow="fold")
    for exercise in rubric.exercises:
        checks = [c for c in result.checks if c.exercise == exercise.id]
        if not checks:
            continue
        score, maximum = result.exercises.get(exercise.id, (0.0, 0.0))
        for index, check in enumerate(checks):
            label = Text(f"{exercise.id}  {score:g}/{maximum:g}", style="bold") if index == 0 else Text("")
            message = Text(printable(check.title), style="bold")
            message.append(f"\n{printable(check.message)}")
            if check.hint and check.status != PASSED:
                message.append(f"\nHint: {printable(check.hint)}", style="italic")
            table.add_row(label, Text(check.id), Text(_label(check.status), style=STYLES.get(check.status, "red")),
                          Text(f"{check.score:g} / {check.max_score:g}"), message)
    return table


def percent(result: SubmissionResult) -> float:
    return 100.0 * result.score / result.max_score if result.max_score else 100.0


def _annotation_file(submission_path: Path, source: str) -> str:
    """The file a failed check points at, relative to the working folder (the repository in CI)."""
    target = submission_path / source if submission_path.is_dir() and source else submission_path
    try:
        return os.path.relpath(target, Path.cwd())
    except ValueError:
        return str(target)


def check_main(argv: list[str]) -> int:
    """`grade check`: see the module docstring."""
    args = build_check_parser().parse_args(argv)
    raw_out, raw_err = sys.stdout, sys.stderr
    if args.ci:  # everything printed in CI goes through the defusing stream; only our annotations do not
        out_stream, err_stream = ci.WorkflowSafeStream(raw_out), ci.WorkflowSafeStream(raw_err)
    else:
        out_stream, err_stream = raw_out, raw_err
    out = Console(file=out_stream, width=120 if args.ci else None, highlight=False)
    err = Console(file=err_stream, highlight=False)
    launcher = WarmLauncher()
    try:
        if args.fail_under is not None and not 0 <= args.fail_under <= 100:
            raise GraderError("--fail-under is a percentage, from 0 to 100")
        path = args.path.resolve()
        if not path.exists():
            raise GraderError(f"{args.path} does not exist")
        launcher.start()  # the zygote imports while the expected values are computed
        source = open_source(path, lab=args.lab, kit=args.kit, course=args.course)
        rubric = source.lab.rubric
        submission = discover_submission(path, rubric.lab, rubric.exercise_ids())
        out_dir = args.out.resolve()
        out_dir.mkdir(parents=True, exist_ok=True)
        # As in `grade`: the student's code never sees the answers (reference/, rubrics/ or the kit's data).
        hide = {source.lab.reference_path.parent, source.lab.rubric_path.parent, out_dir}
        settings = RunSettings(seed=source.expectations.seed, timeout=args.timeout, figures_root=out_dir / "figures",
                               hide=tuple(sorted(str(folder.resolve()) for folder in hide)))
        result = grade_submission(source.lab, submission, source.expectations, launcher, settings)
        launcher.close()
        report = html.write_student_report(out_dir, result, lab=html.LabInfo.from_rubric(rubric), selfcheck=True)
        if args.all:
            out.print(results_table(source, result))
        else:
            out.print(todo_list(source, result, width=out.width), soft_wrap=True)
        for note in result.notes:
            out.print(Text(f"Note: {printable(note)}", style="yellow"))
        if args.all:
            out.print(Text(_score_line(result)))
        out.print(Text(f"Expected values from {source.origin}. Report: {report}"), soft_wrap=True)
        if args.ci:
            _ci_outputs(source, submission.path, result, out, out_dir)
        below = args.fail_under is not None and percent(result) < args.fail_under
        if below:
            out.print(Text(f"Below --fail-under {args.fail_under:g} %."))
        out.print(closing_line(source, result))  # the last line: what to fix
    except GraderError as error:
        err.print(Text(f"grade check: {error}"), soft_wrap=True)
        return 2
    finally:
        launcher.close()
        for stream in (out_stream, err_stream):
            stream.flush()
    return 1 if below else 0


def _ci_outputs(source: Source, submission_path: Path, result: SubmissionResult, out: Console,
                out_dir: Path) -> None:
    """`--ci`: the JUnit file, the step summary (when GitHub gives one), an annotation per failed check."""
    rubric = source.lab.rubric
    junit = out_dir / "junit.xml"
    junit.write_bytes(ci.junit_xml(result, suite=f"{rubric.lab}: {rubric.title}"))
    out.print(Text(f"JUnit: {junit}"), soft_wrap=True)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        ci.append_summary(Path(summary), ci.markdown_summary(result, title=f"{rubric.title} ({rubric.lab})",
                                                                exercise_order=rubric.exercise_ids()))
    out.file.flush()
    # Our own workflow commands bypass the defusing stream: they are built from escaped pieces only.
    for line in ci.annotations(result, lambda check: _annotation_file(submission_path, check.source)):
        sys.stdout.write(line + "\n")
    sys.stdout.flush()


def kit_main(argv: list[str]) -> int:
    """`grade kit LAB --out DIR`."""
    from grader.selfcheck.kit import build_kit

    args = build_kit_parser().parse_args(argv)
    out, err = Console(highlight=False), Console(stderr=True, highlight=False)
    try:
        kit = build_kit(default_course(args.course), args.lab, args.out, wheel=args.wheel)
    except GraderError as error:
        err.print(Text(f"grade kit: {error}"), soft_wrap=True)
        return 2
    out.print(Text(f"Kit for {kit.lab} in {kit.root}: {kit.notebook.name}, README.md, "
                   f"{kit.data.relative_to(kit.root)}, {kit.wheel.relative_to(kit.root)}, "
                   f"{kit.workflow.relative_to(kit.root)}"), soft_wrap=True)
    return 0
