"""Where submissions are graded: this machine's warm pool, or the workers of a Dask cluster.

`grade` hands an executor one lab's submissions with the run's settings and
takes back exactly one result per submission, in the order they finish.
Checks, pages, gradebooks and the results store are the same whichever
executor ran them; each result records which one did and on which host
(``sandbox["executor"]``, ``sandbox["host"]``).

    local   grader.execute.local: a thread per concurrent submission, one warm zygote (the default)
    dask    grader.execute.cluster: `--scheduler tcp://HOST:8786`, or a LocalCluster started for the run

Array jobs (`--shard`, `grade merge`) are not an executor: each job runs the
local one on its part of the class (grader.batch.Shard, grader.merge).
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

from grader.discover import Submission
from grader.execute.seam import EXECUTORS, Executor, ExecutorChoice, stamped
from grader.grade import RunSettings
from grader.lab import Lab
from grader.results import SubmissionResult
from grader.sandbox.launcher import Launcher

__all__ = ["EXECUTORS", "Deferred", "Executor", "ExecutorChoice", "open_executor", "stamped"]


def open_executor(choice: ExecutorChoice, *, launcher: Launcher | None = None) -> Executor:
    """The executor `choice` names, ready to grade; `launcher` replaces the local one's warm pool (tests)."""
    if choice.name == "dask":
        from grader.execute.cluster import DaskExecutor  # Dask is an optional extra, imported only when asked for

        return DaskExecutor.connect(choice)
    from grader.execute.local import LocalExecutor

    return LocalExecutor(workers=choice.workers, launcher=launcher)


class Deferred:
    """An executor opened on first use and kept for every lab after: `grade submissions/` starts one
    LocalCluster (or one zygote) for all its labs, and none when every result is kept by --resume."""

    def __init__(self, choice: ExecutorChoice, *, launcher: Launcher | None = None):
        self.choice = choice
        self.launcher = launcher
        self._opened: Executor | None = None

    def open(self) -> Executor:
        """The executor, opened now if it is not yet (a cluster reached before any lab is graded)."""
        if self._opened is None:
            self._opened = open_executor(self.choice, launcher=self.launcher)
        return self._opened

    def results(self, lab: Lab, submissions: Sequence[Submission], settings: RunSettings) -> Iterator[SubmissionResult]:
        if not submissions:
            return iter(())
        return self.open().results(lab, submissions, settings)

    def describe(self) -> str:
        return self.open().describe()

    def close(self) -> None:
        if self._opened is not None:
            self._opened.close()
            self._opened = None
