"""The self-evolving benchmark: settings, planning, the run, its journal and records, questions, judges, scores."""
