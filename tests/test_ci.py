"""`grade check --ci`: JUnit XML, the GitHub step summary, annotations — and no way for a student to forge them."""
import io
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import nbformat
import pytest

from conftest import ROOT
from grader.results import CaseResult, CheckResult, SubmissionResult
from grader.selfcheck import ci
from kit_support import complete_from_reference


class TestWorkflowCommandEscaping:
    """Student text can neither end a property nor start a line of its own."""

    @pytest.mark.parametrize("text, data, prop", [
        ("plain", "plain", "plain"),
        ("100%", "100%25", "100%25"),
        ("a\nb\r\nc", "a%0Ab%0D%0Ac", "a%0Ab%0D%0Ac"),
        ("x::error::y", "x::error::y", "x%3A%3Aerror%3A%3Ay"),
        ("a,b=c", "a,b=c", "a%2Cb=c"),
        ("%0A", "%250A", "%250A"),
    ])
    def test_data_and_property(self, text, data, prop):
        assert ci.escape_data(text) == data
        assert ci.escape_property(text) == prop

    @pytest.mark.parametrize("line, defused", [
        ("::error::forged", True),
        ("   ::stop-commands::x", True),
        ("\t::add-mask::secret", True),
        ("\r::error::x", True),
        ("\x1b[1m::error::x", True),
        ("│ ::error::forged │", False),
        ("say ::error:: later", False),
        ("", False),
    ])
    def test_line_starting_with_a_command_is_defused(self, line, defused):
        assert (ci.neutralise_line(line) != line) is defused
        assert not ci.neutralise_line(line).lstrip().startswith("::")

    def test_stream_defuses_every_line_even_written_in_pieces(self):
        target = io.StringIO()
        stream = ci.WorkflowSafeStream(target)
        for piece in ("ok\n::", "stop-commands::x\nfine\n  ::err", "or::forged"):
            stream.write(piece)
        stream.flush()
        lines = target.getvalue().splitlines()
        assert lines[0] == "ok" and lines[2] == "fine"
        assert not any(line.lstrip().startswith("::") for line in lines)

    def test_annotation_escapes_title_file_and_message(self):
        check = CheckResult(id="Q1.manual", exercise="Q1", title="a, b: c", status="failed", score=0, max_score=3,
                            message="got ::error::forged\n::stop-commands::x", hint="100% sure")
        line = ci.annotation(check, "sub/my,lab::1.ipynb")
        assert line.startswith("::error file=sub/my%2Clab%3A%3A1.ipynb,title=Q1.manual%3A a%2C b%3A c::")
        assert "\n" not in line and "%0A::stop-commands::x" in line and "100%25 sure" in line


class TestMarkdownAndJUnit:
    """The summary cannot break its table or inject HTML; the JUnit file is valid XML whatever the text."""

    def test_markdown_escapes_pipes_backticks_html_and_newlines(self):
        text = ci.escape_markdown("a|b `code` <script>x</script> **bold**\nnext [link](http://x)")
        assert "|" not in text.replace("\\|", "") and "`" not in text.replace("\\`", "")
        assert "<" not in text and "&lt;script&gt;" in text and "\n" not in text
        assert "\\*\\*bold\\*\\*" in text and "\\[link\\]" in text

    def result(self, message: str) -> SubmissionResult:
        checks = (
            CheckResult(id="Q1.a", exercise="Q1", title="first", status="passed", score=2, max_score=2,
                        message="Correct."),
            CheckResult(id="Q1.b", exercise="Q1", title="second", status="failed", score=0, max_score=3,
                        message=message, hint="think", cases=(CaseResult(inputs={"x": 1.0}, passed=False,
                                                                         message=message, got="1", expected="2"),)),
            CheckResult(id="Q2.a", exercise="Q2", title="script", status="instructor_only", score=0, max_score=0,
                        message="Checked by your instructor's grader."),
        )
        return SubmissionResult(student="s", lab="lab", score=2, max_score=5, checks=checks,
                                exercises={"Q1": (2, 5), "Q2": (0, 0)}, seed=1, rubric_version="1",
                                grader_version="0", elapsed=1.0)

    def test_junit_has_one_testcase_per_check_and_survives_control_characters(self):
        document = ET.fromstring(ci.junit_xml(self.result("bad \x00\x1b[31m <tag> & \"quote\""), suite="lab: L"))
        cases = document.findall("./testsuite/testcase")
        assert [c.get("name") for c in cases] == ["Q1.a: first", "Q1.b: second", "Q2.a: script"]
        assert document.get("tests") == "3" and document.get("failures") == "1" and document.get("skipped") == "1"
        failure = cases[1].find("failure")
        assert "<tag> & \"quote\"" in failure.get("message") and "Hint: think" in failure.text
        assert "Inputs: x=1.0" in failure.text and "Expected: 2" in failure.text
        assert cases[2].find("skipped") is not None and cases[0].find("failure") is None

    def test_summary_has_the_total_and_a_row_per_check(self):
        summary = ci.markdown_summary(self.result("x | y"), title="Lab")
        rows = [line for line in summary.splitlines() if line.startswith("| ")]
        assert "**2 / 5**" in summary and len(rows) == 4  # the header and three checks
        assert all(row.count(" | ") == 4 for row in rows[1:])

    def test_summary_leads_with_what_to_fix_and_lists_those_rows_first(self):
        summary = ci.markdown_summary(self.result("wrong"), title="Lab", exercise_order=["Q1", "Q2"])
        lines = summary.splitlines()
        assert lines[4] == "**1 check to fix: Q1.b; 1 left to your instructor's grader (Q2.a).**"
        rows = [line for line in lines if line.startswith("| ")]
        assert "Q1.b" in rows[1] and "Q1.a" in rows[2]  # rows[0] is the header

    def todo_result(self) -> SubmissionResult:
        stub = CheckResult(id="Q1.c", exercise="Q1", title="third", status="todo", score=0, max_score=2,
                           message="Not written yet (f is still the starter stub).", hint="think")
        result = self.result("wrong")
        return SubmissionResult(**{**result.__dict__, "checks": (*result.checks, stub)})

    def test_a_stub_to_do_is_neutral_in_every_ci_output(self):
        result = self.todo_result()
        document = ET.fromstring(ci.junit_xml(result, suite="lab: L"))
        case = next(c for c in document.iter("testcase") if c.get("name") == "Q1.c: third")
        assert case.find("failure") is None and case.find("error") is None
        assert case.find("skipped").get("message").startswith("To do: Not written yet")
        assert document.get("failures") == "1" and document.get("skipped") == "2"
        assert [line for line in ci.annotations(result, lambda check: "lab.ipynb") if "Q1.c" in line] == []
        summary = ci.markdown_summary(result, title="Lab", exercise_order=["Q1", "Q2"])
        assert "| ⬜ | Q1 | Q1.c: third |" in summary and "1 to do in Q1" in summary


def _forging_notebook(kit_notebook, out):
    """A completed autograd notebook whose Q1 and Q5 answers try to forge workflow commands."""
    complete_from_reference(kit_notebook, ROOT / "reference" / "autograd.py", out)
    notebook = nbformat.read(out, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(
        'print("::stop-commands::x")\nprint("::error::forged")\n\n'
        "def dz_da_manual(a, b):\n"
        '    print("::stop-commands::x")\n'
        '    raise ValueError("::stop-commands::x\\n::error::forged | `tick` <b>bold</b>")\n\n'
        "def poly_dy_dx_manual(x):\n"
        '    return "\\n::error::forged\\n::stop-commands::x"\n'))
    nbformat.write(notebook, out)


@pytest.fixture(scope="module")
def ci_run(kits, tmp_path_factory):
    """A student's repository (a git repo made from the kit) checked in CI mode, as the kit's workflow does."""
    repo = tmp_path_factory.mktemp("ci") / "student-repo"
    shutil.copytree(kits["autograd"].root, repo)
    (repo / "autograd.ipynb").unlink()
    _forging_notebook(kits["autograd"].notebook, repo / "my,lab::1.ipynb")
    git = ["git", "-c", "user.name=Student", "-c", "user.email=student@example.org"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "my lab"]):
        subprocess.run([*git, *command], cwd=repo, check=True, capture_output=True, timeout=60)
    summary = repo.parent / "step_summary.md"
    summary.write_text("## earlier step\n")
    env = {**os.environ, "GITHUB_ACTIONS": "true", "CI": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    done = subprocess.run([sys.executable, "-m", "grader", "check", ".", "--ci", "--fail-under", "100"], cwd=repo,
                          env=env, capture_output=True, text=True, timeout=300)
    return repo, summary, done


class TestCheckInCI:
    """End to end: the command in a scratch repository, its outputs read back."""

    def test_exit_status_says_the_threshold_was_missed(self, ci_run):
        _, _, done = ci_run
        assert done.returncode == 1, done.stdout + done.stderr
        assert "Below --fail-under 100" in done.stdout

    def test_junit_file_parses_with_one_testcase_per_visible_check(self, ci_run, kits):
        repo, _, _ = ci_run
        document = ET.parse(repo / "selfcheck" / "junit.xml").getroot()
        cases = {c.get("name").split(":")[0]: c for c in document.iter("testcase")}
        assert set(cases) == {"P4.manual", "P4.autograd", "Q1.manual", "Q2.manual", "Q3.manual", "Q4.manual",
                              "Q5.manual", "Q6.forward", "Q6.manual"}
        failed = {name for name, case in cases.items() if case.find("failure") is not None}
        assert failed == {"Q1.manual", "Q5.manual"}
        assert "ValueError" in cases["Q1.manual"].find("failure").get("message")
        assert cases["Q1.manual"].get("classname") == "autograd.Q1"

    def test_step_summary_is_appended_with_escaped_student_text(self, ci_run):
        _, summary, _ = ci_run
        text = summary.read_text()
        assert text.startswith("## earlier step\n") and "### Self-check: Autograd and computation graphs" in text
        assert "| ✅ | P4 |" in text and "| ❌ | Q1 |" in text
        rows = [line for line in text.splitlines() if line.startswith("| ")]
        row = next(line for line in rows if "Q1.manual" in line)
        assert row.count(" | ") == 4 and "\\| \\`tick\\` &lt;b&gt;bold&lt;/b&gt;" in row

    def test_step_summary_leads_with_what_to_fix(self, ci_run):
        _, summary, _ = ci_run
        lines = summary.read_text().splitlines()
        lead = lines.index("**2 checks to fix: Q1.manual, Q5.manual.**")
        rows = [index for index, line in enumerate(lines) if line.startswith("| ")]
        assert lead < rows[0] and "Q1.manual" in lines[rows[1]] and "Q5.manual" in lines[rows[2]]

    def test_last_line_names_the_checks_to_fix(self, ci_run):
        _, _, done = ci_run
        assert done.stdout.splitlines()[-1] == "2 checks to fix: Q1.manual, Q5.manual."

    def test_annotations_only_for_failed_checks_pointing_at_the_file(self, ci_run):
        _, _, done = ci_run
        commands = [line for line in done.stdout.splitlines() if line.lstrip().startswith("::")]
        assert len(commands) == 2
        assert all(line.startswith("::error file=my%2Clab%3A%3A1.ipynb,title=") for line in commands)
        assert any(line.startswith("::error file=my%2Clab%3A%3A1.ipynb,title=Q1.manual%3A") for line in commands)

    def test_student_output_forges_no_workflow_command(self, ci_run):
        _, _, done = ci_run
        for stream in (done.stdout, done.stderr):
            for line in stream.splitlines():
                visible = line.lstrip()
                assert not visible.startswith("::stop-commands") and not visible.startswith("::error::")
                if visible.startswith("::"):  # one of ours: properties end at the first "::", nothing in them forged
                    properties = visible[len("::error "):].split("::", 1)[0]
                    assert ":" not in properties and "\n" not in properties
        assert "::error::forged" in done.stdout  # it is shown, just never as a command

    def test_html_report_is_written(self, ci_run):
        repo, _, _ = ci_run
        reports = list((repo / "selfcheck").glob("*.html"))
        assert len(reports) == 1 and "Self-check: only the visible checks ran" in reports[0].read_text()
