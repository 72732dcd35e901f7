"""How a run's replies ended: answers cut by their token limit, empty answers, cut verdicts and questions,
parameters a model refused, and usage an endpoint did not report.

Built from the run record alone and shared by the markdown report and the console summary, so both
say the same thing: how many answers were cut, what they scored, and which flag raises the limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import fmean

from seval.benchmark.records import RunRecord
from seval.benchmark.scoring import is_correct
from seval.client.replies import TRUNCATION_REASONS
from seval.records import TokenUsage

NOT_REPORTED = "not reported by the endpoint"


@dataclass(frozen=True)
class Endings:
    """Counts over the answers of a run's usable questions (those not left out as unfit)."""

    answers: int
    truncated: int
    truncated_mean: float | None  # mean score of the cut answers, whether or not they count
    empty: int
    empty_truncated: int
    wrong: int  # judged incorrect: not empty, with a readable verdict
    judge_cut: int  # verdicts missing because the judge's reply was cut by its token limit
    generation_cut: int  # questions whose generation was cut by its token limit
    exclude_truncated: bool


def endings(record: RunRecord) -> Endings:
    usable = [e for e in record.examples if not e.excluded]
    cut = [e for e in usable if e.truncated]
    return Endings(
        answers=len(usable),
        truncated=len(cut),
        truncated_mean=fmean(e.score for e in cut) if cut else None,
        empty=sum(1 for e in usable if e.empty),
        empty_truncated=sum(1 for e in usable if e.empty and e.truncated),
        wrong=sum(1 for e in usable if not e.empty and not e.judge_error and not is_correct(e.score)),
        judge_cut=sum(1 for e in usable for v in e.judge_verdicts if v.score is None and v.truncated),
        generation_cut=sum(1 for e in record.examples if e.generation_finish_reason in TRUNCATION_REASONS),
        exclude_truncated=record.exclude_truncated,
    )


def _mean(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def truncation_summary(found: Endings) -> str:
    """One line on cut answers: how many, their mean score, what was done with them, the flag that helps."""
    if not found.truncated:
        return f"none of {found.answers}"
    fate = "left out of the scores (--exclude-truncated)" if found.exclude_truncated else "scored as given"
    return (
        f"{found.truncated} of {found.answers} (mean score {_mean(found.truncated_mean)}; {fate}); "
        "raise --max-tokens-answering"
    )


def ending_rows(record: RunRecord) -> list[tuple[str, str]]:
    """(label, value) rows for the console summary."""
    found = endings(record)
    rows = [
        ("Answers cut by the token limit", truncation_summary(found)),
        ("Answers judged wrong", str(found.wrong)),
        (
            "Empty final answers (scored 0, not judged)",
            f"{found.empty}" + (f" ({found.empty_truncated} cut by the token limit)" if found.empty_truncated else ""),
        ),
    ]
    if found.judge_cut:
        rows.append(("Verdicts cut by the judge's token limit", f"{found.judge_cut}; raise --max-tokens-evaluation"))
    if found.generation_cut:
        rows.append(("Questions cut by the token limit", f"{found.generation_cut}; raise --max-tokens-generation"))
    return rows


def ending_lines(record: RunRecord) -> list[str]:
    """Markdown bullet lines for the report's scores section."""
    found = endings(record)
    lines = [
        f"- Answers cut by their token limit (`finish_reason` `length`): {truncation_summary(found)}",
        f"- Answers judged wrong: {found.wrong}; empty final answers: {found.empty} (scored 0, counted apart from "
        "wrong ones and not sent to the judge"
        + (f"; {found.empty_truncated} of them cut by the token limit)" if found.empty_truncated else ")"),
    ]
    if found.judge_cut:
        lines.append(
            f"- Verdicts missing because the judge's reply was cut by its token limit: {found.judge_cut}; "
            "raise --max-tokens-evaluation"
        )
    if found.generation_cut:
        lines.append(
            f"- Questions whose generation was cut by its token limit: {found.generation_cut}; "
            "raise --max-tokens-generation"
        )
    return lines


def adaptation_lines(record: RunRecord) -> list[str]:
    """The report's section on parameters a model refused and what was sent instead."""
    if not record.adaptations:
        return []
    lines = ["## Adapted to the endpoints", ""]
    lines += [f"- {note}" for note in record.adaptations]
    lines += [
        "",
        "A model refused these parameters (HTTP 400); the requests were sent again without them (or under the "
        "name the server asked for), and so were all later ones to that endpoint and model.",
        "",
    ]
    return lines


def usage_cell(usage: TokenUsage, figure: int) -> str:
    """A token figure as the report shows it: the number, or why there is none."""
    if usage.reported:
        return str(figure)
    if not (usage.prompt_tokens or usage.completion_tokens or usage.total_tokens):
        return NOT_REPORTED
    return f"at least {figure}"
