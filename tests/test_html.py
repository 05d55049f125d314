"""HTML reports, dashboards and LMS exports: on real graded students, through the CLI, and in a browser."""
import csv
import io
import re
import shutil
import subprocess
from pathlib import Path
from textwrap import dedent
from urllib.parse import unquote, urlparse

import pytest

from conftest import ROOT, run_grade_command
from grader.errors import GraderError
from grader.report import html, lms, stats
from grader.results import CaseResult, CheckResult, SubmissionResult

SAMPLES = ROOT / "submissions" / "autograd"

# A student whose code prints markup, returns markup and fails with markup: all of it must stay text.
MALLORY = dedent('''
    import matplotlib.pyplot as plt
    import torch

    print("<script>window.__xss = 1</script>")
    print('<img src="x" onerror="window.__xss = 2">')


    def sigmoid(x):
        return 1 / (1 + torch.exp(-x))


    def grad_sigmoid_manual(x):
        return "<script>window.__xss = 3</script>"


    plt.plot(range(20), [i * i for i in range(20)])
    raise ValueError("<script>window.__xss = 5</script>")
''')

HIDDEN_RUBRIC = dedent('''
    [lab]
    id = "tiny"
    title = "A tiny lab with a hidden check"
    version = "1"
    reference = "tiny_solution"

    [exercises]
    Q1 = "Square a number"

    [probes.square]
    cases = [{ x = 3.0 }, { x = 123.25 }]
    [[probes.square.strategy]]
    needs = ["square"]
    code = "square(x)"

    [[checks]]
    id = "Q1.value"
    exercise = "Q1"
    probe = "square"
    points = 2
    compare = "scalar"
    hidden = true
    hint = "Multiply x by itself."
''')


def grade(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return run_grade_command(*args, cwd=cwd, timeout=300)


def page(out: Path, *parts: str) -> str:
    return out.joinpath(*parts).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """Four students graded through the CLI: full marks with a figure, a syntax error, a broken notebook, Mallory."""
    root = tmp_path_factory.mktemp("class")
    folder = root / "autograd"
    folder.mkdir()
    for name in ("ada_lovelace.ipynb", "farah_haddad.py", "ivan_petrov.ipynb"):
        shutil.copy(SAMPLES / name, folder / name)
    (folder / "mallory.py").write_text(MALLORY)
    out = root / "out"
    done = grade(str(folder), "--out", str(out), "--seed", "1", "--workers", "2")
    assert done.returncode == 0, done.stderr
    return out, done


def hostile_notebook():
    """Markup in markdown, in printed text, and in outputs saved by the student's own kernel."""
    import nbformat

    v4 = nbformat.v4
    saved = [v4.new_output("display_data", data={"text/html": "<script>window.__xss = 8</script>",
                                                  "application/javascript": "window.__xss = 9"}),
             v4.new_output("stream", name="stdout", text="SAVED-BY-THE-STUDENTS-KERNEL\n")]
    return v4.new_notebook(cells=[
        v4.new_markdown_cell("# Mallory's notebook\n<script>window.__xss = 6</script>\n"
                             '<img src="x" onerror="window.__xss = 7">'),
        v4.new_code_cell('print("<script>window.__xss = 10</script>")\nprint("ran in the grader")',
                         outputs=saved, execution_count=1),
        v4.new_code_cell("import matplotlib.pyplot as plt\nplt.plot(range(12))\nplt.show()"),
        v4.new_code_cell("raise ValueError('on purpose')"),
    ])


@pytest.fixture(scope="module")
def notebooks_graded(tmp_path_factory) -> Path:
    """A notebook class graded with --notebooks: an honest notebook and a hostile one."""
    import nbformat

    root = tmp_path_factory.mktemp("notebooks")
    folder = root / "autograd"
    folder.mkdir()
    shutil.copy(SAMPLES / "ada_lovelace.ipynb", folder)
    nbformat.write(hostile_notebook(), folder / "mallory.ipynb")
    out = root / "out"
    done = grade(str(folder), "--out", str(out), "--seed", "1", "--notebooks")
    assert done.returncode == 0, done.stderr
    return out


def result(student: str, checks: tuple[CheckResult, ...], **extra) -> SubmissionResult:
    exercises = {}
    for check in checks:
        score, maximum = exercises.get(check.exercise, (0.0, 0.0))
        exercises[check.exercise] = (score + check.score, maximum + check.max_score)
    return SubmissionResult(
        student=student, lab="tiny", score=sum(c.score for c in checks), max_score=sum(c.max_score for c in checks),
        checks=checks, exercises=exercises, seed=7, rubric_version="1", grader_version="0", elapsed=0.5, **extra)


def check(id: str, passed: bool, *, hidden: bool = False, cases: tuple[CaseResult, ...] = (),
          message: str = "") -> CheckResult:
    return CheckResult(id=id, exercise=id.split(".")[0], title=f"title of {id}", status="passed" if passed else "failed",
                       score=2.0 if passed else 0.0, max_score=2.0, hidden=hidden, cases=cases,
                       message=message or ("Correct." if passed else "wrong"))


TINY = html.LabInfo(id="tiny", title="Tiny", exercises=(("Q1", "Square"), ("Q2", "Cube")))


class TestStudentReport:
    """Each graded student gets one self-contained page that explains the score."""

    def test_every_student_has_a_report_and_the_terminal_points_to_the_dashboard(self, graded):
        out, done = graded
        for student in ("ada_lovelace", "farah_haddad", "ivan_petrov", "mallory"):
            assert (out / "autograd" / f"{student}.html").is_file()
        assert f"Dashboard: {out / 'index.html'}" in done.stdout

    def test_score_checks_and_hints_are_shown(self, graded):
        out, _ = graded
        text = page(out, "autograd", "mallory.html")
        assert "/ 40</span> points" in text and "What to fix:" in text
        assert "Hint:</strong> Walk back from s to x" in text

    def test_code_that_never_ran_is_one_block_not_graded_and_without_hints(self, graded):
        out, _ = graded
        text = page(out, "autograd", "farah_haddad.html")
        assert "Not graded" in text and text.count("Python cannot read line 54") == 1
        assert "Hint:" not in text and "names defined after that point" not in text
        notebook = page(out, "autograd", "ivan_petrov.html")
        assert "Not graded" in notebook and "save it" in notebook and "NotJSONError" not in notebook

    def test_the_students_figure_is_inline_and_captioned_with_its_cell(self, graded):
        out, _ = graded
        text = page(out, "autograd", "ada_lovelace.html")
        assert re.search(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]{100,}"', text)
        assert "Drawn by cell 3 of ada_lovelace.ipynb" in text

    def test_a_traceback_keeps_the_students_line_numbers(self, graded):
        out, _ = graded
        text = page(out, "autograd", "farah_haddad.html")
        assert "line 54" in text and "SyntaxError" in text

    def test_run_facts_are_recorded(self, graded):
        out, _ = graded
        text = page(out, "autograd", "ada_lovelace.html")
        for fact in ("Random seed</dt><dd>1<", "Rubric version</dt><dd>2026.11.1<", "Grader version"):
            assert fact in text

    def test_pages_are_self_contained(self, graded):
        out, _ = graded
        for path in out.rglob("*.html"):
            text = path.read_text(encoding="utf-8")
            assert not re.search(r'(src|href)="(https?:)?//', text), path
            assert '<meta name="viewport"' in text and "@media print" in text

    def test_long_output_is_clipped_with_a_count(self):
        clipped = html.clip("\n".join(f"line {i}" for i in range(500)))
        assert "line 0" in clipped and "line 499" in clipped and "lines not shown" in clipped
        assert len(clipped.splitlines()) <= html.OUTPUT_LINES + 1


class TestExecutedNotebook:
    """`--notebooks`: each notebook as it ran in the grader, saved and rendered beside the report."""

    def test_the_executed_notebook_holds_this_runs_outputs_not_the_saved_ones(self, notebooks_graded):
        import nbformat

        notebook = nbformat.read(notebooks_graded / "autograd" / "notebooks" / "mallory" / "mallory.ipynb", 4)
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        first = code[0].outputs
        assert [o.output_type for o in first] == ["stream"] and "ran in the grader" in first[0].text
        assert any(o.output_type == "display_data" and "image/png" in o.data for o in code[1].outputs)
        assert "ValueError: on purpose" in code[2].outputs[0].text
        assert "SAVED-BY-THE-STUDENTS-KERNEL" not in nbformat.writes(notebook)

    def test_the_report_links_the_page_and_the_page_links_back(self, notebooks_graded):
        report = page(notebooks_graded, "autograd", "ada_lovelace.html")
        assert 'href="notebooks/ada_lovelace/ada_lovelace.html"' in report
        notebook_page = page(notebooks_graded, "autograd", "notebooks", "ada_lovelace", "ada_lovelace.html")
        assert 'href="../../ada_lovelace.html"' in notebook_page and "data:image/png;base64," in notebook_page

    def test_markup_in_markdown_and_output_stays_text(self, notebooks_graded):
        text = page(notebooks_graded, "autograd", "notebooks", "mallory", "mallory.html")
        assert "<h1" in text and "Mallory" in text  # markdown itself still renders
        assert text.count("<script") == 1 and '<img src="x"' not in text and "&lt;img src=" in text
        assert "&lt;script&gt;window.__xss = 10&lt;/script&gt;" in text and "window.__xss = 9" not in text

    def test_grading_again_without_the_flag_drops_the_stale_notebook(self, notebooks_graded, tmp_path):
        out = tmp_path / "copy"
        shutil.copytree(notebooks_graded, out)
        done = grade(str(SAMPLES / "ada_lovelace.ipynb"), "--lab", "autograd", "--out", str(out), "--seed", "2")
        assert done.returncode == 0, done.stderr
        assert not (out / "autograd" / "notebooks" / "ada_lovelace").exists()
        assert "as it ran in the grader" not in page(out, "autograd", "ada_lovelace.html")
        assert (out / "autograd" / "notebooks" / "mallory" / "mallory.html").is_file()  # not regraded: kept

    def test_off_by_default(self, graded):
        assert not (graded[0] / "autograd" / "notebooks").exists()
        assert "as it ran in the grader" not in page(graded[0], "autograd", "ada_lovelace.html")

    def test_grade_report_renders_the_pages_again(self, notebooks_graded, tmp_path):
        out = tmp_path / "copy"
        shutil.copytree(notebooks_graded, out)
        notebook_page = out / "autograd" / "notebooks" / "mallory" / "mallory.html"
        notebook_page.unlink()
        assert grade("report", str(out)).returncode == 0
        assert notebook_page.read_text(encoding="utf-8") == page(
            notebooks_graded, "autograd", "notebooks", "mallory", "mallory.html")


class TestEscaping:
    """Everything from student code reaches the page as text."""

    def test_printed_returned_and_raised_markup_stays_text(self, graded):
        out, _ = graded
        text = page(out, "autograd", "mallory.html")
        assert "&lt;script&gt;window.__xss = 1&lt;/script&gt;" in text
        assert "&lt;script&gt;window.__xss = 3&lt;/script&gt;" in text
        assert "ValueError: &lt;script&gt;window.__xss = 5&lt;/script&gt;" in text
        assert "<img src=\"x\"" not in text

    def test_the_only_script_on_any_page_is_the_sorting_script(self, graded):
        out, _ = graded
        for path in out.rglob("*.html"):
            assert path.read_text(encoding="utf-8").count("<script") == 1, path

    def test_a_student_name_with_markup_is_escaped_and_its_link_encoded(self):
        name = 'eve<img src=x onerror="alert(1)">#1'
        text = html.render_lab([result(name, (check("Q1.a", True),))], lab=TINY)
        assert "<img src=x" not in text and "eve&lt;img src=x" in text
        assert 'href="eve%3Cimg%20src%3Dx%20onerror%3D%22alert%281%29%22%3E%231.html"' in text

    def test_a_student_called_index_does_not_replace_the_dashboard(self):
        assert html.report_name("index") != "index.html" and html.report_name("Index") != "Index.html"


class TestHiddenChecks:
    """A hidden check's inputs and expected values stay out of a student's page."""

    CASES = (CaseResult(inputs={"x": 123.25}, passed=False, message="differs by 4.5", got="15186.6",
                        expected="15191.06"),)

    def render(self, instructor: bool) -> str:
        leaky = "1 of 1 cases wrong; first: expected 15191.06"  # comparator messages may quote expected values
        graded = result("bob", (check("Q1.secret", False, hidden=True, cases=self.CASES, message=leaky),
                                check("Q2.open", False, cases=self.CASES)))
        return html.render_student(Path("."), graded, lab=TINY, instructor=instructor)

    def test_student_view_hides_inputs_expected_values_and_the_detailed_message(self):
        section = self.render(False).split('id="ex-Q1"')[1].split('id="ex-Q2"')[0]
        assert "123.25" not in section and "15191.06" not in section
        assert "0 of 1 hidden cases passed" in section and "hidden check" in section

    def test_open_checks_still_show_their_cases(self):
        section = self.render(False).split('id="ex-Q2"')[1]
        assert "x = 123.25" in section and "15191.06" in section

    def test_instructor_view_shows_them_with_a_warning(self):
        text = self.render(True)
        section = text.split('id="ex-Q1"')[1].split('id="ex-Q2"')[0]
        assert "x = 123.25" in section and "15191.06" in section
        assert "Instructor view" in text

    def test_through_the_cli(self, tmp_path):
        (tmp_path / "rubrics").mkdir()
        (tmp_path / "reference").mkdir()
        (tmp_path / "rubrics" / "tiny.toml").write_text(HIDDEN_RUBRIC)
        (tmp_path / "reference" / "tiny_solution.py").write_text("def square(x):\n    return x * x\n")
        students = tmp_path / "tiny"
        students.mkdir()
        (students / "bob.py").write_text("def square(x):\n    return 9.0\n")
        out = tmp_path / "out"
        done = grade(str(students), "--course", str(tmp_path), "--out", str(out), "--seed", "7")
        assert done.returncode == 0, done.stderr
        assert "123.25" not in page(out, "tiny", "bob.html") and "15190.6" not in page(out, "tiny", "bob.html")
        done = grade("report", str(out), "--instructor")
        assert done.returncode == 0, done.stderr
        # The instructor view has a folder of its own; the student's page stays the student's view.
        shown = page(out, "tiny", "instructor", "bob.html")
        assert "x = 123.25" in shown and "15190.6" in shown
        assert "123.25" not in page(out, "tiny", "bob.html") and "15190.6" not in page(out, "tiny", "bob.html")


class TestDashboard:
    """The class at a glance: who, how well, which checks are hard."""

    def test_lab_dashboard_links_every_student_and_flags_the_broken_one(self, graded):
        out, _ = graded
        text = page(out, "autograd", "index.html")
        for student in ("ada_lovelace", "farah_haddad", "ivan_petrov", "mallory"):
            assert f'href="{student}.html"' in text
        # Rows are highlighted for the students on the "Needs attention" list: code that did not all run.
        flagged = re.findall(r'<tr class="flagged">\s*<td><a href="([^"]+)"', text)
        assert flagged == ["farah_haddad.html", "ivan_petrov.html", "mallory.html"]
        assert '<img class="plot" src="data:image/png;base64,' in text

    def test_top_index_lists_the_lab(self, graded):
        out, _ = graded
        text = page(out, "index.html")
        assert 'href="autograd/index.html"' in text and "Autograd and computation graphs" in text

    def test_pass_rates_hardest_first(self):
        results = [result(s, (check("Q1.a", True), check("Q1.b", s == "a"))) for s in ("a", "b", "c")]
        rates = stats.check_pass_rates(results)
        assert list(rates["check"]) == ["Q1.b", "Q1.a"]
        assert list(rates["passed"]) == [1, 3] and rates["rate"].iloc[0] == pytest.approx(1 / 3)

    def test_exercise_means_and_medians(self):
        results = [result(s, (check("Q1.a", s != "c"), check("Q2.a", False))) for s in ("a", "b", "c")]
        summary = stats.exercise_summary(results, ["Q1", "Q2"]).set_index("exercise")
        assert summary.loc["Q1", "mean"] == pytest.approx(4 / 3) and summary.loc["Q1", "median"] == 2
        assert summary.loc["Q1", "full"] == 2 and summary.loc["Q2", "full"] == 0

    def test_distribution_counts_every_student_once(self):
        results = [result(s, (check("Q1.a", s != "c"), check("Q2.a", s == "a"))) for s in ("a", "b", "c")]
        bands = stats.score_distribution(results, bins=4)
        assert bands["students"].sum() == 3 and bands["students"].iloc[-1] == 1


class TestRoster:
    """LMS exports match students through a roster; nobody is dropped silently."""

    ROSTER = "submission,id,name,email\nAda_Lovelace,1001,Ada Lovelace,ada@uni.example\nzoe,1002,Zoe Ng,zoe@uni.example\n"

    def test_canvas_and_moodle_exports_list_matched_and_missing(self, tmp_path):
        (tmp_path / "roster.csv").write_text(self.ROSTER)
        results = [result("ada_lovelace", (check("Q1.a", True),)), result("=cmd", (check("Q1.a", False),))]
        exports = lms.write_exports(tmp_path, results, assignment="Tiny lab", roster=tmp_path / "roster.csv")
        canvas = list(csv.reader(io.StringIO((tmp_path / "canvas.csv").read_text())))
        assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Tiny lab"]
        assert canvas[1][0] == "Points Possible" and canvas[1][-1] == "2"
        assert canvas[2:] == [["Ada Lovelace", "", "1001", "", "", "2"], ["Zoe Ng", "", "1002", "", "", ""]]
        moodle = list(csv.DictReader(io.StringIO((tmp_path / "moodle.csv").read_text())))
        assert [(row["ID number"], row["Tiny lab"]) for row in moodle] == [("1001", "2"), ("1002", "")]
        assert exports.matching.unknown == ("=cmd",)
        assert [entry.submission for entry in exports.matching.missing] == ["zoe"]
        check_rows = list(csv.reader(io.StringIO((tmp_path / "roster_check.csv").read_text())))
        assert [row[0] for row in check_rows[1:]] == ["'=cmd", "zoe"]  # a name read as a formula is defused

    def test_without_a_roster_every_submission_is_a_row(self, tmp_path):
        results = [result(s, (check("Q1.a", True),)) for s in ("b", "a")]
        lms.write_exports(tmp_path, results, assignment="Tiny")
        moodle = list(csv.DictReader(io.StringIO((tmp_path / "moodle.csv").read_text())))
        assert [(row["Username"], row["Tiny"]) for row in moodle] == [("a", "2"), ("b", "2")]
        assert not (tmp_path / "roster_check.csv").exists()

    @pytest.mark.parametrize("text, problem", [
        ("name,id\nAda,1\n", "needs a `submission` column"),
        ("submission,name\nada,Ada\n", "one of `id`, `email`, `login`"),
        ("submission,id\nada,1\nADA,2\n", "already on line 2"),
        ("submission,id\n,1\n", "empty `submission`"),
    ])
    def test_a_malformed_roster_is_refused_with_the_reason(self, tmp_path, text, problem):
        (tmp_path / "roster.csv").write_text(text)
        with pytest.raises(GraderError, match=re.escape(problem)):
            lms.read_roster(tmp_path / "roster.csv")

    def test_dashboard_names_unknown_and_missing_students(self, tmp_path):
        out = tmp_path / "out"
        lab_out = out / "tiny"
        results = [result("ada_lovelace", (check("Q1.a", True),)), result("stranger", (check("Q1.a", False),))]
        (out).mkdir()
        (out / "roster.csv").write_text(self.ROSTER)
        (lab_out / "results").mkdir(parents=True)
        html.write_dashboards(lab_out, results, lab=TINY)
        text = page(lab_out, "index.html")
        assert "Not on the roster" in text and 'href="stranger.html">stranger<' in text
        assert "No submission" in text and "Zoe Ng (1002)" in text
        assert 'href="roster_check.csv"' in text


class TestReportCommand:
    """`grade report OUT` rebuilds every page from saved results, running no student code."""

    def test_rerender_without_the_submissions(self, graded, tmp_path):
        out = tmp_path / "copy"
        shutil.copytree(graded[0], out)
        for path in out.rglob("*.html"):
            path.unlink()
        done = grade("report", str(out))
        assert done.returncode == 0, done.stderr
        assert f"Dashboard: {out / 'index.html'}" in done.stdout
        assert (out / "index.html").is_file() and (out / "autograd" / "index.html").is_file()
        assert page(out, "autograd", "ada_lovelace.html") == page(graded[0], "autograd", "ada_lovelace.html")

    def test_a_folder_without_results_is_an_error(self, tmp_path):
        done = grade("report", str(tmp_path))
        assert done.returncode == 2 and "no lab results" in done.stderr

    def test_grading_a_path_still_works_beside_the_report_mode(self):
        from grader.cli import build_parser

        assert build_parser().parse_args(["submissions/"]).path == Path("submissions/")




class TestInBrowser:
    """The dashboard and a report in headless Chromium: links, plots, no script from a student, no errors."""


    def open(self, browser, url: str):
        tab = browser.new_page()
        errors = []
        tab.on("console", lambda message: message.type == "error" and errors.append(message.text))
        tab.on("pageerror", lambda error: errors.append(str(error)))
        tab.goto(url)
        return tab, errors

    def test_dashboard_links_plots_and_sorting(self, browser, graded):
        out, _ = graded
        tab, errors = self.open(browser, (out / "index.html").as_uri())
        tab.click("text=Autograd and computation graphs")
        assert tab.url == (out / "autograd" / "index.html").as_uri()
        for href in tab.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            assert href.startswith("file://") and Path(unquote(urlparse(href).path)).exists(), href
        assert tab.eval_on_selector("img.plot", "img => img.complete && img.naturalWidth") > 0
        tab.click("#students th:nth-child(2) button")  # sort by total, lowest first
        first = tab.eval_on_selector("#students tbody tr td a", "a => a.textContent")
        assert first in ("farah_haddad", "ivan_petrov")
        tab.click("text=ada_lovelace")
        assert tab.url.endswith("/autograd/ada_lovelace.html")
        assert tab.eval_on_selector("figure img", "img => img.complete && img.naturalWidth") > 0
        assert errors == []

    def test_an_executed_notebook_page_shows_its_figure_and_runs_no_student_script(self, browser, notebooks_graded):
        report = notebooks_graded / "autograd" / "mallory.html"
        tab, errors = self.open(browser, report.as_uri())
        tab.click("text=mallory.ipynb as it ran in the grader")
        assert tab.url.endswith("/autograd/notebooks/mallory/mallory.html")
        assert tab.eval_on_selector(".output_area img", "img => img.complete && img.naturalWidth") > 0
        assert tab.evaluate("typeof window.__xss") == "undefined"
        assert tab.evaluate("document.scripts.length") == 1
        tab.click("text=Back to the report")
        assert tab.url == report.as_uri()
        assert errors == []

    def test_a_students_script_does_not_run(self, browser, graded):
        out, _ = graded
        tab, errors = self.open(browser, (out / "autograd" / "mallory.html").as_uri())
        assert tab.evaluate("typeof window.__xss") == "undefined"
        assert "<script>window.__xss = 1</script>" in tab.inner_text("main")
        assert tab.evaluate("document.scripts.length") == 1
        assert errors == []
