"""One writer per output format, each reading the built store."""
