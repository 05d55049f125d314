"""The sample class in submissions/ graded end to end through the CLI.

Every sample student's points per exercise are asserted (see EXPECTED.md in
each lab folder for why each student gets what they get), together with the
messages that explain the lost points.
"""
import csv
import json
import subprocess
import sys

import pytest

from conftest import ROOT, read_result, scores_by_exercise, check_named

pytestmark = pytest.mark.slow

AUTOGRAD = ["P4", "Q1", "Q2", "Q3", "Q4", "Q5", "Q6"]
AUTOGRAD_EXPECTED = {
    # Contract-style submissions.
    "ada_lovelace": [5, 5, 5, 5, 5, 5, 10],
    "ben_okafor": [5, 5, 5, 5, 5, 5, 10],
    "chen_wei": [5, 0, 5, 5, 5, 5, 0],  # handout-style scripts judged by behaviour; Q5's formula has x's value typed in
    "dmitri_volkov": [5, 5, 2, 5, 2, 5, 6],  # wrong on random inputs: the contract's probes decide
    "emma_schultz": [2, 0, 2, 0, 2, 2, 0],  # hard-coded constants fail the random cases
    "farah_haddad": [0, 0, 0, 0, 0, 0, 0],  # syntax error
    "gus_moreno": [5, 5, 5, 3, 5, 5, 10],  # the Q3 cell raises before its second def
    "hana_sato": [5, 5, 0, 0, 0, 0, 0],  # infinite loop after P4 and Q1
    "ivan_petrov": [0, 0, 0, 0, 0, 0, 0],  # corrupt notebook
    "julia_santos": [5, 2, 5, 5, 2, 5, 6],  # a string, a NaN, a 2-tuple
    "kofi_mensah": [5, 5, 5, 5, 5, 5, 10],  # Q4/Q5 under other names: judged by what its __main__ computes
    "lena_fischer": [5, 5, 5, 5, 5, 5, 10],  # 10 MB of output
    "maya_patel": [5, 5, 5, 5, 5, 5, 10],  # a folder holding one notebook
    # Free-form students (EXPECTED.md, "Free-form students").
    "oliver_nguyen": [5, 5, 5, 5, 5, 5, 10],  # everything right, at points of their own
    "priya_raman": [0, 5, 5, 5, 5, 5, 10],  # q2.py and q3.py swapped: graded by content
    "samuel_adeyemi": [2, 2, 2, 2, 2, 2, 6],  # autograd only
    "tomas_herrera": [0, 5, 5, 5, 5, 2, 0],  # Q1's formula has a's value typed in; Q5's manual value is typed in
    "rachel_kim": [0, 5, 0, 0, 0, 5, 0],  # x.grad for da/dw (w = x = 1); df/dx for df/dy
    "nadia_karim": [5, 5, 5, 5, 0, 5, 10],  # notebook; Q4's analytic part disagrees with its autograd
    "lucas_moreau": [0, 5, 0, 0, 5, 5, 0],  # vectorised inputs, printed element by element
    "zara_ahmed": [0, 5, 0, 0, 0, 2, 6],  # manual at another x; a crash before Q6's manual part
    "mateo_rossi": [0, 5, 5, 0, 0, 0, 0],  # task1..3.py; Q3's forward pass is sigmoid(-v)
}


LINREG = ["P1", "Q1", "Q2", "AQ1", "Q3", "Q4", "Q5", "Q6", "Q7"]
LINREG_EXPECTED = {
    # Contract-style submissions.
    "dana_ivanova": [8, 8, 8, 7, 11, 8, 7, 5, 8],
    "eli_turner": [8, 8, 8, 7, 11, 8, 7, 5, 8],
    "fatima_zahra": [8, 8, 0, 0, 11, 0, 0, 0, 0],  # handout-style P1/Q1 scripts, judged by behaviour
    "george_mensah": [8, 8, 8, 0, 11, 6, 7, 1, 8],  # no Dataset/DataLoader, Q6 under-trained (its data right), no AQ1
    "hana_kobayashi": [8, 8, 8, 4, 11, 8, 7, 5, 8],  # the (y - yp) sign slip
    "ivan_petrov": [1, 2, 8, 7, 5, 8, 7, 5, 8],  # never zeroes gradients (P1's first gradients right)
    "julia_santos": [1, 2, 8, 7, 5, 8, 7, 5, 8],  # learning rate 0.05 diverges (P1's first gradients right)
    "kofi_boateng": [0, 2, 0, 0, 11, 0, 7, 0, 0],  # hard-coded handout numbers
    "lena_novak": [0, 0, 0, 0, 0, 0, 0, 0, 0],  # syntax error
    "marco_rossi": [8, 8, 8, 7, 11, 0, 7, 5, 8],  # the Q4 cell raises
    "nadia_rahman": [8, 8, 8, 7, 11, 8, 7, 5, 8],  # an endless cell, stopped; the rest still runs
    "omar_haddad": [0, 0, 0, 0, 0, 0, 0, 0, 0],  # corrupt notebook
    # Free-form students (EXPECTED.md, "Free-form students").
    "priya_raman": [8, 8, 8, 7, 11, 8, 7, 5, 8],  # everything right; Q6/Q7 scale their inputs
    "lucas_meyer": [0, 7, 5, 0, 10, 8, 7, 5, 8],  # torch.rand starts in Q1/Q3; Q2 autograd only
    "sofia_gallo": [8, 8, 8, 0, 11, 8, 0, 5, 0],  # broadcasting bugs in Q5 and Q7
    "tomasz_kowalski": [8, 8, 8, 0, 11, 8, 7, 3, 8],  # notebook reusing names; Q6 under-trained
    "amara_okafor": [7, 8, 7, 6, 11, 8, 7, 5, 0],  # 99 epochs; half-MSE; sum of squares
    "mateo_silva": [8, 8, 8, 0, 11, 8, 7, 5, 8],  # q4.py/q5.py swapped; renamed methods
    "rahul_verma": [8, 2, 3, 0, 9, 8, 7, 5, 8],  # gradients never zeroed in Q1/Q2; Q3's update/reset never called
    "ines_moreau": [1, 8, 8, 7, 11, 8, 7, 4, 7],  # b updated with w.grad; a data typo; sigmoid + MSE
    "yusuf_demir": [0, 8, 5, 0, 0, 0, 0, 0, 0],  # a crash half-way; a SyntaxError
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


def test_no_sample_student_is_flagged_for_reaching_into_the_grader(graded):
    out, done = graded
    flagged = [path.stem for path in out.glob("*/results/*.json")
               if json.loads(path.read_text())["extra_data"]["labgrade"]["review"]]
    assert flagged == [] and "Needs review" not in done.stdout


REAL_WORK = ROOT.parent / "shared" / "realclass-dev"


@pytest.mark.skipif(not REAL_WORK.is_dir(), reason="the shared real work is not on this machine")
def test_real_student_work_raises_no_tamper_flag():
    from grader.judge.tamper import findings
    from grader.notebook import UnreadableSource, load_units

    flagged = []
    for path in sorted(REAL_WORK.rglob("*")):
        if path.suffix in (".py", ".ipynb"):
            try:
                units = load_units(path)
            except UnreadableSource:
                continue
            flagged += [str(f) for f in findings([(u.label, u.source) for u in units])]
    assert flagged == []


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

    def test_random_start_costs_only_the_settings_check(self, graded):
        document = read_result(graded[0], "linreg", "lucas_meyer")
        assert check_named(document, "Q1.params")["status"] == "passed"
        settings = check_named(document, "Q1.settings")
        assert settings["status"] == "failed" and "the exercise fixes w = b = 1" in settings["output"]

    def test_broadcasting_bug_is_named(self, graded):
        output = check_named(read_result(graded[0], "linreg", "sofia_gallo"), "Q5.fit")["output"]
        assert "23 × 23" in output and "wrong objective" in output

    def test_convention_deviation_is_partial(self, graded):
        document = read_result(graded[0], "linreg", "amara_okafor")
        assert check_named(document, "Q2.manual")["status"] == "passed"
        assert "half the mean squared error" in check_named(document, "Q2.settings")["output"]

    def test_swapped_file_names_are_graded_by_content(self, graded):
        document = read_result(graded[0], "linreg", "mateo_silva")
        assert "q5.py is named for Q5, but what it computes answers Q4" in document["output"]

    def test_never_zeroed_gradients_are_diagnosed(self, graded):
        output = check_named(read_result(graded[0], "linreg", "rahul_verma"), "Q1.params")["output"]
        assert "never zeroed" in output

    def test_sigmoid_trained_with_mse_loses_the_model_check(self, graded):
        output = check_named(read_result(graded[0], "linreg", "ines_moreau"), "Q7.model")["output"]
        assert "mean squared error" in output and "binary cross-entropy" in output

    def test_hard_coded_fit_fails_on_fresh_data(self, graded):
        output = check_named(read_result(graded[0], "linreg", "kofi_boateng"), "Q6.predict")["output"]
        assert "1 of 2 cases wrong" in output

    def test_endless_cell_is_stopped_and_later_cells_count(self, graded):
        document = read_result(graded[0], "linreg", "nadia_rahman")
        assert "timeout" in document["extra_data"]["labgrade"]["flags"]
        assert check_named(document, "Q7.learns")["status"] == "passed"


class TestAutogradMessages:
    """Lost points come with a reason the student can act on."""

    def test_syntax_error_is_named_with_its_line(self, graded):
        document = read_result(graded[0], "autograd", "farah_haddad")
        assert "line 54" in document["output"] and "expected ':'" in document["output"]
        assert document["output"].startswith("Not graded") and "syntax_error" in document["extra_data"]["labgrade"]["flags"]
        # One explanation at the top, not one per check; no hint about an algorithm that never ran.
        assert all("line 54" not in test["output"] and "Hint" not in test["output"] for test in document["tests"])

    def test_corrupt_notebook_is_explained_and_flagged(self, graded):
        document = read_result(graded[0], "autograd", "ivan_petrov")
        assert "not a notebook Jupyter can open" in document["output"] and "save it" in document["output"]
        assert document["output"].startswith("Not graded")
        assert "unreadable" in document["extra_data"]["labgrade"]["flags"]
        assert {test["extra_data"]["status"] for test in document["tests"]} == {"not_run"}

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
        output = check_named(read_result(graded[0], "linreg", "yusuf_demir"), "Q4.fit")["output"]
        assert "No file for Q4" in output

    def test_handout_style_script_is_judged_from_its_own_tensors(self, graded):
        document = read_result(graded[0], "autograd", "chen_wei")
        assert check_named(document, "Q2.autograd")["status"] == "passed"
        manual = check_named(document, "Q2.manual")
        assert manual["status"] == "passed" and "at x = 3, w = -0.5, b = 2" in manual["output"]

    def test_typed_in_value_earns_no_manual_points(self, graded):
        output = check_named(read_result(graded[0], "autograd", "tomas_herrera"), "Q5.manual")["output"]
        assert "typed in" in output

    def test_wrong_variable_is_caught_by_moving_the_inputs(self, graded):
        output = check_named(read_result(graded[0], "autograd", "rachel_kim"), "Q2.manual")["output"]
        assert "the derivative with respect to w, not da/dw" not in output
        assert "that is the derivative with respect to" in output and "equal only at your first inputs" in output

    def test_swapped_file_is_graded_as_the_exercise_it_computes(self, graded):
        document = read_result(graded[0], "autograd", "priya_raman")
        assert "q2.py is named for Q2, but what it computes answers Q3" in document["output"]

    def test_disagreeing_analytic_part_makes_the_exercise_wrong(self, graded):
        output = check_named(read_result(graded[0], "autograd", "nadia_karim"), "Q4.manual")["output"]
        assert "disagrees with your autograd" in output

    def test_huge_output_is_capped_in_the_saved_result(self, graded):
        path = graded[0] / "autograd" / "results" / "lena_fischer.json"
        assert path.stat().st_size < 500_000
