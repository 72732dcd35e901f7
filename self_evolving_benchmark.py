#!/usr/bin/env python3
"""Self-evolving benchmark: one model writes questions, a second answers, a third judges.

Entry point kept at the root under the design card's name; the tool lives in
``seval`` (command line in ``seval.cli.benchmark``, the run in
``seval.benchmark``). Installed, the same command is ``self-evolving-benchmark``.
"""

import sys

if __name__ == "__main__":  # the tool is imported inside the launcher, so Ctrl-C while it loads is exit 130
    from seval.cli.launch import benchmark

    sys.exit(benchmark())

from seval.cli.benchmark import build_parser, main, run

__all__ = ["build_parser", "main", "run"]
