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


LINREG = ["P1", "Q1", "Q2", "AQ1", "Q3", "Q4", "Q5", "Q6", "Q7"]
LINREG_EXPECTED = {
    "dana_ivanova": [6, 7, 6, 5, 9, 7, 5, 4, 6],
    "eli_turner": [6, 7, 6, 5, 9, 7, 5, 4, 6],
    "fatima_zahra": [6, 7, 0, 0, 9, 0, 0, 0, 0],  # handout-style P1/Q1 judged from its globals
    "george_mensah": [6, 7, 6, 0, 9, 5, 5, 0, 6],  # no Dataset/DataLoader, Q6 under-trained, no AQ1
    "hana_kobayashi": [6, 7, 6, 2, 9, 7, 5, 4, 6],  # the (y - yp) sign slip
    "ivan_petrov": [0, 2, 6, 5, 4, 7, 5, 4, 6],  # never zeroes gradients
    "julia_santos": [0, 2, 6, 5, 4, 7, 5, 4, 6],  # learning rate 0.05 diverges
    "kofi_boateng": [0, 2, 0, 0, 9, 0, 5, 0, 0],  # hard-coded handout numbers
    "lena_novak": [0, 0, 0, 0, 0, 0, 0, 0, 0],  # syntax error
    "marco_rossi": [6, 7, 6, 5, 9, 0, 5, 4, 6],  # the Q4 cell raises
    "nadia_rahman": [6, 7, 6, 5, 9, 7, 5, 4, 6],  # an endless cell, stopped; the rest still runs
    "omar_haddad": [0, 0, 0, 0, 0, 0, 0, 0, 0],  # corrupt notebook
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


@pytest.mark.parametrize("student", sorted(LINREG_EXPECTED))
def test_linreg_scores(graded, student):
    out, _ = graded
    expected = dict(zip(LINREG, map(float, LINREG_EXPECTED[student])))
    assert scores_by_exercise(read_result(out, "linreg", student)) == expected


def test_autograd_gradebook_has_every_student(graded):
    out, _ = graded
    with open(out / "autograd" / "grades.csv", newline="") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    assert set(rows) == set(AUTOGRAD_EXPECTED)
    assert float(rows["dmitri_volkov"]["total"]) == sum(AUTOGRAD_EXPECTED["dmitri_volkov"])


def test_terminal_summary_lists_the_labs(graded):
    _, done = graded
    assert "autograd" in done.stdout and "linreg" in done.stdout and "grades.csv" in done.stdout


class TestLinregMessages:
    """The regression lab's typical mistakes are named, with a hint at the concept."""

    def test_sign_slip_hint_mentions_the_convention(self, graded):
        test = check_named(read_result(graded[0], "linreg", "hana_kobayashi"), "AQ1.manual")
        assert test["status"] == "failed" and "sign convention" in test["output"]

    def test_forgotten_zeroing_fails_the_reset_check(self, graded):
        test = check_named(read_result(graded[0], "linreg", "ivan_petrov"), "Q3.reset")
        assert test["status"] == "failed" and "zero" in test["output"]

    def test_divergence_is_called_a_blow_up(self, graded):
        output = check_named(read_result(graded[0], "linreg", "julia_santos"), "P1.losses")["output"]
        assert "blew up" in output or "NaN" in output

    def test_missing_dataloader_is_explained(self, graded):
        output = check_named(read_result(graded[0], "linreg", "george_mensah"), "Q4.loader")["output"]
        assert "No DataLoader was iterated" in output

    def test_hard_coded_fit_fails_on_fresh_data(self, graded):
        output = check_named(read_result(graded[0], "linreg", "kofi_boateng"), "Q6.predict")["output"]
        assert "1 of 2 cases wrong" in output

    def test_endless_cell_is_stopped_and_later_cells_count(self, graded):
        document = read_result(graded[0], "linreg", "nadia_rahman")
        assert "timeout" in document["extra_data"]["labgrade"]["flags"]
        assert check_named(document, "Q7.classified")["status"] == "passed"


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
