"""`neo4j-admin database import full` of the ``kg export --format neo4j-csv`` directory, run for real.

``scripts/neo4j-test-server import DIR`` runs the import command of ``DIR/README.md`` with Neo4j's
own admin tool (``org.neo4j.cli.AdminTool`` 5.26, the program ``bin/neo4j-admin`` runs, from the
Maven build of tools/neo4j-test-server) into a new DBMS home, then serves that home over Bolt;
the checks read it with the neo4j driver and compare with :mod:`kg.neo4j.mapping` and with what
``kg neo4j push`` creates on the live server (fixture ``neo4j_uri``). Skipped without Java 17 +
Maven; failed instead with CI=true, like the other live tests (docs/neo4j-import.md).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.exporters.neo4j_csv import export_neo4j_csv, export_texts, write_directory
from kg.neo4j.mapping import (
    MARKER, Node, PropertyGraph, Relationship, load, neo4j_labels, schema_of)
from tests.conftest import NEO4J_TEST_PASSWORD, NEO4J_TEST_SERVER

USER = os.environ.get("NEO4J_USER") or "neo4j"
DATABASE = os.environ.get("NEO4J_DATABASE") or None


def _neo4j_unavailable(reason: str) -> None:
    """With CI=true the import must run: fail; elsewhere skip, saying why (as tests/conftest.py
    does for the live server; a server of your own, $NEO4J_URI, cannot import)."""
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"neo4j-admin import test: cannot run ({reason})", pytrace=False)
    pytest.skip(f"neo4j-admin import test: cannot run ({reason}); install Java 17 + Maven")


def _built() -> None:
    """The launcher (and Neo4j's jars) built, or the test skipped (failed with CI=true)."""
    if shutil.which("java") is None:
        _neo4j_unavailable("java not found")
    try:
        built = subprocess.run([str(NEO4J_TEST_SERVER), "build"], capture_output=True, text=True,
                               timeout=900)
    except (OSError, subprocess.TimeoutExpired) as exc:
        _neo4j_unavailable(f"{NEO4J_TEST_SERVER.name} build: {exc}")
        raise  # not reached
    if built.returncode != 0:
        errors = built.stderr.strip().splitlines()
        _neo4j_unavailable(errors[-1] if errors else f"exit status {built.returncode}")


class Imported:
    """A server on a store that neo4j-admin imported from ``csv_dir`` (state dir ``state``)."""

    def __init__(self, csv_dir: Path, state: Path) -> None:
        import neo4j

        self.csv_dir, self.state = csv_dir, state
        self.env = {**os.environ, "NEO4J_TEST_STATE": str(state),
                    "NEO4J_TEST_PASSWORD": NEO4J_TEST_PASSWORD}
        done = subprocess.run([str(NEO4J_TEST_SERVER), "import", str(csv_dir)], env=self.env,
                              capture_output=True, text=True, timeout=900)
        lines = done.stdout.strip().splitlines()
        if done.returncode != 0 or not lines or not lines[-1].startswith("bolt://"):
            self.stop()
            pytest.fail(f"the import or the server on it failed: {done.stderr.strip()}",
                        pytrace=False)
        self.uri = lines[-1]
        self.log = (state / "import.log").read_text(encoding="utf-8")
        self.driver = neo4j.GraphDatabase.driver(self.uri, auth=("neo4j", NEO4J_TEST_PASSWORD))

    def rows(self, query: str, **params: Any) -> list[dict[str, Any]]:
        return _rows(self.driver, query, None, **params)

    def stop(self) -> None:
        if getattr(self, "driver", None) is not None:
            self.driver.close()
        subprocess.run([str(NEO4J_TEST_SERVER), "stop"], env=self.env, capture_output=True)


@pytest.fixture(scope="module")
def mapped(seed_store: Path):
    return load(seed_store)


@pytest.fixture(scope="module")
def csv_dir(seed_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("neo4j-import") / "csv"
    export_neo4j_csv(seed_store, out)
    return out


@pytest.fixture(scope="module")
def imported(csv_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Imported]:
    _built()
    server = Imported(csv_dir, tmp_path_factory.mktemp("neo4j-import-state"))
    try:
        yield server
    finally:
        server.stop()


def _rows(driver: Any, query: str, database: str | None, **params: Any) -> list[dict[str, Any]]:
    records, _, _ = driver.execute_query(query, params, database_=database)
    return [record.data() for record in records]


def typed(value: Any) -> Any:
    """A value with its type spelt out (1 and 1.0 and True differ; -0.0 is not 0.0)."""
    if isinstance(value, list):
        return ["list", [typed(v) for v in value]]
    return [type(value).__name__, repr(value) if isinstance(value, float) else value]


def typed_props(props: dict[str, Any]) -> dict[str, Any]:
    return {key: typed(value) for key, value in props.items()}


def _dump(rows_of) -> tuple[dict[str, Any], Counter]:
    """Every node of this project (labels, typed properties) and every relationship."""
    nodes = {row["id"]: (sorted(row["labels"]), typed_props(row["props"]))
             for row in rows_of(f"MATCH (n:{MARKER}) RETURN n.id AS id, labels(n) AS labels, "
                                "properties(n) AS props")}
    rels = Counter(repr((row["a"], row["t"], row["b"], sorted(typed_props(row["props"]).items())))
                   for row in rows_of(f"MATCH (a:{MARKER})-[r]->(b:{MARKER}) RETURN a.id AS a, "
                                      "type(r) AS t, b.id AS b, properties(r) AS props"))
    return nodes, rels


def _expected_dump(graph: PropertyGraph) -> tuple[dict[str, Any], Counter]:
    nodes = {node.id: (sorted(neo4j_labels(node)), typed_props(node.props)) for node in graph.nodes}
    rels = Counter(repr((rel.source, rel.type, rel.target, sorted(typed_props(rel.props).items())))
                   for rel in graph.relationships)
    return nodes, rels


def _label_counts(rows_of) -> Counter:
    return Counter({row["label"]: row["n"] for row in rows_of(
        f"MATCH (n:{MARKER}) UNWIND labels(n) AS label RETURN label, count(*) AS n")})


def _type_counts(rows_of) -> Counter:
    return Counter({row["type"]: row["n"] for row in rows_of(
        f"MATCH (:{MARKER})-[r]->(:{MARKER}) RETURN type(r) AS type, count(*) AS n")})


def test_import_gives_the_counts_of_the_schema(imported: Imported, mapped) -> None:
    graph, schema = mapped
    assert _label_counts(imported.rows) == Counter({spec.name: spec.count for spec in schema.labels})
    assert _type_counts(imported.rows) == Counter({spec.name: spec.count for spec in schema.types})
    # neo4j-admin's own summary agrees, and the store holds nothing else
    summary = re.search(r"Imported:\s+(\d+) nodes\s+(\d+) relationships", imported.log)
    assert summary, imported.log[-2000:]
    assert (int(summary[1]), int(summary[2])) == (len(graph.nodes), len(graph.relationships))
    assert imported.rows("MATCH (n) RETURN count(n) AS n") == [{"n": len(graph.nodes)}]
    assert imported.rows("MATCH ()-[r]->() RETURN count(r) AS n") == [
        {"n": len(graph.relationships)}]


def test_import_keeps_every_value_with_its_type(imported: Imported, mapped) -> None:
    graph, _ = mapped
    assert _dump(imported.rows) == _expected_dump(graph)
    # spot checks: a float, an integer, lists of strings and of integers, a multi-line quote
    case = imported.rows("MATCH (n:Case) WHERE n.feedbackResponseRate IS NOT NULL "
                         "RETURN n.feedbackResponseRate AS rate, n.yearsOnPlatform AS years "
                         "ORDER BY n.id LIMIT 1")[0]
    assert type(case["rate"]) is float and type(case["years"]) is int
    mechanism = imported.rows("MATCH (n:Mechanism {id: 'mechanism/information-empowerment'}) "
                              "RETURN n.alt_labels_en AS alts")[0]
    assert mechanism["alts"] == ["information empowerment", "information transmission",
                                 "data-driven"]
    evidence = imported.rows("MATCH ()-[r:ACHIEVES]->() RETURN r.evidence_starts AS starts "
                             "LIMIT 1")[0]["starts"]
    assert evidence and all(type(start) is int for start in evidence)
    multiline = imported.rows("MATCH (p:Passage) WHERE p.quote CONTAINS '\\n' "
                              "RETURN count(p) AS n")[0]["n"]
    assert multiline == sum(1 for n in graph.nodes if n.kind == "Passage" and "\n" in n.props["quote"])
    assert multiline > 0


def test_import_matches_push(imported: Imported, csv_dir: Path, seed_store: Path,
                             neo4j_uri: str, neo4j_password: str) -> None:
    """The same graph as ``kg neo4j push`` makes on the live server, and, once the README's
    schema.cypher has run, the same constraint and indexes."""
    import neo4j

    argv = ["--uri", neo4j_uri, "--user", USER] + (["--database", DATABASE] if DATABASE else [])
    env = {"NEO4J_PASSWORD": neo4j_password, "NEO4J_URI": "", "NEO4J_USER": "",
           "NEO4J_DATABASE": ""}
    runner = CliRunner()
    for command in (["wipe"], ["push", "--data-dir", str(seed_store)]):
        result = runner.invoke(app, ["neo4j", *command, *argv], env=env)
        assert result.exit_code == 0, result.output
    for statement in (csv_dir / "schema.cypher").read_text(encoding="utf-8").split(";\n"):
        if statement.strip():
            imported.rows(statement)
    schema_query = ("SHOW INDEXES YIELD name, type, labelsOrTypes, properties "
                    "WHERE name STARTS WITH 'innovation_kg' "
                    "RETURN name, type, labelsOrTypes, properties ORDER BY name")
    with neo4j.GraphDatabase.driver(neo4j_uri, auth=(USER, neo4j_password)) as driver:
        def pushed(query: str, **params: Any) -> list[dict[str, Any]]:
            return _rows(driver, query, DATABASE, **params)

        assert _label_counts(imported.rows) == _label_counts(pushed)
        assert _type_counts(imported.rows) == _type_counts(pushed)
        assert _dump(imported.rows) == _dump(pushed)
        assert imported.rows(schema_query) == pushed(schema_query)


def test_an_export_dir_used_for_the_import_can_be_exported_again(
        imported: Imported, csv_dir: Path, seed_store: Path) -> None:
    """The README's command runs in the export dir and leaves import.report there."""
    assert (csv_dir / "import.report").exists()
    export_neo4j_csv(seed_store, csv_dir)
    assert not (csv_dir / "import.report").exists()


#: Values that CSV quoting and neo4j-admin's parsing could get wrong (value -> what Neo4j holds).
AWKWARD = {
    "empty": "",
    "space": " ",
    "padded": "  padded\t",
    "quoted": 'say "hi", then\r\na new line\nand a \\ backslash',
    "pipe": "a|b (a plain string may hold the array delimiter)",
    "unicode": "数字工匠计划 — ü 🚀",
    "formula": "=1+1",
    "big": 2 ** 62,
    "negative": -7,
    "negzero": -0.0,
    "tiny": 1e-07,
    "huge": 1.5e300,
    "tenth": 0.1,
    "yes": True,
    "no": False,
    "texts": ["a", "", "b,c", 'd"e', " f "],
    "leading_blank": ["", "x"],
    "ints": [1, -2, 2 ** 40],
    "floats": [0.5, 1e-05],
    "flags": [True, False],
    "nothing": [],       # no CSV form: neo4j-admin leaves the property out
    "one_blank": [""],   # no CSV form either
}
LOST = {"nothing", "one_blank"}


def test_awkward_values_survive_the_import(tmp_path: Path) -> None:
    ids = ["t/plain", 't/odd, "quoted" id', "t/other"]
    nodes = (
        Node(ids[0], "Thing", ("Thing",), {"id": ids[0], **AWKWARD}),
        Node(ids[1], "Thing", ("Thing",), {"id": ids[1], "texts": ["only"]}),
        Node(ids[2], "Other", ("Thing", "Other"), {"id": ids[2], "yes": False}),
    )
    rels = (
        Relationship(ids[0], ids[1], "LINKS", {"quoted": AWKWARD["quoted"], "ints": [3],
                                               "leading_blank": ["", "4.2"], "one_blank": [""]}),
        Relationship(ids[1], ids[2], "LINKS", {"nothing": []}),
    )
    graph = PropertyGraph(nodes, rels, "awkward")
    schema = schema_of(graph)
    csv_out = tmp_path / "csv"
    write_directory(csv_out, export_texts(graph, schema))
    _built()
    server = Imported(csv_out, tmp_path / "state")
    try:
        kept = PropertyGraph(
            tuple(Node(n.id, n.kind, n.labels, {k: v for k, v in n.props.items() if k not in LOST})
                  for n in nodes),
            tuple(Relationship(r.source, r.target, r.type,
                               {k: v for k, v in r.props.items() if k not in LOST}) for r in rels))
        assert _dump(server.rows) == _expected_dump(kept)
    finally:
        server.stop()
