#!/usr/bin/env python3
"""EvaLearn sequential evaluation: the root entry point under the design card's name.

The mode lives in ``seval.sequential`` (its command line in ``seval.cli.sequential``);
this module re-exports the Python API EvaLearn's scripts offer (its four paradigms:
``sequentialEval`` for feedback learning, ``zeroShotEval``, ``fewShotEval``,
``demonstrationEval``), so ``from sequential_eval import sequentialEval`` keeps working
from the repository root. Installed, the command is ``sequential-eval``.
"""

import sys

if __name__ == "__main__":  # the tool is imported inside the launcher, so Ctrl-C while it loads is exit 130
    from seval.cli.launch import sequential

    sys.exit(sequential())

from seval.cli.sequential import build_parser, main
from seval.sequential.annotator import Annotator
from seval.sequential.api import demonstrationEval, fewShotEval, zeroShotEval
from seval.sequential.data import load_evaluation_data, select_sequences_for_evaluation
from seval.sequential.positions import evaluate_sequence
from seval.sequential.runner import sequentialEval

__all__ = [
    "Annotator",
    "build_parser",
    "demonstrationEval",
    "evaluate_sequence",
    "fewShotEval",
    "load_evaluation_data",
    "main",
    "select_sequences_for_evaluation",
    "sequentialEval",
    "zeroShotEval",
]
