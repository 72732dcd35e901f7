#!/usr/bin/env python3
"""SIMULATED OpenAI-compatible endpoint on loopback (no real model): the root entry point.

The simulator lives in ``seval.sim``; installed, this command is ``sim-endpoint``.
"""

import sys

if __name__ == "__main__":  # the tool is imported inside the launcher, so Ctrl-C while it loads is exit 130
    from seval.cli.launch import simulator

    sys.exit(simulator())

from seval.sim.server import SimServer, main

__all__ = ["SimServer", "main"]
