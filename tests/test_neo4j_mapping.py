"""The Neo4j property-graph mapping: labels and types from the ontology, passages, typed values."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kg.errors import KgError
from kg.neo4j.mapping import (
    HAS_EVIDENCE, IN_DOCUMENT, MARKER, PASSAGE, load, property_graph, schema_markdown, schema_of,
    value_type)
from kg.store import load_projection, ntriples_path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "neo4j.md"
ID = "https://w3id.org/innovation-kg/id/"


@pytest.fixture(scope="module")
def mapped(seed_store: Path):
    return load(seed_store)


def test_labels_and_types_come_from_the_ontology(seed_store: Path, mapped) -> None:
    graph, schema = mapped
    projection = load_projection(seed_store)
    ontology_classes = set(projection["classes"])
    assert set(schema.label_names) <= ontology_classes | {MARKER}
    relation_types = {info["type"] for info in projection["relations"].values()}
    assert set(schema.type_names) <= relation_types | {HAS_EVIDENCE, IN_DOCUMENT}
    for spec in schema.types:
        if spec.name not in (HAS_EVIDENCE, IN_DOCUMENT):
            assert projection["relations"][spec.relation]["type"] == spec.name


def test_every_relationship_end_is_a_node_and_ids_are_unique(mapped) -> None:
    graph, _ = mapped
    ids = [node.id for node in graph.nodes]
    assert len(ids) == len(set(ids))
    for rel in graph.relationships:
        assert rel.source in set(ids) and rel.target in set(ids)
    keys = [(r.type, r.source, r.target) for r in graph.relationships]
    assert len(keys) == len(set(keys))


def test_passages_are_the_rdf_passages_and_sit_in_their_document(seed_store: Path, mapped) -> None:
    graph, _ = mapped
    passages = {node.id for node in graph.nodes if node.kind == PASSAGE}
    text = ntriples_path(seed_store).read_text(encoding="utf-8")
    rdf = set(re.findall(r"<" + re.escape(ID) + r"(passage/[^>]+)> <http://www\.w3\.org/1999/02/"
                         r"22-rdf-syntax-ns#type>", text))
    assert passages == rdf
    in_document = {r.source: r.target for r in graph.relationships if r.type == IN_DOCUMENT}
    assert set(in_document) == passages
    nodes = {node.id: node for node in graph.nodes}
    for pid, doc in in_document.items():
        passage = nodes[pid].props
        assert doc == f"document/{passage['document']}"
        start, end = passage["startOffset"], passage["endOffset"]
        assert pid == f"passage/{passage['document']}/{start}-{end}"


def test_entity_evidence_becomes_has_evidence_and_relationship_evidence_names_passages(
        seed_store: Path, mapped) -> None:
    graph, _ = mapped
    projection = load_projection(seed_store)
    node = next(n for n in projection["nodes"] if n["id"] == "barrier/data-security-risk")
    expected = {f"passage/{e['document']}/{e['start']}-{e['end']}" for e in node["evidence"]}
    found = {r.target for r in graph.relationships
             if r.type == HAS_EVIDENCE and r.source == node["id"]}
    assert found == expected and expected
    passages = {n.id for n in graph.nodes if n.kind == PASSAGE}
    hinders = [r for r in graph.relationships if r.type == "HINDERS"]
    for rel in hinders:
        assert rel.props["evidence_passages"] and set(rel.props["evidence_passages"]) <= passages
        assert len(rel.props["evidence_passages"]) == len(rel.props["evidence_quotes"])


def test_indicators_and_statistics_are_typed_numbers(mapped) -> None:
    graph, schema = mapped
    types = schema.property_types
    assert types["yearsOnPlatform"] == "INTEGER" and types["sampleSize"] == "INTEGER"
    for name in ("platformTransactionRatio", "innovationInvestmentRatio",
                 "feedbackResponseRate", "value", "before", "after"):
        assert types[name] == "FLOAT", name
    case = next(n for n in graph.nodes if n.id == "case/large-electronics-maker")
    assert case.props["yearsOnPlatform"] == 6 and case.props["platformTransactionRatio"] == 70.0
    assert case.labels == ("Case",)


def test_every_node_has_id_and_a_class_label(mapped) -> None:
    graph, _ = mapped
    for node in graph.nodes:
        assert node.props["id"] == node.id
        assert node.kind in node.labels


def test_superclass_labels_are_kept(mapped) -> None:
    graph, _ = mapped
    platform = next(n for n in graph.nodes if n.kind == "Platform")
    assert platform.labels == ("Organization", "Platform")


def test_same_projection_same_graph(seed_store: Path, mapped) -> None:
    again, schema = load(seed_store)
    assert again == mapped[0]
    assert schema_markdown(schema) == schema_markdown(mapped[1])


def test_a_property_with_two_types_is_refused() -> None:
    projection = {"classes": {"X": {"parents": []}}, "relations": {}, "edges": [],
                  "nodes": [{"id": "x/1", "class": "X", "document": "000", "properties": {"v": 1}},
                            {"id": "x/2", "class": "X", "document": "000",
                             "properties": {"v": "one"}}]}
    with pytest.raises(KgError, match="property 'v' is STRING here but INTEGER"):
        schema_of(property_graph(projection))


def test_an_edge_to_a_missing_node_is_refused() -> None:
    projection = {"classes": {}, "relations": {}, "nodes": [],
                  "edges": [{"source": "a", "target": "b", "relation": "r", "type": "R",
                             "modality": "stated", "evidence": []}]}
    with pytest.raises(KgError, match="unknown node 'a'"):
        property_graph(projection)


def test_value_types() -> None:
    assert value_type(True) == "BOOLEAN"
    with pytest.raises(ValueError):
        value_type([1, "a"])
    with pytest.raises(ValueError):
        value_type({"nested": 1})


def test_docs_mapping_table_is_the_generated_one(mapped) -> None:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(r"<!-- mapping:start .*?-->\n(.*?)<!-- mapping:end -->", text, re.S)
    assert match, "docs/neo4j.md must hold the mapping between the mapping:start/end markers"
    assert match.group(1) == schema_markdown(mapped[1]), (
        "regenerate it with `kg neo4j schema --format markdown`")
