"""`grade kit <lab> --out DIR`: everything a student receives for one lab.

    DIR/<lab>.ipynb                       the starter notebook (grader.selfcheck.starter)
    DIR/README.md                         how to install, work, self-check and use CI
    DIR/.labgrade/<lab>.json              the self-check data: visible checks and their expected values only
    DIR/.labgrade/wheels/labgrade-….whl   the grading engine — the `grader` package and nothing else
    DIR/.labgrade/requirements.txt        the engine's dependencies, pinned (torch is installed apart, CPU build)
    DIR/.github/workflows/selfcheck.yml   the self-check on every push of the student's repository
    DIR/.gitignore                        the self-check's output folder and the usual clutter

The kit is meant to become the student's repository as it is. The reference
solution stays here: it computes the expected values while the kit is built,
in this process, and no line of it, no hidden check and no value only a
hidden check reads goes into the kit (tests/test_kit.py scans a built kit,
inside the wheel too).
"""
from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import jinja2
import nbformat

from grader import __version__
from grader.errors import GraderError
from grader.lab import Course
from grader.reference import ReferenceSolution
from grader.report.html import template_folder
from grader.selfcheck.expectations import SELF_CHECK_SEED, export_selfcheck, visible_rubric, write_selfcheck
from grader.selfcheck.locate import KIT_FOLDER
from grader.selfcheck.starter import load_starter, starter_notebook

ENGINE_ROOT = Path(__file__).resolve().parents[2]  # a checkout: pyproject.toml, setup.py, grader/, templates/
ENGINE_FILES = ("pyproject.toml", "setup.py", "README.md")
ENGINE_FOLDERS = ("grader", "templates")
WORKFLOW = Path(".github") / "workflows" / "selfcheck.yml"
GITIGNORE = "selfcheck/\n__pycache__/\n.ipynb_checkpoints/\n.venv/\n"
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"


@dataclass(frozen=True, kw_only=True)
class Kit:
    """What `build_kit` wrote."""

    lab: str
    root: Path
    notebook: Path
    data: Path
    wheel: Path
    requirements: Path
    workflow: Path
    readme: Path


# ---------------------------------------------------------------- the engine wheel

def build_engine_wheel(dest: Path, source: Path = ENGINE_ROOT) -> Path:
    """A wheel of the `grader` package, built from a staged copy of only the engine's files.

    Staging means nothing else in the checkout (reference/, rubrics/, submissions/,
    reports) can slip into the build, whatever the packaging configuration says.
    """
    if not all((source / name).is_file() for name in ENGINE_FILES[:2]):
        raise GraderError(f"{source} is not a labgrade checkout (pyproject.toml and setup.py are needed to build "
                          "the engine wheel); pass --wheel with a wheel built elsewhere")
    dest.mkdir(parents=True, exist_ok=True)
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    with tempfile.TemporaryDirectory(prefix="labgrade-wheel-") as temp:
        stage, built = Path(temp) / "src", Path(temp) / "dist"
        stage.mkdir()
        for name in ENGINE_FILES:
            if (source / name).is_file():
                shutil.copy2(source / name, stage / name)
        for name in ENGINE_FOLDERS:
            shutil.copytree(source / name, stage / name, ignore=skip)
        # No build isolation and no index: the build uses this machine's setuptools and downloads nothing.
        done = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "--quiet",
             "--wheel-dir", str(built), str(stage)],
            capture_output=True, text=True, env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}, timeout=300)
        wheels = sorted(built.glob("labgrade-*.whl"))
        if done.returncode != 0 or len(wheels) != 1:
            reason = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no wheel came out"]
            raise GraderError(f"building the engine wheel failed: {reason[0]}")
        target = dest / wheels[0].name
        shutil.copy2(wheels[0], target)
    return target


def check_wheel(wheel: Path) -> None:
    """The wheel holds the engine (with its templates) and nothing of the course."""
    try:
        names = zipfile.ZipFile(wheel).namelist()
    except (OSError, zipfile.BadZipFile) as error:
        raise GraderError(f"{wheel} is not a wheel: {error}") from None
    stray = [n for n in names if not (n.startswith("grader/") or re.match(r"labgrade-[^/]+\.dist-info/", n))]
    if stray:
        raise GraderError(f"{wheel.name} holds more than the engine: {', '.join(stray[:5])}")
    if "grader/templates/base.html.j2" not in names:
        raise GraderError(f"{wheel.name} has no report templates (grader/templates/); build it with this "
                          "checkout's setup.py")


def _requirements(wheel: Path) -> list[str]:
    """The names of the wheel's runtime dependencies (from its METADATA)."""
    metadata = next(n for n in zipfile.ZipFile(wheel).namelist() if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode("utf-8")
    names = [re.split(r"[\s;<>=!~\[(]", line.split(":", 1)[1].strip())[0]
             for line in text.splitlines() if line.startswith("Requires-Dist:") and "extra ==" not in line]
    return names


def _installed_version(name: str) -> str:
    try:
        return importlib.metadata.version(name).split("+")[0]  # 2.13.0+cpu -> 2.13.0
    except importlib.metadata.PackageNotFoundError:
        raise GraderError(f"cannot pin {name}: it is not installed here") from None


# ---------------------------------------------------------------- the kit

def _kit_environment() -> jinja2.Environment:
    # Markdown and YAML, not HTML: no autoescape. Everything filled in comes from the course, not from students.
    return jinja2.Environment(loader=jinja2.FileSystemLoader(template_folder() / "kit"), autoescape=False,
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def build_kit(course: Course, lab_id: str, out: Path, *, wheel: Path | None = None) -> Kit:
    """Write the kit of one lab into `out` (created if needed). One lab per kit folder: the README,
    the workflow and the engine wheel are this lab's; another lab's notebook and data are left alone."""
    lab = course.load(lab_id)
    rubric = lab.rubric
    starter = load_starter(course.root / "starters" / f"{lab_id}.toml", rubric)
    reference = ReferenceSolution(visible_rubric(rubric), lab.reference_path, SELF_CHECK_SEED)
    data = export_selfcheck(rubric, reference)

    out.mkdir(parents=True, exist_ok=True)
    data_path = write_selfcheck(out / KIT_FOLDER / f"{lab_id}.json", data)
    notebook_path = out / f"{lab_id}.ipynb"
    nbformat.write(starter_notebook(starter, rubric), notebook_path)

    wheels = out / KIT_FOLDER / "wheels"
    if wheel is not None:
        wheels.mkdir(parents=True, exist_ok=True)
        wheel_path = wheels / Path(wheel).name
        if Path(wheel).resolve() != wheel_path.resolve():
            shutil.copy2(wheel, wheel_path)
    else:
        wheel_path = build_engine_wheel(wheels)
    for old in wheels.glob("labgrade-*.whl"):
        if old != wheel_path:
            old.unlink()  # one engine per kit: the README and the workflow name it
    check_wheel(wheel_path)

    pins = [f"{name}=={_installed_version(name)}" for name in _requirements(wheel_path) if name.lower() != "torch"]
    requirements_path = out / KIT_FOLDER / "requirements.txt"
    requirements_path.write_text(
        "# The grading engine's dependencies, pinned to the versions this kit was built and tested with.\n"
        "# torch is installed first, on its own, from the CPU-only index (see README.md).\n"
        + "\n".join(pins) + "\n", encoding="utf-8")

    context = {
        "lab": rubric.lab, "title": rubric.title, "notebook": notebook_path.name,
        "exercises": [(e.id, e.title) for e in rubric.exercises],
        "wheel": f"{KIT_FOLDER}/wheels/{wheel_path.name}", "requirements": f"{KIT_FOLDER}/requirements.txt",
        "torch": _installed_version("torch"), "torch_index": TORCH_CPU_INDEX,
        "python": f"{sys.version_info.major}.{sys.version_info.minor}", "version": __version__,
        "visible": len(data["checks"]), "visible_points": sum(c["points"] for c in data["checks"]),
    }
    environment = _kit_environment()
    workflow_path = out / WORKFLOW
    workflow_path.parent.mkdir(parents=True, exist_ok=True)
    workflow_path.write_text(environment.get_template("selfcheck.yml.j2").render(**context), encoding="utf-8")
    readme_path = out / "README.md"
    readme_path.write_text(environment.get_template("README.md.j2").render(**context), encoding="utf-8")
    (out / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    return Kit(lab=lab_id, root=out, notebook=notebook_path, data=data_path, wheel=wheel_path,
               requirements=requirements_path, workflow=workflow_path, readme=readme_path)
