"""Packaging glue: the report templates travel inside the wheel.

The templates' source of truth is the top-level `templates/` folder of this
checkout (grader/report/html.py reads it there in a checkout). An installed
engine — a student's, from the kit's wheel — has no checkout, so every build
copies `templates/` into the built package as `grader/templates/`, where
html.py finds it. Everything else is configured in pyproject.toml.
"""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

TEMPLATES = Path(__file__).resolve().parent / "templates"


class build_py_with_templates(build_py):
    def run(self):
        super().run()
        if self.editable_mode or not TEMPLATES.is_dir():
            return  # an editable install reads the checkout's templates/ directly
        target = Path(self.build_lib) / "grader" / "templates"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(TEMPLATES, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": build_py_with_templates})
