"""`kg neo4j push|query|wipe` against a real Neo4j 5 (fixture ``neo4j_uri``: ``$NEO4J_URI`` or the
throw-away server of ``scripts/neo4j-test-server``; skipped without one, failed with CI=true).

The CLI runs through typer's CliRunner with ``--uri`` and ``NEO4J_PASSWORD``; the checks read
the server with the neo4j driver and compare with what :mod:`kg.neo4j.mapping` computes.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterator

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.neo4j.mapping import MARKER, PropertyGraph, load, neo4j_labels, schema_of

USER = os.environ.get("NEO4J_USER") or "neo4j"
DATABASE = os.environ.get("NEO4J_DATABASE") or None


@pytest.fixture(scope="module")
def mapped(seed_store: Path):
    return load(seed_store)


@pytest.fixture(scope="module")
def driver(neo4j_uri: str, neo4j_password: str) -> Iterator[Any]:
    import neo4j

    with neo4j.GraphDatabase.driver(neo4j_uri, auth=(USER, neo4j_password)) as drv:
        yield drv


@pytest.fixture()
def kg(neo4j_uri: str, neo4j_password: str, seed_store: Path):
    """Run ``kg neo4j …`` on the live server; the password must appear in no output."""
    runner = CliRunner()

    def run(*args: str, password: str | None = None, expect: int = 0) -> str:
        secret = neo4j_password if password is None else password
        argv = ["neo4j", *args, "--uri", neo4j_uri, "--user", USER]
        if args[0] == "push":
            argv += ["--data-dir", str(seed_store)]
        if DATABASE:
            argv += ["--database", DATABASE]
        result = runner.invoke(app, argv, env={"NEO4J_PASSWORD": secret, "NEO4J_URI": "",
                                               "NEO4J_USER": "", "NEO4J_DATABASE": ""})
        text = result.output  # stdout and stderr
        assert result.exit_code == expect, text
        if len(secret) >= 4:
            assert secret not in text
        return text

    return run


def _rows(driver: Any, query: str, **params: Any) -> list[dict[str, Any]]:
    records, _, _ = driver.execute_query(query, params, database_=DATABASE)
    return [record.data() for record in records]


def _label_counts(driver: Any) -> Counter:
    rows = _rows(driver, f"MATCH (n:{MARKER}) UNWIND labels(n) AS label "
                         "RETURN label, count(*) AS n")
    return Counter({row["label"]: row["n"] for row in rows})


def _type_counts(driver: Any) -> Counter:
    rows = _rows(driver, f"MATCH (:{MARKER})-[r]->(:{MARKER}) RETURN type(r) AS type, count(*) AS n")
    return Counter({row["type"]: row["n"] for row in rows})


def _checksum(driver: Any) -> str:
    """A digest of every node of this project (labels, properties) and every relationship."""
    nodes = _rows(driver, f"MATCH (n:{MARKER}) RETURN n.id AS id, labels(n) AS labels, "
                          "properties(n) AS props ORDER BY id")
    rels = _rows(driver, f"MATCH (a:{MARKER})-[r]->(b:{MARKER}) RETURN a.id AS a, type(r) AS t, "
                         "b.id AS b, properties(r) AS props")
    for node in nodes:
        node["labels"] = sorted(node["labels"])
    rels.sort(key=lambda r: json.dumps(r, sort_keys=True, default=str))
    blob = json.dumps([nodes, rels], sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()


def test_push_creates_exactly_the_projection(kg, driver, mapped) -> None:
    graph, _ = mapped
    kg("wipe")
    out = kg("push")
    assert f"nodes {len(graph.nodes)} ({len(graph.nodes)} created" in out
    expected_labels = Counter(label for node in graph.nodes for label in neo4j_labels(node))
    expected_types = Counter(rel.type for rel in graph.relationships)
    assert _label_counts(driver) == expected_labels
    assert _type_counts(driver) == expected_types
    assert _rows(driver, f"MATCH (n:{MARKER}) RETURN count(n) AS n") == [{"n": len(graph.nodes)}]
    assert _rows(driver, f"MATCH (:{MARKER})-[r]->() RETURN count(r) AS n") == [
        {"n": len(graph.relationships)}]
    # properties as the mapping has them (one node per kind of value)
    by_id = {node.id: node for node in graph.nodes}
    stored = _rows(driver, f"MATCH (n:{MARKER} {{id: $id}}) RETURN properties(n) AS p",
                   id="barrier/data-security-risk")
    assert stored == [{"p": by_id["barrier/data-security-risk"].props}]


def test_second_push_changes_nothing(kg, driver, mapped) -> None:
    graph, _ = mapped
    kg("push")
    before = (_label_counts(driver), _type_counts(driver), _checksum(driver))
    summary = json.loads(kg("push", "--format", "json"))
    assert summary["nodes"]["created"] == summary["nodes"]["updated"] == 0
    assert summary["relationships"]["created"] == summary["relationships"]["updated"] == 0
    assert summary["nodes"]["unchanged"] == len(graph.nodes)
    after = (_label_counts(driver), _type_counts(driver), _checksum(driver))
    assert after == before


def test_wipe_removes_only_this_projects_data(kg, driver, mapped) -> None:
    graph, _ = mapped
    _rows(driver, "CREATE (:KgLiveTestUnrelated {id: 'barrier/data-security-risk', name: 'keep'})"
                  "-[:KNOWS]->(:KgLiveTestUnrelated {name: 'other'})")
    try:
        kg("push")
        out = kg("wipe")
        assert out.startswith(f"wiped {len(graph.nodes)} nodes")
        assert _rows(driver, f"MATCH (n:{MARKER}) RETURN count(n) AS n") == [{"n": 0}]
        assert _rows(driver, "SHOW CONSTRAINTS YIELD name WHERE name STARTS WITH 'innovation_kg' "
                             "RETURN count(*) AS n") == [{"n": 0}]
        survivors = _rows(driver, "MATCH (a:KgLiveTestUnrelated)-[:KNOWS]->(b) "
                                  "RETURN a.name AS a, b.name AS b")
        assert survivors == [{"a": "keep", "b": "other"}]
    finally:
        _rows(driver, "MATCH (n:KgLiveTestUnrelated) DETACH DELETE n")


def test_query_reads(kg, driver) -> None:
    kg("push")
    out = kg("query", "MATCH (b:Barrier)-[:HINDERS]->(m:Mechanism) WHERE b.id = $id "
                      "RETURN m.id AS mechanism ORDER BY mechanism",
             "--param", "id=barrier/data-security-risk", "--format", "json")
    assert json.loads(out) == [{"mechanism": "mechanism/information-empowerment"}]
    counted = json.loads(kg("query", f"MATCH (n:{MARKER}:Barrier) RETURN count(n) AS n",
                            "--format", "json"))
    assert counted == _rows(driver, f"MATCH (n:{MARKER}:Barrier) RETURN count(n) AS n")


def test_wrong_password_is_one_line(kg) -> None:
    secret = "not-the-password-4711"
    out = kg("query", "RETURN 1 AS one", password=secret, expect=1)
    assert len(out.strip().splitlines()) == 1, out
    assert out.startswith("error:"), out
    assert secret not in out


def test_query_runs_in_a_read_transaction(kg, driver) -> None:
    out = kg("query", "CREATE (n:KgQueryProbe {x: 1}) RETURN n", expect=1)
    assert len(out.strip().splitlines()) == 1 and "only reads" in out, out
    assert _rows(driver, "MATCH (n:KgQueryProbe) RETURN count(n) AS n") == [{"n": 0}]


def _state(driver: Any) -> tuple[dict[str, Any], Counter]:
    """This project's part of the database: node id -> (labels, properties), and a multiset
    of (type, source, target, properties) of the relationships between two project nodes."""
    nodes = {row["id"]: (sorted(row["labels"]), row["props"]) for row in _rows(
        driver, f"MATCH (n:{MARKER}) RETURN n.id AS id, labels(n) AS labels, "
                "properties(n) AS props")}
    rels = Counter((row["t"], row["a"], row["b"], json.dumps(row["props"], sort_keys=True))
                   for row in _rows(driver, f"MATCH (a:{MARKER})-[r]->(b:{MARKER}) RETURN "
                                            "type(r) AS t, a.id AS a, b.id AS b, "
                                            "properties(r) AS props"))
    return nodes, rels


def _expected(graph: PropertyGraph) -> tuple[dict[str, Any], Counter]:
    nodes = {node.id: (sorted(neo4j_labels(node)), node.props) for node in graph.nodes}
    rels = Counter((rel.type, rel.source, rel.target, json.dumps(rel.props, sort_keys=True))
                   for rel in graph.relationships)
    return nodes, rels


def _changed_build(graph: PropertyGraph) -> tuple[PropertyGraph, dict[str, Any]]:
    """The seed graph after a change of the coding: one strategy dropped (with its
    relationships), one MITIGATES relation dropped, a barrier recoded as a problem, a label
    edited and a definition dropped, one relationship retyped, one's modality changed and
    its quotes dropped."""
    gone = next(n.id for n in graph.nodes if n.labels == ("Strategy",)
                and sum(r.source == n.id for r in graph.relationships) >= 2)
    rels = [r for r in graph.relationships if gone not in (r.source, r.target)]
    dropped = next(r for r in rels if r.type == "MITIGATES")
    retyped = next(r for r in rels if r.type == "LEADS_TO")
    edited = next(r for r in rels if r.type == "HINDERS")
    recoded = next(n for n in graph.nodes if n.labels == ("Barrier",)).id
    relabelled = next(n for n in graph.nodes if n.labels == ("Mechanism",)
                      and "definition_en" in n.props).id
    nodes = []
    for node in graph.nodes:
        if node.id == gone:
            continue
        if node.id == recoded:
            node = replace(node, kind="Problem", labels=("Problem",))
        if node.id == relabelled:
            props = {k: v for k, v in node.props.items() if k != "definition_en"}
            node = replace(node, props={**props, "label_en": "Renamed mechanism"})
        nodes.append(node)
    out = []
    for rel in rels:
        if rel is dropped:
            continue
        if rel is retyped:
            rel = replace(rel, type="RETYPED_LEADS_TO")
        if rel is edited:
            props = {k: v for k, v in rel.props.items() if k != "evidence_quotes"}
            rel = replace(rel, props={**props, "modality": "contested"})
        out.append(rel)
    changed = PropertyGraph(tuple(nodes), tuple(out), graph.build)
    facts = {"gone": gone, "recoded": recoded, "relabelled": relabelled, "edited": edited,
             "stale_rels": len(graph.relationships) - len(rels) + 2}
    return changed, facts


def test_push_of_a_changed_build_removes_stale_data_and_nothing_else(kg, driver,
                                                                     mapped) -> None:
    from kg.neo4j.push import push

    graph, _ = mapped
    changed, facts = _changed_build(graph)
    kg("wipe")
    kg("push")
    keep_node = facts["relabelled"]
    try:
        # Other data: user nodes linked to a project node that stays and to one that goes,
        # a user node that merely shares an id, a hand-made property on a project node, a
        # hand-made copy of a relationship and a hand-made relationship between project nodes.
        _rows(driver, f"MATCH (k:{MARKER} {{id: $keep}}), (g:{MARKER} {{id: $gone}}) "
                      "CREATE (:KgLiveTestUnrelated {name: 'note'})-[:ABOUT]->(k), "
                      "(k)-[:NOTED_IN]->(:KgLiveTestUnrelated {name: 'notebook'}), "
                      "(:KgLiveTestUnrelated {name: 'orphan'})-[:ABOUT]->(g), "
                      "(:KgLiveTestUnrelated {name: 'same id', id: $gone})"
                      "-[:KNOWS]->(:KgLiveTestUnrelated {name: 'friend'}) "
                      "SET k.handMade = 'x' "
                      "CREATE (k)-[:KG_LIVE_TEST_LINK]->(g)",
              keep=keep_node, gone=facts["gone"])
        edited = facts["edited"]
        _rows(driver, f"MATCH (a:{MARKER} {{id: $a}})-[r:HINDERS]->(b:{MARKER} {{id: $b}}) "
                      "CREATE (a)-[copy:HINDERS]->(b) SET copy = properties(r)",
              a=edited.source, b=edited.target)
        users = _rows(driver, "MATCH (u:KgLiveTestUnrelated) RETURN count(u) AS n")
        assert users == [{"n": 5}]

        summary = push(driver, changed, schema_of(changed), database=DATABASE)
        assert _state(driver) == _expected(changed)
        assert summary.nodes.removed == 1
        # every relationship of the dropped strategy, the dropped and the retyped relation,
        # the hand-made relationship between project nodes and the hand-made copy
        assert summary.relationships.removed == facts["stale_rels"] + 2
        assert summary.relationships.created == 1  # the retyped one
        assert summary.relationships.updated == 1  # the edited one
        assert summary.labels_removed == 1  # Barrier, from the recoded node
        assert summary.nodes.updated == 2  # the recoded node, the edited node
        assert summary.nodes.created == 0
        assert summary.detached == 1  # 'orphan' -[:ABOUT]-> the dropped strategy
        assert "1 removed" in summary.line() and "1 stale label removed" in summary.line()
        survivors = _rows(driver, "MATCH (u:KgLiveTestUnrelated) "
                                  "OPTIONAL MATCH (u)-[r]-(x) RETURN u.name AS name, u.id AS id, "
                                  "type(r) AS rel, coalesce(x.name, x.id) AS other "
                                  "ORDER BY name")
        assert survivors == [
            {"name": "friend", "id": None, "rel": "KNOWS", "other": "same id"},
            {"name": "note", "id": None, "rel": "ABOUT", "other": keep_node},
            {"name": "notebook", "id": None, "rel": "NOTED_IN", "other": keep_node},
            {"name": "orphan", "id": None, "rel": None, "other": None},
            {"name": "same id", "id": facts["gone"], "rel": "KNOWS", "other": "friend"}]

        again = push(driver, changed, schema_of(changed), database=DATABASE)
        assert (again.nodes.created, again.nodes.updated, again.nodes.removed) == (0, 0, 0)
        assert (again.relationships.created, again.relationships.updated,
                again.relationships.removed) == (0, 0, 0)
        assert (again.labels_removed, again.detached) == (0, 0)

        # and back: the seed build again is exactly the seed projection
        back = json.loads(kg("push", "--format", "json"))
        assert back["nodes"]["created"] == 1 and back["nodes"]["removed"] == 0
        assert back["relationships"]["removed"] == 1  # the retyped one
        assert _state(driver) == _expected(graph)
        assert len(_rows(driver, "MATCH (u:KgLiveTestUnrelated) RETURN u")) == 5
    finally:
        _rows(driver, "MATCH (n:KgLiveTestUnrelated) DETACH DELETE n")


def test_push_removes_marker_nodes_without_id_and_leaves_names_it_never_writes(kg,
                                                                               driver) -> None:
    kg("push")
    node = "barrier/data-security-risk"
    _rows(driver, f"CREATE (:{MARKER}:KgLiveTestUnrelated {{name: 'no id'}})")
    _rows(driver, f"MATCH (a:{MARKER} {{id: $a}}), (b:{MARKER} {{id: $b}}) "
                  "SET a:`Kg live label` CREATE (a)-[:`kg live link`]->(b)",
          a=node, b="mechanism/information-empowerment")
    try:
        summary = json.loads(kg("push", "--format", "json"))
        assert summary["nodes"]["removed"] == 1 and summary["labels_removed"] == 0
        assert summary["relationships"]["removed"] == 0
        assert _rows(driver, "MATCH (n:KgLiveTestUnrelated) RETURN count(n) AS n") == [{"n": 0}]
        kept = _rows(driver, f"MATCH (a:{MARKER} {{id: $a}})-[r]->(b) "
                             "WHERE type(r) = 'kg live link' "
                             "RETURN labels(a) AS labels, b.id AS b", a=node)
        assert [(sorted(r["labels"]), r["b"]) for r in kept] == [
            (["Barrier", "InnovationKG", "Kg live label"], "mechanism/information-empowerment")]
    finally:
        _rows(driver, f"MATCH (a:{MARKER} {{id: $a}})-[r]->() WHERE type(r) = 'kg live link' "
                      "DELETE r REMOVE a:`Kg live label`", a=node)
        _rows(driver, "MATCH (n:KgLiveTestUnrelated) DETACH DELETE n")
