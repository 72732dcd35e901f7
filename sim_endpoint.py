#!/usr/bin/env python3
"""SIMULATED OpenAI-compatible endpoint on loopback (no real model): the root entry point.

The simulator lives in ``seval.sim``; installed, this command is ``sim-endpoint``.
"""

import sys

from seval.sim.server import SimServer, main

__all__ = ["SimServer", "main"]

if __name__ == "__main__":
    sys.exit(main())
