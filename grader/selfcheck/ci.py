"""`grade check --ci`: JUnit XML, a GitHub step summary, annotations — all injection-safe.

GitHub Actions reads *workflow commands* from every line a step prints
(``::error ...::``, ``::stop-commands::TOKEN`` …), after trimming leading
whitespace. Much of what a self-check prints is student-controlled (the
values their code returned, exception messages, file names), so:

* our own annotations escape their data (``%`` ``\\r`` ``\\n``) and properties
  (also ``:`` and ``,``) as the runner expects, so nothing can end a
  property or start a new line;
* everything else printed in CI mode goes through `WorkflowSafeStream`, which
  defuses any line that would start with ``::``;
* the Markdown summary escapes pipes, backticks, HTML and emphasis, and keeps
  each cell on one line;
* the JUnit file is built with ElementTree (escaped) after dropping the
  characters XML 1.0 cannot hold.

A stub not written yet ("to do") is neutral here too: no annotation, a JUnit
``<skipped>``, a ⬜ in the summary, which leads with the checks to fix.
"""
from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

from grader.results import ERROR, GRADER_ERROR, INSTRUCTOR_ONLY, PASSED, TODO, CheckResult, SubmissionResult
from grader.report.gradescope import check_output
from grader.report.todo import Outstanding

# ---------------------------------------------------------------- workflow commands


def escape_data(text: str) -> str:
    """The message part of a workflow command (after the final ``::``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value (``title=…``, ``file=…``): also ``:`` and ``,``, which would end it."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
DEFUSED = "» "  # not whitespace: the runner trims whitespace before looking for "::"


def neutralise_line(line: str) -> str:
    """A printed line that cannot be read as a workflow command."""
    if _ANSI.sub("", line).lstrip().startswith("::"):
        return DEFUSED + line
    return line


class WorkflowSafeStream(io.TextIOBase):
    """A text stream that defuses workflow commands in whatever is written through it, line by line."""

    def __init__(self, target):
        self._target = target
        self._pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._pending += text
        while "\n" in self._pending:
            line, self._pending = self._pending.split("\n", 1)
            self._target.write(neutralise_line(line) + "\n")
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self._target.write(neutralise_line(self._pending))
            self._pending = ""
        self._target.flush()

    def isatty(self) -> bool:
        return False


def annotation(check: CheckResult, file: str | None = None) -> str:
    """``::error title=…::message`` for a failed check, its student-controlled text escaped."""
    properties = [f"title={escape_property(f'{check.id}: {check.title}')}"]
    if file:
        properties.insert(0, f"file={escape_property(file)}")
    message = check.message + (f"\nHint: {check.hint}" if check.hint else "")
    return f"::error {','.join(properties)}::{escape_data(message)}"


def annotations(result: SubmissionResult, file_for) -> list[str]:
    """One annotation per failed check (passed, to-do and instructor-only ones make none)."""
    return [annotation(c, file_for(c)) for c in result.checks if c.status not in (PASSED, INSTRUCTOR_ONLY, TODO)]


# ---------------------------------------------------------------- Markdown step summary

# Enough to keep a cell a cell of plain text: no code span, emphasis, link, strike-through or pipe.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def escape_markdown(text: str) -> str:
    """One table cell of text: no HTML, no code spans, no emphasis, no pipes, no line breaks."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return " ".join(text.split())


_SYMBOL = {PASSED: "✅", INSTRUCTOR_ONLY: "➖", TODO: "⬜"}


def markdown_summary(result: SubmissionResult, *, title: str, exercise_order: Iterable[str] = ()) -> str:
    """A Markdown report for ``$GITHUB_STEP_SUMMARY``: the total, what to fix, then one row per check.

    The rows of the checks to fix come first, then the ones still to do, then the rest.
    """
    share = f" ({result.score / result.max_score:.0%})" if result.max_score else ""
    outstanding = Outstanding.of(result, tuple(exercise_order))
    lines = [
        f"### Self-check: {escape_markdown(title)}",
        "",
        f"**{result.score:g} / {result.max_score:g}** points from the visible checks{share}. "
        "Hidden checks are run only by your instructor's grader.",
        "",
        f"**{escape_markdown(outstanding.closing())}**",
        "",
        "| | Exercise | Check | Points | Message |",
        "|---|---|---|---|---|",
    ]
    first = [*outstanding.to_fix, *outstanding.to_do]
    for check in [*first, *(c for c in result.checks if c not in first)]:
        message = check.message + (f" Hint: {check.hint}" if check.status != PASSED and check.hint else "")
        points = f"{check.score:g} / {check.max_score:g}"
        lines.append(f"| {_SYMBOL.get(check.status, '❌')} | {escape_markdown(check.exercise)} | "
                     f"{escape_markdown(check.id)}: {escape_markdown(check.title)} | {points} | "
                     f"{escape_markdown(message)} |")
    for note in result.notes:
        lines.append(f"\n> {escape_markdown(note)}")
    return "\n".join(lines) + "\n"


def append_summary(path: Path, markdown: str) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(markdown + "\n")


# ---------------------------------------------------------------- JUnit XML

_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """Text XML 1.0 can hold: control characters (a student's exception message may have them) dropped."""
    return _NOT_XML.sub("\ufffd", text)


def junit_xml(result: SubmissionResult, *, suite: str, checks: Iterable[CheckResult] | None = None) -> bytes:
    """A JUnit report: one testcase per check, failures carrying the message, hint and first failing case."""
    checks = list(result.checks if checks is None else checks)
    failures = sum(c.status not in (PASSED, INSTRUCTOR_ONLY, TODO, GRADER_ERROR) for c in checks)
    errors = sum(c.status == GRADER_ERROR for c in checks)
    # Skipped: judged by the instructor's grader only, or a stub not written yet.
    skipped = sum(c.status in (INSTRUCTOR_ONLY, TODO) for c in checks)
    counts = {"tests": str(len(checks)), "failures": str(failures), "errors": str(errors), "skipped": str(skipped)}
    root = ET.Element("testsuites", name="labgrade self-check", **counts)
    testsuite = ET.SubElement(root, "testsuite", name=xml_text(suite), time=f"{result.elapsed:.3f}", **counts)
    for check in checks:
        case = ET.SubElement(testsuite, "testcase", classname=xml_text(f"{result.lab}.{check.exercise}"),
                             name=xml_text(f"{check.id}: {check.title}"), time="0")
        if check.status == PASSED:
            continue
        if check.status in (INSTRUCTOR_ONLY, TODO):
            prefix = "To do: " if check.status == TODO else ""
            ET.SubElement(case, "skipped", message=xml_text(prefix + check.message))
            continue
        kind = "error" if check.status == GRADER_ERROR else "failure"
        element = ET.SubElement(case, kind, message=xml_text(check.message),
                                type=check.status if check.status != ERROR else "error")
        element.text = xml_text(check_output(check))
    if result.notes:
        ET.SubElement(testsuite, "system-out").text = xml_text("\n".join(result.notes))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
