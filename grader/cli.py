"""The `grade` command.

    grade submissions/                 every lab folder under it
    grade submissions/linreg           one lab's class
    grade alice.ipynb --lab linreg     one student
    grade report reports/              re-render the HTML and LMS exports from saved results
    grade release reports/             one zip per student of what they may see (grader.report.release)
    grade check alice.ipynb            a student's self-check: visible checks only (grader.selfcheck)
    grade kit linreg --out kit/        the student kit of a lab (grader.selfcheck.kit)

(`grade report`, `grade release`, `grade check` and `grade kit` are modes; to grade
a folder named like one of them, write `grade ./report`.)

Exit status: 0 when grading finished, whatever the students scored; 2 when
the grader itself could not run, with a one-line reason on stderr.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console

from grader.batch import BatchOptions, grade_batch, plan
from grader.errors import GraderError
from grader.lab import default_course
from grader.report import html, terminal
from grader.store import ResultsStore


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grade", description="Grade deep-learning lab submissions.")
    parser.add_argument("path", type=Path, help="a folder of lab folders, one lab's folder, or one submission")
    parser.add_argument("--lab", help="the lab id; needed when PATH is a single submission")
    parser.add_argument("--workers", type=int, default=0, help="submissions graded at once (default: all cores)")
    parser.add_argument("--timeout", type=float, help="wall-clock seconds per submission run (default: the rubric's)")
    parser.add_argument("--out", type=Path, default=Path("reports"), help="output folder (default: reports/)")
    parser.add_argument("--seed", type=int, help="seed for the random test inputs (default: a fresh one, recorded)")
    parser.add_argument("--course", type=Path, help="folder holding rubrics/ and reference/ (default: found automatically)")
    parser.add_argument("--instructor", action="store_true",
                        help="also write OUT/<lab>/instructor/<student>.html, showing hidden checks' inputs and "
                             "expected values (not for students; the student pages stay the students' view)")
    parser.add_argument("--roster", type=Path,
                        help="CSV mapping submission names to student ids for the LMS exports (default: OUT/roster.csv)")
    parser.add_argument("--notebooks", action="store_true",
                        help="also save each notebook as it ran (.ipynb and a page linked from the report); "
                             "adds about 0.25 s per notebook")
    parser.add_argument("--resume", action="store_true",
                        help="keep saved results whose submission, rubric, reference and grader are unchanged; "
                             "grade only the rest (an interrupted run picks up where it stopped)")
    return parser


def build_report_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grade report", description=(
        "Re-render every lab's HTML reports, dashboard and LMS exports from saved results, "
        "without running any student code. A roster is read from OUT/roster.csv if it exists."))
    parser.add_argument("out", type=Path, nargs="?", default=Path("reports"),
                        help="the output folder of an earlier run (default: reports/)")
    parser.add_argument("--instructor", action="store_true",
                        help="also write OUT/<lab>/instructor/<student>.html, showing hidden checks' inputs and "
                             "expected values (not for students); without it, instructor pages are removed")
    parser.add_argument("--course", type=Path,
                        help="folder holding rubrics/, for labs whose results have no saved lab.json")
    parser.add_argument("--roster", type=Path,
                        help="CSV mapping submission names to student ids (default: OUT/roster.csv)")
    return parser


def report(argv: list[str]) -> int:
    """`grade report OUT`: the pages again, from results on disk."""
    args = build_report_parser().parse_args(argv)
    err = Console(stderr=True)
    course = default_course(args.course)
    rubrics = {}
    for lab_id in course.lab_ids():
        try:
            rubrics[lab_id] = course.load(lab_id).rubric
        except GraderError:
            continue  # only used for titles; a lab without one is shown by its id
    try:
        labs = html.rerender(args.out, instructor=args.instructor, rubrics=rubrics, roster=args.roster)
    except GraderError as error:
        err.print(f"grade report: {error}", markup=False, highlight=False, soft_wrap=True)
        return 2
    out = Console()
    for lab_id, exports in labs.items():
        terminal.print_roster_check(out, exports, args.out / lab_id)
    out.print(f"Re-rendered {', '.join(labs)}.\nDashboard: {args.out / 'index.html'}",
              markup=False, highlight=False, soft_wrap=True)
    return 0


def build_release_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grade release", description=(
        "One zip per student of what that student may see: their report (rendered again from the saved "
        "result, the student's view, without class navigation), their figures and their executed notebooks. "
        "Never hidden checks' inputs or expected values. No student code runs."))
    parser.add_argument("out", type=Path, nargs="?", default=Path("reports"),
                        help="the output folder of an earlier run (default: reports/)")
    parser.add_argument("--lab", help="release this lab only (default: every lab graded into OUT)")
    parser.add_argument("--to", type=Path, help="where the zips go, as FOLDER/<lab>/<student>.zip "
                                                "(default: OUT/release)")
    return parser


def release(argv: list[str]) -> int:
    """`grade release OUT`: a zip per student, from results on disk."""
    from grader.report import release as releasing  # nbconvert and zipfile only when asked for

    args = build_release_parser().parse_args(argv)
    out, err = Console(), Console(stderr=True)
    try:
        labs = releasing.release(args.out, to=args.to, lab=args.lab)
    except GraderError as error:
        err.print(f"grade release: {error}", markup=False, highlight=False, soft_wrap=True)
        return 2
    for lab in labs:
        left = f"; {len(lab.skipped)} not released" if lab.skipped else ""
        out.print(f"{lab.lab}: {len(lab.released)} zip(s) in {lab.folder}{left}", markup=False, highlight=False,
                  soft_wrap=True)
        for skipped in lab.skipped:
            line = f"  not released: {terminal.printable(skipped.student)}: {terminal.printable(skipped.reason)}"
            out.print(line, markup=False, highlight=False, soft_wrap=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["report"]:
        return report(argv[1:])
    if argv[:1] == ["release"]:
        return release(argv[1:])
    if argv[:1] in (["check"], ["kit"]):
        from grader.selfcheck import command  # students' side: loaded only when asked for

        return command.check_main(argv[1:]) if argv[0] == "check" else command.kit_main(argv[1:])
    args = build_parser().parse_args(argv)
    out, err = Console(), Console(stderr=True)
    if args.workers < 0 or (args.timeout is not None and args.timeout <= 0):
        err.print("grade: --workers must be ≥ 0 and --timeout > 0", markup=False, soft_wrap=True)
        return 2
    options = BatchOptions(out=args.out, workers=args.workers, timeout=args.timeout, seed=args.seed,
                           instructor=args.instructor, resume=args.resume, roster=args.roster,
                           notebooks=args.notebooks)
    try:
        batches = plan(args.path, default_course(args.course), args.lab)
        for batch in batches:
            label = f"{batch.lab.id}: {len(batch.submissions)} submission(s)"
            exports = []
            with terminal.progress_bar(err, label, len(batch.submissions)) as advance:
                results = grade_batch(batch, options, on_result=advance, on_exports=exports.append)
            terminal.print_summary(out, batch.lab.rubric, results, options.out / batch.lab.id)
            terminal.print_ungraded(out, ResultsStore(options.out / batch.lab.id).read_all())
            for written in exports:
                terminal.print_roster_check(out, written, options.out / batch.lab.id)
        out.print(f"Dashboard: {options.out / 'index.html'}", markup=False, highlight=False, soft_wrap=True)
    except GraderError as error:
        err.print(f"grade: {error}", markup=False, highlight=False, soft_wrap=True)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
