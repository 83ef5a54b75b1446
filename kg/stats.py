"""Counts per class and per relation, overall and per document, from the stored build."""

from __future__ import annotations

from collections import Counter
from typing import Any


def compute_stats(projection: dict[str, Any], manifest: dict[str, Any]) -> dict[str, Any]:
    """``{"classes", "relations", "documents": {id: {...}}, "triples"}``, names as in the ontology."""
    classes = Counter(node["class"] for node in projection["nodes"])
    relations = Counter(edge["relation"] for edge in projection["edges"])
    home = {node["id"]: node["document"] for node in projection["nodes"]}
    per_doc: dict[str, dict[str, Any]] = {}
    for doc_id, meta in sorted(projection["documents"].items()):
        doc_classes = Counter(n["class"] for n in projection["nodes"] if n["document"] == doc_id)
        doc_relations = Counter(e["relation"] for e in projection["edges"]
                                if home.get(e["source"]) == doc_id)
        cross = sum(1 for e in projection["edges"]
                    if home.get(e["source"]) == doc_id and home.get(e["target"]) != doc_id)
        per_doc[doc_id] = {"title": meta["title"], "classes": dict(sorted(doc_classes.items())),
                           "relations": dict(sorted(doc_relations.items())),
                           "entities": sum(doc_classes.values()),
                           "edges": sum(doc_relations.values()), "cross_document_edges": cross}
    evidence = sum(len(e["evidence"]) for e in projection["edges"])
    return {"classes": dict(sorted(classes.items())), "relations": dict(sorted(relations.items())),
            "documents": per_doc, "triples": manifest["triples"],
            "entities": sum(classes.values()), "edges": sum(relations.values()),
            "evidence_items": evidence}
