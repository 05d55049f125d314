"""Shared fixtures: the repository's course (rubrics + reference) and helpers to grade files."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.lab import Course

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def course() -> Course:
    return Course(root=ROOT)


def read_result(out: Path, lab: str, student: str) -> dict:
    """The Gradescope results.json written for one student."""
    return json.loads((out / lab / "results" / f"{student}.json").read_text(encoding="utf-8"))


def scores_by_exercise(document: dict) -> dict[str, float]:
    totals: dict[str, float] = {}
    for test in document["tests"]:
        exercise = test["extra_data"]["exercise"]
        totals[exercise] = round(totals.get(exercise, 0.0) + test["score"], 2)
    return totals


def check_named(document: dict, check_id: str) -> dict:
    return next(t for t in document["tests"] if t["extra_data"]["check"] == check_id)


@pytest.fixture(scope="session")
def engine_wheel(tmp_path_factory) -> Path:
    """The engine wheel, built once for every kit the tests make."""
    from grader.selfcheck.kit import build_engine_wheel

    return build_engine_wheel(tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="session")
def kits(tmp_path_factory, course, engine_wheel) -> dict:
    """The student kit of each lab, built once (tests copy a kit before changing anything in it)."""
    from grader.selfcheck.kit import build_kit

    root = tmp_path_factory.mktemp("kits")
    return {lab: build_kit(course, lab, root / lab, wheel=engine_wheel) for lab in ("autograd", "linreg")}


IN_PROCESS_MODES = {"report", "release", "diff", "similarity", "merge"}  # modes that run no student code


def run_grade_command(*args: str, cwd: Path = ROOT, extra_env: dict | None = None, timeout: float = 600):
    """`grade ARGS` as a user types it. The modes that run no student code run in this process (a
    subprocess costs about 2.5 s of imports each time, and the suite calls them often); grading, and any
    call with its own directory or environment, runs as a real subprocess."""
    import contextlib
    import io
    import subprocess
    import sys

    import os
    from unittest import mock

    extra_env = extra_env or {}
    if args[:1] and args[0] in IN_PROCESS_MODES and cwd == ROOT:
        from grader.cli import main

        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr), \
                mock.patch.dict(os.environ, extra_env):
            try:
                code = main(list(args))
            except SystemExit as stop:  # argparse's usage errors
                code = stop.code if isinstance(stop.code, int) else 2
        return subprocess.CompletedProcess(["grade", *args], code, stdout.getvalue(), stderr.getvalue())
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, env={**os.environ, **extra_env},
                          capture_output=True, text=True, timeout=timeout)


CHROMIUM = Path("/usr/bin/chromium")  # Debian's; the tests never download a browser
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium through Playwright, started once for every browser test; skipped, saying why, without it."""
    if not CHROMIUM.exists():
        pytest.skip(f"no browser: {CHROMIUM} is missing (apt-get install -y chromium)")
    playwright_api = pytest.importorskip(
        "playwright.sync_api", reason="the playwright package is missing (pip install playwright)")
    with playwright_api.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()
