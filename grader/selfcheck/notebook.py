"""`from grader import check; check("Q2")`: one exercise's visible checks, inside a notebook.

This runs in the student's own kernel on their own machine, so there is no
sandbox to cross: the probes are observed in-process, against the live
notebook namespace (``sys.modules["__main__"].__dict__`` — no frame
inspection), with the same harness code a grading run uses
(grader.sandbox.child.observe), and judged by the same judge against the
kit's precomputed expected values. The reference solution is never needed.

What check() changes in the kernel, it puts back: the SIGALRM handler used
for the per-probe time limit, and the random generators' states that a probe
re-seeds (so a student's own random numbers are not disturbed by a check).
Probes are run on copies of the namespace; a probe that mutates shared
objects (a student's class attributes) can still leave traces, as any call
would.

When the notebook is being graded (its cells run inside the grader's
sandbox), check() does nothing: grading is the instructor's grader's job.
"""
from __future__ import annotations

import json
import os
import random
import signal
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from grader.errors import GraderError
from grader.judge.score import Evidence, judge_check
from grader.results import INSTRUCTOR_ONLY, NOT_RUN, PASSED, TODO, CheckResult
from grader.rubric import probe_spec
from grader.sandbox.record import RunRecord, parse_messages
from grader.selfcheck.expectations import KitExpectations
from grader.selfcheck.locate import contract_names, find_kit, kit_labs, resolve_kit

PART = "this notebook"
SYMBOLS = {PASSED: "✓", INSTRUCTOR_ONLY: "–", NOT_RUN: "–", TODO: "○"}  # ✗ for the rest: something to fix
FIGURES_MESSAGE = ("Plots are checked by `grade check` on your saved notebook (it sees the figures every cell "
                   "drew), not inside the running notebook.")


@dataclass(frozen=True, kw_only=True)
class ExerciseCheck:
    """The outcome of `check(exercise)`: what the table shows."""

    lab: str
    exercise: str
    title: str
    checks: tuple[CheckResult, ...]
    note: str = ""

    @property
    def score(self) -> float:
        return round(sum(c.score for c in self.checks), 2)

    @property
    def maximum(self) -> float:
        return sum(c.max_score for c in self.checks)

    def text(self) -> str:
        lines = [f"{self.exercise} · {self.title}: {self.score:g} / {self.maximum:g} points from the visible checks"]
        for c in self.checks:
            lines.append(f"  {SYMBOLS.get(c.status, '✗')} {c.title} ({c.score:g} / {c.max_score:g}): {c.message}")
            if c.hint and c.status != PASSED:
                lines.append(f"      Hint: {c.hint}")
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)

    def html(self) -> str:
        import jinja2

        from grader.report.html import template_folder

        env = jinja2.Environment(loader=jinja2.FileSystemLoader(template_folder()), autoescape=True,
                                 undefined=jinja2.StrictUndefined)
        return env.get_template("notebook_check.html.j2").render(
            exercise=self.exercise, title=self.title, score=self.score, maximum=self.maximum,
            checks=self.checks, note=self.note, symbols=SYMBOLS)


def inside_grading_run() -> bool:
    """True in the grader's sandbox child: an isolated (``python -I``) interpreter with the harness loaded.

    Every sandbox child (fresh or forked from the zygote) is started with -I;
    a Jupyter kernel or a student's ``python lab.py`` is not.
    """
    return bool(sys.flags.isolated) and "grader.sandbox.child" in sys.modules


def _kit_data(lab: str | None, kit: str | Path | None, namespace: dict) -> KitExpectations:
    if kit is not None:
        folder = resolve_kit(Path(kit))
    elif os.environ.get("LABGRADE_KIT"):
        folder = resolve_kit(Path(os.environ["LABGRADE_KIT"]))
    else:
        folder = find_kit(Path.cwd())
    if folder is None:
        raise GraderError("No self-check data found: open this notebook from your kit folder (the one with the "
                          ".labgrade/ folder), or call check(..., kit=\"path/to/kit\").")
    labs = kit_labs(folder)
    if lab is None and len(labs) == 1:
        lab = next(iter(labs))
    if lab is None:  # several labs in one kit: the one whose names this notebook defines
        kits = {name: KitExpectations.load(path) for name, path in labs.items()}
        scores = {name: len(contract_names(k.rubric) & namespace.keys()) for name, k in kits.items()}
        best = [name for name, score in scores.items() if score == max(scores.values()) and score > 0]
        if len(best) != 1:
            raise GraderError(f"Which lab? Call check(..., lab=...) with one of {', '.join(sorted(labs))}.")
        return kits[best[0]]
    if lab not in labs:
        raise GraderError(f"No self-check data for lab {lab!r} in {folder} (it has {', '.join(sorted(labs))}).")
    return KitExpectations.load(labs[lab])


class _RestoredState:
    """Put back what observing changes in the kernel: the alarm handler and the random generators."""

    def __enter__(self):
        from grader.sandbox.child import TimeLimitReached

        def on_alarm(signum, frame):
            raise TimeLimitReached()

        self._handler = signal.signal(signal.SIGALRM, on_alarm)
        self._random = random.getstate()
        numpy, torch = sys.modules.get("numpy"), sys.modules.get("torch")
        self._numpy = numpy.random.get_state() if numpy is not None else None
        self._torch = torch.get_rng_state() if torch is not None else None
        return self

    def __exit__(self, *exc):
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self._handler)
        random.setstate(self._random)
        if self._numpy is not None:
            sys.modules["numpy"].random.set_state(self._numpy)
        if self._torch is not None:
            sys.modules["torch"].set_rng_state(self._torch)
        return False


def run_exercise(exercise: str, namespace: dict, expectations: KitExpectations) -> ExerciseCheck:
    """Observe and judge one exercise's visible checks against `namespace`."""
    from grader.sandbox.child import observe
    from grader.sandbox.job import Job

    rubric = expectations.rubric
    ids = {e.id.casefold(): e for e in rubric.exercises}
    chosen = ids.get(exercise.strip().casefold())
    if chosen is None:
        raise GraderError(f"No exercise {exercise!r} in lab {rubric.lab}: "
                          f"try one of {', '.join(e.id for e in rubric.exercises)}.")
    checks = [c for c in rubric.checks if c.exercise == chosen.id]
    if not checks:
        return ExerciseCheck(lab=rubric.lab, exercise=chosen.id, title=chosen.title, checks=(),
                             note=f"{chosen.id} has no self-check: all of its checks are run by your instructor's "
                                  "grader only.")
    limits = rubric.limits
    job = Job(part=PART, units=(), probes=(), data=rubric.data, seed=expectations.seed,
              unit_timeout=limits.unit_timeout, probe_timeout=limits.probe_timeout)
    messages, figure_probes = [], set()
    with _RestoredState():
        for name in dict.fromkeys(c.probe for c in checks):
            probe = rubric.probes[name]
            if any("__figures__" in s.code for s in probe.strategies):
                figure_probes.add(name)  # the live kernel keeps no record of the figures its cells drew
                continue
            messages.extend(observe(probe_spec(probe, expectations.seed), namespace, job, {"__figures__": []}))
    parsed = parse_messages(json.dumps(m) for m in messages)
    evidence = Evidence(part=PART, record=RunRecord(part=PART, observations=tuple(parsed.observations),
                                                    finished=True))
    results = []
    for check in checks:
        if check.probe in figure_probes:
            results.append(CheckResult(id=check.id, exercise=check.exercise, title=check.title, status=NOT_RUN,
                                       score=0.0, max_score=0.0, message=FIGURES_MESSAGE, hint=check.hint,
                                       source=PART))
        else:
            results.append(judge_check(check, rubric.probes[check.probe], evidence, expectations,
                                       limits.probe_timeout))
    return ExerciseCheck(lab=rubric.lab, exercise=chosen.id, title=chosen.title, checks=tuple(results),
                         note="Only the visible checks ran, on sample inputs; your instructor's grader also runs "
                              "hidden checks.")


def _show(text: str, html: str | None = None) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import HTML, display
    except ImportError:
        get_ipython = None
    if html is not None and get_ipython is not None and get_ipython() is not None:
        display(HTML(html))
    else:
        print(text)


def check(exercise: str, *, lab: str | None = None, kit: str | Path | None = None) -> None:
    """Run the visible checks of one exercise against this notebook, and show the result as a table.

        from grader import check
        check("Q2")

    The expected values come from your kit (the ``.labgrade/`` folder next to
    the notebook, or above it); `lab` and `kit` are only needed when that
    cannot be found or holds several labs.
    """
    if inside_grading_run():
        print(f"(self-check of {exercise} skipped: this notebook is being graded)")
        return
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        print("check() needs a Linux or macOS Jupyter kernel (it times each check with SIGALRM); "
              "run `grade check` in a terminal instead.")
        return
    namespace = sys.modules["__main__"].__dict__
    try:
        outcome = run_exercise(exercise, namespace, _kit_data(lab, kit, namespace))
    except GraderError as problem:
        print(f"Self-check: {problem}")
        return
    _show(outcome.text(), outcome.html())
