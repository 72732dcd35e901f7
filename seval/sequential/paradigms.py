"""The four learning paradigms: what the student is shown before each question, and how positions run.

* ``feedback`` (the default, EvaLearn's first protocol): the sequence's earlier questions with the
  student's own answers, their grading criteria and the judge's replies. Each position depends on the
  ones before it, so a sequence is one chain.
* ``demonstration``: the sequence's earlier problems with their standard answers (the canonical answer
  where the data has one, else the rubric the judge grades by), never the student's own answers or
  grades. Chained by sequence, as the reference runs it.
* ``few-shot``: ``--shots`` problems of the same type with their canonical answers (``fewshot``),
  the same before every position. Chained by sequence, as the reference runs it.
* ``zero-shot``: the question alone. No position depends on another, so every position of every
  sequence is scheduled at once.

A ``Setup`` holds one evaluation's choices (paradigm, rubric language, few-shot draw) and builds each
position's messages from the data and the earlier records alone, so a resumed sequence is asked
exactly what an uninterrupted one was.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from seval.errors import UsageError
from seval.sequential import paradigm_prompts as pp
from seval.sequential.fewshot import DEFAULT_FEW_SHOT_SEED, DEFAULT_SHOTS, FewShotDraw
from seval.sequential.prompts import HistoryEntry, build_student_messages, flatten_prompt
from seval.sequential.records import SequentialItem, problem_key
from seval.sequential.rubrics import DEFAULT_RUBRIC_LANG, criteria_text, rubric_field, standard_answer

FEEDBACK, ZERO_SHOT, FEW_SHOT, DEMONSTRATION = "feedback", "zero-shot", "few-shot", "demonstration"
PARADIGMS = (FEEDBACK, ZERO_SHOT, FEW_SHOT, DEMONSTRATION)
DEFAULT_PARADIGM = FEEDBACK


def history_entry(item: SequentialItem) -> HistoryEntry:
    """What the feedback student is shown of an earlier position: built from its record alone (the
    criteria from the field the judge graded by), so a resumed sequence rebuilds the same history."""
    fields = item.model_extra or {}
    criteria = (
        criteria_text(fields, item.rubric_field) if item.rubric_field else criteria_text(fields, rubric_field(fields))
    )
    return HistoryEntry(flatten_prompt(fields["prompt"]), item.gpt4res, criteria, item.gpt4judge)


@dataclass(frozen=True)
class Shown:
    """The messages of one position and the solved problems shown in them (None: the paradigm shows none)."""

    messages: list[dict]
    examples: list[dict] | None = None  # [{"problem_id", "answer_field"}] in the order shown


@dataclass
class Setup:
    """One evaluation's choices. ``problems`` are all loaded problems by id (few-shot draws from them)."""

    paradigm: str = DEFAULT_PARADIGM
    rubric_lang: str = DEFAULT_RUBRIC_LANG
    shots: int = DEFAULT_SHOTS
    few_shot_seed: int = DEFAULT_FEW_SHOT_SEED
    problems: dict = field(default_factory=dict)
    _draw: FewShotDraw | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.paradigm not in PARADIGMS:
            raise ValueError(f"unknown paradigm {self.paradigm!r}; one of {', '.join(PARADIGMS)}")
        if self.paradigm == FEW_SHOT:
            self._draw = FewShotDraw(self.problems, self.shots, self.few_shot_seed)

    @property
    def chained(self) -> bool:
        """Whether a sequence's positions run in order (one chain) or all at once."""
        return self.paradigm != ZERO_SHOT

    def check(self, sequences: list[dict], source: object) -> None:
        """Refuse data this paradigm cannot run on (few-shot without canonical answers), in one line."""
        if self._draw is not None:
            self._draw.check(sequences, source)

    def rubric_field(self, problem: dict) -> str | None:
        """The field whose text the judge grades ``problem`` by."""
        return rubric_field(problem, self.rubric_lang)

    def solved_shown(self, sequence: dict, position: int, problem: dict) -> list[tuple[dict, str, str | None]]:
        """The solved problems shown before ``position`` (few-shot, demonstration): ``(problem, standard
        answer, the field it came from)`` each, in order; [] for the other paradigms."""
        if self.paradigm == FEW_SHOT:
            assert self._draw is not None
            chosen = [self.problems[pid] for pid in self._draw.examples(sequence["type"], problem_key(problem))]
            return [(p, *standard_answer(p, None)) for p in chosen]
        if self.paradigm == DEMONSTRATION:
            before = [self.problems[pid] for pid in sequence["question_ids"][: position - 1]]
            return [(p, *standard_answer(p, self.rubric_field(p))) for p in before]
        return []

    def examples_shown(self, sequence: dict, position: int, problem: dict) -> list[dict] | None:
        """What a record says was shown: ``[{"problem_id", "answer_field"}]``, None for feedback and zero-shot."""
        if self.paradigm not in (FEW_SHOT, DEMONSTRATION):
            return None
        return _examples(self.solved_shown(sequence, position, problem))

    def shown(self, sequence: dict, position: int, problem: dict, earlier: list[SequentialItem]) -> Shown:
        """What the student is sent at ``position`` (1-based) of ``sequence``; ``earlier`` are the records
        of positions 1..position-1 (used by feedback only)."""
        kind, prompt = sequence["type"], problem["prompt"]
        if self.paradigm == FEEDBACK:
            return Shown(build_student_messages(kind, [history_entry(item) for item in earlier], prompt))
        if self.paradigm == ZERO_SHOT:
            return Shown(pp.student_messages(pp.zero_shot_system(kind), "", prompt))
        shown = self.solved_shown(sequence, position, problem)
        solved = [pp.SolvedProblem(flatten_prompt(p["prompt"]), text) for p, text, _ in shown]
        if self.paradigm == FEW_SHOT:
            context, system = pp.examples_text(solved), pp.few_shot_system(kind)
        else:
            context, system = pp.demonstrations_text(solved), pp.demonstration_system(kind)
        return Shown(pp.student_messages(system, context, prompt), _examples(shown))

    def check_records(self, items: list[SequentialItem], sequences: list[dict], where: object) -> None:
        """Refuse to resume records this run would have made differently: another rubric field for the
        judge, or other solved problems shown (other --shots, --few-shot-seed, --rubric-lang or data)."""
        by_id = {seq["sequence_id"]: seq for seq in sequences}
        for item in items:
            sequence = by_id.get(item.sequence_id)
            problem = self.problems.get(item.problem_id)
            if sequence is None or problem is None:
                continue
            here = f"{where}: sequence {item.sequence_id} position {item.position_in_sequence}"
            wanted = self.rubric_field(problem)
            if item.rubric_field is not None and item.rubric_field != wanted:
                raise UsageError(
                    f"{here} was judged by {item.rubric_field}; this run would use {wanted} (--rubric-lang "
                    f"{self.rubric_lang}): rerun with the --rubric-lang it used or choose another --output"
                )
            expected = self.examples_shown(sequence, item.position_in_sequence, problem)
            if item.examples_shown is not None and item.examples_shown != expected:
                raise UsageError(
                    f"{here} was answered after {_ids(item.examples_shown)}; this run would show {_ids(expected)} "
                    "(other --shots, --few-shot-seed, --rubric-lang or data): rerun with the settings it used "
                    "or choose another --output"
                )


def _examples(solved: list[tuple[dict, str, str | None]]) -> list[dict]:
    """How a record names the solved problems it showed: ``[{"problem_id", "answer_field"}]``, in order."""
    return [{"problem_id": problem_key(p), "answer_field": source} for p, _, source in solved]


def _ids(examples: list[dict] | None) -> str:
    shown = ", ".join(f"{e['problem_id']!r} ({e['answer_field']})" for e in examples or [])
    return f"problems {shown}" if shown else "no examples"
