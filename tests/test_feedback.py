"""Feedback a student can act on: what to fix first, failures in plain words, hints by how it failed,
code that never ran said once, and the student's own code with the failing lines marked — on real
graded files, and in a real browser."""
import json
import re
import shutil
from pathlib import Path
from textwrap import dedent

import pytest

from conftest import ROOT, check_named, read_result
from grader.batch import BatchOptions, grade_path

SAMPLES = ROOT / "submissions" / "autograd"

# Wrong in three telling ways: the sign of Q5, a factor 2 in Q4, and a Q3 that never changes with its inputs.
SLIPS = dedent('''
    import math
    import torch


    def poly_dy_dx_manual(x):
        return -(32 * x ** 3 + 9 * x ** 2 + 14 * x + 6)


    def exp_df_dx_manual(x):
        return 2 * math.exp(-x ** 2 - 2 * x - math.sin(x)) * (-2 * x - 2 - math.cos(x))


    def sigmoid_da_dw_manual(x, w, b):
        return 0.25


    def sigmoid(x):
        return 1 / (1 + torch.exp(-x))


    def grad_sigmoid_manual(x):
        s = 1 / (1 + math.exp(-x))
        return s * (1 - s)
''')


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("class") / "autograd"
    folder.mkdir()
    for name in ("dmitri_volkov.py", "farah_haddad.py", "ivan_petrov.ipynb", "gus_moreno.ipynb"):
        shutil.copy(SAMPLES / name, folder / name)
    (folder / "sam_slips.py").write_text(SLIPS)
    out = tmp_path_factory.mktemp("out")
    grade_path(folder, options=BatchOptions(out=out, seed=5, workers=2))
    return out


def page(out: Path, student: str) -> str:
    return (out / "autograd" / f"{student}.html").read_text(encoding="utf-8")


def hint(document: dict, check: str) -> str:
    output = check_named(document, check)["output"]
    return next((line for line in output.splitlines() if line.startswith("Hint:")), "")


class TestHintsByHowItFailed:
    def test_a_flipped_sign_a_factor_and_a_constant_are_named_without_the_answer(self, graded):
        document = read_result(graded, "autograd", "sam_slips")
        assert "sign is flipped" in hint(document, "Q5.manual")
        assert "2× the expected one" in hint(document, "Q4.manual")
        assert "same for every input" in hint(document, "Q3.manual")

    def test_a_hidden_check_names_no_pattern_that_needs_its_expected_value(self, graded):
        document = read_result(graded, "autograd", "sam_slips")
        for test in document["tests"]:
            if test["visibility"] == "after_published":
                assert "sign is flipped" not in test["output"] and "the expected one" not in test["output"]


class TestWhatToFixFirst:
    def test_the_list_names_every_check_that_lost_points_with_a_link_to_it(self, graded):
        text = page(graded, "dmitri_volkov")
        document = read_result(graded, "autograd", "dmitri_volkov")
        lost = [t for t in document["tests"] if t["score"] < t["max_score"]]
        heading = re.search(r"What to fix: (\d+) checks?, ([\d.]+) points?", text)
        assert heading and int(heading.group(1)) == len(lost)
        assert float(heading.group(2)) == pytest.approx(sum(t["max_score"] - t["score"] for t in lost))
        for test in lost:
            anchor = "check-" + test["extra_data"]["check"].replace(".", "-")
            assert f'href="#{anchor}"' in text and f'id="{anchor}"' in text
        assert text.index("What to fix") < text.index("<h2>Exercises</h2>")

    def test_a_fully_passed_exercise_is_one_collapsed_line(self, graded):
        text = page(graded, "dmitri_volkov")
        assert re.search(r'<details class="exercise done" id="ex-P4">', text)
        assert not re.search(r'<details class="exercise done" id="ex-Q2">', text)  # Q2 lost points: open

    def test_a_failure_reads_as_inputs_got_and_expected_in_words(self, graded):
        text = page(graded, "dmitri_volkov")
        assert re.search(r"For x = [-\d.]+, w = [-\d.]+, b = [-\d.]+: your code gives [-\d.e]+, expected [-\d.e]+\.",
                         text)
        assert "mismatched elements" not in text and "case(s)" not in text

    def test_names_in_messages_are_set_as_code_not_as_backticks(self, graded):
        text = page(graded, "gus_moreno")  # Q3.autograd is missing: "Looked for `sigmoid_da_dw_autograd` …"
        assert "<code>sigmoid_da_dw_autograd</code>" in text
        body = text[text.index("<main>"):text.index("<h2 id=\"your-code\">")]
        assert "`" not in body


class TestCodeThatNeverRan:
    def test_one_block_says_what_happened_and_the_checks_are_not_graded(self, graded):
        text = page(graded, "farah_haddad")
        document = read_result(graded, "autograd", "farah_haddad")
        assert "Not graded" in text and text.count("Python cannot read line 54 of farah_haddad.py") == 1
        assert "Hint:" not in text and 'class="check"' not in text
        assert {t["extra_data"]["status"] for t in document["tests"]} == {"not_run"}
        assert "Python cannot read line 54 of farah_haddad.py" in document["output"]  # the same text for Gradescope

    def test_a_cut_off_notebook_says_how_to_hand_it_in_again(self, graded):
        document = read_result(graded, "autograd", "ivan_petrov")
        assert "save it" in document["output"] and "NotJSONError" not in document["output"]
        assert "unreadable" in document["extra_data"]["labgrade"]["flags"]

    def test_a_cell_that_raised_is_named_once_with_its_line(self, graded):
        stops = read_result(graded, "autograd", "gus_moreno")["extra_data"]["labgrade"]["stops"]
        assert [(stop["label"], stop["kind"]) for stop in stops] == [("cell 5", "error")] and stops[0]["line"] > 0


class TestCodeNextToTheFailure:
    def test_the_failing_function_is_highlighted_and_linked_from_its_check(self, graded):
        text = page(graded, "dmitri_volkov")
        result = read_result(graded, "autograd", "dmitri_volkov")["extra_data"]["labgrade"]
        q2 = next(c for c in result["checks"] if c["id"] == "Q2.manual")
        source = (SAMPLES / "dmitri_volkov.py").read_text().splitlines()
        assert source[q2["line"] - 1].lstrip().startswith("def relu_da_dw_manual")
        assert f'href="#code-0-0-{q2["line"]}"' in text
        assert re.search(rf'<a id="code-0-0-{q2["line"]}" name="code-0-0-{q2["line"]}"></a><span class="hll">', text)

    def test_notebook_cells_are_numbered_as_the_report_numbers_them(self, graded):
        text = page(graded, "gus_moreno")
        for number in range(1, 9):
            assert f">cell {number}</h4>" in text

    def test_grade_report_draws_the_code_again_without_the_submissions(self, graded, tmp_path):
        copy = tmp_path / "out"
        shutil.copytree(graded, copy)
        (copy / "autograd" / "dmitri_volkov.html").unlink()
        from grader.cli import main

        assert main(["report", str(copy)]) == 0
        assert 'class="hll"' in page(copy, "dmitri_volkov")

    def test_the_saved_code_is_what_the_grader_read(self, graded):
        saved = json.loads((graded / "autograd" / "code" / "sam_slips.json").read_text())
        assert saved["parts"][0]["units"][0]["source"] == SLIPS


class TestInBrowser:

    def test_what_to_fix_links_land_on_their_checks_and_code_links_on_the_line(self, browser, graded):
        tab = browser.new_page(viewport={"width": 1200, "height": 900})
        tab.goto((graded / "autograd" / "dmitri_volkov.html").as_uri())
        first = tab.locator("#to-fix a").first
        target = first.get_attribute("href")
        first.click()
        assert tab.evaluate("location.hash") == target
        box = tab.locator(target).bounding_box()
        assert box is not None and 0 <= box["y"] < 900  # the check is on screen
        tab.locator(f"{target} a", has_text="in your code").click()
        line = tab.evaluate("location.hash")
        assert re.fullmatch(r"#code-0-0-\d+", line)
        assert tab.locator(f"{line} + .hll").count() == 1 and tab.locator(line).is_visible() is not None

    def test_a_collapsed_exercise_opens(self, browser, graded):
        tab = browser.new_page()
        tab.goto((graded / "autograd" / "dmitri_volkov.html").as_uri())
        done = tab.locator("details#ex-P4")
        assert done.get_attribute("open") is None and not done.locator("ul.passed-checks").is_visible()
        done.locator("summary").click()
        assert done.locator("ul.passed-checks").is_visible()

    @pytest.mark.parametrize("student", ["dmitri_volkov", "farah_haddad", "gus_moreno"])
    def test_a_phone_wide_page_has_no_horizontal_overflow(self, browser, graded, student):
        tab = browser.new_page(viewport={"width": 390, "height": 844})
        tab.goto((graded / "autograd" / f"{student}.html").as_uri())
        assert tab.evaluate("document.documentElement.scrollWidth") <= 390
