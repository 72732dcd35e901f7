"""Which model is better, and is the difference real: paired statistics over the same questions."""
