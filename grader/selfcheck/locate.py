"""Where a self-check's expected values come from, and which lab a submission is for.

A kit keeps its self-check data in a ``.labgrade/`` folder (one ``<lab>.json``
per lab); it is looked for next to the submission and in every folder above
it, so `grade check` works from anywhere inside a student's repository.

The lab is the one named with ``--lab``; else the kit's only lab; else a
folder on the submission's path or its file name that is a lab id
(``submissions/linreg/alice.ipynb``, ``autograd.ipynb``); else the lab a kit's
starter notebook records in its metadata; else the lab whose contract names
the submission's code defines (read with `ast`, never run).
"""
from __future__ import annotations

import ast
import json
from pathlib import Path

from grader.errors import GraderError
from grader.notebook import UnreadableSource, load_units
from grader.observe.source import parse
from grader.rubric import Rubric

KIT_FOLDER = ".labgrade"
DATA_SUFFIX = ".json"


def kit_labs(folder: Path) -> dict[str, Path]:
    """The labs a kit folder (``.labgrade/``) has self-check data for: lab id -> file."""
    if not folder.is_dir():
        return {}
    return {path.stem: path for path in sorted(folder.glob(f"*{DATA_SUFFIX}")) if path.is_file()}


def find_kit(start: Path) -> Path | None:
    """The nearest ``.labgrade/`` folder with self-check data, at `start` or above it."""
    start = start.resolve()
    for folder in [start if start.is_dir() else start.parent, *start.parents]:
        if kit_labs(folder / KIT_FOLDER):
            return folder / KIT_FOLDER
    return None


def resolve_kit(given: Path) -> Path:
    """``--kit``: a kit folder, its ``.labgrade/`` folder, or one data file's folder."""
    given = given.resolve()
    for candidate in (given / KIT_FOLDER, given, given.parent if given.is_file() else None):
        if candidate is not None and kit_labs(candidate):
            return candidate
    raise GraderError(f"no self-check data in {given} (expected {KIT_FOLDER}/<lab>{DATA_SUFFIX}, as `grade kit` writes)")


def contract_names(rubric: Rubric) -> set[str]:
    """The names a submission defines for this lab: what the probes' function strategies need."""
    return {name for probe in rubric.probes.values() for strategy in probe.strategies if not strategy.script
            for name in strategy.needs}


def _code_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and p.suffix in (".py", ".ipynb")
                      and not p.name.startswith("."))
    return []


def defined_names(path: Path) -> set[str]:
    """Top-level names a notebook, module or folder defines (functions, classes, assignments)."""
    names: set[str] = set()
    for file in _code_files(path):
        try:
            units = load_units(file)
        except (UnreadableSource, OSError):
            continue
        for unit in units:
            try:
                tree = parse(unit.source)
            except (SyntaxError, ValueError):
                continue
            for node in tree.body:
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    names.add(node.name)
                elif isinstance(node, ast.Assign):
                    names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def _notebook_lab(path: Path) -> str | None:
    """The lab a starter notebook was made for (its ``metadata.labgrade.lab``), if it says."""
    for file in _code_files(path):
        if file.suffix == ".ipynb":
            try:
                lab = json.loads(file.read_text(encoding="utf-8"))["metadata"]["labgrade"]["lab"]
            except (OSError, ValueError, KeyError, TypeError):
                continue
            if isinstance(lab, str):
                return lab
    return None


def infer_lab(path: Path, rubrics: dict[str, Rubric]) -> str:
    """The lab `path` is for, or a GraderError saying how to name it."""
    known = ", ".join(sorted(rubrics)) or "none"
    if len(rubrics) == 1:
        return next(iter(rubrics))
    resolved = path.resolve()
    for part in [resolved.stem if resolved.is_file() else resolved.name, *(p.name for p in resolved.parents)]:
        if part in rubrics:
            return part
    recorded = _notebook_lab(resolved)
    if recorded in rubrics:
        return recorded
    defined = defined_names(resolved)
    scores = {lab: len(defined & contract_names(rubric)) for lab, rubric in rubrics.items()}
    best = max(scores.values(), default=0)
    winners = [lab for lab, score in scores.items() if score == best]
    if best > 0 and len(winners) == 1:
        return winners[0]
    raise GraderError(f"cannot tell which lab {path} is for: pass --lab ({known})")
