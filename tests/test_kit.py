"""The student kit: what is in it, what is never in it, and how its starter notebook scores."""
import ast
import json
import math
import os
import re
import shutil
import site
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import nbformat
import pytest
import yaml

from conftest import ROOT
from grader.batch import BatchOptions, grade_path
from grader.reference import ReferenceSolution
from grader.rubric import draw_cases
from grader.selfcheck.expectations import SELF_CHECK_SEED
from grader.selfcheck.locate import contract_names
from kit_support import complete_from_reference

LABS = ("autograd", "linreg")
NUMBER = re.compile(r"(?<![\w.])\d+\.\d+(?:[eE][-+]?\d+)?")


def kit_texts(root: Path) -> dict[str, str]:
    """Every file of a kit as text, the members of its wheel included (path -> text)."""
    texts = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        name = str(path.relative_to(root))
        if path.suffix == ".whl":
            with zipfile.ZipFile(path) as wheel:
                for member in wheel.namelist():
                    texts[f"{name}!{member}"] = wheel.read(member).decode("utf-8", "replace")
        else:
            texts[name] = path.read_text(encoding="utf-8", errors="replace")
    return texts


def numbers(encoded) -> list[float]:
    """Every number inside an encoded value (grader.sandbox.encode)."""
    if isinstance(encoded, dict):
        found = []
        for key in ("value", "values", "items"):
            if key in encoded:
                found += numbers(encoded[key])
        return found
    if isinstance(encoded, list):
        return [n for item in encoded for n in numbers(item)]
    if isinstance(encoded, float) and math.isfinite(encoded):
        return [encoded]
    return []


class TestContents:
    """A kit holds a starter notebook, its self-check data, the engine, a workflow and a README."""

    @pytest.mark.parametrize("lab", LABS)
    def test_every_file_is_there(self, kits, lab):
        root = kits[lab].root
        for name in (f"{lab}.ipynb", "README.md", f".labgrade/{lab}.json", ".labgrade/requirements.txt",
                     ".github/workflows/selfcheck.yml", ".gitignore"):
            assert (root / name).is_file(), name
        assert len(list((root / ".labgrade" / "wheels").glob("labgrade-*.whl"))) == 1

    @pytest.mark.parametrize("lab", LABS)
    def test_one_section_per_exercise_with_a_check_cell(self, kits, course, lab):
        notebook = nbformat.read(kits[lab].notebook, as_version=4)
        nbformat.validate(notebook)
        headings = [c.source.splitlines()[0] for c in notebook.cells if c.cell_type == "markdown"]
        checks = [c.source for c in notebook.cells if c.cell_type == "code" and c.source.startswith("check(")]
        ids = course.load(lab).rubric.exercise_ids()
        assert [h.split(" ")[1] for h in headings[1:]] == list(ids)
        assert checks == [f'check("{e}")' for e in ids]

    @pytest.mark.parametrize("lab", LABS)
    def test_every_contract_name_has_a_documented_stub_that_raises(self, kits, course, lab):
        notebook = nbformat.read(kits[lab].notebook, as_version=4)
        stubs = {}
        for cell in notebook.cells:
            if cell.cell_type == "code":
                for node in ast.parse(cell.source).body:
                    if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                        stubs[node.name] = node
        for name in contract_names(course.load(lab).rubric):
            node = stubs[name]
            assert ast.get_docstring(node), name
            raises = [n for n in ast.walk(node) if isinstance(n, ast.Raise)]
            assert raises and all("NotImplementedError" in ast.unparse(n) for n in raises), name

    def test_workflow_installs_pinned_cpu_torch_and_the_engine_then_runs_the_self_check(self, kits):
        workflow = (kits["linreg"].root / ".github/workflows/selfcheck.yml").read_text()
        assert 'pip install "torch==2.13.0" --index-url https://download.pytorch.org/whl/cpu' in workflow
        assert "pip install -r .labgrade/requirements.txt .labgrade/wheels/labgrade-" in workflow
        assert 'grade check . --ci --fail-under "$FAIL_UNDER"' in workflow
        requirements = (kits["linreg"].root / ".labgrade/requirements.txt").read_text().splitlines()
        pins = [line for line in requirements if line and not line.startswith("#")]
        assert pins and all("==" in line for line in pins) and not any(p.startswith("torch") for p in pins)

    def test_workflow_is_valid_yaml_with_the_steps_in_order(self, kits):
        workflow = yaml.safe_load((kits["autograd"].root / ".github/workflows/selfcheck.yml").read_text())
        steps = workflow["jobs"]["self-check"]["steps"]
        assert [s.get("uses", s.get("name")).split("@")[0] for s in steps] == [
            "actions/checkout", "actions/setup-python", "Install the grading engine (pinned versions, CPU-only torch)",
            "Self-check", "actions/upload-artifact"]
        assert workflow["permissions"] == {"contents": "read"}

    def test_readme_gives_the_install_lines_and_the_check_command(self, kits):
        readme = (kits["autograd"].root / "README.md").read_text()
        workflow = (kits["autograd"].root / ".github/workflows/selfcheck.yml").read_text()
        for line in ('python -m pip install "torch==2.13.0" --index-url https://download.pytorch.org/whl/cpu',
                     "python -m pip install -r .labgrade/requirements.txt .labgrade/wheels/"):
            assert line in readme and line in workflow
        assert "grade check autograd.ipynb" in readme

    def test_wheel_is_the_engine_with_its_templates_and_nothing_else(self, kits):
        [wheel] = (kits["autograd"].root / ".labgrade" / "wheels").glob("*.whl")
        names = zipfile.ZipFile(wheel).namelist()
        assert all(n.startswith(("grader/", "labgrade-")) for n in names)
        assert "grader/templates/student.html.j2" in names and "grader/selfcheck/notebook.py" in names
        assert not any(n.startswith(("reference/", "rubrics/", "submissions/", "starters/")) for n in names)


class TestNothingSecret:
    """No reference code, no hidden check, no value only a hidden check reads: proven by scanning every byte."""

    @pytest.fixture(scope="class")
    @classmethod
    def everything(cls, kits):
        texts = {}
        for lab in LABS:
            texts.update({f"{lab}/{name}": text for name, text in kit_texts(kits[lab].root).items()})
        return texts

    @pytest.mark.parametrize("lab", LABS)
    def test_no_line_of_the_reference_solution(self, everything, lab):
        source = (ROOT / "reference" / f"{lab}.py").read_text()
        # Lines that say something of the solution: not imports, signatures or idioms every answer has.
        common = {"with torch.no_grad():", "optimizer.zero_grad()"}
        distinctive = {line.strip() for line in source.splitlines()
                       if len(line.strip()) >= 20 and line.strip() not in common
                       and not line.strip().startswith(("def ", "class ", "#", "import ", "from "))}
        assert len(distinctive) > 20
        leaks = [(line, name) for line in distinctive for name, text in everything.items() if line in text]
        assert leaks == []

    @pytest.mark.parametrize("lab", LABS)
    def test_no_hidden_check_id_title_hint_or_probe(self, everything, course, lab):
        rubric = course.load(lab).rubric
        visible = [c for c in rubric.checks if not c.hidden]
        hidden = [c for c in rubric.checks if c.hidden]
        assert hidden, "the rubric should hide some checks"
        hidden_only = {c.probe for c in hidden} - {c.probe for c in visible}
        secrets = [c.id for c in hidden] + [c.hint for c in hidden]
        secrets += [f'"{name}"' for name in hidden_only]
        for name in hidden_only:
            for strategy in rubric.probes[name].strategies:
                secrets += [strategy.code.strip()] * ("\n" in strategy.code.strip() or strategy.script)
                secrets += [strategy.expect.strip()] if strategy.expect else []
        leaks = [(s, name) for s in secrets for name, text in everything.items() if s in text]
        assert leaks == []

    @pytest.mark.parametrize("lab", LABS)
    def test_no_expected_value_or_input_only_hidden_checks_use(self, everything, course, lab):
        lab_ = course.load(lab)
        rubric = lab_.rubric
        reference = ReferenceSolution(rubric, lab_.reference_path, SELF_CHECK_SEED)
        visible_values, hidden_values = set(), set()
        for check in rubric.checks:
            if check.probe is None:
                continue  # a behaviour-only check: never in a kit
            probe = rubric.probes[check.probe]
            values = hidden_values if check.hidden else visible_values
            cases = draw_cases(probe, SELF_CHECK_SEED)
            values.update(n for inputs in cases for v in inputs.values() for n in numbers(v if isinstance(v, list) else [v]))
            if not probe.reference or probe.strategies[0].script:
                continue
            for case in range(len(cases)):
                value = reference.expected(probe, 0, case, None)
                if check.select and value.get("kind") == "dict":
                    value = value["items"][check.select]
                values.update(numbers(value))
        # Compared as number tokens, so that 0.53 is not "found" inside 10.5301.
        secret = {repr(abs(v)) for v in hidden_values - visible_values if len(repr(abs(v))) >= 5}
        assert len(secret) > 5, "some values are only a hidden check's"
        data = json.loads((everything[f"{lab}/.labgrade/{lab}.json"]))
        assert {c["id"] for c in data["checks"]} == {c.id for c in rubric.checks if not c.hidden and c.probe}
        leaks = [(name, sorted(secret & set(NUMBER.findall(text)))) for name, text in everything.items()]
        assert [leak for leak in leaks if leak[1]] == []


class TestStarterScores:
    """A completed starter earns every point under `grade`; an untouched one earns none, kindly."""

    @pytest.fixture(scope="class")
    @classmethod
    def graded(cls, kits, course, tmp_path_factory):
        out = tmp_path_factory.mktemp("starter_reports")
        results = {}
        for lab in LABS:
            folder = tmp_path_factory.mktemp("starters") / lab
            folder.mkdir()
            shutil.copy(kits[lab].notebook, folder / "untouched.ipynb")
            complete_from_reference(kits[lab].notebook, ROOT / "reference" / f"{lab}.py", folder / "completed.ipynb")
            graded = grade_path(folder, course=course, options=BatchOptions(out=out, seed=11, workers=2))
            results[lab] = {r.student: r for r in graded[lab]}
        return results

    @pytest.mark.parametrize("lab", LABS)
    def test_completed_starter_scores_full_marks(self, graded, lab):
        result = graded[lab]["completed"]
        assert result.score == result.max_score > 0, [(c.id, c.message) for c in result.checks if c.score < c.max_score]
        assert any(c.hidden for c in result.checks)
        assert not result.flags

    @pytest.mark.parametrize("lab", LABS)
    def test_self_check_cells_step_aside_while_graded(self, graded, lab):
        units = graded[lab]["completed"].units
        skipped = [u for u in units if "skipped: this notebook is being graded" in u.stdout]
        assert skipped and all(u.status == "ok" for u in units)

    @pytest.mark.parametrize("lab", LABS)
    def test_untouched_starter_scores_zero_with_a_friendly_message_per_exercise(self, graded, lab):
        result = graded[lab]["untouched"]
        assert result.score == 0
        for exercise in result.exercises:
            messages = [c.message for c in result.checks if c.exercise == exercise]
            assert any(m.startswith("Not written yet (") and "still the starter stub" in m for m in messages), exercise
        assert not any("Traceback" in c.message for c in result.checks)


class TestKitCommand:
    """`grade kit` through the CLI."""

    def test_builds_a_kit_with_a_given_wheel(self, tmp_path, engine_wheel):
        done = subprocess.run([sys.executable, "-m", "grader", "kit", "autograd", "--out", str(tmp_path / "kit"),
                               "--wheel", str(engine_wheel)], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert (tmp_path / "kit" / "autograd.ipynb").is_file() and "Kit for autograd" in done.stdout

    def test_a_lab_without_a_starter_is_a_one_line_error(self, tmp_path):
        (tmp_path / "rubrics").mkdir()
        (tmp_path / "reference").mkdir()
        shutil.copy(ROOT / "rubrics" / "autograd.toml", tmp_path / "rubrics" / "autograd.toml")
        shutil.copy(ROOT / "reference" / "autograd.py", tmp_path / "reference" / "autograd.py")
        done = subprocess.run([sys.executable, "-m", "grader", "kit", "autograd", "--out", str(tmp_path / "kit"),
                               "--course", str(tmp_path)], cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert done.returncode == 2
        assert done.stderr.strip().startswith("grade kit:") and "starter" in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1


def test_student_installs_the_wheel_and_reaches_a_green_self_check(tmp_path, kits):
    """From the kit alone: the engine installed from its wheel, outside this checkout, passes a completed notebook.

    The venv reuses the packages of the environment the suite runs in (torch and friends: what
    the README's pinned lines install, in a venv or not) but gets the engine only from the kit's wheel.
    """
    kit = tmp_path / "kit"
    shutil.copytree(kits["autograd"].root, kit)
    complete_from_reference(kit / "autograd.ipynb", ROOT / "reference" / "autograd.py", kit / "autograd.ipynb")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=False, with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    # This environment's packages (torch and friends), whether it is the system's or a venv of its own; a
    # path file adds its folders after the new venv's own, so the engine still comes from the kit's wheel.
    nested = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                            capture_output=True, text=True, check=True).stdout.strip()
    outer = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"],
                           *site.getsitepackages()])
    (Path(nested) / "outer-packages.pth").write_text("\n".join(outer) + "\n")
    [wheel] = (kit / ".labgrade" / "wheels").glob("*.whl")
    installed = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                                "--no-index", "--quiet", str(wheel)], capture_output=True, text=True, timeout=300)
    if installed.returncode != 0 and "no such option: --python" in installed.stderr:
        pytest.skip("this pip cannot install into another environment (needs pip >= 22.3)")
    assert installed.returncode == 0, installed.stderr
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("LABGRADE", "PYTHON"))}
    where = subprocess.run([str(python), "-c", "import grader; print(grader.__file__)"], cwd=kit,
                           capture_output=True, text=True, env=clean, timeout=60)
    assert str(env_dir) in where.stdout, where.stdout + where.stderr
    done = subprocess.run([str(env_dir / "bin" / "grade"), "check", "autograd.ipynb", "--fail-under", "100"],
                          cwd=kit, capture_output=True, text=True, env=clean, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "(100 %)" in done.stdout and "Expected values from the kit" in done.stdout
    assert "Self-check" in (kit / "selfcheck" / "autograd.html").read_text()
