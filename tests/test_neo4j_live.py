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
from pathlib import Path
from typing import Any, Iterator

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.neo4j.mapping import MARKER, load, neo4j_labels

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
