"""The self-check: kit expectations, finding the lab, `grade check`, and `check("Q2")` in a notebook."""
import ast
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
from rich.console import Console

from conftest import ROOT
from grader.errors import ExpectationUnavailable, GraderError
from grader.judge.score import Evidence, judge_check
from grader.reference import ReferenceSolution
from grader.results import (ERROR, FAILED, GRADER_ERROR, INSTRUCTOR_ONLY, MISSING, PASSED, TIMEOUT, TODO, CheckResult,
                            SubmissionResult)
from grader.rubric import load_rubric
from grader.sandbox.record import ErrorInfo, Observation, RunRecord
from grader.selfcheck import command, notebook
from grader.report.todo import Outstanding
from grader.selfcheck.expectations import (SELF_CHECK_SEED, KitExpectations, export_selfcheck, visible_rubric)
from grader.selfcheck.locate import contract_names, find_kit, infer_lab, resolve_kit
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
        lines = done.stdout.splitlines()
        assert "passed: P4, Q1, Q2, Q3, Q4, Q5, Q6" in lines and lines[-1] == "Everything passes."
        assert "P4.manual" not in done.stdout  # passed checks are not listed one by one
        page = (student_kit / "selfcheck" / "completed.html").read_text()
        assert "Self-check: only the visible checks ran" in page and "class dashboard" not in page

    def test_all_lists_every_check_passed_ones_too(self, student_kit, tmp_path):
        done = grade_check("completed.ipynb", "--all", "--out", str(tmp_path), cwd=student_kit)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "P4.manual" in done.stdout and "Q6.manual" in done.stdout and "passed" in done.stdout
        assert "Q2.autograd" not in done.stdout  # hidden: never run, never named
        assert done.stdout.splitlines()[-1] == "Everything passes."

    def test_untouched_notebook_is_a_list_of_stubs_to_write(self, student_kit, tmp_path):
        done = grade_check("autograd.ipynb", "--fail-under", "50", "--out", str(tmp_path / "out"), cwd=student_kit)
        assert done.returncode == 1, done.stdout + done.stderr
        assert "  ○ to do: Q6.forward (3 points)" in done.stdout.splitlines()  # one entry per stub
        assert done.stdout.count("Not written yet") == 9
        assert "✗" not in done.stdout and "error" not in done.stdout  # neutral: nothing to fix yet
        assert "0 / 27 points (0 %)" in done.stdout and (tmp_path / "out" / "autograd.html").is_file()
        lines = done.stdout.splitlines()
        assert lines[-2:] == ["Below --fail-under 50 %.", "Nothing to fix; 9 to do in P4, Q1, Q2, Q3, Q4, Q5, Q6."]

    def test_partly_done_notebook_lists_what_to_fix_and_what_to_do(self, student_kit, tmp_path):
        notebook_path = tmp_path / "partly.ipynb"
        complete_from_reference(student_kit / "autograd.ipynb", ROOT / "reference" / "autograd.py", notebook_path)
        partly = nbformat.read(notebook_path, as_version=4)
        partly.cells.append(nbformat.v4.new_code_cell(dedent('''
            def dz_da_manual(a, b):
                return 2.0 * a  # forgets the route through y

            def poly_dy_dx_manual(x):
                """Not done yet."""
                raise NotImplementedError("poly_dy_dx_manual is still the starter stub")
        ''')))
        nbformat.write(partly, notebook_path)
        done = grade_check(str(notebook_path), "--kit", str(student_kit), "--out", str(tmp_path / "out"),
                           cwd=student_kit)
        assert done.returncode == 0, done.stdout + done.stderr
        lines = done.stdout.splitlines()
        assert lines[-1] == "1 check to fix: Q1.manual; 1 to do in Q5."
        assert "passed: P4, Q2, Q3, Q4, Q6" in lines
        assert any(line.startswith("  ✗ Q1.manual · failed · 0 / 3") for line in lines)
        assert any(line.startswith("      Hint: z depends on a through two paths") for line in lines)
        assert "  ○ to do: Q5.manual (3 points)" in lines
        assert "P4.manual" not in done.stdout and "Q2.autograd" not in done.stdout

    def test_course_checkout_uses_the_reference_solution_for_visible_checks(self, tmp_path):
        done = grade_check("submissions/autograd/emma_schultz.py", "--all", "--out", str(tmp_path), cwd=ROOT)
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


# ---------------------------------------------------------------- to do, and the to-do list


def _stub_record(error_type: str, message: str = "pair is still the starter stub") -> RunRecord:
    observations = tuple(Observation(probe="pair", case=case, status="error", strategy=0,
                                     error=ErrorInfo(type=error_type, message=message)) for case in (0, 1))
    return RunRecord(part="lab.py", observations=observations, finished=True)


def _check(ident: str, status: str, score: float = 0.0, maximum: float = 2.0, **extra) -> CheckResult:
    return CheckResult(id=ident, exercise=ident.split(".")[0], title=f"title of {ident}", status=status, score=score,
                       max_score=maximum, message=extra.pop("message", f"message of {ident}"),
                       hint=extra.pop("hint", f"hint of {ident}"), **extra)


def _result(*checks: CheckResult) -> SubmissionResult:
    exercises: dict[str, tuple[float, float]] = {}
    for check in checks:
        score, maximum = exercises.get(check.exercise, (0.0, 0.0))
        exercises[check.exercise] = (score + check.score, maximum + check.max_score)
    return SubmissionResult(student="sam", lab="lab", score=sum(c.score for c in checks),
                            max_score=sum(c.max_score for c in checks), checks=checks, exercises=exercises, seed=1,
                            rubric_version="1", grader_version="0", elapsed=1.0)


class TestToDo:
    """A stub not written yet is "to do": neutral, worth nothing, never an error, counted apart."""

    @pytest.mark.parametrize("error_type, status", [
        ("NotImplementedError", TODO),
        ("ValueError", ERROR),
        ("TypeError", ERROR),
    ])
    def test_the_error_a_call_raised_decides_the_status(self, shared, error_type, status):
        rubric, reference = shared
        check = visible_rubric(rubric).checks[0]
        result = judge_check(check, rubric.probes["pair"], Evidence(part="lab.py", record=_stub_record(error_type)),
                             reference, 10)
        assert (result.status, result.score, result.max_score) == (status, 0.0, 1.0)

    def test_to_do_says_what_to_write_and_shows_no_inputs(self, shared):
        rubric, reference = shared
        check = visible_rubric(rubric).checks[0]
        result = judge_check(check, rubric.probes["pair"],
                             Evidence(part="lab.py", record=_stub_record("NotImplementedError")), reference, 10)
        assert result.message.startswith("Not written yet (pair is still the starter stub).")
        assert result.cases == () and result.status != ERROR

    def test_one_raising_case_among_answers_is_an_error_not_to_do(self, shared):
        rubric, reference = shared
        check = visible_rubric(rubric).checks[0]
        answered = Observation(probe="pair", case=0, status="ok", strategy=0,
                               value={"kind": "dict", "items": {"visible": {"kind": "number", "value": 4.0}}})
        raised = Observation(probe="pair", case=1, status="error", strategy=0,
                             error=ErrorInfo(type="NotImplementedError", message="negative x"))
        record = RunRecord(part="lab.py", observations=(answered, raised), finished=True)
        result = judge_check(check, rubric.probes["pair"], Evidence(part="lab.py", record=record), reference, 10)
        assert result.status == ERROR

    @pytest.mark.parametrize("statuses, closing", [
        ((PASSED, PASSED), "Everything passes."),
        ((PASSED, FAILED), "1 check to fix: Q2.a."),
        ((MISSING, FAILED), "2 checks to fix: Q1.a, Q2.a."),
        ((TODO, FAILED), "1 check to fix: Q2.a; 1 to do in Q1."),
        ((TODO, TODO), "Nothing to fix; 2 to do in Q1, Q2."),
        ((PASSED, INSTRUCTOR_ONLY), "Nothing to fix: everything the self-check can judge passes; "
                                    "1 left to your instructor's grader (Q2.a)."),
        ((TIMEOUT, GRADER_ERROR), "1 check to fix: Q1.a; 1 the grader could not decide, not your code's fault "
                                  "(Q2.a)."),
    ])
    def test_closing_line_names_the_checks_to_fix_and_counts_to_do_apart(self, statuses, closing):
        result = _result(_check("Q1.a", statuses[0]), _check("Q2.a", statuses[1]))
        assert Outstanding.of(result, ["Q1", "Q2"]).closing() == closing

    def test_closing_line_follows_the_rubric_order(self):
        result = _result(_check("Q2.a", FAILED), _check("Q1.a", FAILED), _check("Q1.b", TODO))
        outstanding = Outstanding.of(result, ["Q1", "Q2"])
        assert [c.id for c in outstanding.to_fix] == ["Q1.a", "Q2.a"] and outstanding.passed_exercises == ()


def _lab_source(rubric) -> types.SimpleNamespace:
    return types.SimpleNamespace(lab=types.SimpleNamespace(rubric=rubric))


def _rendered(renderable, width: int = 80) -> str:
    console = Console(width=width, record=True, file=io.StringIO(), highlight=False)
    console.print(renderable, soft_wrap=True)
    return console.export_text()


class TestToDoList:
    """The default `grade check` output: only what did not pass, by exercise, and a line naming it."""

    RUBRIC = dedent('''
        [lab]
        id = "lab"
        title = "Three exercises"
        version = "1"
        reference = "lab"

        [exercises]
        Q1 = "First"
        Q2 = "Second"
        Q3 = "Third"
    ''')

    @pytest.fixture
    def rubric(self, tmp_path):
        (tmp_path / "lab.toml").write_text(self.RUBRIC)
        return load_rubric(tmp_path / "lab.toml")

    def result(self) -> SubmissionResult:
        stub = "Not written yet (f is still the starter stub). Replace the `raise NotImplementedError` line."
        return _result(
            _check("Q1.a", PASSED, 2.0), _check("Q1.b", PASSED, 1.0, 1.0),
            _check("Q2.a", FAILED, message="2 of 3 cases wrong; first: differs by 1.", hint="Add both paths."),
            _check("Q2.b", PASSED, 2.0),
            _check("Q3.a", TODO, message=stub), _check("Q3.b", TODO, message=stub),
        )

    def test_only_the_checks_that_did_not_pass_grouped_by_exercise(self, rubric):
        text = _rendered(command.todo_list(_lab_source(rubric), self.result()))
        lines = text.splitlines()
        assert lines[0] == "Self-check · Three exercises (lab) · sam"
        assert lines[1].startswith("Visible checks: 5 / 11 points (45 %).")
        assert "Q1.a" not in text and "Q2.b" not in text  # passed: not listed one by one
        assert "Q2 · Second · 2 / 4" in lines and "Q3 · Third · 0 / 4" in lines
        assert "  ✗ Q2.a · failed · 0 / 2 · title of Q2.a" in lines
        assert "      2 of 3 cases wrong; first: differs by 1." in lines and "      Hint: Add both paths." in lines
        assert lines[-1] == "passed: Q1"

    def test_a_stub_is_one_neutral_to_do_entry(self, rubric):
        text = _rendered(command.todo_list(_lab_source(rubric), self.result()))
        [entry] = [line for line in text.splitlines() if "Q3.a" in line]
        assert entry == "  ○ to do: Q3.a, Q3.b (4 points)"
        assert text.count("Not written yet") == 1 and "error" not in text and "✗ Q3" not in text

    def test_wrapped_lines_keep_their_indent_and_have_no_trailing_spaces(self, rubric):
        long = "word " * 40
        result = _result(_check("Q1.a", FAILED, message=long, hint=long))
        lines = _rendered(command.todo_list(_lab_source(rubric), result, width=60), width=60).splitlines()
        body = [line for line in lines if "word" in line]
        assert len(body) > 4 and all(line.startswith("      ") and len(line) <= 60 for line in body)
        assert all(line == line.rstrip() for line in lines)

    def test_everything_passing_leaves_only_the_header_and_the_passed_line(self, rubric):
        result = _result(_check("Q1.a", PASSED, 2.0), _check("Q2.a", PASSED, 2.0), _check("Q3.a", PASSED, 2.0))
        lines = _rendered(command.todo_list(_lab_source(rubric), result)).splitlines()
        assert lines[0].startswith("Self-check") and lines[-2:] == ["", "passed: Q1, Q2, Q3"]
        assert not any("Q1.a" in line for line in lines)
        assert command.closing_line(_lab_source(rubric), result).plain == "Everything passes."

    def test_student_text_is_printed_plain(self, rubric):
        result = _result(_check("Q1.a", FAILED, message="got [bold]x[/bold]\x1b[31m", hint="\x07"))
        text = _rendered(command.todo_list(_lab_source(rubric), result))
        assert "[bold]x[/bold]" in text and "\x1b" not in text and "\x07" not in text


# ---------------------------------------------------------------- the starter's data

# The handout's data of each linreg exercise, by the rubric's [data] names (Q3/Q4 use Problem 1's, Q5 Q1's).
LINREG_DATA = {
    "P1": ["p1_x", "p1_y"], "Q1": ["q1_x", "q1_y"], "Q2": ["q2_x", "q2_y"], "AQ1": ["q2_x", "q2_y"],
    "Q3": ["p1_x", "p1_y"], "Q4": ["p1_x", "p1_y"], "Q5": ["q1_x", "q1_y"], "Q6": ["q6_X", "q6_y", "q6_point"],
    "Q7": ["q7_x", "q7_y"],
}
# autograd: the handout's input_x = 2.0 (P4) and x = 2 (Q5); elsewhere the rubric's [behaviour] example.
AUTOGRAD_HANDOUT = {"P4": [2.0], "Q5": [2.0]}


def _starter(course, lab: str):
    from grader.selfcheck.starter import load_starter, starter_notebook

    rubric = course.load(lab).rubric
    return rubric, starter_notebook(load_starter(course.root / "starters" / f"{lab}.toml", rubric), rubric)


def _sections(notebook) -> dict[str, list]:
    """Each exercise's cells, from its "## Q2 · …" heading to the next heading."""
    sections, current = {}, None
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("## "):
            current = cell.source[3:].split(" · ")[0]
            sections[current] = []
        elif current is not None:
            sections[current].append(cell)
    return sections


def _data_cell(cells) -> str:
    """The section's data cell: the code cell right under the task, holding no function or class."""
    first = cells[0]
    assert first.cell_type == "code" and not any(
        isinstance(node, (ast.FunctionDef, ast.ClassDef)) for node in ast.walk(ast.parse(first.source))), first.source
    return first.source


def _flat(value) -> list[float]:
    return [x for item in value for x in _flat(item)] if isinstance(value, (list, tuple)) else [float(value)]


class TestStarterData:
    """Every exercise's section of the starter notebook carries its data, and nothing of an answer."""

    def test_each_linreg_exercise_has_the_handouts_data_in_its_cell(self, course):
        import torch

        rubric, notebook = _starter(course, "linreg")
        sections = _sections(nbformat.reads(nbformat.writes(notebook), as_version=4))
        assert list(sections) == list(rubric.exercise_ids()) == list(LINREG_DATA)
        for exercise, names in LINREG_DATA.items():
            source = _data_cell(sections[exercise])
            namespace = {"torch": torch}
            exec(source, namespace)
            tensors = [value.flatten().tolist() for value in namespace.values() if isinstance(value, torch.Tensor)]
            for name in names:
                expected = _flat(rubric.data[name])
                assert any(t == pytest.approx(expected) for t in tensors), (exercise, name)
                assert all(repr(number) in source for number in expected), (exercise, name)

    def test_each_autograd_exercise_has_values_to_try_its_functions_at(self, course):
        rubric, notebook = _starter(course, "autograd")
        sections = _sections(notebook)
        for exercise in rubric.exercise_ids():
            namespace = {}
            exec(_data_cell(sections[exercise]), namespace)
            values = sorted(v for k, v in namespace.items() if not k.startswith("__"))
            example = rubric.behaviour[exercise].options.example
            assert values == sorted(example.values()), exercise
            assert values == sorted(AUTOGRAD_HANDOUT.get(exercise, values)), exercise

    @pytest.mark.parametrize("lab", ["autograd", "linreg"])
    def test_data_cells_come_right_under_the_task_and_define_no_answer(self, course, lab):
        rubric, notebook = _starter(course, lab)
        contract = contract_names(rubric)
        for exercise, cells in _sections(notebook).items():
            tree = ast.parse(_data_cell(cells))
            assigned = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
            assert not assigned & contract and not any(isinstance(n, ast.FunctionDef) for n in ast.walk(tree))

    @pytest.mark.parametrize("data, message", [
        ("x = torch.tensor({{ nowhere }})",
         r"\{\{ nowhere \}\} is not in the rubric's \[data\] \(it has unused, used\)"),
        ("def pair(x, used):\n    return 1", "a data cell holds data only"),
        ("shortcut = lambda x, used: 1", "a data cell holds data only"),
        ("used_here = {{ used }}\npair = 3", "defines `pair`, a name of the contract"),
        ("x = (", "the data code does not parse"),
    ])
    def test_a_data_cell_that_is_not_just_data_is_refused(self, shared, tmp_path, data, message):
        from grader.selfcheck.starter import load_starter

        starter = tmp_path / "starter.toml"
        code = "def pair(x, used):\n    \"\"\"Return a dict.\"\"\"\n    raise NotImplementedError\n\np = 1"
        starter.write_text(tomli_w_like({"task": "Do it.", "data": data, "code": code}))
        with pytest.raises(GraderError, match=message):
            load_starter(starter, shared[0])

    def test_placeholders_become_python_literals_aligned_under_their_bracket(self, shared, tmp_path):
        from grader.selfcheck.starter import fill_data, python_literal

        long = [float(i) + 0.25 for i in range(40)]
        source = fill_data("values = torch.tensor({{ long }})", {"long": long}, "here")
        lines = source.splitlines()
        assert len(lines) > 1 and all(len(line) <= 96 for line in lines)
        assert all(line.startswith(" " * len("values = torch.tensor([")) for line in lines[1:])
        assert ast.literal_eval(source.split("(", 1)[1].rsplit(")", 1)[0]) == long
        assert python_literal([[3.0, 2.0]]) == "[[3.0, 2.0]]" and python_literal(-3.7) == "-3.7"


def tomli_w_like(entry: dict) -> str:
    """A one-exercise starter file (multi-line strings as TOML literal strings)."""
    body = "".join(f"{key} = '''\n{value}\n'''\n" for key, value in entry.items())
    return f"[exercises.Q1]\n{body}"
