"""The outcome of grading: per case, per check, per exercise, per submission.

These are the types every report is written from. They are plain frozen
dataclasses with ``to_json``/``from_json``, so results saved by one run can
be re-read by another without re-running student code.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum


class Status(StrEnum):
    """A check's status, from the student's point of view (saved as its plain string value)."""

    PASSED = "passed"
    FAILED = "failed"
    MISSING = "missing"
    ERROR = "error"
    TIMEOUT = "timeout"
    NOT_RUN = "not_run"
    GRADER_ERROR = "grader_error"
    # Only in a self-check: the answer was found, but only the instructor's grader can judge it
    # (scored 0 of 0, neither a pass nor a fail).
    INSTRUCTOR_ONLY = "instructor_only"
    # A stub not written yet: every call raised NotImplementedError. Neutral, never scored.
    TODO = "todo"


PASSED, FAILED, MISSING, ERROR, TIMEOUT, NOT_RUN, GRADER_ERROR, INSTRUCTOR_ONLY, TODO = (
    Status.PASSED, Status.FAILED, Status.MISSING, Status.ERROR, Status.TIMEOUT, Status.NOT_RUN,
    Status.GRADER_ERROR, Status.INSTRUCTOR_ONLY, Status.TODO)


@dataclass(frozen=True, kw_only=True)
class CaseResult:
    """One input case of a check."""

    inputs: dict
    passed: bool
    message: str
    got: str = ""
    expected: str = ""


@dataclass(frozen=True, kw_only=True)
class CheckResult:
    id: str
    exercise: str
    title: str
    status: str
    score: float
    max_score: float
    message: str
    hint: str = ""
    hidden: bool = False
    source: str = ""  # the file or part the answer was looked for in
    cases: tuple[CaseResult, ...] = ()
    unit: str = ""  # where in `source` the answer is (a cell's label, or the script), for the code view
    line: int = 0  # … and its line in that unit (0: not placed)

    @classmethod
    def from_json(cls, data: dict) -> "CheckResult":
        return cls(**{**data, "cases": tuple(CaseResult(**case) for case in data["cases"])})


@dataclass(frozen=True, kw_only=True)
class UnitSummary:
    """How one cell or script ran, as shown on the student's report."""

    part: str
    label: str
    status: str
    elapsed: float
    stdout: str = ""
    stderr: str = ""
    error: str = ""
    figures: tuple[str, ...] = ()  # image paths relative to the lab's report folder


@dataclass(frozen=True, kw_only=True)
class Stop:
    """A file or cell that did not run to its end, said once for the whole report (grader.judge.stops)."""

    part: str
    label: str  # "cell 5", or the file's name when the whole file is meant
    kind: str  # syntax_error, unreadable, error, timeout, exit, crashed
    text: str  # what happened and what to do, for the student
    line: int = 0  # the line in that cell or file (0: not known)


@dataclass(frozen=True, kw_only=True)
class SubmissionResult:
    student: str
    lab: str
    score: float
    max_score: float
    checks: tuple[CheckResult, ...]
    exercises: dict[str, tuple[float, float]]  # id -> (score, max)
    seed: int
    rubric_version: str
    grader_version: str
    elapsed: float
    peak_memory_mib: float | None = None  # the largest peak resident memory of its runs (shared pages included)
    notes: tuple[str, ...] = ()  # problems with the submission as a whole
    units: tuple[UnitSummary, ...] = ()
    flags: tuple[str, ...] = field(default_factory=tuple)  # timeout, crashed, needs_review
    sandbox: dict = field(default_factory=dict)  # how the code was isolated: launcher, network
    fingerprint: str = ""  # grader.fingerprint: what this result was computed from
    review: tuple[str, ...] = ()  # why a person should look at it (code that reaches into the grader, a grader fault)
    grader_log: tuple[str, ...] = ()  # what the grader's harness left when it failed, for the instructor
    stops: tuple[Stop, ...] = ()  # code that did not run to its end
    # When it was handed in (ISO 8601 with its offset, "" unknown) and how we know: "submitted.csv",
    # "git" or "file times" (grader.adjust.times). Recorded when graded, so that the late policy can be
    # applied again from the saved result alone.
    submitted_at: str = ""
    submitted_source: str = ""

    @property
    def ran(self) -> bool:
        """False when none of the code could run at all (every file unreadable or not valid Python)."""
        whole = {stop.part for stop in self.stops if stop.kind in ("syntax_error", "unreadable")
                 and stop.label == stop.part}
        return not whole or any(unit.part not in whole for unit in self.units)

    @property
    def scored(self) -> bool:
        """Whether its score is one the student earned: False when it is ungraded, or ungradable (no worker
        survived grading it), where 0 would only say the machine failed. A TA's override still gives it one."""
        return self.graded and UNGRADABLE not in self.flags

    @property
    def graded(self) -> bool:
        """False for the stand-in of a saved result that could not be read (see `unreadable`)."""
        return UNGRADED not in self.flags

    def to_json(self) -> dict:
        data = asdict(self)
        data["exercises"] = {key: list(value) for key, value in self.exercises.items()}
        return data

    @classmethod
    def from_json(cls, data: dict) -> "SubmissionResult":
        return cls(
            **{
                **data,
                "checks": tuple(CheckResult.from_json(check) for check in data["checks"]),
                "exercises": {key: tuple(value) for key, value in data["exercises"].items()},
                "notes": tuple(data["notes"]),
                "units": tuple(UnitSummary(**{**unit, "figures": tuple(unit["figures"])}) for unit in data["units"]),
                "flags": tuple(data["flags"]),
                "review": tuple(data.get("review", ())),
                "grader_log": tuple(data.get("grader_log", ())),
                "stops": tuple(Stop(**stop) for stop in data.get("stops", ())),
                "submitted_at": str(data.get("submitted_at", "")),
                "submitted_source": str(data.get("submitted_source", "")),
            }
        )


UNGRADED = "ungraded"
UNGRADABLE = "ungradable"  # a submission no worker survived grading (grader.execute): flagged, not a score


def unreadable(student: str, lab: str, file: str, reason: str) -> SubmissionResult:
    """The stand-in for a saved result that cannot be read: listed everywhere as ungraded, never dropped."""
    why = f"its saved result {file} cannot be read ({reason}); grade this student again"
    return SubmissionResult(student=student, lab=lab, score=0.0, max_score=0.0, checks=(), exercises={}, seed=0,
                            rubric_version="", grader_version="", elapsed=0.0, notes=(why,),
                            flags=(UNGRADED, "needs_review"), review=(why,))
