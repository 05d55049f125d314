"""The executor seam: what `grade` asks of wherever submissions run, and what every executor shares.

grader.execute opens an executor by name; grader.execute.local and
grader.execute.cluster implement `Executor` and stamp each result with where
it was graded.
"""
from __future__ import annotations

import gc
import socket
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from grader.discover import Submission
from grader.errors import GraderError
from grader.grade import RunSettings
from grader.lab import Lab
from grader.results import SubmissionResult

EXECUTORS = ("local", "dask")
YOUNG_OBJECTS = 20_000  # allocations between two collections of the youngest objects (Python's default: 700)


def settle_for_a_batch() -> None:
    """Before this process grades many submissions: what is loaded now (the libraries, the reference's expected
    values) stays for the whole batch, so the cyclic garbage collector stops scanning it (gc.freeze), and the
    young objects are collected less often.

    Grading one submission makes tens of thousands of short-lived objects (syntax trees, messages, views),
    nearly all freed as soon as they are dropped. With the defaults the collector ran some 15 times per
    submission and, every dozen submissions, scanned all 200 000 objects for about 0.2 s: about 18 ms per
    submission in all, measured over the sample class. Frozen and with this threshold, about 3 ms.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_OBJECTS, 10, 10)


@dataclass(frozen=True, kw_only=True)
class ExecutorChoice:
    """Which executor `grade` uses (--executor, --scheduler, --retries) and how many submissions at once."""

    name: str = "local"
    scheduler: str | None = None  # dask: the address of a running scheduler; None starts a LocalCluster
    workers: int = 0  # local: threads; dask LocalCluster: worker processes (0: one per core, as memory allows)
    retries: int = 2  # dask: new attempts for a submission whose worker died, before it is ungradable

    def __post_init__(self):
        if self.name not in EXECUTORS:
            raise GraderError(f"--executor {self.name!r}: expected one of {', '.join(EXECUTORS)}")
        if self.scheduler and self.name != "dask":
            raise GraderError("--scheduler names a Dask scheduler: add --executor dask")
        if self.retries < 0:
            raise GraderError("--retries must be ≥ 0")


class Executor(Protocol):
    """Grades submissions somewhere; every submission given comes back as exactly one result."""

    def results(self, lab: Lab, submissions: Sequence[Submission], settings: RunSettings) -> Iterator[SubmissionResult]:
        """One result per submission, as each finishes; never raises for anything a student did."""
        ...

    def describe(self) -> str:
        """Where it grades, in one line for the terminal."""
        ...

    def close(self) -> None: ...


def stamped(result: SubmissionResult, executor: str, **where: str) -> SubmissionResult:
    """The result with the executor and host that graded it (and anything else about where, e.g. a worker)."""
    return replace(result, sandbox={**result.sandbox, "executor": executor, "host": socket.gethostname(), **where})
