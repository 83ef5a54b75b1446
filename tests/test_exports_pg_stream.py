"""The property-graph exports (cypher, neo4j-csv, graphml) stream from the index and write the
same bytes as the in-memory path (``kg.neo4j.mapping.load`` + networkx / ``script`` /
``export_texts``): on the seeds, on a generated 6-paper corpus and on a store with hostile
values; and they refuse the same broken graphs. (No timings: benchmarks/ measures them.)"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kg.build import build
from kg.cli import app
from kg.errors import KgError
from kg.exporters.graphml import export_graphml, graphml_bytes, memory_chunks
from kg.exporters.neo4j_csv import export_neo4j_csv, export_texts
from kg.exporters.neo4j_cypher import export_cypher, header
from kg.fileio import CHUNK
from kg.exporters.pgstream import IndexedGraph
from kg.neo4j import mapping
from kg.neo4j.mapping import load
from kg.neo4j.statements import DEFAULT_BATCH_SIZE, script
from kg.store import load_manifest, load_projection, read_ntriples, save

from .conftest import generate_corpus

ROOT = Path(__file__).resolve().parent.parent



@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pgcorpus")
    generate_corpus(6, root / "src")
    build(root / "src", root / "store", validate=False, notify=lambda line: None)
    return root / "store"


def _saved(seed_store: Path, target: Path, projection: dict[str, Any]) -> Path:
    """A store holding ``projection`` (the seeds' N-Triples beside it: these exports read
    only the projection's index)."""
    keep = {k: v for k, v in load_manifest(seed_store).items()
            if k not in ("build", "format", "files", "triples")}
    save(target, ntriples=read_ntriples(seed_store).decode("utf-8"), projection=projection,
         manifest=keep)
    return target


def _hostile(projection: dict[str, Any]) -> dict[str, Any]:
    """The seed projection with awkward text, typed and empty properties, drafts, and one
    span quoted by a node and an edge with different sections (the first one wins)."""
    out = copy.deepcopy(projection)
    nodes = [n for n in out["nodes"] if n["class"] != "Document"]
    nodes[0]["label"]["en"] = 'A & B <c> "d" \'e\'\r\n\tf \x1b[31m \ufffe ]]> 中文'
    nodes[1]["properties"].update(flag=True, ratio=0.25, tags=[], blank=[""], empty="",
                                  both=["", "x"])
    nodes[2]["status"] = "draft"
    nodes[3]["label"] = {}  # display name falls back to the id
    with_evidence = next(n for n in nodes if n["evidence"])
    with_evidence["evidence"][0]["quote"] = "line one\r\nline two & <three>\t\"four\""
    edge = next(e for e in out["edges"] if e["evidence"])
    edge["status"] = "draft"
    old_id = edge["source"]  # an id that needs escaping in XML attributes, and its edges
    new_id = old_id + '&"<q>\t1'
    for node in out["nodes"]:
        if node["id"] == old_id:
            node["id"] = new_id
    for item in out["edges"]:
        item["source"] = new_id if item["source"] == old_id else item["source"]
        item["target"] = new_id if item["target"] == old_id else item["target"]
    shared = dict(edge["evidence"][0])
    shared["section"] = "another section"
    with_evidence["evidence"].append(dict(edge["evidence"][0]))
    edge["evidence"][0] = shared
    return out


def _assert_same_exports(store: Path, tmp_path: Path) -> None:
    graph, schema = load(store)
    old_script = script(graph, schema, DEFAULT_BATCH_SIZE,
                        header(graph.build, len(graph.nodes), len(graph.relationships)))
    assert b"".join(export_cypher(store)) == old_script.encode("utf-8")

    assert b"".join(export_graphml(store)) == graphml_bytes(graph)
    assert b"".join(memory_chunks(graph)) == graphml_bytes(graph)

    export_neo4j_csv(store, tmp_path / "csv")
    written = {str(p.relative_to(tmp_path / "csv")): p.read_bytes()
               for p in sorted((tmp_path / "csv").rglob("*")) if p.is_file()}
    expected = {name: text.encode("utf-8") for name, text in export_texts(graph, schema).items()}
    assert written == expected

    with IndexedGraph(store) as streamed:
        assert streamed.schema == schema
        assert (streamed.node_count, streamed.relationship_count) == (
            len(graph.nodes), len(graph.relationships))
        assert list(streamed.nodes()) == list(graph.nodes)
        assert list(streamed.all_relationships()) == list(graph.relationships)


def test_seed_exports_are_the_in_memory_bytes(seed_store: Path, tmp_path: Path) -> None:
    _assert_same_exports(seed_store, tmp_path)


def test_generated_corpus_exports_are_the_in_memory_bytes(corpus_store: Path,
                                                          tmp_path: Path) -> None:
    _assert_same_exports(corpus_store, tmp_path)
    # several chunks, none much larger than CHUNK (a chunk ends after the line that fills it)
    chunks = list(export_cypher(corpus_store))
    assert len(chunks) > 1 and all(len(chunk) < 2 * CHUNK for chunk in chunks)


def test_hostile_values_give_the_in_memory_bytes(seed_store: Path, tmp_path: Path) -> None:
    store = _saved(seed_store, tmp_path / "store", _hostile(load_projection(seed_store)))
    graph, _ = load(store)
    assert any(n.props.get("status") == "draft" for n in graph.nodes)
    _assert_same_exports(store, tmp_path)
    text = b"".join(export_graphml(store)).decode("utf-8")
    assert "A &amp; B &lt;c&gt;" in text and "\\x1b[31m \\ufffe" in text
    assert '&amp;&quot;&lt;q&gt;&#09;1"' in text


def test_exports_do_not_build_the_whole_graph(seed_store: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    expected = graphml_bytes(load(seed_store)[0])

    def whole(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the export built the whole property graph")

    monkeypatch.setattr(mapping, "load", whole)
    monkeypatch.setattr(mapping, "property_graph", whole)
    assert b"".join(export_graphml(seed_store)) == expected
    assert b"".join(export_cypher(seed_store)).startswith(b"// innovation-kg property graph")
    export_neo4j_csv(seed_store, tmp_path / "csv")
    assert (tmp_path / "csv" / "nodes" / "Passage.csv").is_file()


def _broken(projection: dict[str, Any], how: str) -> dict[str, Any]:
    out = copy.deepcopy(projection)
    nodes = [n for n in out["nodes"] if n["class"] != "Document"]
    if how == "types":
        nodes[0]["properties"]["weird"] = 1
        nodes[1]["properties"]["weird"] = "one"
    elif how == "unknown end":
        edge = dict(out["edges"][0], target="barrier/not-there")
        out["edges"].append(edge)
    elif how == "label":
        nodes[0]["class"] = "Not-A-Label"
    return out


@pytest.mark.parametrize(("how", "message"), [
    ("types", "property 'weird' is"), ("unknown end", "ends at unknown node 'barrier/not-there'"),
    ("label", "class name 'Not-A-Label' cannot be a Neo4j label")])
def test_broken_graphs_are_refused_like_the_in_memory_path(
        seed_store: Path, tmp_path: Path, how: str, message: str) -> None:
    store = _saved(seed_store, tmp_path / "store", _broken(load_projection(seed_store), how))
    with pytest.raises(KgError, match=message):
        load(store)
    for export in (export_cypher, export_graphml):
        with pytest.raises(KgError, match=message):
            export(store)
    with pytest.raises(KgError, match=message):
        export_neo4j_csv(store, tmp_path / "csv")
    assert not (tmp_path / "csv").exists()


def test_cli_streams_to_stdout_and_files(seed_store: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    graph, _ = load(seed_store)
    args = ["export", "--data-dir", str(seed_store), "--format"]
    result = runner.invoke(app, args + ["graphml"])
    assert result.exit_code == 0 and result.stdout_bytes == graphml_bytes(graph)
    out = tmp_path / "graph.cypher"
    result = runner.invoke(app, args + ["cypher", "--out", str(out)])
    assert result.exit_code == 0
    assert out.read_bytes() == b"".join(export_cypher(seed_store))


def test_string_literals_escape_as_the_character_loop_did() -> None:
    """The regex escaper of Cypher string literals gives what the former per-character loop
    gave (its text kept here as the reference), on awkward and random strings."""
    import random

    from kg.neo4j.statements import _string_literal

    escapes = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b",
               "\f": "\\f"}

    def reference(text: str) -> str:
        out = []
        for ch in text:
            if ch in escapes:
                out.append(escapes[ch])
            elif ord(ch) < 0x20 or ord(ch) == 0x7F or 0x2028 <= ord(ch) <= 0x2029:
                out.append(f"\\u{ord(ch):04x}")
            else:
                out.append(ch)
        return "'" + "".join(out) + "'"

    rng = random.Random(12)
    alphabet = [chr(i) for i in range(0x80)] + list("\u2027\u2028\u2029\u202a\x85中🙂\ufffe")
    texts = ["", "it's", "back\\slash", "\x00\x1f\x7f", "\u2028\u2029"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
              for _ in range(3000)]
    for text in texts:
        assert _string_literal(text) == reference(text), repr(text)


# -- kg path reads the index node by node (kg.queries.paths) ---------------------------------


def _paths_whole_graph(view: Any, source: str, target: str, limit: int = 5) -> list[Any]:
    """The former ``kg.queries.paths``: the weighted DiGraph built whole from every edge, then
    networkx's k shortest simple paths (the reference the lazy graph must match)."""
    import networkx as nx

    from kg.queries import (BACKGROUND_CLASSES, BACKWARD, FORWARD, HUB, HUB_CLASSES,
                            draft_mark, ref)

    keep = {nid for nid, n in view.nodes.items() if n["class"] not in BACKGROUND_CLASSES}
    keep |= {source, target}
    graph = nx.DiGraph()
    for u, v in sorted(set(view.graph.edges())):
        if u not in keep or v not in keep:
            continue
        for a, b, cost in ((u, v, FORWARD), (v, u, BACKWARD)):
            if b != target and view.nodes[b]["class"] in HUB_CLASSES:
                cost += HUB
            if not graph.has_edge(a, b) or graph[a][b]["weight"] > cost:
                graph.add_edge(a, b, weight=cost)
    if source not in graph or target not in graph:
        return []
    routes = []
    try:
        for route in nx.shortest_simple_paths(graph, source, target, weight="weight"):
            routes.append(route)
            if len(routes) >= limit:
                break
    except nx.NetworkXNoPath:
        return []
    out = []
    for route in routes:
        hops = []
        for a, b in zip(route, route[1:], strict=False):
            for u, v, direction in ((a, b, "forward"), (b, a, "backward")):
                for key, data in sorted(view.graph.get_edge_data(u, v, default={}).items()):
                    edge = data["data"]
                    hops.append({"source": ref(view.node(u)), "relation": key,
                                 "target": ref(view.node(v)), "direction": direction,
                                 "modality": edge["modality"], "evidence": edge["evidence"],
                                 **draft_mark(edge)})
        out.append(hops)
    return out


def test_paths_read_lazily_give_the_whole_graph_answers(seed_store: Path,
                                                        corpus_store: Path) -> None:
    import random

    from kg.graphview import GraphView
    from kg.queries import paths

    rng = random.Random(3)
    for store, count in ((seed_store, 120), (corpus_store, 25)):
        loaded, indexed = GraphView.loaded(store), GraphView.from_store(store)
        ids = sorted(loaded.nodes)
        entities = [i for i in ids if not i.startswith(("passage/", "reference/", "quantity/"))]
        pairs = [tuple(rng.sample(ids, 2)) for _ in range(count)]
        pairs += [tuple(rng.sample(entities, 2)) for _ in range(count)]
        pairs += [("barrier/data-security-risk", "theory/digital-empowerment"),
                  ("barrier/data-security-risk", "barrier/data-security-risk"),
                  ("barrier/data-security-risk", "no/such-node")]
        found = 0
        for source, target in pairs:
            expected = _paths_whole_graph(loaded, source, target)
            assert paths(indexed, source, target) == expected, (source, target)
            assert paths(loaded, source, target) == expected, (source, target)
            found += bool(expected)
        assert found > len(pairs) // 3
    assert not hasattr(indexed, "_graph") or indexed._graph is None, "no whole graph built"
