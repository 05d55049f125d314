"""Expected values: the `Expectations` protocol, and the reference solution behind it.

The judge asks an `Expectations` for the expected value of each observation.
In the instructor's grader that is `ReferenceSolution`: the reference module
implements the same contract as the students, so the expected value of a
probe is that probe's code run against the reference's namespace, on the same
inputs and with the same seed. This happens in the grader's process, never in
a student's, and values go through the same encoding as the students' so both
sides are judged alike. A student's self-check answers from values
precomputed into their kit instead (grader.selfcheck.expectations).
"""
from __future__ import annotations

import os
import threading
import warnings
from pathlib import Path
from typing import Protocol

from grader.errors import ReferenceSolutionError
from grader.judge.values import as_python
from grader.rubric import Probe, Rubric, draw_cases
from grader.sandbox.child import close_figures, evaluate, seed_everything
from grader.sandbox.encode import encode


class Expectations(Protocol):
    """Where the judge gets expected values from, for the probes of one rubric."""

    rubric: Rubric  # the checks and probes it can answer for
    seed: int  # the seed the cases were drawn with, and observations made under

    def expected(self, probe: Probe, strategy_index: int, case: int | None, observed: dict | None) -> dict | None:
        """The encoded expected value for one case (or one script-style observation, `case` None).

        None when the probe needs no expected value. Raises ReferenceSolutionError
        when it cannot be computed, or ExpectationUnavailable when this source
        cannot know it (a self-check without the reference solution).
        """
        ...


class ReferenceSolution:
    """The reference module of one lab, loaded once, answering probes on demand (an `Expectations`)."""

    def __init__(self, rubric: Rubric, path: Path, seed: int):
        self.rubric = rubric
        self.seed = seed
        self._lock = threading.Lock()  # reference code shares global RNG state
        self._cache: dict[tuple[str, int], dict] = {}
        self._on_data: dict[tuple[str, ...], object] = {}
        os.environ.setdefault("MPLBACKEND", "Agg")
        try:
            source = path.read_text(encoding="utf-8")
            self.namespace: dict = {"__name__": f"reference_{rubric.lab}", "__file__": str(path)}
            exec(compile(source, str(path), "exec"), self.namespace)
        except Exception as error:
            raise ReferenceSolutionError(f"reference solution {path} failed to load: {type(error).__name__}: {error}") from error

    def _run(self, code: str, inputs: dict, where: str) -> dict:
        scope = dict(self.namespace)
        scope.update(self.rubric.data)
        scope["__figures__"] = []
        scope.update(inputs)
        with self._lock, warnings.catch_warnings():
            # Probe code is written for any student's values; its warnings are not the grader's news.
            warnings.simplefilter("ignore")
            try:
                seed_everything(self.seed)
                return encode(evaluate(code, scope))
            except Exception as error:
                raise ReferenceSolutionError(f"reference failed on {where}: {type(error).__name__}: {error}") from error
            finally:
                close_figures()

    def expected(self, probe: Probe, strategy_index: int, case: int | None, observed: dict | None) -> dict | None:
        """The reference's value for a case, or for a script-style observation."""
        if not probe.reference:
            return None
        strategy = probe.strategies[strategy_index]
        if strategy.expect:
            return self._run(strategy.expect, {"observed": as_python(observed)}, f"probe {probe.name}")
        if case is None:
            raise ReferenceSolutionError(f"probe {probe.name}: a script strategy needs `expect`")
        key = (probe.name, case)
        if key not in self._cache:
            inputs = draw_cases(probe, self.seed)[case]
            self._cache[key] = self._run(probe.strategies[0].code, inputs, f"probe {probe.name}, case {case}")
        return self._cache[key]

    def function(self, name: str):
        """A function of the reference module, for the behaviour families (grader.judge.behaviour)."""
        found = self.namespace.get(name)
        if not callable(found):
            raise ReferenceSolutionError(f"reference solution has no function {name!r}")
        return found

    def data(self, name: str):
        """One of the rubric's [data] values."""
        return self.rubric.data[name]

    def on_data(self, function: str, *names: str):
        """A reference function applied to [data] values, computed once for the whole class."""
        key = (function, *names)
        if key not in self._on_data:
            self._on_data[key] = self.function(function)(*(self.data(name) for name in names))
        return self._on_data[key]

    def warm(self) -> None:
        """Compute every case's expected value once, before any student runs."""
        for probe in self.rubric.probes.values():
            if probe.reference and probe.strategies and not probe.strategies[0].script:
                for case in range(len(probe.cases)):
                    self.expected(probe, 0, case, None)

