"""The property-graph mapping shared by `kg cypher` (embedded) and the Neo4j exporters.

Labels are ontology class local names (with their ontology superclasses), relationship types
are UPPER_SNAKE relation names, properties are flat and typed: ``id``, ``label_zh``,
``label_en``, ``document``, the class's own properties, and evidence as parallel arrays.
"""

from __future__ import annotations

from typing import Any


def node_labels(node: dict[str, Any], classes: dict[str, Any]) -> list[str]:
    """The node's class and its ontology superclasses, sorted."""
    out, todo = set(), [node["class"]]
    while todo:
        cls = todo.pop()
        if cls not in out:
            out.add(cls)
            todo.extend(classes.get(cls, {}).get("parents", []))
    return sorted(out)


def node_properties(node: dict[str, Any]) -> dict[str, Any]:
    """Flat, typed properties of a node (no nested maps: Neo4j stores none)."""
    props: dict[str, Any] = {"id": node["id"], "document": node["document"]}
    for lang in ("zh", "en"):
        if lang in node.get("label", {}):
            props[f"label_{lang}"] = node["label"][lang]
        if lang in node.get("definition", {}):
            props[f"definition_{lang}"] = node["definition"][lang]
        alts = node.get("alt_labels", {}).get(lang)
        if alts:
            props[f"alt_labels_{lang}"] = list(alts)
    for key, value in sorted(node.get("properties", {}).items()):
        props[key] = value
    if node.get("status"):  # a draft proposed by `kg ingest`, not yet reviewed
        props["status"] = node["status"]
    return props


def passage_id(evidence: dict[str, Any]) -> str:
    """The id of an evidence passage, as the RDF graph names it.

    >>> passage_id({"document": "000", "start": 5, "end": 9})
    'passage/000/5-9'
    """
    return f"passage/{evidence['document']}/{evidence['start']}-{evidence['end']}"


def edge_properties(edge: dict[str, Any]) -> dict[str, Any]:
    """Modality and evidence (parallel arrays; ``evidence_passages`` name the passages)."""
    evidence = edge.get("evidence", [])
    return {
        **({"status": edge["status"]} if edge.get("status") else {}),
        "modality": edge["modality"],
        "evidence_passages": [passage_id(e) for e in evidence],
        "evidence_documents": [e["document"] for e in evidence],
        "evidence_sections": [e["section"] or "" for e in evidence],
        "evidence_starts": [e["start"] for e in evidence],
        "evidence_ends": [e["end"] for e in evidence],
        "evidence_quotes": [" ".join(e["quote"].split()) for e in evidence],
    }
