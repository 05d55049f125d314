"""Helpers for the kit and self-check tests: completing a starter notebook from the reference solution.

A "completed" starter is what a perfect student hands in: every stub replaced by
the reference's definition of the same name, the reference's helpers and imports
added to the setup cell. Everything else in the notebook (tasks, data cells,
demos, self-check cells) stays as the kit made it.
"""
from __future__ import annotations

import ast
from pathlib import Path

import nbformat


def _definitions(source: str) -> tuple[ast.Module, dict[str, ast.stmt]]:
    tree = ast.parse(source)
    named: dict[str, ast.stmt] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            named[node.name] = node
        elif isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
            for target in node.targets:
                named[target.id] = node
    return tree, named


def _segment(source: str, node: ast.stmt) -> str:
    return ast.get_source_segment(source, node, padded=False)


def _replace_in_cell(source: str, reference_source: str, reference: dict[str, ast.stmt]) -> tuple[str, set[str]]:
    tree, _ = _definitions(source)
    lines = source.splitlines(keepends=True)
    replaced = set()
    for node in reversed(tree.body):
        names = []
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names = [node.name]
        elif isinstance(node, ast.Assign):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        hits = [n for n in names if n in reference]
        if not hits:
            continue
        start = (node.decorator_list[0].lineno if getattr(node, "decorator_list", None) else node.lineno) - 1
        lines[start:node.end_lineno] = [_segment(reference_source, reference[hits[0]]) + "\n"]
        replaced.update(hits)
    return "".join(lines), replaced


def complete_from_reference(notebook_path: Path, reference_path: Path, out: Path) -> Path:
    """Write `out`: the starter notebook with every stub filled in from the reference module."""
    reference_source = reference_path.read_text(encoding="utf-8")
    reference_tree, reference = _definitions(reference_source)
    notebook = nbformat.read(notebook_path, as_version=4)
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    replaced: set[str] = set()
    for cell in code_cells:
        cell.source, done = _replace_in_cell(cell.source, reference_source, reference)
        replaced |= done
    helpers = [node for node in reference_tree.body
               if isinstance(node, (ast.Import, ast.ImportFrom))
               or (node in reference.values() and not any(n in replaced for n, v in reference.items() if v is node))]
    setup = code_cells[0]
    setup.source = setup.source.rstrip() + "\n\n# From the reference solution:\n" + "\n\n".join(
        _segment(reference_source, node) for node in helpers) + "\n"
    nbformat.write(notebook, out)
    return out


def strip_check_cells(notebook_path: Path, out: Path) -> Path:
    """The notebook without its self-check cells (for running it where no kit is around)."""
    notebook = nbformat.read(notebook_path, as_version=4)
    notebook.cells = [c for c in notebook.cells if not (c.cell_type == "code" and c.source.startswith("check("))]
    nbformat.write(notebook, out)
    return out
