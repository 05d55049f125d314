"""From a part's activities to episodes: the computations an exercise can be recognised in.

An *episode* is one gradient computation, or one training run: every
gradient computation on the same tensors (the same leaves of the graph), in
order. A loop that rebinds its parameters (``w = w - lr * w.grad``) makes new
tensors each step; calls at the same line on leaves of the same names are one
episode too. Everything here is plain data from grader.observe.events; no
verdict is made.
"""
from __future__ import annotations

import ast
import functools
from dataclasses import dataclass, field, replace

from grader.observe.events import (Activity, FinalValue, GradientCall, LoaderUse, ModuleUse, Named, OptimizerUse,
                                   Reported)
from grader.observe.headings import Heading, opening_section, section_at
from grader.observe.source import ReportFact, SourceFacts, nodes, parsed
from grader.sandbox.record import FigureInfo, RunRecord


@dataclass(frozen=True, kw_only=True)
class Shown:
    """One report site with what the source says about it and the values it showed."""

    fact: ReportFact
    seen: Reported
    unit: int
    caller: tuple[int, int] | None = None  # for a site inside a function: the (unit, line) whose calls it holds
    site_line: int = 0  # … and the line of the site itself (fact.line is the caller's, in the same unit)

    @property
    def place(self) -> tuple[int, int]:
        """Where the value was shown from: the calling line for a site inside a function, else the site's own."""
        return self.caller or (self.unit, self.fact.line)

    def values(self) -> list[tuple[float, ...]]:
        """Each value it showed; and, when it showed one number at a time in a row, those numbers together."""
        shown = [value.values for _, value in self.seen.samples if value.values is not None]
        numbers = [(n, value.values[0]) for n, value in self.seen.samples
                   if value.values is not None and len(value.values) == 1]
        if len(numbers) > 1:
            run = [numbers[0][1]]
            for (before, _), (after, value) in zip(numbers, numbers[1:]):
                if after != before + 1:
                    break
                run.append(value)
            if len(run) > 1:
                shown.append(tuple(run))
        return shown


@dataclass(frozen=True, kw_only=True)
class PartView:
    """Everything observed about one part (a script or a notebook) of a submission."""

    part: str
    prior: str | None  # the exercise its file name suggests
    whole: bool  # a whole-lab file (notebook or module), not a per-exercise script
    facts: SourceFacts
    sources: tuple[str, ...]
    activities: tuple[Activity, ...]  # unit spans only, in order
    figures: tuple[tuple[int, FigureInfo], ...]  # (unit, figure)
    shown: tuple[Shown, ...]
    calls: dict[str, int]  # function qualname -> calls over the whole run
    probe_runs: dict[str, Activity] = field(default_factory=dict)  # probe -> its contract function's first case
    sections: tuple[Heading, ...] = ()  # a whole-lab file's headings naming exercises


@dataclass(frozen=True, kw_only=True)
class Episode:
    """One gradient computation or one training run, within one part."""

    view: PartView
    unit: int  # where it started: the unit of its first gradient computation's line
    span: int  # the unit that was running (a cell that calls a function defined in an earlier one)
    calls: tuple[GradientCall, ...]  # in full (the first ones of each site)
    count: int  # every gradient computation it made, kept in full or not
    losses: tuple[float, ...]  # scalar roots, first ones then last ones
    finals: dict[int, FinalValue] = field(default_factory=dict)  # leaf ident -> value at the end of its unit
    final_by_name: dict[str, FinalValue] = field(default_factory=dict)
    modules: tuple[ModuleUse, ...] = ()
    loaders: tuple[LoaderUse, ...] = ()
    optimizers: tuple[OptimizerUse, ...] = ()
    evaluations: dict[tuple[int, str], tuple[float, ...]] = field(default_factory=dict)  # (module, data) -> outputs
    locals: tuple[Named, ...] = ()  # values the student's functions computed in the same unit
    first_seq: int = 0
    last_seq: int = 0

    @property
    def first(self) -> GradientCall:
        return self.calls[0]

    @property
    def priors(self) -> tuple[str, ...]:
        """The exercises this episode is said to answer before it is looked at: its file's name, else the
        heading of the section of a whole-lab file it sits in."""
        if self.view.prior:
            return (self.view.prior,)
        return self.heading()

    def heading(self) -> tuple[str, ...]:
        """The exercises the heading of its section in a whole-lab file names (() without one)."""
        if self.span != self.unit:  # a function defined in an earlier cell, called from this one
            return opening_section(self.view.sections, self.span)
        return section_at(self.view.sections, self.unit, self.first.line)

    def sits_with(self, shown: Shown) -> bool:
        """Whether a shown value belongs with this episode: under the same heading of a whole-lab file, and not
        inside a block that computes something else — a top-level function (`q4()` beside `q1()`, both called
        from `main()`) or a loop (the additional question's, after Q2's in the same script) holding another
        computation's gradients and none of this one's."""
        unit, line = shown.place
        sections = self.view.sections
        # A site inside a function is under the heading of its own lines or of the line that called it; one under
        # no exercise's heading (a results table at the end, the preamble) may show any exercise's values.
        lines = [line] + ([shown.site_line] if shown.site_line else [])
        if sections:
            # … or of the line that called into this computation's function (`main()` under the last heading
            # calls q1() from the Q1 section, then prints what it returned).
            entries = {section_at(sections, *call.entry) for call in self.calls if call.entry}
            if all(section_at(sections, unit, at) not in (self.heading(), (), *entries) for at in lines):
                return False
        if not self._called_from_here(shown):
            return False
        if unit != self.unit or unit >= len(self.view.sources):
            return True
        source = self.view.sources[unit]
        mine = {call.seq for call in self.calls}
        own = [call.line for call in self.calls]
        others = [call.line for activity in self.view.activities for call in activity.gradients
                  if call.unit == unit and call.seq not in mine]
        for at in lines:
            for block in (_function_at(self.view.facts, unit, at), _loop_at(source, at)):
                if block and not any(block[0] <= n <= block[1] for n in own) \
                        and any(block[0] <= n <= block[1] for n in others):
                    return False
        return True

    def _called_from_here(self, shown: Shown) -> bool:
        """A site inside a function, called from a top-level statement that ran another computation's gradients
        and none of this one's, shows that computation's values: when a function runs once per exercise
        (`run("yp-y")`, then `run("y-yp")`), each call's values are its own."""
        if shown.caller is None:
            return True
        mine = {call.seq for call in self.calls}
        if shown.caller in {call.entry for call in self.calls}:
            return True
        return shown.caller not in {call.entry for activity in self.view.activities for call in activity.gradients
                                    if call.seq not in mine}

    @property
    def leaf_idents(self) -> set[int]:
        return {leaf.ident for call in self.calls for leaf in call.leaves}

    def scope(self) -> dict[str, tuple[tuple[int, ...], tuple[float, ...]]]:
        """Named small values where the episode started: name -> (shape, values)."""
        found = {}
        for call in self.calls:
            for named in call.scope or ():
                if named.value.values is not None and named.name not in found:
                    found[named.name] = (named.value.shape, named.value.values)
        return found

    def section(self) -> list[Shown]:
        """What the code showed around this episode: its own unit, and the cells between the previous and the
        next cell that computed gradients (a notebook's analytic cell often sits just before or after)."""
        units = sorted({a.unit for a in self.view.activities if a.gradients})
        before = max((u for u in units if u < self.unit), default=-1)
        after = min((u for u in units if u > self.unit), default=1 << 30)
        # … and the cells that called into it: `print(two_epochs(-1))` in a later cell shows that call's values.
        callers = {call.entry[0] for call in self.calls if call.entry}
        return [s for s in self.view.shown if before < s.unit < after or s.unit in callers]

    def graph_ops(self) -> set[str]:
        return {op for call in self.calls if call.graph for op in call.graph.ops}

    def graph_shapes(self) -> set[tuple[int, ...]]:
        return {shape for call in self.calls if call.graph for shape in call.graph.shapes}

    def broadcasts(self) -> set:
        return {pair for call in self.calls if call.graph for pair in call.graph.broadcasts}


@functools.lru_cache(maxsize=256)
def _loops(source: str) -> tuple[tuple[int, int], ...]:
    tree = parsed(source)
    if tree is None:
        return ()
    return tuple((node.lineno, node.end_lineno or node.lineno) for node in nodes(tree)
                 if isinstance(node, (ast.For, ast.While, ast.AsyncFor)))


def _function_at(facts: SourceFacts, unit: int, line: int) -> tuple[int, int] | None:
    """The lines of the unit's top-level function whose body holds `line`, if any."""
    if not 0 <= unit < len(facts.units):
        return None
    return next(((f.line, f.end_line) for f in facts.units[unit].functions
                 if "." not in f.qualname and f.line <= line <= f.end_line), None)


def _loop_at(source: str, line: int) -> tuple[int, int] | None:
    """The lines of the outermost loop of `source` that holds `line`, if any."""
    holding = [span for span in _loops(source) if span[0] <= line <= span[1]]
    return min(holding, key=lambda span: span[0]) if holding else None


def episodes_of(view: PartView, activities: tuple[Activity, ...] | None = None) -> list[Episode]:
    """The episodes of one part (or of some of its `activities`), in the order they started: the recorder's
    runs, and runs of different lines on the same tensors (a loop unrolled by hand) joined into one."""
    episodes: list[Episode] = []
    for activity in view.activities if activities is None else activities:
        groups: list[list[GradientCall]] = []
        for call in activity.gradients:
            key = frozenset(leaf.ident for leaf in call.leaves)
            for group in groups:
                if group[-1].segment == call.segment or frozenset(l.ident for l in group[-1].leaves) == key:
                    group.append(call)
                    break
            else:
                groups.append([call])
        for group in groups:
            episodes.append(_episode(view, activity, group))
    return episodes


def _episode(view: PartView, activity: Activity, calls: list[GradientCall]) -> Episode:
    segments = {call.segment for call in calls}
    series = [s for s in activity.series if s.segment in segments]
    if series:
        count = sum(s.count for s in series)
        losses = tuple(v for s in series for v in s.first) + tuple(v for s in series for v in s.last)
    else:
        count = len(calls)
        losses = tuple(c.root.scalar() for c in calls if c.root.scalar() is not None)
    idents = {leaf.ident for call in calls for leaf in call.leaves}
    names = {name for call in calls for leaf in call.leaves for name in leaf.names}
    finals = {f.ident: f for f in activity.finals if f.ident in idents}
    by_name = {name: f for f in activity.finals for name in f.names if name in names}
    first_seq = calls[0].seq
    last_seq = max([calls[-1].seq] + [s.last_seq for s in series])
    modules = tuple(m for m in activity.modules if set(m.params) & idents or
                    (not m.params and first_seq <= m.first_seq <= last_seq))
    optimizers = tuple(o for o in activity.optimizers if set(o.params) & idents)
    loaders = tuple(lo for lo in activity.loaders if lo.last_seq >= first_seq and lo.first_seq <= last_seq)
    evaluations = {(e.module, e.data): e.output.values for e in activity.evaluations
                   if e.output.values is not None and any(m.ident == e.module for m in modules)}
    return Episode(view=view, unit=calls[0].unit, span=activity.unit, calls=tuple(calls), count=count, losses=losses,
                   finals=finals, final_by_name=by_name, modules=modules,
                   loaders=loaders, optimizers=optimizers, evaluations=evaluations, locals=activity.locals,
                   first_seq=first_seq, last_seq=last_seq)


def _by_caller(fact: ReportFact, reported: Reported) -> list[Shown]:
    """A site inside a function, as one Shown per place that called it: what its value means (worked out by
    hand, read from autograd) comes from that call's arguments. Samples from an unknown place stay together,
    with what the site alone says."""
    if not fact.callers or not reported.callers:
        return [Shown(fact=fact, seen=reported, unit=reported.unit)]
    how = {(unit, line): provenance for unit, line, provenance in fact.callers}
    place = {n: (unit, line) for n, unit, line in reported.callers}
    groups: dict[tuple[int, int] | None, list] = {}
    for n, value in reported.samples:
        key = place.get(n)
        groups.setdefault(key if key in how else None, []).append((n, value))
    shown = []
    for key, samples in groups.items():
        seen = replace(reported, samples=tuple(samples), callers=())
        if key is None:
            shown.append(Shown(fact=fact, seen=seen, unit=reported.unit))
        else:
            at_call = replace(fact, provenance=how[key], line=key[1] if key[0] == reported.unit else fact.line)
            shown.append(Shown(fact=at_call, seen=seen, unit=reported.unit, caller=key, site_line=fact.line))
    return shown


def part_view(*, part: str, prior: str | None, whole: bool, record: RunRecord, sources: tuple[str, ...],
              facts: SourceFacts, sections: tuple[Heading, ...] = ()) -> PartView:
    """Pair what the run reported with what the source says, unit by unit."""
    units = [activity for activity in record.activities if not activity.probe]
    probe_runs = {activity.probe: activity for activity in record.activities if activity.probe}
    shown = []
    calls: dict[str, int] = {}
    for activity in units:
        for reported in activity.reports:
            fact = facts.report(reported.unit, reported.site)
            if fact is not None:
                shown.extend(_by_caller(fact, reported))
        for name, count in activity.calls.items():
            calls[name] = calls.get(name, 0) + count
    figures = tuple((unit.index, figure) for unit in record.units for figure in unit.figures)
    return PartView(part=part, prior=prior, whole=whole, facts=facts, sources=sources, activities=tuple(units),
                    figures=figures, shown=tuple(shown), calls=calls, probe_runs=probe_runs,
                    sections=sections)
