"""RDF serialisations of the built graph: Turtle, N-Triples, JSON-LD (byte-stable)."""

from __future__ import annotations

import json
from pathlib import Path

from kg.graph import PREFIXES
from kg.store import read_ntriples


def export_turtle(data_dir: Path, out: Path | None = None) -> bytes:
    """Turtle, byte-stable."""
    return export_rdf(data_dir, "ttl")


def export_ntriples(data_dir: Path, out: Path | None = None) -> bytes:
    """Canonical (sorted) N-Triples."""
    return export_rdf(data_dir, "nt")


def export_jsonld(data_dir: Path, out: Path | None = None) -> bytes:
    """JSON-LD with a prefix context, arrays sorted."""
    return export_rdf(data_dir, "jsonld")


def export_rdf(data_dir: Path, fmt: str) -> bytes:
    """The current build serialised as ``fmt``; the same store always gives the same bytes."""
    data = read_ntriples(data_dir)
    if fmt == "nt":
        return data
    from rdflib import Graph

    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    graph.parse(data=data.decode("utf-8"), format="nt")
    if fmt == "ttl":
        return graph.serialize(format="turtle", encoding="utf-8")
    if fmt == "jsonld":
        text = graph.serialize(format="json-ld", context=dict(PREFIXES), auto_compact=True)
        data = _canonical(json.loads(text))
        return (json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode()
    raise ValueError(f"unknown RDF format {fmt!r}")


def _canonical(value: object) -> object:
    """Sort every JSON-LD array so that the serialisation does not depend on triple order."""
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_canonical(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True))
    return value
