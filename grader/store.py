"""The saved results of a lab: the one source of truth every report is rendered from.

    <out>/<lab>/results/<student>.json   one file per student, written atomically
    <out>/<lab>/code/<student>.json      the code the grader read, for the report's code view

Each file is a Gradescope results.json document (grader.report.gradescope)
with the full labgrade result in ``extra_data.labgrade``, so the same file
can be uploaded to Gradescope and re-read here without running any code.
Only this module reads or writes those files; gradebooks, LMS exports and
pages are renderers of what `ResultsStore.read_all` returns.

A file that cannot be read is never dropped: it comes back as an *ungraded*
stand-in (grader.results.unreadable) that every renderer lists.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from grader.report.files import write_atomic
from grader.report.gradescope import to_gradescope
from grader.results import SubmissionResult, unreadable

if TYPE_CHECKING:
    from grader.adjust import FinalGrade

RESULTS_FOLDER = "results"
CODE_FOLDER = "code"
MAX_CODE_CHARS = 400_000  # per student: a report shows code, it is not an archive of it


@dataclass(frozen=True)
class ResultsStore:
    """The results of one lab under one output folder (``<out>/<lab>``)."""

    lab_out: Path

    @property
    def folder(self) -> Path:
        return self.lab_out / RESULTS_FOLDER

    def path(self, student: str) -> Path:
        return self.folder / f"{student}.json"

    def exists(self) -> bool:
        return self.folder.is_dir()

    def write(self, result: SubmissionResult, final: "FinalGrade | None" = None) -> Path:
        """Save one student's result, replacing theirs; a crash leaves the old file or the new one.

        With `final` (grader.adjust) the document's score is the final one, with its adjustments; the
        raw result in ``extra_data.labgrade`` is what `read` returns, whatever the final was."""
        if not result.graded:  # a stand-in for a damaged file: the damaged file stays, to be looked at
            raise ValueError(f"{result.student}: an ungraded stand-in is never saved")
        path = self.path(result.student)
        write_atomic(path, json.dumps(to_gradescope(result, final), indent=2, ensure_ascii=False))
        return path

    def read_final(self, student: str) -> "FinalGrade | None":
        """The final grade saved with a student's result when it was last written (None if there was none
        to say, or the file cannot be read). A rendering, kept for pages made later (`grade release`);
        finals are always computed afresh from the raw results when grading or reporting."""
        from grader.adjust import FinalGrade

        try:
            document = json.loads(self.path(student).read_text(encoding="utf-8"))
            data = document["extra_data"].get("final")
            return FinalGrade.from_json(data) if data else None
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def read(self, student: str) -> SubmissionResult | None:
        """One student's saved result (an ungraded stand-in if damaged), or None if there is none."""
        path = self.path(student)
        return self._read_file(path) if path.is_file() else None

    def read_all(self) -> list[SubmissionResult]:
        """Every saved result, sorted by student; damaged files are ungraded stand-ins, never left out."""
        return [self._read_file(path) for path in sorted(self.folder.glob("*.json"))]

    def write_code(self, student: str, parts: dict[str, tuple]) -> None:
        """Save the code units (grader.sandbox.job.CodeUnit) of each part, as the grader read them."""
        budget, saved = MAX_CODE_CHARS, []
        for part, units in parts.items():
            kept = []
            for unit in units:
                source = unit.source[:max(budget, 0)]
                budget -= len(unit.source)
                kept.append({"label": unit.label, "source": source, "cut": len(source) < len(unit.source)})
            saved.append({"part": part, "units": kept})
        write_atomic(self.lab_out / CODE_FOLDER / f"{student}.json", json.dumps({"parts": saved}, ensure_ascii=False))

    def read_code(self, student: str) -> list[dict]:
        """What `write_code` saved: [{"part", "units": [{"label", "source", "cut"}]}]; [] if none or damaged."""
        try:
            parts = json.loads((self.lab_out / CODE_FOLDER / f"{student}.json").read_text(encoding="utf-8"))["parts"]
            return [{"part": str(part["part"]),
                     "units": [{"label": str(unit["label"]), "source": str(unit["source"]), "cut": bool(unit["cut"])}
                               for unit in part["units"]]} for part in parts]
        except (OSError, ValueError, KeyError, TypeError):
            return []

    def remove_unfinished_writes(self) -> None:
        """A grader killed mid-write leaves a temporary file beside its target (report.files.write_atomic);
        the finished file is either the old one or the new one, so the leftover is only removed."""
        for folder in (self.lab_out, self.folder, self.lab_out / CODE_FOLDER):
            for leftover in folder.glob(".*.tmp"):
                leftover.unlink(missing_ok=True)

    def _read_file(self, path: Path) -> SubmissionResult:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            return SubmissionResult.from_json(document["extra_data"]["labgrade"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            return unreadable(path.stem, self.lab_out.name, f"{RESULTS_FOLDER}/{path.name}", type(error).__name__)


def lab_stores(out: Path) -> Iterator[ResultsStore]:
    """The store of every lab graded into `out`, in lab order."""
    for lab_out in sorted(path for path in out.iterdir() if path.is_dir()):
        store = ResultsStore(lab_out)
        if store.exists():
            yield store
