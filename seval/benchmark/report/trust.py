"""The report's account of how far each score can be trusted.

Markdown lines for: questions left out of scoring (and why, per type and
difficulty), reference answers and validation, novelty, the judge panel's
agreement, and what a replay is. Built from the run record alone.
"""

from __future__ import annotations

from collections import Counter

from seval.benchmark.agreement import disagreement_with_panel, fleiss_kappa, pairwise_agreement
from seval.benchmark.records import RunRecord
from seval.markdown import cell


def _fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def trust_lines(record: RunRecord) -> list[str]:
    """All trust sections of one run's report."""
    return _replay_lines(record) + _question_lines(record) + _exclusion_lines(record) + _panel_lines(record)


def _replay_lines(record: RunRecord) -> list[str]:
    if not record.replay:
        return []
    return [
        "## Replay",
        "",
        f"This run replayed the fixed question set `{record.replay_source}`: no question was generated. "
        "Its moving averages are kept apart from generated runs (`replay_emas` in state.json, per source "
        "and answering model), so comparing models on frozen questions never moves the benchmark's own EMAs.",
        "",
    ]


def _question_lines(record: RunRecord) -> list[str]:
    examples = record.examples
    with_reference = sum(1 for e in examples if e.reference_answer)
    regenerated = sum(1 for e in examples if e.attempts > 1)
    similarities = [e.similarity for e in examples if e.similarity is not None and not e.excluded]
    lines = ["## Questions", ""]
    if record.replay:
        lines.append(f"- Reference answers: {with_reference} of {len(examples)} replayed questions carry one.")
    elif record.reference_answers:
        lines.append(
            f"- Reference answers: asked for; {with_reference} of {len(examples)} questions came with one "
            "(a generator reply that was not JSON was used as a plain question, graded without one)."
        )
    else:
        lines.append("- Reference answers: off (--no-reference-answers); the judge decided correctness alone.")
    if record.validate_questions:
        verified = sum(1 for e in examples if e.validation == "verified")
        lines.append(
            f"- Validation: {verified} of {len(examples)} questions verified (the evaluation model's own "
            "solution agreed with the reference answer)."
        )
    if record.novelty_threshold is not None and not record.replay:
        highest = max(similarities) if similarities else None
        lines.append(
            f"- Novelty: threshold {record.novelty_threshold}; highest similarity of an accepted question "
            f"to an earlier one of its type {_fmt(highest, 2)}."
        )
    lines.append(f"- Regenerated: {regenerated} question(s) needed more than one attempt (too similar, or unverified).")
    return lines + [""]


def _exclusion_lines(record: RunRecord) -> list[str]:
    excluded = [e for e in record.examples if e.excluded]
    if not excluded:
        return ["No question was left out of the scores.", ""]
    reasons = Counter((e.excluded_reason or "").split(":")[0] for e in excluded)
    cells = Counter((e.tags.reasoning_type, e.tags.difficulty) for e in excluded)
    lines = [
        "## Left out of every score",
        "",
        f"{len(excluded)} question(s) were kept in the record but left out of all scores and EMAs "
        f"({', '.join(f'{count} {reason}' for reason, count in reasons.items())}).",
        "",
        "| Reasoning type | Difficulty | Left out |",
        "|---|---:|---:|",
    ]
    lines += [f"| {cell(kind)} | {level} | {count} |" for (kind, level), count in sorted(cells.items())]
    return lines + [""]


def _panel_lines(record: RunRecord) -> list[str]:
    judges = record.model_evaluation.split(",")
    if len(judges) < 2:
        return []
    panels = [[verdict.score for verdict in e.judge_verdicts] for e in record.examples]
    scores = [e.score for e in record.examples]
    kappa = fleiss_kappa(panels)
    lines = [
        "## Judge panel",
        "",
        f"{len(judges)} judges graded every answer; the score is their **{record.judge_aggregation}**"
        + (" (a tie counts as incorrect)." if record.judge_aggregation == "majority" else "."),
        "",
        f"- Fleiss' kappa: {_fmt(kappa)}" + (" (undefined: too few items or no variation)" if kappa is None else ""),
        "",
        "| Pair of judges | Agreement |",
        "|---|---:|",
    ]
    lines += [f"| {cell(pair)} | {_fmt(rate)} |" for pair, rate in pairwise_agreement(panels, judges).items()]
    lines += ["", "| Judge | Disagrees with the panel |", "|---|---:|"]
    lines += [
        f"| {cell(judge)} | {_fmt(rate)} |" for judge, rate in disagreement_with_panel(panels, scores, judges).items()
    ]
    return lines + [""]
