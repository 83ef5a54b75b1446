"""The pure Cypher builders: fixed identifiers only, values only as parameters, safe literals."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.neo4j.mapping import MARKER, load
from kg.neo4j.statements import (
    CONSTRAINT, NO_ID_BATCH, STALE_NODES, all_statements, cleanup_plan, constraint_statements,
    cypher_literal, delete_relationships_statement, drop_statement, load_plan, node_statement,
    param_command, relationship_statement, script, stale_labels)


@pytest.fixture(scope="module")
def mapped(seed_store: Path):
    return load(seed_store)


def test_statement_text_holds_no_values(mapped) -> None:
    graph, schema = mapped
    for batch in load_plan(graph, 50):
        text = batch.statement
        assert "'" not in text and '"' not in text, "no string literal in a statement"
        assert "$rows" in text
        for row in batch.rows:
            assert (row.get("id") or row["source"]) not in text


def test_identifiers_outside_the_mapping_are_refused() -> None:
    for bad in ("Barrier {x: 1})", "A`B", "HINDERS]->() DETACH DELETE a //", "", "1Label"):
        with pytest.raises(ValueError):
            node_statement([bad])
        with pytest.raises(ValueError):
            relationship_statement(bad)
    with pytest.raises(ValueError):
        drop_statement("INDEX", "someone_elses_index")
    with pytest.raises(ValueError):
        drop_statement("DATABASE", "innovation_kg_id")


def test_plan_batches_every_node_before_any_relationship(mapped) -> None:
    graph, _ = mapped
    plan = load_plan(graph, 100)
    kinds = [batch.kind for batch in plan]
    assert kinds == sorted(kinds, key=lambda k: k != "nodes")
    assert all(len(batch.rows) <= 100 for batch in plan)
    assert sum(len(b.rows) for b in plan if b.kind == "nodes") == len(graph.nodes)
    assert sum(len(b.rows) for b in plan if b.kind == "relationships") == len(graph.relationships)
    sent = {row["id"] for b in plan if b.kind == "nodes" for row in b.rows}
    assert sent == {node.id for node in graph.nodes}


def test_nodes_merge_on_the_marker_and_keep_their_labels(mapped) -> None:
    graph, _ = mapped
    plan = load_plan(graph)
    platform = next(b for b in plan if b.kind == "nodes"
                    and b.rows[0]["id"].startswith("platform/"))
    assert f"MERGE (n:{MARKER} {{id: row.id}})" in platform.statement
    assert "SET n:Organization:Platform" in platform.statement


def test_constraint_comes_first_and_covers_every_label(mapped) -> None:
    _, schema = mapped
    statements = constraint_statements(schema)
    assert statements[0].startswith(f"CREATE CONSTRAINT {CONSTRAINT} IF NOT EXISTS")
    assert "REQUIRE n.id IS UNIQUE" in statements[0]
    assert all("IF NOT EXISTS" in s for s in statements)
    indexed = {s.split("FOR (n:")[1].split(")")[0] for s in statements[1:]}
    assert indexed == set(schema.label_names) - {MARKER}


def test_script_runs_the_push_statements_after_param_lines(mapped) -> None:
    graph, schema = mapped
    text = script(graph, schema, 200)
    chunks = [c.strip() for c in text.split(";\n") if c.strip()]
    params = [c for c in chunks if c.startswith(":param rows => ")]
    statements = [c for c in chunks if not c.startswith(":param")]
    plan = load_plan(graph, 200)
    assert len(params) == len(plan)
    assert statements == constraint_statements(schema) + [b.statement for b in plan]
    for line in params:
        assert "\n" not in line
    assert script(graph, schema, 200) == text


def test_all_statements_lists_each_text_once(mapped) -> None:
    statements = all_statements(*mapped)
    assert len(statements) == len(set(statements))


class _Reader:
    """A small reader for the Cypher literal subset cypher_literal writes (test only)."""

    ESC = {"'": "'", '"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t", "b": "\b",
           "f": "\f"}

    def __init__(self, text: str) -> None:
        self.text, self.i = text, 0

    def read(self):
        value = self.value()
        assert self.i == len(self.text), self.text[self.i:]
        return value

    def peek(self) -> str:
        return self.text[self.i]

    def expect(self, token: str) -> None:
        assert self.text.startswith(token, self.i), (token, self.text[self.i:self.i + 20])
        self.i += len(token)

    def value(self):
        ch = self.peek()
        if ch == "'":
            return self.string()
        if ch == "[":
            return self.sequence("[", "]", self.value)
        if ch == "{":
            return dict(self.sequence("{", "}", self.entry))
        for word, value in (("null", None), ("true", True), ("false", False)):
            if self.text.startswith(word, self.i):
                self.i += len(word)
                return value
        start = self.i
        while self.i < len(self.text) and self.text[self.i] not in ",]}":
            self.i += 1
        number = self.text[start:self.i]
        return float(number) if any(c in number for c in ".eE") else int(number)

    def sequence(self, open_: str, close: str, item):
        self.expect(open_)
        out = []
        while self.peek() != close:
            out.append(item())
            if self.peek() == ",":
                self.expect(", ")
        self.expect(close)
        return out

    def entry(self):
        start = self.i
        while self.text[self.i] != ":":
            self.i += 1
        key = self.text[start:self.i]
        self.expect(": ")
        return key, self.value()

    def string(self) -> str:
        self.expect("'")
        out = []
        while self.peek() != "'":
            ch = self.peek()
            if ch == "\\":
                nxt = self.text[self.i + 1]
                if nxt == "u":
                    out.append(chr(int(self.text[self.i + 2:self.i + 6], 16)))
                    self.i += 6
                    continue
                out.append(self.ESC[nxt])
                self.i += 2
                continue
            out.append(ch)
            self.i += 1
        self.expect("'")
        return "".join(out)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.fixed_dictionaries({
    "id": st.text(max_size=20),
    "props": st.fixed_dictionaries({"quote": st.text(max_size=40),
                                    "starts": st.lists(st.integers(-10**9, 10**9), max_size=3),
                                    "value": st.floats(allow_nan=False, allow_infinity=False,
                                                       width=32)})}), max_size=3))
def test_cypher_literal_is_one_line_and_round_trips(rows) -> None:
    line = param_command(rows)
    assert "\n" not in line and "\r" not in line
    assert _Reader(line.removeprefix(":param rows => ")).read() == rows


def test_cypher_literal_refuses_what_cypher_cannot_hold() -> None:
    with pytest.raises(ValueError):
        cypher_literal(float("nan"))
    with pytest.raises(ValueError):
        cypher_literal(object())
    assert cypher_literal({"odd key": 1}) == "{`odd key`: 1}"


def test_node_statement_removes_only_stale_identifier_labels() -> None:
    text = node_statement(["Barrier"], remove=["Problem", "Barrier", MARKER])
    assert "REMOVE n:Problem\n" in text and "SET n:Barrier\n" in text
    assert "NOT (n:Barrier) OR n:Problem AS relabel" in text
    assert "REMOVE" not in node_statement(["Barrier"], remove=[MARKER, "Barrier"])
    with pytest.raises(ValueError):
        node_statement(["Barrier"], remove=["Bad label"])


def test_delete_statements_take_ids_as_parameters_and_check_the_type() -> None:
    text = delete_relationships_statement("HINDERS")
    assert "$rows" in text and "'" not in text
    assert text.count(f":{MARKER} {{id: row.") == 2, "both ends must be this project's nodes"
    keep = delete_relationships_statement("HINDERS", keep_one=True)
    assert "UNWIND found[1..] AS extra" in keep
    for bad in ("HINDERS]->() DETACH DELETE a //", "kg live", ""):
        with pytest.raises(ValueError):
            delete_relationships_statement(bad)
    assert f"MATCH (n:{MARKER} {{id: row.id}})\nDETACH DELETE n" in STALE_NODES
    assert f"MATCH (n:{MARKER})\nWHERE n.id IS NULL" in NO_ID_BATCH


def test_cleanup_plan_removes_what_the_build_no_longer_has(mapped) -> None:
    graph, _ = mapped
    rel = graph.relationships[0]
    node_ids = [n.id for n in graph.nodes] + ["barrier/gone", None]
    rels = {(r.type, r.source, r.target): 1 for r in graph.relationships}
    rels[(rel.type, rel.source, rel.target)] = 3  # two hand-made copies
    rels[("HINDERS", "barrier/gone", rel.target)] = 1
    rels[("kg live link", rel.source, rel.target)] = 1  # not a name push writes: kept
    rels[("HINDERS", None, rel.target)] = 1  # an end without id: removed with its node
    plan = cleanup_plan(graph, node_ids, rels, batch_size=10)
    assert rel.type < "HINDERS"
    assert [(b.kind, b.statement, b.rows) for b in plan] == [
        ("stale-relationships", delete_relationships_statement(rel.type, keep_one=True),
         [{"source": rel.source, "target": rel.target}]),
        ("stale-relationships", delete_relationships_statement("HINDERS"),
         [{"source": "barrier/gone", "target": rel.target}]),
        ("stale-nodes", STALE_NODES, [{"id": "barrier/gone"}])]
    assert cleanup_plan(graph, [n.id for n in graph.nodes],
                        {(r.type, r.source, r.target): 1 for r in graph.relationships}) == []


def test_stale_labels_feed_the_node_batches(mapped) -> None:
    graph, _ = mapped
    barrier = next(n for n in graph.nodes if n.labels == ("Barrier",))
    on_server = {n.id: [MARKER, *n.labels] for n in graph.nodes}
    on_server[barrier.id] += ["Problem", "Not an identifier"]
    stale = stale_labels(graph, on_server)
    assert stale == {barrier.id: ["Problem"]}
    plan = load_plan(graph, 5, stale)
    holding = [b for b in plan if any(row.get("id") == barrier.id for row in b.rows)]
    assert len(holding) == 1 and "REMOVE n:Problem\n" in holding[0].statement
    others = [b.statement for b in plan if b not in holding]
    assert not any("REMOVE" in s for s in others)
    labels = {n.id: n.labels for n in graph.nodes}
    assert all(b.statement == node_statement(labels[b.rows[0]["id"]])
               for b in load_plan(graph, 5) if b.kind == "nodes")
