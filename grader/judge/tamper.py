"""Code that reaches into the grader or its own process's internals, found in the source before it runs.

Student code shares its process with the harness that observes it, so it
could patch, read or bypass that harness. Nothing here stops it (the sandbox
and the protocol do what can be done); this makes the attempt *visible*: the
submission is graded as usual and flagged for a person to review, with the
line that does it. Normal lab code — plots, ``torch.no_grad()``, ``sys.exit``,
``if "google.colab" in sys.modules`` — is not flagged.

Decided from the syntax tree in the grader's process, never from the child.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from grader.observe.source import dotted_name, import_aliases, nodes, parsed

# Calls that read or walk the interpreter's own objects and frames.
_INTROSPECTION = {
    "gc.get_objects": "lists every object in the process",
    "gc.get_referrers": "walks the process's objects",
    "gc.get_referents": "walks the process's objects",
    "sys._getframe": "walks the call stack",
    "sys._current_frames": "walks the call stack",
    "inspect.stack": "walks the call stack",
    "inspect.currentframe": "walks the call stack",
    "inspect.getouterframes": "walks the call stack",
    "inspect.trace": "walks the call stack",
    "sys.settrace": "traces the harness's own code",
    "sys.setprofile": "traces the harness's own code",
    "os.write": "writes to a file descriptor it did not open",
    "os.fdopen": "opens a file descriptor it did not open",
    "os.dup2": "replaces a file descriptor",
    "os.dup": "copies a file descriptor",
    "os.pwrite": "writes to a file descriptor it did not open",
}
# Attributes that lead from an object to the interpreter's internals.
_INTERNALS = {"f_back": "walks the call stack", "f_globals": "reads another frame's names",
              "f_locals": "reads another frame's names", "tb_frame": "walks the call stack",
              "gi_frame": "walks the call stack", "__globals__": "reads a function's module",
              "__subclasses__": "lists every class in the process"}
_DYNAMIC = {"eval", "exec", "compile"}
_IMPORTS = {"ctypes": "loads native code", "cffi": "loads native code", "grader": "imports the grader",
            "_ctypes": "loads native code"}
MAX_FINDINGS = 5


@dataclass(frozen=True)
class Finding:
    """One line that reaches into the grader: where, and what it does."""

    where: str  # "q5.py" or "cell 3"
    line: int
    what: str  # "gc.get_objects(): lists every object in the process"

    def __str__(self) -> str:
        return f"{self.where} line {self.line}: {self.what}"


def findings(units: list[tuple[str, str]]) -> list[Finding]:
    """Every line of the given (label, source) units that reaches into the grader, at most MAX_FINDINGS."""
    found: list[Finding] = []
    for label, source in units:
        tree = parsed(source)
        if tree is None:
            continue
        aliases = import_aliases([tree])
        for node in nodes(tree):
            what = _reaches(node, aliases)
            line = getattr(node, "lineno", 0)
            if what and not any(f.where == label and f.line == line for f in found):
                found.append(Finding(where=label, line=line, what=what))
    return first_findings(found)


def first_findings(found: list[Finding]) -> list[Finding]:
    """Findings in order of place, at most MAX_FINDINGS: what `findings` gives of all the units whose findings
    these are, found a unit at a time."""
    return sorted(found, key=lambda f: (f.where, f.line))[:MAX_FINDINGS]


def review_reason(found: list[Finding]) -> str:
    """The flag's wording on the dashboard and the instructor's page."""
    return "reaches into the grader (" + "; ".join(str(f) for f in found) + ")"


def _reaches(node: ast.AST, aliases: dict[str, str]) -> str:
    """What this node does to the grader, or ""."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        if isinstance(node, ast.ImportFrom) and node.module == "grader" and [a.name for a in node.names] == ["check"]:
            return ""  # the self-check kit's own entry point, which its starter notebook imports
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        for name in names:
            top = name.split(".")[0]
            if top in _IMPORTS:
                return f"import {name}: {_IMPORTS[top]}"
        return ""
    if isinstance(node, ast.Call):
        name = dotted_name(node.func, aliases)
        if name in _INTROSPECTION:
            return f"{name}(): {_INTROSPECTION[name]}"
        if isinstance(node.func, ast.Name) and node.func.id in _DYNAMIC and node.args and not (
                isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            return f"{node.func.id}() of a computed string: runs code the grader cannot read"
        if name in ("setattr", "delattr") and node.args and _is_builtins(node.args[0], aliases):
            return f"{name}(builtins, …): patches Python's builtins"
        if name in ("open", "io.open", "os.open") and node.args and _is_proc_self(node.args[0]):
            return "opens /proc/self: reads the process's own internals"
        if name == "open" and node.args and isinstance(node.args[0], ast.Constant) and isinstance(
                node.args[0].value, int):
            return "open() of a file descriptor number: writes where the grader listens"
        return ""
    if isinstance(node, ast.Attribute) and node.attr in _INTERNALS:
        return f".{node.attr}: {_INTERNALS[node.attr]}"
    if isinstance(node, ast.Subscript) and dotted_name(node.value, aliases) == "sys.modules":
        return "sys.modules[…]: reaches loaded modules, the grader's among them"
    if isinstance(node, ast.Attribute) and dotted_name(node.value, aliases) == "sys.modules" and node.attr in (
            "get", "values", "items", "pop", "copy"):
        return f"sys.modules.{node.attr}: reaches loaded modules, the grader's among them"
    if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
        targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
        for target in targets:
            if isinstance(target, (ast.Attribute, ast.Subscript)) and _is_builtins(target.value, aliases):
                return "assigns into builtins: patches Python's builtins"
        return ""
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and "/proc/self" in node.value:
        return "names /proc/self: reads the process's own internals"
    return ""


def _is_builtins(node: ast.AST, aliases: dict[str, str]) -> bool:
    name = dotted_name(node, aliases)
    return name in ("builtins", "__builtins__") or (isinstance(node, ast.Name) and node.id == "__builtins__")


def _is_proc_self(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("/proc/")
