"""Turn whatever student code returned into bounded, JSON-able data.

This module runs inside the child process, beside untrusted code, so it only
ever *describes* a value: numbers, shapes, types and short reprs. Judging what
the description means happens in the grader's process (grader.judge).
It imports nothing heavy itself; torch and numpy are consulted only if the
student's code already imported them.
"""
from __future__ import annotations

import sys

from grader.observe.events import number_to_json as encode_number  # one spelling of NaN and infinity

MAX_ITEMS = 10_000
MAX_DEPTH = 6
MAX_TEXT = 500


def _type_name(value: object) -> str:
    kind = type(value)
    module = kind.__module__
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


def _short_repr(value: object) -> str:
    try:
        text = repr(value)
    except Exception as error:  # a student's __repr__ may raise anything
        text = f"<repr failed: {type(error).__name__}>"
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"


def _encode_array(type_name: str, values: list, shape: list[int], **extra) -> dict:
    if len(values) > MAX_ITEMS:
        return {"kind": "array", "type": type_name, "shape": shape, "values": None, "truncated": True, **extra}
    numbers = []
    for item in values:
        if isinstance(item, bool):
            numbers.append(float(item))
        elif isinstance(item, (int, float)):
            numbers.append(encode_number(float(item)))
        elif isinstance(item, complex):
            return {"kind": "object", "type": type_name, "repr": "complex-valued array"}
        else:
            numbers.append(encode_number(float(item)))
    return {"kind": "array", "type": type_name, "shape": shape, "values": numbers, **extra}


def _encode_tensor(value) -> dict:
    flat = value.detach().cpu().reshape(-1)
    if flat.numel() > MAX_ITEMS:
        return {"kind": "array", "type": "torch.Tensor", "shape": list(value.shape), "values": None, "truncated": True}
    if flat.is_complex():
        return {"kind": "object", "type": "torch.Tensor", "repr": f"complex tensor {value.dtype}"}
    return _encode_array(
        "torch.Tensor",
        flat.double().tolist() if flat.dtype.is_floating_point else flat.tolist(),
        list(value.shape),
        dtype=str(value.dtype),
        requires_grad=bool(value.requires_grad),
    )


def _encode_ndarray(value) -> dict:
    if value.dtype.kind not in "biuf":
        return {"kind": "object", "type": "numpy.ndarray", "repr": f"array of dtype {value.dtype}"}
    if value.size > MAX_ITEMS:
        return {"kind": "array", "type": "numpy.ndarray", "shape": list(value.shape), "values": None, "truncated": True}
    return _encode_array("numpy.ndarray", value.reshape(-1).tolist(), list(value.shape), dtype=str(value.dtype))


def encode(value: object, depth: int = 0) -> dict:
    """Describe ``value`` as JSON-able builtins, bounded in depth and size."""
    if depth > MAX_DEPTH:
        return {"kind": "object", "type": _type_name(value), "repr": "nested too deeply"}
    if value is None:
        return {"kind": "none"}
    if isinstance(value, bool):
        return {"kind": "bool", "value": value}
    if type(value) in (int, float):
        return {"kind": "number", "type": type(value).__name__, "value": encode_number(float(value))}
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        return _encode_tensor(value)
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(value, numpy.ndarray):
        return _encode_ndarray(value)
    if numpy is not None and isinstance(value, numpy.generic) and value.dtype.kind in "biuf":
        if value.dtype.kind == "b":
            return {"kind": "bool", "value": bool(value)}
        return {"kind": "number", "type": _type_name(value), "value": encode_number(float(value))}
    if isinstance(value, str):
        return {"kind": "str", "value": value[:MAX_TEXT]}
    if type(value) in (list, tuple):
        if len(value) > MAX_ITEMS:
            return {"kind": "object", "type": type(value).__name__, "repr": f"{len(value)} items, too many"}
        return {"kind": type(value).__name__, "items": [encode(item, depth + 1) for item in value]}
    if type(value) is dict:
        if len(value) > MAX_ITEMS or not all(isinstance(key, str) for key in value):
            return {"kind": "object", "type": "dict", "repr": _short_repr(value)}
        return {"kind": "dict", "items": {key: encode(item, depth + 1) for key, item in value.items()}}
    return {"kind": "object", "type": _type_name(value), "repr": _short_repr(value)}
