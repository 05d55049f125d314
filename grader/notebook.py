"""Reading student code into units: the cells of a notebook, or a whole script."""
from __future__ import annotations

import functools
import re
from pathlib import Path

import nbformat

from grader.sandbox.job import CodeUnit

MAX_SOURCE_BYTES = 2 * 1024**2

_MAGIC = re.compile(r"^(\s*)([%!].*)$")


class UnreadableSource(Exception):
    """The file cannot be turned into code units; the message is for the student."""


def neutralise_magics(source: str) -> str:
    """IPython magics and shell escapes are not Python: keep them visible, as comments.

    A cell magic (``%%time``) applies to the whole cell, which then runs as plain
    Python; line magics such as ``%matplotlib inline`` and ``!pip install`` do
    nothing useful in a grading run.
    """
    lines = source.splitlines()
    return "\n".join(_MAGIC.sub(r"\1pass  # \2", line) if _MAGIC.match(line) else line for line in lines)


def _check_size(path: Path) -> None:
    size = path.stat().st_size
    if size > MAX_SOURCE_BYTES:
        raise UnreadableSource(f"{path.name} is {size // 1024} KiB; the limit is {MAX_SOURCE_BYTES // 1024} KiB")


def notebook_units(path: Path) -> tuple[CodeUnit, ...]:
    """One unit per code cell, labelled with its cell number (counting code cells from 1)."""
    _check_size(path)
    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception as error:  # nbformat raises many kinds for a damaged file
        raise UnreadableSource(
            f"{path.name} is not a readable notebook ({type(error).__name__}); "
            "re-save it from Jupyter, or check it was not truncated") from None
    units = []
    code_cells = [cell for cell in notebook.cells if cell.get("cell_type") == "code"]
    for number, cell in enumerate(code_cells, start=1):
        units.append(CodeUnit(label=f"cell {number}", filename=f"{path.name}, cell {number}",
                              source=neutralise_magics(cell.get("source", ""))))
    return tuple(units)


def notebook_prose(path: Path) -> tuple[str, ...]:
    """For each code cell, the markdown written between it and the previous code cell (its section's heading);
    () for a script or an unreadable notebook."""
    try:
        stat = path.stat()
    except OSError:
        return ()
    return _read_prose(path, stat.st_mtime_ns, stat.st_size) if path.suffix == ".ipynb" else ()


@functools.lru_cache(maxsize=64)
def _read_prose(path: Path, _mtime_ns: int, size: int) -> tuple[str, ...]:
    if size > MAX_SOURCE_BYTES:
        return ()
    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception:  # unreadable: its units already say so; no prose
        return ()
    prose, pending = [], []
    for cell in notebook.cells:
        if cell.get("cell_type") == "markdown":
            pending.append(cell.get("source", ""))
        elif cell.get("cell_type") == "code":
            prose.append("\n".join(pending))
            pending = []
    return tuple(prose)


def script_units(path: Path) -> tuple[CodeUnit, ...]:
    """A module or script runs as one unit, as `python file.py` would run it."""
    _check_size(path)
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UnreadableSource(f"{path.name} is not UTF-8 text") from None
    return (CodeUnit(label=path.name, filename=path.name, source=source),)


def load_units(path: Path) -> tuple[CodeUnit, ...]:
    """The code units of a notebook or a Python file (read once while the file stays the same)."""
    try:
        stat = path.stat()
    except OSError:
        return _read_units(path, 0, -1)  # raises the reader's own error for a file that is not there
    return _read_units(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=256)
def _read_units(path: Path, _mtime_ns: int, _size: int) -> tuple[CodeUnit, ...]:
    # The grader reads a part several times (the run, the tamper scan, the source analysis, the
    # report); the file's time and size in the key make an edited file a new entry.
    if path.suffix == ".ipynb":
        return notebook_units(path)
    return script_units(path)
