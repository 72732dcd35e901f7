"""The commands' first step: import the tool, then run it, so Ctrl-C during start-up is exit 130, not a traceback.

Importing a tool (rich, pydantic, numpy, ...) takes a noticeable moment; a Ctrl-C
then would otherwise surface as a KeyboardInterrupt traceback, because the
tool's own error edge (``run_main``) is not running yet. This module imports
nothing heavy itself. The console scripts and the root entry scripts start here.
"""

from __future__ import annotations

import importlib
import sys

INTERRUPTED = 130


def launch(module: str) -> int:
    """Import ``module`` and return its ``main()``; 130 (and one line) when Ctrl-C comes during the import."""
    try:
        main = importlib.import_module(module).main
    except KeyboardInterrupt:
        print("Interrupted while starting; nothing was done.", file=sys.stderr)
        return INTERRUPTED
    return int(main())


def benchmark() -> int:
    """The ``self-evolving-benchmark`` command."""
    return launch("seval.cli.benchmark")


def sequential() -> int:
    """The ``sequential-eval`` command."""
    return launch("seval.cli.sequential")


def metrics() -> int:
    """The ``evaluate-metric`` command."""
    return launch("seval.cli.metrics")


def simulator() -> int:
    """The ``sim-endpoint`` command."""
    return launch("seval.sim.server")
