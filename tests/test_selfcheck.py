"""The self-check: kit expectations, finding the lab, `grade check`, and `check("Q2")` in a notebook."""
import contextlib
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import types
from pathlib import Path
from textwrap import dedent

import nbformat
import pytest

from conftest import ROOT
from grader.errors import ExpectationUnavailable, GraderError
from grader.judge.score import Evidence, judge_check
from grader.reference import ReferenceSolution
from grader.results import INSTRUCTOR_ONLY, PASSED
from grader.rubric import load_rubric
from grader.sandbox.record import Observation, RunRecord
from grader.selfcheck import notebook
from grader.selfcheck.expectations import (SELF_CHECK_SEED, KitExpectations, export_selfcheck, visible_rubric)
from grader.selfcheck.locate import find_kit, infer_lab, resolve_kit
from kit_support import complete_from_reference

SHARED_RUBRIC = dedent('''
    [lab]
    id = "shared"
    title = "A probe shared by a visible and a hidden check"
    version = "1"
    reference = "shared"

    [exercises]
    Q1 = "Both halves"

    [data]
    used = [1.0, 2.0]
    unused = [9.0]

    [probes.pair]
    cases = [{ x = 2.0 }, { x = { uniform = [1.0, 3.0] } }]
    [[probes.pair.strategy]]
    needs = ["pair"]
    code = "pair(x, used)"
    [[probes.pair.strategy]]
    needs = ["p"]
    script = true
    code = '{"visible": p}'
    expect = 'pair(observed["visible"], used)'

    [probes.secret_only]
    cases = [{ x = 5.0 }]
    [[probes.secret_only.strategy]]
    needs = ["pair"]
    code = "pair(x * 1000, used)"

    [[checks]]
    id = "Q1.visible"
    exercise = "Q1"
    probe = "pair"
    select = "visible"
    points = 1
    compare = "scalar"

    [[checks]]
    id = "Q1.secret"
    exercise = "Q1"
    probe = "pair"
    select = "secret"
    points = 1
    compare = "scalar"
    hidden = true

    [[checks]]
    id = "Q1.secret_probe"
    exercise = "Q1"
    probe = "secret_only"
    select = "visible"
    points = 1
    compare = "scalar"
    hidden = true
''')

SHARED_REFERENCE = dedent('''
    def pair(x, used):
        return {"visible": x * 2, "secret": x * 3 + 0.123456}
''')


@pytest.fixture
def shared(tmp_path):
    (tmp_path / "shared.toml").write_text(SHARED_RUBRIC)
    (tmp_path / "shared.py").write_text(SHARED_REFERENCE)
    rubric = load_rubric(tmp_path / "shared.toml")
    return rubric, ReferenceSolution(visible_rubric(rubric), tmp_path / "shared.py", SELF_CHECK_SEED)


class TestKitExpectations:
    """The kit's data holds what the visible checks read, and answers like the reference does."""

    def test_visible_rubric_drops_hidden_checks_and_the_probes_only_they_use(self, shared):
        visible = visible_rubric(shared[0])
        assert [c.id for c in visible.checks] == ["Q1.visible"] and list(visible.probes) == ["pair"]

    def test_export_keeps_only_what_visible_checks_read(self, shared):
        rubric, reference = shared
        data = json.loads(json.dumps(export_selfcheck(rubric, reference)))
        assert [c["id"] for c in data["checks"]] == ["Q1.visible"] and list(data["probes"]) == ["pair"]
        assert data["data"] == {"used": [1.0, 2.0]}
        expected = data["probes"]["pair"]["expected"]
        assert [set(e["items"]) for e in expected] == [{"visible"}, {"visible"}]
        assert "secret" not in json.dumps(data) and "0.123456" not in json.dumps(data)
        script = data["probes"]["pair"]["strategies"][1]
        assert script["instructor_only"] is True and "expect" not in script
        assert all(isinstance(x, float) for case in data["probes"]["pair"]["cases"] for x in case.values())

    def test_answers_like_the_reference_for_visible_probes(self, course):
        lab = course.load("autograd")
        reference = ReferenceSolution(visible_rubric(lab.rubric), lab.reference_path, SELF_CHECK_SEED)
        kit = KitExpectations(json.loads(json.dumps(export_selfcheck(lab.rubric, reference))))
        assert kit.seed == SELF_CHECK_SEED and {c.id for c in kit.rubric.checks} == {
            c.id for c in lab.rubric.checks if not c.hidden}
        for name, probe in kit.rubric.probes.items():
            for case in range(len(probe.cases)):
                assert kit.expected(probe, 0, case, None) == reference.expected(lab.rubric.probes[name], 0, case, None)

    def test_script_answer_is_left_to_the_instructor_scored_zero_of_zero(self, shared):
        rubric, reference = shared
        kit = KitExpectations(export_selfcheck(rubric, reference))
        probe, check = kit.rubric.probes["pair"], kit.rubric.checks[0]
        with pytest.raises(ExpectationUnavailable):
            kit.expected(probe, 1, None, {"kind": "number", "value": 1.0})
        observed = Observation(probe="pair", case=None, status="ok", strategy=1,
                               value={"kind": "dict", "items": {"visible": {"kind": "number", "value": 4.0}}})
        record = RunRecord(part="lab.py", observations=(observed,), finished=True)
        result = judge_check(check, probe, Evidence(part="lab.py", record=record), kit, 10)
        assert (result.status, result.score, result.max_score) == (INSTRUCTOR_ONLY, 0.0, 0.0)
        assert "checked by your instructor's grader" in result.message and "write `pair`" in result.message

    def test_data_from_another_version_is_refused(self):
        with pytest.raises(GraderError, match="not labgrade self-check data"):
            KitExpectations({"format": "something else"})


class TestLocate:
    """Where the kit is, and which lab a submission is for."""

    def test_kit_found_from_a_nested_folder_and_named_three_ways(self, kits, tmp_path):
        kit = tmp_path / "repo"
        shutil.copytree(kits["autograd"].root, kit)
        (kit / "work" / "deeper").mkdir(parents=True)
        assert find_kit(kit / "work" / "deeper") == (kit / ".labgrade").resolve()
        for given in (kit, kit / ".labgrade", kit / ".labgrade" / "autograd.json"):
            assert resolve_kit(given) == (kit / ".labgrade").resolve()
        assert find_kit(tmp_path) is None

    @pytest.mark.parametrize("where, expected", [
        ("linreg/alice.ipynb", "linreg"),  # a folder named after the lab
        ("x/autograd.ipynb", "autograd"),  # the file's name
    ])
    def test_lab_from_the_path(self, course, tmp_path, where, expected):
        path = tmp_path / where
        path.parent.mkdir(parents=True)
        nbformat.write(nbformat.v4.new_notebook(), path)
        assert infer_lab(path, {lab: course.load(lab).rubric for lab in course.lab_ids()}) == expected

    def test_lab_from_the_starter_metadata_or_the_names_defined(self, course, kits, tmp_path):
        rubrics = {lab: course.load(lab).rubric for lab in course.lab_ids()}
        renamed = tmp_path / "mine.ipynb"
        shutil.copy(kits["linreg"].notebook, renamed)
        assert infer_lab(renamed, rubrics) == "linreg"
        script = tmp_path / "homework.py"
        script.write_text("def dz_da_manual(a, b):\n    return 0\n\ndef poly_dy_dx_manual(x):\n    return 0\n")
        assert infer_lab(script, rubrics) == "autograd"

    def test_unknown_lab_is_a_clear_error(self, course, tmp_path):
        (tmp_path / "notes.py").write_text("print('hello')\n")
        with pytest.raises(GraderError, match="cannot tell which lab .* pass --lab"):
            infer_lab(tmp_path / "notes.py", {lab: course.load(lab).rubric for lab in course.lab_ids()})


def grade_check(*args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", "check", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "COLUMNS": "200"})


@pytest.fixture(scope="module")
def student_kit(kits, tmp_path_factory):
    """A copy of the autograd kit holding a completed and an untouched notebook."""
    kit = tmp_path_factory.mktemp("student") / "autograd-kit"
    shutil.copytree(kits["autograd"].root, kit)
    complete_from_reference(kit / "autograd.ipynb", ROOT / "reference" / "autograd.py", kit / "completed.ipynb")
    return kit


class TestCheckCommand:
    """`grade check` from a kit, from the course checkout, and when it cannot run."""

    def test_completed_notebook_passes_every_visible_check(self, student_kit):
        done = grade_check("completed.ipynb", "--fail-under", "100", cwd=student_kit)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "27 / 27 points (100 %)" in done.stdout and "Expected values from the kit" in done.stdout
        assert "P4.manual" in done.stdout and "Q6.manual" in done.stdout
        assert "Q2.autograd" not in done.stdout  # hidden: never run, never named
        page = (student_kit / "selfcheck" / "completed.html").read_text()
        assert "Self-check: only the visible checks ran" in page and "class dashboard" not in page

    def test_untouched_notebook_misses_the_threshold_with_friendly_messages(self, student_kit, tmp_path):
        done = grade_check("autograd.ipynb", "--fail-under", "50", "--out", str(tmp_path / "out"), cwd=student_kit)
        assert done.returncode == 1, done.stdout + done.stderr
        assert "Not written yet" in done.stdout and "Hint:" in done.stdout
        assert "0 / 27 points (0 %)" in done.stdout and (tmp_path / "out" / "autograd.html").is_file()

    def test_course_checkout_uses_the_reference_solution_for_visible_checks(self, tmp_path):
        done = grade_check("submissions/autograd/emma_schultz.py", "--out", str(tmp_path), cwd=ROOT)
        assert done.returncode == 0, done.stderr
        assert "Expected values from the reference solution" in done.stdout
        assert "Q5.manual" in done.stdout and "Q5.autograd" not in done.stdout

    def test_handout_style_script_is_left_to_the_instructor(self, kits, tmp_path):
        kit = tmp_path / "kit"
        shutil.copytree(kits["linreg"].root, kit)
        (kit / "p1.py").write_text(dedent('''
            import torch
            x = torch.tensor([5.0, 7.0, 12.0, 16.0, 20.0]); y = torch.tensor([40.0, 120.0, 180.0, 210.0, 240.0])
            w = torch.ones(1, requires_grad=True); b = torch.ones(1, requires_grad=True)
            loss_list = []
            for epoch in range(100):
                loss = ((w * x + b - y) ** 2).mean()
                loss_list.append(loss.item())
                loss.backward()
                with torch.no_grad():
                    w -= 0.001 * w.grad; b -= 0.001 * b.grad
                w.grad.zero_(); b.grad.zero_()
        '''))
        done = grade_check("p1.py", cwd=kit)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "instructor only" in done.stdout and "checked by your instructor's grader" in done.stdout

    def test_no_kit_and_no_course_is_a_one_line_error(self, tmp_path):
        (tmp_path / "lab.py").write_text("x = 1\n")
        done = grade_check("lab.py", "--course", str(tmp_path), cwd=tmp_path)
        assert done.returncode == 2
        assert done.stderr.strip().startswith("grade check: no self-check data found")


@pytest.fixture
def live(kits, tmp_path, monkeypatch):
    """A fake live notebook: a __main__ module of our own, in a kit folder as the working directory."""
    shutil.copytree(kits["autograd"].root, tmp_path / "kit")
    monkeypatch.chdir(tmp_path / "kit")
    module = types.ModuleType("__main__")
    monkeypatch.setitem(sys.modules, "__main__", module)
    return module.__dict__


def printed(action) -> str:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        action()
    return buffer.getvalue()


class TestNotebookCheck:
    """`check("P4")` judges the live namespace against the kit, and leaves the kernel as it found it."""

    def test_correct_answers_pass(self, live):
        exec(compile(dedent('''
            import math, torch
            def grad_sigmoid_manual(x):
                s = 1 / (1 + math.exp(-x))
                return s * (1 - s)
            def sigmoid(x):
                return 1 / (1 + torch.exp(-x))
        '''), "<cell>", "exec"), live)
        text = printed(lambda: notebook.check("P4"))
        assert text.startswith("P4 · Gradient of the sigmoid") and "5 / 5 points" in text

    def test_wrong_answer_shows_what_came_back_and_a_hint_escaped_in_html(self, live):
        exec("def dz_da_manual(a, b):\n    return '<b>bold</b>'\n", live)
        outcome = notebook.run_exercise("Q1", live, notebook._kit_data(None, None, live))
        [result] = outcome.checks
        assert result.status != PASSED and "the text" in result.message
        page = outcome.html()
        assert "&lt;b&gt;bold&lt;/b&gt;" in page and "<b>bold</b>" not in page and "Hint:" in page

    def test_missing_exercise_kit_or_lab_is_said_kindly(self, live, tmp_path, monkeypatch):
        assert "No exercise 'Q9'" in printed(lambda: notebook.check("Q9"))
        assert "no self-check data for lab 'linreg'" in printed(lambda: notebook.check("Q1", lab="linreg")).lower()
        monkeypatch.chdir(tmp_path)
        assert "No self-check data found" in printed(lambda: notebook.check("Q1"))

    def test_random_state_and_alarm_handler_are_restored(self, live):
        exec("def dz_da_manual(a, b):\n    import random\n    return random.random()\n", live)
        handler = signal.getsignal(signal.SIGALRM)
        random.seed(7)
        expected = random.random()
        random.seed(7)
        printed(lambda: notebook.check("Q1"))
        assert random.random() == expected and signal.getsignal(signal.SIGALRM) is handler

    def test_executed_notebook_shows_a_table_per_exercise(self, student_kit, tmp_path):
        pytest.importorskip("ipykernel")
        from jupyter_client.kernelspec import NoSuchKernel
        from nbclient import NotebookClient

        executed = nbformat.read(student_kit / "completed.ipynb", as_version=4)
        try:
            NotebookClient(executed, timeout=120, kernel_name="python3",
                           resources={"metadata": {"path": str(student_kit)}}).execute()
        except NoSuchKernel:
            pytest.skip("no python3 Jupyter kernel on this machine")
        tables = [cell.outputs for cell in executed.cells if cell.cell_type == "code" and cell.source.startswith("check(")]
        assert len(tables) == 7
        for outputs in tables:
            [shown] = [o for o in outputs if o.output_type == "display_data"]
            html = shown.data["text/html"]
            assert "<table>" in html and "✗" not in html
