"""Numeric flags and their documented ranges, checked before anything is read or written.

An unbounded number is a way to hang or exhaust the machine (``--timeout inf``,
``--num-questions 100000000`` journaling a 5.8 GB plan, ``--bootstrap 1e8``
needing 23 GB), and ``nan`` slips through every ``<`` check by failing it. The
ranges are in README; a flag or config value outside its range is one error line.
"""

from __future__ import annotations

import math

from seval.errors import UsageError

MAX_TOKENS = 1_000_000  # above every model's output limit today
MAX_CONCURRENCY = 256
MAX_WORKERS = 256
MAX_RETRIES = 20
MAX_BACKOFF_S = 60.0
MAX_TIMEOUT_S = 3600.0
MAX_QUESTIONS_PER_CELL = 1000
MAX_REASONING_TYPES = 100
MAX_SEQUENCE_LENGTH = 1000
MAX_BOOTSTRAP = 100_000
MAX_SAMPLES = 20
MAX_PRICE = 1_000_000.0  # USD per million tokens


def check_range(
    flag: str, value: float, low: float, high: float, *, above_low: bool = False, error: type[UsageError] = UsageError
) -> None:
    """Raise ``error`` unless ``value`` is a finite number from ``low`` (or above it) to ``high``."""
    in_range = (low < value if above_low else low <= value) and value <= high
    if not math.isfinite(value) or not in_range:
        bounds = f"above {low:g} and at most {high:g}" if above_low else f"between {low:g} and {high:g}"
        raise error(f"{flag} must be {bounds} (got {value:g})")
