"""What one part of a set leaves in its process, put back before the next part runs.

A set's parts (a submission's scripts, or its runs on moved inputs) run one
after another in one process (grader.sandbox.child.serve_parts): a process costs
tens of milliseconds to fork, warm up and tear down, far more than most
scripts take. A TA runs each script in a fresh interpreter, so whatever a
script commonly changes in the process is taken as it was before the first
part and put back after each one: the environment, `sys.path` and
`sys.argv`, the student's own modules (imported again by the next part, from
its own copy), warnings filters, logging handlers and levels, torch's default
dtype, grad mode, anomaly detection and print options, numpy's print and
error options, and matplotlib's rcParams. Builtins, the working folder,
stdout and the random seeds are the harness's own business (grader.sandbox.child).

What cannot be put back ends the process instead: a part that leaves a
thread or a process of its own running, or whose process state is otherwise
beyond repair, is the last its process runs, and the next part starts in a
fresh fork (`fresh_process_needed`).
"""
from __future__ import annotations

import logging
import os
import sys
import threading
import warnings
from dataclasses import dataclass, field, replace
from itertools import repeat

_MISSING = object()  # an rcParam the part removed


@dataclass
class Baseline:
    """The process as it was before any part's code ran."""

    environ: dict[str, str]
    path: list[str]
    modules: frozenset[str]
    recursion_limit: int
    warning_filters: list
    loggers: dict[str, tuple]  # name -> (handlers, level, propagate, disabled), "" for the root logger
    logging_disabled: int
    threads: int
    torch: dict = field(default_factory=dict)
    numpy: dict = field(default_factory=dict)
    rc: dict = field(default_factory=dict)
    environ_data: dict | None = None  # os.environ's raw bytes, for a quick look (`_environment_as`)


def _logger_state(logger: logging.Logger) -> tuple:
    return list(logger.handlers), logger.level, logger.propagate, logger.disabled


def _loggers() -> dict[str, logging.Logger]:
    found = {"": logging.getLogger()}
    for name, logger in list(logging.Logger.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger):
            found[name] = logger
    return found


# Taken once in the zygote, into the harness snapshot's copy of this module (grader.sandbox.child.preload_harness),
# and inherited by every fork.
PRELOADED: Baseline | None = None


def _raw_environment() -> dict | None:
    data = getattr(os.environ, "_data", None)
    return dict(data) if isinstance(data, dict) else None


def preload() -> None:
    """Take the baseline in the zygote, so that no fork pays for reading every logger and rcParam again."""
    global PRELOADED
    PRELOADED = taken()


def baseline_now() -> Baseline:
    """The baseline for this process: the zygote's, with what a fork sets for itself (its environment and
    path) read now; else taken now."""
    if PRELOADED is None:
        return taken()
    return replace(PRELOADED, environ=dict(os.environ), environ_data=_raw_environment(), path=list(sys.path),
                   threads=threading.active_count())


def taken() -> Baseline:
    """The process's state now, before any student code ran in it."""
    baseline = Baseline(
        environ=dict(os.environ), environ_data=_raw_environment(), path=list(sys.path),
        modules=frozenset(sys.modules),
        recursion_limit=sys.getrecursionlimit(), warning_filters=list(warnings.filters),
        loggers={name: _logger_state(logger) for name, logger in _loggers().items()},
        logging_disabled=logging.root.manager.disable, threads=threading.active_count())
    torch = sys.modules.get("torch")
    if torch is not None:
        baseline.torch = {"dtype": torch.get_default_dtype(), "grad": torch.is_grad_enabled(),
                          "anomaly": torch.is_anomaly_enabled()}
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        baseline.numpy = {"print": numpy.get_printoptions(), "errors": numpy.geterr()}
    matplotlib = sys.modules.get("matplotlib")
    if matplotlib is not None:
        baseline.rc = dict(dict.items(matplotlib.rcParams))
    return baseline


def restored(baseline: Baseline, scratch: str) -> None:
    """Put back what a part changed; `scratch` is its folder, whose modules are forgotten."""
    if not _environment_as(baseline) and dict(os.environ) != baseline.environ:
        os.environ.clear()
        os.environ.update(baseline.environ)
    sys.path[:] = baseline.path
    _forget_modules(baseline.modules, scratch)
    baseline.modules = frozenset(sys.modules)  # libraries the part imported stay, and need no second look
    sys.setrecursionlimit(baseline.recursion_limit)
    warnings.filters[:] = baseline.warning_filters
    getattr(warnings, "_filters_mutated", lambda: None)()  # drops the "once" caches (CPython's own hook)
    _restore_logging(baseline)
    _restore_torch(baseline.torch)
    _restore_numpy(baseline.numpy)
    _restore_rc(baseline.rc)


def _environment_as(baseline: Baseline) -> bool:
    """Whether the environment is surely as it was: its raw bytes compared at once, where os.environ is still
    the standard library's (a dict of it would decode every variable, a fifth of a put-back)."""
    data = getattr(os.environ, "_data", None)
    return isinstance(data, dict) and baseline.environ_data is not None and data == baseline.environ_data


def fresh_process_needed(baseline: Baseline) -> bool:
    """Whether the part left something running that putting state back cannot stop: its own threads, or
    processes it started. The next part then gets a process of its own."""
    return threading.active_count() > baseline.threads or bool(children_of("self"))


def short_of_room(folder: str, room_each: int | None, parts_left: int) -> bool:
    """Whether the set's capped folder has less left than `room_each` bytes for each of `parts_left` parts to
    come (a part wrote more than its share): those parts then run elsewhere, each with a folder of its own."""
    if room_each is None or parts_left <= 0:
        return False
    try:
        stat = os.statvfs(folder)
    except OSError:
        return True
    return stat.f_bavail * stat.f_frsize < room_each * parts_left


def escaped_processes(uid: int | None) -> bool:
    """Whether a process of this set's uid runs outside this process: a double-forked daemon, which the zygote
    (a child subreaper) parents until it next sweeps, and which could read what the grader writes on the
    set's feed. Where runs share the grader's uid, nothing tells the set's own processes apart: none is seen."""
    if uid is None:
        return False
    me = os.getpid()
    return any(pid != me and _real_uid(pid) == uid for pid in children_of(os.getppid()))


def _real_uid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Uid:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def children_of(parent: int | str) -> list[int]:
    """The processes whose parent is `parent` (a pid, or "self" as /proc names this process, which no patched
    os.getpid can change): from its tasks' `children` lists where the kernel keeps them (a few reads, however
    busy the machine), else by scanning every process."""
    try:
        tasks = os.listdir(f"/proc/{parent}/task")
        listed = set()
        for task in tasks:
            with open(f"/proc/{parent}/task/{task}/children", encoding="ascii") as children:
                listed.update(int(pid) for pid in children.read().split())
        return sorted(listed)
    except (OSError, ValueError):
        return _scanned_children_of(int(os.readlink("/proc/self")) if parent == "self" else parent)


def _scanned_children_of(parent: int) -> list[int]:
    children = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            children.append(int(entry))
    return children


def _forget_modules(before: frozenset[str], scratch: str) -> None:
    """The student's modules (imported from the part's folder) are imported again by the next part, from its
    own copy, as a new interpreter would; libraries imported for the first time stay (many cannot be
    imported twice)."""
    folders = (os.path.join(scratch, ""), os.path.join(os.path.realpath(scratch), ""))
    for name in [name for name in sys.modules if name not in before]:
        origin = getattr(sys.modules.get(name), "__file__", None)
        if isinstance(origin, str) and origin.startswith(folders):
            sys.modules.pop(name, None)


def _restore_logging(baseline: Baseline) -> None:
    current = _loggers()
    for name, logger in current.items():
        if name not in baseline.loggers:
            if name == "__main__" or name not in sys.modules:  # the part's own (a library's has its module's name)
                logging.Logger.manager.loggerDict.pop(name, None)
            else:
                logger.handlers[:] = [h for h in logger.handlers if isinstance(h, logging.NullHandler)]
            continue
        saved = baseline.loggers[name]
        if _logger_state(logger) != saved:
            handlers, level, propagate, disabled = saved
            logger.handlers[:] = handlers
            if logger.level != level:
                logger.setLevel(level)  # clears every logger's cache: only where a level changed
            logger.propagate, logger.disabled = propagate, disabled
    if logging.root.manager.disable != baseline.logging_disabled:
        logging.disable(baseline.logging_disabled)


def _restore_torch(saved: dict) -> None:
    torch = sys.modules.get("torch")
    if torch is None or not saved:
        return
    torch.set_default_dtype(saved["dtype"])
    torch.set_grad_enabled(saved["grad"])
    torch.set_anomaly_enabled(saved["anomaly"])
    torch.set_printoptions(profile="default", sci_mode=None)


def _restore_numpy(saved: dict) -> None:
    numpy = sys.modules.get("numpy")
    if numpy is None or not saved:
        return
    numpy.set_printoptions(**saved["print"])
    numpy.seterr(**saved["errors"])


def _restore_rc(saved: dict) -> None:
    matplotlib = sys.modules.get("matplotlib")
    if matplotlib is None or not saved:
        return
    rc = matplotlib.rcParams
    try:
        # Most parts leave rcParams alone: one comparison of two lists, in which a value that is still the
        # saved object compares equal at once, instead of a look-up and an equality test per key.
        if dict.__len__(rc) == len(saved) and list(map(dict.get, repeat(rc), saved, repeat(_MISSING))) == list(
                saved.values()):
            return
    except Exception:
        pass  # a value whose comparison fails: compared one by one below
    changed = {key: value for key, value in saved.items() if key not in rc or dict.__getitem__(rc, key) != value}
    for key in [key for key in dict.keys(rc) if key not in saved]:
        dict.__delitem__(rc, key)
    for key, value in changed.items():
        dict.__setitem__(rc, key, value)  # the values were valid once: no need to validate them again
