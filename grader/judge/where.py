"""Where in the student's code a check's answer is: the line a report highlights and links to.

Decided in the grader's process, from the source's syntax tree and the
episodes recognition chose — a place to look, never part of a verdict.
A contract function's answer is at its ``def``; a free-form answer at the
line whose gradient computation or training run was recognised.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from grader.judge.recognise import Recognition
from grader.observe.source import parsed
from grader.rubric import Rubric
from grader.sandbox.job import CodeUnit


@dataclass(frozen=True)
class Place:
    part: str
    unit: str  # the unit's label: "cell 4", or the script's name
    line: int


def definitions(units: tuple[CodeUnit, ...]) -> dict[str, tuple[str, int]]:
    """Every top-level function or class a part defines: name -> (unit label, line); a later one wins."""
    found = {}
    for unit in units:
        tree = parsed(unit.source)
        for node in tree.body if tree is not None else ():
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                found[node.name] = (unit.label, node.lineno)
    return found


def check_places(rubric: Rubric, checks, units_by_part: dict[str, tuple[CodeUnit, ...]],
                 recognition: Recognition | None) -> dict[str, Place]:
    """check id -> where its answer is, for the checks whose answer could be placed."""
    defined = {part: definitions(units) for part, units in units_by_part.items()}
    specs = {check.id: check for check in rubric.checks}
    places = {}
    for check in checks:
        spec = specs.get(check.id)
        names = _contract_names(rubric, spec) if spec is not None else ()
        at = next((defined[check.source][name] for name in names if name in defined.get(check.source, {})), None)
        if at is not None:
            places[check.id] = Place(check.source, *at)
            continue
        place = _episode_place(recognition, check.exercise, units_by_part)
        if place is not None:
            places[check.id] = place
    return places


def _contract_names(rubric: Rubric, spec) -> tuple[str, ...]:
    probe = rubric.probes.get(spec.probe) if spec.probe else None
    return tuple(name for strategy in (probe.strategies if probe else ()) for name in strategy.needs)


def _episode_place(recognition: Recognition | None, exercise: str,
                   units_by_part: dict[str, tuple[CodeUnit, ...]]) -> Place | None:
    match = recognition.matches.get(exercise) if recognition is not None else None
    if match is None:
        return None
    episode = match.episode
    units = units_by_part.get(episode.view.part, ())
    if not episode.calls or not 0 <= episode.first.unit < len(units):
        return None
    return Place(episode.view.part, units[episode.first.unit].label, episode.first.line)
