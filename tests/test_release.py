"""Releasing reports: instructor pages in a folder of their own, and one zip per student of what they may see.

A small class (both labs, hidden checks passed and failed, a student called "index" and one whose
name is markup) is graded once with --instructor and --notebooks; `grade release` runs on what it wrote.
"No hidden value" is proven as tests/test_kit.py proves it for a kit: every byte of every zip, and of
every file inside it, is scanned for the numbers only that student's hidden checks used.
"""
import json
import posixpath
import re
import shutil
import subprocess
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest

from conftest import ROOT, run_grade_command
from grader.report import html
from grader.report.release import safe_name

MARKUP = 'eve<img src=x onerror="alert(1)">'
# lab -> {file in submissions/<lab>/: the student's file here}; emma fails hidden checks, farah does not run at all
CLASS = {
    "autograd": {"ada_lovelace.ipynb": "ada_lovelace.ipynb", "dmitri_volkov.py": "dmitri_volkov.py",
                 "emma_schultz.py": "emma_schultz.py", "farah_haddad.py": "index.py",
                 "hana_sato.py": f"{MARKUP}.py"},
    "linreg": {"george_mensah.py": "george_mensah.py", "dana_ivanova.ipynb": "dana_ivanova.ipynb"},
}
SOURCES = {lab: {Path(name).stem: ROOT / "submissions" / lab / source for source, name in files.items()}
           for lab, files in CLASS.items()}  # lab -> student -> the file they handed in
STUDENTS = {lab: sorted(students) for lab, students in SOURCES.items()}
# A number token as in tests/test_kit.py: compared whole, so that 0.53 is not "found" inside 10.5301.
NUMBER = re.compile(r"(?<![\w.])\d+\.\d+(?:[eE][-+]?\d+)?")
SAFE_ENTRY = re.compile(r"[\w.-]+(?:/[\w.-]+)*")


def grade(*args: str) -> subprocess.CompletedProcess:
    return run_grade_command(*args)


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("release_class")
    for lab, files in CLASS.items():
        (root / "class" / lab).mkdir(parents=True)
        for source, name in files.items():
            shutil.copy(ROOT / "submissions" / lab / source, root / "class" / lab / name)
    done = grade(str(root / "class"), "--out", str(root / "out"), "--instructor", "--seed", "1", "--notebooks")
    assert done.returncode == 0, done.stderr
    return root / "out"


@pytest.fixture(scope="module")
def released(out) -> subprocess.CompletedProcess:
    done = grade("release", str(out))
    assert done.returncode == 0, done.stderr
    return done


# ---------------------------------------------------------------- what is secret

def numbers_in(value) -> list[str]:
    """Every number of an inputs value (nested lists and dicts), as the page prints it and as its repr."""
    if isinstance(value, dict):
        return [n for item in value.values() for n in numbers_in(item)]
    if isinstance(value, list):
        return [n for item in value for n in numbers_in(item)]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [repr(abs(value)), f"{abs(value)}", repr(abs(float(value)))]
    return NUMBER.findall(str(value))


def tokens(text: str) -> set[str]:
    """The number tokens of a printed value, each also as the repr of the float it spells."""
    found = set(NUMBER.findall(text))
    return found | {repr(float(token)) for token in found}


def checks_of(out: Path, lab: str, student: str) -> list[dict]:
    document = json.loads((out / lab / "results" / f"{student}.json").read_text(encoding="utf-8"))
    return document["extra_data"]["labgrade"]["checks"]


def secrets(out: Path, lab: str, student: str) -> tuple[set[str], set[str]]:
    """(number tokens, whole printed strings) that only this student's hidden checks hold.

    Numbers that are also in a visible check, in what the student's own code printed or in
    the files they handed in are theirs to see, and left out (the handout's inputs are in all three).
    """
    document = json.loads((out / lab / "results" / f"{student}.json").read_text(encoding="utf-8"))
    result = document["extra_data"]["labgrade"]
    hidden, public, strings = set(), set(), set()
    for check in result["checks"]:
        found = hidden if check["hidden"] else public
        found |= tokens(check["message"])
        for case in check["cases"]:
            found |= set(numbers_in(case["inputs"])) | tokens(case["expected"])
            if check["hidden"]:
                strings |= {case["expected"], html.format_inputs(case["inputs"])}
            else:
                found |= tokens(case["got"])
    for unit in result["units"]:
        public |= tokens(unit["stdout"] + unit["stderr"] + unit["error"])
    public |= tokens(SOURCES[lab][student].read_text(encoding="utf-8"))
    secret = {token for token in hidden - public if len(token) >= 5}
    return secret, {text for text in strings if tokens(text) & secret and len(text) >= 5}


def leaks(text: str, secret: tuple[set[str], set[str]]) -> list[str]:
    numbers, strings = secret
    return sorted((numbers & set(NUMBER.findall(text))) | {s for s in strings if s in text})


def raw_leaks(data: bytes, secret: tuple[set[str], set[str]]) -> list[str]:
    """Secrets anywhere in the bytes, as plain substrings (stored or compressed, whatever the zip holds)."""
    text = data.decode("latin-1")
    return sorted(s for s in secret[0] | secret[1] if s in text)


def zip_of(folder: Path, lab: str, student: str) -> Path:
    return folder / lab / f"{safe_name(student)}.zip"


class Links(HTMLParser):
    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.found = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.found += [(tag, name, value) for name, value in attrs if name in ("href", "src") and value]


def local_links(text: str) -> list[str]:
    """The links of a page to other files (no fragments, data: URIs or web addresses)."""
    return [value for _, _, value in Links(text).found
            if not value.startswith(("#", "data:", "https:", "http:", "mailto:"))]


# ---------------------------------------------------------------- the tests

class TestSecrets:
    """The scan below would find a leak: hidden values exist, and the instructor pages show them."""

    @pytest.mark.parametrize("lab", CLASS)
    def test_hidden_checks_hold_values_of_their_own(self, out, lab):
        secret = {student: secrets(out, lab, student)[0] for student in STUDENTS[lab]}
        assert secret.pop("index", None) == (set() if lab == "autograd" else None)  # a syntax error: nothing ran
        assert all(secret.values()), secret
        assert len(set().union(*secret.values())) > 5

    def test_the_instructor_page_shows_those_of_failed_hidden_checks(self, out):
        failed = [c for c in checks_of(out, "autograd", "emma_schultz") if c["hidden"] and c["status"] == "failed"]
        assert failed and all(c["cases"] for c in failed)
        page = (out / "autograd" / "instructor" / "emma_schultz.html").read_text(encoding="utf-8")
        assert leaks(page, secrets(out, "autograd", "emma_schultz"))


class TestInstructorPages:
    """Hidden checks are shown only in <lab>/instructor/, on pages no one can take for a student's."""

    @pytest.mark.parametrize("lab", CLASS)
    def test_every_student_has_both_pages_and_only_the_folder_holds_instructor_views(self, out, lab):
        for student in STUDENTS[lab]:
            assert (out / lab / html.report_name(student)).is_file()
            assert (out / lab / "instructor" / html.report_name(student)).is_file()
        for page in (out / lab).rglob("*.html"):
            text = page.read_text(encoding="utf-8")
            marked = "INSTRUCTOR VIEW" in text or "Instructor view" in text or "noindex" in text
            assert marked == (page.parent.name == "instructor"), page

    @pytest.mark.parametrize("lab", CLASS)
    def test_student_pages_never_show_hidden_values(self, out, lab):
        for student in STUDENTS[lab]:
            page = (out / lab / html.report_name(student)).read_text(encoding="utf-8")
            assert leaks(page, secrets(out, lab, student)) == [], student

    def test_a_passed_hidden_check_still_shows_its_cases_to_the_instructor_only(self, out):
        instructor = (out / "autograd" / "instructor" / "dmitri_volkov.html").read_text(encoding="utf-8")
        student = (out / "autograd" / "dmitri_volkov.html").read_text(encoding="utf-8")
        assert 'class="instructor-cases"' in instructor and 'class="instructor-cases"' not in student

    def test_marked_in_title_head_and_a_banner_first(self, out):
        text = (out / "autograd" / "instructor" / "emma_schultz.html").read_text(encoding="utf-8")
        assert re.search(r"<title>INSTRUCTOR VIEW · emma_schultz", text)
        assert '<meta name="robots" content="noindex, nofollow">' in text.split("</head>")[0]
        body = text.split("<body>", 1)[1].lstrip()
        assert body.startswith('<p class="callout instructor" role="alert"><strong>INSTRUCTOR VIEW</strong>')

    @pytest.mark.parametrize("student", ["ada_lovelace", "index"])
    def test_links_still_work_from_the_subfolder(self, out, student):
        page = out / "autograd" / "instructor" / html.report_name(student)
        links = local_links(page.read_text(encoding="utf-8"))
        assert "../index.html" in links and "../../index.html" in links
        for link in links:
            assert (page.parent / unquote(link.split("#")[0])).is_file(), link
        if student == "ada_lovelace":
            assert "../notebooks/ada_lovelace/ada_lovelace.html" in links

    def test_the_dashboard_is_given_the_instructor_pages(self, out):
        lab_out = out / "autograd"
        links = html.instructor_links(lab_out, STUDENTS["autograd"])
        assert links["index"] == "instructor/index.report.html"
        assert set(links) == set(STUDENTS["autograd"])
        assert all((lab_out / unquote(href)).is_file() for href in links.values())
        assert html.instructor_links(lab_out, ["nobody"]) == {}

    def test_report_rewrites_them_with_instructor_and_removes_them_without(self, out, tmp_path):
        copy = tmp_path / "out"
        shutil.copytree(out, copy)
        (copy / "autograd" / "instructor" / "gone.html").write_text("a student no longer in the results")
        done = grade("report", str(copy), "--instructor")
        assert done.returncode == 0, done.stderr
        assert sorted(p.name for p in (copy / "autograd" / "instructor").iterdir()) == sorted(
            html.report_name(s) for s in STUDENTS["autograd"])
        assert "noindex" not in (copy / "autograd" / "emma_schultz.html").read_text(encoding="utf-8")
        done = grade("report", str(copy))
        assert done.returncode == 0, done.stderr
        assert not (copy / "autograd" / "instructor").exists() and not (copy / "linreg" / "instructor").exists()
        assert html.instructor_links(copy / "autograd", STUDENTS["autograd"]) == {}


class TestRelease:
    """`grade release` hands each student one zip of what they may see, and nothing else."""

    def test_one_zip_per_student_and_a_line_per_lab(self, out, released):
        for lab, students in STUDENTS.items():
            assert sorted(p.name for p in (out / "release" / lab).iterdir()) == sorted(
                f"{safe_name(s)}.zip" for s in students)
        lines = released.stdout.splitlines()
        assert lines == [f"autograd: 5 zip(s) in {out / 'release' / 'autograd'}",
                         f"linreg: 2 zip(s) in {out / 'release' / 'linreg'}"]

    @pytest.mark.parametrize("lab", CLASS)
    def test_no_hidden_value_in_any_byte_of_any_zip(self, out, released, lab):
        for student in STUDENTS[lab]:
            secret = secrets(out, lab, student)
            path = zip_of(out / "release", lab, student)
            assert raw_leaks(path.read_bytes(), secret) == [], student
            with zipfile.ZipFile(path) as archive:
                for name in archive.namelist():
                    data = archive.read(name)
                    assert raw_leaks(data, secret) == [], (student, name)
                    assert leaks(data.decode("utf-8", "replace"), secret) == [], (student, name)

    def test_the_zip_holds_the_page_figures_and_notebooks(self, out, released):
        with zipfile.ZipFile(zip_of(out / "release", "autograd", "ada_lovelace")) as archive:
            names = archive.namelist()
            page = archive.read("ada_lovelace.html").decode("utf-8")
            notebook_page = archive.read("notebooks/ada_lovelace.html").decode("utf-8")
        assert names[0] == "ada_lovelace.html" and "notebooks/ada_lovelace.ipynb" in names
        assert any(n.startswith("figures/") and n.endswith(".png") for n in names)
        assert all(n == "ada_lovelace.html" or n.startswith(("figures/", "notebooks/")) for n in names)
        assert "data:image/png;base64," in page  # the figures are in the page itself too
        assert local_links(page) == ["notebooks/ada_lovelace.html"]
        assert local_links(notebook_page) == ["../ada_lovelace.html"]

    @pytest.mark.parametrize("lab", CLASS)
    def test_every_page_stands_alone_and_every_entry_name_is_safe(self, out, released, lab):
        for student in STUDENTS[lab]:
            with zipfile.ZipFile(zip_of(out / "release", lab, student)) as archive:
                names = archive.namelist()
                assert all(SAFE_ENTRY.fullmatch(n) and ".." not in n.split("/") for n in names), names
                pages = [n for n in names if n.endswith(".html")]
                for name in pages:
                    text = archive.read(name).decode("utf-8")
                    assert name != html.report_name(safe_name(student)) or "<nav></nav>" in text
                    assert "noindex" not in text and "INSTRUCTOR VIEW" not in text and "Instructor view" not in text
                    for link in local_links(text):
                        target = posixpath.normpath(posixpath.join(posixpath.dirname(name), unquote(link)))
                        assert target in names, (name, link)

    def test_a_student_called_index_and_one_whose_name_is_markup(self, out, released):
        with zipfile.ZipFile(out / "release" / "autograd" / "index.zip") as archive:
            pages = [n for n in archive.namelist() if n.endswith(".html")]
        assert pages == ["index.report.html"]
        path = zip_of(out / "release", "autograd", MARKUP)
        assert SAFE_ENTRY.fullmatch(path.name) and path.name.startswith("eve_img_src_x_onerror_alert_1_")
        with zipfile.ZipFile(path) as archive:
            [name] = [n for n in archive.namelist() if n.endswith(".html")]
            page = archive.read(name).decode("utf-8")
        assert name == path.stem + ".html"
        assert "<img src=x" not in page and "eve&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page

    def test_pages_are_rendered_again_never_copied(self, out, tmp_path):
        copy = tmp_path / "out"
        shutil.copytree(out, copy)
        planted = (copy / "autograd" / "instructor" / "emma_schultz.html").read_text(encoding="utf-8")
        (copy / "autograd" / "emma_schultz.html").write_text(planted + "<!-- PLANTED -->", encoding="utf-8")
        done = grade("release", str(copy), "--lab", "autograd", "--to", str(tmp_path / "zips"))
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines() == [f"autograd: 5 zip(s) in {tmp_path / 'zips' / 'autograd'}"]
        with zipfile.ZipFile(tmp_path / "zips" / "autograd" / "emma_schultz.zip") as archive:
            page = archive.read("emma_schultz.html").decode("utf-8")
        assert "PLANTED" not in page and "INSTRUCTOR VIEW" not in page
        assert leaks(page, secrets(out, "autograd", "emma_schultz")) == []
        assert not (tmp_path / "zips" / "linreg").exists()

    def test_the_same_results_give_the_same_bytes(self, out, released, tmp_path):
        done = grade("release", str(out), "--to", str(tmp_path / "again"))
        assert done.returncode == 0, done.stderr
        for lab, students in STUDENTS.items():
            for student in students:
                assert zip_of(tmp_path / "again", lab, student).read_bytes() == \
                    zip_of(out / "release", lab, student).read_bytes(), student
        with zipfile.ZipFile(zip_of(out / "release", "autograd", "emma_schultz")) as archive:
            assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}

    def test_an_unreadable_result_is_not_released_and_its_old_zip_goes(self, out, released, tmp_path):
        copy = tmp_path / "out"
        shutil.copytree(out, copy)
        (copy / "autograd" / "results" / "emma_schultz.json").write_text("{ not json", encoding="utf-8")
        done = grade("release", str(copy), "--lab", "autograd")
        assert done.returncode == 0, done.stderr
        lines = done.stdout.splitlines()
        assert lines[0] == f"autograd: 4 zip(s) in {copy / 'release' / 'autograd'}; 1 not released"
        assert lines[1].startswith("  not released: emma_schultz: its saved result results/emma_schultz.json "
                                   "cannot be read")
        assert not (copy / "release" / "autograd" / "emma_schultz.zip").exists()
        assert (copy / "release" / "autograd" / "dmitri_volkov.zip").is_file()

    def test_nothing_to_release_is_a_one_line_error(self, out, tmp_path):
        done = grade("release", str(out), "--lab", "nope")
        assert done.returncode == 2 and done.stderr.startswith("grade release: no lab nope results under")
        done = grade("release", str(tmp_path / "missing"))
        assert done.returncode == 2 and "is not a folder of grading results" in done.stderr
        done = grade("release", str(out), "--to", str(out))
        assert done.returncode == 2 and "holds a lab's results" in done.stderr
