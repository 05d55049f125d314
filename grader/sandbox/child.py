"""The harness that runs inside the child process, beside student code.

It executes the units (cells or scripts) one by one in a shared namespace,
then makes the requested observations and writes each one as a JSON line to
the message file as soon as it exists, so that a later crash or kill loses
nothing already observed. It decides no verdict: expected values never reach
this process.

Started by grader.sandbox.launcher as::

    python -I -c BOOT ROOT JOB.json MESSAGES.jsonl
"""
from __future__ import annotations

import ast
import builtins
import io
import json
import linecache
import os
import random
import re
import signal
import sys
import time
import traceback

from grader.observe.instruments import KEY, Recorder, install
from grader.observe.sites import instrumented
from grader.sandbox.encode import encode
from grader.sandbox.frozen import builtins_restorer, json_line_encoder, snapshot
from grader.sandbox.protocol import REPLIES, REQUESTS
from grader.sandbox.between import (baseline_now, escaped_processes, fresh_process_needed, restored,
                                    short_of_room)
from grader.sandbox.between import preload as preload_baseline
from grader.sandbox.isolation import die_with, isolate
from grader.sandbox.job import CodeUnit, Job, PartPaths, ProbeSpec, RunSet, StrategySpec


class TimeLimitReached(BaseException):
    """Raised by the alarm; a BaseException so `except Exception` cannot swallow it."""


class CappedText(io.TextIOBase):
    """A text stream that keeps the first ``limit`` characters and counts the rest."""

    def __init__(self, limit: int):
        self._parts: list[str] = []
        self._kept = 0
        self._limit = limit
        self.dropped = 0

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        text = str(text)
        room = self._limit - self._kept
        if room > 0:
            self._parts.append(text[:room])
            self._kept += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def getvalue(self) -> str:
        text = "".join(self._parts)
        if self.dropped:
            text += f"\n… {self.dropped} more characters not shown"
        return text


class Channel:
    """The one line-oriented pipe back to the grader (a file outside the scratch dir).

    Its encoder and the file's methods are bound when it opens, before student code runs: replacing
    `json.dumps` or the file class afterwards does not change what is sent.
    """

    def __init__(self, path: str):
        handle = open(path, "w", encoding="utf-8")
        self._line, self._write, self._flush = json_line_encoder(), handle.write, handle.flush

    def send(self, message: dict) -> None:
        self._write(self._line(message))
        self._flush()


def _on_alarm(signum, frame):
    raise TimeLimitReached()


def restore_builtins() -> None:
    """Put Python's builtins back as the harness found them (set by `serve`; a no-op elsewhere)."""


def _with_time_limit(seconds: float, action):
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return action()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _describe_error(error: BaseException, filename_prefix: str = "<") -> dict:
    """Type, message and a traceback trimmed to the student's own frames."""
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if not frame.filename.endswith(("grader/sandbox/child.py",))
    ]
    lines = traceback.format_list(frames) + traceback.format_exception_only(type(error), error)
    return {
        "type": type(error).__name__,
        "message": str(error)[:2000],
        "traceback": "".join(lines)[-6000:],
    }


def _register_source(filename: str, source: str) -> None:
    # linecache lets tracebacks quote the student's own lines for cells too.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)


class _FigureWatch:
    """Figures the student's own code closes or clears (`plt.savefig(…); plt.close()`), described just before
    they go, so that a plot saved to a file and closed counts as drawn like one left open for the end of the
    unit. Installed once per child; the grader's own closing goes through `close_figures`, unwatched."""

    def __init__(self) -> None:
        self.unit = 0
        self.directory: str | None = None
        self.pending: list[dict] = []
        self.count = 0
        self.close = None  # pyplot's own close and clf, kept for the grader
        self.clf = None
        # Figures to save as PNGs once the part's answers are in (Job.draw_after), else None: saved at once.
        self.drawings: list[tuple[object, str]] | None = None

    def install(self) -> None:
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is None or self.close is not None:
            return
        self.close, self.clf = pyplot.close, pyplot.clf

        def close(fig=None):
            try:
                self._describe_closing(pyplot, fig)
            except Exception:
                pass  # never let describing a figure change what the student's code does
            return self.close(fig)

        def clf():
            try:
                if pyplot.get_fignums():
                    self._keep(pyplot.gcf(), now=True)  # the same figure object is drawn on again
            except Exception:
                pass
            return self.clf()

        pyplot.close, pyplot.clf = close, clf

    def _describe_closing(self, pyplot, fig) -> None:
        if fig is None:
            if pyplot.get_fignums():
                self._keep(pyplot.gcf())
        elif fig == "all":
            for number in pyplot.get_fignums():
                self._keep(pyplot.figure(number))
        elif isinstance(fig, int) and fig in pyplot.get_fignums():
            self._keep(pyplot.figure(fig))
        elif hasattr(fig, "get_axes"):
            self._keep(fig)

    def _keep(self, figure, now: bool = False) -> None:
        if len(self.pending) < MAX_CLOSED_FIGURES and any(axis.has_data() for axis in figure.get_axes()):
            self.count += 1
            self.pending.append(_describe_figure(figure, f"unit{self.unit}-closed{self.count}", self.directory,
                                                 None if now else self.drawings))

    def take(self) -> list[dict]:
        taken, self.pending = self.pending, []
        return taken


MAX_CLOSED_FIGURES = 20  # per unit: a loop that plots and closes a figure per epoch keeps the first ones
_FIGURES = _FigureWatch()


def _describe_figure(figure, name: str, figures_dir: str | None,
                     drawings: list[tuple[object, str]] | None = None) -> dict:
    """The figure's data (each line's values, titles, labels), and, given a folder, its PNG there: saved now, or
    put on `drawings` to be saved once the part's answers are in (`draw_deferred`)."""
    axes = []
    for axis in figure.get_axes():
        lines = axis.get_lines()
        axes.append({
            "title": axis.get_title()[:200],
            "xlabel": axis.get_xlabel()[:200],
            "ylabel": axis.get_ylabel()[:200],
            "lines": [len(line.get_xdata()) for line in lines],
            "data": [_line_data(line) for line in lines[:8]],
        })
    image = os.path.join(figures_dir, f"{name}.png") if figures_dir else None
    try:
        if image and drawings is not None:
            drawings.append((figure, image))
        elif image:
            figure.savefig(image, dpi=72)  # tens of milliseconds a figure: only where a report shows it
    except Exception:
        image = None
    return {"axes": axes, "image": os.path.basename(image) if image else None}


def _capture_figures(unit_index: int, figures_dir: str | None) -> list[dict]:
    """Describe (and, given a folder, save as PNG) every figure of the unit, those its code closed first, then
    close the open ones like Jupyter does."""
    figures = _FIGURES.take()
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is None:
        return figures
    for number in pyplot.get_fignums():
        figures.append(_describe_figure(pyplot.figure(number), f"unit{unit_index}-fig{number}", figures_dir,
                                        _FIGURES.drawings))
    close_figures()
    return figures


FIGURE_POINTS = 300  # points kept per plotted line: the first and last halves of a long curve


def _line_data(line) -> list[list[float]]:
    """A plotted line's x and y values as plain floats, at most FIGURE_POINTS of them."""
    try:
        xs = [float(v) for v in line.get_xdata()]
        ys = [float(v) for v in line.get_ydata()]
    except (TypeError, ValueError):
        return [[], []]
    if len(ys) > FIGURE_POINTS:
        half = FIGURE_POINTS // 2
        xs, ys = xs[:half] + xs[-half:], ys[:half] + ys[-half:]
    return [[_finite(v) for v in xs], [_finite(v) for v in ys]]


def _finite(value: float) -> float | str:
    return value if value == value and abs(value) != float("inf") else str(value)


def draw_deferred(job: Job) -> None:
    """Save the figures whose PNGs waited for the part's answers (Job.draw_after), each under the unit alarm; a
    figure that cannot be drawn is left out, as one that failed at once would be."""
    drawings, _FIGURES.drawings = _FIGURES.drawings or [], None
    for figure, image in drawings:
        try:
            _with_time_limit(job.unit_timeout, lambda: figure.savefig(image, dpi=72))
        except BaseException:
            pass


def close_figures() -> None:
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        (_FIGURES.close or pyplot.close)("all")
    _FIGURES.pending = []


def _compiled(unit: CodeUnit, index: int, job: Job, recorder: Recorder | None):
    """The unit's code, with report sites and function entries routed through the recorder."""
    tree = ast.parse(unit.source, unit.filename, "exec")
    if recorder is None:
        return compile(tree, unit.filename, "exec")
    try:
        tree, _sites, entries = instrumented(tree, unit.source, cell=job.part.endswith(".ipynb"),
                                             key_base=index * KEY, printers=frozenset(job.printers))
        recorder.entries.update({index * KEY + entry.index: entry.qualname for entry in entries})
        return compile(tree, unit.filename, "exec")
    except SyntaxError:
        raise
    except Exception:  # an instrumentation problem must never stop the student's code from running
        return compile(unit.source, unit.filename, "exec")


def run_unit(unit: CodeUnit, index: int, namespace: dict, job: Job, figures_dir: str,
             recorder: Recorder | None = None) -> dict:
    """Run one cell or script; whatever happens, return a report of it."""
    _register_source(unit.filename, unit.source)
    if recorder is not None:
        recorder.begin(unit=index, namespace=namespace)
    stdout, stderr = CappedText(job.output_limit), CappedText(job.output_limit)
    report = {"type": "unit", "index": index, "label": unit.label, "status": "ok", "error": None}
    started = time.monotonic()
    _FIGURES.unit, _FIGURES.directory = index, figures_dir if job.images else None
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = stdout, stderr
    try:
        code = _compiled(unit, index, job, recorder)
        _with_time_limit(job.unit_timeout, lambda: exec(code, namespace))
    except TimeLimitReached:
        report["status"] = "timeout"
        report["error"] = {"type": "Timeout", "message": f"stopped after {job.unit_timeout:g} s", "traceback": ""}
    except SyntaxError as error:
        report["status"] = "error"
        report["error"] = {
            "type": "SyntaxError",
            "message": f"{error.msg} (line {error.lineno})",
            "traceback": "".join(traceback.format_exception_only(type(error), error))[-3000:],
        }
    except SystemExit as error:
        report["status"] = "exit"
        report["error"] = {"type": "SystemExit", "message": f"exit({error.code!r}) called", "traceback": ""}
    except BaseException as error:  # student code may raise anything at all
        report["status"] = "error"
        report["error"] = _describe_error(error)
    finally:
        restore_builtins()
        sys.stdout, sys.stderr = saved
    report["elapsed"] = round(time.monotonic() - started, 4)
    report["stdout"] = stdout.getvalue()
    report["stderr"] = stderr.getvalue()
    try:
        report["figures"] = _capture_figures(index, figures_dir if job.images else None)
    except Exception as error:
        report["figures"] = []
        report["stderr"] += f"\n(figures could not be captured: {type(error).__name__})"
    return report


def evaluate(code: str, namespace: dict):
    """Run probe code; the value of a final expression statement is the result."""
    tree = ast.parse(code, "<probe>", "exec")
    result = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
        exec(compile(tree, "<probe>", "exec"), namespace)
        result = eval(compile(last, "<probe>", "eval"), namespace)
    else:
        exec(compile(tree, "<probe>", "exec"), namespace)
        result = namespace.get("result")
    return result


def seed_everything(seed: int) -> None:
    """Same seed for the student and the reference, before every observation."""
    random.seed(seed)
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed(seed % 2**32)
    torch = sys.modules.get("torch")
    if torch is not None:
        _seed_torch(torch, seed)


def _seed_torch(torch, seed: int) -> None:
    """torch.manual_seed, without its cost where torch was built for the CPU alone.

    torch.manual_seed also queues a seed for every accelerator not yet started, and formats the caller's
    stack for each queued call: about 0.2 ms, paid before every part and every observation. A build with no
    accelerator can never start one, so there the CPU generator's seed is all the call does.
    """
    accelerator = getattr(getattr(torch, "accelerator", None), "current_accelerator", None)
    if accelerator is None or accelerator() is not None:  # never poisons fork, unlike is_available()
        torch.manual_seed(seed)
    else:
        torch.default_generator.manual_seed(int(seed))


def choose_strategy(probe: ProbeSpec, namespace: dict) -> tuple[int, StrategySpec] | None:
    for index, strategy in enumerate(probe.strategies):
        if all(name in namespace for name in strategy.needs):
            return index, strategy
    return None


def observe(probe: ProbeSpec, namespace: dict, job: Job, extras: dict, recorder: Recorder | None = None) -> list[dict]:
    """Make one probe's observations: one per case, or one for a script strategy.

    ``extras`` are grader-made names (such as ``__figures__``, the figures the
    units drew) that probe code may read besides the student's own names.
    """
    chosen = choose_strategy(probe, namespace)
    if chosen is None or chosen[1].script:
        return observe_case(probe, None, namespace, job, extras, recorder)
    messages = []
    for case in range(len(probe.cases)):
        messages.extend(observe_case(probe, case, namespace, job, extras, recorder))
    return messages


def observe_case(probe: ProbeSpec, case: int | None, namespace: dict, job: Job, extras: dict,
                 recorder: Recorder | None = None) -> list[dict]:
    """One observation (a script strategy's one, whatever the case), then the activity of a recorded case."""
    chosen = choose_strategy(probe, namespace)
    if chosen is None:
        return [{"type": "observation", "probe": probe.name, "case": None, "status": "missing"}]
    index, strategy = chosen
    if strategy.script or not isinstance(case, int) or not 0 <= case < len(probe.cases):
        case = None
    scope = dict(namespace)
    scope.update(job.data)
    scope.update(extras)
    if case is not None:
        scope.update(probe.cases[case])
    message = {"type": "observation", "probe": probe.name, "strategy": index, "case": case}
    sink = CappedText(2000)
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = sink, sink
    started = time.monotonic()
    # A contract function is judged by what it returns; where the rubric's family judges training, what it
    # does on the first (the handout's) inputs is recorded as well. Other calls run unwatched, for speed.
    recording = recorder is not None and probe.record and case == 0
    if recording:
        recorder.begin(unit=len(job.units), namespace=scope)
    elif recorder is not None:
        recorder.pause()
    try:
        seed_everything(job.seed)
        value = _with_time_limit(job.probe_timeout, lambda: evaluate(strategy.code, scope))
        message.update(status="ok", value=encode(value))
    except TimeLimitReached:
        message.update(status="timeout", error={"type": "Timeout", "message": f"no answer within {job.probe_timeout:g} s", "traceback": ""})
    except BaseException as error:  # student code may raise anything at all
        message.update(status="error", error=_describe_error(error))
    finally:
        restore_builtins()
        sys.stdout, sys.stderr = saved
        close_figures()
        if recorder is not None and not recording:
            recorder.resume()
    message["elapsed"] = round(time.monotonic() - started, 4)
    messages = [message]
    if recording:
        messages.append({**flush_activity(recorder, job), "probe": probe.name})
    return messages


def reply_channel(channel_dir: str):
    """The child's end of the grader's reply pipe (grader.sandbox.protocol), bound now, before student code
    runs: (a function that sends one reply, the pipe's descriptor)."""
    handle, write, line = os.open(os.path.join(channel_dir, REPLIES), os.O_WRONLY), os.write, json_line_encoder()

    def reply(message: dict) -> None:
        data = line(message).encode()
        while data:
            data = data[write(handle, data):]

    return reply, handle


def answer_requests(job: Job, namespace: dict, extras: dict, recorder: Recorder | None, send, reply,
                    channel_dir: str) -> None:
    """Answer the grader's requests in the order they come, each reply carrying its request's nonce, until it
    says end (grader.sandbox.protocol)."""
    requests = os.open(os.path.join(channel_dir, REQUESTS), os.O_RDWR)  # never waits for the grader's end
    try:
        reply({"type": "ready"})
        _answer(requests, job, namespace, extras, recorder, send, reply)
    finally:
        os.close(requests)


def _answer(requests: int, job: Job, namespace: dict, extras: dict, recorder: Recorder | None, send,
            reply) -> None:
    probes = {probe.name: probe for probe in job.probes}
    whole: set[str] = set()  # probes answered once for all their cases: their other requests get no answer
    pending = b""
    while True:
        while b"\n" not in pending:
            chunk = os.read(requests, 65536)
            if not chunk:
                return
            pending += chunk
        line, pending = pending.split(b"\n", 1)
        try:
            request = json.loads(line)
            nonce = str(request["nonce"])
        except (ValueError, KeyError, TypeError):
            continue
        if request.get("type") == "end":
            _flush_output()  # before the grader, which may stop waiting for this process, reads it
            reply({"type": "ended", "nonce": nonce})
            return
        probe = probes.get(request.get("probe"))
        if probe is None or probe.name in whole:
            continue
        messages = observe_case(probe, request.get("case"), namespace, job, extras, recorder)
        if messages[0].get("case") is None:
            whole.add(probe.name)
        reply({**messages[0], "nonce": nonce})
        for message in messages[1:]:
            send(message)


def flush_activity(recorder: Recorder, job: Job) -> dict:
    """The recorder's activity for the span that just ended, as a message."""
    try:
        return recorder.flush(lambda action: _with_time_limit(job.probe_timeout, action)).to_json()
    except TimeLimitReached:
        return {"type": "activity", "unit": recorder.unit, "dropped": 1}
    finally:
        restore_builtins()


class Answers:
    """`input()` as a TA at the keyboard would answer it: the exercise's example value for the name the
    prompt mentions ("Enter x: " gets x's), else the next one in order; after that, end of input."""

    def __init__(self, answers: dict[str, str]):
        self.answers = dict(answers)
        self.order = list(answers)
        self.given: list[str] = []

    def __call__(self, prompt: object = "") -> str:
        text = str(prompt)
        sys.stdout.write(text)
        words = {w.lower() for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text)}
        name = next((n for n in self.order if n.lower() in words), None) or (self.order[0] if self.order else None)
        if name is None:
            raise EOFError("EOF when reading a line (the grader has no more answers)")
        self.order.remove(name)
        value = self.answers[name]
        sys.stdout.write(value + "\n")
        self.given.append(f"{name} = {value}")
        return value


def _prepare_process(job: Job) -> Recorder | None:
    """What every part run in this process shares: torch's thread count, the figure watch and the recorder in
    torch's way (None where torch is missing or cannot be watched). Each part sets its own alarm and stdin."""
    os.environ["MPLBACKEND"] = "Agg"
    try:
        import torch

        # The zygote forked with one thread and no pool, so a pool made here is
        # this child's own (a pool inherited across fork would deadlock).
        torch.set_num_threads(max(1, job.threads))
    except Exception:
        return None
    if _RECORDER is None:
        _install_instruments()
    return _RECORDER


_RECORDER: Recorder | None = None  # in torch's way, watching whichever job runs (set by _install_instruments)
_HARNESS: dict | None = None  # the zygote's snapshot, instruments installed: what every fork of it starts from


def _install_instruments() -> None:
    global _RECORDER
    _FIGURES.install()
    recorder = Recorder(unit_files={}, evaluations={}, scratch="")
    try:
        install(recorder)
    except Exception:
        return
    _RECORDER = recorder


def preload_harness() -> None:
    """In the zygote: take the harness's snapshot, put its instruments in torch's way and read the baseline a
    set's parts are put back to (grader.sandbox.between) once, for every fork to inherit instead of doing all
    three again. The zygote never runs student code, so what a fork inherits is as pristine as what it would
    take itself."""
    global _HARNESS
    space = harness()
    space["_install_instruments"]()
    # Into the snapshot's own copy of grader.sandbox.between, the one a fork's harness reads: taken last.
    space["preload_baseline"]()
    _HARNESS = space


REHEARSAL_FOLDER = "/nonexistent/labgrade-rehearsal"  # no module comes from it: putting back forgets none


def rehearse_putting_back() -> None:
    """In a fork waiting for its run: put back a state nothing has changed, which changes nothing. The first
    time a fork reads every module, logger and rcParam it copies the pages it touches (some 5 ms, paid by a
    set's first part otherwise); here they are copied while nothing waits."""
    if _HARNESS is not None:
        _HARNESS["restored"](_HARNESS["baseline_now"](), REHEARSAL_FOLDER)


def _prepare_part(job: Job, scratch: str, recorder: Recorder | None) -> None:
    """What is each part's own: its answers to input(), its folder on the path, its argv, its recorder's view."""
    builtins.input = Answers(job.answers)
    sys.stdin = io.StringIO("")
    # Student helper modules next to their script may be imported, but they
    # come last on the path so a file named torch.py cannot shadow torch.
    sys.path.append(scratch)
    sys.argv = [job.part]
    signal.signal(signal.SIGALRM, _on_alarm)
    if recorder is not None:
        recorder.start_job(unit_files={unit.filename: index for index, unit in enumerate(job.units)},
                           evaluations=dict(job.evaluations), scratch=scratch)


def display(*objects, **_options) -> None:
    """Jupyter's `display()`, as a text console shows it: each object's repr on a line.

    Jupyter puts `display` in every notebook's builtins, so notebooks call it
    without importing it; here it writes to the captured output instead.
    """
    for value in objects:
        print(repr(value))


def starting_namespace(job: Job) -> dict:
    """A fresh `__main__`; a notebook's also has what Jupyter provides without an import."""
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    if job.part.endswith(".ipynb"):
        namespace["display"] = display
    return namespace


def main(job_path: str, messages_path: str, grader: str | None = None) -> None:
    """Run one job, or a set of them one after another (grader.sandbox.job.RunSet); never returns. Given the
    pid of the `grader` that started this process (the fresh launcher's), the process ends with it; a fork of
    the zygote has the zygote for that (grader.sandbox.zygote)."""
    with open(job_path, encoding="utf-8") as handle:
        data = json.load(handle)
    if isinstance(data, dict) and data.get("type") == "set":
        runs = RunSet.from_json(data)
        folders = [folder for part in runs.parts for folder in (part.scratch, os.path.dirname(part.messages))]
        report = _isolated(runs.hide, runs.uid, [os.getcwd(), *folders, os.path.dirname(messages_path)], grader)
        (_HARNESS or harness())["serve_parts"](runs, report)
    job = Job.from_json(data)
    report = _isolated(job.hide, job.uid, [os.getcwd(), os.path.dirname(messages_path)], grader)
    (_HARNESS or harness())["serve"](job, messages_path, report)


def _isolated(hide: tuple[str, ...], uid: int | None, keep_visible: list[str], grader: str | None):
    """Isolation, applied once, before any student code exists (it holds for every part of a set); then, for
    a run with a `grader` to end with, that end, which must follow the uid's change that would clear it."""
    report = isolate(list(hide), uid, keep_visible=keep_visible)
    if grader:
        die_with(int(grader))
    return report


HARNESS_MODULES = ("grader.sandbox.child", "grader.sandbox.encode", "grader.observe.events",
                   "grader.observe.instruments", "grader.observe.sites", "grader.sandbox.between")


def harness() -> dict:
    """This module's functions bound to a private snapshot (grader.sandbox.frozen), taken now, before any
    student code exists in the process: what the student later patches by attribute, the harness never sees."""
    return snapshot([sys.modules[name] for name in HARNESS_MODULES if name in sys.modules])["grader.sandbox.child"]


def serve(job: Job, messages_path: str, report) -> None:
    """Run one job's units and probes in this process, writing every message as it happens; never returns.

    An exception that escapes is the harness's own (student code runs inside guards that catch everything):
    it is reported as such, so that the grader never blames the student for it.
    """
    send = Channel(messages_path).send  # bound now: patching the class later changes nothing here
    try:
        recorder = _prepare_process(job)
        _serve(job, messages_path, report, send, recorder)
    except BaseException as error:
        _harness_failed(send, error)
    # Skip interpreter teardown: student atexit hooks and __del__ methods get no last word.
    os._exit(0)


def serve_parts(runs: RunSet, report) -> None:
    """Run the parts of a set one after another in this process, then those of each follow-on set named on
    the set's feed, until the feed ends; never returns.

    Each part has its own channel, scratch folder, output file and namespace, and what it changed in the
    process is put back before the next (grader.sandbox.between). The grader keeps each part's wall clock,
    from the end of the part before it (grader.sandbox.warm). A part after which the process cannot be
    trusted to be as new is the last this process runs: the grader runs the rest elsewhere.
    """
    feed = _open_feed(runs.feed)  # before any student code: its code can read the feed, never write it
    recorder = baseline = None
    parts = runs.parts
    while parts:
        for index, paths in enumerate(parts):
            _enter_part(paths)
            send = Channel(paths.messages).send
            try:
                with open(paths.job, encoding="utf-8") as handle:
                    job = Job.from_json(json.load(handle))
                if baseline is None:
                    recorder = _prepare_process(job)
                    baseline = baseline_now()
                _serve(job, paths.messages, report, send, recorder)
            except BaseException as error:
                _harness_failed(send, error)
            try:
                restored(baseline, paths.scratch)
                spent = fresh_process_needed(baseline)
            except BaseException:  # the part left the process beyond repair; its own answers are all in
                spent = True
            if spent or short_of_room(paths.scratch, runs.room_each, len(parts) - index - 1):
                os._exit(0)
        if feed is not None and (escaped_processes(runs.uid)
                                 or short_of_room(parts[-1].scratch, runs.room_each, len(runs.parts))):
            os._exit(0)  # a daemon could read the feed, or a next set would lack room: it runs elsewhere
        parts = _followed(feed)
    os._exit(0)


def _open_feed(path: str | None) -> int | None:
    if not path:
        return None
    try:
        return os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # the grader holds the other end: no wait, no end yet
    except OSError:
        return None


def _followed(feed: int | None) -> tuple[PartPaths, ...]:
    """The parts of the follow-on set the grader names on the feed, once it does; none where the feed ends
    (the grader is done with this process) or names nothing readable."""
    if feed is None:
        return ()
    os.set_blocking(feed, True)
    line = b""
    while not line.endswith(b"\n"):
        chunk = os.read(feed, 4096)
        if not chunk:
            return ()
        line += chunk
    try:
        with open(line.decode().strip(), encoding="utf-8") as handle:
            return RunSet.from_json(json.load(handle)).parts
    except (OSError, ValueError, KeyError, TypeError):
        return ()


def _harness_failed(send, error: BaseException) -> None:
    try:
        send({"type": "harness-error", "error": _describe_error(error)})
    finally:
        os._exit(70)


def _flush_output() -> None:
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:
            pass


def _enter_part(paths: PartPaths) -> None:
    """Into the part's scratch folder, with the process's own output going to the part's file."""
    _flush_output()
    output = os.open(paths.stderr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.close(output)
    os.chdir(paths.scratch)


def _serve(job: Job, messages_path: str, report, send, recorder: Recorder | None) -> None:
    global restore_builtins  # of the harness's own snapshot (grader.sandbox.frozen), when it runs from one
    figures_dir = os.path.dirname(messages_path)
    reply, replies = reply_channel(figures_dir)  # opened before student code, held until the part ends
    send({"type": "sandbox", **report.to_json()})
    _prepare_part(job, os.getcwd(), recorder)
    # Whatever student code does to builtins, the standard library the harness calls sees them as they are now.
    restore_builtins = builtins_restorer()
    namespace = starting_namespace(job)
    if recorder is not None:
        namespace.update(recorder.names_for_namespace())
    seed_everything(job.seed)
    _FIGURES.drawings = [] if job.draw_after and job.images else None
    figures = []
    for index, unit in enumerate(job.units):
        send({"type": "start", "unit": index})  # before the student's code: it reached it
        unit_report = run_unit(unit, index, namespace, job, figures_dir, recorder)
        figures.extend(unit_report["figures"])
        send(unit_report)
        if recorder is not None:
            send(flush_activity(recorder, job))
    answer_requests(job, namespace, extras={"__figures__": figures}, recorder=recorder, send=send, reply=reply,
                    channel_dir=figures_dir)
    if job.draw_after and job.images:
        draw_deferred(job)  # the grader judges the answers meanwhile (grader.sandbox.warm)
        try:
            reply({"type": "drawn"})  # the PNGs are all there: no need to wait for this process's end
        except OSError:
            pass  # the grader stopped listening: it waits for the end instead
    namespace.clear()  # the part's objects go now, not with the next part
    os.close(replies)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
