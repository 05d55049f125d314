"""Reading the child's value descriptions (grader.sandbox.encode) back as numbers.

A student may answer with a Python float, a numpy scalar, a 0-d or a
one-element tensor, or tuples and lists of those: all of them become a
`Numbers`. Anything that is not numeric becomes a sentence saying what it was,
so the student learns what came back.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

_SPECIAL = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


class NotNumeric(ValueError):
    """The value cannot be read as numbers; the message says what it was instead."""


@dataclass(frozen=True, kw_only=True)
class Numbers:
    shape: tuple[int, ...]
    values: tuple[float, ...]

    @property
    def size(self) -> int:
        return len(self.values)

    def squeezed_shape(self) -> tuple[int, ...]:
        return tuple(n for n in self.shape if n != 1)


def _number(raw) -> float:
    if isinstance(raw, str):
        return _SPECIAL[raw]
    return float(raw)


def describe(encoded: dict | None) -> str:
    """A short human description of a value, for 'got' lines in reports."""
    if encoded is None:
        return "nothing"
    kind = encoded.get("kind")
    if kind == "none":
        return "None"
    if kind == "bool":
        return str(encoded["value"])
    if kind == "number":
        return f"{_format(_number(encoded['value']))} ({encoded.get('type', 'number')})"
    if kind == "array":
        if encoded.get("values") is None:
            return f"a {encoded['type']} of shape {tuple(encoded['shape'])}, too large to show"
        values = [_number(v) for v in encoded["values"]]
        shown = ", ".join(_format(v) for v in values[:8]) + (", …" if len(values) > 8 else "")
        return f"{encoded['type']} of shape {tuple(encoded['shape'])}: [{shown}]"
    if kind in ("list", "tuple"):
        items = encoded["items"]
        shown = ", ".join(describe(item) for item in items[:6]) + (", …" if len(items) > 6 else "")
        return f"a {kind} of {len(items)}: [{shown}]"
    if kind == "dict":
        return "a dict with keys " + ", ".join(list(encoded["items"])[:10])
    if kind == "str":
        return f"the text {encoded['value'][:80]!r}"
    return f"an object of type {encoded.get('type', '?')}"


def _format(value: float) -> str:
    return f"{value:.6g}"


def as_numbers(encoded: dict | None) -> Numbers:
    """Numbers with a shape, or NotNumeric explaining what the value is."""
    if encoded is None:
        raise NotNumeric("nothing came back")
    kind = encoded.get("kind")
    if kind == "number":
        return Numbers(shape=(), values=(_number(encoded["value"]),))
    if kind == "array":
        if encoded.get("values") is None:
            raise NotNumeric(describe(encoded))
        return Numbers(shape=tuple(encoded["shape"]), values=tuple(_number(v) for v in encoded["values"]))
    if kind in ("list", "tuple"):
        items = [as_numbers(item) for item in encoded["items"]]
        if not items:
            return Numbers(shape=(0,), values=())
        shapes = {item.squeezed_shape() if item.size == 1 else item.shape for item in items}
        if len(shapes) != 1:
            raise NotNumeric(f"a {kind} whose items have different shapes")
        inner = shapes.pop()
        return Numbers(shape=(len(items), *inner), values=tuple(v for item in items for v in item.values))
    if kind == "none":
        raise NotNumeric("None (is a `return` missing?)")
    if kind == "bool":
        raise NotNumeric(f"the boolean {encoded['value']}, not a number")
    raise NotNumeric(describe(encoded))


def as_python(encoded: dict | None):
    """Plain Python values (floats, nested lists, dicts) for reference-side code."""
    if encoded is None:
        return None
    kind = encoded.get("kind")
    if kind == "number":
        return _number(encoded["value"])
    if kind in ("bool", "str"):
        return encoded["value"]
    if kind == "array":
        numbers = as_numbers(encoded)
        if not numbers.shape:
            return numbers.values[0]
        return _nest(list(numbers.values), list(numbers.shape))
    if kind in ("list", "tuple"):
        return [as_python(item) for item in encoded["items"]]
    if kind == "dict":
        return {key: as_python(item) for key, item in encoded["items"].items()}
    return None


def _nest(values: list[float], shape: list[int]):
    if len(shape) == 1:
        return values
    step = len(values) // shape[0] if shape[0] else 0
    return [_nest(values[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]


def select(encoded: dict | None, key: str | None) -> dict | None:
    """The item ``key`` of a dict value (or the value itself when key is None)."""
    if key is None or encoded is None:
        return encoded
    if encoded.get("kind") != "dict" or key not in encoded["items"]:
        raise NotNumeric(f"{describe(encoded)}, with no `{key}`")
    return encoded["items"][key]
