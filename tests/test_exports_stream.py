"""The Turtle and N-Triples exports stream from the stored file and read back as the graph."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from kg.exporters.rdf import (CHUNK, export_jsonld, export_ntriples, export_turtle,
                              jsonld_chunks, turtle_chunks)
from kg.graph import canonical_ntriples
from kg.store import read_ntriples

ID = "https://w3id.org/innovation-kg/id/"
IKG = "https://w3id.org/innovation-kg/ontology#"


def test_hostile_literals_and_iris_survive_the_turtle_writer(tmp_path: Path) -> None:
    graph = Graph()
    s, other = URIRef(ID + "barrier/x"), URIRef(ID + "barrier/y.z")
    texts = ['quote " and \\ backslash', "line\nbreak\r\n", "tab\tand \x1b[31m escape",
             "中文，标点", "ends with a dot.", " . ", "@prefix x: <y> ."]
    for i, text in enumerate(texts):
        graph.add((s, URIRef(IKG + f"p{i}"), Literal(text, lang="en" if i % 2 else None)))
    graph.add((s, URIRef(IKG + "count"), Literal(3)))
    graph.add((s, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
               URIRef(IKG + "Barrier")))
    graph.add((other, URIRef(IKG + "partOf"), s))
    graph.add((other, URIRef(IKG + "odd-local.name"), URIRef(IKG + "v1.")))
    nt = tmp_path / "graph.nt"
    nt.write_text(canonical_ntriples(graph), encoding="utf-8")
    text = b"".join(turtle_chunks(nt)).decode("utf-8")
    assert "a ikg:Barrier" in text
    assert isomorphic(Graph().parse(data=text, format="turtle"), graph)
    text = b"".join(jsonld_chunks(nt)).decode("utf-8")
    assert '"@type": ["ikg:Barrier"]' in text
    assert isomorphic(Graph().parse(data=text, format="json-ld"), graph)


def test_the_seed_exports_stream_in_chunks_and_read_back(seed_store: Path) -> None:
    chunks = list(export_turtle(seed_store))
    assert all(len(chunk) < 2 * CHUNK for chunk in chunks)
    reference = Graph().parse(data=read_ntriples(seed_store).decode("utf-8"), format="nt")
    assert isomorphic(Graph().parse(data=b"".join(chunks).decode("utf-8"), format="turtle"),
                      reference)
    assert b"".join(export_ntriples(seed_store)) == read_ntriples(seed_store)
    chunks = list(export_jsonld(seed_store))
    assert isomorphic(Graph().parse(data=b"".join(chunks).decode("utf-8"), format="json-ld"),
                      reference)
