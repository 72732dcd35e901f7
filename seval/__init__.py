"""seval: the self-evolving benchmark and EvaLearn's sequential evaluation, on one client, engine and journal.

Subpackages are the architecture: ``client`` (HTTP to OpenAI-compatible endpoints), ``io`` (files), ``benchmark``,
``sequential``, ``metrics``, ``sim`` (a simulated endpoint) and ``cli`` (flags in, exit codes out). See DESIGN.md.
"""
