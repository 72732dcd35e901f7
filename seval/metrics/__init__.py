"""EvaLearn's learning metrics over result files (streamed), and the runner view of a runs.jsonl."""
