"""Parsers for judge replies: one function per verdict format.

Two formats exist in this project:

* the benchmark runner's binary verdict, a JSON object with a ``score`` key
  (``parse_score_verdict``);
* EvaLearn's ``{"answer_score": N}`` verdict (``parse_answer_score``), read
  exactly the way EvaLearn's own metric script reads it, so our figures and
  theirs agree on the same file.

Both are pure functions over text: no I/O, no retries (those live in the
callers).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

# Values a judge may use for the binary score. The seed's README says
# "number" while its design says "correct"/"incorrect"; judges in the wild use
# both, and booleans too.
_CORRECT_WORDS = {"correct", "right", "pass", "yes", "true"}
_INCORRECT_WORDS = {"incorrect", "wrong", "fail", "no", "false"}

_DECODER = json.JSONDecoder()


@dataclass(frozen=True)
class ScoreVerdict:
    """A judge's binary verdict: ``score`` is 1.0 or 0.0."""

    score: float
    rationale: str


def json_objects(text: str) -> list[dict]:
    """Every JSON object that can be decoded starting at some ``{`` in text, in order of where it ends.

    Nested objects are found too (each ``{`` is tried), which is what lets a
    verdict sit inside prose, inside a code fence or after other JSON. Ordering
    by end puts an object after the objects nested in it, so "the last object"
    is the outermost one that closes last, not a detail inside it.
    """
    found = []
    for match in re.finditer(r"\{", text):
        try:
            value, end = _DECODER.raw_decode(text, match.start())
        except ValueError:
            continue
        if isinstance(value, dict):
            found.append((end, match.start(), value))
    found.sort(key=lambda entry: (entry[0], -entry[1]))
    return [value for _, _, value in found]


def score_value(raw: object) -> float | None:
    """Map a judge's ``score`` value to 1.0/0.0, or None when it is not binary."""
    if isinstance(raw, bool):
        return 1.0 if raw else 0.0
    if isinstance(raw, (int, float)):
        return float(raw) if raw in (0, 1) else None
    if isinstance(raw, str):
        word = raw.strip().lower()
        if word in _CORRECT_WORDS:
            return 1.0
        if word in _INCORRECT_WORDS:
            return 0.0
        try:
            return score_value(float(word))
        except ValueError:
            return None
    return None


def parse_score_verdict(reply: str) -> ScoreVerdict | None:
    """Read the runner's binary verdict from a judge reply, or None.

    The verdict taken is the *last* JSON object in the reply that carries a
    ``score`` key with a binary value. Taking the last one matters: the judge
    quotes the answer it grades, and an answer that embeds a fake verdict
    would otherwise grade itself.
    """
    for obj in reversed(json_objects(reply or "")):
        if "score" not in obj:
            continue
        score = score_value(obj["score"])
        if score is None:
            continue
        rationale = obj.get("rationale", "")
        return ScoreVerdict(score=score, rationale=str(rationale) if rationale is not None else "")
    return None


# EvaLearn's reading of a judge reply: the first ```json fence decides alone;
# without a fence, the first exact {"answer_score": N} object decides.
EVALEARN_FENCE = re.compile(r"```json\s*(.*?)\s*```", re.DOTALL | re.IGNORECASE)
_EXACT_ANSWER_SCORE = re.compile(r'\{"answer_score":\s*(\d+)\}')


def parse_answer_score(reply: object) -> tuple[int | float, bool]:
    """Read EvaLearn's ``answer_score`` verdict: ``(score, parsed)``.

    ``parsed`` is False when the reply held no readable verdict; the score is
    then 0, as in EvaLearn's metric script, and callers count such replies
    instead of trusting them silently.

    Inside a ```json fence the value is kept as it is, not truncated: the
    caller's rule is "correct means score > 0", so 0.5 is correct and -1 is
    not, as in EvaLearn's script (``score > 0`` on the raw value). A JSON
    boolean counts as a number there too (Python's ``True > 0``), so
    ``true`` reads as 1 and ``false`` as 0. Strings, null, lists and objects
    are not numbers: 0, unparsed.
    """
    if not reply or not isinstance(reply, str):
        return 0, False
    fence = EVALEARN_FENCE.search(reply)
    if fence:
        try:
            obj = json.loads(fence.group(1))
        except (ValueError, RecursionError):
            return 0, False
        if not isinstance(obj, dict) or "answer_score" not in obj:
            return 0, False
        value = obj["answer_score"]
        if isinstance(value, bool):
            return int(value), True
        if not isinstance(value, (int, float)):
            return 0, False
        return value, True
    exact = _EXACT_ANSWER_SCORE.search(reply)
    if exact:
        try:
            return int(exact.group(1)), True
        except ValueError:  # more digits than Python converts: no usable verdict
            return 0, False
    return 0, False
