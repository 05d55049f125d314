"""Why some of a submission's code did not run to its end, in plain words.

One `Stop` per file or cell that could not be read, could not be compiled,
raised, was stopped by its time limit, called exit() or took its process
down. They are decided in the grader's process: a syntax error from the
grader's own compile of the source (not from anything the child said), the
rest from the validated run record. Reports show them once, at the top,
instead of repeating them in every check they cost.
"""
from __future__ import annotations

import re

from grader.observe.source import compile_error
from grader.results import Stop
from grader.sandbox.job import CodeUnit
from grader.sandbox.record import RunRecord, UnitReport

SYNTAX_ERROR, UNREADABLE, ERROR, TIMEOUT, EXIT, CRASHED = (
    "syntax_error", "unreadable", "error", "timeout", "exit", "crashed")
STOPPING = {SYNTAX_ERROR, UNREADABLE, CRASHED}  # kinds after which nothing of that file ran

_LINE = re.compile(r'File "(?P<file>[^"]*)", line (?P<line>\d+)')
# What a syntax error most often needs, by the words CPython uses for it.
_SYNTAX_ADVICE = (
    ("expected ':'", "a line that starts a block (def, for, if, while, class, with) ends with a colon"),
    ("was never closed", "every (, [ and { needs its closing partner"),
    ("unterminated string", "a string needs its closing quote on the same line"),
    ("unexpected indent", "this line is indented more than the block it belongs to"),
    ("expected an indented block", "the line after a colon needs to be indented"),
    ("unindent does not match", "this line's indentation matches no block above it; mixing tabs and spaces "
                                "does this too"),
    ("invalid syntax", "look for a missing operator, comma or bracket on this line or the line before"),
)


def syntax_stop(part: str, unit: CodeUnit, whole_file: bool) -> Stop | None:
    """The stop for a unit Python cannot compile, decided by compiling it here; None if it compiles."""
    error = compile_error(unit.source, unit.filename)
    if error is None:
        return None
    if isinstance(error, SyntaxError):
        message, line = error.msg or "invalid syntax", error.lineno or 0
    else:  # NUL bytes, absurd nesting
        message, line = type(error).__name__, 0
    advice = next((tip for words, tip in _SYNTAX_ADVICE if words in message), "")
    where = f"line {line} of {unit.label}" if line else unit.label
    consequence = ("Python reads a whole file before running any of it, so none of this file ran."
                   if whole_file else "This cell did not run; the cells after it did, without what it defines.")
    text = f"Python cannot read {where}: {message}."
    if advice:
        text += f" Usually this means {advice}."
    return Stop(part=part, label=unit.label, kind=SYNTAX_ERROR, line=line, text=f"{text} {consequence}")


def unreadable_stop(part: str, reason: str) -> Stop:
    """The stop for a file that could not be turned into code at all (reason: grader.notebook's words)."""
    if part.endswith(".ipynb") and "not a readable notebook" in reason:
        text = (f"{part} is not a notebook Jupyter can open: the file is cut off or damaged. "
                "Open it in Jupyter (or re-download it), save it, check that it opens, and hand it in again.")
    else:
        text = f"{reason[:1].upper()}{reason[1:]}."
    return Stop(part=part, label=part, kind=UNREADABLE, text=text)


def run_stops(part: str, record: RunRecord, unit_timeout: float, syntax: dict[str, Stop],
              filenames: dict[str, str]) -> list[Stop]:
    """The stops of one run: each unit that did not finish, and a process that died mid-way.

    `syntax` holds the units the grader could not compile (by label), `filenames` each unit's
    file name as its tracebacks spell it (by label)."""
    stops = []
    for unit in record.units:
        if unit.label in syntax:
            stops.append(syntax[unit.label])
        elif unit.status != "ok":
            stops.append(_unit_stop(part, unit, unit_timeout, filenames.get(unit.label, unit.label)))
    if record.grader_fault or record.timed_out or record.finished:
        return stops
    how = f"was killed ({record.signal_name})" if record.signal_name else f"ended (exit code {record.exit_code})"
    stops.append(Stop(part=part, label=part, kind=CRASHED,
                      text=(f"The Python process running {part} {how} before it finished — usually too much "
                            "memory or CPU time, or a call of os._exit().")))
    return stops


def _unit_stop(part: str, unit: UnitReport, unit_timeout: float, filename: str) -> Stop:
    error = unit.error
    line = _failing_line(unit, filename)
    at = f" at line {line}" if line else ""
    if unit.status == "timeout":
        return Stop(part=part, label=unit.label, kind=TIMEOUT, line=line,
                    text=(f"{unit.label} was stopped after {unit_timeout:g} s: a loop that never ends, or far more "
                          "work than the exercise needs (a huge number of epochs?)."))
    if unit.status == "exit":
        return Stop(part=part, label=unit.label, kind=EXIT, line=line,
                    text=f"{unit.label} called exit(){at}, so the rest of it did not run.")
    what = f"{error.type}: {error.message}" if error else "an error"
    return Stop(part=part, label=unit.label, kind=ERROR, line=line,
                text=f"{unit.label} stopped{at} with {what}; the code after that point did not run.")


def _failing_line(unit: UnitReport, filename: str) -> int:
    """The line of the unit's own code where it stopped: the last traceback frame in the unit itself
    (a display hint read from the child's traceback text, never a verdict)."""
    if unit.error is None or not unit.error.traceback:
        return 0
    lines = [int(match["line"]) for match in _LINE.finditer(unit.error.traceback) if match["file"] == filename]
    return lines[-1] if lines else 0


def nothing_ran(stops: list[Stop], part: str) -> bool:
    """True when a part's code never ran at all (unreadable, or a syntax error in a whole file)."""
    return any(stop.part == part and stop.kind in (UNREADABLE, SYNTAX_ERROR) and stop.label == part
               for stop in stops)
