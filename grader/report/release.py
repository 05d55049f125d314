"""What a student may be handed: their own report, figures and notebooks, one zip each.

    grade release OUT [--lab LAB] [--to FOLDER]    FOLDER/<lab>/<student>.zip (default FOLDER: OUT/release)

Each zip holds, and holds only:

    <student>.html                  their report, the student's view, standing alone
    figures/<part>/<image>          the figures their code drew (the report shows them inline too)
    notebooks/<notebook>.html       each notebook as it ran in the grader (graded with --notebooks),
    notebooks/<notebook>.ipynb      as a page linked from the report and as a notebook

The report is rendered again from the saved result with ``instructor=False``;
no page of the reports folder is ever copied (an older version of labgrade wrote
instructor pages where student pages now are). It keeps no class navigation and
its notebook links point inside the zip; a report that would still link to a
file outside its zip is not released (fail closed).

Why nothing here can carry a hidden check's inputs or expected values: the
report redacts hidden checks (grader.report.html.check_view). Figures and
executed notebooks hold only what the student's own cells and scripts printed
and drew (grader.report.executed): the probes, the only code that runs with a
hidden check's inputs, run after the student's code, with their output sent to
a sink and their figures closed unsaved (grader.sandbox.child.observe_case), and
expected values never enter a child at all. tests/test_release.py scans every
byte of every zip, and of every file in it, for them.

A saved result that cannot be read (an ungraded stand-in, grader.store) is not
released: it is named in the summary, and a zip left for that student by an
earlier release is removed, so that the folder never holds a stale report.
Zips are deterministic: entries sorted, fixed timestamps and permissions.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import nbformat

from grader.errors import GraderError
from grader.report import executed, html
from grader.results import SubmissionResult
from grader.store import ResultsStore, lab_stores

DEFAULT_FOLDER = "release"  # under the reports folder
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold: the same bytes for the same release
FIGURES, NOTEBOOKS = "figures", "notebooks"
OUTSIDE_LINKS = ("https:", "http:", "mailto:")  # links that leave the zip on purpose, not to other files


@dataclass(frozen=True, kw_only=True)
class Skipped:
    student: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class LabRelease:
    """One lab's release: where the zips are, whose were written, who was not released and why."""

    lab: str
    folder: Path
    released: tuple[str, ...]
    skipped: tuple[Skipped, ...]


def safe_name(name: str) -> str:
    """A file or zip entry name made of `name`: letters, digits, `_`, `-` and inner dots only.

    A name that had to change gets a short hash of the original, so two students never share one.
    """
    cleaned = re.sub(r"[^\w.-]+", "_", unicodedata.normalize("NFC", name)).strip(".")[:80] or "student"
    if cleaned == name:
        return cleaned
    return f"{cleaned}-{hashlib.sha256(name.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"


def release(out: Path, *, to: Path | None = None, lab: str | None = None,
            templates: Path | None = None) -> list[LabRelease]:
    """One zip per graded student of every lab under `out` (or of `lab` only), written to ``to/<lab>/``."""
    if not out.is_dir():
        raise GraderError(f"{out} is not a folder of grading results")
    to = out / DEFAULT_FOLDER if to is None else to
    stores = [store for store in lab_stores(out) if lab is None or store.lab_out.name == lab]
    if not stores:
        wanted = f"lab {lab}" if lab else "lab"
        raise GraderError(f"no {wanted} results under {out} (expected {out}/{lab or '<lab>'}/results/*.json)")
    return [release_lab(store, to / store.lab_out.name, templates=templates) for store in stores]


def release_lab(store: ResultsStore, folder: Path, *, templates: Path | None = None) -> LabRelease:
    if ResultsStore(folder).exists() or folder.resolve() == store.lab_out.resolve():
        raise GraderError(f"{folder} holds a lab's results: release into another folder (--to)")
    lab = html.saved_lab_info(store.lab_out)
    released, skipped = [], []
    for result in store.read_all():
        target = folder / f"{safe_name(result.student)}.zip"
        try:
            if not result.graded:
                raise GraderError(" ".join(result.notes) or "its saved result cannot be read")
            entries = student_files(store.lab_out, result, lab=lab, templates=templates)
        except GraderError as error:
            target.unlink(missing_ok=True)  # an earlier release's zip would be stale
            skipped.append(Skipped(student=result.student, reason=str(error)))
            continue
        write_zip(target, entries)
        released.append(result.student)
    return LabRelease(lab=store.lab_out.name, folder=folder, released=tuple(released), skipped=tuple(skipped))


def student_files(lab_out: Path, result: SubmissionResult, *, lab: html.LabInfo,
                  templates: Path | None = None) -> dict[str, bytes]:
    """What one student is handed, by zip entry name: their report, figures and executed notebooks."""
    page_name = html.report_name(safe_name(result.student))
    files, links = {}, {}
    for ipynb in sorted((lab_out / executed.FOLDER / result.student).glob("*.ipynb")):
        entry = f"{NOTEBOOKS}/{safe_name(ipynb.stem)}"
        try:
            notebook = nbformat.writes(nbformat.read(ipynb, as_version=4))
            page = html.render_notebook_page(ipynb, lab=lab, student=result.student, templates=templates,
                                             back_href="../" + quote(page_name))
        except Exception as error:  # deliberately broad: nbformat and nbconvert raise many kinds
            raise GraderError(f"its executed notebook {ipynb.name} cannot be read ({type(error).__name__})") from error
        files[f"{entry}.ipynb"], files[f"{entry}.html"] = notebook.encode("utf-8"), page.encode("utf-8")
        links[f"{executed.FOLDER}/{quote(result.student)}/{quote(ipynb.stem + '.html')}"] = quote(f"{entry}.html")
    files.update(_figures(lab_out, result))
    page = html.render_student(lab_out, result, lab=lab, instructor=False, templates=templates)
    page = html.rewrite_links(html.without_navigation(page), lambda href: links.get(href, href))
    _links_stay_inside(page, set(files), result.student)
    files[page_name] = page.encode("utf-8")
    for name in files:
        _check_entry(name)
    return files


def _figures(lab_out: Path, result: SubmissionResult) -> dict[str, bytes]:
    """The images the student's code drew, from their own figures folder only."""
    root = (lab_out / FIGURES / result.student).resolve()
    files = {}
    for unit in result.units:
        for relative in unit.figures:
            path = (lab_out / relative).resolve()
            if (not path.is_relative_to(root) or path.suffix.lower() not in html.IMAGE_TYPES
                    or not path.is_file() or path.stat().st_size > html.MAX_FIGURE_BYTES):
                continue  # the report says why it could not show this one
            files[f"{FIGURES}/{safe_name(unit.part)}/{safe_name(path.name)}"] = path.read_bytes()
    return files


class _Links(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.found += [value for name, value in attrs if name in ("href", "src") and value]


def _links_stay_inside(page: str, entries: set[str], student: str) -> None:
    """Refuse a page that links to a file it is not shipped with (the dashboard, another student)."""
    parser = _Links()
    parser.feed(page)
    parser.close()
    for link in parser.found:
        target = link.split("#", 1)[0]
        if not target or link.startswith(("data:", *OUTSIDE_LINKS)):
            continue
        if target not in {quote(entry) for entry in entries}:
            raise GraderError(f"the report of {student} links to {link}, which is not in the release "
                              "(a template that links outside the page?)")


def _check_entry(name: str) -> None:
    parts = name.split("/")
    if name.startswith("/") or "\\" in name or any(part in ("", ".", "..") for part in parts):
        raise GraderError(f"refusing an unsafe zip entry name: {name!r}")


def write_zip(path: Path, files: dict[str, bytes]) -> None:
    """A zip of `files` (entry name -> bytes), written atomically; the same files give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, so that the permissions below are read
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(buffer.getvalue())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
