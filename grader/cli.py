"""The `grade` command.

    grade submissions/                 every lab folder under it
    grade submissions/linreg           one lab's class
    grade alice.ipynb --lab linreg     one student
    grade report reports/              re-render the HTML and LMS exports from saved results
    grade release reports/             one zip per student of what they may see (grader.report.release)
    grade diff old/ new/               what a regrade changed, per student and check (grader.report.diff)
    grade submissions/ --out new/ --compare old/   grade, then the same diff against an earlier run
    grade similarity submissions/linreg pairs sharing unusual code, for a person to review (grader.similarity)
    grade submissions/ --shard 2/8 --out s2/   only the 2nd of 8 stable parts of each class (array jobs)
    grade merge s1/ … s8/ --out reports/       the shards' outputs combined and rendered again (grader.merge)
    grade check alice.ipynb            a student's self-check: visible checks only (grader.selfcheck)
    grade kit linreg --out kit/        the student kit of a lab (grader.selfcheck.kit)

(`grade report`, `grade release`, `grade diff`, `grade similarity`, `grade merge`, `grade check` and `grade kit` are modes; to grade
a folder named like one of them, write `grade ./report`.)

Exit status: 0 when grading finished, whatever the students scored; 2 when
the grader itself could not run, with a one-line reason on stderr.
"""
from __future__ import annotations

import argparse
import sys
from contextlib import closing
from pathlib import Path

from rich.console import Console

from grader.adjust import AdjustFiles
from grader.batch import BatchOptions, LabBatch, Shard, batch_policy, grade_batch, plan, shard_batch
from grader import merge as merging
from grader.errors import GraderError
from grader.execute import EXECUTORS, Deferred, Executor
from grader.lab import default_course
from grader.report import diff as regrade
from grader.report import html, terminal
from grader.sandbox.warm import WarmLauncher
from grader.store import ResultsStore


def add_adjust_options(parser: argparse.ArgumentParser) -> None:
    """--overrides, --extensions, --submitted: the files that turn autograded scores into final ones."""
    parser.add_argument("--overrides", type=Path,
                        help="TA overrides, student,item,points,comment,by (default: OUT/<lab>/overrides.csv)")
    parser.add_argument("--extensions", type=Path,
                        help="deadline extensions, student,due or student,days (default: OUT/<lab>/extensions.csv)")
    parser.add_argument("--submitted", type=Path,
                        help="submission times, student,time (default: OUT/<lab>/submitted.csv; else each "
                             "folder's git history, else file times)")


def adjust_files(args: argparse.Namespace) -> AdjustFiles:
    return AdjustFiles(overrides=args.overrides, extensions=args.extensions, submitted=args.submitted)


def plain(console: Console, text: str) -> None:
    """One line as written: no markup or highlighting (it may hold a student's file names), never cut."""
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grade", description="Grade deep-learning lab submissions.")
    parser.add_argument("path", type=Path, help="a folder of lab folders, one lab's folder, or one submission")
    parser.add_argument("--lab", help="the lab id; needed when PATH is a single submission")
    parser.add_argument("--workers", type=int, default=0,
                        help="submissions graded at once; with --executor dask and no --scheduler, the LocalCluster's "
                             "worker processes (default: one per core)")
    parser.add_argument("--executor", choices=EXECUTORS, default="local",
                        help="where submissions run: this machine's warm pool (local, the default) or a Dask cluster")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="with --executor dask: a running Dask scheduler, e.g. tcp://HOST:8786 "
                             "(default: start a LocalCluster for this run)")
    parser.add_argument("--retries", type=int, default=2,
                        help="with --executor dask: how often a submission is tried again after its worker died "
                             "before it is recorded as ungradable (infrastructure) (default: 2)")
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
    parser.add_argument("--compare", type=Path, metavar="OLD_OUT",
                        help="after grading, print what changed against an earlier run's output folder "
                             "(read before grading, so it may be --out itself); as `grade diff`")
    parser.add_argument("--shard", metavar="I/N",
                        help="grade only the I-th of N parts of each class (I from 1; a hash of each submission's "
                             "name, so the same on every machine); combine the parts with `grade merge`")
    add_adjust_options(parser)
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
    add_adjust_options(parser)
    return parser


def report(argv: list[str]) -> int:
    """`grade report OUT`: the pages again, from results on disk."""
    args = build_report_parser().parse_args(argv)
    err = Console(stderr=True)
    course = default_course(args.course)
    rubrics = {}
    out = Console()
    try:
        for lab_id in course.lab_ids():
            try:
                rubrics[lab_id] = course.load(lab_id).rubric
            except GraderError:
                if (args.out / lab_id / "results").is_dir():
                    raise  # its deadline decides final scores: a broken rubric must not drop the late policy
                continue  # only used for titles; a lab without one is shown by its id
        policies = []
        labs = html.rerender(args.out, instructor=args.instructor, rubrics=rubrics, roster=args.roster,
                             adjust=adjust_files(args), on_policy=lambda *lab: policies.append(lab))
    except GraderError as error:
        plain(err, f"grade report: {error}")
        return 2
    for lab_id, policy, finals in policies:
        terminal.print_policy(out, lab_id, policy, finals)
    for lab_id, exports in labs.items():
        terminal.print_roster_check(out, exports, args.out / lab_id)
    plain(out, f"Re-rendered {', '.join(labs)}.\nDashboard: {args.out / 'index.html'}")
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
        plain(err, f"grade release: {error}")
        return 2
    for lab in labs:
        left = f"; {len(lab.skipped)} not released" if lab.skipped else ""
        plain(out, f"{lab.lab}: {len(lab.released)} zip(s) in {lab.folder}{left}")
        for skipped in lab.skipped:
            line = f"  not released: {terminal.printable(skipped.student)}: {terminal.printable(skipped.reason)}"
            plain(out, line)
    return 0


def build_diff_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grade diff", description=(
        "What a regrade changed: every student and check whose autograded points or status differ between "
        "two output folders (before → after, and the message where it changed), with totals and a class "
        "summary. No student code runs."))
    parser.add_argument("old", type=Path, help="the output folder of the earlier run")
    parser.add_argument("new", type=Path, help="the output folder of the later run")
    parser.add_argument("--lab", help="compare this lab only (default: every lab graded into both)")
    parser.add_argument("--csv", type=Path, help="write the changes of every lab compared to this file "
                                                 "(default: NEW/<lab>/diff.csv per lab)")
    return parser


def diff(argv: list[str]) -> int:
    """`grade diff OLD NEW`: what changed between two runs, from results on disk."""
    args = build_diff_parser().parse_args(argv)
    err = Console(stderr=True)
    try:
        if args.old.resolve() == args.new.resolve():
            raise GraderError(f"{args.old} and {args.new} are the same folder")
        old, new = regrade.read_run(args.old), regrade.read_run(args.new)
        for run in (old, new):
            if args.lab and args.lab not in run.labs:
                raise GraderError(f"no results for lab {args.lab!r} in {run.out} (labs there: {', '.join(run.labs)})")
        compared = regrade.compare_runs(old, new, labs=[args.lab] if args.lab else None)
        if not compared.labs:
            raise GraderError(f"no lab graded into both {args.old} ({', '.join(old.labs)}) "
                              f"and {args.new} ({', '.join(new.labs)})")
        regrade.report(Console(), compared, csv=args.csv)
    except (GraderError, OSError) as error:
        plain(err, f"grade diff: {error}")
        return 2
    return 0


def build_similarity_parser(threshold: float) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grade similarity", description=(
        "Pairs of submissions that share unusual code, with the shared code side by side, for a person to "
        "review: OUT/<lab>/similarity.html and similarity.csv. Not evidence of copying by itself. The "
        "starter kit's code, the files given with --boilerplate and code many submissions have are left "
        "out. No student code runs."))
    parser.add_argument("path", type=Path, help="a lab's class folder (submissions/<lab>) or a folder of them")
    parser.add_argument("--out", type=Path, default=Path("reports"), help="output folder (default: reports/)")
    parser.add_argument("--threshold", type=float, default=threshold,
                        help="list pairs scoring this or more, from 0 to 1: the larger of the two shares of "
                             f"unusual code (default: {threshold:g})")
    parser.add_argument("--boilerplate", type=Path, nargs="+", action="extend", default=[], metavar="FILE",
                        help="files of code every student was given (the handout's): left out like the starter's")
    parser.add_argument("--common", type=int, metavar="N",
                        help="leave out passages found in N or more submissions (default: a fifth of the class, "
                             "at least 4, at most 10)")
    parser.add_argument("--course", type=Path, help="folder holding rubrics/ and starters/ (default: found automatically)")
    return parser


def similarity(argv: list[str]) -> int:
    """`grade similarity PATH`: who shares unusual code with whom, from the submissions' text (nothing runs)."""
    err = Console(stderr=True)
    try:
        from grader import similarity as similar  # copydetect only when asked for
    except ModuleNotFoundError as missing:
        plain(err, f"grade similarity: needs {missing.name}: pip install 'labgrade[similarity]'")
        return 2
    args = build_similarity_parser(similar.THRESHOLD).parse_args(argv)
    out = Console()
    threshold = args.threshold
    try:
        if not 0 <= threshold <= 1 or (args.common is not None and args.common < 2):
            raise GraderError("--threshold must be between 0 and 1 and --common at least 2")
        course = default_course(args.course)
        for batch in plan(args.path, course):
            if not batch.whole_class:
                raise GraderError(f"{args.path} is one submission: give a lab's class folder")
            result = similar.find_similar(batch.lab, list(batch.submissions), course_root=course.root,
                                          extra=args.boilerplate, threshold=threshold, common=args.common)
            lab_out = args.out / batch.lab.id
            page = similar.write_similarity(lab_out, result, title=batch.lab.rubric.title)
            line = (f"{batch.lab.id}: {len(result.students)} submission(s) compared, {len(result.listed)} pair(s) "
                    f"to review, scoring {threshold:.2f} or more (not evidence of copying by itself): {page}")
            plain(out, line)
            for item in result.unreadable:
                plain(out, f"  not read: {terminal.printable(item.student)}: {terminal.printable(item.reason)}")
            dashboard = lab_out / "index.html"
            if dashboard.is_file() and similar.PAGE not in dashboard.read_text(encoding="utf-8"):
                plain(out, f"  the class dashboard links it once written again: grade report {args.out}")
    except (GraderError, OSError) as error:
        plain(err, f"grade similarity: {error}")
        return 2
    return 0


def build_merge_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grade merge", description=(
        "Combine the output folders of `grade … --shard i/N` runs into one: every shard's results, code, "
        "figures and notebooks copied into --out, then every gradebook, export and page rendered again from "
        "them. A missing or unfinished shard, or a student with different results in two shards, is named "
        "and nothing is written. Merging again changes nothing. No student code runs."))
    parser.add_argument("shards", type=Path, nargs="+", metavar="SHARD_OUT", help="the output folder of each shard")
    parser.add_argument("--out", type=Path, required=True, help="the merged output folder (not one of the shards)")
    parser.add_argument("--instructor", action="store_true",
                        help="also write OUT/<lab>/instructor/<student>.html (hidden checks shown; not for students)")
    parser.add_argument("--roster", type=Path,
                        help="CSV mapping submission names to student ids (default: OUT/roster.csv)")
    return parser


def merge(argv: list[str]) -> int:
    """`grade merge SHARD_OUT… --out OUT`: array jobs' outputs as one run's."""
    args = build_merge_parser().parse_args(argv)
    out, err = Console(), Console(stderr=True)
    policies = []
    try:
        merged = merging.merge(args.shards, args.out, instructor=args.instructor, roster=args.roster,
                               on_policy=lambda *lab: policies.append(lab))
    except GraderError as error:
        plain(err, f"grade merge: {error}")
        return 2
    for lab_id, policy, finals in policies:
        terminal.print_policy(out, lab_id, policy, finals)
    for lab in merged.labs:
        plain(out, f"{lab.lab}: {len(lab.students)} submission(s) from {len(merged.shards)} shard(s)")
        terminal.print_roster_check(out, lab.exports, args.out / lab.lab)
    plain(out, f"Dashboard: {args.out / 'index.html'}")
    return 0


def grade_batches(batches: list[LabBatch], options: BatchOptions, executor: Executor, out: Console,
                  err: Console) -> None:
    """Grade each lab's batch on `executor`, with a progress bar, then print its summary."""
    for batch in batches:
        label = f"{batch.lab.id}: {len(batch.submissions)} submission(s)"
        exports, policies = [], []
        with terminal.progress_bar(err, label, len(batch.submissions)) as advance:
            results = grade_batch(batch, options, executor=executor, on_result=advance,
                                  on_exports=exports.append, on_policy=lambda *lab: policies.append(lab))
        finals = policies[0][1] if policies else {}
        terminal.print_summary(out, batch.lab.rubric, results, options.out / batch.lab.id, finals)
        for policy, all_finals in policies:
            terminal.print_policy(out, batch.lab.id, policy, all_finals)
        terminal.print_ungraded(out, ResultsStore(options.out / batch.lab.id).read_all())
        for written in exports:
            terminal.print_roster_check(out, written, options.out / batch.lab.id)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["report"]:
        return report(argv[1:])
    if argv[:1] == ["release"]:
        return release(argv[1:])
    if argv[:1] == ["similarity"]:
        return similarity(argv[1:])
    if argv[:1] == ["diff"]:
        return diff(argv[1:])
    if argv[:1] == ["merge"]:
        return merge(argv[1:])
    if argv[:1] in (["check"], ["kit"]):
        from grader.selfcheck import command  # students' side: loaded only when asked for

        return command.check_main(argv[1:]) if argv[0] == "check" else command.kit_main(argv[1:])
    args = build_parser().parse_args(argv)
    out, err = Console(), Console(stderr=True)
    if args.workers < 0 or (args.timeout is not None and args.timeout <= 0):
        plain(err, "grade: --workers must be ≥ 0 and --timeout > 0")
        return 2
    options = BatchOptions(out=args.out, workers=args.workers, executor=args.executor, scheduler=args.scheduler,
                           retries=args.retries, timeout=args.timeout, seed=args.seed,
                           instructor=args.instructor, resume=args.resume, roster=args.roster,
                           notebooks=args.notebooks, adjust=adjust_files(args))
    # The local executor's zygote imports torch on another core while this process reads the rubrics (which
    # imports torch too) and computes the expected values: started here, it is ready when the first run is.
    launcher = WarmLauncher().start() if options.executor == "local" else None
    try:
        return _grade(args, options, launcher, out, err)
    finally:
        if launcher is not None:
            launcher.close()


def _grade(args, options: BatchOptions, launcher: WarmLauncher | None, out: Console, err: Console) -> int:
    try:
        options.executor_choice()  # a contradictory choice stops here, before anything is read
        shard = Shard.parse(args.shard) if args.shard else None
        batches = plan(args.path, default_course(args.course), args.lab)
        if shard:
            batches = [shard_batch(batch, shard) for batch in batches]
        for batch in batches:  # every overrides/extensions/times line checked before any code runs
            batch_policy(batch, ResultsStore(options.out / batch.lab.id), options)
        earlier = regrade.read_run(args.compare) if args.compare else None  # before grading may overwrite it
        with closing(Deferred(options.executor_choice(), launcher=launcher)) as executor:  # one for every lab
            if options.executor != "local":
                # A wrong address or an unfit cluster stops here, before any progress bar.
                plain(out, executor.open().describe())
            grade_batches(batches, options, executor, out, err)
        if shard:  # written last: a job stopped before the end leaves a folder `grade merge` refuses
            merging.write_shard_marker(options.out, shard,
                                       {batch.lab.id: [s.student for s in batch.submissions] for batch in batches})
        elif any(batch.whole_class for batch in batches):
            merging.forget_shard_marker(options.out)
        if earlier is not None:
            labs = [batch.lab.id for batch in batches]
            regrade.report(out, regrade.compare_runs(earlier, regrade.read_run(options.out), labs=labs))
        plain(out, f"Dashboard: {options.out / 'index.html'}")
    except GraderError as error:
        plain(err, f"grade: {error}")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
