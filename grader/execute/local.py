"""The local executor: submissions graded at once in threads of this process, each run a fork of one warm zygote."""
from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed

from grader.discover import Submission
from grader.execute.seam import settle_for_a_batch, stamped
from grader.grade import RunSettings, grade_or_flag
from grader.lab import Lab
from grader.reference import ReferenceSolution
from grader.results import SubmissionResult
from grader.sandbox.launcher import Launcher
from grader.sandbox.warm import WarmLauncher


MEMORY_PER_WORKER = 1024**3  # a child with torch loaded and a small model trained stays well under this


def default_workers() -> int:
    """One worker per core, but never more than the machine's memory can hold."""
    cores = os.cpu_count() or 1
    try:
        memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        return cores
    return max(1, min(cores, memory // MEMORY_PER_WORKER))


class LocalExecutor:
    """`--executor local`: `workers` threads (0: `default_workers()`), one launcher shared by all."""

    def __init__(self, *, workers: int = 0, launcher: Launcher | None = None):
        self.workers = workers or default_workers()
        self._owned = launcher is None
        self.launcher = launcher if launcher is not None else WarmLauncher()

    def results(self, lab: Lab, submissions: Sequence[Submission], settings: RunSettings) -> Iterator[SubmissionResult]:
        """Each submission's result as it finishes."""
        if not submissions:
            return
        if isinstance(self.launcher, WarmLauncher):
            self.launcher.start()  # the zygote imports torch while the reference computes its expected values
        reference = ReferenceSolution(lab.rubric, lab.reference_path, settings.seed)
        reference.warm()
        settle_for_a_batch()
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            futures = [pool.submit(grade_or_flag, lab, s, reference, self.launcher, settings) for s in submissions]
            for future in as_completed(futures):
                yield stamped(future.result(), "local")

    def describe(self) -> str:
        return f"Grading on this machine: {self.workers} at once"

    def close(self) -> None:
        if self._owned:
            self.launcher.close()
