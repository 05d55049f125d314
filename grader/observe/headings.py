"""Where a whole-lab file says which exercise comes next: its headings.

A notebook that answers the whole lab usually marks its sections with
markdown (``## Exercise 4``); a whole-lab script with banner comments
(``# ---- Q4 ----``, ``# Lab 2 - Q3: relu neuron``). Like a file's name, a
heading is only a prior for recognition: what the code computes decides.

Only lines that read as headings count: the exercise is named first (after
decoration, and at most one numbered word such as ``Lab 2``), so a remark like
``# same as Q2 but with the sigmoid`` names nothing. A heading may list several
exercises (``# Q2 and the additional question``).
"""
from __future__ import annotations

import functools
import io
import re
import tokenize
from dataclasses import dataclass

from grader.discover import exercise_prefixes

_DECORATION = re.compile(r"^[\s#*=\-_~:|>.\[\]()]+")
_LEADING_NUMBERED_WORD = re.compile(r"^[a-z]+\s*\d+\s*[\W_]*\s*")  # `lab 2 - `, `part 1: `
# A word, words that may sit between it and the number (`exercise question 3`, `question no. 3`), the number.
_REFERENCE = re.compile(r"([a-z]+)(?:\s*(?:question|no|nr|number)\b\.?)?[ _\-.#:]*(\d+)?(?![0-9])")
_WORDS = exercise_prefixes()
_BANNER = re.compile(r"#{2,}|-{3,}|={3,}|\*{2,}|~{3,}|_{3,}")
_TITLE_SEPARATOR = re.compile(r"^\s*(?:$|[:\-–—.)|*#=/(,])")
_JOINER = re.compile(r"^\s*(?:/|,|&|\+|and\b|the\b|\s)+")


@dataclass(frozen=True)
class Heading:
    """A heading naming exercises: in unit `unit`, at `line` (0: the prose before a notebook cell)."""

    unit: int
    line: int
    exercises: tuple[str, ...]


def _reference(word: str, number: str | None, exercise_ids: tuple[str, ...]) -> str | None:
    letter = _WORDS.get(word)
    if letter is None:
        return None
    if number is not None:
        candidate = f"{letter}{int(number)}"
        return candidate if candidate in exercise_ids else None
    # Without a number only an exercise its letter alone names (`## Additional question` when the lab has one),
    # and never the generic words every exercise is called by.
    if letter in (_WORDS["q"], _WORDS["p"]):
        return None
    same = [e for e in exercise_ids if re.fullmatch(rf"{letter}\d+", e)]
    return same[0] if len(same) == 1 else None


def exercises_in_heading(text: str, exercise_ids: tuple[str, ...], *, titled: bool = False) -> tuple[str, ...]:
    """The exercises a heading line names (`## Exercise 4` → Q4), or () when the line is not such a heading.

    With `titled`, for lines that are headings only if they read as one (a comment in code, the first line of
    a markdown cell), the name must stand alone or before a separator (`# Q3: relu`, `# ---- Q4 ----`): a
    remark such as `# q1 data` names nothing."""
    lowered = text.lower()
    start = _DECORATION.sub("", lowered).strip()
    for rest in (start, _LEADING_NUMBERED_WORD.sub("", start, count=1)):
        found, tail = _references(rest, exercise_ids)
        if found:
            if titled and not (_BANNER.search(lowered) or _TITLE_SEPARATOR.match(tail)):
                return ()
            return tuple(found)
    return ()


def _references(rest: str, exercise_ids: tuple[str, ...]) -> tuple[list[str], str]:
    """The exercises named one after another at the start of `rest`, and the text after the last of them."""
    found: list[str] = []
    tail = rest
    while True:
        match = _REFERENCE.match(rest)
        exercise = match and _reference(match[1], match[2], exercise_ids)
        if not exercise:
            return found, tail
        if exercise not in found:
            found.append(exercise)
        rest = rest[match.end():]
        if match[2] is None:  # `additional question`: the word after it is part of the name
            rest = re.sub(r"^\s*(?:question|q)\b", "", rest)
        tail = rest
        joined = _JOINER.match(rest)
        if not joined:
            return found, tail
        rest = rest[joined.end():]


def _numbered_heading(text: str, *, titled: bool = False) -> bool:
    """A heading for an exercise this lab does not have (`# Exercise 8`, `## Question 2b`): it still ends the
    previous section, so what follows is not taken for that section's exercise."""
    lowered = text.lower()
    match = _REFERENCE.match(_DECORATION.sub("", lowered).strip())
    if not (match and match[2] is not None and match[1] in _WORDS):
        return False
    return not titled or bool(_BANNER.search(lowered) or _TITLE_SEPARATOR.match(match.string[match.end():]))


@functools.lru_cache(maxsize=4096)
def _comments(source: str) -> tuple[tuple[int, str], ...]:
    # Cached: a part is read again for each of its runs (other seeds, moved inputs), its units mostly unchanged,
    # and tokenizing is most of what reading its headings costs.
    try:
        return tuple((token.start[0], token.string)
                     for token in tokenize.generate_tokens(io.StringIO(source).readline)
                     if token.type == tokenize.COMMENT)
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return ()


SHORT_TITLE = 40  # characters: a markdown cell holding only this much, starting with an exercise's name, titles it


def _prose_headings(text: str) -> list[tuple[str, bool]]:
    """A markdown cell's heading lines, and its first line (students often write `Q4.` or `**Exercise 4**` as
    plain text; it must then read as a title), each with whether it must; the prose below is not read, since
    it mentions other exercises freely."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) == 1 and len(lines[0].strip()) <= SHORT_TITLE:
        return [(lines[0], False)]  # a markdown cell of one short line (`Q2 relu`) is a title, however written
    return [(line, not line.lstrip().startswith("#")) for n, line in enumerate(lines)
            if n == 0 or line.lstrip().startswith("#")]


def headings(sources: tuple[str, ...], prose: tuple[str, ...], exercise_ids: tuple[str, ...]) -> tuple[Heading, ...]:
    """Every heading of a part in order: the prose before each unit (a notebook's markdown), then the unit's
    own comment lines."""
    found = []
    for unit, source in enumerate(sources):
        for line, titled in _prose_headings(prose[unit] if unit < len(prose) else ""):
            named = exercises_in_heading(line, exercise_ids, titled=titled)
            if named or _numbered_heading(line, titled=titled):
                found.append(Heading(unit=unit, line=0, exercises=named))
        for line, comment in _comments(source):
            named = exercises_in_heading(comment, exercise_ids, titled=True)
            if named or _numbered_heading(comment, titled=True) or _titled_banner(comment):
                found.append(Heading(unit=unit, line=line, exercises=named))
    return tuple(found)


def _titled_banner(comment: str) -> bool:
    """`# ---------- results ----------`, `# ===== helpers =====`: a banner with a title that names no exercise
    ends the section before it; what follows (a summary table printed at the end) belongs to no exercise."""
    return bool(_BANNER.search(comment)) and bool(re.search(r"[A-Za-z]{3,}", comment))


def opening_section(sections: tuple[Heading, ...], unit: int) -> tuple[str, ...]:
    """The exercises a unit as a whole sits under: its own first heading, else the last one before it."""
    own = [heading for heading in sections if heading.unit == unit]
    return own[0].exercises if own else section_at(sections, unit, 0)


def section_at(sections: tuple[Heading, ...], unit: int, line: int) -> tuple[str, ...]:
    """The exercises the last heading at or before (unit, line) names."""
    last: tuple[str, ...] = ()
    for heading in sections:
        if (heading.unit, heading.line) <= (unit, line):
            last = heading.exercises
        else:
            break
    return last
