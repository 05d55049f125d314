"""`grade similarity` end to end, on real files: a planted copy is listed, shared boilerplate is not.

The class: sample students of lab autograd, a copy of dmitri_volkov.py with its variables and some functions
renamed and its comments reworded (a small explicit rewrite below), and two students whose scripts are the
starter kit's cells and the handout's code with answers of their own. Nothing in it runs, but for one tiny
class graded once to see the dashboard's link.
"""
import csv
import re
import shutil
import subprocess
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from textwrap import dedent

import pytest

from conftest import ROOT, run_grade_command
from grader.lab import Course
from grader.selfcheck.starter import load_starter, starter_notebook

SAMPLES = ROOT / "submissions" / "autograd"
SAMPLE_STUDENTS = ["ada_lovelace.ipynb", "ben_okafor", "chen_wei", "dmitri_volkov.py", "ivan_petrov.ipynb"]
COPY = "yann_petit"  # dmitri_volkov.py, rewritten
OWN = ("noor_ali", "omar_sy")  # the starter's cells and the handout's code, plus answers of their own

RENAMES = {  # whole names only; x, a, b … stay
    "dsdc": "grad_c", "dsdb": "grad_b", "dsda": "grad_a", "dsdx": "grad_x", "sig": "activation",
    "common": "shared_factor", "dfdx": "d_x", "dfdy": "d_y", "dfdz": "d_z", "tanhlog_forward": "forward_pass",
}
COMMENTS = {
    "# Lab 2 - autograd and computational graphs": "# autograd lab: my answers",
    "# Dmitri Volkov": "# Yann Petit",
    "# a = relu(v), da/dv = 1, dv/du = 1, du/dw = x": "# chain rule through the relu",
    "# dz/da = 2*dx/da + 3*dy/da = 2*2 + 3*10*a": "# a reaches z along two paths",
}
PLANTED_STRING = "<script>window.__xss = 1</script> P4"  # student text: must reach the page escaped

HANDOUT = dedent('''
    # Handout helpers: plot a function with its derivative, and compare two gradients.
    import matplotlib.pyplot as plt
    import torch


    def plot_with_derivative(f, low=-4.0, high=4.0, steps=200):
        xs = torch.linspace(low, high, steps, requires_grad=True)
        ys = f(xs)
        ys.sum().backward()
        plt.plot(xs.detach(), ys.detach(), label="f")
        plt.plot(xs.detach(), xs.grad, label="df/dx")
        plt.legend()
        plt.show()


    def compare_gradients(manual, automatic, tolerance=1e-6):
        difference = abs(manual - automatic)
        print(f"by hand {manual:.6f}, autograd {automatic:.6f}, difference {difference:.2e}")
        return difference < tolerance
''')
ANSWERS = {  # each student's own bodies for two stubs: different code
    "noor_ali": {"grad_sigmoid_manual": "s = 1.0 / (1.0 + math.exp(-x))\n    return s * (1.0 - s)",
                 "dz_da_manual": "return 4.0 + 30.0 * a"},
    "omar_sy": {"grad_sigmoid_manual": "e = math.exp(x)\n    return e / (1 + e) ** 2",
                "dz_da_manual": "dx_da, dy_da = 2.0, 10.0 * a\n    return 2 * dx_da + 3 * dy_da"},
}


def planted_copy(source: str) -> str:
    """dmitri_volkov.py with names renamed, comments reworded and one string changed."""
    copy = source
    for old, new in RENAMES.items():
        copy, count = re.subn(rf"\b{old}\b", new, copy)
        assert count, old
    for old, new in COMMENTS.items():
        assert old in copy, old
        copy = copy.replace(old, new)
    copy = re.sub(r"#{10} (.+?) #{10}", r"# ---- \1 ----", copy)
    assert 'print("P4", ' in copy
    return copy.replace('print("P4", ', f'print("{PLANTED_STRING}", ')


def own_script(student: str) -> str:
    """The starter's code cells, two stubs answered, then the handout's code."""
    rubric = Course(root=ROOT).load("autograd").rubric
    notebook = starter_notebook(load_starter(ROOT / "starters" / "autograd.toml", rubric), rubric)
    code = "\n\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    for name, body in ANSWERS[student].items():
        stub = f'raise NotImplementedError("{name} is still the starter stub")'
        assert stub in code, name
        code = code.replace(stub, body)
    return code + "\n\n" + HANDOUT


def grade(*args: str) -> subprocess.CompletedProcess:
    return run_grade_command(*args)


def listed(out: Path) -> dict[frozenset, dict]:
    with open(out / "autograd" / "similarity.csv", encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    return {frozenset((r["student_a"], r["student_b"])): r for r in rows if r["listed"] == "yes"}


@pytest.fixture(scope="module")
def class_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("similarity") / "autograd"
    folder.mkdir()
    for name in SAMPLE_STUDENTS:
        (shutil.copytree if (SAMPLES / name).is_dir() else shutil.copy)(SAMPLES / name, folder / name)
    (folder / f"{COPY}.py").write_text(planted_copy((SAMPLES / "dmitri_volkov.py").read_text()), encoding="utf-8")
    for student in OWN:
        (folder / f"{student}.py").write_text(own_script(student), encoding="utf-8")
    (folder.parent / "handout.py").write_text(HANDOUT, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def checked(class_folder) -> tuple[Path, subprocess.CompletedProcess]:
    out = class_folder.parent / "out"
    run = grade("similarity", str(class_folder), "--out", str(out), "--boilerplate",
                str(class_folder.parent / "handout.py"))
    assert run.returncode == 0, run.stderr
    return out, run


class Page(HTMLParser):
    """The parts of a page the tests look at: scripts, resources, each column of shared code."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.scripts, self.sources, self.columns, self.marks = [], [], [], []
        self._in, self._depth = None, 0
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.sources += [attrs[key] for key in ("src", "href") if attrs.get(key)]
        if tag == "script":
            self.scripts.append("")
            self._in = "script"
        elif tag == "div" and self._in is None and self._depth == 0 and attrs.get("class") == "sides":
            self._depth = 1
        elif tag == "div" and self._depth == 1:
            self.columns.append({"text": "", "marks": []})
            self._depth = 2
        elif tag == "mark" and self._depth == 2:
            self.columns[-1]["marks"].append("")
            self._in = "mark"

    def handle_endtag(self, tag):
        if tag in ("script", "mark"):
            self._in = None
        elif tag == "div" and self._depth:
            self._depth -= 1

    def handle_data(self, data):
        if self._in == "script":
            self.scripts[-1] += data
        if self._depth == 2:
            self.columns[-1]["text"] += data
            if self._in == "mark":
                self.columns[-1]["marks"][-1] += data


class TestPairs:
    """Who is listed: the planted copy is, students sharing only the starter's and handout's code are not."""

    def test_the_planted_copy_is_listed_with_high_shares_both_ways(self, checked):
        out, run = checked
        pairs = listed(out)
        pair = pairs[frozenset(("dmitri_volkov", COPY))]
        assert float(pair["share_a"]) > 0.9 and float(pair["share_b"]) > 0.9, pair
        assert "autograd: 7 submission(s) compared" in run.stdout and "not evidence of copying" in run.stdout

    def test_students_sharing_only_the_starter_and_the_handout_are_not_listed(self, checked):
        out, _ = checked
        assert not [pair for pair in listed(out) if pair & set(OWN)], listed(out)

    def test_without_the_handout_as_boilerplate_its_code_counts_as_shared(self, class_folder, tmp_path):
        run = grade("similarity", str(class_folder), "--out", str(tmp_path))
        assert run.returncode == 0, run.stderr
        assert frozenset(OWN) in listed(tmp_path)
        assert "without the handout" in (tmp_path / "autograd" / "similarity.html").read_text(encoding="utf-8")

    def test_an_unreadable_notebook_is_named_and_left_out(self, checked):
        out, run = checked
        assert "not read: ivan_petrov: ivan_petrov.ipynb is not a readable notebook" in run.stdout
        page = (out / "autograd" / "similarity.html").read_text(encoding="utf-8")
        assert "ivan_petrov.ipynb is not a readable notebook" in page
        assert not [pair for pair in listed(out) if "ivan_petrov" in pair]

    def test_the_csv_scores_every_pair_sharing_code_highest_first(self, checked):
        out, _ = checked
        with open(out / "autograd" / "similarity.csv", encoding="utf-8", newline="") as stream:
            rows = list(csv.DictReader(stream))
        assert list(rows[0]) == ["student_a", "student_b", "score", "share_a", "share_b", "shared_tokens", "listed"]
        scores = [float(row["score"]) for row in rows]
        assert scores == sorted(scores, reverse=True) and len(rows) > len(listed(out))
        assert all((row["listed"] == "yes") == (float(row["score"]) >= 0.6 and int(row["shared_tokens"]) >= 50)
                   for row in rows)


class TestPage:
    """The page: the pair's shared code side by side and marked, escaped, neutral words, one script."""

    @pytest.fixture(scope="class")
    @classmethod
    def page(cls, checked) -> tuple[str, Page]:
        out, _ = checked
        text = (out / "autograd" / "similarity.html").read_text(encoding="utf-8")
        return text, Page(text)

    def test_the_shared_code_is_side_by_side_and_marked_in_both_columns(self, page):
        _, parsed = page
        original, copy = parsed.columns[:2]
        assert original["text"].lstrip().startswith("dmitri_volkov") and copy["text"].lstrip().startswith(COPY)
        assert "common = (1 - math.tanh(e) ** 2)" in original["text"]
        assert "shared_factor = (1 - math.tanh(e) ** 2)" in copy["text"]
        assert any("common = (1 - math.tanh(e) ** 2)" in mark for mark in original["marks"])
        assert any("shared_factor = (1 - math.tanh(e) ** 2)" in mark for mark in copy["marks"])
        assert "dmitri_volkov.py" in original["text"] and f"{COPY}.py" in copy["text"]

    def test_student_text_is_escaped(self, page):
        text, parsed = page
        assert "<script>window.__xss" not in text and "&lt;script&gt;window.__xss = 1&lt;/script&gt;" in text
        assert any(PLANTED_STRING in mark for column in parsed.columns for mark in column["marks"])

    def test_the_only_script_is_the_sorting_one_and_nothing_is_loaded(self, page):
        text, parsed = page
        assert parsed.scripts == [(ROOT / "templates" / "sortable.js").read_text(encoding="utf-8")]
        assert "script-src 'sha256-" in text and "default-src 'none'" in text
        assert not [source for source in parsed.sources if re.match(r"(https?:)?//", source)]

    def test_it_says_it_is_for_review_not_an_accusation(self, page):
        text, _ = page
        words = " ".join(unescape(text).split())
        assert "for a person to review, not evidence of copying by itself" in words
        assert "the starter kit's code (starters/autograd.toml); handout.py" in words


class TestCommand:
    """What the command refuses, with a one-line reason and exit status 2."""

    @pytest.mark.parametrize("args, reason", [
        (["--threshold", "1.5"], "--threshold must be between 0 and 1"),
        (["--boilerplate", str(ROOT / "reference" / "autograd.py")], "reference solution"),
        (["--boilerplate", "no_such_handout.py"], "is not a file"),
    ])
    def test_a_bad_option_is_refused(self, class_folder, tmp_path, args, reason):
        run = grade("similarity", str(class_folder), "--out", str(tmp_path), *args)
        assert run.returncode == 2 and reason in run.stderr and len(run.stderr.strip().splitlines()) == 1
        assert not (tmp_path / "autograd").exists()

    def test_a_folder_of_lab_folders_is_compared_lab_by_lab(self, class_folder, tmp_path):
        labs = tmp_path / "labs"
        (labs / "autograd").mkdir(parents=True)
        for name in ("dmitri_volkov.py", f"{COPY}.py"):
            shutil.copy(class_folder / name, labs / "autograd" / name)
        run = grade("similarity", str(labs), "--out", str(tmp_path / "out"))
        assert run.returncode == 0, run.stderr
        assert frozenset(("dmitri_volkov", COPY)) in listed(tmp_path / "out")

    def test_a_folder_that_is_no_lab_is_refused(self, tmp_path):
        run = grade("similarity", str(tmp_path), "--out", str(tmp_path / "out"))
        assert run.returncode == 2 and "cannot tell which lab" in run.stderr


class TestDashboard:
    """Graded into the same folder, the class dashboard links the page; the page links back and to reports."""

    @pytest.fixture(scope="class")
    @classmethod
    def graded(cls, class_folder) -> Path:
        tiny = class_folder.parent / "tiny" / "autograd"
        tiny.mkdir(parents=True)
        shutil.copy(SAMPLES / "dmitri_volkov.py", tiny)
        shutil.copy(class_folder / f"{COPY}.py", tiny)
        out = class_folder.parent / "graded"
        run = grade(str(tiny), "--out", str(out), "--seed", "1")
        assert run.returncode == 0, run.stderr
        assert "similarity.html" not in (out / "autograd" / "index.html").read_text(encoding="utf-8")
        run = grade("similarity", str(tiny), "--out", str(out))
        assert run.returncode == 0, run.stderr
        assert f"grade report {out}" in run.stdout  # the dashboard was written before the page
        assert grade("report", str(out)).returncode == 0
        return out / "autograd"

    def test_the_dashboard_links_the_page(self, graded):
        dashboard = (graded / "index.html").read_text(encoding="utf-8")
        assert '<a href="similarity.html">similarity.html</a>' in dashboard

    def test_the_page_links_the_dashboard_and_the_students_reports(self, graded):
        page = Page((graded / "similarity.html").read_text(encoding="utf-8"))
        assert {"index.html", "dmitri_volkov.html", f"{COPY}.html"} <= set(page.sources)
        assert all((graded / source).is_file() for source in page.sources if not source.startswith(("#", "data:")))


PHONE = {"width": 390, "height": 844}


class TestInBrowser:
    """The page in headless Chromium: no overflow on a phone, columns stacked there and side by side on a desk."""


    def open(self, browser, url: str, viewport: dict):
        tab = browser.new_page(viewport=viewport)
        errors = []
        tab.on("console", lambda message: message.type == "error" and errors.append(message.text))
        tab.on("pageerror", lambda error: errors.append(str(error)))
        tab.goto(url)
        return tab, errors

    def columns(self, tab) -> list[dict]:
        return tab.eval_on_selector_all(".sides > div", "divs => divs.slice(0, 2).map(d => d.getBoundingClientRect())"
                                        ".map(r => ({left: r.left, top: r.top, bottom: r.bottom}))")

    def test_a_phone_wide_page_does_not_overflow_and_stacks_the_columns(self, browser, checked):
        out, _ = checked
        tab, errors = self.open(browser, (out / "autograd" / "similarity.html").as_uri(), PHONE)
        assert tab.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        first, second = self.columns(tab)
        assert second["top"] >= first["bottom"] - 1
        assert tab.evaluate("typeof window.__xss") == "undefined" and tab.evaluate("document.scripts.length") == 1
        tab.click("#pairs th:nth-child(6) button")  # the sorting script runs under the page's policy
        assert tab.get_attribute("#pairs th:nth-child(6)", "aria-sort") == "ascending"
        assert errors == []

    def test_on_a_wide_screen_the_columns_sit_side_by_side(self, browser, checked):
        out, _ = checked
        tab, errors = self.open(browser, (out / "autograd" / "similarity.html").as_uri(), {"width": 1200, "height": 900})
        first, second = self.columns(tab)
        assert first["top"] == second["top"] and second["left"] > first["left"]
        assert errors == []
