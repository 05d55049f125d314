"""Rubrics: what a lab checks, with what inputs, for how many points.

A rubric is a TOML file in ``rubrics/<lab>.toml`` (see rubrics/README.md for
the format). Loading it yields frozen dataclasses; drawing a probe's cases
turns its random input specs into concrete values from a recorded seed, so a
run can always be repeated exactly.
"""
from __future__ import annotations

import random
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from grader.adjust.lateness import Deadline
from grader.errors import RubricError
from grader.judge.compare import COMPARATORS, OPTIONS
from grader.sandbox.job import ProbeSpec, StrategySpec


@dataclass(frozen=True, kw_only=True)
class Strategy:
    """One way to observe an answer in the student's namespace."""

    needs: tuple[str, ...]
    code: str
    describe: str  # what the grader looked for, in the student's words
    script: bool = False
    answer: str | None = None  # key of the observation holding the answer
    expect: str | None = None  # reference-side code; sees `observed`


@dataclass(frozen=True, kw_only=True)
class Probe:
    """A named observation, made for each case (or once, for a script strategy)."""

    name: str
    strategies: tuple[Strategy, ...]
    cases: tuple[dict, ...] = ({},)
    reference: bool = True  # False: judged without an expected value


@dataclass(frozen=True, kw_only=True)
class Check:
    """One scored statement about an exercise, judged by one comparator."""

    id: str
    exercise: str
    title: str
    probe: str | None  # None: a behaviour-only check, decided on the contract path by `contract`
    points: float
    compare: str
    hint: str = ""
    select: str | None = None
    hidden: bool = False
    partial: bool = False  # credit per passing case instead of all-or-nothing
    params: dict = field(default_factory=dict)  # rtol, atol and comparator options
    behaviour: str | None = None  # the verdict key of the exercise's behaviour family that decides free-form work
    requires: tuple[str, ...] = ()  # checks that must pass for this one to count (a fixed setting after the method)
    requires_any: tuple[str, ...] = ()  # … or of which at least one must pass
    contract: str | None = None  # for a check without a probe: the check that decides it on the contract path
    manual: bool = False  # the contract function must compute without autograd (decided from its source)


@dataclass(frozen=True, kw_only=True)
class Exercise:
    id: str
    title: str


@dataclass(frozen=True, kw_only=True)
class RunLimits:
    timeout: float = 60.0  # wall clock for one child run
    unit_timeout: float = 10.0  # one cell or script
    probe_timeout: float = 10.0  # one observation
    memory_mb: int = 3072
    threads: int = 1  # torch intra-op threads per child; one keeps parallel workers from oversubscribing cores


@dataclass(frozen=True, kw_only=True)
class Rubric:
    lab: str
    title: str
    version: str
    reference: str  # module file name under reference/, without .py
    exercises: tuple[Exercise, ...]
    probes: dict[str, Probe]
    checks: tuple[Check, ...]
    data: dict = field(default_factory=dict)
    limits: RunLimits = RunLimits()
    behaviour: dict = field(default_factory=dict)  # exercise id -> its behaviour family (grader.judge.behaviour)
    evaluations: tuple[str, ...] = ()  # [data] names a trained module is called on at the end of each unit
    deadline: Deadline | None = None  # the late policy ([deadline]; grader.adjust.lateness), None: none

    def exercise_ids(self) -> tuple[str, ...]:
        return tuple(exercise.id for exercise in self.exercises)

    def checks_for(self, exercises: set[str] | None = None) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if exercises is None or c.exercise in exercises)

    def recorded_probes(self) -> set[str]:
        """Probes whose contract function's own run is judged by its exercise's behaviour family as well."""
        return {check.probe for check in self.checks if check.probe is not None
                and getattr(self.behaviour.get(check.exercise), "probe_verdicts", ())}

    def probes_for(self, exercises: set[str] | None = None) -> tuple[Probe, ...]:
        names = dict.fromkeys(c.probe for c in self.checks_for(exercises) if c.probe is not None)
        return tuple(self.probes[name] for name in names)


_CHECK_KEYS = {"id", "exercise", "title", "probe", "points", "compare", "hint", "select", "hidden", "partial",
               "behaviour", "requires", "requires_any", "contract", "manual"}


def _strategy(data: dict, where: str) -> Strategy:
    try:
        return Strategy(
            needs=tuple(data["needs"]),
            code=data["code"],
            describe=data.get("describe") or " and ".join(f"`{n}`" for n in data["needs"]),
            script=bool(data.get("script", False)),
            answer=data.get("answer"),
            expect=data.get("expect"),
        )
    except KeyError as missing:
        raise RubricError(f"{where}: strategy without {missing}") from None


def _probe(name: str, data: dict) -> Probe:
    strategies = tuple(_strategy(s, f"probe {name}") for s in data.get("strategy", []))
    if not strategies:
        raise RubricError(f"probe {name} has no [[probes.{name}.strategy]]")
    return Probe(
        name=name,
        strategies=strategies,
        cases=tuple(data.get("cases", [{}])),
        reference=bool(data.get("reference", True)),
    )


def _check(data: dict, exercises: set[str], probes: dict) -> Check:
    ident = data.get("id", "?")
    for key in ("id", "exercise", "points"):
        if key not in data:
            raise RubricError(f"check {ident}: missing `{key}`")
    if "probe" not in data and "contract" not in data:
        raise RubricError(f"check {ident}: needs a `probe`, or `contract` naming the check that decides it")
    if data["exercise"] not in exercises:
        raise RubricError(f"check {ident}: unknown exercise {data['exercise']!r}")
    compare = data.get("compare", "true" if "probe" not in data else None)
    if compare not in COMPARATORS:
        raise RubricError(f"check {ident}: unknown comparator {compare!r} (known: {', '.join(COMPARATORS)})")
    if "probe" in data and data["probe"] not in probes:
        raise RubricError(f"check {ident}: unknown probe {data['probe']!r}")
    params = {key: value for key, value in data.items() if key not in _CHECK_KEYS}
    unknown = sorted(set(params) - OPTIONS.get(compare, frozenset()))
    if unknown:
        raise RubricError(f"check {ident}: unknown option(s) {', '.join(unknown)} for comparator {compare!r} "
                          f"(known: {', '.join(sorted(OPTIONS.get(compare, ()))) or 'none'})")
    return Check(
        id=data["id"],
        exercise=data["exercise"],
        title=data.get("title", data["id"]),
        probe=data.get("probe"),
        points=float(data["points"]),
        compare=compare,
        hint=data.get("hint", ""),
        select=data.get("select"),
        hidden=bool(data.get("hidden", False)),
        partial=bool(data.get("partial", False)),
        params=params,
        behaviour=data.get("behaviour"),
        requires=tuple(data.get("requires", ())),
        requires_any=tuple(data.get("requires_any", ())),
        contract=data.get("contract"),
        manual=bool(data.get("manual", False)),
    )


def _behaviour(raw: dict, exercises: set[str], checks: tuple[Check, ...], path: Path) -> dict:
    """The behaviour families of a rubric, each checked against the checks that name its verdicts."""
    from grader.judge.behaviour import family

    families = {}
    for exercise, table in raw.items():
        if exercise not in exercises:
            raise RubricError(f"{path}: [behaviour.{exercise}] names an unknown exercise")
        if not isinstance(table, dict):
            raise RubricError(f"{path}: [behaviour.{exercise}] must be a table")
        families[exercise] = family(exercise, table)
    ids = {check.id for check in checks}
    for check in checks:
        if check.behaviour is not None:
            chosen = families.get(check.exercise)
            if chosen is None:
                raise RubricError(f"check {check.id}: `behaviour` needs a [behaviour.{check.exercise}] table")
            if check.behaviour not in chosen.verdicts:
                raise RubricError(f"check {check.id}: behaviour {check.behaviour!r} is not a verdict of "
                                  f"[behaviour.{check.exercise}] (known: {', '.join(chosen.verdicts)})")
        for other in (*check.requires, *check.requires_any, *((check.contract,) if check.contract else ())):
            if other not in ids:
                raise RubricError(f"check {check.id}: refers to unknown check {other!r}")
    return families


def load_rubric(path: Path) -> Rubric:
    """Read and validate one rubric file."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise RubricError(f"cannot read rubric {path}: {error}") from None
    lab = raw.get("lab", {})
    for key in ("id", "title", "version", "reference"):
        if key not in lab:
            raise RubricError(f"{path}: [lab] needs `{key}`")
    unknown = sorted(set(lab) - {"id", "title", "version", "reference", "evaluate"})
    if unknown:
        raise RubricError(f"{path}: [lab] has unknown key(s) {', '.join(unknown)}")
    exercises = tuple(Exercise(id=key, title=title) for key, title in raw.get("exercises", {}).items())
    probes = {name: _probe(name, data) for name, data in raw.get("probes", {}).items()}
    checks = tuple(_check(data, {e.id for e in exercises}, probes) for data in raw.get("checks", []))
    ids = [check.id for check in checks]
    if len(ids) != len(set(ids)):
        raise RubricError(f"{path}: check ids must be unique")
    behaviour = _behaviour(raw.get("behaviour", {}), {e.id for e in exercises}, checks, path)
    evaluations = tuple(raw.get("lab", {}).get("evaluate", ()))
    for name in evaluations:
        if name not in raw.get("data", {}):
            raise RubricError(f"{path}: [lab] evaluate names {name!r}, which is not in [data]")
    return Rubric(
        lab=lab["id"],
        title=lab["title"],
        version=str(lab["version"]),
        reference=lab["reference"],
        exercises=exercises,
        probes=probes,
        checks=checks,
        data=raw.get("data", {}),
        limits=_limits(raw.get("limits", {}), path),
        behaviour=behaviour,
        evaluations=evaluations,
        deadline=_deadline(raw.get("deadline"), path),
    )


def _deadline(table, path: Path) -> Deadline | None:
    if table is None:
        return None
    try:
        return Deadline.from_table(table)
    except ValueError as problem:
        raise RubricError(f"{path}: {problem}") from None


def _limits(table: dict, path: Path) -> RunLimits:
    try:
        return RunLimits(**table)
    except TypeError as problem:
        raise RubricError(f"{path}: [limits]: {problem}") from None


def _draw(spec, rng: random.Random):
    """A literal value, or a random one from {uniform = [lo, hi], size = n or [rows, cols]}."""
    if isinstance(spec, dict) and "uniform" in spec:
        low, high = spec["uniform"]
        size = spec.get("size")
        if isinstance(size, list):
            rows, cols = size
            return [[round(rng.uniform(low, high), 4) for _ in range(cols)] for _ in range(rows)]
        if size is not None:
            return [round(rng.uniform(low, high), 4) for _ in range(int(size))]
        return round(rng.uniform(low, high), 4)
    if isinstance(spec, dict) and "choice" in spec:
        return rng.choice(spec["choice"])
    return spec


def draw_cases(probe: Probe, seed: int) -> tuple[dict, ...]:
    """Concrete inputs for every case of a probe; the same seed gives the same inputs."""
    cases = []
    for index, case in enumerate(probe.cases):
        rng = random.Random(f"{seed}:{probe.name}:{index}")
        cases.append({name: _draw(spec, rng) for name, spec in case.items()})
    return tuple(cases)


def probe_spec(probe: Probe, seed: int, record: bool = False) -> ProbeSpec:
    """The part of a probe the child needs: code and inputs, never expectations."""
    return ProbeSpec(
        name=probe.name,
        strategies=tuple(StrategySpec(needs=s.needs, code=s.code, script=s.script) for s in probe.strategies),
        cases=draw_cases(probe, seed),
        record=record,
    )
