"""The late policy: a due time, a grace period, a penalty per day late, a cap, and extensions.

    [deadline]                       # in rubrics/<lab>.toml
    due = "2026-12-08T23:59:00"      # in `timezone`, or with its own offset ("…+01:00")
    timezone = "Europe/Berlin"       # an IANA zone name; needed unless `due` has an offset
    grace_minutes = 15               # late by at most this much: no penalty (default 0)
    penalty_percent_per_day = 10     # percent of the score, per started day late (default 0)
    max_days_late = 3                # more days late than this: the score is 0 (default: no limit)

Lateness is measured from the due time (the grace period forgives, it does
not move the deadline): 10 minutes late with 15 minutes' grace is on time;
1 day and 1 second late is 2 started days, 20 % off; more than
`max_days_late` days late is 100 % off. The percentage is never above 100.

Per-student extensions come from ``extensions.csv`` (see `read_extensions`):
a new due time, or a number of days added to the rubric's. The grace period
and the penalty apply to the extended due time as to the rubric's.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from grader.adjust.table import parse_time, read_rows, row_student

DAY = 86400.0
DEADLINE_KEYS = ("due", "timezone", "grace_minutes", "penalty_percent_per_day", "max_days_late")


def zone_named(name: str) -> tzinfo:
    """An IANA zone ("Europe/Berlin"), or a fixed offset as written in ISO times ("+01:00", "UTC")."""
    if name.upper() in ("UTC", "Z"):
        return timezone.utc
    if name[:1] in "+-":
        return parse_time(f"2000-01-01T00:00:00{name}", None).tzinfo
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (an IANA name such as Europe/Berlin, or an offset "
                         "such as +01:00)") from None


@dataclass(frozen=True, kw_only=True)
class Deadline:
    """A lab's late policy (the rubric's ``[deadline]`` table)."""

    due: datetime  # aware
    timezone: str  # how times are shown, and the zone of times written without an offset
    grace_minutes: float = 0.0
    penalty_percent_per_day: float = 0.0
    max_days_late: int | None = None  # None: the penalty grows until it is 100 %

    @property
    def zone(self) -> tzinfo:
        return zone_named(self.timezone)

    @classmethod
    def from_table(cls, table: dict) -> "Deadline":
        """The policy from a TOML table; raises ValueError naming the key that is wrong."""
        if not isinstance(table, dict):
            raise ValueError("[deadline] must be a table")
        unknown = sorted(set(table) - set(DEADLINE_KEYS))
        if unknown:
            raise ValueError(f"[deadline] has unknown key(s) {', '.join(unknown)} (known: {', '.join(DEADLINE_KEYS)})")
        if "due" not in table:
            raise ValueError("[deadline] needs `due`")
        due = table["due"]
        if not isinstance(due, (str, datetime)):
            raise ValueError("[deadline] due must be a date and time like \"2026-12-08T23:59:00\"")
        name = table.get("timezone")
        if name is not None and not isinstance(name, str):
            raise ValueError("[deadline] timezone must be a string such as \"Europe/Berlin\"")
        zone = zone_named(name) if name else None
        moment = parse_time(due if isinstance(due, str) else due.isoformat(), zone)
        if not name:
            name = moment.strftime("%z")
            name = f"{name[:3]}:{name[3:]}"
        numbers = {}
        for key in ("grace_minutes", "penalty_percent_per_day", "max_days_late"):
            value = table.get(key)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or value != value:
                raise ValueError(f"[deadline] {key} must be a number ≥ 0, not {value!r}")
            numbers[key] = value
        if numbers.get("penalty_percent_per_day", 0) > 100:
            raise ValueError("[deadline] penalty_percent_per_day is a percentage: at most 100")
        if "max_days_late" in numbers and numbers["max_days_late"] != int(numbers["max_days_late"]):
            raise ValueError("[deadline] max_days_late must be a whole number of days")
        return cls(due=moment, timezone=name, grace_minutes=float(numbers.get("grace_minutes", 0)),
                   penalty_percent_per_day=float(numbers.get("penalty_percent_per_day", 0)),
                   max_days_late=int(numbers["max_days_late"]) if "max_days_late" in numbers else None)

    def to_json(self) -> dict:
        return {"due": self.due.isoformat(), "timezone": self.timezone, "grace_minutes": self.grace_minutes,
                "penalty_percent_per_day": self.penalty_percent_per_day, "max_days_late": self.max_days_late}

    @classmethod
    def from_json(cls, data: dict) -> "Deadline":
        return cls(due=datetime.fromisoformat(data["due"]), timezone=data["timezone"],
                   grace_minutes=float(data["grace_minutes"]),
                   penalty_percent_per_day=float(data["penalty_percent_per_day"]),
                   max_days_late=data["max_days_late"])

    def describe(self) -> str:
        rule = f"{self.penalty_percent_per_day:g} % per day late" if self.penalty_percent_per_day else "no penalty"
        if self.max_days_late is not None:
            rule += f", nothing after {self.max_days_late} day{'s' if self.max_days_late != 1 else ''}"
        grace = f", {self.grace_minutes:g} minutes' grace" if self.grace_minutes else ""
        return f"due {show_time(self.due, self.zone)}{grace}; {rule}"


def show_time(moment: datetime, zone: tzinfo) -> str:
    """A time as people read it, in the course's zone: ``2026-12-08 23:59:00 CET``."""
    local = moment.astimezone(zone)
    name = local.tzname() or local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M:%S} {name}"


@dataclass(frozen=True, kw_only=True)
class Extension:
    """One student's extension: a new due time, or days added to the rubric's."""

    student: str
    due: datetime | None = None
    days: float | None = None
    comment: str = ""
    by: str = ""
    where: str = ""  # the file and line it came from

    def due_for(self, deadline: Deadline) -> datetime:
        return self.due if self.due is not None else deadline.due + timedelta(days=self.days or 0.0)

    def describe(self, deadline: Deadline) -> str:
        what = (f"extended to {show_time(self.due, deadline.zone)}" if self.due is not None
                else f"extended by {self.days:g} day{'s' if self.days != 1 else ''}")
        why = ", ".join(part for part in (self.comment, f"by {self.by}" if self.by else "") if part)
        return f"{what} ({why})" if why else what


def read_extensions(path: Path, deadline: Deadline | None, students: set[str] | None) -> dict[str, Extension]:
    """``student,due`` or ``student,days`` (either column, or both with one filled per line; optional
    ``comment``, ``by``). A due time without an offset is in the deadline's zone. A line naming a student
    with no submission, a second line for a student, or a bad time is an error naming the line."""
    rows = read_rows(path, required=("student",), one_of=("due", "days"), optional=("comment", "by"))
    if deadline is None and rows:
        raise rows[0].error("extensions need a deadline, and the rubric has no [deadline] table")
    extensions: dict[str, Extension] = {}
    for row in rows:
        student = row_student(row, students)
        if student in extensions:
            raise row.error(f"{student} already has an extension ({extensions[student].where})")
        due, days = row.values.get("due", ""), row.values.get("days", "")
        if bool(due) == bool(days):
            raise row.error("give either `due` (a new due time) or `days` (added to the rubric's), not "
                            + ("both" if due else "neither"))
        try:
            when = parse_time(due, deadline.zone) if due else None
            count = float(days) if days else None
        except ValueError as problem:
            raise row.error(f"bad days {days!r}: a number such as 2 or 1.5" if days else str(problem)) from None
        if count is not None and not (count >= 0 and math.isfinite(count)):
            raise row.error(f"bad days {days!r}: a number of days ≥ 0")
        extensions[student] = Extension(student=student, due=when, days=count, comment=row.values.get("comment", ""),
                                        by=row.values.get("by", ""), where=row.where)
    return extensions


class LateStatus(StrEnum):
    ON_TIME = "on_time"
    GRACE = "grace"  # late, but within the grace period: no penalty
    LATE = "late"
    TOO_LATE = "too_late"  # more than max_days_late days: the score is 0
    UNKNOWN = "unknown"  # no submission time could be found: no penalty, said on every page


@dataclass(frozen=True, kw_only=True)
class Lateness:
    """How late one submission was under the policy, and what that costs."""

    status: LateStatus
    due: str  # the due time that applied (extended or not), ISO 8601
    submitted: str = ""  # ISO 8601, as recorded ("" when unknown)
    source: str = ""  # where the submission time came from (grader.adjust.times.TimeSource)
    seconds_late: float = 0.0  # after the due time; 0 when on time
    days_late: int = 0  # started days that count (0 on time or within the grace period)
    percent: float = 0.0  # of the score taken off
    extension: str = ""  # the extension that applied, in words
    timezone: str = "UTC"  # how to show the times

    def to_json(self) -> dict:
        return {"status": str(self.status), "due": self.due, "submitted": self.submitted, "source": self.source,
                "seconds_late": self.seconds_late, "days_late": self.days_late, "percent": self.percent,
                "extension": self.extension, "timezone": self.timezone}

    @classmethod
    def from_json(cls, data: dict) -> "Lateness":
        return cls(**{**data, "status": LateStatus(data["status"])})

    def shown(self, iso: str) -> str:
        return show_time(datetime.fromisoformat(iso), zone_named(self.timezone)) if iso else ""

    def text(self) -> str:
        """In words: ``2 days late (1 day, 0:00:01 after the due time): 20 % off``."""
        if self.status == LateStatus.UNKNOWN:
            return "submission time unknown: no penalty applied"
        late = timedelta(seconds=round(self.seconds_late))
        if self.status == LateStatus.ON_TIME:
            return "on time"
        if self.status == LateStatus.GRACE:
            return f"within the grace period ({late} after the due time): no penalty"
        days = f"{self.days_late} day{'s' if self.days_late != 1 else ''}"
        if self.status == LateStatus.TOO_LATE:
            return f"{late} after the due time, more than the policy allows: the score is 0"
        return f"{days} late ({late} after the due time): {self.percent:g} % off"


def assess(deadline: Deadline, submitted: str, source: str, extension: Extension | None = None) -> Lateness:
    """The lateness of a submission made at `submitted` (ISO 8601, "" if unknown) under `deadline`."""
    due = extension.due_for(deadline) if extension else deadline.due
    common = {"due": due.isoformat(), "submitted": submitted, "source": source, "timezone": deadline.timezone,
              "extension": extension.describe(deadline) if extension else ""}
    if not submitted:
        return Lateness(status=LateStatus.UNKNOWN, **common)
    late = (datetime.fromisoformat(submitted) - due).total_seconds()
    if late <= 0:
        return Lateness(status=LateStatus.ON_TIME, **common)
    if late <= deadline.grace_minutes * 60:
        return Lateness(status=LateStatus.GRACE, seconds_late=late, **common)
    days = math.ceil(late / DAY)
    if deadline.max_days_late is not None and days > deadline.max_days_late:
        return Lateness(status=LateStatus.TOO_LATE, seconds_late=late, days_late=days, percent=100.0, **common)
    percent = min(100.0, round(days * deadline.penalty_percent_per_day, 6))
    return Lateness(status=LateStatus.LATE, seconds_late=late, days_late=days, percent=percent, **common)
