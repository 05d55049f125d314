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
