"""The harness, bound before student code runs, so that patching by attribute cannot change it.

Student code shares the child process with the harness that observes it.
Before any of it runs, the child takes a *snapshot*: a private copy of the
globals of every harness module, with private copies of Python's builtins and
of the standard modules the harness calls (time limits, the clock, ``os``),
and rebinds every harness function to it. From then on, the harness only
calls those copies, so replacing ``grader.sandbox.child.observe``,
``json.dumps``, ``builtins.isinstance`` or ``signal.setitimer`` afterwards
changes what the *student's* code sees, never what is observed. Messages are
serialised by the C encoder bound here, not through ``json.dumps``.

What this cannot do is stop code that walks the process's objects
(``gc.get_objects``) or frames from reaching the copies themselves; the
grader's source scan (grader.judge.tamper) flags such code for review.
"""
from __future__ import annotations

import builtins
import types

from _json import encode_basestring_ascii as _encode_text  # C functions: nothing to patch in Python
from _json import make_encoder as _make_encoder

# Modules the harness calls that may be copied as a whole (their attributes are read, never assigned).
COPIED_MODULES = ("time", "signal", "os", "json", "random", "traceback", "linecache", "io", "re", "ast")


def _refuse(value):
    raise TypeError(f"not JSON-able: {type(value).__name__}")


def json_line_encoder():
    """A function from a message (plain dict/list/str/number data) to its JSON line, bound to C code now."""
    encode = _make_encoder(None, _refuse, _encode_text, None, ": ", ", ", False, False, False)
    join = "".join

    def line(message) -> str:
        return join(encode(message, 0)) + "\n"

    return line


def builtins_restorer():
    """A function that puts Python's builtins back as they are now: the standard library the harness calls
    (random, traceback) reads the real builtins, so after student code they are restored, not copied."""
    live = vars(builtins)
    saved = dict(live)

    def restore() -> None:
        if live != saved:
            for key in [key for key in live if key not in saved]:
                del live[key]
            live.update(saved)

    return restore


def snapshot(modules: list[types.ModuleType]) -> dict[str, dict]:
    """A private globals dict per harness module, whose functions are rebound to these copies."""
    private_builtins = dict(vars(builtins))
    copies = {name: types.SimpleNamespace(**vars(module)) for name, module in _copied().items()}
    spaces = {}
    for module in modules:
        space = dict(vars(module))
        space["__builtins__"] = private_builtins
        for key, value in list(space.items()):
            if isinstance(value, types.ModuleType) and value.__name__ in copies:
                space[key] = copies[value.__name__]
        spaces[module.__name__] = space
    for space in spaces.values():
        for key, value in list(space.items()):
            if isinstance(value, types.FunctionType) and value.__module__ in spaces:
                space[key] = _rebound(value, spaces[value.__module__])
    return spaces


def _copied() -> dict[str, types.ModuleType]:
    import sys

    return {name: sys.modules[name] for name in COPIED_MODULES if name in sys.modules}


def _rebound(function: types.FunctionType, space: dict) -> types.FunctionType:
    copy = types.FunctionType(function.__code__, space, function.__name__, function.__defaults__,
                              function.__closure__)
    copy.__kwdefaults__ = function.__kwdefaults__
    copy.__qualname__ = function.__qualname__
    return copy
