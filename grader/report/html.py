"""HTML pages: a report per student, a dashboard per lab, an index of the labs.

    <out>/index.html                 every lab graded into <out>
    <out>/<lab>/index.html           the class dashboard: students × exercises, statistics, exports
    <out>/<lab>/<student>.html       one student's report
    <out>/<lab>/notebooks/<student>/ their notebook as it ran (see executed.py), linked from the report

Pages are rendered through the Jinja templates in ``templates/`` at the top of
this checkout — the source of truth; an installed wheel carries a copy in
``grader/templates/`` (see setup.py) — or a folder passed as ``templates=``, with autoescaping on:
whatever a student's code printed reaches the page as text. Each page is one
self-contained file — styles, the small sorting script, the score plot and
the student's own figures (as base64 data: URIs) are all inline — so it opens
offline, from disk, on a phone, and prints cleanly. A Content-Security-Policy
lets only that one inline script run, a second wall behind escaping.

Hidden checks keep their inputs and expected values out of a student's page
unless it is rendered with ``instructor=True``.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import jinja2
import nbformat
from markupsafe import Markup

from grader import __version__
from grader.errors import GraderError
from grader.report import executed, lms, stats
from grader.report.files import write_atomic
from grader.results import PASSED, CaseResult, CheckResult, SubmissionResult
from grader.rubric import Rubric
from grader.store import lab_stores

CHECKOUT_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"  # the source of truth
PACKAGED_TEMPLATES = Path(__file__).resolve().parents[1] / "templates"  # the copy build_py puts in a wheel
# An installed wheel uses its own copy (a stray site-packages/templates/ must not win); a checkout has no copy.
TEMPLATES = PACKAGED_TEMPLATES if (PACKAGED_TEMPLATES / "base.html.j2").is_file() else CHECKOUT_TEMPLATES
SCRIPT = "sortable.js"  # the one inline script, allowed by its hash
LAB_FILE = "lab.json"  # the lab's title and exercise titles, so `grade report` needs no rubric
ROSTER_FILE = "roster.csv"  # looked for in <out>/ when no roster is passed
OUTPUT_LINES, OUTPUT_CHARS = 60, 6000  # how much of one cell's output a report shows
MAX_FIGURE_BYTES = 5 * 2**20
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
               ".svg": "image/svg+xml"}


@dataclass(frozen=True, kw_only=True)
class LabInfo:
    """What the pages say about a lab: its title and its exercises' titles, in rubric order."""

    id: str
    title: str
    exercises: tuple[tuple[str, str], ...]  # (id, title)

    @property
    def titles(self) -> dict[str, str]:
        return dict(self.exercises)

    @classmethod
    def from_rubric(cls, rubric: Rubric) -> "LabInfo":
        return cls(id=rubric.lab, title=rubric.title, exercises=tuple((e.id, e.title) for e in rubric.exercises))

    def to_json(self) -> dict:
        return {"id": self.id, "title": self.title, "exercises": [list(pair) for pair in self.exercises]}

    @classmethod
    def from_json(cls, data: dict) -> "LabInfo":
        return cls(id=data["id"], title=data["title"], exercises=tuple((e, t) for e, t in data["exercises"]))

    def covering(self, results: list[SubmissionResult]) -> "LabInfo":
        """This description, extended with any exercise the results name but it does not."""
        ids = stats.exercise_ids(results, tuple(e for e, _ in self.exercises))
        return LabInfo(id=self.id, title=self.title, exercises=tuple((e, self.titles.get(e, "")) for e in ids))


def saved_lab_info(lab_out: Path) -> LabInfo:
    """The description saved beside a lab's results, else one made of the folder's name."""
    try:
        return LabInfo.from_json(json.loads((lab_out / LAB_FILE).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return LabInfo(id=lab_out.name, title=lab_out.name, exercises=())


# ---------------------------------------------------------------- helpers the templates use

def report_name(student: str) -> str:
    """A student's report file beside the dashboard; a student called "index" must not replace it."""
    return f"{student}.report.html" if student.casefold() == "index" else f"{student}.html"


def report_href(student: str) -> str:
    return quote(report_name(student))


def percent(score: float, maximum: float) -> float:
    if not maximum or maximum <= 0 or score != score:  # score != score: NaN
        return 0.0
    return round(min(max(score / maximum, 0.0), 1.0) * 100, 1)


def clip(text: str, lines: int = OUTPUT_LINES, chars: int = OUTPUT_CHARS) -> str:
    """The start and the end of a long output, with what was left out counted."""
    rows = text.rstrip("\n").splitlines()
    if len(rows) > lines:
        head, tail = rows[: lines * 2 // 3], rows[-(lines // 3):]
        rows = [*head, f"… {len(rows) - len(head) - len(tail)} lines not shown …", *tail]
    clipped = "\n".join(rows)
    if len(clipped) > chars:
        head, tail = clipped[: chars * 2 // 3], clipped[-(chars // 3):]
        clipped = f"{head}\n… {len(clipped) - len(head) - len(tail)} characters not shown …\n{tail}"
    return clipped


def format_inputs(inputs: dict) -> str:
    return ", ".join(f"{name} = {value!r}" for name, value in inputs.items())


@functools.lru_cache(maxsize=4)
def _environment(folder: Path) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(folder), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(clip=clip, inputs=format_inputs)
    env.globals.update(percent=percent, report_href=report_href, grader_version=__version__)
    return env


def template_folder(templates: Path | None = None) -> Path:
    folder = Path(templates) if templates is not None else TEMPLATES
    if not (folder / "base.html.j2").is_file() or not (folder / SCRIPT).is_file():
        raise GraderError(f"no report templates in {folder} (base.html.j2 and {SCRIPT} are needed)")
    return folder.resolve()


def render(template: str, *, templates: Path | None = None, **context) -> str:
    """One page: the template filled with `context`, the sorting script inline and allowed by its hash."""
    folder = template_folder(templates)
    script = (folder / SCRIPT).read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return _environment(folder).get_template(template).render(
        script=Markup(script), script_hash=f"sha256-{digest}", **context)


# ---------------------------------------------------------------- the student's report

@dataclass(frozen=True, kw_only=True)
class CheckView:
    """A check as one reader may see it: hidden details are left out of a student's page."""

    check: CheckResult
    message: str
    cases: tuple[CaseResult, ...]
    redacted: bool = False


def check_view(check: CheckResult, *, instructor: bool = False) -> CheckView:
    if not check.hidden or instructor:
        return CheckView(check=check, message=check.message, cases=check.cases)
    if not check.cases:  # nothing was compared: the message is about the student's code only
        return CheckView(check=check, message=check.message, cases=(), redacted=True)
    passed = sum(case.passed for case in check.cases)
    message = "Correct." if check.status == PASSED else f"{passed} of {len(check.cases)} hidden cases passed."
    return CheckView(check=check, message=message, cases=(), redacted=True)


@dataclass(frozen=True, kw_only=True)
class FigureView:
    anchor: str
    caption: str  # the cell or script that drew it
    path: str
    src: str = ""  # a data: URI; empty when the image could not be embedded
    problem: str = ""


def embed_image(lab_out: Path, relative: str) -> tuple[str, str]:
    """(data: URI, "") for an image under `lab_out`, or ("", why not)."""
    root = lab_out.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root):
        return "", "it is outside the lab's report folder"
    kind = IMAGE_TYPES.get(path.suffix.lower())
    if kind is None:
        return "", "not an image type a browser shows"
    try:
        if path.stat().st_size > MAX_FIGURE_BYTES:
            return "", f"larger than {MAX_FIGURE_BYTES // 2**20} MB"
        data = path.read_bytes()
    except OSError as error:
        return "", f"cannot read it ({error.strerror or error})"
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}", ""


def _figures(lab_out: Path, result: SubmissionResult) -> list[FigureView]:
    views = []
    for unit in result.units:
        where = unit.part if unit.label == unit.part else f"{unit.label} of {unit.part}"
        for number, relative in enumerate(unit.figures, start=1):
            caption = f"{where} (figure {number})" if len(unit.figures) > 1 else where
            src, problem = embed_image(lab_out, relative)
            views.append(FigureView(anchor=f"figure-{len(views) + 1}", caption=caption, path=relative,
                                    src=src, problem=problem))
    return views


def render_student(lab_out: Path, result: SubmissionResult, *, lab: LabInfo, instructor: bool = False,
                   templates: Path | None = None, selfcheck: bool = False) -> str:
    """A student's page; `selfcheck` marks a self-check's page (visible checks only, no class dashboard)."""
    lab = lab.covering([result])
    exercises = [
        {"id": e, "title": title, "score": result.exercises.get(e, (0.0, 0.0))[0],
         "max": result.exercises.get(e, (0.0, 0.0))[1],
         "checks": [check_view(c, instructor=instructor) for c in result.checks if c.exercise == e]}
        for e, title in lab.exercises
    ]
    units = [u for u in result.units if u.stdout or u.stderr or u.error or u.figures or u.status != "ok"]
    return render("student.html.j2", templates=templates, lab=lab, result=result, instructor=instructor,
                  exercises=[e for e in exercises if e["checks"] or e["max"]], figures=_figures(lab_out, result),
                  units=units, quiet=len(result.units) - len(units), selfcheck=selfcheck,
                  notebooks=executed.notebook_links(lab_out, result.student))


def write_student_report(lab_out: Path, result: SubmissionResult, *, lab: LabInfo, instructor: bool = False,
                         templates: Path | None = None, selfcheck: bool = False) -> Path:
    path = lab_out / report_name(result.student)
    write_atomic(path, render_student(lab_out, result, lab=lab, instructor=instructor, templates=templates,
                                      selfcheck=selfcheck))
    return path


# ---------------------------------------------------------------- the executed notebook

def render_notebook_page(ipynb: Path, *, lab: LabInfo, student: str, templates: Path | None = None) -> str:
    """A saved executed notebook as a page in the reports' layout."""
    notebook = nbformat.read(ipynb, as_version=4)
    return render("notebook.html.j2", templates=templates, lab=lab, student=student, name=ipynb.name,
                  body=executed.notebook_body(notebook), highlight_css=Markup(executed.highlight_styles()),
                  back_href="../../" + report_href(student))


def write_executed_notebooks(lab_out: Path, result: SubmissionResult, sources: dict[str, Path], *, lab: LabInfo,
                             templates: Path | None = None) -> list[Path]:
    """Each notebook part of a submission, executed as the grader ran it: the .ipynb and its page.

    `sources` maps part names to the submitted files. A notebook that cannot be
    read again is skipped: the student's report already says why it did not run.
    """
    pages = []
    for part, source in sources.items():
        if source.suffix != ".ipynb":
            continue
        units = [unit for unit in result.units if unit.part == part]
        try:
            notebook = executed.executed_notebook(source, units, lab_out)
        except Exception:  # deliberately broad: a damaged notebook must not end the batch
            continue
        ipynb = executed.save_executed_notebook(lab_out, result.student, part, notebook)
        page = ipynb.with_suffix(".html")
        write_atomic(page, render_notebook_page(ipynb, lab=lab, student=result.student, templates=templates))
        pages.append(page)
    return pages


def _rerender_notebook_pages(lab_out: Path, *, lab: LabInfo, templates: Path | None = None) -> None:
    for ipynb in sorted((lab_out / executed.FOLDER).glob("*/*.ipynb")):
        try:
            page = render_notebook_page(ipynb, lab=lab, student=ipynb.parent.name, templates=templates)
        except Exception:  # a hand-edited or damaged saved notebook: keep the page that is there
            continue
        write_atomic(ipynb.with_suffix(".html"), page)


# ---------------------------------------------------------------- dashboards

def distribution_plot(results: list[SubmissionResult]) -> str:
    """A histogram of total scores as a PNG data: URI ("" when there is nothing to plot)."""
    maximum = max((r.max_score for r in results), default=0.0)
    if maximum <= 0:
        return ""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # no pyplot: no global backend state
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    bands = stats.score_distribution(results)
    figure = Figure(figsize=(6.4, 2.4), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.bar(bands["low"], bands["students"], width=bands["high"] - bands["low"], align="edge",
             color="#1a7f37", edgecolor="white")
    axes.set_xlim(0, maximum)
    axes.set_xlabel("total score")
    axes.set_ylabel("students")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def render_lab(results: list[SubmissionResult], *, lab: LabInfo, exports: lms.Exports | None = None,
               templates: Path | None = None) -> str:
    lab = lab.covering(results)
    ids = [e for e, _ in lab.exercises]
    return render(
        "lab.html.j2", templates=templates, lab=lab, results=results, summary=stats.summary(results),
        exercise_rows=stats.exercise_summary(results, ids).to_dict("records"),
        check_rows=stats.check_pass_rates(results).to_dict("records"),
        plot=distribution_plot(results),
        roster=exports.matching if exports else lms.Matching(rows=()),
        downloads=[(label, path.name) for label, path in (exports.files.items() if exports else ())])


def render_index(out: Path, *, templates: Path | None = None) -> str:
    labs = []
    for store in lab_stores(out):
        lab_out, results = store.lab_out, store.read_all()
        info = saved_lab_info(lab_out)
        labs.append({"id": lab_out.name, "title": info.title, "summary": stats.summary(results)})
    return render("index.html.j2", templates=templates, labs=labs)


def write_dashboards(lab_out: Path, results: list[SubmissionResult], *, lab: LabInfo,
                     roster: Path | None = None, templates: Path | None = None) -> lms.Exports:
    """A lab's LMS exports and dashboard, then the index of every lab in the output folder.

    `roster` defaults to ``<out>/roster.csv`` when that file exists. Returns what
    the exports contain, so that the caller can tell who did not match the roster.
    """
    if roster is None and (lab_out.parent / ROSTER_FILE).is_file():
        roster = lab_out.parent / ROSTER_FILE
    write_atomic(lab_out / LAB_FILE, json.dumps(lab.to_json(), indent=2, ensure_ascii=False))
    exports = lms.write_exports(lab_out, results, assignment=lab.title, roster=roster)
    write_atomic(lab_out / "index.html", render_lab(results, lab=lab, exports=exports, templates=templates))
    write_atomic(lab_out.parent / "index.html", render_index(lab_out.parent, templates=templates))
    return exports


def rerender(out: Path, *, instructor: bool = False, roster: Path | None = None, templates: Path | None = None,
             rubrics: dict[str, Rubric] | None = None) -> dict[str, lms.Exports]:
    """Every page under `out` again, from the saved results alone (no student code runs).

    A lab is described by the lab.json saved beside its results, else by a rubric from
    `rubrics` (lab id -> rubric), else by its folder name. Returns each rendered
    lab's LMS exports, by lab id.
    """
    if not out.is_dir():
        raise GraderError(f"{out} is not a folder of grading results")
    rendered = {}
    for store in lab_stores(out):
        lab_out, results = store.lab_out, store.read_all()
        lab = saved_lab_info(lab_out)
        if not (lab_out / LAB_FILE).is_file() and rubrics and lab_out.name in rubrics:
            lab = LabInfo.from_rubric(rubrics[lab_out.name])
        _rerender_notebook_pages(lab_out, lab=lab, templates=templates)
        for result in results:
            write_student_report(lab_out, result, lab=lab, instructor=instructor, templates=templates)
        rendered[lab_out.name] = write_dashboards(lab_out, results, lab=lab, roster=roster, templates=templates)
    if not rendered:
        raise GraderError(f"no lab results under {out} (expected {out}/<lab>/results/*.json)")
    return rendered
