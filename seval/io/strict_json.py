"""JSON as the standard defines it: no NaN, no Infinity, no number that overflows to infinity.

Python's json reads and writes ``NaN`` and ``Infinity`` by default. A reply or
an input file holding one is not valid JSON to strict readers (and a NaN score
compares false with everything), so the tools read such text as not JSON and
never write it.
"""

from __future__ import annotations

import json
import math


def _refuse_constant(text: str) -> float:
    raise ValueError(f"{text} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 overflows to infinity
        raise ValueError(f"{text} is not a finite number")
    return value


DECODER = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite_float)


def loads(text: str) -> object:
    """Parse JSON text; ValueError when it is not strict JSON (RecursionError when nested too deep)."""
    return DECODER.decode(text)


def dumps(value: object, **options: object) -> str:
    """``json.dumps`` that refuses (ValueError) rather than writes a non-finite number."""
    return json.dumps(value, allow_nan=False, **options)  # type: ignore[arg-type]
