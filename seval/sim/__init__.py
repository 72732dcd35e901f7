"""A SIMULATED OpenAI-compatible endpoint for demos and tests: procedural items, simulated models, HTTP."""
