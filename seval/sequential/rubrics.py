"""Which of a problem's fields the judge grades by, and what a demonstration shows as its standard answer.

EvaLearn's problems come in two schemas:

* June 2025: ``rubric`` (the grading criteria, holding the standard answer) and an empty
  ``canonical_answer``;
* January 2026: ``rubric_zh`` and ``rubric_en`` (the English one machine-translated; EvaLearn's
  scripts judge with the Chinese one and recommend it) and a filled ``canonical_answer``.

``--rubric-lang zh`` (the default) takes ``rubric_zh`` where a problem has it, else ``rubric_en``,
else ``rubric``; ``--rubric-lang en`` starts from ``rubric_en``. A problem with none of them but a
canonical answer is graded against that answer (the field is then ``canonical_answer``). The field
used is recorded in every result (``rubric_field``), so a rerun and a reader know what the judge saw.
"""

from __future__ import annotations

RUBRIC_LANGS = ("zh", "en")
DEFAULT_RUBRIC_LANG = "zh"  # what EvaLearn's scripts use and recommend
RUBRIC_FIELDS = ("rubric_zh", "rubric_en", "rubric")
CANONICAL = "canonical_answer"
_ORDER = {"zh": ("rubric_zh", "rubric_en", "rubric"), "en": ("rubric_en", "rubric_zh", "rubric")}


def _text(fields: dict, name: str) -> str | None:
    value = fields.get(name)
    return value if isinstance(value, str) and value.strip() else None


def canonical_answer(fields: dict) -> str | None:
    """The problem's canonical answer as text, or None when it has none (empty, missing, not text)."""
    value = fields.get(CANONICAL)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return _text(fields, CANONICAL)


def rubric_field(fields: dict, lang: str = DEFAULT_RUBRIC_LANG) -> str | None:
    """The field whose text the judge grades by: a rubric in ``lang``'s order, else the canonical answer."""
    for name in _ORDER[lang]:
        if _text(fields, name) is not None:
            return name
    return CANONICAL if canonical_answer(fields) is not None else None


def criteria_text(fields: dict, field: str | None) -> str:
    """The grading criteria held by ``field`` (a canonical answer is worded as criteria); "" when none."""
    if field == CANONICAL:
        answer = canonical_answer(fields)
        return f"The student's final answer must agree with the standard answer: {answer}" if answer else ""
    return (_text(fields, field) or "") if field else ""


def standard_answer(fields: dict, field: str | None) -> tuple[str, str | None]:
    """What a demonstration shows as the standard answer: the canonical answer where the data has one,
    else the rubric the judge grades by. Returns ``(text, the field it came from)``."""
    answer = canonical_answer(fields)
    if answer is not None:
        return answer, CANONICAL
    return criteria_text(fields, field), field
