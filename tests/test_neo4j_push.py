"""`kg neo4j push|query|wipe` without a server (a fake driver), plus a live test (fixture neo4j_uri).

The fake stands in for the driver objects push uses (driver.session, execute_write/read,
tx.run, result.single/consume().counters) and applies our statements to a dict, so that the
tests see batching, parameter passing, the constraint-first order, idempotence and wiping.
"""

from __future__ import annotations

import json
import os
import re
import socket
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.errors import KgError
from kg.neo4j.mapping import MARKER, PropertyGraph, load
from kg.neo4j.push import parse_param, push, redact, run_query, translate, wipe
from kg.neo4j.statements import (
    CONSTRAINT, NO_ID_BATCH, PROJECT_NODES, PROJECT_RELATIONSHIPS, SHOW_CONSTRAINTS, SHOW_INDEXES,
    STALE_NODES, WIPE_BATCH, constraint_statements, load_plan)


@dataclass
class Counters:
    nodes_created: int = 0
    nodes_deleted: int = 0
    relationships_created: int = 0
    relationships_deleted: int = 0
    properties_set: int = 0
    labels_added: int = 0
    labels_removed: int = 0
    constraints_added: int = 0
    constraints_removed: int = 0
    indexes_added: int = 0
    indexes_removed: int = 0


class Result:
    def __init__(self, records: list[dict[str, Any]], counters: Counters) -> None:
        self.records, self.counters = records, counters

    def __iter__(self):
        return iter(self.records)

    def single(self):
        return list(self.records[0].values()) if self.records else None

    def consume(self):
        return self


@dataclass
class FakeNeo4j:
    """A store that understands exactly the statements kg.neo4j.statements writes."""

    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    rels: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    schema: dict[str, str] = field(default_factory=dict)  # name -> CONSTRAINT | INDEX
    log: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    foreign: int = 0  # nodes someone else created (never touched)

    def run(self, statement: str, parameters: dict[str, Any]) -> Result:
        self.log.append((statement, parameters))
        c = Counters()
        if statement.startswith(("CREATE CONSTRAINT", "CREATE INDEX")):
            kind, name = statement.split()[1:3]
            if name not in self.schema:
                self.schema[name] = kind
                setattr(c, "indexes_added" if kind == "INDEX" else "constraints_added", 1)
            return Result([], c)
        if statement.startswith("DROP"):
            kind, name = statement.split()[1:3]
            if self.schema.pop(name, None):
                setattr(c, "indexes_removed" if kind == "INDEX" else "constraints_removed", 1)
            return Result([], c)
        if statement in (SHOW_CONSTRAINTS, SHOW_INDEXES):
            kind = "CONSTRAINT" if statement == SHOW_CONSTRAINTS else "INDEX"
            return Result([{"name": n} for n, k in sorted(self.schema.items())
                           if k == kind and n.startswith(parameters["prefix"])], c)
        if statement == WIPE_BATCH:
            doomed = sorted(self.nodes)[:parameters["limit"]]
            for node_id in doomed:
                del self.nodes[node_id]
                c.nodes_deleted += 1
            for key in [k for k in self.rels if k[1] in doomed or k[2] in doomed]:
                del self.rels[key]
                c.relationships_deleted += 1
            return Result([{"deleted": len(doomed)}], c)
        if statement == PROJECT_NODES:
            return Result([{"id": i, "labels": sorted(n["labels"])}
                           for i, n in sorted(self.nodes.items())], c)
        if statement == PROJECT_RELATIONSHIPS:
            return Result([{"source": s, "type": t, "target": e, "n": 1}
                           for (t, s, e) in sorted(self.rels)], c)
        if statement == STALE_NODES:
            doomed = {row["id"] for row in parameters["rows"] if row["id"] in self.nodes}
            for node_id in doomed:
                del self.nodes[node_id]
                c.nodes_deleted += 1
            for key in [k for k in self.rels if k[1] in doomed or k[2] in doomed]:
                del self.rels[key]
                c.relationships_deleted += 1
            return Result([{"deleted": len(doomed)}], c)
        assert statement != NO_ID_BATCH, "the fake has no node without an id"
        delete = re.search(r"-\[r:(\w+)\]->\(:InnovationKG \{id: row\.target\}\)\nDELETE r",
                           statement)
        if delete:
            for row in parameters["rows"]:
                if self.rels.pop((delete.group(1), row["source"], row["target"]), None) is not None:
                    c.relationships_deleted += 1
            return Result([{"deleted": c.relationships_deleted}], c)
        changed = 0
        node_merge = re.search(r"MERGE \(n:InnovationKG \{id: row\.id\}\)\n.*"
                               r"SET n:([\w:]+)\n", statement, re.S)
        removal = re.search(r"\nREMOVE n:([\w:]+)\n", statement)
        rel_merge = re.search(r"MERGE \(a\)-\[r:(\w+)\]->\(b\)", statement)
        assert node_merge or rel_merge, f"unexpected statement {statement!r}"
        for row in parameters["rows"]:
            if node_merge:
                node = self.nodes.get(row["id"])
                if node is None:
                    node = self.nodes[row["id"]] = {"labels": {MARKER}, "props": {"id": row["id"]}}
                    c.nodes_created += 1
                wanted = set(node_merge.group(1).split(":"))
                stale = set(removal.group(1).split(":")) if removal else set()
                relabel = not wanted <= node["labels"] or bool(stale & node["labels"])
                c.labels_removed += len(stale & node["labels"])
                node["labels"] = (node["labels"] - stale) | wanted
                if relabel or node["props"] != row["props"]:
                    node["props"] = dict(row["props"])
                    changed += 1
            else:
                if row["source"] not in self.nodes or row["target"] not in self.nodes:
                    continue
                key = (rel_merge.group(1), row["source"], row["target"])
                if key not in self.rels:
                    self.rels[key] = {}
                    c.relationships_created += 1
                if self.rels[key] != row["props"]:
                    self.rels[key] = dict(row["props"])
                    changed += 1
        return Result([{"changed": changed}], c)


class Tx:
    def __init__(self, db: FakeNeo4j) -> None:
        self.db = db

    def run(self, statement: str, parameters: dict[str, Any] | None = None) -> Result:
        return self.db.run(statement, dict(parameters or {}))


class Session:
    def __init__(self, driver: "FakeDriver", database: str | None) -> None:
        self.driver, self.database = driver, database

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def execute_write(self, work, *args):
        self.driver.transactions += 1
        if self.driver.fail_with is not None:
            raise self.driver.fail_with
        return work(Tx(self.driver.db), *args)

    execute_read = execute_write


class FakeDriver:
    def __init__(self, db: FakeNeo4j | None = None, fail_with: Exception | None = None) -> None:
        self.db = db or FakeNeo4j()
        self.fail_with = fail_with
        self.transactions = 0
        self.databases: list[str | None] = []
        self.closed = False

    def session(self, database: str | None = None) -> Session:
        self.databases.append(database)
        return Session(self, database)

    def verify_connectivity(self) -> None:
        if self.fail_with is not None:
            raise self.fail_with

    def close(self) -> None:
        self.closed = True


@pytest.fixture(scope="module")
def mapped(seed_store: Path):
    return load(seed_store)


def test_push_runs_constraints_first_then_batches_with_parameters(mapped) -> None:
    graph, schema = mapped
    driver = FakeDriver()
    summary = push(driver, graph, schema, database="kg", batch_size=100)
    log = driver.db.log
    constraints = constraint_statements(schema)
    assert [s for s, _ in log[:len(constraints)]] == constraints
    assert log[0][0].startswith(f"CREATE CONSTRAINT {CONSTRAINT}")
    assert [s for s, _ in log[len(constraints):len(constraints) + 2]] == [
        PROJECT_NODES, PROJECT_RELATIONSHIPS], "then what the server has (nothing to remove)"
    batches = log[len(constraints) + 2:]
    assert [s for s, _ in batches] == [b.statement for b in load_plan(graph, 100)]
    assert all(len(p["rows"]) <= 100 for _, p in batches)
    for statement, parameters in batches:
        assert set(parameters) == {"rows"}
        assert parameters["rows"][0].get("id", parameters["rows"][0].get("source")) not in statement
    assert set(driver.databases) == {"kg"}
    assert driver.transactions == len(log) - 1, "one transaction per statement, one for both reads"
    assert summary.nodes.created == len(graph.nodes) == summary.nodes.total
    assert summary.relationships.created == len(graph.relationships)
    assert summary.nodes.updated == 0 and summary.relationships.unchanged == 0
    assert summary.schema_added == len(constraints)


def test_second_push_changes_nothing(mapped) -> None:
    graph, schema = mapped
    driver = FakeDriver()
    push(driver, graph, schema)
    state = (json.dumps(driver.db.nodes, default=sorted, sort_keys=True), dict(driver.db.rels))
    again = push(driver, graph, schema)
    assert (again.nodes.created, again.nodes.updated, again.nodes.unchanged) == (
        0, 0, len(graph.nodes))
    assert (again.relationships.created, again.relationships.updated) == (0, 0)
    assert again.schema_added == 0
    assert (json.dumps(driver.db.nodes, default=sorted, sort_keys=True),
            dict(driver.db.rels)) == state
    assert "0 created, 0 updated" in again.line()


def test_a_changed_property_is_an_update(mapped) -> None:
    graph, schema = mapped
    driver = FakeDriver()
    push(driver, graph, schema)
    driver.db.nodes["barrier/data-security-risk"]["props"]["label_en"] = "edited by hand"
    again = push(driver, graph, schema)
    assert (again.nodes.created, again.nodes.updated) == (0, 1)
    assert driver.db.nodes["barrier/data-security-risk"]["props"]["label_en"] != "edited by hand"


def test_push_of_a_changed_build_removes_what_it_no_longer_has(mapped) -> None:
    graph, schema = mapped
    driver = FakeDriver()
    push(driver, graph, schema)
    gone = next(n for n in graph.nodes if n.labels == ("Strategy",))
    recoded = next(n for n in graph.nodes if n.labels == ("Barrier",))
    dropped = next(r for r in graph.relationships if gone.id not in (r.source, r.target))
    nodes = tuple(replace(n, labels=("Problem",)) if n is recoded else n
                  for n in graph.nodes if n is not gone)
    rels = tuple(r for r in graph.relationships
                 if r is not dropped and gone.id not in (r.source, r.target))
    changed = PropertyGraph(nodes, rels, graph.build)
    summary = push(driver, changed, schema)
    assert (summary.nodes.removed, summary.nodes.updated, summary.labels_removed) == (1, 1, 1)
    assert summary.relationships.removed == len(graph.relationships) - len(rels)
    assert summary.nodes.total == len(nodes) and summary.relationships.total == len(rels)
    assert "1 removed" in summary.line() and "1 stale label removed" in summary.line()
    assert set(driver.db.nodes) == {n.id for n in nodes}
    assert driver.db.nodes[recoded.id]["labels"] == {MARKER, "Problem"}
    assert set(driver.db.rels) == {(r.type, r.source, r.target) for r in rels}
    deletes = [p for s, p in driver.db.log if "DELETE" in s]
    assert deletes and all(set(p) == {"rows"} for p in deletes), "ids only as parameters"
    again = push(driver, changed, schema)
    assert (again.nodes.removed, again.relationships.removed, again.nodes.updated) == (0, 0, 0)
    assert summary.as_dict()["nodes"]["removed"] == 1 and again.as_dict()["labels_removed"] == 0


def test_wipe_removes_only_this_project(mapped) -> None:
    graph, schema = mapped
    driver = FakeDriver()
    push(driver, graph, schema)
    driver.db.schema["someone_elses_index"] = "INDEX"
    totals = wipe(driver)
    assert totals["nodes"] == len(graph.nodes) and totals["relationships"] == len(
        graph.relationships)
    assert driver.db.nodes == {} and driver.db.schema == {"someone_elses_index": "INDEX"}
    statements = [s for s, _ in driver.db.log]
    assert all(f"(n:{MARKER})" in s for s in statements if "DELETE" in s)


def test_push_with_wipe_first_reloads(mapped) -> None:
    graph, schema = mapped
    driver = FakeDriver()
    push(driver, graph, schema)
    summary = push(driver, graph, schema, wipe_first=True)
    assert summary.wiped["nodes"] == len(graph.nodes)
    assert summary.nodes.created == len(graph.nodes)


def test_progress_reports_every_row(mapped) -> None:
    graph, schema = mapped
    seen: list[int] = []
    push(FakeDriver(), graph, schema, batch_size=250, progress=seen.append)
    assert sum(seen) == len(graph.nodes) + len(graph.relationships)
    assert max(seen) <= 250


def _neo4j_error(code: str, message: str):
    from neo4j.exceptions import Neo4jError

    return Neo4jError._hydrate_neo4j(code=code, message=message)


@pytest.mark.parametrize(("make", "expected"), [
    (lambda: __import__("neo4j").exceptions.ServiceUnavailable("Couldn't connect"),
     "cannot reach the Neo4j server"),
    (lambda: _neo4j_error("Neo.ClientError.Security.Unauthorized", "bad creds"),
     "refused the credentials of user 'alice'"),
    (lambda: _neo4j_error("Neo.ClientError.Database.DatabaseNotFound", "no such db"),
     "database 'kgdb' does not exist"),
    (lambda: _neo4j_error("Neo.ClientError.Statement.SyntaxError", "Invalid input 'RETRN'\n  ^"),
     "Neo4j rejected the Cypher: Invalid input 'RETRN'"),
])
def test_driver_errors_become_one_line(make, expected) -> None:
    error = translate(make(), uri="bolt://alice:s3cret@db:7687", user="alice", database="kgdb")
    assert isinstance(error, KgError)
    line = error.line()
    assert expected in line and "\n" not in line
    assert line.startswith("bolt://db:7687: ")
    assert "s3cret" not in line


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(**extra: str) -> dict[str, str]:
    return {"NEO4J_URI": "", "NEO4J_USER": "", "NEO4J_DATABASE": "", **extra}


def test_unreachable_server_is_one_line(seed_store: Path, runner: CliRunner) -> None:
    uri = f"bolt://127.0.0.1:{_closed_port()}"
    result = runner.invoke(app, ["neo4j", "push", "--uri", uri, "--data-dir", str(seed_store)],
                           env=_env(NEO4J_PASSWORD="hunter2"))
    assert result.exit_code == 1
    assert result.stderr == f"error: {uri}: cannot reach the Neo4j server (is it running? " \
                            "check --uri, e.g. bolt://localhost:7687)\n"
    assert "hunter2" not in result.stdout + result.stderr


def test_credentials_in_the_uri_are_never_shown(seed_store: Path, runner: CliRunner) -> None:
    uri = f"bolt://alice:s3cretpw@127.0.0.1:{_closed_port()}"
    result = runner.invoke(app, ["neo4j", "push", "--uri", uri, "--data-dir", str(seed_store)],
                           env=_env(NEO4J_PASSWORD="s3cretpw"))
    assert result.exit_code == 1 and result.stderr.startswith(
        "error: --uri: a user name or password inside 'bolt://127.0.0.1:")
    assert "s3cretpw" not in result.stdout + result.stderr


@pytest.mark.parametrize(("args", "env", "message"), [
    (["--uri", "http://localhost:7474"], {"NEO4J_PASSWORD": "x"}, "not a Neo4j URI"),
    ([], {"NEO4J_PASSWORD": "x"}, "no Neo4j server given"),
    (["--uri", "bolt://localhost:7687"], {}, "no Neo4j password"),
])
def test_bad_settings_are_one_line(seed_store: Path, runner: CliRunner, args, env,
                                   message) -> None:
    environment = _env(**env)
    if "NEO4J_PASSWORD" not in env:
        environment["NEO4J_PASSWORD"] = None  # type: ignore[assignment]
    result = runner.invoke(app, ["neo4j", "push", *args, "--data-dir", str(seed_store)],
                           env=environment)
    assert result.exit_code == 1, result.stdout
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert result.stderr.count("\n") == 1


def test_password_is_not_an_option(runner: CliRunner) -> None:
    result = runner.invoke(app, ["neo4j", "push", "--password", "x"])
    assert result.exit_code != 0


@pytest.fixture()
def fake_server(monkeypatch: pytest.MonkeyPatch) -> FakeDriver:
    """``GraphDatabase.driver`` replaced by one shared fake (what the CLI connects to)."""
    import neo4j

    driver = FakeDriver()
    seen: dict[str, Any] = {}

    def make(uri: str, auth: tuple[str, str]) -> FakeDriver:
        seen.update(uri=uri, auth=auth)
        driver.closed = False
        return driver

    monkeypatch.setattr(neo4j.GraphDatabase, "driver", make)
    driver.seen = seen  # type: ignore[attr-defined]
    return driver


def test_cli_push_twice_then_query_then_wipe(seed_store: Path, runner: CliRunner,
                                             fake_server: FakeDriver) -> None:
    env = _env(NEO4J_PASSWORD="pw", NEO4J_URI="neo4j://example:7687")
    first = runner.invoke(app, ["neo4j", "push", "--format", "json", "--data-dir",
                                str(seed_store)], env=env)
    assert first.exit_code == 0, first.stderr
    assert fake_server.seen == {"uri": "neo4j://example:7687", "auth": ("neo4j", "pw")}
    assert fake_server.closed
    summary = json.loads(first.stdout)
    assert summary["nodes"]["created"] == summary["nodes"]["total"] > 0
    second = runner.invoke(app, ["neo4j", "push", "--data-dir", str(seed_store)], env=env)
    assert second.exit_code == 0, second.stderr
    assert re.search(r"nodes \d+ \(0 created, 0 updated, \d+ unchanged, 0 removed\); "
                     r"relationships \d+ \(0 created, 0 updated, \d+ unchanged, 0 removed\); "
                     r"\d+ constraints", second.stdout)
    gone = runner.invoke(app, ["neo4j", "wipe"], env=env)
    assert gone.exit_code == 0 and gone.stdout.startswith(
        f"wiped {summary['nodes']['total']} nodes")
    assert fake_server.db.nodes == {}


def test_cli_query_passes_params_and_prints_rows(runner: CliRunner,
                                                 fake_server: FakeDriver) -> None:
    fake_server.db.run = lambda statement, parameters: Result(  # type: ignore[method-assign]
        [{"statement": statement, "id": parameters["id"], "n": parameters["n"]}], Counters())
    result = runner.invoke(app, ["neo4j", "query", "MATCH (b:Barrier {id: $id}) RETURN b",
                                 "--param", "id=barrier/x", "--param", "n=3", "--format", "json"],
                           env=_env(NEO4J_PASSWORD="pw", NEO4J_URI="bolt://example:7687"))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == [{"statement": "MATCH (b:Barrier {id: $id}) RETURN b",
                                          "id": "barrier/x", "n": 3}]


def test_cli_errors_from_the_server_are_one_line(seed_store: Path, runner: CliRunner,
                                                 fake_server: FakeDriver) -> None:
    fake_server.fail_with = _neo4j_error("Neo.ClientError.Database.DatabaseNotFound", "nope")
    result = runner.invoke(app, ["neo4j", "push", "--database", "missing", "--data-dir",
                                 str(seed_store)],
                           env=_env(NEO4J_PASSWORD="pw", NEO4J_URI="bolt://example:7687"))
    assert result.exit_code == 1
    assert result.stderr == ("error: bolt://example:7687: database 'missing' does not exist "
                             "(create it (CREATE DATABASE) or pass another --database)\n")


def test_param_values_and_uri_redaction() -> None:
    assert parse_param('ids=["a", "b"]') == ("ids", ["a", "b"])
    assert parse_param("flag=true") == ("flag", True)
    with pytest.raises(KgError, match="bad --param"):
        parse_param("no-equals-sign")
    assert redact("bolt://localhost:7687") == "bolt://localhost:7687"


def test_live_push_twice_query_and_wipe(mapped, neo4j_uri: str, neo4j_password: str) -> None:
    from kg.neo4j.push import connect

    graph, schema = mapped
    user = os.environ.get("NEO4J_USER") or "neo4j"
    database = os.environ.get("NEO4J_DATABASE") or None
    with connect(neo4j_uri, user, neo4j_password, database) as driver:
        wipe(driver, database)
        first = push(driver, graph, schema, database=database)
        assert first.nodes.created == len(graph.nodes)
        assert first.relationships.created == len(graph.relationships)
        second = push(driver, graph, schema, database=database)
        assert (second.nodes.created, second.nodes.updated) == (0, 0)
        assert (second.relationships.created, second.relationships.updated) == (0, 0)
        rows = run_query(driver, "MATCH (b:Barrier)-[:HINDERS]->(m:Mechanism) "
                         "WHERE b.id = $id RETURN m.id AS mechanism ORDER BY mechanism",
                         {"id": "barrier/data-security-risk"}, database)
        assert rows == [{"mechanism": "mechanism/information-empowerment"}]
        counted = run_query(driver, f"MATCH (n:{MARKER}) RETURN count(n) AS n", {}, database)
        assert counted == [{"n": len(graph.nodes)}]
        totals = wipe(driver, database)
        assert totals["nodes"] == len(graph.nodes)
        assert run_query(driver, f"MATCH (n:{MARKER}) RETURN count(n) AS n", {}, database) == [
            {"n": 0}]
