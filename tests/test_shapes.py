"""The SHACL shapes: the conforming sample conforms, each broken sample fails on its shape."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph

from kg.validation import validate_graph

FIXTURES = Path(__file__).parent / "fixtures" / "shacl"
SHAPES = "https://w3id.org/innovation-kg/shapes#"
BAD = sorted(FIXTURES.glob("bad-*.ttl"))


def named_shape(path: Path) -> str:
    match = re.search(r"^# violates: ikgsh:(\w+)", path.read_text(encoding="utf-8"), re.M)
    assert match, f"{path.name} must name the shape it violates"
    return SHAPES + match.group(1)


def shapes_of(finding_shape: str, shapes: Graph) -> set[str]:
    """The shape that produced a result and the node shape that holds it."""
    from rdflib import URIRef
    from rdflib.namespace import SH

    out = {finding_shape}
    out.update(str(holder) for holder in shapes.subjects(SH.property, URIRef(finding_shape)))
    return out


def test_conforming_sample_conforms() -> None:
    report = validate_graph(Graph().parse(FIXTURES / "conforming.ttl"))
    assert report.conforms, report.text


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_broken_sample_fails_on_its_shape(path: Path) -> None:
    from kg.ontology import ONTOLOGY_DIR, SHAPES_FILE

    shapes = Graph().parse(ONTOLOGY_DIR / SHAPES_FILE)
    report = validate_graph(Graph().parse(path))
    assert not report.conforms
    produced = set().union(*(shapes_of(f.shape, shapes) for f in report.results))
    assert all(f.message for f in report.results)
    assert named_shape(path) in produced, [f.message for f in report.results]


def test_there_are_broken_samples_for_the_key_rules() -> None:
    names = {p.stem for p in BAD}
    assert {"bad-barrier-without-hinders", "bad-relation-without-assertion", "bad-wrong-range",
            "bad-case-missing-indicator", "bad-strategy-without-target"} <= names


def test_kg_validate_exits_1_on_a_store_that_does_not_conform(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from kg.cli import app
    from kg.graph import canonical_ntriples
    from kg.store import save

    graph = Graph().parse(FIXTURES / "bad-barrier-without-hinders.ttl")
    save(tmp_path, ntriples=canonical_ntriples(graph),
         projection={"nodes": [], "edges": [], "documents": {}, "classes": {}, "relations": {}},
         manifest={"triples": len(graph)})
    runner = CliRunner()
    text = runner.invoke(app, ["validate", "--data-dir", str(tmp_path)])
    assert text.exit_code == 1
    assert text.stdout.startswith("conforms: false")
    assert "hinder" in text.stdout
    as_json = runner.invoke(app, ["validate", "--format", "json", "--data-dir", str(tmp_path)])
    report = json.loads(as_json.stdout)
    assert as_json.exit_code == 1 and report["conforms"] is False
    assert {"severity", "focus", "path", "message", "shape"} <= set(report["results"][0])
