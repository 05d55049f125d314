"""Every check of one submission, decided from the strongest evidence there is.

1. **A contract function** (``dz_da_manual``, ``train_nn_module``…) found by a
   check's probe: it is called on the handout's and on random inputs and
   judged by a comparator (grader.judge.score). A check marked ``manual``
   also needs the function's source to be free of autograd.
2. **What the code did**: the episode recognised as the exercise
   (grader.judge.recognise) is judged by the exercise's behaviour family,
   whose verdict keys the checks name.
3. Otherwise the probe's handout-style strategy, or a message saying what was
   looked for and not found.

Then ``requires`` is applied: a check whose prerequisite failed earns nothing.
"""
from __future__ import annotations

from dataclasses import replace

from grader.judge.behaviour.base import Match, Verdict
from grader.judge.episodes import PartView, episodes_of
from grader.judge.recognise import Recognition
from grader.judge.score import Evidence, judge_check, sentence, unscored
from grader.reference import Expectations
from grader.results import FAILED, GRADER_ERROR, INSTRUCTOR_ONLY, MISSING, PASSED, CaseResult, CheckResult
from grader.rubric import Check, Rubric


def contract_found(rubric: Rubric, check: Check, evidence: Evidence | None) -> bool:
    """A check's probe found one of its contract functions (a named strategy, not a handout-style script)."""
    if check.probe is None or evidence is None or evidence.record is None:
        return False
    probe = rubric.probes[check.probe]
    for observation in evidence.record.observations:
        if observation.probe == probe.name and observation.status != MISSING and observation.strategy is not None:
            strategy = probe.strategies[observation.strategy]
            if strategy.needs and not strategy.script:
                return True
    return False


def contract_exercises(rubric: Rubric, submission, evidence: dict[str, Evidence]) -> set[str]:
    """The exercises whose contract functions were found (their probes decide them, as a rule)."""
    return {exercise for exercise in rubric.exercise_ids()
            if any(contract_found(rubric, check, evidence.get(part.name))
                   for part in submission.parts_for(exercise) for check in rubric.checks_for({exercise}))}


def _from_verdict(check: Check, verdict: Verdict, source: str, note: str) -> CheckResult:
    message = sentence(verdict.message)
    if note:
        message = f"{message} ({note})"
    case = CaseResult(inputs=_readable(verdict.inputs), passed=verdict.passed, message=verdict.message, got=verdict.got,
                      expected=verdict.expected)
    return CheckResult(id=check.id, exercise=check.exercise, title=check.title,
                       status=PASSED if verdict.passed else FAILED, score=check.points if verdict.passed else 0.0,
                       max_score=check.points, message=message, hint="" if verdict.passed else check.hint,
                       hidden=check.hidden, source=source, cases=(case,))


def _manual_rule(check: Check, result: CheckResult, rubric: Rubric, evidence: Evidence,
                 view: PartView | None) -> CheckResult:
    """A by-hand contract function must not reach for autograd, whatever value it returns."""
    if not check.manual or result.status != PASSED or view is None or check.probe is None:
        return result
    names = {name for strategy in rubric.probes[check.probe].strategies for name in strategy.needs}
    for name in names:
        fact = view.facts.functions.get(name)
        if fact is not None and fact.uses_autograd:
            return replace(result, status=FAILED, score=0.0, hint=check.hint,
                           message=(f"{name} returns the right values, but it uses autograd (line "
                                    f"{fact.autograd_line}: .grad, backward() or torch.autograd): the by-hand "
                                    f"derivative must be worked out with the chain rule, without it."))
    return result


def decide_checks(*, rubric: Rubric, submission, evidence: dict[str, Evidence], views: dict[str, PartView],
                  recognition: Recognition | None, reference: Expectations, timeout: float,
                  behaviour_error: str = "", no_file) -> list[CheckResult]:
    """One result per check of the rubric, in rubric order.

    Per exercise: the contract's results where its functions exist, the behaviour's where an episode answers
    it; where both exist, whichever earns more (the contract on a tie) — a class that follows the handout's
    names but not its exact signatures is judged by what it did.
    """
    decided: dict[str, CheckResult] = {}
    for exercise in rubric.exercise_ids():
        checks = rubric.checks_for({exercise})
        candidates = submission.parts_for(exercise)
        part = next((p for p in candidates if any(contract_found(rubric, c, evidence.get(p.name)) for c in checks)),
                    candidates[0] if candidates else None)
        contract = _contract(checks, rubric, part, evidence, views, reference, timeout)
        if contract is not None and recognition is not None:
            contract = _with_probe_run(checks, rubric, contract, views.get(part.name), reference)
        match = recognition.matches.get(exercise) if recognition is not None else None
        settled = contract is not None and (
            all(result.status == PASSED for result in contract.values())
            or match is None or _contract_decides(checks, rubric, contract, match))
        behaviour = None if settled else _behaviour(checks, rubric, recognition, reference, behaviour_error, part,
                                                    submission, views)
        chosen = contract
        if behaviour is not None and (contract is None or _total(behaviour) > _total(contract)):
            chosen = behaviour
        elif contract is not None and match is not None:
            chosen = _invoked(checks, rubric, contract, match, reference)
        elif contract is not None and recognition is not None and exercise in recognition.misplaced:
            chosen = _on_other_data(checks, rubric, contract, recognition.misplaced[exercise])
        if chosen is None:
            chosen = _fallback(checks, rubric, part, evidence, recognition, reference, timeout, submission, no_file)
        decided.update(chosen)
    return [_required(check, decided[check.id], decided) for check in rubric.checks]


def _invoked(checks, rubric: Rubric, contract: dict[str, CheckResult], match: Match,
             reference) -> dict[str, CheckResult]:
    """The contract's results, less the methods the student's own training never calls: a class whose
    update() and reset_grad() pass when the grader calls them, beside a loop that steps with torch.optim.SGD
    instead, has not used them (the handout asks to invoke every method)."""
    family = rubric.behaviour.get(checks[0].exercise)
    usage = getattr(family, "usage_verdicts", ())
    if not usage:
        return contract
    verdicts = verdicts_for(family, match, reference)
    corrected = dict(contract)
    for check in checks:
        verdict = verdicts.get(check.behaviour) if check.behaviour in usage else None
        if verdict is not None and not verdict.passed and contract[check.id].status == PASSED:
            corrected[check.id] = _from_verdict(check, verdict, match.episode.view.part, match.note)
    return corrected


def _on_other_data(checks, rubric: Rubric, contract: dict[str, CheckResult],
                   misplaced: Match) -> dict[str, CheckResult]:
    """The contract's results, less the check on the exercise's data or settings, where the student's own run
    for this exercise trains on another exercise's data: the contract passes on the handout's inputs when the
    grader calls it, but what the student ran answers a different question. A contract function the student
    calls on other data to try it out is not such a run: its data are its arguments."""
    episode = misplaced.episode
    inside = episode.view.facts.function_at(episode.unit, episode.first.line)
    if inside is not None and inside.qualname.split(".")[0] in _contract_names(checks, rubric):
        return contract
    check = next((c for key in ("data", "settings") for c in checks if c.behaviour == key), None)
    if check is None or contract[check.id].status != PASSED:
        return contract
    verdict = Verdict(passed=False, message=(
        f"the code of {episode.view.part} for {check.exercise} trains on the data of {misplaced.exercise}, not on "
        f"{check.exercise}'s: a cell that reuses what an earlier one left? Define the exercise's own data."))
    return {**contract, check.id: _from_verdict(check, verdict, episode.view.part, "")}


def _contract_names(checks, rubric: Rubric) -> set[str]:
    return {name for check in checks if check.probe for strategy in rubric.probes[check.probe].strategies
            for name in strategy.needs}


def _contract_decides(checks, rubric: Rubric, contract: dict[str, CheckResult], match) -> bool:
    """Whether the contract's results stand even where the behaviour earns more.

    They do when a contract check failed on its values and the recognised computation ran inside one of the
    contract's functions: the function's random inputs are then the stronger test of the same code. A
    contract that could not be called as the handout's (another signature, a renamed method), a class (the
    replay of its own training tests the same methods), or a contract the recognised computation never ran
    through (a notebook's final namespace may hold another cell's `criterion`) yields to what the code did.
    """
    probed = [contract[c.id] for c in checks if c.probe is not None and contract[c.id].status != PASSED]
    if all(_calling_convention(result) for result in probed):
        return False
    names = _contract_names(checks, rubric)
    episode = match.episode
    inside = episode.view.facts.function_at(episode.unit, episode.first.line)
    return inside is not None and inside.qualname.split(".")[0] in names and "." not in inside.qualname


def _calling_convention(result: CheckResult) -> bool:
    """A failure to call the contract as written (wrong arguments, a missing method), not a wrong value."""
    failing = [case for case in result.cases if not case.passed]
    text = [case.message for case in failing] or [result.message]
    return bool(text) and all(m.lstrip().lower().startswith(("raised typeerror", "raised attributeerror"))
                              for m in text)


def _total(results: dict[str, CheckResult]) -> float:
    return sum(result.score for result in results.values())


def _contract(checks, rubric, part, evidence, views, reference, timeout) -> dict[str, CheckResult] | None:
    if part is None or not any(contract_found(rubric, check, evidence.get(part.name)) for check in checks):
        return None
    results: dict[str, CheckResult] = {}
    for check in checks:
        if check.probe is not None:
            result = judge_check(check, rubric.probes[check.probe], evidence[part.name], reference, timeout)
            results[check.id] = _manual_rule(check, result, rubric, evidence[part.name], views.get(part.name))
    for check in checks:
        if check.probe is None:
            results[check.id] = _implied(check, results.get(check.contract))
    return results


def probe_run_match(checks, rubric: Rubric, view: PartView | None, reference) -> Match | None:
    """The exercise recognised in what its contract function did on the first case of its probes, if recorded."""
    family = rubric.behaviour.get(checks[0].exercise) if checks else None
    if view is None or family is None or not getattr(family, "probe_verdicts", ()):
        return None
    found = None
    for name in dict.fromkeys(check.probe for check in checks if check.probe is not None):
        activity = view.probe_runs.get(name)
        if activity is None:
            continue
        for episode in episodes_of(view, (activity,)):
            found = family.recognise(episode, reference) or found
    return found


def _with_probe_run(checks, rubric: Rubric, contract: dict[str, CheckResult], view: PartView | None,
                    reference) -> dict[str, CheckResult]:
    """The contract's results, corrected by what its function did on the handout's inputs.

    The checks the contract only implies (the fixed settings, the loss, the data) are decided by that run
    instead: a function can return plausible values from a run that breaks them (a sigmoid trained with the
    mean squared error). A measured quality (how well the model fits) stays implied where the contract's
    checks pass: they measured it on fresh inputs. A probed check that failed on the handout's inputs — the run
    that was watched — earns what the replay under the function's own settings gives, as free-form work would
    (half the mean squared error, 99 epochs: partial), and its message says what went wrong in that run; one
    that passes there and fails on other inputs (a hard-coded answer, arguments ignored) keeps the contract's
    verdict.
    """
    match = probe_run_match(checks, rubric, view, reference)
    if match is None:
        return contract
    family = rubric.behaviour[checks[0].exercise]
    verdicts = verdicts_for(family, match, reference)
    note = "what your function did on the handout's inputs"
    corrected = dict(contract)
    for check in checks:
        verdict = verdicts.get(check.behaviour) if check.behaviour in family.probe_verdicts else None
        if verdict is None:
            continue
        result = contract[check.id]
        if check.probe is None:
            implying = contract.get(check.contract) if check.contract else None
            # How well a model fits is measured better by the contract's own checks on fresh inputs.
            if not (verdict.metric is not None and implying is not None and implying.status == PASSED):
                corrected[check.id] = _from_verdict(check, verdict, result.source or view.part, note)
        elif result.status == FAILED and result.cases and not result.cases[0].passed:
            if verdict.passed:
                corrected[check.id] = _from_verdict(check, verdict, result.source or view.part, note)
            else:
                corrected[check.id] = replace(result, message=f"{result.message} On the handout's inputs, "
                                                              f"{verdict.message}")
    return corrected


def _behaviour(checks, rubric, recognition, reference, behaviour_error, part, submission,
               views) -> dict[str, CheckResult] | None:
    family = rubric.behaviour.get(checks[0].exercise) if checks else None
    if behaviour_error:
        if behaviour_error.startswith("(self-check)"):
            # No reference here to replay or differentiate: work that computes without the contract's
            # functions is left to the instructor's grader, 0 of 0 points, saying so.
            view = views.get(part.name) if part is not None else None
            if view is None or not any(activity.gradients for activity in view.activities):
                return None
            message = behaviour_error.removeprefix("(self-check) ")
            return {check.id: replace(unscored(check, source=part.name, status=INSTRUCTOR_ONLY, message=message),
                                      max_score=0.0) for check in checks}
    if family is None:
        return None
    if behaviour_error:
        return {check.id: unscored(check, source=part.name if part else submission.path.name, status=GRADER_ERROR,
                                   message=behaviour_error) for check in checks}
    match = recognition.matches.get(checks[0].exercise) if recognition else None
    if match is None:
        return _shown_answer(checks, family, views, part, reference)
    verdicts = verdicts_for(family, match, reference)
    return {check.id: _from_verdict(check, verdicts[check.behaviour], match.episode.view.part, match.note)
            for check in checks if check.behaviour is not None} | {
        check.id: unscored(check, source=match.episode.view.part, status=MISSING,
                           message="This check has no free-form verdict; it needs the contract's function.")
        for check in checks if check.behaviour is None}


def _shown_answer(checks, family, views: dict[str, PartView], part, reference) -> dict[str, CheckResult] | None:
    """An exercise no computation answered, judged from what the code showed (a closed-form solution), looking
    in the exercise's own file first."""
    if not hasattr(family, "shown_answer"):
        return None
    ordered = sorted(views.values(), key=lambda view: part is None or view.part != part.name)
    found = family.shown_answer(ordered, reference)
    if found is None:
        return None
    verdicts, source = found
    return {check.id: _from_verdict(check, verdicts[check.behaviour], source, "") if check.behaviour in verdicts
            else unscored(check, source=source, status=MISSING,
                          message="This check has no free-form verdict; it needs the contract's function.")
            for check in checks}


def _fallback(checks, rubric, part, evidence, recognition, reference, timeout, submission, no_file):
    """Neither a contract function nor a recognised episode: say what was looked for."""
    family = rubric.behaviour.get(checks[0].exercise) if checks else None
    results = {}
    for check in checks:
        if part is None:
            results[check.id] = no_file(check, submission)
        elif check.probe is not None:
            result = judge_check(check, rubric.probes[check.probe], evidence[part.name], reference, timeout)
            if result.status == MISSING and family is not None and recognition is not None:
                result = replace(result, message=_nothing_recognised(check, family, part.name, recognition,
                                                                     reference, result.message))
            results[check.id] = result
        else:
            message = (_nothing_recognised(check, family, part.name, recognition, reference, "")
                       if family is not None and recognition is not None else "Nothing to judge this by.")
            results[check.id] = unscored(check, source=part.name, status=MISSING, message=message)
    return results


_CACHE_KEY = "_verdicts"


def verdicts_for(family, match, reference) -> dict[str, Verdict]:
    """The family's verdicts on a match, computed once (and settled in place by grader.freeform)."""
    cached = match.details.get(_CACHE_KEY)
    if cached is None:
        cached = match.details[_CACHE_KEY] = family.judge(match, reference)
    return cached


def _readable(value):
    """Numbers as a report shows them (a learning rate read off float32 updates is 0.001, not 0.00100000007)."""
    if isinstance(value, float):
        return float(f"{value:.6g}")
    if isinstance(value, dict):
        return {key: _readable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_readable(item) for item in value]
    return value


def _nothing_recognised(check: Check, family, part: str, recognition: Recognition, reference,
                        looked_for: str) -> str:
    episodes = recognition.unmatched.get(part, [])
    why = family.absent(episodes, reference) if episodes else ""
    if why:
        return why
    text = f"Nothing in {part} computes what {check.exercise} asks for"
    if looked_for:
        return f"{looked_for} {text} either."
    return f"{text}."


def _implied(check: Check, by: CheckResult | None) -> CheckResult:
    """A behaviour-only check on the contract path: it stands or falls with the check that implies it."""
    if by is None:
        return unscored(check, source="", status=MISSING, message="Nothing to judge this by.")
    if by.status == PASSED:
        return CheckResult(id=check.id, exercise=check.exercise, title=check.title, status=PASSED,
                           score=check.points, max_score=check.points, hidden=check.hidden, source=by.source,
                           message=f"Correct: implied by “{by.title}”, which your function passes.")
    return unscored(check, source=by.source, status=FAILED,
                    message=f"Decided with “{by.title}”, which does not pass yet.")


def _required(check: Check, result: CheckResult, decided: dict[str, CheckResult]) -> CheckResult:
    """A check that passed, but whose prerequisites did not, earns nothing (and says why)."""
    if not (check.requires or check.requires_any) or result.status != PASSED:
        return result
    failing = [decided[other] for other in check.requires if decided[other].status != PASSED]
    if check.requires_any and all(decided[other].status != PASSED for other in check.requires_any):
        failing.append(decided[check.requires_any[0]])
    if not failing:
        return result
    return replace(result, status=FAILED, score=0.0,
                   message=f"{result.message} It counts once “{failing[0].title}” passes.")
