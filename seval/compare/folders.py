"""``--compare DIR [DIR ...]``: the comparison of finished output folders that answered the same questions.

Typically each folder is a ``--replay`` of one frozen question set by another
model. Questions are matched by their text; questions left out of scoring are
left out; a question not answered by every model is compared only where it
was. Nothing is sent anywhere.
"""

from __future__ import annotations

from pathlib import Path

from seval.benchmark.store import RUNS_FILE, load_runs
from seval.compare.build import Scores
from seval.compare.run import question_scores
from seval.errors import DataError

COMPARISON_FILE = "comparison.json"
COMPARISON_REPORT = "comparison.md"


def scores_of_folders(folders: list[Path]) -> tuple[list[str], Scores, list[str]]:
    """The models in the order their folders were given, their scores by question text, and notes.

    A model met again in a later folder is told apart by that folder's name.
    """
    models: list[str] = []
    scores: Scores = {}
    notes: list[str] = []
    for folder in folders:
        if not (Path(folder) / RUNS_FILE).is_file():
            raise DataError(f"--compare: {folder} holds no {RUNS_FILE} (is it a benchmark output folder?)")
        runs, warning = load_runs(Path(folder))
        if warning:
            notes.append(warning)
        named_here: dict[str, str] = {}
        for record in runs:
            for model, example, score in question_scores(record):
                question = example.question
                name = named_here.get(model)
                if name is None:
                    name = named_here[model] = model if model not in scores else f"{model} ({folder})"
                    models.append(name)
                    scores[name] = {}
                if question in scores[name]:
                    notes.append(f"{folder}: {name} answered a question more than once; the last answer counts")
                scores[name][question] = score
    if len(models) < 2:
        raise DataError("--compare needs at least two answering models across the folders given")
    return models, scores, notes
