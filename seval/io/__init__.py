"""Files: atomic replacement, JSONL journals, output folders and locks."""
