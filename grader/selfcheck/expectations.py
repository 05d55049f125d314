"""Expected values a student's self-check can use without the reference solution.

A kit carries one self-check data file per lab (``.labgrade/<lab>.json``). It
holds, for the lab's *visible* checks only (``hidden = false``):

* the checks themselves and the probes they use (the observation code);
* the concrete inputs of every case, drawn once with a fixed seed when the
  kit was built (so they are sample inputs, not the ones a grading run draws);
* the encoded expected values those checks read — for a probe shared with a
  hidden check, only the items the visible checks select.

Hidden checks, the probes only they use, reference code (including a
script strategy's ``expect``) and any expected value no visible check reads
never enter the file. `KitExpectations` answers the judge from it, exactly as
`ReferenceSolution` does in the instructor's grader.
"""
from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

from grader import __version__
from grader.errors import ExpectationUnavailable, GraderError, ReferenceSolutionError
from grader.judge.compare import uses_expected
from grader.reference import Expectations
from grader.rubric import Check, Exercise, Probe, Rubric, RunLimits, Strategy, draw_cases

FORMAT = "labgrade-selfcheck/1"
SELF_CHECK_SEED = 20_260_401  # fixed: the kit's sample inputs, and `grade check` in a course checkout


def visible_rubric(rubric: Rubric) -> Rubric:
    """The rubric a self-check runs: visible checks only, and only the probes they use."""
    # A check without a probe is decided by behaviour (or implied on the contract path): instructor-side only.
    checks = tuple(check for check in rubric.checks if not check.hidden and check.probe is not None)
    names = dict.fromkeys(check.probe for check in checks)
    return replace(rubric, checks=checks, probes={name: rubric.probes[name] for name in names})


def _keys_read(checks: list[Check]) -> set[str] | None:
    """The items of a probe's value that these checks read; None: the whole value."""
    if any(check.select is None for check in checks):
        return None
    return {check.select for check in checks}


def _prune(encoded: dict | None, keys: set[str] | None) -> dict | None:
    """Only the selected items of a dict value: a hidden check's item must not ride along."""
    if keys is None or encoded is None or encoded.get("kind") != "dict":
        return encoded
    return {"kind": "dict", "items": {key: value for key, value in encoded["items"].items() if key in keys}}


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _data_used(rubric: Rubric) -> dict:
    """The `[data]` entries the visible probes' code or the visible checks' options name."""
    words: set[str] = set()
    for probe in rubric.probes.values():
        for strategy in probe.strategies:
            words.update(_NAME.findall(strategy.code))
    for check in rubric.checks:
        words.update(str(value) for value in check.params.values() if isinstance(value, str))
    return {key: value for key, value in rubric.data.items() if key in words}


def _strategy_json(strategy: Strategy) -> dict:
    return {"needs": list(strategy.needs), "code": strategy.code, "describe": strategy.describe,
            "script": strategy.script, "answer": strategy.answer,
            # Its `expect` is reference-side code: only whether there is one travels.
            "instructor_only": strategy.expect is not None}


def export_selfcheck(rubric: Rubric, reference: Expectations) -> dict:
    """The self-check data of a lab (JSON of builtins), computed with `reference`'s seed."""
    visible = visible_rubric(rubric)
    probes = {}
    for name, probe in visible.probes.items():
        cases = draw_cases(probe, reference.seed)
        reading = [c for c in visible.checks if c.probe == name and uses_expected(c.compare, c.params)]
        expected = None
        if probe.reference and reading and not probe.strategies[0].script:
            keys = _keys_read(reading)
            expected = [_prune(reference.expected(probe, 0, index, None), keys) for index in range(len(cases))]
        probes[name] = {"strategies": [_strategy_json(s) for s in probe.strategies], "cases": list(cases),
                        "reference": probe.reference, "expected": expected}
    checks = [{"id": c.id, "exercise": c.exercise, "title": c.title, "probe": c.probe, "points": c.points,
               "compare": c.compare, "hint": c.hint, "select": c.select, "partial": c.partial, "params": c.params}
              for c in visible.checks]
    return {
        "format": FORMAT,
        "lab": {"id": rubric.lab, "title": rubric.title, "version": rubric.version},
        "grader_version": __version__,
        "seed": reference.seed,
        "limits": {"timeout": rubric.limits.timeout, "unit_timeout": rubric.limits.unit_timeout,
                   "probe_timeout": rubric.limits.probe_timeout, "memory_mb": rubric.limits.memory_mb},
        "exercises": [[e.id, e.title] for e in rubric.exercises],
        "data": _data_used(visible),
        "probes": probes,
        "checks": checks,
    }


def write_selfcheck(path: Path, data: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")
    return path


class KitExpectations:
    """Expected values from a kit's self-check data (an `Expectations` without any reference code)."""

    def __init__(self, data: dict, path: Path | None = None):
        if data.get("format") != FORMAT:
            raise GraderError(f"{path or 'self-check data'} is not labgrade self-check data ({FORMAT}); "
                              "rebuild the kit with this version of labgrade")
        self.path = path
        self.seed = int(data["seed"])
        self._expected: dict[str, list] = {}
        self._instructor_only: set[tuple[str, int]] = set()
        probes = {}
        for name, raw in data["probes"].items():
            strategies = []
            for index, s in enumerate(raw["strategies"]):
                strategies.append(Strategy(needs=tuple(s["needs"]), code=s["code"], describe=s["describe"],
                                           script=bool(s["script"]), answer=s.get("answer")))
                if s.get("instructor_only"):
                    self._instructor_only.add((name, index))
            probes[name] = Probe(name=name, strategies=tuple(strategies), cases=tuple(raw["cases"]),
                                 reference=bool(raw["reference"]))
            if raw.get("expected") is not None:
                self._expected[name] = raw["expected"]
        checks = tuple(Check(id=c["id"], exercise=c["exercise"], title=c["title"], probe=c["probe"],
                             points=float(c["points"]), compare=c["compare"], hint=c.get("hint", ""),
                             select=c.get("select"), partial=bool(c.get("partial")), params=c.get("params", {}))
                       for c in data["checks"])
        lab = data["lab"]
        self.rubric = Rubric(lab=lab["id"], title=lab["title"], version=str(lab["version"]), reference="",
                             exercises=tuple(Exercise(id=e, title=t) for e, t in data["exercises"]),
                             probes=probes, checks=checks, data=data.get("data", {}),
                             limits=RunLimits(**data.get("limits", {})))

    @classmethod
    def load(cls, path: Path) -> "KitExpectations":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(data, path)
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise GraderError(f"cannot read the self-check data {path}: {type(error).__name__}: {error}") from None

    def expected(self, probe: Probe, strategy_index: int, case: int | None, observed: dict | None) -> dict | None:
        if not probe.reference:
            return None
        if (probe.name, strategy_index) in self._instructor_only:
            found = probe.strategies[strategy_index].describe
            wanted = probe.strategies[0].describe if strategy_index else ""
            advice = f" For feedback here, write {wanted}." if wanted else ""
            raise ExpectationUnavailable(
                f"Found {found}. This answer is checked by your instructor's grader, not by the self-check: "
                f"judging it needs the reference solution, which a kit never contains.{advice}")
        if case is None:
            raise ReferenceSolutionError(f"probe {probe.name}: a script strategy needs `expect`")
        values = self._expected.get(probe.name)
        if values is None:
            return None  # no visible check reads an expected value of this probe
        return values[case]
