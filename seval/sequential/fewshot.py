"""The few-shot paradigm's examples: a seeded draw of solved problems of the same task type.

EvaLearn's ``few_shot.py`` seeds Python's global generator with 42 and samples three problems per
type once, from every problem of the type, so the problem being answered can be its own example.
Here each type's problems that have a canonical answer are put in one seeded order (``--few-shot-seed``,
per type, independent of sequence order, workers and resumes), and a problem's examples are the first
``--shots`` of that order other than itself: nearly every problem of a type sees the same examples, as
in the reference, and none sees itself.
"""

from __future__ import annotations

import random

from seval.errors import DataError, UsageError
from seval.sequential.records import ProblemId, id_sort_key
from seval.sequential.rubrics import canonical_answer

DEFAULT_SHOTS = 3  # EvaLearn's few_shot_examples_per_type
DEFAULT_FEW_SHOT_SEED = 42  # EvaLearn's seed


class FewShotDraw:
    """Examples per (type, problem), from ``problems`` (all loaded problems, by id)."""

    def __init__(self, problems: dict, shots: int = DEFAULT_SHOTS, seed: int = DEFAULT_FEW_SHOT_SEED):
        self.problems = problems
        self.shots = shots
        self.seed = seed
        self._orders: dict[str, list[ProblemId]] = {}

    def order(self, kind: str) -> list[ProblemId]:
        """The type's problems with a canonical answer, in their seeded order."""
        if kind not in self._orders:
            pool = sorted(
                (pid for pid, p in self.problems.items() if p.get("type") == kind and canonical_answer(p) is not None),
                key=id_sort_key,
            )
            # A string seed is hashed with SHA-512 by random.Random: the same order in every process.
            random.Random(f"few-shot:{self.seed}:{kind}").shuffle(pool)
            self._orders[kind] = pool
        return self._orders[kind]

    def examples(self, kind: str, problem_id: ProblemId | None) -> list[ProblemId]:
        """The ids shown before ``problem_id``: the first ``shots`` of the type's order, never itself."""
        return [pid for pid in self.order(kind) if pid != problem_id][: self.shots]

    def check(self, sequences: list[dict], source: object) -> None:
        """Refuse, in one line, data that cannot give every selected position its ``shots`` examples."""
        if not any(canonical_answer(p) is not None for p in self.problems.values()):
            raise DataError(
                f"--paradigm few-shot shows example problems with their canonical answers, and {source} has "
                "none (EvaLearn's June 2025 release left them empty: use the January 2026 data)"
            )
        for seq in sequences:
            for pid in seq["question_ids"]:
                found = len(self.examples(seq["type"], pid))
                if found < self.shots:
                    raise UsageError(
                        f"--shots {self.shots}: task type {seq['type']!r} has only {found} other problems with a "
                        f"canonical answer to show before problem {pid!r}; lower --shots"
                    )
