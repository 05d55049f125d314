"""From the autograded score to the final one: overrides, then the late penalty.

    final = autograded, changed by each override in file order, then less the late penalty

* **Overrides first, in the order of their lines.** A check's override changes
  its exercise and the total by the same amount; an exercise's changes the
  total; a total's sets or changes the whole score.
* **Limits.** A change (``+2``, ``-1``) never takes its item below 0 or above
  its maximum: what was actually applied is shown, marked *capped*. A new
  value (``=6``) is taken as written, even above the maximum (a bonus). The
  total is never below 0.
* **Then the late penalty,** a percentage of the score after overrides
  (a TA's correction is late work too): 20 % off 30 points is 6. A student
  more than ``max_days_late`` days late gets 0, whatever the overrides.
  An extension is the way to excuse lateness.
* **Nothing is saved as a final score.** Finals are computed from the saved
  results whenever a gradebook or page is rendered, so overrides survive a
  regrade and ``--resume``, and ``grade report`` applies edited CSV files
  or a moved due date without running any code.

A student whose saved result cannot be read has no final score (empty everywhere).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from grader.adjust.lateness import Deadline, Extension, Lateness, LateStatus, assess, read_extensions
from grader.adjust.overrides import TOTAL, Override, check_against, read_overrides
from grader.adjust.times import read_submitted
from grader.errors import GraderError
from grader.report.files import write_atomic
from grader.results import SubmissionResult

OVERRIDES_FILE = "overrides.csv"
EXTENSIONS_FILE = "extensions.csv"
SUBMITTED_FILE = "submitted.csv"
POLICY_FILE = "policy.json"  # the late policy last applied, for `grade report` without the rubric


@dataclass(frozen=True, kw_only=True)
class AdjustFiles:
    """The files given on the command line; None: the one in ``<out>/<lab>/``, if it is there."""

    overrides: Path | None = None
    extensions: Path | None = None
    submitted: Path | None = None


@dataclass(frozen=True, kw_only=True)
class Adjustment:
    """One change between the autograded score and the final one."""

    kind: str  # "override" or "late"
    item: str  # TOTAL (""), an exercise id or a check id
    written: str  # as asked: "+2", "=4"; "-20 %" for the penalty
    points: float  # what it changed the total by
    before: float  # the item's points before it …
    after: float  # … and after it
    maximum: float  # the item's maximum
    capped: bool = False  # the change was limited to [0, maximum]
    comment: str = ""
    by: str = ""
    where: str = ""  # the file and line it came from

    @property
    def label(self) -> str:
        return "late penalty" if self.kind == "late" else (self.item or "total")

    def to_json(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True, kw_only=True)
class FinalGrade:
    """A student's final score and every step from the autograded one."""

    student: str
    graded: bool  # False: the saved result cannot be read, so there is no score
    autograded: float
    max_score: float
    adjustments: tuple[Adjustment, ...] = ()  # the overrides in file order, then the late penalty
    lateness: Lateness | None = None  # None: the lab has no deadline
    final: float = 0.0
    exercises: dict[str, tuple[float, float]] = field(default_factory=dict)  # after the overrides

    @property
    def overrides(self) -> tuple[Adjustment, ...]:
        return tuple(a for a in self.adjustments if a.kind == "override")

    @property
    def override_points(self) -> float:
        return float(round(sum(a.points for a in self.overrides), 6)) + 0.0

    @property
    def penalty(self) -> float:
        """The points the late penalty took (≥ 0)."""
        return float(round(-sum(a.points for a in self.adjustments if a.kind == "late"), 6)) + 0.0

    @property
    def adjusted(self) -> bool:
        """Whether there is anything to say beyond the autograded score."""
        return bool(self.adjustments) or self.lateness is not None

    def to_json(self) -> dict:
        return {"student": self.student, "graded": self.graded, "autograded": self.autograded,
                "max_score": self.max_score, "final": self.final, "override_points": self.override_points,
                "penalty": self.penalty, "adjustments": [a.to_json() for a in self.adjustments],
                "lateness": self.lateness.to_json() if self.lateness else None,
                "exercises": {key: list(value) for key, value in self.exercises.items()}}

    @classmethod
    def from_json(cls, data: dict) -> "FinalGrade":
        return cls(student=data["student"], graded=data["graded"], autograded=data["autograded"],
                   max_score=data["max_score"], final=data["final"],
                   adjustments=tuple(Adjustment(**a) for a in data["adjustments"]),
                   lateness=Lateness.from_json(data["lateness"]) if data["lateness"] else None,
                   exercises={key: tuple(value) for key, value in data["exercises"].items()})

    def summary(self) -> str:
        """One line, as the terminal and the Gradescope output say it."""
        parts = [f"autograded {self.autograded:g}"]
        parts += [f"{a.label} {a.points:+g}" for a in self.adjustments]
        return ", ".join(parts) + f" → final {self.final:g} / {self.max_score:g}"


def _clamped(before: float, override: Override, maximum: float) -> tuple[float, bool]:
    if override.set_to:
        return override.value, False
    wanted = before + override.value
    after = min(max(wanted, 0.0), maximum)
    return after, after != wanted


@dataclass(frozen=True, kw_only=True)
class Policy:
    """Everything that turns one lab's autograded scores into final ones."""

    lab: str
    overrides: tuple[Override, ...] = ()
    deadline: Deadline | None = None
    extensions: dict[str, Extension] = field(default_factory=dict)
    submitted: dict[str, str] = field(default_factory=dict)  # student -> ISO time, from submitted.csv
    files: dict[str, Path] = field(default_factory=dict)  # what was read: "overrides" -> its path …

    def final(self, result: SubmissionResult) -> FinalGrade:
        """One student's final grade (computed, never raising: the policy was checked when it was loaded)."""
        if not result.graded:
            return FinalGrade(student=result.student, graded=False, autograded=0.0, max_score=0.0)
        checks = {check.id: [check.score, check.max_score, check.exercise] for check in result.checks}
        exercises = {key: list(value) for key, value in result.exercises.items()}
        total, adjustments = result.score, []
        for override in (o for o in self.overrides if o.student == result.student):
            if override.item == TOTAL:
                before, maximum = total, result.max_score
            elif override.item in checks:
                before, maximum = checks[override.item][:2]
            elif override.item in exercises:
                before, maximum = exercises[override.item]
            else:  # an item this result does not have: said, not applied (see check_against)
                adjustments.append(Adjustment(kind="override", item=override.item, written=override.written,
                                              points=0.0, before=0.0, after=0.0, maximum=0.0, comment=(
                                                  f"not applied: this result has no {override.item}; "
                                                  + override.comment), by=override.by, where=override.where))
                continue
            after, capped = _clamped(before, override, maximum)
            change = round(after - before, 6)
            if override.item in checks:
                checks[override.item][0] = after
                exercise = checks[override.item][2]
                if exercise in exercises:
                    exercises[exercise][0] = round(exercises[exercise][0] + change, 6)
            elif override.item in exercises:
                exercises[override.item][0] = after
            new_total = max(round(total + change, 6), 0.0)
            adjustments.append(Adjustment(kind="override", item=override.item, written=override.written,
                                          points=round(new_total - total, 6), before=before, after=after,
                                          maximum=maximum, capped=capped, comment=override.comment, by=override.by,
                                          where=override.where))
            total = new_total
        lateness = None
        if self.deadline is not None:
            submitted, source = result.submitted_at, result.submitted_source
            if result.student in self.submitted:
                submitted, source = self.submitted[result.student], "submitted.csv"
            lateness = assess(self.deadline, submitted, source, self.extensions.get(result.student))
            if lateness.percent:
                penalty = total if lateness.status == LateStatus.TOO_LATE else round(total * lateness.percent / 100, 6)
                adjustments.append(Adjustment(
                    kind="late", item=TOTAL, written=f"-{lateness.percent:g} %", points=-penalty, before=total,
                    after=round(total - penalty, 6), maximum=result.max_score, comment=lateness.text(),
                    where="the rubric's [deadline]"))
                total = round(total - penalty, 6)
        return FinalGrade(student=result.student, graded=True, autograded=result.score, max_score=result.max_score,
                          adjustments=tuple(adjustments), lateness=lateness, final=total,
                          exercises={key: (value[0], value[1]) for key, value in exercises.items()})

    def finals(self, results: list[SubmissionResult]) -> dict[str, FinalGrade]:
        return {result.student: self.final(result) for result in results}

    def check(self, results: list[SubmissionResult]) -> None:
        """Raise if an override names an item that its student's saved result lacks."""
        check_against(self.overrides, {r.student: {c.id for c in r.checks} | set(r.exercises)
                                       for r in results if r.graded})

    def describe(self) -> list[str]:
        """What was applied, for the terminal: one line per input."""
        lines = []
        if "overrides" in self.files:
            lines.append(f"{len(self.overrides)} override(s) from {self.files['overrides']}")
        if self.deadline is not None:
            lines.append(f"late policy: {self.deadline.describe()}")
        if "extensions" in self.files:
            lines.append(f"{len(self.extensions)} extension(s) from {self.files['extensions']}")
        if "submitted" in self.files:
            lines.append(f"{len(self.submitted)} submission time(s) from {self.files['submitted']}")
        return lines


def rubric_items(rubric) -> set[str]:
    """The ids an override may name: the rubric's exercises and checks."""
    return set(rubric.exercise_ids()) | {check.id for check in rubric.checks}


def result_items(results: list[SubmissionResult]) -> set[str]:
    return {item for r in results for item in (*r.exercises, *(c.id for c in r.checks))}


def _chosen(lab_out: Path, given: Path | None, default: str) -> Path | None:
    if given is not None:
        if not given.is_file():
            raise GraderError(f"{given} does not exist")
        return given
    path = lab_out / default
    return path if path.is_file() else None


def load_policy(lab_out: Path, *, lab: str, deadline: Deadline | None, students: set[str], items: set[str],
                files: AdjustFiles = AdjustFiles()) -> Policy:
    """The lab's policy from its CSV files (``<lab_out>/overrides.csv`` … or those in `files`) and
    `deadline`; every line is checked here, so a bad one stops the run before anything is written."""
    read: dict[str, Path] = {}
    overrides: tuple[Override, ...] = ()
    path = _chosen(lab_out, files.overrides, OVERRIDES_FILE)
    if path is not None:
        overrides = read_overrides(path, lab=lab, students=students, items=items)
        read["overrides"] = path
    zone = deadline.zone if deadline is not None else None
    submitted: dict[str, str] = {}
    path = _chosen(lab_out, files.submitted, SUBMITTED_FILE)
    if path is not None:
        submitted = read_submitted(path, zone, students)
        read["submitted"] = path
    extensions: dict[str, Extension] = {}
    path = _chosen(lab_out, files.extensions, EXTENSIONS_FILE)
    if path is not None:
        extensions = read_extensions(path, deadline, students)
        read["extensions"] = path
    return Policy(lab=lab, overrides=overrides, deadline=deadline, extensions=extensions, submitted=submitted,
                  files=read)


def save_deadline(lab_out: Path, deadline: Deadline | None) -> None:
    """Keep the late policy last applied beside the results (see `saved_deadline`)."""
    write_atomic(lab_out / POLICY_FILE, json.dumps({"deadline": deadline.to_json() if deadline else None}, indent=2))


def saved_deadline(lab_out: Path) -> Deadline | None:
    """The late policy last applied to this lab, for ``grade report`` when no rubric of the lab is found:
    without it, penalties would silently vanish from the gradebook."""
    try:
        data = json.loads((lab_out / POLICY_FILE).read_text(encoding="utf-8"))["deadline"]
        return Deadline.from_json(data) if data else None
    except (OSError, ValueError, KeyError, TypeError):
        return None
