"""Grading one submission: run each part in a child, then judge every check.

The pipeline is discover → run (sandbox) → observe → judge → report; this
module is the run-and-judge step for one student, and knows nothing about
how results are written.
"""
from __future__ import annotations

from collections.abc import Callable, Generator
import time
from dataclasses import dataclass, replace
from pathlib import Path

from grader import __version__
from grader.discover import Part, Submission
from grader.fingerprint import fingerprint
from grader.freeform import (printers_of, recognition_for, settle_hard_coding, settle_stochastic, source_facts,
                             views_of)
from grader.judge import stops as stopping
from grader.judge import tamper, where
from grader.judge.checks import contract_exercises, decide_checks
from grader.judge.score import Evidence, unscored
from grader.lab import Lab
from grader.notebook import UnreadableSource, load_units
from grader.observe.source import SourceFacts
from grader.reference import Expectations
from grader.results import (GRADER_ERROR, MISSING, NOT_RUN, PASSED, UNGRADABLE, CheckResult, Stop,
                            SubmissionResult, UnitSummary)
from grader.rubric import probe_spec
from grader.sandbox.job import Job
from grader.sandbox.launcher import Beside, FollowOn, Launcher, Meanwhile
from grader.sandbox.limits import Limits
from grader.sandbox.record import RunRecord


@dataclass(frozen=True, kw_only=True)
class RunSettings:
    """Settings shared by every submission of a run."""

    seed: int
    timeout: float | None = None  # overrides the rubric's per-run wall clock
    figures_root: Path | None = None  # where to keep figures: <root>/<student>/<part>/
    hide: tuple[str, ...] = ()  # folders a child must not see: answers, reports, the class
    memory_mb: int | None = None  # caps the rubric's per-run memory (a Dask worker's share: grader.execute.worker)

    def wall_seconds(self, lab: Lab) -> float:
        return self.timeout if self.timeout is not None else lab.rubric.limits.timeout


def build_job(lab: Lab, part: Part, settings: RunSettings, units: tuple | None = None,
              probes: bool = True, printers: frozenset[str] = frozenset()) -> Job:
    """The child's job for one part: its code units (or rewritten ones) and the probes of its exercises;
    `printers` are the submission's helper functions that print what they are given (freeform.printers_of)."""
    rubric = lab.rubric
    wall = settings.wall_seconds(lab)
    probes = rubric.probes_for(None if part.exercises is None else set(part.exercises)) if probes else ()
    recorded = rubric.recorded_probes()
    return Job(
        part=part.name,
        units=units if units is not None else load_units(part.path),
        probes=tuple(probe_spec(probe, settings.seed, record=probe.name in recorded) for probe in probes),
        data=rubric.data,
        seed=settings.seed,
        unit_timeout=min(rubric.limits.unit_timeout, wall),
        probe_timeout=min(rubric.limits.probe_timeout, wall),
        hide=settings.hide,
        threads=rubric.limits.threads,
        evaluations={name: rubric.data[name] for name in rubric.evaluations},
        answers=_answers(rubric, part),
        images=settings.figures_root is not None,
        printers=tuple(sorted(printers)),
    )


def _answers(rubric, part: Part, own_only: bool = False) -> dict[str, str]:
    """The example values a script that asks with input() is given: its own exercise's first, then every other
    exercise's for names still unanswered (a file's number is only a prior: `q4.py` may compute Q3's neuron)."""
    answers: dict[str, str] = {}
    own = sorted(part.exercises) if part.exercises is not None else []
    for exercise in own + ([] if own_only else [e for e in rubric.behaviour if e not in own]):
        family = rubric.behaviour.get(exercise)
        for name, value in (getattr(family, "options", None) and family.options.example or {}).items():
            answers.setdefault(name, str(value))
    return answers


def memory_mb(lab: Lab, settings: RunSettings) -> int:
    """The memory one run may use: the rubric's, unless the machine grading it allows less."""
    limit = lab.rubric.limits.memory_mb
    return limit if settings.memory_mb is None else min(limit, settings.memory_mb)


def _limits(lab: Lab, settings: RunSettings) -> Limits:
    wall = settings.wall_seconds(lab)
    return Limits(wall_seconds=wall, cpu_seconds=int(wall * 2) + 5, memory_bytes=memory_mb(lab, settings) * 1024**2)


@dataclass(frozen=True)
class PartRun:
    """One run of one part: under which settings, with its own code or rewritten code, with or without probes."""

    part: Part
    settings: RunSettings
    units: tuple | None = None  # replaces the part's code (a run on moved inputs)
    probes: bool = True  # without: only the code runs


def run_parts(lab: Lab, submission: Submission, runs: list[PartRun], launcher: Launcher,
              printers: frozenset[str] = frozenset(), meanwhile: Meanwhile = None,
              later: list[Callable[[], None]] | None = None,
              follow_on: FollowOn | None = None) -> list[tuple[RunRecord | None, str]]:
    """Run several parts of one submission, in one set where the launcher can; (record, "") or (None, reason)
    per run, in order. A part that cannot even be read gives its reason; one the set did not finish is run
    again on its own, so one part that kills its process cannot cost the others their runs. `meanwhile` is
    done, in steps, while the set's child runs (what is left of it, by its `result`: see `Beside`); `later`
    takes what the launcher leaves to do once the records are judged (grader.sandbox.launcher.Launcher.run);
    `follow_on` is the submission's, through which the launcher may run this set in the last one's child."""
    results: list[tuple[RunRecord | None, str]] = [(None, "")] * len(runs)
    jobs: list[tuple[int, Job, Path | None]] = []
    for index, run in enumerate(runs):
        try:
            job = build_job(lab, run.part, run.settings, run.units, run.probes, printers)
        except UnreadableSource as problem:
            results[index] = (None, str(problem))
            continue
        keep = None
        if run.settings.figures_root is not None:
            keep = run.settings.figures_root / submission.student / Path(run.part.name).stem
        jobs.append((index, job, keep))
    if not jobs:
        return results
    files, limits = list(submission.files), _limits(lab, runs[0].settings)
    records = launcher.run_many([job for _, job, _ in jobs], files=files, limits=limits,
                                keep_dirs=[keep for _, _, keep in jobs], meanwhile=meanwhile, later=later,
                                follow_on=follow_on)
    for (index, job, keep), record in zip(jobs, records):
        if record is None:
            record = launcher.run(job, files=files, limits=limits, keep_dir=keep)
        results[index] = (record, "")
    return results


def _unit_summaries(part: Part, record: RunRecord, settings: RunSettings, student: str) -> list[UnitSummary]:
    summaries = []
    for unit in record.units:
        figures = tuple(
            f"figures/{student}/{Path(part.name).stem}/{figure.image}" for figure in unit.figures if figure.image)
        error = ""
        if unit.error:
            error = f"{unit.error.type}: {unit.error.message}"
            if unit.error.traceback:
                error = unit.error.traceback
        summaries.append(UnitSummary(part=part.name, label=unit.label, status=unit.status, elapsed=unit.elapsed,
                                     stdout=unit.stdout, stderr=unit.stderr, error=error,
                                     figures=figures if settings.figures_root else ()))
    return summaries


def _not_the_students(check: CheckResult, record: RunRecord) -> CheckResult:
    """A check that did not pass in a run the grader's own harness broke: a grader error, not the student's."""
    if check.status == PASSED:
        return check
    return replace(check, status=GRADER_ERROR, score=0.0, hint="",
                   message=(f"The grader itself failed while running {check.source}, so this could not be checked. "
                            "It is not your code's fault; your instructor will look at it."))


def _tampering(submission: Submission) -> Generator[None, None, tuple[str, ...]]:
    """Why a person should review the code before its points count: lines that reach into the grader,
    in its scripts, notebooks and helper modules, read before anything runs, a unit per step."""
    found = []
    for path in dict.fromkeys([part.path for part in submission.parts] +
                              [f for f in submission.files if f.suffix == ".py"]):
        try:
            loaded = load_units(path)
        except (UnreadableSource, OSError):
            continue
        for unit in loaded:
            found += tamper.findings([(path.name if len(loaded) == 1 else f"{path.name} {unit.label}",
                                       unit.source)])
            yield
    found = tamper.first_findings(found)
    return (tamper.review_reason(found),) if found else ()


def _read_source(submission: Submission, printers: frozenset[str]
                 ) -> Generator[None, None, tuple[tuple[str, ...], dict[str, SourceFacts]]]:
    """What the source alone says (code that reaches into the grader; each part's facts), a step at a time,
    taken while a launcher waits on the child (grader.sandbox.launcher.Beside)."""
    review = yield from _tampering(submission)
    facts = yield from source_facts(submission, printers)
    return review, facts


def _stops_of(lab: Lab, part: Part, record: RunRecord, settings: RunSettings) -> list[Stop]:
    """What did not run to its end in one part's run; syntax errors from the grader's own compile."""
    try:
        code = load_units(part.path)
    except (UnreadableSource, OSError):
        code = ()
    whole_file = len(code) == 1 and code[0].label == part.name
    syntax = {unit.label: stop for unit in code
              for stop in [stopping.syntax_stop(part.name, unit, whole_file)] if stop is not None}
    timeout = min(lab.rubric.limits.unit_timeout, settings.wall_seconds(lab))
    return stopping.run_stops(part.name, record, timeout, syntax, {unit.label: unit.filename for unit in code})


def part_units(submission: Submission) -> dict[str, tuple]:
    """Each part's code units as the grader read them (none for a part it could not read)."""
    units = {}
    for part in submission.parts:
        try:
            units[part.name] = load_units(part.path)
        except (UnreadableSource, OSError):
            units[part.name] = ()
    return units


def _placed(rubric, checks: list[CheckResult], submission: Submission, recognition) -> list[CheckResult]:
    """Each check with the place in the student's code its answer was found, for the code view."""
    places = where.check_places(rubric, checks, part_units(submission), recognition)
    return [replace(check, unit=places[check.id].unit, line=places[check.id].line) if check.id in places else check
            for check in checks]


def _never_ran(check: CheckResult) -> CheckResult:
    """A check of a file none of whose code ran: not graded, rather than a wrong or missing answer."""
    if check.status in (PASSED, GRADER_ERROR):
        return check
    return replace(check, status=NOT_RUN, score=0.0, hint="", cases=(),
                   message=f"Not graded: {check.source} could not run (see the top of this report).")


def _flags(records: list[RunRecord | None], checks, review: tuple[str, ...] = (),
           stops: list[Stop] = ()) -> tuple[str, ...]:
    flags = []
    kinds = {stop.kind for stop in stops}
    for kind in (stopping.SYNTAX_ERROR, stopping.UNREADABLE):
        if kind in kinds:
            flags.append(kind)
    if any(r is not None and (r.timed_out or any(u.status == "timeout" for u in r.units)) for r in records):
        flags.append("timeout")
    if any(r is not None and not r.timed_out and not r.finished for r in records):
        flags.append("crashed")
    # A file that could not be read or compiled is the student's to fix (flagged above), not a review.
    if (review or any(r.refused for r in records if r is not None)
            or any(c.status == GRADER_ERROR for c in checks)):
        flags.append("needs_review")
    return tuple(flags)


def _isolation_summary(records: list[RunRecord | None]) -> dict[str, str]:
    """What isolation applied, per aspect, over all runs of a submission (usually one value each)."""
    reports = [r.isolation for r in records if r is not None and r.isolation]
    return {key: ", ".join(sorted({report.get(key, "?") for report in reports})) or "not run"
            for key in ("network", "files", "uid")}


def _no_file(check, submission: Submission) -> CheckResult:
    name = check.exercise.lower()
    return unscored(check, source=submission.path.name, status=MISSING,
                    message=(f"No file for {check.exercise} in {submission.path.name}/: looked for a script named like "
                             f"{name}.py, {check.exercise}.py or {name}_something.py, or a whole-lab notebook or module."))


GRADER_FAILED = "The grader failed on this submission; it will be reviewed by hand."


def grader_failure(lab: Lab, submission: Submission, seed: int, reason: str, *,
                   message: str = GRADER_FAILED, flags: tuple[str, ...] = ()) -> SubmissionResult:
    """The result for a submission the grader itself failed on: nothing scored, flagged for review."""
    checks = tuple(unscored(c, source=submission.path.name, status=GRADER_ERROR, message=message)
                   for c in lab.rubric.checks)
    return SubmissionResult(
        student=submission.student, lab=lab.id, score=0.0, max_score=sum(c.max_score for c in checks),
        checks=checks, exercises={e.id: (0.0, sum(c.points for c in lab.rubric.checks if c.exercise == e.id))
                                  for e in lab.rubric.exercises},
        seed=seed, rubric_version=lab.rubric.version, grader_version=__version__, elapsed=0.0,
        notes=(f"grader error: {reason}",), flags=(*flags, "needs_review"))


def ungradable(lab: Lab, submission: Submission, seed: int, attempts: int) -> SubmissionResult:
    """A submission every worker that took it died on: not a score the student earned, but one for a person."""
    reason = (f"ungradable (infrastructure): the worker grading it died on each of {attempts} attempt(s); "
              "to be graded again on one machine, or by hand")
    failed = grader_failure(lab, submission, seed, reason, flags=(UNGRADABLE,), message=(
        "This submission could not be graded: the machine grading it stopped each time it tried. "
        "This is not a score; your instructor will grade it by hand."))
    return replace(failed, notes=(reason,))  # not "grader error": no fault of the grader's code is known


def grade_or_flag(lab: Lab, submission: Submission, reference: Expectations, launcher: Launcher,
                  settings: RunSettings) -> SubmissionResult:
    """`grade_submission`, with a grader bug on one submission turned into its flagged result, not a dead batch."""
    try:
        return grade_submission(lab, submission, reference, launcher, settings)
    except Exception as error:  # deliberately broad: the batch must go on
        return grader_failure(lab, submission, settings.seed, f"{type(error).__name__}: {error}")


def grade_submission(lab: Lab, submission: Submission, reference: Expectations, launcher: Launcher,
                     settings: RunSettings) -> SubmissionResult:
    """Run and judge one student's submission; never raises for anything the student did."""
    later: list[Callable[[], None]] = []  # the launcher's, once judged: a notebook's figures, drawn meanwhile
    follow_on = FollowOn()  # the first set's child, kept for the runs the judging asks for next
    try:
        return _graded(lab, submission, reference, launcher, settings, later, follow_on)
    finally:
        follow_on.close()
        for step in later:
            step()


def _graded(lab: Lab, submission: Submission, reference: Expectations, launcher: Launcher,
            settings: RunSettings, later: list[Callable[[], None]], follow_on: FollowOn) -> SubmissionResult:
    started = time.monotonic()
    rubric = lab.rubric
    evidence: dict[str, Evidence] = {}
    records: list[RunRecord | None] = []
    units: list[UnitSummary] = []
    stops: list[Stop] = []
    notes = list(submission.notes)
    printers = printers_of(submission)  # read once: every run and every view of the submission uses them
    # What the source alone says is read while the parts run: the grader would only wait on the child.
    reading = Beside(lambda: _read_source(submission, printers))
    ran = run_parts(lab, submission, [PartRun(part, settings) for part in submission.parts], launcher, printers,
                    meanwhile=reading, later=later, follow_on=follow_on)
    review, facts = reading.result()
    for part, (record, unavailable) in zip(submission.parts, ran):
        records.append(record)
        if unavailable:
            stops.append(stopping.unreadable_stop(part.name, unavailable))
        else:
            units.extend(_unit_summaries(part, record, settings, submission.student))
            notes.extend(f"{part.name}: {problem}" for problem in record.problems)
            stops.extend(_stops_of(lab, part, record, settings))
        evidence[part.name] = Evidence(part=part.name, record=record, unavailable=unavailable)
    views = views_of(lab, submission, evidence, printers, facts)
    for part in submission.parts:
        if part.name in views and views[part.name].facts.asks_input:
            own = _answers(rubric, part, own_only=part.exercises is not None) or _answers(rubric, part)
            given = ", ".join(f"{k} = {v}" for k, v in own.items()) or "nothing"
            notes.append(f"{part.name} asks for its inputs with input(); the grader typed the exercise's example "
                         f"values ({given}), as a TA would")
    recognition, behaviour_error = recognition_for(lab, views, reference)
    if recognition is not None:
        notes.extend(recognition.notes)
        quiet = replace(settings, figures_root=None)

        def rerun(requests: list[tuple[Part, int | None, tuple | None]],
                  meanwhile: Meanwhile = None) -> list[RunRecord | None]:
            """Parts again, each under another seed or with rewritten code (code only, no probes), in one set."""
            runs = [PartRun(part, quiet if seed is None else replace(quiet, seed=seed), units, probes=False)
                    for part, seed, units in requests]
            return [record for record, _ in run_parts(lab, submission, runs, launcher, printers, meanwhile,
                                                      follow_on=follow_on)]

        contracted = contract_exercises(rubric, submission, evidence)
        notes.extend(settle_stochastic(lab, submission, recognition, reference, rerun, settings.seed, contracted))
        notes.extend(settle_hard_coding(lab, submission, recognition, reference, rerun, contracted, printers))
    checks = decide_checks(rubric=rubric, submission=submission, evidence=evidence, views=views,
                           recognition=recognition, reference=reference, timeout=settings.wall_seconds(lab),
                           behaviour_error=behaviour_error, no_file=_no_file)
    faults = {part.name: record for part, record in zip(submission.parts, records)
              if record is not None and record.grader_fault}
    checks = [_not_the_students(check, faults[check.source]) if check.source in faults else check
              for check in checks]
    checks = [_never_ran(check) if stopping.nothing_ran(stops, check.source) else check for check in checks]
    checks = _placed(rubric, checks, submission, recognition)
    review += tuple(f"the grader failed on {name}: {record.grader_fault.splitlines()[0][:300]}"
                    for name, record in faults.items())
    exercises = {
        exercise.id: (
            round(sum(c.score for c in checks if c.exercise == exercise.id), 2),
            sum(c.max_score for c in checks if c.exercise == exercise.id),
        )
        for exercise in rubric.exercises
    }
    return SubmissionResult(
        student=submission.student,
        lab=rubric.lab,
        score=round(sum(c.score for c in checks), 2),
        max_score=sum(c.max_score for c in checks),
        checks=tuple(checks),
        exercises=exercises,
        seed=settings.seed,
        rubric_version=rubric.version,
        grader_version=__version__,
        elapsed=round(time.monotonic() - started, 3),
        peak_memory_mib=max((r.peak_memory_mib for r in records if r and r.peak_memory_mib), default=None),
        notes=tuple(notes),
        units=tuple(units),
        flags=_flags(records, checks, review, stops),
        review=review,
        grader_log=tuple(f"{name}:\n{record.grader_fault}\n{record.process_stderr}".strip()[-8000:]
                         for name, record in faults.items()),
        stops=tuple(stops),
        fingerprint=fingerprint(lab, submission),
        sandbox={"launcher": type(launcher).__name__, **_isolation_summary(records)},
    )

