"""The ontology: complete bilingual labels, and in step with the annotation contract."""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, SKOS

from kg.ontology import IKG, ONTOLOGY_DIR, load_ontology

CONTRACT = (Path(__file__).resolve().parent.parent / "docs" / "annotations.md").read_text(encoding="utf-8")


def ontology_graph() -> Graph:
    return Graph().parse(ONTOLOGY_DIR / "innovation.ttl")


def languages(graph: Graph, subject: URIRef, predicate: URIRef) -> set[str]:
    return {o.language for o in graph.objects(subject, predicate) if isinstance(o, Literal) and o.language}


def test_every_term_has_zh_and_en_labels_and_a_definition() -> None:
    graph = ontology_graph()
    terms = [s for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, SKOS.Concept)
             for s in graph.subjects(RDF.type, kind) if str(s).startswith(IKG)]
    assert len(terms) > 60
    for term in terms:
        assert {"zh", "en"} <= languages(graph, term, SKOS.prefLabel), term
        assert "en" in languages(graph, term, SKOS.definition), term


def test_design_classes_exist() -> None:
    classes = set(load_ontology().classes)
    assert {"Document", "Passage", "Reference", "Theory", "Dimension", "Mechanism", "MechanismStage",
            "InnovationType", "Case", "Sample", "Statistic", "Barrier", "Strategy", "Policy",
            "Organization", "Platform", "InnovationMode", "CompetitionEffect", "Assertion"} <= classes


def test_relations_match_the_annotation_contract() -> None:
    ontology = load_ontology()
    table = CONTRACT.split("## Relations", 1)[1]
    rows = re.findall(r"^\| (\w+) \| ([^|]+) \|", table, re.M)
    documented = {name: spec for name, spec in rows if name != "relation"}
    assert set(documented) == set(ontology.relations) - {"cites"}
    for name, spec in documented.items():
        if name == "closeMatch":
            continue
        if spec.count("→") > 1:  # "Barrier→Barrier, Problem→Problem"
            pairs = [chunk.split("→") for chunk in spec.split(",")]
            subjects = {left.strip() for left, _ in pairs}
            objects = {right.strip() for _, right in pairs}
        else:
            left, right = spec.split("→")
            subjects = {c.strip() for c in left.split(",")}
            objects = {c.strip() for c in right.split(",")}
        info = ontology.relations[name]
        assert subjects == set(info.domain), name
        assert objects == set(info.range), name


def test_modalities_and_actors_are_concepts() -> None:
    ontology = load_ontology()
    assert {"stated", "evidenced", "recommended", "aligned", "enterprise", "platform",
            "government"} <= set(ontology.concepts)
