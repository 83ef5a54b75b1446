"""Readers that turn ``seed_data/`` into records: one module per input kind."""
