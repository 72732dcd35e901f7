"""EvaLearn's sequential evaluation: problems and sequences, prompts, the run, its records and report."""
