"""What a finished benchmark run shows: the markdown report, its trust section and the console summary."""
