"""The sample class in submissions/ graded end to end through the CLI.

Every sample student's points per exercise are asserted (see EXPECTED.md in
each lab folder for why each student gets what they get), together with the
messages that explain the lost points.
"""
import csv
import subprocess
import sys

import pytest

from conftest import ROOT, read_result, scores_by_exercise, check_named

pytestmark = pytest.mark.slow

AUTOGRAD = ["P4", "Q1", "Q2", "Q3", "Q4", "Q5", "Q6"]
AUTOGRAD_EXPECTED = {
    "ada_lovelace": [5, 5, 5, 5, 5, 5, 10],
    "ben_okafor": [5, 5, 5, 5, 5, 5, 10],
    "chen_wei": [5, 0, 2, 2, 2, 2, 0],  # handout-style scripts: autograd points only, no Q1/Q6 file
    "dmitri_volkov": [5, 5, 2, 5, 2, 5, 6],
    "emma_schultz": [2, 0, 2, 0, 2, 2, 0],  # hard-coded constants fail the random cases
    "farah_haddad": [0, 0, 0, 0, 0, 0, 0],  # syntax error
    "gus_moreno": [5, 5, 5, 3, 5, 5, 10],  # the Q3 cell raises before its second def
    "hana_sato": [5, 5, 0, 0, 0, 0, 0],  # infinite loop after P4 and Q1
    "ivan_petrov": [0, 0, 0, 0, 0, 0, 0],  # corrupt notebook
    "julia_santos": [5, 2, 5, 5, 2, 5, 6],  # a string, a NaN, a 2-tuple
    "kofi_mensah": [5, 5, 5, 5, 0, 0, 10],  # wrong names for Q4 and Q5
    "lena_fischer": [5, 5, 5, 5, 5, 5, 10],  # 10 MB of output
    "maya_patel": [5, 5, 5, 5, 5, 5, 10],  # a folder holding one notebook
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """`grade submissions/` once for the whole module, with a fixed seed."""
    out = tmp_path_factory.mktemp("reports")
    done = subprocess.run([sys.executable, "-m", "grader", "submissions", "--out", str(out), "--seed", "2026"],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    return out, done


@pytest.mark.parametrize("student", sorted(AUTOGRAD_EXPECTED))
def test_autograd_scores(graded, student):
    out, _ = graded
    expected = dict(zip(AUTOGRAD, map(float, AUTOGRAD_EXPECTED[student])))
    assert scores_by_exercise(read_result(out, "autograd", student)) == expected


def test_autograd_gradebook_has_every_student(graded):
    out, _ = graded
    with open(out / "autograd" / "grades.csv", newline="") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    assert set(rows) == set(AUTOGRAD_EXPECTED)
    assert float(rows["dmitri_volkov"]["total"]) == sum(AUTOGRAD_EXPECTED["dmitri_volkov"])


def test_terminal_summary_lists_the_labs(graded):
    _, done = graded
    assert "autograd" in done.stdout and "grades.csv" in done.stdout


class TestAutogradMessages:
    """Lost points come with a reason the student can act on."""

    def test_syntax_error_is_named_with_its_line(self, graded):
        document = read_result(graded[0], "autograd", "farah_haddad")
        assert "SyntaxError" in document["output"] and "line 54" in document["output"]

    def test_corrupt_notebook_is_explained_and_flagged(self, graded):
        document = read_result(graded[0], "autograd", "ivan_petrov")
        assert "not a readable notebook" in document["output"]
        assert "needs_review" in document["extra_data"]["labgrade"]["flags"]

    def test_infinite_loop_is_flagged_and_keeps_earlier_definitions(self, graded):
        document = read_result(graded[0], "autograd", "hana_sato")
        assert "timeout" in document["extra_data"]["labgrade"]["flags"]
        assert "loop that never ends" in check_named(document, "Q2.manual")["output"]

    def test_failing_cell_is_named(self, graded):
        output = check_named(read_result(graded[0], "autograd", "gus_moreno"), "Q3.autograd")["output"]
        assert "NameError" in output and "cell 5" in output

    def test_hard_coded_answer_fails_on_a_random_case(self, graded):
        output = check_named(read_result(graded[0], "autograd", "emma_schultz"), "Q5.manual")["output"]
        assert "2 of 3 cases wrong" in output and "Hint:" in output

    @pytest.mark.parametrize("check, words", [
        ("Q1.manual", "the text"),
        ("Q4.manual", "NaN"),
        ("Q6.manual", "shape"),
    ])
    def test_wrong_types_are_described(self, graded, check, words):
        assert words in check_named(read_result(graded[0], "autograd", "julia_santos"), check)["output"]

    def test_missing_name_says_what_was_looked_for(self, graded):
        output = check_named(read_result(graded[0], "autograd", "kofi_mensah"), "Q4.manual")["output"]
        assert "Looked for `exp_df_dx_manual`" in output

    def test_handout_style_script_is_judged_from_its_own_tensors(self, graded):
        document = read_result(graded[0], "autograd", "chen_wei")
        assert check_named(document, "Q2.autograd")["status"] == "passed"
        assert "Looked for `relu_da_dw_manual` in q2.py" in check_named(document, "Q2.manual")["output"]

    def test_huge_output_is_capped_in_the_saved_result(self, graded):
        path = graded[0] / "autograd" / "results" / "lena_fischer.json"
        assert path.stat().st_size < 500_000
