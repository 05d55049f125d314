"""Free-form work: each run paired with its source, the exercises recognised in it, and the extra runs
that settle a verdict.

A submission that does not follow the contract is judged by what its code
did (grader.judge.behaviour). This module prepares that: it reads each part's
source again in the grader's process (never trusting the child's account of
it), builds the part views and recognises which episode answers which
exercise. Where a verdict rests on a run that depends on the seed (random
initialisation, shuffled batches, not seeded by the code itself) and sits near
its bound, passing or failing, the part is run again under other seeds and the
typical run decides; the seeds are named in the message.
"""
from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import replace
from statistics import median
from typing import Callable

from grader.discover import Part, Submission, exercise_of
from grader.judge.behaviour.base import Verdict
from grader.judge.checks import verdicts_for
from grader.judge.episodes import PartView, part_view
from grader.judge.recognise import Recognition, recognise
from grader.judge.score import Evidence
from grader.lab import Lab
from grader.notebook import UnreadableSource, load_units, notebook_prose
from grader.observe.headings import headings
from grader.observe.perturb import factors_for, function_parameters, input_literals, rewrite
from grader.observe.sites import printing_functions
from grader.observe.source import SourceFacts, analyse, analysing
from grader.reference import Expectations
from grader.sandbox.launcher import Beside
from grader.sandbox.record import RunRecord

EXTRA_SEEDS = 4  # a stochastic verdict is taken from the median of 1 + EXTRA_SEEDS runs


def printers_of(submission: Submission) -> frozenset[str]:
    """The functions of the submission's helper modules (its .py files that are not graded on their own) that
    print what they are given: a call of one in a graded file shows its arguments (grader.observe.sites)."""
    graded = {part.path for part in submission.parts}
    sources = []
    for path in submission.files:
        if path.suffix == ".py" and path not in graded:
            try:
                sources.append(path.read_text(encoding="utf-8", errors="replace"))
            except OSError:
                continue
    return printing_functions(sources)


def source_facts(submission: Submission, printers: frozenset[str]
                 ) -> Generator[None, None, dict[str, SourceFacts]]:
    """What each readable part's source says (grader.observe.source.analyse), by part name. It needs no run, so
    grading reads it while the parts run (grader.grade.grade_submission), a step at a time (see
    grader.observe.source.analysing)."""
    facts = {}
    for part in submission.parts:
        try:
            units = load_units(part.path)
        except UnreadableSource:
            continue
        facts[part.name] = yield from _facts_in_steps(part, units, printers)
    return facts


def _facts_of(part: Part, units: tuple, printers: frozenset[str]) -> SourceFacts:
    return analyse(**_analysed(part, units, printers))


def _facts_in_steps(part: Part, units: tuple, printers: frozenset[str]) -> Generator[None, None, SourceFacts]:
    return analysing(**_analysed(part, units, printers))


def _analysed(part: Part, units: tuple, printers: frozenset[str]) -> dict:
    return {"sources": [unit.source for unit in units], "cells": part.path.suffix == ".ipynb", "printers": printers}


def _view(lab: Lab, part: Part, record: RunRecord, facts: SourceFacts | None = None,
          units: tuple | None = None, printers: frozenset[str] = frozenset()) -> PartView | None:
    try:
        units = units if units is not None else load_units(part.path)
    except UnreadableSource:
        return None
    sources = tuple(unit.source for unit in units)
    facts = facts or _facts_of(part, units, printers)
    ids = lab.rubric.exercise_ids()
    prior = exercise_of(part.path.name, ids) if part.exercises is not None else None
    return part_view(part=part.name, prior=prior, whole=part.exercises is None, record=record, sources=sources,
                     facts=facts, sections=headings(sources, notebook_prose(part.path), ids) if prior is None else ())


def views_of(lab: Lab, submission: Submission, evidence: dict[str, Evidence],
             printers: frozenset[str] = frozenset(), facts: dict[str, SourceFacts] | None = None
             ) -> dict[str, PartView]:
    """What each part that ran did, paired with what its source says (read again here, never from the child);
    `printers` as `printers_of` gives them; `facts` as `source_facts` gives them, where already known."""
    views = {}
    for part in submission.parts:
        record = evidence[part.name].record
        if record is not None:
            view = _view(lab, part, record, (facts or {}).get(part.name), printers=printers)
            if view is not None:
                views[part.name] = view
    return views


def recognition_for(lab: Lab, views: dict[str, PartView], reference: Expectations) -> tuple[Recognition | None, str]:
    """Which episode answers which exercise; a self-check without the reference cannot tell (its reason)."""
    if not hasattr(reference, "function"):
        return None, ("(self-check) Your code computes this without the contract's functions. This answer is checked "
                      "by your instructor's grader, not by the self-check: judging work by what it does needs the "
                      "reference solution, which a kit never contains. For feedback here, write the contract's "
                      "function for it (see the starter notebook).")
    if not lab.rubric.behaviour:
        return None, ""
    return recognise(list(views.values()), lab.rubric.behaviour, reference, lab.rubric.exercise_ids()), ""


FAR_OFF = 3.0  # a failing verdict this many times its bound is not one unlucky seed away from passing


def _needs_typical(verdict: Verdict | None, view: PartView) -> bool:
    """A verdict against a bound, from code whose runs depend on the seed, that passes narrowly or fails but
    not far off (a diverging run, NaN or infinite, may be an unlucky start, so it is tried again too)."""
    if verdict is None or verdict.metric is None or verdict.bound is None or not view.facts.random:
        return False
    metric, bound = verdict.metric, verdict.bound
    if verdict.passed:
        return metric > 0.8 * bound
    return not math.isfinite(metric) or metric <= FAR_OFF * bound


def settle_stochastic(lab: Lab, submission: Submission, recognition: Recognition, reference: Expectations,
                      rerun: Callable[[list], list[RunRecord | None]], seed: int,
                      skip: set[str] = frozenset()) -> list[str]:
    """Judge seed-dependent verdicts near their bound on the median of several runs; returns notes.

    A part is run again once per extra seed, whatever number of its exercises need it. Exercises in `skip`
    (their contract's functions exist and decide them) are left alone.
    """
    wanted: dict[str, list[tuple[str, str]]] = {}  # part -> [(exercise, verdict key)]
    for exercise, match in recognition.matches.items():
        if exercise in skip:
            continue
        verdicts = verdicts_for(lab.rubric.behaviour[exercise], match, reference)
        for key, verdict in verdicts.items():
            if _needs_typical(verdict, match.episode.view):
                wanted.setdefault(match.episode.view.part, []).append((exercise, key))
    notes = []
    parts = {name: next(p for p in submission.parts if p.name == name) for name in wanted}
    extras = range(seed + 1, seed + 1 + EXTRA_SEEDS)
    requests = [(parts[name], extra, None) for name in wanted for extra in extras]
    records = dict(zip(((request[0].name, request[1]) for request in requests), rerun(requests) if requests else []))
    for name, needed in wanted.items():
        part = parts[name]
        exercises = {exercise for exercise, _ in needed}
        families = {exercise: lab.rubric.behaviour[exercise] for exercise in exercises}
        runs: dict[tuple[str, str], list] = {
            (exercise, key): [(seed, verdicts_for(families[exercise], recognition.matches[exercise], reference)[key])]
            for exercise, key in needed}
        facts = recognition.matches[needed[0][0]].episode.view.facts
        for extra in extras:
            record = records.get((name, extra))
            view = _view(lab, part, record, facts) if record is not None else None
            if view is None:
                continue
            again = recognise([view], families, reference, tuple(sorted(exercises))).matches
            judged = {exercise: families[exercise].judge(match, reference) for exercise, match in again.items()}
            for exercise, key in needed:
                other = judged.get(exercise, {}).get(key)
                if other is not None and other.metric is not None:
                    runs[(exercise, key)].append((extra, other))
        for (exercise, key), found in runs.items():
            found.sort(key=lambda run: run[1].metric)
            _, typical = found[len(found) // 2]
            measured = ", ".join(f"{run[1].metric:.3g}" for run in found)
            seeds = ", ".join(str(run[0]) for run in sorted(found))
            verdicts = verdicts_for(families[exercise], recognition.matches[exercise], reference)
            verdicts[key] = replace(typical, message=(
                f"{typical.message} Your code draws random numbers, so it was run {len(found)} times (seeds "
                f"{seeds}); the typical run (median {median(run[1].metric for run in found):.3g}; all: "
                f"{measured}) decides."))
            notes.append(f"{exercise}: judged on the typical of {len(found)} runs (seeds {seeds})")
    return notes


def _moved_facts(planned: list, printers: frozenset[str]) -> Generator[None, None, list[SourceFacts]]:
    """What each moved part's source says, a step at a time (see grader.sandbox.launcher.Beside)."""
    facts = []
    for part, _, moved in planned:
        facts.append((yield from _facts_in_steps(part, moved, printers)))
    return facts


def settle_hard_coding(lab: Lab, submission: Submission, recognition: Recognition, reference: Expectations,
                       rerun: Callable[..., list[RunRecord | None]], skip: set[str] = frozenset(),
                       printers: frozenset[str] = frozenset()) -> list[str]:
    """Run each part again with its input literals moved; a shown value that does not follow them was typed in.
    `printers` are the submission's helper functions that print what they are given (printers_of).

    One run per part covers every exercise answered in it: each input always moves by the same factor.
    Exercises in `skip` (decided by their contract's functions) need no such run.
    """
    notes = []
    by_part: dict[str, list[tuple[str, object]]] = {}
    for exercise, match in recognition.matches.items():
        if exercise in skip:
            continue
        family = lab.rubric.behaviour[exercise]
        if hasattr(family, "perturbable") and family.perturbable(match, verdicts_for(family, match, reference)):
            by_part.setdefault(match.episode.view.part, []).append((exercise, match))
    planned = []  # (part, its matches, the moved units)
    for part_name, matches in by_part.items():
        part = next(p for p in submission.parts if p.name == part_name)
        inputs: dict[str, float] = {}
        for exercise, match in matches:
            family = lab.rubric.behaviour[exercise]
            for input_name, value in family.perturbable(match, verdicts_for(family, match, reference)).items():
                inputs.setdefault(input_name, value)
        factors = factors_for(sorted(inputs))
        by_value: dict[float, str] = {}
        for name in sorted(inputs):
            by_value.setdefault(inputs[name], name)
        try:
            units = load_units(part.path)
        except UnreadableSource:
            continue
        moved = []
        recent = dict(by_value)  # a value typed again means the input it last gave a value to, cell after cell
        defined = function_parameters([unit.source for unit in units])
        for unit in units:
            literals = input_literals(unit.source, set(inputs), recent, defined)
            moved.append(replace(unit, source=rewrite(unit.source, literals, factors)) if literals else unit)
            recent.update((literal.value, literal.name) for literal in literals if not literal.by_value)
        if all(a.source == b.source for a, b in zip(moved, units)):
            continue  # no input is typed where it can be moved: nothing more to learn
        planned.append((part, matches, tuple(moved)))
    if not planned:
        return notes
    # The moved code's facts need no run: they are read while it runs.
    reading = Beside(lambda: _moved_facts(planned, printers))
    records = rerun([(part, None, moved) for part, _, moved in planned], reading)
    moved_facts = reading.result()
    for (part, matches, moved), record, facts in zip(planned, records, moved_facts):
        part_name = part.name
        again_view = None if record is None else _view(lab, part, record, facts, units=moved, printers=printers)
        if again_view is None:
            continue
        for exercise, match in matches:
            family = lab.rubric.behaviour[exercise]
            again = recognise([again_view], {exercise: family}, reference, (exercise,)).matches.get(exercise)
            if again is None:
                continue  # the moved run no longer computes the exercise: inconclusive, the verdicts stand
            verdicts = verdicts_for(family, match, reference)
            changed = family.recheck(match, verdicts, again, reference)
            verdicts.update(changed)
            if changed:
                notes.append(f"{exercise}: a value {part_name} shows did not follow its inputs when the grader "
                             f"changed them")
    return notes
