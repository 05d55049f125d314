"""Which exercise each episode answers, decided by what it computes.

Every family of the rubric is asked whether it recognises an episode; the
file name is only a prior: an episode in ``q2.py`` that its Q2 family does not
recognise, but Q3's does, answers Q3 (and the report says so). Each exercise
then takes one episode: from its own file first, then from a whole-lab file,
then from a file named for another exercise; among equals, the last one (a
notebook's later cell supersedes an earlier attempt).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from grader.judge.behaviour.base import Family, Match, Reference
from grader.judge.episodes import Episode, PartView, episodes_of


@dataclass(frozen=True, kw_only=True)
class Recognition:
    matches: dict[str, Match] = field(default_factory=dict)  # exercise -> the episode that answers it
    unmatched: dict[str, list[Episode]] = field(default_factory=dict)  # part -> episodes nobody recognised
    notes: tuple[str, ...] = ()


PRIOR = 0.75  # what a file's name adds to the fit of its own exercise: it settles ties, not clear differences
SPARE = 1.0  # a run another exercise did not use answers an unanswered one only if it fits it nearly as well


def _best(matches: list[Match], prior: str | None, order: tuple[str, ...]) -> Match:
    """The exercise an episode answers: the best fit, the file's own exercise winning ties and near-ties (a
    q4.py that trains a plain class on Problem 1's data answers Q3, shifted; a q2_b.py whose error is
    y - yp answers AQ1; one whose sign cannot be read stays Q2)."""
    return max(matches, key=lambda m: (m.score + (PRIOR if m.exercise == prior else 0), m.exercise == prior,
                                       -order.index(m.exercise) if m.exercise in order else 0))


def _rank(match: Match) -> int:
    view = match.episode.view
    if view.prior == match.exercise:
        return 2
    return 1 if view.whole or view.prior is None else 0


def recognise(views: list[PartView], families: dict[str, Family], reference: Reference,
              order: tuple[str, ...]) -> Recognition:
    """Assign the episodes of every part to the exercises they answer."""
    chosen: list[Match] = []
    others: list[list[Match]] = []  # per chosen match, the other exercises its episode also answers
    unmatched: dict[str, list[Episode]] = {}
    for view in views:
        for episode in episodes_of(view):
            matches = [m for m in (family.recognise(episode, reference) for family in families.values()) if m]
            if matches:
                best = _best(matches, view.prior, order)
                chosen.append(best)
                others.append([m for m in matches if m is not best])
            else:
                unmatched.setdefault(view.part, []).append(episode)
    result: dict[str, Match] = {}
    notes = []
    for exercise in order:
        candidates = [m for m in chosen if m.exercise == exercise]
        if not candidates:
            continue
        top = max(_rank(m) for m in candidates)
        match = [m for m in candidates if _rank(m) == top][-1]
        view = match.episode.view
        if view.prior and view.prior != exercise:
            note = (f"{view.part} is named for {view.prior}, but what it computes answers {exercise}; "
                    f"it was graded as {exercise}.")
            match = replace(match, note=note)
            notes.append(note)
        result[exercise] = match
    # An exercise nothing chose may take a run another exercise did not use, when that run answers it too: one
    # function run twice, for Q2 and for the additional question (`sign * (yp - y)`: the same graph, by a flag).
    used = {id(match.episode) for match in result.values()}
    for exercise in order:
        if exercise in result:
            continue
        spare = [alt for match, alts in zip(chosen, others) if id(match.episode) not in used
                 for alt in alts if alt.exercise == exercise and alt.score >= match.score - SPARE]
        if spare:
            result[exercise] = max(spare, key=lambda m: m.score)
            used.add(id(result[exercise].episode))
    return Recognition(matches=result, unmatched=unmatched, notes=tuple(notes))
