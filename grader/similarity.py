"""Pairs of submissions that share unusual code, for a person to review.

    <out>/<lab>/similarity.html   the pairs above the threshold, their shared code side by side
    <out>/<lab>/similarity.csv    every pair that shares any unusual code, with its scores

The fingerprints are copydetect's (k-grams of tokens, as MOSS's winnowing uses):
its tokenizer (`filter_code`) turns each student's code into a string where
every name is ``V``/``F``/``O`` and every string ``S``, with comments and spaces
dropped, so renaming variables or rewording comments changes nothing, and its
`hashed_kgrams` hashes every k-gram of that string (k = ``NOISE``, copydetect's
default noise threshold). Two students share a passage when they share a hash.
Every k-gram is kept (a winnowing window of 1: copydetect's ``guarantee_t``
equal to ``noise_t``), so a result never depends on which hashes winnowing
happened to pick, nor on Python's per-process string hashing.

The shares are counted here, on tokens, rather than by copydetect's
`compare_files`: its share counts every k-gram that straddles the end of the
starter's code and the start of an answer as k shared tokens (two students who
answered the same stubs differently came out half alike), and its
``CodeFingerprint(boilerplate=…)`` (0.5.0) also drops one copy of any passage a
student wrote twice. The overlapping regions are mapped back to the text with
copydetect's offsets table, as `compare_files` does.

Removed before comparing, as code nobody needs to explain:

* **boilerplate** — the starter kit's code cells (rendered from
  ``starters/<lab>.toml`` in memory, as `grade kit` would write them) and the
  files the instructor passes (the handout's code). Never the reference
  solution: sharing code with the answer is worth a look.
* **common code** — a passage found in ``common`` submissions or more (by
  default a fifth of the class, at least 4 and at most 10, after MOSS's ``-m``):
  the handout's formulas, the way everyone writes ``x.grad.item()``.

A pair's score is the larger of its two shares: the part of a student's own
unusual code (the tokens left after those removals) that the other student's code
also has. Pairs scoring ``threshold`` or more, and sharing ``MIN_SHARED`` tokens
or more (a four-line answer's share says little), are listed. Nothing here runs
student code: it is read as text and shown escaped.
"""
from __future__ import annotations

import csv
import io
import math
from collections import Counter
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np
from copydetect.utils import filter_code, hashed_kgrams

from grader.discover import CODE_SUFFIXES, Submission
from grader.errors import GraderError
from grader.lab import Lab
from grader.notebook import UnreadableSource, load_units
from grader.report import html
from grader.report.files import write_atomic
from grader.selfcheck.starter import load_starter, starter_notebook

PAGE, TABLE = "similarity.html", "similarity.csv"
NOISE = 25  # copydetect's default noise_t: the shortest shared run, in tokenized characters (about 1.5 lines)
# Measured on the sample class with no handout given (README, "Reports and gradebooks"): the highest pair scores 0.56
# in autograd and 0.80 in linreg, both pairs of handout-style students repeating the handout's template; the next 0.49.
THRESHOLD = 0.6
MIN_SHARED = 2 * NOISE  # tokens of shared own code a listed pair needs (about three lines): a tiny answer's share is noise
CONTEXT = 2  # unshared lines shown around shared ones
MAX_PAIRS_SHOWN = 100  # on the page; the table has them all


@dataclass(frozen=True, kw_only=True)
class Unit:
    """One file or cell of a student's code, where it sits in their text."""

    label: str  # "q1.py", "ada_lovelace.ipynb, cell 3"
    start: int
    source: str

    @property
    def end(self) -> int:
        return self.start + len(self.source)


@dataclass(frozen=True, kw_only=True)
class StudentCode:
    student: str
    text: str  # every unit under a comment naming it
    units: tuple[Unit, ...]


@dataclass(frozen=True, kw_only=True)
class Unreadable:
    """A file left out of the comparison, and why."""

    student: str
    file: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class Side:
    """One student of a pair: how much of their unusual code is shared, and where (spans of their text)."""

    student: str
    share: float
    spans: tuple[tuple[int, int], ...]


@dataclass(frozen=True, kw_only=True)
class Pair:
    first: Side
    second: Side
    shared: int  # tokens of own code in the shared passages, on the side with more

    @property
    def score(self) -> float:
        return max(self.first.share, self.second.share)

    def listed(self, threshold: float) -> bool:
        return self.score >= threshold and self.shared >= MIN_SHARED


@dataclass(frozen=True, kw_only=True)
class Settings:
    threshold: float
    common: int  # a passage in this many submissions or more is common code
    noise: int = NOISE


@dataclass(frozen=True, kw_only=True)
class Similarity:
    lab: str
    settings: Settings
    students: tuple[StudentCode, ...]  # those compared
    pairs: tuple[Pair, ...]  # every pair sharing unusual code, highest score first
    boilerplate: tuple[str, ...]  # what was removed as boilerplate, in words
    handout: bool  # whether the instructor gave files of boilerplate (the handout's code)
    unreadable: tuple[Unreadable, ...]
    not_compared: tuple[str, ...]  # students with no readable code

    @property
    def listed(self) -> tuple[Pair, ...]:
        return tuple(pair for pair in self.pairs if pair.listed(self.settings.threshold))


# ---------------------------------------------------------------- reading the code

def _label(text: str) -> str:
    """A file or cell name as one line of a comment (a student may name a file with a newline in it)."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def join_units(student: str, units: list[tuple[str, str]]) -> StudentCode:
    """One text of (label, source) units, each under a comment naming it (the tokenizer drops comments)."""
    text, placed = "", []
    for label, source in units:
        text += f"# ==== {_label(label)} ====\n"
        placed.append(Unit(label=label, start=len(text), source=source))
        text += source + "\n\n"
    return StudentCode(student=student, text=text, units=tuple(placed))


def _code_files(submission: Submission) -> list[Path]:
    """The parts, then the other code files of a folder (helpers the parts import)."""
    parts = [part.path for part in submission.parts]
    return parts + [path for path in submission.files if path.suffix in CODE_SUFFIXES and path not in parts]


def read_student(submission: Submission) -> tuple[StudentCode, list[Unreadable]]:
    units, unreadable = [], []
    for path in _code_files(submission):
        try:
            read = load_units(path)
        except (UnreadableSource, OSError) as error:
            unreadable.append(Unreadable(student=submission.student, file=path.name, reason=str(error)))
            continue
        prefix = "" if submission.path.is_file() else f"{submission.path.name}/"
        units += [(f"{prefix}{unit.filename}", unit.source) for unit in read]
    return join_units(submission.student, units), unreadable


def starter_code(lab: Lab, course_root: Path) -> str | None:
    """The code cells of the lab's starter notebook, as `grade kit` writes it; None when the lab has no starter."""
    path = course_root / "starters" / f"{lab.id}.toml"
    if not path.is_file():
        return None
    notebook = starter_notebook(load_starter(path, lab.rubric), lab.rubric)
    return "\n\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")


def boilerplate_code(path: Path, lab: Lab) -> str:
    """An instructor's boilerplate file (the handout's code): a notebook's code cells or a file's text."""
    if not path.is_file():
        raise GraderError(f"boilerplate {path} is not a file")
    if path.resolve() == lab.reference_path.resolve() or path.read_bytes() == lab.reference_path.read_bytes():
        raise GraderError(f"{path} is lab {lab.id}'s reference solution: code shared with it is worth a look, "
                          "so it is never boilerplate")
    try:
        return "\n\n".join(unit.source for unit in load_units(path))
    except UnreadableSource as error:
        raise GraderError(f"cannot read boilerplate {path}: {error}") from None


# ---------------------------------------------------------------- fingerprints (copydetect)

@dataclass(frozen=True, kw_only=True)
class Fingerprint:
    """A student's code as copydetect tokenizes and hashes it, and which of its tokens are their own."""

    tokens: str  # copydetect's tokenized code (names V/F/O, strings S, no comments or spaces)
    offsets: np.ndarray  # copydetect's table from a place in `tokens` back to the text
    hashes: np.ndarray  # the hash of the k-gram starting at each token
    kept: np.ndarray  # per k-gram: neither boilerplate nor common
    own: np.ndarray  # per token: inside no boilerplate or common k-gram


def _tokenize(text: str) -> tuple[str, np.ndarray, np.ndarray]:
    tokens, offsets = filter_code(text, "code.py", "python")
    return tokens, offsets, np.asarray(hashed_kgrams(tokens, NOISE), dtype=np.int64)


def _covered(starts: np.ndarray, length: int) -> np.ndarray:
    """Per token: whether a k-gram starting at one of `starts` (a flag per k-gram) covers it."""
    if not length or not starts.any():
        return np.zeros(length, dtype=bool)
    return np.convolve(starts.astype(np.int64), np.ones(NOISE, dtype=np.int64))[:length] > 0


def fingerprint(text: str, removed: np.ndarray) -> Fingerprint:
    tokens, offsets, hashes = _tokenize(text)
    kept = ~np.isin(hashes, removed)
    return Fingerprint(tokens=tokens, offsets=offsets, hashes=hashes, kept=kept,
                       own=~_covered(~kept, len(tokens)))


def _shared(mine: Fingerprint, theirs: Fingerprint) -> np.ndarray:
    """Per token of mine: my own code inside a k-gram that their code also has (and that is kept in both).

    Only own tokens count, so a k-gram straddling the end of the starter's code and the first token of an
    answer adds one token, not k: two students who each answered the same stub differently share nothing.
    """
    starts = mine.kept & np.isin(mine.hashes, theirs.hashes[theirs.kept])
    return _covered(starts, len(mine.tokens)) & mine.own


def _word(ch: str) -> bool:
    return ch.isalnum() or ch in "_."


def _spans(shared: np.ndarray, prints: Fingerprint, text: str) -> tuple[tuple[int, int], ...]:
    """The runs of shared tokens as spans of the student's text, widened to whole words.

    A place in the tokens maps back to the text through copydetect's own offsets table, as its
    `compare_files` does; that table can land a few characters inside a name (`r|ange`), hence the widening.
    """
    edges = np.diff(np.concatenate([[0], shared.astype(np.int64), [0]]))
    slices = np.array([np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)])
    if slices.shape[1] == 0:
        return ()
    if len(prints.offsets) > 0:
        table = prints.offsets
        slices = slices + table[:, 1][np.clip(np.searchsorted(table[:, 0], slices), 0, table.shape[0] - 1)]
    spans = []
    for start, end in zip(*slices.tolist()):
        start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
        while 0 < start < len(text) and _word(text[start]) and _word(text[start - 1]):
            start -= 1
        while 0 < end < len(text) and _word(text[end - 1]) and _word(text[end]):
            end += 1
        if end > start:
            spans.append((start, end))
    return tuple(spans)


def default_common(students: int) -> int:
    """A fifth of the class, at least 4 (three students sharing a passage still show) and at most 10 (MOSS's -m)."""
    return min(10, max(4, math.ceil(students / 5)))


def compare(lab: str, students: list[StudentCode], *, boilerplate: list[str], threshold: float = THRESHOLD,
            common: int | None = None, boilerplate_labels: tuple[str, ...] = (), handout: bool = False,
            unreadable: tuple[Unreadable, ...] = ()) -> Similarity:
    """Every pair of students, compared on their unusual code."""
    empty = tuple(s.student for s in students if not s.text.strip() or not s.units)
    students = [s for s in students if s.student not in empty]
    common = default_common(len(students)) if common is None else common
    removed = {h for code in boilerplate for h in _tokenize(code)[2].tolist()}
    seen = Counter(h for s in students for h in set(_tokenize(s.text)[2].tolist()) - removed)
    removed |= {h for h, count in seen.items() if count >= common}
    removed_hashes = np.array(sorted(removed), dtype=np.int64)
    prints = {s.student: fingerprint(s.text, removed_hashes) for s in students}
    texts = {s.student: s.text for s in students}
    pairs = []
    for a, b in combinations(sorted(prints), 2):
        shared_a, shared_b = _shared(prints[a], prints[b]), _shared(prints[b], prints[a])
        if not shared_a.any() and not shared_b.any():
            continue
        share_a = float(shared_a.sum() / max(1, prints[a].own.sum()))
        share_b = float(shared_b.sum() / max(1, prints[b].own.sum()))
        pairs.append(Pair(first=Side(student=a, share=share_a, spans=_spans(shared_a, prints[a], texts[a])),
                          second=Side(student=b, share=share_b, spans=_spans(shared_b, prints[b], texts[b])),
                          shared=int(max(shared_a.sum(), shared_b.sum()))))
    pairs.sort(key=lambda p: (-p.score, -p.shared, p.first.student, p.second.student))
    return Similarity(lab=lab, settings=Settings(threshold=threshold, common=common),
                      students=tuple(students), pairs=tuple(pairs), boilerplate=boilerplate_labels,
                      handout=handout, unreadable=unreadable, not_compared=empty)


def find_similar(lab: Lab, submissions: list[Submission], *, course_root: Path, extra: list[Path] = (),
                 threshold: float = THRESHOLD, common: int | None = None) -> Similarity:
    """Read the class, remove the starter's and the given files' code, and compare every pair."""
    students, unreadable = [], []
    for submission in submissions:
        code, skipped = read_student(submission)
        students.append(code)
        unreadable += skipped
    boilerplate, labels = [], []
    starter = starter_code(lab, course_root)
    if starter is not None:
        boilerplate.append(starter)
        labels.append(f"the starter kit's code (starters/{lab.id}.toml)")
    for path in extra:
        boilerplate.append(boilerplate_code(path, lab))
        labels.append(path.name)
    return compare(lab.id, students, boilerplate=boilerplate, threshold=threshold, common=common,
                   boilerplate_labels=tuple(labels), handout=bool(extra), unreadable=tuple(unreadable))


# ---------------------------------------------------------------- what the page shows

@dataclass(frozen=True, kw_only=True)
class Line:
    number: int | None  # None: lines left out, counted in `skipped`
    pieces: tuple[tuple[str, bool], ...] = ()  # (text, shared)
    skipped: int = 0


@dataclass(frozen=True, kw_only=True)
class Excerpt:
    """A unit's shared lines with a little context."""

    label: str
    first: int  # the first and last shared line
    last: int
    lines: tuple[Line, ...]


def _pieces(line: str, at: int, spans: list[tuple[int, int]]) -> tuple[tuple[str, bool], ...]:
    pieces, cursor, end = [], at, at + len(line)
    for start, stop in spans:
        start, stop = max(start, at, cursor), min(stop, end)  # widened spans may overlap
        if start >= stop:
            continue
        if start > cursor:
            pieces.append((line[cursor - at:start - at], False))
        pieces.append((line[start - at:stop - at], True))
        cursor = stop
    if cursor < end:
        pieces.append((line[cursor - at:], False))
    return tuple(pieces)


def excerpts(code: StudentCode, spans: tuple[tuple[int, int], ...], context: int = CONTEXT) -> tuple[Excerpt, ...]:
    """The units a side's spans touch, each cut to its shared lines and `context` lines around them."""
    shown = []
    for unit in code.units:
        inside = sorted((max(s, unit.start), min(e, unit.end)) for s, e in spans if s < unit.end and e > unit.start)
        if not inside:
            continue
        lines, at, rows = unit.source.split("\n"), unit.start, []
        for line in lines:
            pieces = _pieces(line, at, inside)
            rows.append((pieces, any(shared and text.strip() for text, shared in pieces)))
            at += len(line) + 1
        marked = [n for n, (_, shared) in enumerate(rows) if shared]
        if not marked:
            continue
        keep = {n for m in marked for n in range(m - context, m + context + 1) if 0 <= n < len(rows)}
        out, gap = [], 0
        for n, (pieces, _) in enumerate(rows):
            if n not in keep:
                gap += 1
                continue
            if gap:
                out.append(Line(number=None, skipped=gap))
                gap = 0
            out.append(Line(number=n + 1, pieces=pieces or (("", False),)))
        if gap:
            out.append(Line(number=None, skipped=gap))
        shown.append(Excerpt(label=unit.label, first=marked[0] + 1, last=marked[-1] + 1, lines=tuple(out)))
    return tuple(shown)


def table_csv(result: Similarity) -> str:
    """Every pair sharing unusual code, highest score first (names kept from reading as formulas)."""
    def cell(text: str) -> str:
        return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student_a", "student_b", "score", "share_a", "share_b", "shared_tokens", "listed"])
    for pair in result.pairs:
        writer.writerow([cell(pair.first.student), cell(pair.second.student), f"{pair.score:.3f}",
                         f"{pair.first.share:.3f}", f"{pair.second.share:.3f}", pair.shared,
                         "yes" if pair.listed(result.settings.threshold) else "no"])
    return buffer.getvalue()


def write_similarity(lab_out: Path, result: Similarity, *, title: str, templates: Path | None = None) -> Path:
    """`similarity.html` and `similarity.csv` in the lab's output folder; returns the page's path."""
    codes = {s.student: s for s in result.students}
    listed = result.listed
    views = [{"pair": pair, "anchor": f"pair-{n}",
              "sides": [{"side": side, "excerpts": excerpts(codes[side.student], side.spans),
                         "report": html.report_href(side.student)
                         if (lab_out / html.report_name(side.student)).is_file() else None}
                        for side in (pair.first, pair.second)]}
             for n, pair in enumerate(listed[:MAX_PAIRS_SHOWN], 1)]
    page = html.render("similarity.html.j2", templates=templates, lab_id=result.lab, title=title, result=result,
                       views=views, listed=len(listed), dashboard=(lab_out / "index.html").is_file(),
                       table=TABLE, min_shared=MIN_SHARED, newline="\n")
    write_atomic(lab_out / TABLE, table_csv(result))
    write_atomic(lab_out / PAGE, page)
    return lab_out / PAGE
