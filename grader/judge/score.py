"""From observations to a scored, explained `CheckResult`.

Nothing fails open here: a check that has no observation, or whose expected
value could not be computed, earns nothing and says why. A failure of the
reference solution is reported as a grader error, never as the student's.
Expected values come from any `Expectations`: the reference solution in the
instructor's grader, precomputed values in a student's self-check.
"""
from __future__ import annotations

import re

from dataclasses import dataclass

from grader.errors import ExpectationUnavailable, ReferenceSolutionError
from grader.judge.compare import COMPARATORS, Comparison, Context, uses_expected
from grader.judge.diagnose import CaseNumbers, how_it_failed
from grader.judge.values import NotNumeric, as_numbers, select
from grader.reference import Expectations
from grader.results import (ERROR, FAILED, GRADER_ERROR, INSTRUCTOR_ONLY, MISSING, NOT_RUN, PASSED, TIMEOUT,
                            TODO, CaseResult, CheckResult)
from grader.rubric import Check, Probe, draw_cases
from grader.sandbox.record import Observation, RunRecord


@dataclass(frozen=True, kw_only=True)
class Evidence:
    """What is known about one probe in one part of a submission."""

    part: str  # the file the answer was looked for in
    record: RunRecord | None  # None: the part could not be run at all
    unavailable: str = ""  # why the part could not be run, in a student's words


def _run_interruption(evidence: Evidence, timeout: float) -> tuple[str, str]:
    """Why a run produced no observation for a probe: (status, message)."""
    record = evidence.record
    if record is None:
        return NOT_RUN, evidence.unavailable or f"{evidence.part} could not be run"
    if record.grader_fault:
        return GRADER_ERROR, (f"The grader itself failed while running {evidence.part}, so this could not be "
                              "checked. It is not your code's fault; your instructor will look at it.")
    if record.timed_out:
        return TIMEOUT, (f"{evidence.part} was still running after {timeout:g} s and was stopped, "
                         "so this was never checked. Look for a loop that never ends.")
    if record.signal_name:
        return ERROR, (f"{evidence.part} was killed ({record.signal_name}) before this could be checked — "
                       "usually too much memory or CPU time.")
    return ERROR, (f"{evidence.part} ended (exit code {record.exit_code}) before this could be checked — "
                   "does it call exit() or os._exit()?")


def describe_unit_failure(unit) -> str:
    """One sentence on why a cell or script did not finish."""
    if unit.status == "timeout":
        return f"{unit.label} was {unit.error.message if unit.error else 'stopped'} (a loop that never ends?)"
    if unit.status == "exit":
        return f"{unit.label} called exit()"
    if unit.error is None:
        return f"{unit.label} failed"
    return f"{unit.label} stopped with {unit.error.type}: {unit.error.message}"


def _unit_trouble(record: RunRecord) -> str:
    failed = [unit for unit in record.units if unit.status != "ok"]
    if not failed:
        return ""
    reasons = "; ".join(describe_unit_failure(unit) for unit in failed[:3])
    return f" Note: {reasons} — names defined after that point do not exist."


def _missing_message(probe: Probe, evidence: Evidence) -> str:
    looked_for = " or ".join(strategy.describe for strategy in probe.strategies)
    trouble = _unit_trouble(evidence.record) if evidence.record else ""
    return f"Looked for {looked_for} in {evidence.part}, but it is not defined.{trouble}"


def _error_text(observation: Observation) -> str:
    error = observation.error
    if error is None:
        return "it failed"
    where = [line.strip() for line in error.traceback.splitlines() if line.strip().startswith("File ")]
    place = f" ({where[-1]})" if where else ""
    return f"raised {error.type}: {error.message}{place}"


def _judge_case(check: Check, probe: Probe, observation: Observation, inputs: dict,
                reference: Expectations, data: dict) -> tuple[CaseResult, CaseNumbers]:
    nothing = CaseNumbers(got=(), expected=(), passed=False, inputs=inputs)
    if observation.status == "timeout":
        return CaseResult(inputs=inputs, passed=False, message=f"no answer: {observation.error.message}"), nothing
    if observation.status == "error":
        return CaseResult(inputs=inputs, passed=False, message=_error_text(observation)), nothing
    strategy = probe.strategies[observation.strategy or 0]
    expected = reference.expected(probe, observation.strategy or 0, observation.case, observation.value)
    try:
        got = select(select(observation.value, strategy.answer), check.select)
        # A comparator that never reads the expected value gets None: a kit leaves such values out.
        expected = select(expected, check.select) if uses_expected(check.compare, check.params) else None
    except NotNumeric as problem:
        return CaseResult(inputs=inputs, passed=False, message=f"expected a dict-like answer, got {problem}"), nothing
    comparison: Comparison = COMPARATORS[check.compare](
        got, expected, Context(params=check.params, inputs={**data, **inputs}))
    case = CaseResult(inputs=inputs, passed=comparison.passed, message=comparison.message,
                      got=comparison.got, expected=comparison.expected)
    return case, CaseNumbers(got=_numbers(got), expected=_numbers(expected), passed=case.passed, inputs=inputs)


def _numbers(encoded) -> tuple[float, ...]:
    try:
        return tuple(as_numbers(encoded).values)[:64]
    except (NotNumeric, TypeError, ValueError, AttributeError):
        return ()


def _status(cases: list[CaseResult], observations: list[Observation]) -> str:
    if all(case.passed for case in cases):
        return PASSED
    if any(o.status == "timeout" for o in observations):
        return TIMEOUT
    if any(o.status == "error" for o in observations):
        return ERROR
    return FAILED


_CODE_MARKS = re.compile(r"[._()\[\]=]")


def sentence(text: str) -> str:
    """The text as the start of a sentence: its first letter capitalised, unless its first word is code
    (`x.grad holds …`, `torch.optim.SGD takes …`, `w is …`), which keeps the student's spelling."""
    first = text.split(" ", 1)[0]
    if _CODE_MARKS.search(first) or (len(first) == 1 and first.isalpha() and first not in "aAiI"):
        return text
    return text[:1].upper() + text[1:]


def _summary(check: Check, cases: list[CaseResult]) -> str:
    failed = [case for case in cases if not case.passed]
    if not failed:
        return f"Correct ({len(cases)} of {len(cases)} cases)." if len(cases) > 1 else "Correct."
    first = failed[0].message
    if len(cases) == 1:
        return sentence(first) + "."
    return f"{len(failed)} of {len(cases)} cases wrong (the first: {first})."


def _not_written_yet(observations: list[Observation]) -> str | None:
    """A friendly message when every case stopped at a starter stub's NotImplementedError."""
    if not all(o.status == "error" and o.error is not None and o.error.type == "NotImplementedError"
               for o in observations):
        return None
    detail = observations[0].error.message.strip().rstrip(".") or "it raises NotImplementedError"
    return (f"Not written yet ({detail}). Replace the `raise NotImplementedError` line with your code, "
            "then check again.")


def unscored(check: Check, *, source: str, status: str, message: str) -> CheckResult:
    """A check that earns nothing, with the reason; used wherever no observation can be judged."""
    return CheckResult(id=check.id, exercise=check.exercise, title=check.title, status=status, score=0.0,
                       max_score=check.points, hint=check.hint, hidden=check.hidden, source=source, message=message)


def judge_check(check: Check, probe: Probe, evidence: Evidence, reference: Expectations,
                timeout: float) -> CheckResult:
    """Score one check from the observations of its probe."""
    base = dict(id=check.id, exercise=check.exercise, title=check.title, max_score=check.points,
                hint=check.hint, hidden=check.hidden, source=evidence.part)
    observations = [o for o in (evidence.record.observations if evidence.record else ()) if o.probe == probe.name]
    if not observations:
        status, message = _run_interruption(evidence, timeout)
        return CheckResult(**base, status=status, score=0.0, message=message)
    cases_seen = [o.case for o in observations]
    if len(cases_seen) != len(set(cases_seen)):
        # Only the harness writes one line per case; a second one was forged from inside the run.
        return CheckResult(**base, status=ERROR, score=0.0,
                           message="Conflicting observations came back for the same input, so this check "
                                   "cannot be trusted and earns nothing. Does your code write to the grader's files?")
    if observations[0].status == "missing":
        return CheckResult(**base, status=MISSING, score=0.0, message=_missing_message(probe, evidence))
    stub = _not_written_yet(observations)
    if stub:  # "to do", not an error: no points, no case to show (the inputs do not matter yet)
        return CheckResult(**base, status=TODO, score=0.0, message=stub)
    all_inputs = draw_cases(probe, reference.seed)
    try:
        judged = [
            _judge_case(check, probe, o, {} if o.case is None else all_inputs[o.case], reference, reference.rubric.data)
            for o in observations
        ]
    except ExpectationUnavailable as why:  # only a self-check: neither a pass nor a fail, so 0 of 0
        return CheckResult(**{**base, "max_score": 0.0}, status=INSTRUCTOR_ONLY, score=0.0, message=str(why))
    except (ReferenceSolutionError, NotNumeric, KeyError, IndexError) as error:
        return CheckResult(**base, status=GRADER_ERROR, score=0.0,
                           message=f"The grader could not decide this check ({error}); it will be reviewed by hand.")
    cases = [case for case, _ in judged]
    expected_count = 1 if observations[0].case is None else len(probe.cases)
    if len(cases) != expected_count:
        status, message = _run_interruption(evidence, timeout)
        return CheckResult(**base, status=status, score=0.0, message=message, cases=tuple(cases))
    passed = sum(case.passed for case in cases)
    if check.partial:
        score = round(check.points * passed / len(cases), 2)
    else:
        score = check.points if passed == len(cases) else 0.0
    status = _status(cases, observations)
    if status != PASSED:
        pattern = how_it_failed([numbers for _, numbers in judged], hidden=check.hidden)
        base["hint"] = f"{pattern} {check.hint}".strip() if pattern else check.hint
    return CheckResult(**base, status=status, score=score, message=_summary(check, cases), cases=tuple(cases))
