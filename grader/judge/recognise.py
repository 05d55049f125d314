"""Which exercise each episode answers, decided by what it computes.

Every family of the rubric is asked whether it recognises an episode; the
file name (or, in a whole-lab file, the heading of the section) is only a
prior: an episode in ``q2.py`` that its Q2 family does not recognise, but
Q3's does, answers Q3 (and the report says so). Each exercise then takes one
episode: from its own file or section first, then from a whole-lab file, then
from a file named for another exercise; among those, the best fit, and among
equals the last one (a notebook's later cell supersedes an earlier attempt).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from grader.judge.behaviour.base import Family, Match, Reference
from grader.judge.episodes import Episode, PartView, episodes_of


@dataclass(frozen=True, kw_only=True)
class Recognition:
    matches: dict[str, Match] = field(default_factory=dict)  # exercise -> the episode that answers it
    unmatched: dict[str, list[Episode]] = field(default_factory=dict)  # part -> episodes nobody recognised
    # exercise -> a run under its heading (or in its file) that computes another exercise, answered elsewhere:
    # this exercise's attempt on that exercise's data (a cell that trains on what an earlier cell left)
    misplaced: dict[str, Match] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


PRIOR = 2.0  # what a file's name adds to the fit of its own exercise: more than a preference of form (a class
            # for Q3, plain tensors for P1), less than what the run shows (another exercise's data or model,
            # the error's sign read from the graph)


def _best(matches: list[Match], priors: tuple[str, ...], order: tuple[str, ...]) -> Match:
    """The exercise an episode answers: the best fit, the exercise its file or section is named for winning
    ties and near-ties (a q4.py that trains a plain class, not an nn.Module, on Problem 1's data answers Q3,
    shifted; a q2_b.py whose graph subtracts the prediction from y answers AQ1; a problem1.py whose trainer is
    a class stays P1)."""
    return max(matches, key=lambda m: (m.score + (PRIOR if m.exercise in priors else 0), m.exercise in priors,
                                       -order.index(m.exercise) if m.exercise in order else 0))


def _twins(one: Episode, other: Episode) -> bool:
    """Two runs of the same computation: as many steps, the same first result, the same tensors at the start."""
    a, b = one.first, other.first
    return (one.count == other.count and a.root.values == b.root.values
            and [leaf.value.values for leaf in a.leaves] == [leaf.value.values for leaf in b.leaves])


def _rank(match: Match) -> int:
    view = match.episode.view
    if match.exercise in match.episode.priors:
        return 2
    return 1 if view.whole or view.prior is None else 0


def _moved(match: Match) -> str:
    """What to tell the reader when the run answers another exercise than its file or section is named for."""
    episode, exercise = match.episode, match.exercise
    if episode.view.prior and episode.view.prior != exercise:
        return (f"{episode.view.part} is named for {episode.view.prior}, but what it computes answers {exercise}; "
                f"it was graded as {exercise}.")
    priors = episode.priors
    if priors and exercise not in priors:
        return (f"The code of {episode.view.part} under the heading for {' / '.join(priors)} computes what "
                f"{exercise} asks for; it was graded as {exercise}.")
    return ""


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
                best = _best(matches, episode.priors, order)
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
        ranked = [m for m in candidates if _rank(m) == top]
        # The one that fits the exercise best (a cell with the module, the Dataset and the DataLoader Q4 asks for,
        # not a later cell training nn.Linear on the same data); among equals the last, a later attempt.
        match = max(reversed(ranked), key=lambda m: m.score)
        note = _moved(match)
        if note:
            match = replace(match, note=note)
            notes.append(note)
        result[exercise] = match
    # An exercise nothing chose may take a run another exercise did not use, when that run answers it too and is
    # the twin of the run that exercise took: one function run twice, for Q2 and for the additional question
    # (`sign * (yp - y)`: the same graph and numbers, the sign a multiplier).
    used = {id(match.episode) for match in result.values()}
    for exercise in order:
        if exercise in result:
            continue
        spare = [alt for match, alts in zip(chosen, others) if id(match.episode) not in used
                 and match.exercise in result and _twins(match.episode, result[match.exercise].episode)
                 for alt in alts if alt.exercise == exercise]
        if spare:
            result[exercise] = max(spare, key=lambda m: m.score)
            used.add(id(result[exercise].episode))
    misplaced = {}
    for match, alts in zip(chosen, others):
        priors = match.episode.priors
        # Only a run the exercise's own family does not recognise at all (its data are another exercise's),
        # not one that merely fits another exercise better (a contract's own call, judged through the contract).
        if (id(match.episode) not in used and len(priors) == 1 and priors[0] not in result
                and priors[0] != match.exercise and match.exercise in result
                and all(alt.exercise != priors[0] for alt in alts)):
            misplaced.setdefault(priors[0], match)
    return Recognition(matches=result, unmatched=unmatched, notes=tuple(notes), misplaced=misplaced)
