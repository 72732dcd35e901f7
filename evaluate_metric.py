#!/usr/bin/env python3
"""EvaLearn's sequential-learning metrics: the root entry point under the design card's name.

The metrics live in ``seval.metrics`` (the command line in ``seval.cli.metrics``);
``from evaluate_metric import EvaLearnMetrics`` keeps working from the
repository root. Installed, the command is ``evaluate-metric``.
"""

import sys

if __name__ == "__main__":  # the tool is imported inside the launcher, so Ctrl-C while it loads is exit 130
    from seval.cli.launch import metrics

    sys.exit(metrics())

from seval.cli.metrics import build_parser, main
from seval.metrics.evalearn import EvaLearnMetrics

__all__ = ["EvaLearnMetrics", "build_parser", "main"]
