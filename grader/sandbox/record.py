"""What came back from a child run, parsed and validated in the grader's process.

The child's message file is untrusted: every line is checked against the
small schema below, and anything malformed is dropped and counted. A message
can only ever describe what happened; verdicts are made elsewhere.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from enum import StrEnum

from grader.observe.events import Activity

MAX_LINE = 2_000_000


class UnitStatus(StrEnum):
    """How a cell or script ended."""

    OK = "ok"
    ERROR = "error"
    TIMEOUT = "timeout"
    EXIT = "exit"


class ObservationStatus(StrEnum):
    """What came of one observation."""

    OK = "ok"
    ERROR = "error"
    TIMEOUT = "timeout"
    MISSING = "missing"


@dataclass(frozen=True, kw_only=True)
class ErrorInfo:
    type: str
    message: str
    traceback: str = ""


@dataclass(frozen=True, kw_only=True)
class LineData:
    """One plotted line's values (at most the first and last 150 points of a long one)."""

    xs: tuple[float, ...]
    ys: tuple[float, ...]
    points: int  # how many the line really had


@dataclass(frozen=True, kw_only=True)
class FigureInfo:
    image: str | None  # file name inside the run's output folder
    line_lengths: tuple[int, ...]  # points per plotted line, over all axes
    labels: tuple[str, ...] = ()
    lines: tuple[LineData, ...] = ()


@dataclass(frozen=True, kw_only=True)
class UnitReport:
    """How one cell or script ran."""

    index: int
    label: str
    status: UnitStatus
    elapsed: float
    stdout: str
    stderr: str
    error: ErrorInfo | None
    figures: tuple[FigureInfo, ...]


@dataclass(frozen=True, kw_only=True)
class Observation:
    """One observed value (or why there is none) for one probe case."""

    probe: str
    case: int | None  # None: a script strategy, or nothing found at all
    status: ObservationStatus
    strategy: int | None = None
    value: dict | None = None
    error: ErrorInfo | None = None


@dataclass(frozen=True, kw_only=True)
class RunRecord:
    """Everything known about one child run of one part of a submission."""

    part: str
    units: tuple[UnitReport, ...] = ()
    observations: tuple[Observation, ...] = ()
    activities: tuple[Activity, ...] = ()  # the instruments' records, one per unit and per probe case
    finished: bool = False  # the child reached its end and said so
    timed_out: bool = False
    exit_code: int | None = None
    signal_name: str | None = None
    elapsed: float = 0.0
    peak_memory_mib: float | None = None  # the child's peak resident memory, measured by its parent
    process_stderr: str = ""
    problems: tuple[str, ...] = field(default_factory=tuple)
    figures_dir: str | None = None
    isolation: dict = field(default_factory=dict)  # what the child reported: network, files, uid
    refused: bool = False  # it wrote messages the grader did not ask for (grader.sandbox.protocol)
    grader_fault: str = ""  # the harness failed (not the student's code): what happened, for the instructor


def clean_text(value, limit: int) -> str:
    """Any value as printable-safe text: at most `limit` characters, no lone surrogates.

    Child output can hold invalid UTF-8 (decoded as surrogates) that no file or
    page could encode later, and control characters (ANSI escapes, NUL) that
    would act on a terminal; both become U+FFFD here, at the boundary.
    """
    text = str(value)[:limit].encode("utf-8", "replace").decode("utf-8")
    return text.translate(_CONTROLS)


# C0 controls but tab and newline, and DEL: terminal escapes, NUL and bells have no place in a report.
_CONTROLS = {code: "\ufffd" for code in [*range(0, 9), *range(11, 32), 127]}


def _error(data) -> ErrorInfo | None:
    if data is None:
        return None
    return ErrorInfo(type=clean_text(data["type"], 200), message=clean_text(data["message"], 2000),
                     traceback=clean_text(data.get("traceback", ""), 6000))


def _plotted(raw) -> float:
    value = float(raw)  # "nan" and "inf" are spelled as strings
    return value if not math.isnan(value) else math.nan


def _lines(axis: dict) -> list[LineData]:
    lines = []
    for (xs, ys), points in zip(axis.get("data", [])[:8], axis["lines"]):
        lines.append(LineData(xs=tuple(_plotted(v) for v in xs[:400]), ys=tuple(_plotted(v) for v in ys[:400]),
                              points=int(points)))
    return lines


def _unit(data: dict) -> UnitReport:
    figures = []
    for figure in data.get("figures", [])[:50]:
        lengths = tuple(int(n) for axis in figure["axes"] for n in axis["lines"])
        labels = tuple(clean_text(axis.get(key, ""), 200) for axis in figure["axes"] for key in ("title", "xlabel", "ylabel"))
        image = figure.get("image")
        lines = tuple(line for axis in figure["axes"][:8] for line in _lines(axis))
        figures.append(FigureInfo(image=str(image) if image else None, line_lengths=lengths, labels=labels,
                                  lines=lines))
    status = UnitStatus(str(data["status"]))  # ValueError for anything else
    return UnitReport(index=int(data["index"]), label=clean_text(data["label"], 200), status=status,
                      elapsed=float(data["elapsed"]), stdout=clean_text(data["stdout"], 100_000),
                      stderr=clean_text(data["stderr"], 100_000),
                      error=_error(data.get("error")), figures=tuple(figures))


def _observation(data: dict) -> Observation:
    status = ObservationStatus(str(data["status"]))  # ValueError for anything else
    value = data.get("value")
    if status == "ok" and not isinstance(value, dict):
        raise ValueError("ok without value")
    case, strategy = data.get("case"), data.get("strategy")
    return Observation(probe=str(data["probe"]), case=None if case is None else int(case), status=status,
                       strategy=None if strategy is None else int(strategy), value=value,
                       error=_error(data.get("error")))


@dataclass(frozen=True, kw_only=True)
class ParsedMessages:
    units: list[UnitReport]
    observations: list[Observation]
    done: bool
    bad: int
    isolation: dict
    activities: list[Activity] = field(default_factory=list)
    unasked: int = 0  # observations written to the file instead of answered when asked
    started: bool = False  # the harness got as far as the student's code
    harness_error: str = ""  # the harness's own failure, as it reported it


def parse_messages(lines, asked: bool = False) -> ParsedMessages:
    """Parse message lines; malformed ones are counted in `bad` and otherwise ignored.

    With `asked`, observations came over the grader's own protocol (grader.sandbox.protocol): one found in
    the file was written by someone else, so it is refused (and counted in `unasked`), and `done` ends
    nothing.
    """
    units, observations, done, bad, isolation, activities = [], [], False, 0, {}, []
    unasked, started, harness_error = 0, False, ""
    for line in lines:
        if len(line) > MAX_LINE:
            bad += 1
            continue
        try:
            data = json.loads(line)
            kind = data["type"]
            if done:
                bad += 1  # nothing may come after "done": a late message is somebody else's
            elif kind == "unit":
                units.append(_unit(data))
            elif kind == "observation" and asked:
                unasked += 1
            elif kind == "observation":
                observations.append(_observation(data))
            elif kind == "activity":
                activities.append(Activity.from_json(data))
            elif kind == "done":
                done = not asked
            elif kind == "start":
                started = True
            elif kind == "harness-error" and not harness_error:
                error = _error(data.get("error")) or ErrorInfo(type="?", message="")
                harness_error = clean_text(error.traceback or f"{error.type}: {error.message}", 6000)
            elif kind == "sandbox" and not isolation and not units:
                isolation = {key: str(data[key])[:200] for key in ("network", "files", "uid")}
            else:
                bad += 1
        except (ValueError, KeyError, TypeError):
            bad += 1
    return ParsedMessages(units=units, observations=observations, done=done, bad=bad, isolation=isolation,
                          activities=activities, unasked=unasked, started=started or bool(units),
                          harness_error=harness_error)


def asked_observations(replies: list[dict]) -> tuple[list[Observation], int]:
    """The observations the grader asked for and accepted (grader.sandbox.protocol), and how many were
    malformed."""
    observations, bad = [], 0
    for reply in replies:
        try:
            observations.append(_observation(reply))
        except (ValueError, KeyError, TypeError):
            bad += 1
    return observations, bad
