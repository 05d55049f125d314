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

from grader.errors import ExpectationUnavailable, ReferenceSolutionError
from grader.judge.behaviour.base import Verdict
from grader.judge.episodes import PartView
from grader.judge.recognise import Recognition
from grader.judge.score import Evidence, judge_check, unscored
from grader.reference import Expectations
from grader.results import FAILED, GRADER_ERROR, INSTRUCTOR_ONLY, MISSING, PASSED, CaseResult, CheckResult
from grader.rubric import Check, Rubric


def contract_found(rubric: Rubric, check: Check, evidence: Evidence | None) -> bool:
    """A check's probe found one of its contract functions (not a handout-style script strategy)."""
    if check.probe is None or evidence is None or evidence.record is None:
        return False
    probe = rubric.probes[check.probe]
    for observation in evidence.record.observations:
        if observation.probe == probe.name and observation.status != MISSING and observation.strategy is not None:
            if not probe.strategies[observation.strategy].script:
                return True
    return False


def _from_verdict(check: Check, verdict: Verdict, source: str, note: str) -> CheckResult:
    message = verdict.message[:1].upper() + verdict.message[1:]
    if note:
        message = f"{message} ({note})"
    case = CaseResult(inputs=verdict.inputs, passed=verdict.passed, message=verdict.message, got=verdict.got,
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
    """One result per check of the rubric, in rubric order."""
    contract_exercises = {
        check.exercise for check in rubric.checks
        if (part := submission.part_for(check.exercise)) is not None
        and contract_found(rubric, check, evidence.get(part.name))}
    decided: dict[str, CheckResult] = {}
    implied: list[Check] = []
    for check in rubric.checks:
        part = submission.part_for(check.exercise)
        match = recognition.matches.get(check.exercise) if recognition else None
        family = rubric.behaviour.get(check.exercise)
        if check.exercise in contract_exercises:
            if check.probe is None:
                implied.append(check)
                continue
            result = judge_check(check, rubric.probes[check.probe], evidence[part.name], reference, timeout)
            decided[check.id] = _manual_rule(check, result, rubric, evidence[part.name], views.get(part.name))
        elif family is not None and check.behaviour is not None and behaviour_error:
            decided[check.id] = unscored(check, source=part.name if part else submission.path.name,
                                         status=INSTRUCTOR_ONLY if behaviour_error.startswith("(self-check)") else GRADER_ERROR,
                                         message=behaviour_error.removeprefix("(self-check) "))
        elif match is not None and check.behaviour is not None:
            verdicts = _verdicts(family, match, reference)
            decided[check.id] = _from_verdict(check, verdicts[check.behaviour], match.episode.view.part, match.note)
        elif check.probe is not None and part is not None:
            result = judge_check(check, rubric.probes[check.probe], evidence[part.name], reference, timeout)
            if result.status == MISSING and family is not None and recognition is not None:
                result = replace(result, message=_nothing_recognised(check, family, part.name, recognition,
                                                                     reference, result.message))
            decided[check.id] = result
        elif part is not None and family is not None and recognition is not None:
            decided[check.id] = unscored(check, source=part.name, status=MISSING,
                                         message=_nothing_recognised(check, family, part.name, recognition,
                                                                     reference, ""))
        else:
            decided[check.id] = no_file(check, submission)
    for check in implied:
        decided[check.id] = _implied(check, decided.get(check.contract))
    return [_required(check, decided[check.id], decided) for check in rubric.checks]


_CACHE_KEY = "_verdicts"


def _verdicts(family, match, reference) -> dict[str, Verdict]:
    cached = match.details.get(_CACHE_KEY)
    if cached is None:
        cached = match.details[_CACHE_KEY] = family.judge(match, reference)
    return cached


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
    if not check.requires or result.status != PASSED:
        return result
    failing = [decided[other] for other in check.requires if decided[other].status != PASSED]
    if not failing:
        return result
    return replace(result, status=FAILED, score=0.0,
                   message=f"{result.message} It counts once “{failing[0].title}” passes.")
