#!/usr/bin/env python3
"""SIMULATED OpenAI-compatible endpoint on loopback (no real model): the root entry point.

The simulator lives in ``seval.sim``; installed, this command is ``sim-endpoint``.
"""

import sys

if __name__ == "__main__":  # the tool is imported inside the launcher, so Ctrl-C while it loads is exit 130
    from seval.cli.launch import simulator

    sys.exit(simulator())

from seval.sim.server import (
    KINDS,
    SimServer,
    answers_match,
    embed_text,
    find_item_tags,
    main,
    make_item,
    plausible_wrong,
    solve_item,
    solver_accuracy,
    true_answer_for,
)

__all__ = [  # the names this module had before the simulator moved into seval.sim (README uses make_item)
    "SimServer",
    "make_item",
    "solve_item",
    "find_item_tags",
    "true_answer_for",
    "plausible_wrong",
    "answers_match",
    "solver_accuracy",
    "embed_text",
    "KINDS",
    "main",
]
