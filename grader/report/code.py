"""The student's own code on their report: highlighted, numbered as the report numbers it, failures marked.

Each part (a script, or a notebook cell by cell) is highlighted by Pygments
with an anchor on every line, so a check or a stop can link to the line
behind it, and those lines are highlighted. The code comes from the store
(grader.store: what the grader read), so `grade report` can draw it again
without the submissions.
"""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

STYLE_SCOPE = ".code"


@dataclass(frozen=True, kw_only=True)
class UnitCode:
    label: str
    anchor: str  # the id of the unit's heading; its lines are `<anchor>-<n>`
    html: Markup
    marks: tuple[tuple[int, str], ...]  # (line, why), shown beside the code
    cut: bool = False  # the grader kept only the start of a very long unit


@dataclass(frozen=True, kw_only=True)
class PartCode:
    part: str
    units: tuple[UnitCode, ...]

    @property
    def marked(self) -> bool:
        return any(unit.marks for unit in self.units)


class Anchors:
    """Stable ids for the parts, units and lines of one student's code."""

    def __init__(self, parts: list[dict]):
        self._units = {(part["part"], unit["label"]): f"code-{p}-{u}"
                       for p, part in enumerate(parts) for u, unit in enumerate(part["units"])}
        self._whole = {part["part"]: f"code-{p}-0" for p, part in enumerate(parts) if len(part["units"]) == 1}

    def unit(self, part: str, label: str) -> str | None:
        return self._units.get((part, label)) or (self._whole.get(part) if label == part else None)

    def line(self, part: str, label: str, line: int) -> str | None:
        """The id of a line (or of its unit, when the line is not known); None if that code is not shown."""
        unit = self.unit(part, label)
        if unit is None:
            return None
        return f"{unit}-{line}" if line > 0 else unit


def code_views(parts: list[dict], marks: dict[tuple[str, str], dict[int, str]], anchors: Anchors) -> list[PartCode]:
    """Every saved part as highlighted code; `marks` maps (part, unit label) to {line: why} to highlight."""
    views = []
    for part in parts:
        units = []
        for unit in part["units"]:
            anchor = anchors.unit(part["part"], unit["label"])
            marked = marks.get((part["part"], unit["label"]), {})
            lines = unit["source"].count("\n") + 1
            shown = {line: why for line, why in marked.items() if 0 < line <= lines}
            units.append(UnitCode(label=unit["label"], anchor=anchor, html=_highlighted(unit["source"], anchor, shown),
                                  marks=tuple(sorted(shown.items())), cut=unit.get("cut", False)))
        views.append(PartCode(part=part["part"], units=tuple(units)))
    return views


def _highlighted(source: str, anchor: str, marked: dict[int, str]) -> Markup:
    formatter = HtmlFormatter(linenos="inline", lineanchors=anchor, anchorlinenos=True, hl_lines=sorted(marked),
                              cssclass="code", wrapcode=True)
    # Pygments escapes the source; the result is markup to place as is.
    return Markup(highlight(source or "\n", PythonLexer(), formatter))


def code_styles() -> Markup:
    """CSS for the highlighted code, scoped to the code view."""
    return Markup(HtmlFormatter(style="default").get_style_defs(STYLE_SCOPE))
