"""The class dashboard as a triage page: who needs attention, which scores code that did not run cost, who
failed each check. On a small class graded from real sample files, once for the module."""
import re
import shutil
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import ROOT
from grader.batch import BatchOptions, grade_path
from grader.report import html, stats
from grader.results import CheckResult
from grader.store import ResultsStore

SAMPLES = ROOT / "submissions" / "autograd"
CLASS = {  # the file copied, and what is wrong with it
    "ada_lovelace.ipynb": "all correct",
    "dmitri_volkov.py": "some wrong answers",
    "farah_haddad.py": "a syntax error: nothing ran",
    "gus_moreno.ipynb": "cell 5 raises before Q3's autograd function is defined",
    "hana_sato.py": "an endless loop after Q1",
    "ivan_petrov.ipynb": "a corrupt notebook: nothing ran",
}
# Tries to run the reference solution as its own answers: flagged for review, and every answer is missing
# (the file ran to its end, and defined none of them).
READER = ROOT / "tests" / "adversarial" / "read_reference.py"
DAMAGED = "yuri_damaged"  # a saved result that cannot be read: ungraded
NEED_ATTENTION = {"farah_haddad", "gus_moreno", "hana_sato", "ivan_petrov", "rita_reader", DAMAGED}
EXERCISES = ["P4", "Q1", "Q2", "Q3", "Q4", "Q5", "Q6"]


# ---------------------------------------------------------------- a small tree of the page, from the stdlib parser

class Node:
    def __init__(self, tag: str, attrs: dict, parent: "Node | None" = None):
        self.tag, self.attrs, self.parent, self.children = tag, attrs, parent, []

    @property
    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    @property
    def text(self) -> str:
        return "".join(child if isinstance(child, str) else child.text for child in self.children)

    @property
    def words(self) -> str:
        return " ".join(self.text.split())

    def all(self, tag: str = "", *, cls: str = "", **attrs) -> list["Node"]:
        found = []
        for child in self.children:
            if isinstance(child, str):
                continue
            if ((not tag or child.tag == tag) and (not cls or cls in child.classes)
                    and all(child.attrs.get(k) == v for k, v in attrs.items())):
                found.append(child)
            found.extend(child.all(tag, cls=cls, **attrs))
        return found

    def one(self, tag: str = "", **kwargs) -> "Node":
        [found] = self.all(tag, **kwargs)
        return found


class TreeBuilder(HTMLParser):
    VOID = {"meta", "link", "img", "br", "hr", "input", "source", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#document", {})

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in self.VOID:
            self.current = node

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(text: str) -> Node:
    builder = TreeBuilder()
    builder.feed(text)
    return builder.root


# ---------------------------------------------------------------- the class, graded once

@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    """The class graded with seed 1, then a damaged saved result added and every page rendered again."""
    root = tmp_path_factory.mktemp("dashboard")
    folder = root / "autograd"
    folder.mkdir()
    for name in CLASS:
        shutil.copy(SAMPLES / name, folder / name)
    shutil.copy(READER, folder / "rita_reader.py")
    out = root / "out"
    grade_path(folder, options=BatchOptions(out=out, seed=1))
    (out / "autograd" / "results" / f"{DAMAGED}.json").write_text('{"score": 4', encoding="utf-8")
    html.rerender(out)
    return out / "autograd"


@pytest.fixture(scope="module")
def results(graded) -> dict:
    return {r.student: r for r in ResultsStore(graded).read_all()}


@pytest.fixture(scope="module")
def dashboard(graded) -> Node:
    return parse((graded / "index.html").read_text(encoding="utf-8"))


def attention_entries(page: Node) -> dict[str, Node]:
    section = page.one("section", id="attention")
    return {li.all("a")[0].text: li for li in section.one("ul", cls="attention").children
            if not isinstance(li, str)}


def student_rows(page: Node) -> dict[str, Node]:
    table = page.one("table", id="students")
    return {row.all("td")[0].words: row for row in table.one("tbody").all("tr")}


def exercise_cells(page: Node, student: str) -> dict[str, Node]:
    headings = [th.words.split()[0] for th in page.one("table", id="students").one("thead").all("th")]
    cells = student_rows(page)[student].all("td")
    return {heading: cell for heading, cell in zip(headings, cells) if heading in EXERCISES}


def check_rows(page: Node) -> dict[str, Node]:
    return {row.all("td")[0].words: row for row in page.one("table", id="checks").one("tbody").all("tr")}


def who_did_not_pass(row: Node) -> dict[str, list[str]]:
    """The expansion of a check's row: outcome -> the students listed under it."""
    details = row.all("details", cls="who")
    if not details:
        return {}
    terms = details[0].all("dt")
    lists = details[0].all("dd")
    return {dt.words: [a.text for a in dd.all("a")] for dt, dd in zip(terms, lists)}


def counts(row: Node) -> dict[str, int]:
    cells = row.all("td")
    return {name: int(cells[index].words) for index, name in
            ((2, "passed"), (3, "failed"), (4, "missing"), (5, "not_run"))}


# ---------------------------------------------------------------- the outcome of a check (stats)

class TestOutcome:
    """How one student's check counts on the dashboard."""

    @pytest.mark.parametrize(("status", "source_stopped", "expected"), [
        ("passed", False, "passed"),
        ("passed", True, "passed"),
        ("failed", False, "failed"),
        ("failed", True, "failed"),  # an answer was found and judged: wrong, whatever else stopped
        ("missing", False, "missing"),  # the file ran to its end and the answer was not there
        ("missing", True, "not_run"),  # the file stopped before its end: the answer was never reached
        ("not_run", False, "not_run"),
        ("timeout", False, "not_run"),
        ("error", False, "not_run"),
        ("grader_error", False, "not_run"),
        ("instructor_only", False, None),
    ])
    def test_status_and_stops_decide_the_outcome(self, status, source_stopped, expected):
        """Each status, in a file that stopped or not, counts as the module's docstring says."""
        check = CheckResult(id="Q1.a", exercise="Q1", title="t", status=status, score=0.0, max_score=1.0,
                            message="", source="q1.py")
        assert stats.outcome(check, {"q1.py"} if source_stopped else set()) == expected

    def test_a_rate_is_undefined_when_no_code_reached_the_check_and_such_checks_come_last(self, results):
        """Checks nobody's code reached have no rate and sort after every other."""
        never = [results["farah_haddad"], results["ivan_petrov"]]
        table = stats.check_pass_rates(never + [results["dmitri_volkov"]])
        assert table["rate"].notna().all()
        table = stats.check_pass_rates(never)
        assert table["rate"].isna().all() and (table["judged"] == 0).all() and (table["not_run"] == 2).all()


# ---------------------------------------------------------------- "Needs attention"

class TestNeedsAttention:
    """The list at the top: exactly the students with a problem, each with its reason, linked."""

    def test_it_comes_before_the_students_table(self, graded):
        text = (graded / "index.html").read_text(encoding="utf-8")
        assert text.index('id="attention"') < text.index('id="students"')

    def test_it_names_exactly_the_students_with_problems(self, dashboard):
        """Students whose code all ran and who are not flagged (ada, dmitri) are not listed."""
        assert set(attention_entries(dashboard)) == NEED_ATTENTION

    def test_each_entry_links_to_the_students_page(self, dashboard, graded):
        for student, entry in attention_entries(dashboard).items():
            href = entry.all("a")[0].attrs["href"]
            assert href == html.report_href(student) and (graded / href).is_file()

    @pytest.mark.parametrize(("student", "reasons"), [
        ("farah_haddad", ["nothing ran: None of the code could run",
                          "syntax error: Python cannot read line 54 of farah_haddad.py: expected ':'"]),
        ("ivan_petrov", ["nothing ran: None of the code could run",
                         "unreadable file: ivan_petrov.ipynb is not a notebook Jupyter can open"]),
        ("gus_moreno", ["stopped with an error: cell 5 stopped at line 6 with NameError"]),
        ("hana_sato", ["timed out: hana_sato.py was stopped after"]),
        ("rita_reader", ["needs review: reaches into the grader (rita_reader.py line"]),
        (DAMAGED, [f"not graded: its saved result results/{DAMAGED}.json cannot be read"]),
    ])
    def test_each_reason_is_said_in_plain_words(self, dashboard, student, reasons):
        said = [li.words for li in attention_entries(dashboard)[student].all("li", cls="reason")]
        assert len(said) == len(reasons), said
        for line, start in zip(said, reasons):
            assert line.startswith(start), (line, start)

    def test_a_cell_names_the_file_it_is_in(self, dashboard):
        [reason] = attention_entries(dashboard)["gus_moreno"].all("li", cls="reason")
        assert reason.words.endswith("(in gus_moreno.ipynb)")

    def test_the_students_problem_rows_are_highlighted(self, dashboard):
        flagged = {name for name, row in student_rows(dashboard).items() if "flagged" in row.classes}
        assert flagged == NEED_ATTENTION

    def test_the_headline_counts_them_and_links_the_list(self, dashboard):
        link = dashboard.one("a", href="#attention")
        assert link.words == f"{len(NEED_ATTENTION)} need attention"

    def test_a_class_with_nothing_wrong_says_so_in_one_muted_line(self, results):
        page = parse(html.render_lab([results["ada_lovelace"], results["dmitri_volkov"]],
                                     lab=html.LabInfo(id="autograd", title="Autograd", exercises=())))
        section = page.one("section", id="attention")
        assert section.all("ul") == [] and section.all("a") == []
        [line] = section.all("p")
        assert "muted" in line.classes and line.words.startswith("Nobody needs attention")

    def test_a_name_and_a_stop_with_markup_stay_text(self, results):
        """A student's name and what their code raised reach the list, the marks and the tooltips as text."""
        name, raised = '<img src=x onerror="alert(1)">', "cell 5 stopped with ValueError: <script>alert(2)</script>"
        gus = results["gus_moreno"]
        stop = replace(gus.stops[0], text=raised)
        text = html.render_lab([replace(gus, student=name, stops=(stop,))],
                               lab=html.LabInfo(id="autograd", title="Autograd", exercises=()))
        assert "<img src=x" not in text and "<script>alert" not in text and text.count("<script") == 1
        page = parse(text)
        assert set(attention_entries(page)) == {name}
        assert attention_entries(page)[name].one("li", cls="reason").words.endswith(f"{raised} (in gus_moreno.ipynb)")
        mark = exercise_cells(page, name)["Q3"].one("a", cls="mark")
        assert mark.one("span", **{"aria-hidden": "true"}).attrs["title"] == f"stopped with an error: {raised}"


# ---------------------------------------------------------------- the students table

class TestScoreCells:
    """Score cells: a mark per kind of code that did not run where it cost the exercise, and a link."""

    EXPECTED_MARKS = {
        "farah_haddad": {e: "syntax_error" for e in EXERCISES},
        "ivan_petrov": {e: "unreadable" for e in EXERCISES},
        "hana_sato": {e: "timeout" for e in EXERCISES if e not in ("P4", "Q1")},  # P4 and Q1 ran before the loop
        "gus_moreno": {"Q3": "error"},  # only Q3 lost points; every other exercise passed
        "ada_lovelace": {},
        "dmitri_volkov": {},  # wrong answers, but all of the code ran
        "rita_reader": {},  # missing answers, but all of the code ran
    }

    @pytest.mark.parametrize("student", sorted(EXPECTED_MARKS))
    def test_marks_sit_on_the_exercises_the_stop_cost(self, dashboard, student):
        marks = {exercise: [cls.removeprefix("mark-") for mark in cell.all("a", cls="mark")
                            for cls in mark.classes if cls.startswith("mark-")]
                 for exercise, cell in exercise_cells(dashboard, student).items()}
        assert {e: kinds for e, kinds in marks.items() if kinds} == \
            {e: [kind] for e, kind in self.EXPECTED_MARKS[student].items()}

    def test_kinds_have_distinct_symbols(self, dashboard):
        symbols = {}
        for student in ("farah_haddad", "ivan_petrov", "hana_sato", "gus_moreno"):
            for cell in exercise_cells(dashboard, student).values():
                for mark in cell.all("a", cls="mark"):
                    symbols.setdefault(mark.classes[1], set()).add(mark.one("span", **{"aria-hidden": "true"}).text)
        assert all(len(seen) == 1 for seen in symbols.values())
        assert len({next(iter(seen)) for seen in symbols.values()}) == 4

    def test_a_mark_carries_the_stops_text_as_a_tooltip_and_for_screen_readers(self, dashboard, results):
        """The symbol is hidden from screen readers, which read the text instead; a tap leads to the reasons."""
        [stop] = results["gus_moreno"].stops
        mark = exercise_cells(dashboard, "gus_moreno")["Q3"].one("a", cls="mark")
        symbol = mark.one("span", **{"aria-hidden": "true"})
        assert symbol.text == "✖" and symbol.attrs["title"] == f"stopped with an error: {stop.text}"
        assert mark.one("span", cls="visually-hidden").words == " ".join(f"stopped with an error: {stop.text}".split())
        assert mark.attrs["href"] == "#" + attention_entries(dashboard)["gus_moreno"].attrs["id"]

    def test_each_score_links_to_the_exercise_on_the_students_page(self, dashboard, graded):
        """(A page whose code never ran may show no exercise sections: the link then opens its top.)"""
        for student in ("ada_lovelace", "hana_sato", "gus_moreno", "farah_haddad"):
            report = (graded / html.report_href(student)).read_text(encoding="utf-8")
            for exercise, cell in exercise_cells(dashboard, student).items():
                href = cell.one("a", cls="score").attrs["href"]
                assert href == f"{html.report_href(student)}#ex-{exercise}"
                assert f'id="ex-{exercise}"' in report or student == "farah_haddad"

    def test_an_ungraded_result_shows_no_scores(self, dashboard):
        cells = exercise_cells(dashboard, DAMAGED)
        assert {cell.words for cell in cells.values()} == {"—"} and not any(c.all("a") for c in cells.values())

    def test_headings_show_each_exercises_maximum(self, dashboard, results):
        headings = [th.words for th in dashboard.one("table", id="students").one("thead").all("th")]
        maxima = results["ada_lovelace"].exercises
        assert headings[2:-1] == [f"{e} /{maxima[e][1]:g}" for e in EXERCISES]
        assert "Q6 /10" in headings

    def test_needs_review_is_said_once_per_flagged_student(self, dashboard):
        """The badge, with the reasons as its tooltip and a link to the student's entry above; said once
        in the table's row and once in the list of who needs attention."""
        entries = attention_entries(dashboard)
        for student, row in student_rows(dashboard).items():
            flagged = student in ("rita_reader", DAMAGED)
            assert row.words.count("needs review") == (1 if flagged else 0), student
            if student in entries:
                assert entries[student].words.count("needs review") == (1 if student == "rita_reader" else 0)
        badge = student_rows(dashboard)["rita_reader"].one("a", cls="needs_review")
        assert badge.attrs["title"].startswith("reaches into the grader (rita_reader.py line ")
        assert badge.attrs["href"] == "#" + entries["rita_reader"].attrs["id"]


# ---------------------------------------------------------------- "Checks, hardest first"

class TestChecks:
    """Per check: counts split four ways, a pass rate over the code that reached it, and who did not pass."""

    def test_the_expansion_lists_who_did_not_pass_by_outcome(self, dashboard):
        rows = check_rows(dashboard)
        assert who_did_not_pass(rows["Q2.manual"]) == {
            "Failed": ["dmitri_volkov"], "Missing": ["rita_reader"],
            "Not run": ["farah_haddad", "hana_sato", "ivan_petrov"]}
        assert who_did_not_pass(rows["Q1.manual"]) == {
            "Missing": ["rita_reader"], "Not run": ["farah_haddad", "ivan_petrov"]}  # hana's loop came after Q1
        assert who_did_not_pass(rows["Q3.autograd"]) == {  # gus: the cell defining it raised first
            "Missing": ["rita_reader"], "Not run": ["farah_haddad", "gus_moreno", "hana_sato", "ivan_petrov"]}

    def test_the_expansion_links_each_student_to_that_exercise(self, dashboard):
        details = check_rows(dashboard)["Q4.manual"].one("details")
        assert [a.attrs["href"] for a in details.all("a")][:1] == ["dmitri_volkov.html#ex-Q4"]

    def test_a_check_everyone_passed_has_nothing_to_expand(self, results):
        page = parse(html.render_lab([results["ada_lovelace"]], lab=html.LabInfo(id="a", title="A", exercises=())))
        assert page.one("table", id="checks").all("details") == []

    def test_counts_split_four_ways_and_cover_every_graded_student(self, dashboard, results):
        graded = sum(1 for r in results.values() if r.graded)
        rows = check_rows(dashboard)
        assert counts(rows["Q4.manual"]) == {"passed": 2, "failed": 1, "missing": 1, "not_run": 3}
        assert counts(rows["Q3.autograd"]) == {"passed": 2, "failed": 0, "missing": 1, "not_run": 4}
        assert counts(rows["P4.manual"]) == {"passed": 4, "failed": 0, "missing": 1, "not_run": 2}
        assert all(sum(counts(row).values()) == graded for row in rows.values())

    def test_rates_leave_out_code_that_never_ran(self, dashboard):
        for row in check_rows(dashboard).values():
            n = counts(row)
            judged = n["passed"] + n["failed"] + n["missing"]
            rate = row.one("td", cls="rate")
            assert float(rate.attrs["data-sort"]) == pytest.approx(n["passed"] / judged)
            assert rate.words == f"{round(100 * n['passed'] / judged)}% of {judged}"
        assert check_rows(dashboard)["P4.manual"].one("td", cls="rate").words == "80% of 5"  # not 4 of 7

    def test_hardest_first(self, dashboard):
        rates = [float(row.one("td", cls="rate").attrs["data-sort"]) for row in check_rows(dashboard).values()]
        assert rates == sorted(rates) and rates[0] < 1


# ---------------------------------------------------------------- in a browser

PHONE = {"width": 390, "height": 844}


class TestInBrowser:
    """The dashboard in headless Chromium, phone-sized: a check opens to who did not pass, nothing overflows."""


    def test_a_checks_expansion_opens_and_a_phone_wide_page_does_not_overflow(self, browser, graded):
        tab = browser.new_page(viewport=PHONE)
        errors = []
        tab.on("console", lambda message: message.type == "error" and errors.append(message.text))
        tab.on("pageerror", lambda error: errors.append(str(error)))
        tab.goto((graded / "index.html").as_uri())
        width = "document.documentElement.scrollWidth"
        assert tab.evaluate(width) <= PHONE["width"]
        row = tab.locator("#checks tbody tr", has=tab.locator("td:first-child", has_text=re.compile(r"^Q4\.manual$")))
        listed = row.locator("details.who a")
        assert not listed.first.is_visible()
        row.locator("details.who summary").click()
        assert row.locator("details.who").get_attribute("open") is not None
        assert listed.all_inner_texts() == ["dmitri_volkov", "rita_reader", "farah_haddad", "hana_sato",
                                            "ivan_petrov"]
        assert listed.first.is_visible()
        tab.locator("#checks details.who summary").evaluate_all(
            "summaries => summaries.forEach(s => s.parentElement.open || s.click())")
        assert tab.evaluate(width) <= PHONE["width"]
        listed.first.click()
        assert tab.url.endswith("/dmitri_volkov.html#ex-Q4")
        assert errors == []

    def test_on_paper_every_check_shows_who_did_not_pass(self, browser, graded):
        """A closed expansion prints open: a printed dashboard loses nothing."""
        tab = browser.new_page(viewport=PHONE)
        tab.goto((graded / "index.html").as_uri())
        listed = tab.locator("#checks details.who a")
        assert not listed.first.is_visible()
        tab.emulate_media(media="print")
        assert listed.count() > 0 and all(listed.nth(n).is_visible() for n in range(listed.count()))
