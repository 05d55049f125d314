"""A Dask worker's side of grading: one warm zygote per worker, and the task that grades a shipped submission.

The task lands the lab and the submission in the worker's own staging folder
(grader.execute.ship), grades exactly as the local executor does — each run a
sandboxed fork of the worker's zygote, with the same isolation and limits —
and sends back the result as JSON-able data with the figures' bytes.
"""
from __future__ import annotations

import shutil
import tempfile
import threading
from dataclasses import replace
from pathlib import Path

from distributed import WorkerPlugin, get_worker

from grader import __version__
from grader.execute.seam import settle_for_a_batch, stamped
from grader.execute.ship import ShippedLab, ShippedSubmission, land_lab, land_submission
from grader.grade import RunSettings, grade_or_flag, grader_failure
from grader.lab import Lab
from grader.reference import ReferenceSolution
from grader.sandbox.warm import WarmLauncher

PLUGIN = "labgrade-zygote"
WORKER_RESERVE_MB = 512  # what the worker process itself needs next to its runs
MIN_RUN_MEMORY_MB = 1536  # below this a run cannot even import torch (grader.sandbox.limits)


def run_memory_mb(memory_limit: int | None, threads: int) -> int | None:
    """One run's share of a worker's memory limit: each of its threads runs one submission at a time,
    and the worker itself keeps a reserve. None when the worker has no limit."""
    if not memory_limit:
        return None
    return max(0, (memory_limit // 1024**2 - WORKER_RESERVE_MB) // max(1, threads))


def worker_capacity(dask_worker) -> dict:
    """What a worker offers grading (run on every worker by the client before it submits anything)."""
    limit = dask_worker.memory_manager.memory_limit
    threads = dask_worker.state.nthreads
    return {"memory_limit": limit, "threads": threads, "run_memory_mb": run_memory_mb(limit, threads),
            "version": __version__}


class WarmZygote(WorkerPlugin):
    """One warm zygote per worker, started when the grader connects and closed when it leaves or the worker stops.

    Dask's worker processes are daemonic, and a daemonic `multiprocessing` process may not have children.
    The zygote is started with `subprocess` (grader.sandbox.warm), not `multiprocessing`, so it may fork
    one child per run. A worker that joins mid-run, or that its nanny restarts after it died, sets up its own.
    """

    def setup(self, worker) -> None:
        self.staging = Path(tempfile.mkdtemp(prefix="labgrade-", dir=worker.local_directory))
        self.launcher = WarmLauncher().start()
        self._lock = threading.Lock()
        self._labs: dict[str, Lab] = {}
        self._references: dict[tuple[str, int], ReferenceSolution] = {}

    def teardown(self, worker) -> None:
        self.launcher.close()
        shutil.rmtree(self.staging, ignore_errors=True)

    def lab(self, shipped: ShippedLab) -> Lab:
        """The shipped lab, landed once per version in this worker's staging folder."""
        with self._lock:
            if shipped.digest not in self._labs:
                self._labs[shipped.digest] = land_lab(shipped, self.staging / "labs" / shipped.digest)
            return self._labs[shipped.digest]

    def reference(self, shipped: ShippedLab, lab: Lab, seed: int) -> ReferenceSolution:
        """The lab's reference solution for this seed, computed once per worker (it is our own code)."""
        with self._lock:
            key = (shipped.digest, seed)
            if key not in self._references:
                reference = ReferenceSolution(lab.rubric, lab.reference_path, seed)
                reference.warm()
                self._references[key] = reference
                settle_for_a_batch()
            return self._references[key]


def grade_shipped(shipped_lab: ShippedLab, shipped: ShippedSubmission, settings: RunSettings,
                  version: str) -> dict:
    """The Dask task: grade one shipped submission on this worker. Returns {"result": …, "figures": {path: bytes}}.

    `settings` are the grader's; the folders to hide gain this worker's staging folder (every lab and
    submission landed here), and the memory of a run is capped at its share of the worker's limit.
    """
    worker = get_worker()
    zygote: WarmZygote = worker.plugins[PLUGIN]
    lab = zygote.lab(shipped_lab)
    with tempfile.TemporaryDirectory(prefix="submission-", dir=zygote.staging) as folder:
        submission = land_submission(shipped, Path(folder) / "class")
        share = run_memory_mb(worker.memory_manager.memory_limit, worker.state.nthreads)
        if version != __version__:
            result = grader_failure(lab, submission, settings.seed,
                                    f"worker {worker.address} runs labgrade {__version__}, the grader {version}")
        elif share is not None and share < MIN_RUN_MEMORY_MB:
            result = grader_failure(lab, submission, settings.seed, (
                f"worker {worker.address} leaves {share} MiB per run (memory limit over threads); "
                f"a run needs {MIN_RUN_MEMORY_MB} MiB: give workers more memory or fewer threads"))
        else:
            here = replace(settings, figures_root=Path(folder) / "figures", hide=(*settings.hide, str(zygote.staging)),
                           memory_mb=share)
            reference = zygote.reference(shipped_lab, lab, settings.seed)
            result = grade_or_flag(lab, submission, reference, zygote.launcher, here)
        figures = {path.relative_to(Path(folder)).as_posix(): path.read_bytes()
                   for path in sorted((Path(folder) / "figures").rglob("*")) if path.is_file()}
    result = stamped(result, "dask", worker=str(worker.address))
    if share is not None:
        result = replace(result, sandbox={**result.sandbox, "run_memory_mb": str(min(share, lab.rubric.limits.memory_mb))})
    return {"result": result.to_json(), "figures": figures}
