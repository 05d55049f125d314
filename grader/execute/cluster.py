"""The Dask executor: each submission one task on a cluster's workers, each worker with its own warm zygote.

`grade … --executor dask --scheduler tcp://HOST:8786` grades on a running
cluster; without `--scheduler` a LocalCluster is started for the run, one
worker process per core. Workers need labgrade installed (the same version,
checked before anything runs) but no shared filesystem: the lab and each
submission travel with their tasks (grader.execute.ship) and results come
back as JSON-able data.

A worker that dies takes its running task with it (on a LocalCluster this
executor starts, at once: `allowed-failures` 0; on a running scheduler after
its own `distributed.scheduler.allowed-failures`). The task is then submitted
again, `--retries` times, wherever the scheduler places it; no more tasks
are out than the cluster has threads, so a worker holds only what it runs. A submission
whose worker died on every attempt is *ungradable (infrastructure)*: flagged
for a person, never a score. Retrying here rather than in the scheduler keeps
a poison submission from costing the innocent ones that shared its worker:
they get the same new attempts. Every submission comes back exactly once.
"""
from __future__ import annotations

import logging
import secrets
import traceback
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import CancelledError
from dataclasses import dataclass

from grader import __version__
from grader.discover import Submission
from grader.errors import GraderError
from grader.execute.seam import ExecutorChoice, stamped
from grader.execute.local import default_workers
from grader.execute.ship import ship_lab, ship_submission
from grader.grade import RunSettings, grader_failure, ungradable
from grader.lab import Lab
from grader.results import SubmissionResult

try:
    import dask
    from distributed import Client, KilledWorker, LocalCluster, as_completed
except ImportError:  # the optional extra: `--executor dask` says how to install it
    dask = None

INSTALL = "pip install 'labgrade[dask]'"
WORKER_WAIT_SECONDS = 120  # a scheduler with no worker yet: how long to wait for the first
# A LocalCluster of our own: a dead worker fails its task at once (we retry it), and each worker holds
# only the task it runs, so that a worker's death takes no queued innocent task with it.
LOCAL_CLUSTER_CONFIG = {"distributed.scheduler.allowed-failures": 0, "distributed.scheduler.worker-saturation": 1.0}


@dataclass
class _Attempt:
    submission: Submission
    number: int = 1


class DaskExecutor:
    """`--executor dask`: a Dask client, the LocalCluster it started (if any), and the zygote plugin on every worker."""

    def __init__(self, client, cluster=None, *, retries: int = 2):
        self.client = client
        self.cluster = cluster
        self.retries = retries

    @classmethod
    def connect(cls, choice: ExecutorChoice) -> "DaskExecutor":
        """Connect to `choice.scheduler`, or start a LocalCluster; then a warm zygote on every worker."""
        if dask is None:
            raise GraderError(f"--executor dask needs Dask, an optional extra: {INSTALL}")
        from grader.execute.worker import PLUGIN, WarmZygote, worker_capacity

        cluster = None
        known = set(Client._instances)
        try:
            if choice.scheduler:
                client = Client(choice.scheduler, timeout=dask.config.get("distributed.comm.timeouts.connect"))
            else:
                with dask.config.set(LOCAL_CLUSTER_CONFIG):
                    cluster = LocalCluster(n_workers=choice.workers or default_workers(), threads_per_worker=1,
                                           processes=True, dashboard_address=None, silence_logs=logging.ERROR)
                client = Client(cluster)
        except (OSError, TimeoutError, ValueError) as error:  # ValueError: an address Dask cannot use
            if cluster is not None:
                cluster.close()
            _close_failed_clients(known, error)
            where = choice.scheduler or "a LocalCluster"
            raise GraderError(f"cannot reach the Dask scheduler at {where}: {error}") from error
        executor = cls(client, cluster, retries=choice.retries)
        try:
            client.wait_for_workers(1, timeout=WORKER_WAIT_SECONDS)
            _check_workers(client.run(worker_capacity))
            client.register_plugin(WarmZygote(), name=PLUGIN)
        except GraderError:
            executor.close()
            raise
        except Exception as error:  # no worker came, or one cannot import labgrade or start a zygote
            executor.close()
            raise GraderError(f"the Dask workers could not start grading ({type(error).__name__}: {error}); "
                              f"each worker needs labgrade {__version__} installed") from error
        return executor

    def results(self, lab: Lab, submissions: Sequence[Submission], settings: RunSettings) -> Iterator[SubmissionResult]:
        """One task per submission; each result as its task finishes, figures written under `settings.figures_root`.

        No more tasks are out than the cluster has threads, so that a worker holds only the tasks it runs:
        a worker's death then costs only those, and each gets a new attempt (up to `retries`).
        """
        if not submissions:
            return
        # By value in every task, not scattered: a scattered lab is lost with the workers holding it, and every
        # task that needs it is cancelled ("lost dependencies"). It is small, and only `_threads()` tasks are out.
        shipped_lab = ship_lab(lab)
        waiting = deque(_Attempt(submission) for submission in submissions)
        running: dict = {}
        finished = as_completed()
        try:
            while waiting or running:
                slots = self._threads()  # one call to the scheduler per completion, not per task submitted
                while waiting and len(running) < slots:
                    attempt = waiting.popleft()
                    try:
                        future = self._submit(lab, shipped_lab, attempt.submission, settings)
                    except (OSError, ValueError) as error:  # its files could not be read to send them
                        yield _failed(lab, attempt.submission, settings, "could not send it to a worker", error)
                        continue
                    running[future] = attempt
                    finished.add(future)
                if not running:
                    continue
                future = next(finished)
                attempt = running.pop(future)
                if _worker_died(future) and attempt.number <= self.retries:
                    waiting.append(_Attempt(attempt.submission, attempt.number + 1))
                    continue
                yield self._result(future, lab, attempt, settings)
        finally:
            self.client.cancel(list(running))  # the caller stopped early: leave nothing running for nobody

    def describe(self) -> str:
        """Where this run grades, for the terminal: the scheduler, its workers and their threads."""
        threads = self.client.nthreads()
        where = "a LocalCluster" if self.cluster is not None else "the Dask cluster"
        return (f"Grading on {where} at {self.client.scheduler.address}: {len(threads)} worker(s), "
                f"{sum(threads.values())} thread(s), retries {self.retries}")

    def _threads(self) -> int:
        """The cluster's threads now (workers come and go): how many tasks may be out at once."""
        return max(1, sum(self.client.nthreads().values()))

    def _submit(self, lab: Lab, shipped_lab, submission: Submission, settings: RunSettings):
        from grader.execute.worker import grade_shipped

        key = f"labgrade-{lab.id}-{submission.student}-{secrets.token_hex(4)}"
        return self.client.submit(grade_shipped, shipped_lab, ship_submission(submission), settings, __version__,
                                  key=key, pure=False)

    def _result(self, future, lab: Lab, attempt: _Attempt, settings: RunSettings) -> SubmissionResult:
        """A finished task's result; a task that failed as a whole becomes a flagged result, never a score."""
        submission = attempt.submission
        try:
            payload = future.result()
        except KilledWorker:
            return stamped(ungradable(lab, submission, settings.seed, attempt.number), "dask")
        except (CancelledError, Exception) as error:  # the scheduler went away, or a grader bug in the task
            return _failed(lab, submission, settings, "its Dask task failed", error)
        if settings.figures_root is not None:
            for relative, content in payload["figures"].items():
                target = settings.figures_root.parent / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
        return SubmissionResult.from_json(payload["result"])

    def close(self) -> None:
        """Stop the workers' zygotes (a shared cluster stays up), then the LocalCluster if this run started it."""
        from grader.execute.worker import PLUGIN

        if self.cluster is None:
            try:
                self.client.unregister_worker_plugin(PLUGIN)
            except Exception:  # a cluster already gone has no zygotes left to stop
                pass
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _failed(lab: Lab, submission: Submission, settings: RunSettings, what: str, error: Exception) -> SubmissionResult:
    """The flagged result of a submission the Dask side of grading failed on."""
    return stamped(grader_failure(lab, submission, settings.seed, f"{what}: {type(error).__name__}: {error}"), "dask")


def _worker_died(future) -> bool:
    """Whether the cluster, not the task, ended it: its worker died, or the scheduler dropped it."""
    return future.status == "cancelled" or (future.status == "error" and isinstance(future.exception(), KilledWorker))


def _check_workers(capacities: dict[str, dict]) -> None:
    """Refuse, before any task runs, a cluster whose workers would grade differently or could not grade at all."""
    from grader.execute.worker import MIN_RUN_MEMORY_MB

    for address, capacity in sorted(capacities.items()):
        if capacity["version"] != __version__:
            raise GraderError(f"Dask worker {address} runs labgrade {capacity['version']}, this grader "
                              f"{__version__}: install the same version on every worker")
        share = capacity["run_memory_mb"]
        if share is not None and share < MIN_RUN_MEMORY_MB:
            raise GraderError(f"Dask worker {address} leaves {share} MiB per run ({capacity['threads']} thread(s) "
                              f"under its memory limit); a run needs {MIN_RUN_MEMORY_MB} MiB: give workers more "
                              "memory or fewer threads")


def _close_failed_clients(known: set, error: BaseException) -> None:
    """Close, now, the Client that failed to connect: the constructor raised, so only its own frames in the
    traceback (and Dask's registry, once it got that far) still hold it.

    Left to the garbage collector, its `__del__` closes its event loop's runner whenever a collection happens
    to run; inside another Dask object's start (a LocalCluster's, which holds the shared runner's lock) that
    deadlocks the process. Closed here, its `__del__` has nothing left to do.
    """
    failed = {id(client): client for client in set(Client._instances) - known}
    seen, cause = set(), error
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        for frame, _ in traceback.walk_tb(cause.__traceback__):
            holder = frame.f_locals.get("self")
            if isinstance(holder, Client):
                failed[id(holder)] = holder
        cause = cause.__cause__ or cause.__context__
    for client in failed.values():
        try:
            client.close()
        except Exception:  # it never connected: whatever closing it says, it is done
            pass
