"""The command-line edge: flags to typed settings, the tools' main functions, one-line errors and exit codes."""
