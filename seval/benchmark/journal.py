"""A benchmark run's journal: every finished step, on disk before it counts.

The journal file holds the run's plan, then one event per generated question
and per answered-and-judged item, in the order they finished (which under
concurrency is not the record order; records are put in round-robin order when
the run record is built). In memory it is two dictionaries, questions keyed by
cell position and items by cell position, answering model and sample, which is
all a resume needs: a step already here is never redone.
"""

from __future__ import annotations

import threading
from pathlib import Path

from seval.benchmark.records import ItemStep, QuestionStep, RunFinished, RunPlan
from seval.benchmark.store import journal_path
from seval.errors import DataError
from seval.io.jsonl import JsonlAppender

CellKey = tuple[int, str, int]  # (difficulty, reasoning type, question index)
ItemKey = tuple[CellKey, str, int]  # (cell, answering model, sample)


def step_key(step: QuestionStep | ItemStep) -> CellKey:
    return (step.difficulty, step.reasoning_type, step.question_index)


class RunJournal:
    """The journal of one run, thread-safe; ``changed`` is notified on every step."""

    def __init__(self, path: Path, plan: RunPlan, writable: bool = True):
        self.path = path
        self.plan = plan
        self.questions: dict[CellKey, QuestionStep] = {}
        self.items: dict[ItemKey, ItemStep] = {}
        self.finished = False
        self.changed = threading.Condition()
        # Opening the appender cuts a torn last line off the file: a journal only read (the viewer) leaves it be.
        self._appender = JsonlAppender(path) if writable else _ReadOnly(path)

    @classmethod
    def create(cls, out_dir: Path, plan: RunPlan) -> RunJournal:
        """Start the journal of a new run by writing its plan (never into a journal that already holds one)."""
        path = journal_path(out_dir, plan.run_id)
        if path.exists() and path.stat().st_size:
            raise DataError(
                f"{path} already exists, so run {plan.run_id} cannot start there; it was not read "
                "when this run was planned (another run?): rerun the command"
            )
        journal = cls(path, plan)
        journal._appender.append(plan)
        return journal

    @classmethod
    def from_events(cls, path: Path, run_id: int, events: list, writable: bool = True) -> RunJournal:
        """The journal whose file ``path`` holds ``events`` (already read), ready to append to (``writable``)
        or only to be read (nothing is written to the file, not even a torn line cut off)."""
        if not isinstance(events[0], RunPlan) or events[0].run_id != run_id:
            raise DataError(f"{path} does not start with the plan of run {run_id}; move it away to start afresh")
        journal = cls(path, events[0], writable)
        items = []
        for event in events[1:]:
            if isinstance(event, QuestionStep):
                journal.questions[step_key(event)] = event
            elif isinstance(event, ItemStep):
                items.append(event)
            elif isinstance(event, RunFinished):
                journal.finished = True
            elif isinstance(event, RunPlan) and event.run_id == run_id:
                journal.plan = event  # an amended plan (a model changed before it was used) wins
        for item in items:  # after the last plan: an item written before models were recorded is its model's
            journal.items[journal.item_key(item)] = item
        return journal

    def item_key(self, item: ItemStep) -> ItemKey:
        """Where ``item`` is kept: its cell, model (the plan's first when the item names none) and sample."""
        return step_key(item), item.model or self.plan.answering_models[0], item.sample

    def wanted(self, cell: CellKey) -> list[ItemKey]:
        """The items a cell needs: every answering model of the plan, every sample."""
        return [
            (cell, model, sample) for model in self.plan.answering_models for sample in range(1, self.plan.samples + 1)
        ]

    def answers_of(self, cell: CellKey) -> dict[str, list[ItemStep]]:
        """Each answering model's journaled samples of ``cell``, in sample order (models in the order named)."""
        found: dict[str, list[ItemStep]] = {model: [] for model in self.plan.answering_models}
        for _, model, sample in self.wanted(cell):
            item = self.items.get((cell, model, sample))
            if item is not None:
                found[model].append(item)
        return found

    def has_items(self, cells: list[CellKey]) -> bool:
        """Whether every one of ``cells`` has all its answered-and-judged items."""
        return all(key in self.items for cell in cells for key in self.wanted(cell))

    def items_done(self) -> int:
        """How many of the plan's items are journaled."""
        return sum(1 for key in self.items if key[1] in self.plan.answering_models and key[2] <= self.plan.samples)

    def record(self, step: QuestionStep | ItemStep) -> None:
        """Append a finished step (fsynced), then make it visible."""
        self._appender.append(step)
        with self.changed:
            if isinstance(step, QuestionStep):
                self.questions[step_key(step)] = step
            else:
                self.items[self.item_key(step)] = step
            self.changed.notify_all()

    def amend(self, plan: RunPlan) -> None:
        """Record a changed plan (models of roles that had not answered yet); the last plan wins."""
        self._appender.append(plan)
        self.plan = plan

    def finish(self, event: RunFinished) -> None:
        """Mark the run as written out."""
        self._appender.append(event)
        self.finished = True


class _ReadOnly:
    """The appender of a journal opened only to be read."""

    def __init__(self, path: Path):
        self.path = path

    def append(self, record: object) -> None:
        raise RuntimeError(f"{self.path} was opened read-only")
