"""Grading many submissions: resolve what was asked, run in parallel, write as we go.

Each result is written the moment it is decided, so an interrupted batch
keeps everything already graded. One student's failure never stops the
batch: `grade_submission` turns everything a student can cause into a
message on that student's report.
"""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from grader.adjust import AdjustFiles, FinalGrade, Policy, load_policy
from grader.adjust.final import rubric_items, save_deadline
from grader.adjust.times import submission_time

from grader.discover import Submission, discover_class, discover_submission
from grader.errors import GraderError, SubmissionPathError
from grader.execute import Deferred, Executor, ExecutorChoice
from grader.execute.local import default_workers
from grader.fingerprint import fingerprint
from grader.grade import RunSettings, grader_failure, part_units
from grader.lab import Course, Lab
from grader.report import executed, gradebook, html, lms
from grader.results import SubmissionResult
from grader.sandbox.launcher import Launcher
from grader.store import ResultsStore


@dataclass(frozen=True, kw_only=True)
class LabBatch:
    """The submissions of one lab to grade in one run."""

    lab: Lab
    submissions: tuple[Submission, ...]
    whole_class: bool  # False: one student, merged into an existing gradebook


@dataclass(frozen=True, kw_only=True)
class BatchOptions:
    out: Path = Path("reports")
    workers: int = 0  # 0: one per core, as far as memory allows
    executor: str = "local"  # where submissions run: grader.execute (local, dask)
    scheduler: str | None = None  # dask: a running scheduler's address; None starts a LocalCluster
    retries: int = 2  # dask LocalCluster: worker deaths a submission may cause before it is ungradable
    timeout: float | None = None
    seed: int | None = None  # None: a fresh random seed, recorded in every result
    instructor: bool = False  # also an instructor page per student (<lab>/instructor/), hidden checks shown
    roster: Path | None = None  # for the LMS exports; None: <out>/roster.csv if there is one
    resume: bool = False  # keep saved results whose fingerprint still matches; grade only the rest
    # Each notebook as it ran (.ipynb and page). Off by default: nbconvert takes about
    # 0.25 s a notebook, a third of the sample class's grading time.
    notebooks: bool = False
    adjust: AdjustFiles = AdjustFiles()  # overrides, extensions, submission times (default: in <out>/<lab>/)

    def resolved_workers(self) -> int:
        return self.workers or default_workers()

    def executor_choice(self) -> ExecutorChoice:
        return ExecutorChoice(name=self.executor, scheduler=self.scheduler, workers=self.workers,
                              retries=self.retries)


def plan(path: Path, course: Course, lab_id: str | None = None) -> list[LabBatch]:
    """What `grade PATH [--lab L]` means: a folder of labs, one lab's class, or one student."""
    if not path.exists():
        raise SubmissionPathError(f"{path} does not exist")
    known = course.lab_ids()
    if lab_id is not None:
        lab = course.load(lab_id)
        if path.is_dir() and path.name == lab_id:
            return [_class_batch(path, lab)]
        return [LabBatch(lab=lab, submissions=(discover_submission(path, lab.id, lab.rubric.exercise_ids()),),
                         whole_class=False)]
    if path.is_dir() and path.name in known:
        return [_class_batch(path, course.load(path.name))]
    if path.is_dir():
        labs = [child for child in sorted(path.iterdir()) if child.is_dir() and child.name in known]
        if labs:
            return [_class_batch(folder, course.load(folder.name)) for folder in labs]
    raise GraderError(f"cannot tell which lab {path} is for: name a lab folder ({', '.join(known)}) or pass --lab")


@dataclass(frozen=True, kw_only=True)
class Shard:
    """The i-th of n parts of a class (`--shard i/n`, i from 1), for array jobs; merged by `grade merge`."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> "Shard":
        """`"i/n"` with 1 ≤ i ≤ n, else a GraderError saying why."""
        index, slash, count = text.partition("/")
        try:
            shard = cls(index=int(index), count=int(count)) if slash else None
        except ValueError:
            shard = None
        if shard is None or not 1 <= shard.index <= shard.count:
            raise GraderError(f"--shard {text!r}: expected i/N with 1 ≤ i ≤ N, e.g. 1/4")
        return shard

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def holds(self, student: str) -> bool:
        """Whether `student` is in this shard: a hash of the name alone, so not the listing order."""
        return shard_of(student, self.count) == self.index


def shard_of(student: str, count: int) -> int:
    """The shard (1 to `count`) a submission's name falls in, the same on every machine and run."""
    return int(hashlib.sha256(student.encode("utf-8")).hexdigest(), 16) % count + 1


def shard_batch(batch: LabBatch, shard: Shard) -> LabBatch:
    """The part of a class's batch in `shard`; a single student cannot be sharded."""
    if not batch.whole_class:
        raise GraderError(f"--shard {shard}: a single submission cannot be sharded; give a lab's class folder")
    return replace(batch, submissions=tuple(s for s in batch.submissions if shard.holds(s.student)))


def _class_batch(folder: Path, lab: Lab) -> LabBatch:
    return LabBatch(lab=lab, submissions=tuple(discover_class(folder, lab.id, lab.rubric.exercise_ids())),
                    whole_class=True)


def batch_policy(batch: LabBatch, store: ResultsStore, options: BatchOptions) -> Policy:
    """The lab's overrides and late policy, every line checked before any code runs: the students are
    this batch's (and, grading one student, those already saved), the items the rubric's."""
    students = {s.student for s in batch.submissions}
    if not batch.whole_class and store.exists():
        students |= {result.student for result in store.read_all()}
    return load_policy(store.lab_out, lab=batch.lab.id, deadline=batch.lab.rubric.deadline, students=students,
                       items=rubric_items(batch.lab.rubric), files=options.adjust)


def grade_batch(batch: LabBatch, options: BatchOptions, *, launcher: Launcher | None = None,
                executor: Executor | None = None,
                on_result: Callable[[SubmissionResult], None] | None = None,
                on_exports: Callable[[lms.Exports], None] | None = None,
                on_policy: Callable[[Policy, dict[str, FinalGrade]], None] | None = None) -> list[SubmissionResult]:
    """Grade every submission of one lab; write each result as it arrives, then the gradebooks.

    Submissions run on `executor` (grader.execute), which the caller keeps open across labs; without
    one, the executor `options` names is opened for this batch (on `launcher`, if given) and closed after.
    `on_result` is called once per student as results arrive, `on_exports` once
    with what the LMS exports hold (who did not match the roster), `on_policy` once with
    the lab's overrides and late policy (grader.adjust) and the final grades.
    Each result records when it was handed in (grader.adjust.times); final scores are
    computed from the results, never saved as scores, so they follow the CSV files as they are now.
    """
    lab_out = options.out / batch.lab.id
    lab_out.mkdir(parents=True, exist_ok=True)
    store = ResultsStore(lab_out)
    store.remove_unfinished_writes()
    policy = batch_policy(batch, store, options)  # a bad overrides line stops the run here, before any code runs
    kept = _still_valid_results(batch, store) if options.resume else []
    seed = options.seed
    if seed is None:
        seed = kept[0].seed if kept else secrets.randbelow(2**31)
    by_student = {submission.student: submission for submission in batch.submissions}
    kept = [_timed(result, by_student[result.student], policy) for result in kept]
    done = {result.student for result in kept}
    todo = [submission for submission in batch.submissions if submission.student not in done]
    pages = html.LabInfo.from_rubric(batch.lab.rubric)
    results: list[SubmissionResult] = list(kept)
    settings = RunSettings(seed=seed, timeout=options.timeout, figures_root=lab_out / "figures",
                           hide=folders_to_hide(batch, options.out))
    for result in kept:  # their pages again, in this run's mode (an instructor view only with --instructor)
        store.write(result, policy.final(result))  # the final score as the CSV files say now
        html.write_student_report(lab_out, result, lab=pages, instructor=options.instructor,
                                  final=policy.final(result))
        if on_result:
            on_result(result)
    owned = executor is None
    if owned:
        executor = Deferred(options.executor_choice(), launcher=launcher)
    try:
        for finished in executor.results(batch.lab, todo, settings):
            submission = by_student[finished.student]
            graded = _timed(finished, submission, policy)
            store.write_code(graded.student, part_units(submission))  # before its result: see --resume
            result = _write_or_flag(store, batch.lab, graded, by_student, policy)
            executed.forget_notebooks(lab_out, result.student)  # an earlier run's would be stale
            if options.notebooks:
                sources = {part.name: part.path for part in submission.parts}
                html.write_executed_notebooks(lab_out, result, sources, lab=pages)
            html.write_student_report(lab_out, result, lab=pages, instructor=options.instructor,
                                      final=policy.final(result))
            results.append(result)
            if on_result:
                on_result(result)
    finally:
        if owned:
            executor.close()
    results.sort(key=lambda r: r.student)
    rows = results if batch.whole_class else store.read_all()
    finals = policy.finals(rows)
    save_deadline(lab_out, policy.deadline)
    gradebook.write_grades(lab_out / "grades.csv", batch.lab.rubric, rows, finals)
    exports = html.write_dashboards(lab_out, rows, lab=pages, roster=options.roster, finals=finals)
    if on_exports:
        on_exports(exports)
    if on_policy:
        on_policy(policy, finals)
    return results


def _timed(result: SubmissionResult, submission: Submission, policy: Policy) -> SubmissionResult:
    """The result with when its submission was handed in, and how we know (grader.adjust.times)."""
    submitted, source = submission_time(submission, policy.submitted)
    return replace(result, submitted_at=submitted, submitted_source=source)


def folders_to_hide(batch: LabBatch, out: Path) -> tuple[str, ...]:
    """What no child may see: the answers, the rubrics, the reports and every student's originals."""
    folders = {batch.lab.reference_path.parent, batch.lab.rubric_path.parent, out}
    folders |= {submission.path.parent for submission in batch.submissions}
    return tuple(sorted(str(folder.resolve()) for folder in folders))


def _still_valid_results(batch: LabBatch, store: ResultsStore) -> list[SubmissionResult]:
    """Saved results of this batch's students that were computed from exactly what is there now."""
    saved = {result.student: result for result in store.read_all()}
    return [saved[s.student] for s in batch.submissions
            if s.student in saved and saved[s.student].fingerprint == fingerprint(batch.lab, s)]


def _write_or_flag(store: ResultsStore, lab: Lab, result: SubmissionResult,
                   by_student: dict[str, Submission], policy: Policy) -> SubmissionResult:
    """Write a result; if even that fails (a grader bug), write a flagged one instead and go on."""
    try:
        store.write(result, policy.final(result))
        return result
    except Exception as error:  # deliberately broad: one student's result must not end the batch
        flagged = grader_failure(lab, by_student[result.student], result.seed,
                                 f"could not write the result: {type(error).__name__}: {error}")
        flagged = replace(flagged, submitted_at=result.submitted_at, submitted_source=result.submitted_source)
        store.write(flagged, policy.final(flagged))
        return flagged


def grade_path(path: Path | str, *, lab: str | None = None, course: Course | None = None,
               options: BatchOptions = BatchOptions()) -> dict[str, list[SubmissionResult]]:
    """Grade everything `path` names; returns results per lab. The API behind `grade PATH`."""
    from grader.lab import default_course

    course = course or default_course()
    return {batch.lab.id: grade_batch(batch, options) for batch in plan(Path(path), course, lab)}
