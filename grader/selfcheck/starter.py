"""The starter notebook of a student kit, from a course's ``starters/<lab>.toml``.

A starter file is course material, like a rubric: the lab's tasks in the
course's words and a stub for every name the contract needs. The format::

    title = "…"                 # optional; the rubric's title by default
    intro = "…"                 # Markdown, at the top of the notebook
    setup = "import torch"      # the first code cell

    [exercises.Q2]              # one table per exercise of the rubric, none missing
    task = "…"                  # Markdown: what to do, in your own words
    data = "q2_x = torch.tensor({{ q2_x }})"
                                # optional: the handout's data for this exercise, as code; each
                                #   {{ name }} is the rubric's [data] value of that name, written
                                #   as a Python literal (so numbers are typed once, in the rubric)
    code = "def f(x): …"        # the stubs (optional: an exercise may use an earlier one's): each
                                #   def/class with a docstring saying what to return, each body
                                #   raising NotImplementedError with a kind message
    demo = "…"                  # optional: a cell that uses the stubs (a plot, a printout)

The notebook gets one section per exercise — the task, its data, the stubs,
the demo and a self-check cell, ``check("Q2")`` — in the rubric's order.
Building it fails, saying what is wrong, if a contract name has no stub or a
stub has no docstring (the kit must never hand out less than the contract),
or if a data cell names a value the rubric's ``[data]`` does not have, or
defines a function, a class or a name of the contract (data is data, never a
piece of the answer).
"""
from __future__ import annotations

import ast
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import nbformat

from grader.errors import GraderError
from grader.observe.source import parse
from grader.rubric import Rubric
from grader.selfcheck.locate import contract_names

USAGE = """**How to work.** Each section below is one exercise: read the task, replace every
`raise NotImplementedError(...)` with your code (keep the names and the parameters: the
grader calls your functions with inputs of its own), then run the `check(...)` cell under it.
The check runs the exercise's *visible* checks on your live notebook and shows what passed,
what came back and a hint. Your instructor's grader also runs hidden checks, on inputs of its own.
Run the cells from the top after restarting the kernel before you hand the notebook in."""

CHECK_IMPORT = """# The self-check: it needs the grading engine from this kit (see README.md, "Install").
from grader import check"""


@dataclass(frozen=True, kw_only=True)
class ExerciseStarter:
    id: str
    task: str
    code: str = ""  # the stubs
    data: str = ""  # the exercise's data cell, its {{ name }} placeholders already filled in
    demo: str = ""


@dataclass(frozen=True, kw_only=True)
class Starter:
    lab: str
    title: str
    intro: str
    setup: str
    exercises: tuple[ExerciseStarter, ...]


def _top_level_names(source: str, where: str) -> set[str]:
    try:
        tree = parse(source)
    except SyntaxError as error:
        raise GraderError(f"{where}: the stub code does not parse ({error.msg}, line {error.lineno})") from None
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if not ast.get_docstring(node):
                raise GraderError(f"{where}: `{node.name}` needs a docstring saying what it returns")
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")
LINE = 96  # where a long literal wraps


def _items(value) -> list[str]:
    return [_inline(item) for item in value]


def _inline(value) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_items(value)) + "]"
    if isinstance(value, (bool, int, float, str)):
        return repr(value)
    raise TypeError(f"{type(value).__name__} is not a data value")


def python_literal(value, column: int = 0) -> str:
    """A [data] value as Python source; a long list wraps, its items aligned after the opening bracket."""
    flat = _inline(value)
    if not isinstance(value, (list, tuple)) or column + len(flat) <= LINE:
        return flat
    lines, current = [], ""
    for item in _items(value):
        piece = f"{current}, {item}" if current else item
        if current and column + 1 + len(piece) + 2 > LINE:
            lines.append(current + ",")
            current = item
        else:
            current = piece
    lines.append(current)
    return "[" + ("\n" + " " * (column + 1)).join(lines) + "]"


def fill_data(code: str, data: dict, where: str) -> str:
    """The data cell's source with every ``{{ name }}`` replaced by the rubric's ``[data]`` value."""
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in data:
            known = ", ".join(sorted(data)) or "none"
            raise GraderError(f"{where}: {{{{ {name} }}}} is not in the rubric's [data] (it has {known})")
        line_start = code.rfind("\n", 0, match.start()) + 1
        try:
            return python_literal(data[name], column=match.start() - line_start)
        except TypeError as error:
            raise GraderError(f"{where}: [data] {name}: {error}") from None
    return PLACEHOLDER.sub(value, code)


def _check_data_cell(source: str, contract: set[str], where: str) -> None:
    """A data cell holds values only: no function or class, no name the checks look for."""
    try:
        tree = parse(source)
    except SyntaxError as error:
        raise GraderError(f"{where}: the data code does not parse ({error.msg}, line {error.lineno})") from None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            raise GraderError(f"{where}: a data cell holds data only, not code to complete (line {node.lineno})")
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id in contract:
            raise GraderError(f"{where}: the data cell defines `{node.id}`, a name of the contract")


def load_starter(path: Path, rubric: Rubric) -> Starter:
    """Read and check a lab's starter file against its rubric."""
    if not path.is_file():
        raise GraderError(f"lab {rubric.lab!r} has no starter file {path} (its format: grader/selfcheck/starter.py)")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise GraderError(f"cannot read starter {path}: {error}") from None
    given = raw.get("exercises", {})
    ids = rubric.exercise_ids()
    if set(given) != set(ids):
        missing, extra = sorted(set(ids) - set(given)), sorted(set(given) - set(ids))
        raise GraderError(f"{path}: [exercises.*] must match the rubric's exercises"
                          + (f"; missing {', '.join(missing)}" if missing else "")
                          + (f"; unknown {', '.join(extra)}" if extra else ""))
    exercises, defined = [], _top_level_names(raw.get("setup", ""), f"{path} setup")
    contract = contract_names(rubric)
    for ident in ids:
        entry, where = given[ident], f"{path} [exercises.{ident}]"
        if "task" not in entry:
            raise GraderError(f"{path}: [exercises.{ident}] needs a `task`")
        defined |= _top_level_names(entry.get("code", ""), where)
        data = fill_data(entry.get("data", "").strip(), rubric.data, where)
        _check_data_cell(data, contract, where)
        exercises.append(ExerciseStarter(id=ident, task=entry["task"].strip(), code=entry.get("code", "").strip(),
                                         data=data, demo=entry.get("demo", "").strip()))
    missing = sorted(contract - defined)
    if missing:
        raise GraderError(f"{path}: no stub for {', '.join(missing)} (every name the checks look for needs one)")
    return Starter(lab=rubric.lab, title=raw.get("title", rubric.title), intro=raw.get("intro", "").strip(),
                   setup=raw.get("setup", "").strip(), exercises=tuple(exercises))


def starter_notebook(starter: Starter, rubric: Rubric) -> nbformat.NotebookNode:
    """The notebook: intro, setup, the check import, then task · data · stubs · demo · check per exercise."""
    v4 = nbformat.v4
    titles = {e.id: e.title for e in rubric.exercises}
    cells = [v4.new_markdown_cell(f"# {starter.title}\n\n{starter.intro}\n\n{USAGE}".strip())]
    if starter.setup:
        cells.append(v4.new_code_cell(starter.setup))
    cells.append(v4.new_code_cell(CHECK_IMPORT))
    for exercise in starter.exercises:
        cells.append(v4.new_markdown_cell(f"## {exercise.id} · {titles[exercise.id]}\n\n{exercise.task}"))
        if exercise.data:
            cells.append(v4.new_code_cell(exercise.data))
        if exercise.code:
            cells.append(v4.new_code_cell(exercise.code))
        if exercise.demo:
            cells.append(v4.new_code_cell(exercise.demo))
        cells.append(v4.new_code_cell(f'check("{exercise.id}")'))
    notebook = v4.new_notebook(cells=cells)
    notebook.metadata.update({
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
        "labgrade": {"lab": rubric.lab, "rubric_version": rubric.version},
    })
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"{rubric.lab}-{index:02d}"  # stable ids: rebuilding a kit gives the same file
    nbformat.validate(notebook)
    return notebook
