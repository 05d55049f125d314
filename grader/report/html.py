"""HTML pages: a report per student, a dashboard per lab, an index of the labs.

    <out>/index.html                 every lab graded into <out>
    <out>/<lab>/index.html           the class dashboard: students × exercises, statistics, exports
    <out>/<lab>/<student>.html       one student's report: always the student's view
    <out>/<lab>/instructor/<student>.html   with ``instructor=True``: the same report with hidden checks shown,
                                     marked as the instructor's (title, banner, noindex) — never for students
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
unless it is rendered with ``instructor=True``; such a page is only ever written
to the ``instructor/`` folder (see `write_student_report`), so that a page at the
student's own address is always one that student may see.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import jinja2
import nbformat
from markupsafe import Markup, escape

from grader import __version__
from grader.adjust import AdjustFiles, FinalGrade, Policy, load_policy
from grader.adjust.final import result_items, rubric_items, save_deadline, saved_deadline
from grader.adjust.times import describe_source
from grader.errors import GraderError
from grader.report import executed, feedback, gradebook, lms, stats, triage
from grader.report.code import code_styles
from grader.report.files import write_atomic
from grader.results import NOT_RUN, PASSED, CaseResult, CheckResult, SubmissionResult
from grader.rubric import Rubric
from grader.store import ResultsStore, lab_stores

CHECKOUT_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"  # the source of truth
PACKAGED_TEMPLATES = Path(__file__).resolve().parents[1] / "templates"  # the copy build_py puts in a wheel
# An installed wheel uses its own copy (a stray site-packages/templates/ must not win); a checkout has no copy.
TEMPLATES = PACKAGED_TEMPLATES if (PACKAGED_TEMPLATES / "base.html.j2").is_file() else CHECKOUT_TEMPLATES
SCRIPT = "sortable.js"  # the one inline script, allowed by its hash
LAB_FILE = "lab.json"  # the lab's title and exercise titles, so `grade report` needs no rubric
ROSTER_FILE = "roster.csv"  # looked for in <out>/ when no roster is passed
INSTRUCTOR_FOLDER = "instructor"  # <out>/<lab>/instructor/: pages with hidden checks shown
INSTRUCTOR_TITLE = "INSTRUCTOR VIEW · "
# Added to every instructor page whatever its template says (constant markup, nothing from a student).
INSTRUCTOR_HEAD = '<meta name="robots" content="noindex, nofollow">'
INSTRUCTOR_BANNER = ('<p class="callout instructor" role="alert"><strong>INSTRUCTOR VIEW</strong> — this page '
                     "shows hidden checks' inputs and expected values. It is not the student's report: "
                     "do not hand it out.</p>")
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


_TICKED = re.compile(r"`([^`\n]{1,200})`")


def prose(text: str) -> Markup:
    """A grader message as page text: escaped first, then its `names in backticks` set as code."""
    return Markup(_TICKED.sub(r"<code>\1</code>", str(escape(text))))


def format_inputs(inputs: dict) -> str:
    return ", ".join(f"{name} = {value!r}" for name, value in inputs.items())


@functools.lru_cache(maxsize=4)
def _environment(folder: Path) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(folder), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(clip=clip, inputs=format_inputs, prose=prose)
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
    anchor: str = ""
    first_failure: str = ""  # the first failing case in plain words
    columns: dict = field(default_factory=dict)  # which columns of the cases table hold anything
    code_href: str | None = None  # the line of the student's code behind it


def check_view(check: CheckResult, *, instructor: bool = False, anchors: feedback.Anchors | None = None) -> CheckView:
    common = {"anchor": feedback.check_anchor(check.id),
              "code_href": feedback.check_href(check, anchors) if anchors else None}
    if not check.hidden or instructor:
        failed = next((case for case in check.cases if not case.passed), None)
        return CheckView(check=check, message=check.message, cases=check.cases,
                         first_failure=feedback.case_sentence(failed) if failed and check.status != PASSED else "",
                         columns=feedback.case_columns(check.cases), **common)
    if not check.cases:  # nothing was compared: the message is about the student's code only
        return CheckView(check=check, message=check.message, cases=(), redacted=True, **common)
    passed = sum(case.passed for case in check.cases)
    message = "Correct." if check.status == PASSED else f"{passed} of {len(check.cases)} hidden cases passed."
    return CheckView(check=check, message=message, cases=(), redacted=True, **common)


@dataclass(frozen=True, kw_only=True)
class FigureView:
    anchor: str
    caption: str  # the cell or script that drew it
    path: str
    src: str = ""  # a data: URI; empty when the image could not be embedded
    problem: str = ""
    part: str = ""
    unit: str = ""


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
                                    src=src, problem=problem, part=unit.part, unit=unit.label))
    return views


def final_view(final: FinalGrade | None) -> dict | None:
    """What the pages say about a final grade (grader.adjust): each step in words; None when there is
    nothing beyond the autograded score."""
    if final is None or not final.graded or not final.adjusted:
        return None
    late = final.lateness
    steps = [{"kind": a.kind, "label": a.label, "points": f"{a.points:+g}", "written": a.written,
              "capped": a.capped, "maximum": f"{a.maximum:g}", "comment": a.comment, "by": a.by}
             for a in final.adjustments]
    return {"autograded": final.autograded, "max": final.max_score, "final": final.final, "steps": steps,
            "lateness": late.text() if late else "", "late_status": str(late.status) if late else "",
            "submitted": late.shown(late.submitted) if late and late.submitted else "",
            "source": describe_source(late.source) if late else "", "due": late.shown(late.due) if late else "",
            "extension": late.extension if late else "",
            "overridden": bool(final.overrides),  # a TA gave points: the one score an ungradable result has
            "title": "; ".join([f"autograded {final.autograded:g}"] + [f"{a.label} {a.points:+g}"
                                                                     for a in final.adjustments])}


def render_student(lab_out: Path, result: SubmissionResult, *, lab: LabInfo, instructor: bool = False,
                   templates: Path | None = None, selfcheck: bool = False, final: FinalGrade | None = None) -> str:
    """A student's page; `selfcheck` marks a self-check's page (visible checks only, no class dashboard).

    What to fix comes first, then what did not run, then each exercise (a fully passed one
    collapsed) with its figures, then the student's code with the lines behind failures marked.
    `final` (grader.adjust) adds the way from the autograded score to the final one under the score;
    without it, the final saved with the result when it was last graded or reported is shown, if any
    (so that `grade release` hands out what the instructor last rendered).
    """
    lab = lab.covering([result])
    if final is None and not selfcheck:
        final = ResultsStore(lab_out).read_final(result.student)
    parts = ResultsStore(lab_out).read_code(result.student)
    anchors = feedback.Anchors(parts)
    figures = _figures(lab_out, result)
    owners = feedback.exercise_of_figures(result)
    exercises = []
    for e, title in lab.exercises:
        score, maximum = result.exercises.get(e, (0.0, 0.0))
        checks = [c for c in result.checks if c.exercise == e]
        exercises.append({
            "id": e, "title": title, "score": score, "max": maximum,
            "checks": [check_view(c, instructor=instructor, anchors=anchors) for c in checks],
            "complete": bool(checks) and all(c.status == PASSED for c in checks),
            "not_run": bool(checks) and (all(c.status == NOT_RUN for c in checks) or not result.scored),
            "figures": [f for f in figures if owners.get((f.part, f.unit)) == e],
        })
    units = [u for u in result.units if u.stdout or u.stderr or u.error or u.figures or u.status != "ok"]
    return render("student.html.j2", templates=templates, lab=lab, result=result, instructor=instructor,
                  exercises=[e for e in exercises if e["checks"] or e["max"]],
                  figures=[f for f in figures if (f.part, f.unit) not in owners],
                  units=units, quiet=len(result.units) - len(units), selfcheck=selfcheck,
                  fix=feedback.to_fix(result), todo=feedback.to_do(result),
                  stops=feedback.stop_views(result, anchors), code=feedback.code_for(result, parts, anchors),
                  code_css=code_styles(), notebooks=executed.notebook_links(lab_out, result.student),
                  final=final_view(final))


def write_student_report(lab_out: Path, result: SubmissionResult, *, lab: LabInfo, instructor: bool = False,
                         templates: Path | None = None, selfcheck: bool = False,
                         final: FinalGrade | None = None) -> Path:
    """The student's page at ``<lab>/<student>.html``, always the student's view; returns its path.

    With `instructor`, also the instructor's page at ``<lab>/instructor/<student>.html``.
    Without it, an instructor page left by an earlier run is removed: it was rendered from
    an earlier result, and must not outlive it.
    """
    path = lab_out / report_name(result.student)
    write_atomic(path, render_student(lab_out, result, lab=lab, templates=templates, selfcheck=selfcheck,
                                      final=final))
    if instructor:
        page = render_student(lab_out, result, lab=lab, instructor=True, templates=templates, selfcheck=selfcheck,
                              final=final)
        write_atomic(instructor_report_path(lab_out, result.student), instructor_page(page))
    elif not selfcheck:
        instructor_report_path(lab_out, result.student).unlink(missing_ok=True)
    return path


def instructor_report_path(lab_out: Path, student: str) -> Path:
    return lab_out / INSTRUCTOR_FOLDER / report_name(student)


def instructor_links(lab_out: Path, students: list[str]) -> dict[str, str]:
    """student -> href (from the dashboard) of their instructor page, for those that have one."""
    return {student: f"{INSTRUCTOR_FOLDER}/{report_href(student)}" for student in students
            if instructor_report_path(lab_out, student).is_file()}


# ---------------------------------------------------------------- pages moved or marked after rendering
# These read only the markup our own templates produce: everything a student wrote is
# escaped (a quote becomes &#34;), so no `href="` or `<nav` in a page comes from a student.

_HREF = re.compile(r'(\shref=")([^"]*)(")')
_NAV = re.compile(r"<nav\b[^>]*>.*?</nav>", re.S)


def is_relative(href: str) -> bool:
    """A link to another file beside this page: not a fragment, an absolute path or a URL (data:, https:)."""
    return bool(href) and not href.startswith(("#", "/")) and ":" not in href.split("/", 1)[0].split("#", 1)[0]


def rewrite_links(page: str, rewrite) -> str:
    """The page with every relative `href` replaced by ``rewrite(href)``."""
    return _HREF.sub(lambda m: m[1] + (rewrite(m[2]) if is_relative(m[2]) else m[2]) + m[3], page)


def without_navigation(page: str) -> str:
    """The page without its navigation bar (the links to the class dashboard and the other labs)."""
    return _NAV.sub("<nav></nav>", page, count=1)


def instructor_page(page: str) -> str:
    """A rendered student page made an instructor page one folder down: marked in its title, its
    head (not indexed) and a banner above everything, its links to the lab's files one level up."""
    marked = page
    for tag, insert in (("head", INSTRUCTOR_HEAD), ("title", INSTRUCTOR_TITLE), ("body", INSTRUCTOR_BANNER)):
        marked, found = re.subn(rf"<{tag}\b[^>]*>", lambda m, insert=insert: m[0] + insert, marked, count=1)
        if not found:  # fail closed: an unmarked instructor page could pass for the student's
            raise GraderError(f"the student report template has no <{tag}>: an instructor page cannot be marked")
    return rewrite_links(marked, lambda href: "../" + href)


# ---------------------------------------------------------------- the executed notebook

def render_notebook_page(ipynb: Path, *, lab: LabInfo, student: str, templates: Path | None = None,
                         back_href: str | None = None) -> str:
    """A saved executed notebook as a page in the reports' layout; `back_href` links the student's report
    (default: where it is in the reports folder, from ``notebooks/<student>/``)."""
    notebook = nbformat.read(ipynb, as_version=4)
    return render("notebook.html.j2", templates=templates, lab=lab, student=student, name=ipynb.name,
                  body=executed.notebook_body(notebook), highlight_css=Markup(executed.highlight_styles()),
                  back_href="../../" + report_href(student) if back_href is None else back_href)


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


def _not_passed_by_check(results: list[SubmissionResult]) -> dict[str, dict[str, list[str]]]:
    """check -> outcome -> the students with that outcome (failed, missing, not_run), in the results' order."""
    grouped: dict[str, dict[str, list[str]]] = {}
    for row in stats.not_passed(results).itertuples(index=False):
        grouped.setdefault(row.check, {}).setdefault(row.outcome, []).append(row.student)
    return grouped


def render_lab(results: list[SubmissionResult], *, lab: LabInfo, exports: lms.Exports | None = None,
               templates: Path | None = None, instructor_pages: dict[str, str] | None = None,
               finals: dict[str, FinalGrade] | None = None, similarity: bool = False) -> str:
    """The class dashboard: who needs attention, students × exercises, statistics, checks, exports.

    `instructor_pages` (student -> href, see `instructor_links`) are the instructor views that exist.
    `finals` (grader.adjust) add a Final column to the students table when any student's differs or
    the lab has a deadline."""
    finals = finals or {}
    final_views = {student: view for student, final in finals.items() for view in [final_view(final)] if view}
    lab = lab.covering(results)
    ids = [e for e, _ in lab.exercises]
    exercise_rows = stats.exercise_summary(results, ids).to_dict("records")
    attention = triage.needs_attention(results)
    marks = {r.student: triage.exercise_marks(r) for r in results}
    shown = dict.fromkeys(m.kind for by_exercise in marks.values() for kinds in by_exercise.values() for m in kinds)
    return render(
        "lab.html.j2", templates=templates, lab=lab, results=results, summary=stats.summary(results),
        exercise_rows=exercise_rows, maxima={row["exercise"]: row["max"] for row in exercise_rows},
        check_rows=stats.check_pass_rates(results).to_dict("records"), not_passed=_not_passed_by_check(results),
        attention=attention, anchors={entry.student: f"attention-{n}" for n, entry in enumerate(attention, 1)},
        marks=marks, mark_kinds=[(kind, *triage.stop_kind(kind)) for kind in shown],
        review={r.student: triage.review_reasons(r) for r in results},
        plot=distribution_plot(results),
        roster=exports.matching if exports else lms.Matching(rows=()),
        downloads=[(label, path.name) for label, path in (exports.files.items() if exports else ())],
        instructor_pages=instructor_pages or {}, finals=final_views, similarity=similarity)


def render_index(out: Path, *, templates: Path | None = None) -> str:
    labs = []
    for store in lab_stores(out):
        lab_out, results = store.lab_out, store.read_all()
        info = saved_lab_info(lab_out)
        labs.append({"id": lab_out.name, "title": info.title, "summary": stats.summary(results)})
    return render("index.html.j2", templates=templates, labs=labs)


def write_dashboards(lab_out: Path, results: list[SubmissionResult], *, lab: LabInfo,
                     roster: Path | None = None, templates: Path | None = None,
                     finals: dict[str, FinalGrade] | None = None) -> lms.Exports:
    """A lab's LMS exports and dashboard, then the index of every lab in the output folder.

    `roster` defaults to ``<out>/roster.csv`` when that file exists. Returns what
    the exports contain, so that the caller can tell who did not match the roster.
    The LMS files carry the final scores of `finals` (grader.adjust) where given.
    """
    if roster is None and (lab_out.parent / ROSTER_FILE).is_file():
        roster = lab_out.parent / ROSTER_FILE
    write_atomic(lab_out / LAB_FILE, json.dumps(lab.to_json(), indent=2, ensure_ascii=False))
    exports = lms.write_exports(lab_out, results, assignment=lab.title, roster=roster, finals=finals)
    write_atomic(lab_out / "index.html", render_lab(
        results, lab=lab, exports=exports, templates=templates,
        instructor_pages=instructor_links(lab_out, [r.student for r in results]), finals=finals,
        similarity=(lab_out / "similarity.html").is_file()))  # grader.similarity's page, when it was written
    write_atomic(lab_out.parent / "index.html", render_index(lab_out.parent, templates=templates))
    return exports


def lab_policy(lab_out: Path, results: list[SubmissionResult], *, rubric: Rubric | None = None,
               adjust: AdjustFiles | None = None) -> Policy:
    """The overrides and late policy of a lab graded into `lab_out`, checked against its saved results.

    The deadline is the rubric's when there is one, else the one last applied (policy.json)."""
    deadline = rubric.deadline if rubric is not None else saved_deadline(lab_out)
    items = result_items(results) | (rubric_items(rubric) if rubric is not None else set())
    policy = load_policy(lab_out, lab=lab_out.name, deadline=deadline, students={r.student for r in results},
                         items=items, files=adjust or AdjustFiles())
    policy.check(results)
    return policy


def rerender(out: Path, *, instructor: bool = False, roster: Path | None = None, templates: Path | None = None,
             rubrics: dict[str, Rubric] | None = None, adjust: AdjustFiles | None = None,
             on_policy=None) -> dict[str, lms.Exports]:
    """Every page under `out` again, from the saved results alone (no student code runs).

    A lab is described by the lab.json saved beside its results, else by a rubric from
    `rubrics` (lab id -> rubric), else by its folder name. Final scores are computed again
    (grader.adjust): the overrides and extensions in ``<out>/<lab>/`` (or `adjust`'s files), the
    deadline of the lab's rubric in `rubrics` (else the one last applied). Every policy is checked
    before anything is written, so a bad line changes no file. The results files are written again
    with the final scores (their raw results unchanged), and grades.csv. `on_policy(lab, policy,
    finals)` is called per lab. Returns each rendered lab's LMS exports, by lab id.
    """
    if not out.is_dir():
        raise GraderError(f"{out} is not a folder of grading results")
    rendered = {}
    labs = []
    for store in lab_stores(out):
        results = store.read_all()
        rubric = (rubrics or {}).get(store.lab_out.name)
        labs.append((store, results, rubric, lab_policy(store.lab_out, results, rubric=rubric, adjust=adjust)))
    for store, results, rubric, policy in labs:
        lab_out = store.lab_out
        lab = saved_lab_info(lab_out)
        if not (lab_out / LAB_FILE).is_file() and rubric is not None:
            lab = LabInfo.from_rubric(rubric)
        finals = policy.finals(results)
        save_deadline(lab_out, policy.deadline)
        for result in results:
            if result.graded:
                store.write(result, finals[result.student])
        _rerender_notebook_pages(lab_out, lab=lab, templates=templates)
        for result in results:
            write_student_report(lab_out, result, lab=lab, instructor=instructor, templates=templates,
                                 final=finals[result.student])
        _remove_other_instructor_pages(lab_out, {report_name(r.student) for r in results} if instructor else set())
        gradebook.write_grades(lab_out / "grades.csv", [e for e, _ in lab.covering(results).exercises], results, finals)
        rendered[lab_out.name] = write_dashboards(lab_out, results, lab=lab, roster=roster, templates=templates,
                                                  finals=finals)
        if on_policy:
            on_policy(lab_out.name, policy, finals)
    if not rendered:
        raise GraderError(f"no lab results under {out} (expected {out}/<lab>/results/*.json)")
    return rendered


def _remove_other_instructor_pages(lab_out: Path, keep: set[str]) -> None:
    """Instructor pages of students who have no result any more (or all of them, `keep` empty)."""
    folder = lab_out / INSTRUCTOR_FOLDER
    if not folder.is_dir():
        return
    for page in folder.glob("*.html"):
        if page.name not in keep:
            page.unlink(missing_ok=True)
    if not any(folder.iterdir()):
        folder.rmdir()
