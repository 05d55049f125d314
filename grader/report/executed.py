"""The student's notebook as it ran in the grader: their cells, with this run's outputs.

    <out>/<lab>/notebooks/<student>/<notebook>.ipynb   the executed notebook, to open in Jupyter
    <out>/<lab>/notebooks/<student>/<notebook>.html    the same as a page, linked from the report

It is built from the submitted notebook's cells and the outputs the grading
run recorded for each code cell (printed text, warnings, the error, the
figures). The outputs saved in the submitted file are dropped: they show
whatever the student's own kernel last did, not what the grader saw, and they
are the one place a notebook can carry raw HTML or JavaScript.

The page is nbconvert's ``basic`` template (the notebook's body, raw HTML in
markdown escaped) inside the reports' own layout, so it is as self-contained and
script-free as every other page. `grade report` re-renders it from the saved
``.ipynb`` alone.
"""
from __future__ import annotations

import base64
import functools
import shutil
from pathlib import Path
from urllib.parse import quote

import nbformat
from markupsafe import Markup

from grader.report.files import write_atomic
from grader.results import UnitSummary

FOLDER = "notebooks"
MAX_IMAGE_BYTES = 5 * 2**20


def executed_notebook(source: Path, units: list[UnitSummary], lab_out: Path) -> nbformat.NotebookNode:
    """The submitted notebook with its code cells' outputs replaced by this run's ones.

    `units` are one part's units, labelled ``cell N`` (code cells counted from 1)
    as grader.notebook labels them; a cell with no unit did not run.
    """
    notebook = nbformat.read(source, as_version=4)
    by_label = {unit.label: unit for unit in units}
    number = 0
    for cell in notebook.cells:
        if cell.get("cell_type") != "code":
            continue
        number += 1
        unit = by_label.get(f"cell {number}")
        cell["outputs"] = _outputs(unit, lab_out) if unit else [_note("This cell did not run.")]
        cell["execution_count"] = number if unit else None
    notebook.metadata.pop("widgets", None)  # widget state is another channel for scripts
    return notebook


def _outputs(unit: UnitSummary, lab_out: Path) -> list[nbformat.NotebookNode]:
    outputs = []
    if unit.stdout:
        outputs.append(nbformat.v4.new_output("stream", name="stdout", text=unit.stdout))
    if unit.stderr:
        outputs.append(nbformat.v4.new_output("stream", name="stderr", text=unit.stderr))
    if unit.error:
        outputs.append(nbformat.v4.new_output("stream", name="stderr", text=unit.error))
    elif unit.status != "ok":
        outputs.append(_note(f"This cell ended with status: {unit.status}."))
    for relative in unit.figures:
        image = _png_base64(lab_out, relative)
        if image:
            outputs.append(nbformat.v4.new_output("display_data", data={"image/png": image}))
    return outputs


def _note(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("stream", name="stderr", text=f"[labgrade] {text}\n")


def _png_base64(lab_out: Path, relative: str) -> str:
    root = lab_out.resolve()
    path = (lab_out / relative).resolve()
    if not path.is_relative_to(root) or path.suffix.lower() != ".png" or not path.is_file():
        return ""
    if path.stat().st_size > MAX_IMAGE_BYTES:
        return ""
    return base64.b64encode(path.read_bytes()).decode("ascii")


@functools.lru_cache(maxsize=1)
def _exporter():
    # Imported when a notebook is rendered, not by every CLI start.
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors.sanitize import SanitizeHTML

    # Raw HTML in markdown is escaped before the markdown is rendered; headings,
    # lists and emphasis written in markdown survive. (HTMLExporter's own
    # sanitize_html escapes every <h1> and <p> the markdown produces.) The page's
    # Content-Security-Policy stops whatever a link or image could still try.
    exporter = HTMLExporter(template_name="basic", exclude_anchor_links=True)
    exporter.register_preprocessor(SanitizeHTML(enabled=True), enabled=True)
    return exporter


def notebook_body(notebook: nbformat.NotebookNode) -> Markup:
    """The notebook's cells as HTML, markdown sanitized, ready to sit inside a page."""
    body, _ = _exporter().from_notebook_node(notebook)
    return Markup(body)


@functools.lru_cache(maxsize=1)
def highlight_styles() -> str:
    """CSS for the code highlighting nbconvert's body uses."""
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(style="default").get_style_defs(".highlight")


def notebook_path(lab_out: Path, student: str, part: str) -> Path:
    """Where one part's executed notebook is saved; its page is the same path ending in .html."""
    return lab_out / FOLDER / student / f"{Path(part).stem}.ipynb"


def forget_notebooks(lab_out: Path, student: str) -> None:
    """Remove a student's executed notebooks, so a report never links to an earlier run's."""
    shutil.rmtree(lab_out / FOLDER / student, ignore_errors=True)


def notebook_links(lab_out: Path, student: str) -> list[tuple[str, str]]:
    """(notebook name, href relative to the lab folder) for each executed notebook page of a student."""
    folder = lab_out / FOLDER / student
    if not folder.is_dir():
        return []
    return [(page.stem + ".ipynb", f"{FOLDER}/{quote(student)}/{quote(page.name)}")
            for page in sorted(folder.glob("*.html"))]


def save_executed_notebook(lab_out: Path, student: str, part: str, notebook: nbformat.NotebookNode) -> Path:
    """Write one part's executed .ipynb; its page is rendered from this file."""
    ipynb = notebook_path(lab_out, student, part)
    ipynb.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(ipynb, nbformat.writes(notebook))
    return ipynb
