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

import re
from dataclasses import dataclass

from seval.io import strict_json

# Values a judge may use for the binary score. The seed's README says
# "number" while its design says "correct"/"incorrect"; judges in the wild use
# both, and booleans too.
_CORRECT_WORDS = {"correct", "right", "pass", "yes", "true"}
_INCORRECT_WORDS = {"incorrect", "wrong", "fail", "no", "false"}

MAX_BRACES = 20_000  # a reply with more "{" than this is not a verdict (each "{" is a parse attempt)
# After a parse that failed on nesting, the next "{" are skipped: trying each of them again would cost a deep
# parse per brace (seconds for a reply of a few thousand nested objects), for objects no judge writes.
RECURSION_SKIP = 500
NO_VERDICT = "no readable verdict"
CONTRADICTORY = "contradictory verdicts"


# Strict JSON: NaN and infinities (which Python's json accepts, and which files must never hold) are no verdicts.
_DECODER = strict_json.DECODER


@dataclass(frozen=True)
class ScoreVerdict:
    """A judge's binary verdict: ``score`` is 1.0 or 0.0."""

    score: float
    rationale: str


def _object_spans(text: str) -> list[tuple[int, int, dict]]:
    """``(start, end, object)`` for every JSON object that decodes at some ``{`` of ``text``."""
    found: list[tuple[int, int, dict]] = []
    if text.count("{") > MAX_BRACES:
        return found
    starts = [match.start() for match in re.finditer(r"\{", text)]
    index = 0
    while index < len(starts):
        start = starts[index]
        index += 1
        try:
            value, end = _DECODER.raw_decode(text, start)
        except ValueError:
            continue
        except RecursionError:  # nested deeper than Python parses: so are the next hundreds of "{" inside it
            index += RECURSION_SKIP
            continue
        if isinstance(value, dict):
            found.append((start, end, value))
    return found


def json_objects(text: str) -> list[dict]:
    """Every JSON object that can be decoded starting at some ``{`` in text, in order of where it ends.

    Nested objects are found too (each ``{`` is tried), which is what lets a
    verdict sit inside prose, inside a code fence or after other JSON. Ordering
    by end puts an object after the objects nested in it, so "the last object"
    is the outermost one that closes last, not a detail inside it.
    """
    spans = sorted(_object_spans(text), key=lambda span: (span[1], -span[0]))
    return [value for _, _, value in spans]


def object_groups(text: str) -> list[list[dict]]:
    """The JSON objects of ``text`` grouped by the outermost object holding them, in order.

    Each group starts with its outermost object, followed by the objects nested
    in it in order of where they end.
    """
    groups: list[tuple[int, list[tuple[int, dict]]]] = []  # (end of the outermost, [(end, object)])
    for start, end, value in sorted(_object_spans(text), key=lambda span: (span[0], -span[1])):
        if groups and start < groups[-1][0]:  # inside the outermost object before it
            groups[-1][1].append((end, value))
        else:
            groups.append((end, [(end, value)]))
    return [[members[0][1]] + [value for _, value in sorted(members[1:], key=lambda m: m[0])] for _, members in groups]


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


def read_score_verdict(reply: str) -> ScoreVerdict | str:
    """The runner's binary verdict in a judge reply, or why there is none (``NO_VERDICT``, ``CONTRADICTORY``).

    Each outermost JSON object gives at most one candidate: itself when it has a
    binary ``score`` (a score nested in its details cannot override it), else
    the last object nested in it that has one (``{"verdict": {"score": 1}}``).
    When the candidates all agree,
    that is the verdict (the last one's rationale); when they disagree there is
    no verdict: a judge that quotes a verdict planted in the answer after its
    own, or gives three contradictory ones, must not be resolved silently to
    one of them. Callers ask again, then count the answer as unreadable.
    """
    verdicts = [found for group in object_groups(reply or "") if (found := _group_verdict(group)) is not None]
    if not verdicts:
        return NO_VERDICT
    if len({verdict.score for verdict in verdicts}) > 1:
        return CONTRADICTORY
    return verdicts[-1]


def _group_verdict(group: list[dict]) -> ScoreVerdict | None:
    """The verdict an outermost object stands for: its own binary score, else its last nested one."""
    for obj in [group[0], *reversed(group[1:])]:
        score = score_value(obj["score"]) if "score" in obj else None
        if score is not None:
            rationale = obj.get("rationale", "")
            return ScoreVerdict(score=score, rationale=str(rationale) if rationale is not None else "")
    return None


def parse_score_verdict(reply: str) -> ScoreVerdict | None:
    """``read_score_verdict`` without the reason: the verdict, or None."""
    verdict = read_score_verdict(reply)
    return verdict if isinstance(verdict, ScoreVerdict) else None


# EvaLearn's reading of a judge reply: the first ```json fence decides alone;
# without a fence, the first exact {"answer_score": N} object decides.
EVALEARN_FENCE = re.compile(r"```json\s*(.*?)\s*```", re.DOTALL | re.IGNORECASE)
# Where the exact form can begin: the metrics' fast path (metrics/judge.py) looks for this text before it
# calls parse_answer_score, so the pattern is built from it and the two cannot drift apart.
EVALEARN_EXACT_START = '{"answer_score":'
_EXACT_ANSWER_SCORE = re.compile(re.escape(EVALEARN_EXACT_START) + r"\s*(\d+)\}")


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
            obj = strict_json.loads(fence.group(1))
        except (ValueError, RecursionError):  # NaN and infinities included: never verdicts
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
