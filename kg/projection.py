"""The property-graph view of a build: nodes and edges with evidence inline, as plain JSON.

Queries, the pyvis view and the Neo4j exporters read this view; it is written once per build.
"""

from __future__ import annotations

from typing import Any

from kg.model import Corpus, Document, Entity, Passage, Relation
from kg.ontology import Ontology


def evidence_json(passage: Passage) -> dict[str, Any]:
    """One evidence item: document, section, character offsets and the exact text there."""
    return {"document": passage.document, "section": passage.section, "start": passage.start,
            "end": passage.end, "quote": passage.text}


def review_fields(item: Entity | Relation) -> dict[str, Any]:
    """``status`` (only ``"draft"``), ``confidence`` and ``rule`` where the item has them:
    reviewed curated items get no key, so a graph without proposals projects as before."""
    return {key: value for key, value in (("status", item.status),
                                          ("confidence", item.confidence), ("rule", item.rule))
            if value is not None}


def project(corpus: Corpus, ontology: Ontology) -> dict[str, Any]:
    """Nodes (documents and entities) and edges (relations), sorted for stable output."""
    nodes: list[dict[str, Any]] = []
    for doc in corpus.documents:
        nodes.append({"id": f"document/{doc.id}", "class": "Document", "label": dict(doc.title),
                      "alt_labels": {}, "definition": {}, "document": doc.id, "origin": "metadata",
                      "properties": {"file": doc.file, "sha256": doc.sha256,
                                     **dict(doc.bibliography)}, "evidence": []})
    for entity in corpus.entities:
        nodes.append({
            "id": entity.id, "class": entity.type, "label": dict(entity.label),
            "alt_labels": {k: list(v) for k, v in entity.alt_labels.items()},
            "definition": dict(entity.definition), "document": entity.document,
            "origin": entity.origin, "properties": dict(sorted(entity.properties.items())),
            "evidence": [evidence_json(p) for p in entity.evidence], **review_fields(entity)})
    edges: list[dict[str, Any]] = []
    for relation in corpus.relations:
        info = ontology.relations[relation.predicate]
        edges.append({
            "source": relation.subject, "target": relation.object,
            "relation": relation.predicate, "type": info.neo4j_type,
            "modality": relation.modality, "origin": relation.origin,
            "evidence": [evidence_json(p) for p in relation.evidence],
            **review_fields(relation)})
    nodes.sort(key=lambda n: n["id"])
    edges.sort(key=lambda e: (e["source"], e["relation"], e["target"]))
    return {**header(corpus.documents, ontology), "nodes": nodes, "edges": edges}


def header(documents: list[Document], ontology: Ontology) -> dict[str, Any]:
    """The projection's parts besides nodes and edges: documents, classes and relations."""
    return {
        "documents": {doc.id: {"title": doc.title, "file": doc.file, "sha256": doc.sha256,
                               "language": list(doc.language),
                               "bibliography": dict(doc.bibliography)} for doc in documents},
        "classes": {name: {"label": info.label, "definition": info.definition,
                           "parents": list(info.parents)}
                    for name, info in sorted(ontology.classes.items())},
        "relations": {name: {"label": info.label, "type": info.neo4j_type}
                      for name, info in sorted(ontology.relations.items())},
    }
