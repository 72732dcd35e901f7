"""A record's score as a small code: ``verdict.parse_answer_score``, fast.

The metrics need three facts per record: correct (score > 0), whether the
score was something other than 0 or 1, and whether the verdict could be read
at all. They are packed in a small int (bits below) so that a million
records make an int8 array, not a million tuples.

Most judge replies hold one lower-case ```json fence around a tiny object.
``JudgeScorer`` finds it with ``str.find`` and caches what the fence's
content means, so a million replies cost a few string searches and one dict
lookup each instead of a regex and a JSON parse. Whenever the fast path is
not certain to agree (no fence, an upper-case or odd fence first, no closing
fence) it calls ``parse_answer_score`` itself: the answer is always the
function's.
"""

from __future__ import annotations

import numpy as np

from seval import verdict as verdict

CORRECT = 1  # score > 0
NON_BINARY = 2  # score is a number other than 0 and 1 (0.5, 2, -1, NaN...)
UNPARSED = 4  # no readable verdict: scored 0
FROM_ANSWER = 8  # taken from the record's own numeric answer_score
EXACT_START = verdict.EVALEARN_EXACT_START  # where verdict's exact form (no fence) can begin


def score_code(score: object, parsed: bool) -> int:
    """Pack a ``parse_answer_score`` result."""
    code = 0
    try:
        if score > 0:  # type: ignore[operator]  # any value on purpose: a non-number raises TypeError, caught below
            code |= CORRECT
    except TypeError:
        pass
    if not (score == 0 or score == 1):
        code |= NON_BINARY
    if not parsed:
        code |= UNPARSED
    return code


def number_code(raw: object) -> int | None:
    """Code of a record's own ``answer_score``, or None when it is not a number."""
    if type(raw) in (int, float, bool):
        return score_code(raw, True) | FROM_ANSWER
    return None


class JudgeScorer:
    """Callable: judge reply text -> code. One per process (``shared``).

    The fast path keys a cache on the reply's tail from its first "```" on.
    A fence can only start at a "```", so when that tail holds a fence match,
    the verdict of the whole reply is the verdict of the tail (a judge's
    reply usually ends with its fence, so tails repeat and the cache hits).
    When no fence matches, the verdict is the first exact ``{"answer_score": N}``,
    read from the reply's tail at its first ``{"answer_score":`` (cached the
    same way: such tails repeat too).
    """

    _shared: JudgeScorer | None = None

    def __init__(self, limit: int = 100_000) -> None:
        self._tails: dict[str, int] = {}
        self._exact: dict[str, int] = {}
        self._limit = limit

    @classmethod
    def shared(cls) -> JudgeScorer:
        if cls._shared is None:
            cls._shared = cls()
        return cls._shared

    @staticmethod
    def slow(reply: object) -> int:
        return score_code(*verdict.parse_answer_score(reply))

    def _tail_code(self, tail: str) -> int:
        """Code of a tail starting at the reply's first "```", or -1 (read whole)."""
        code = self._tails.get(tail)
        if code is None:
            code = self.slow(tail) if verdict.EVALEARN_FENCE.search(tail) else -1
            if len(self._tails) >= self._limit:
                self._tails.clear()
            self._tails[tail] = code
        return code

    def _exact_code(self, tail: str) -> int:
        """Code of a fence-free reply's tail starting at its first ``{"answer_score":``.

        Without a fence the verdict is the first exact ``{"answer_score": N}``, which
        can only start at such an occurrence: the tail decides, and tails repeat.
        """
        code = self._exact.get(tail)
        if code is None:
            code = self.slow(tail)
            if len(self._exact) >= self._limit:
                self._exact.clear()
            self._exact[tail] = code
        return code

    def __call__(self, reply: object) -> int:
        if type(reply) is not str:
            return self.slow(reply)
        start = reply.find("```")
        if start >= 0:
            code = self._tail_code(reply[start:])
            if code >= 0:
                return code
        # No fence matches anywhere (a fence can only start at a "```"); only the exact form can.
        exact = reply.find(EXACT_START)
        return UNPARSED if exact < 0 else self._exact_code(reply[exact:])

    def codes(self, replies: list) -> np.ndarray:
        """``[self(r) for r in replies]`` as int8, the common path in one comprehension.

        Per reply: find the first "```", cut the tail there, look it up (a comprehension
        beat chained ``map`` calls here: no slice object per reply). Replies whose lookup
        misses (no "```", a new tail, a tail without fence) go through ``__call__`` one by one.
        """
        if not replies:
            return np.zeros(0, dtype=np.int8)
        for reply in replies[:32]:  # warm the cache: the comprehension below cannot fill it
            self(reply)
        get = self._tails.get
        try:
            # A reply without "```" gives its last character as "tail", never a key (keys start with
            # "```"), so it misses too.
            codes = np.array([get(r[r.find("```") :], -1) for r in replies], dtype=np.int8)
        except (TypeError, AttributeError):  # a reply that is not text (null, a number...)
            return np.array([self(r) for r in replies], dtype=np.int8)
        for i in np.flatnonzero(codes < 0).tolist():
            codes[i] = self(replies[i])
        return codes
