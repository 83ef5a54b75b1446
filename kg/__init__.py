"""innovation-kg: a provenance-checked knowledge graph of the innovation mechanism model."""

__version__ = "0.1.0"
