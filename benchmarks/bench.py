"""Where does grading time go? Warm pool vs fresh interpreters vs a Jupyter kernel.

    python benchmarks/bench.py            # N=100 submissions
    python benchmarks/bench.py --n 20     # a quicker look
    python benchmarks/bench.py --executors --n 200   # local executor vs a 2-worker Dask LocalCluster
    python benchmarks/bench.py --instruments 3      # the instruments' cost alone, interleaved in fresh processes

Builds a class of N submissions by cycling through the sample class (the
endless-loop student is left out: ten seconds of alarm would swamp every
column alike), then grades each submission one at a time with:

  (a) warm    the default launcher, forked from a pre-imported forkserver
  (b) fresh   a new `python -I` per run
  (c) kernel  nbclient executing the same cells in a fresh kernel, then the
              same probes in that kernel: what a kernel-based grader does

then grades the whole class once more with the warm pool and `grade`'s default
number of workers, as an instructor's run would, and measures the floor: the student code alone (cells and probes), run in
this already-warm interpreter. Overhead = wall time − floor, per submission.

With --instruments R it measures only what the instruments cost: the student
code of the distinct sample students (cells and probes, one warm-up pass
first), plain and instrumented, each in a fresh process of its own, R times
in turn (plain, instrumented, plain, …), so that neither pass inherits the
other's first-use costs and a slow minute of the machine touches both; the
median of each is compared.

With --executors it compares instead the executors `grade --executor` offers
(grader.execute): the same N submissions through the local executor and
through a Dask LocalCluster of 2 workers, each timed from opening the executor
(zygotes and cluster started) to the last result, with the time to the first
result; the ratio of the two per-submission times is Dask's overhead.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.batch import default_workers, plan  # noqa: E402
from grader.discover import Submission  # noqa: E402
from grader.execute.seam import settle_for_a_batch  # noqa: E402
from grader.grade import RunSettings, build_job, grade_submission  # noqa: E402
from grader.lab import Course  # noqa: E402
from grader.notebook import UnreadableSource  # noqa: E402
from grader.reference import ReferenceSolution  # noqa: E402
from grader.report import gradebook, html  # noqa: E402
from grader.store import ResultsStore  # noqa: E402
from grader.sandbox import child  # noqa: E402
from grader.sandbox.launcher import SubprocessLauncher  # noqa: E402
from grader.sandbox.warm import WarmLauncher  # noqa: E402

SKIP = {"hana_sato", "nadia_rahman"}  # the endless loops


def sample_mix(n: int) -> list[tuple[object, Submission]]:
    """N (lab, submission) pairs cycling through both labs' sample students."""
    course = Course(root=ROOT)
    pool = []
    for batch in plan(ROOT / "submissions", course):
        pool += [(batch.lab, s) for s in batch.submissions if s.student not in SKIP]
    return [pool[i % len(pool)] for i in range(n)]


def floor_seconds(lab, submission: Submission, settings: RunSettings, recorder=None) -> float:
    """The student's own code, cells and probes, in this warm interpreter: no process, no imports.

    With a `recorder` (grader.observe.instruments, installed in this process) the same code runs instrumented,
    as it does in a child: what the instruments cost is the difference.
    """
    total = 0.0
    for part in submission.parts:
        try:
            job = build_job(lab, part, settings)
        except UnreadableSource:
            continue
        namespace = {"__name__": "__main__"}
        if recorder is not None:
            recorder.unit_files = {unit.filename: index for index, unit in enumerate(job.units)}
            recorder.evaluations = dict(job.evaluations)
            namespace.update(recorder.names_for_namespace())
        with tempfile.TemporaryDirectory() as scratch:
            cwd = os.getcwd()
            os.chdir(scratch)
            try:
                for index, unit in enumerate(job.units):
                    total += child.run_unit(unit, index, namespace, job, scratch, recorder)["elapsed"]
                    if recorder is not None:
                        started = time.monotonic()
                        child.flush_activity(recorder, job)
                        total += time.monotonic() - started
                for probe in job.probes:
                    messages = child.observe(probe, namespace, job, {"__figures__": []}, recorder)
                    total += sum(m.get("elapsed", 0.0) for m in messages)
            finally:
                os.chdir(cwd)
    return total


class CountingLauncher:
    """A launcher that counts its runs: extra runs (other seeds, moved inputs) are part of grading's cost."""

    def __init__(self, inner):
        self.inner, self.runs = inner, 0

    def run(self, job, **kwargs):
        self.runs += 1
        return self.inner.run(job, **kwargs)

    def run_many(self, jobs, **kwargs):
        self.runs += len(jobs)
        return self.inner.run_many(jobs, **kwargs)

    def close(self) -> None:
        self.inner.close()


@contextmanager
def kernel_chatter_silenced():
    """Kernels inherit our stderr and warn about TCP on every start; keep the report readable."""
    saved = os.dup(2)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


PROBE_CELL = """\
import json as _json, sys as _sys
_sys.path.insert(0, {root!r})
from grader.sandbox import child as _child
from grader.sandbox.job import Job as _Job
_job = _Job.from_json(_json.loads({job!r}))
for _probe in _job.probes:
    list(_child.observe(_probe, globals(), _job, {{"__figures__": []}}))
"""


def kernel_seconds(lab, submission: Submission, settings: RunSettings) -> float:
    """nbclient running the submission's cells, then the same probes, in a fresh kernel: a kernel-based grader."""
    import json

    import nbformat
    from nbclient import NotebookClient

    started = time.monotonic()
    for part in submission.parts:
        try:
            job = build_job(lab, part, settings)
        except UnreadableSource:
            continue
        cells = [nbformat.v4.new_code_cell(unit.source) for unit in job.units]
        cells.append(nbformat.v4.new_code_cell(PROBE_CELL.format(root=str(ROOT), job=json.dumps(job.to_json()))))
        notebook = nbformat.v4.new_notebook(cells=cells)
        with tempfile.TemporaryDirectory() as scratch, kernel_chatter_silenced():
            NotebookClient(notebook, timeout=30, kernel_name="python3", allow_errors=True,
                           resources={"metadata": {"path": scratch}}).execute()
    return time.monotonic() - started


def time_launcher(mix, launcher, settings_for) -> tuple[list[float], list]:
    times, results = [], []
    for lab, submission in mix:
        reference, settings = settings_for(lab)
        started = time.monotonic()
        results.append((lab, grade_submission(lab, submission, reference, launcher, settings)))
        times.append(time.monotonic() - started)
    return times, results


def pool_seconds(mix, settings_for, workers: int) -> float:
    """Wall time for the whole class on one warm pool, `workers` at once, zygote boot included."""
    launcher = WarmLauncher()
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        jobs = [pool.submit(grade_submission, lab, submission, reference, launcher, settings)
                for lab, submission in mix for reference, settings in [settings_for(lab)]]
        for job in jobs:
            job.result()
    launcher.close()
    return time.monotonic() - started


def writing_seconds(results) -> float:
    """Writing every results.json, student page, gradebook, LMS export and dashboard, as a batch does."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as out:
        for lab, result in results:
            ResultsStore(Path(out) / lab.id).write(result)
            html.write_student_report(Path(out) / lab.id, result, lab=html.LabInfo.from_rubric(lab.rubric))
        for lab in {lab.id: lab for lab, _ in results}.values():
            rows = [r for l, r in results if l.id == lab.id]
            gradebook.write_grades(Path(out) / lab.id / "grades.csv", lab.rubric, rows)
            html.write_dashboards(Path(out) / lab.id, rows, lab=html.LabInfo.from_rubric(lab.rubric))
    return time.monotonic() - started


def describe(name: str, times: list[float], floors: list[float]) -> str:
    overheads = [t - f for t, f in zip(times, floors)]
    return (f"{name:8} median {statistics.median(times):6.3f} s  mean {statistics.mean(times):6.3f} s  "
            f"total {sum(times):7.1f} s  overhead median {statistics.median(overheads):6.3f} s")


def executor_seconds(mix, name: str, workers: int) -> tuple[float, float]:
    """(first result, last result) in seconds from opening executor `name`, for the whole mix, lab by lab."""
    from grader.execute import ExecutorChoice, open_executor

    started = time.monotonic()
    first = None
    executor = open_executor(ExecutorChoice(name=name, workers=workers))
    try:
        for lab in {lab.id: lab for lab, _ in mix}.values():
            with tempfile.TemporaryDirectory() as figures:
                settings = RunSettings(seed=1, figures_root=Path(figures))
                for _ in executor.results(lab, [s for l, s in mix if l.id == lab.id], settings):
                    first = first if first is not None else time.monotonic() - started
    finally:
        executor.close()
    return first or 0.0, time.monotonic() - started


def compare_executors(mix, workers: int = 2) -> None:
    """Local vs Dask on the same machine, in the same run: the numbers the Dask executor's target is about."""
    timings = {name: executor_seconds(mix, name, workers) for name in ("local", "dask")}
    for name, (first, total) in timings.items():
        print(f"{name:6} {workers} worker(s): first result {first:5.1f} s, all {len(mix)} in {total:6.1f} s "
              f"({total / len(mix):.3f} s per submission)")
    ratio = timings["dask"][1] / timings["local"][1]
    print(f"dask / local per submission: {ratio:.2f}x (target ≤ 1.2x, zygote and cluster start included)")


def floor_total(instrumented: bool) -> float:
    """The student code of every distinct sample student, after a warm-up pass, in this process."""
    mix = list({s.student + lab.id: (lab, s) for lab, s in sample_mix(10_000)}.values())
    with tempfile.TemporaryDirectory(prefix="bench-figures-") as figures:
        settings = {}
        for lab, _ in mix:
            if lab.id not in settings:
                ReferenceSolution(lab.rubric, lab.reference_path, seed=1).warm()
                settings[lab.id] = RunSettings(seed=1, figures_root=Path(figures))
        for lab, s in mix:
            floor_seconds(lab, s, settings[lab.id])
        recorder = None
        if instrumented:
            recorder = child.Recorder(unit_files={}, evaluations={}, scratch="")
            child.install(recorder)
        return sum(floor_seconds(lab, s, settings[lab.id], recorder) for lab, s in mix)


def compare_instruments(rounds: int) -> None:
    """Plain and instrumented student code, each pass in a fresh process, in turn; medians compared."""
    import subprocess

    totals: dict[str, list[float]] = {"plain": [], "instrumented": []}
    for _ in range(rounds):
        for mode in totals:
            done = subprocess.run([sys.executable, __file__, "--floor", mode], capture_output=True, text=True,
                                  check=True)
            totals[mode].append(float(done.stdout.split()[-1]))
            print(f"{mode:12} {totals[mode][-1]:7.2f} s", flush=True)
    plain, instrumented = (statistics.median(totals[mode]) for mode in totals)
    print(f"instruments: student code {plain:.1f} s plain, {instrumented:.1f} s instrumented (medians of {rounds}): "
          f"+{100 * (instrumented / plain - 1):.1f}% (target ≤ 15%)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--instruments", type=int, metavar="R",
                        help="only the instruments' cost: R rounds of plain and instrumented, each in a fresh process")
    parser.add_argument("--floor", choices=("plain", "instrumented"), help=argparse.SUPPRESS)  # one such process
    parser.add_argument("--skip-kernel", action="store_true", help="leave out (c), the slowest")
    parser.add_argument("--skip-fresh", action="store_true", help="leave out (b)")
    parser.add_argument("--executors", action="store_true",
                        help="only compare the local executor with a 2-worker Dask LocalCluster")
    args = parser.parse_args()
    if args.floor:
        print(f"{floor_total(args.floor == 'instrumented'):.3f}")
        return
    if args.instruments:
        compare_instruments(args.instruments)
        return
    mix = sample_mix(args.n)
    if args.executors:
        compare_executors(mix)
        return
    references: dict = {}
    figures = tempfile.TemporaryDirectory(prefix="bench-figures-")

    def settings_for(lab):
        if lab.id not in references:
            reference = ReferenceSolution(lab.rubric, lab.reference_path, seed=1)
            reference.warm()
            # Figures kept as `grade` keeps them (PNG rendering and copying are part of its cost).
            references[lab.id] = (reference, RunSettings(seed=1, figures_root=Path(figures.name)))
        return references[lab.id]

    print(f"{len(mix)} submissions on {platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.machine()}")
    # One pass over the distinct submissions first, so that first-use costs (imports, lazy initialisation)
    # are charged to neither the plain nor the instrumented pass below (they were, to the plain one, until
    # 2026-12-02: it made the instruments look cheaper than they are).
    for lab, s in {s.student + lab.id: (lab, s) for lab, s in mix}.values():
        floor_seconds(lab, s, settings_for(lab)[1])
    floors = [floor_seconds(lab, s, settings_for(lab)[1]) for lab, s in mix]
    print(f"floor    median {statistics.median(floors):6.3f} s  total {sum(floors):7.1f} s  (student code alone)")
    settle_for_a_batch()  # as `grade`'s executors settle their process once the references are warm
    counted = CountingLauncher(WarmLauncher())
    warm, results = time_launcher(mix, counted, settings_for)
    print(describe("warm", warm, floors))
    parts = sum(len(s.parts) for _, s in mix)
    lines = [f"runs: {counted.runs} for {parts} parts ({counted.runs - parts} extra: other seeds and moved inputs); "
             f"overhead per run: median submission overhead / runs per part = "
             f"{statistics.median(t - f for t, f in zip(warm, floors)) * parts / counted.runs:.3f} s"]
    recorder = child.Recorder(unit_files={}, evaluations={}, scratch="")
    child.install(recorder)  # from here on, this process's torch is instrumented
    instrumented = [floor_seconds(lab, s, settings_for(lab)[1], recorder) for lab, s in mix]
    lines.append(f"instruments: student code {sum(floors):.1f} s plain, {sum(instrumented):.1f} s instrumented "
                 f"(+{100 * (sum(instrumented) / sum(floors) - 1):.1f}%); per submission median "
                 f"+{100 * statistics.median(i / f - 1 for i, f in zip(instrumented, floors) if f > 0.01):.1f}%")
    if not args.skip_fresh:
        fresh, _ = time_launcher(mix, SubprocessLauncher(), settings_for)
        print(describe("fresh", fresh, floors))
        lines.append(f"warm is {sum(fresh) / sum(warm):.1f}x faster than fresh")
    if not args.skip_kernel:
        kernel = [kernel_seconds(lab, s, settings_for(lab)[1]) for lab, s in mix]
        print(describe("kernel", kernel, floors))
        lines.append(f"warm is {sum(kernel) / sum(warm):.1f}x faster than kernel")
    workers = default_workers()
    pooled = pool_seconds(mix, settings_for, workers)
    print(f"class    {workers} worker(s), as `grade` runs it: total {pooled:7.1f} s  ({pooled / len(mix):.3f} s per submission)")
    if not args.skip_kernel:
        lines.append(f"the class with {workers} worker(s) is {sum(kernel) / pooled:.1f}x faster than kernel, one at a time")
    writing = writing_seconds(results)
    lines.append(f"writing results, reports, gradebooks and dashboards: {writing:.2f} s, "
                 f"{100 * writing / sum(warm):.1f}% of the warm total")
    peaks = [r.peak_memory_mib for _, r in results if r.peak_memory_mib]
    if peaks:
        lines.append(f"peak resident memory of a warm child: median {statistics.median(peaks):.0f} MiB, "
                     f"max {max(peaks):.0f} MiB (pages shared with the zygote included)")
    print("\n".join(lines))

if __name__ == "__main__":
    main()
