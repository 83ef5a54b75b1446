"""`kg cypher` as a command: what it refuses (one line each), its options and formats, and the
engine's copy of the graph (made once per build, remade when damaged, in memory when the store
cannot be written). What it answers is held to Neo4j by tests/test_cypher_conformance.py."""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from kg.cli import app
from kg.cypher import run_cypher
from kg.cypher.database import CACHE, source_stamp
from kg.cypher.translate import EngineSchema, translate
from kg.errors import KgError

BARRIER = "barrier/data-security-risk"


def kg_cypher(store: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["cypher", *args, "--data-dir", str(store)])
    return result.exit_code, result.stdout, result.stderr


def one_line_error(store: Path, query: str) -> str:
    code, out, err = kg_cypher(store, query)
    assert code == 1, (out, err)
    assert out == "" and err.count("\n") == 1 and err.startswith("error: "), err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize("query", [
    "CREATE (n:Barrier {id: 'x'})",
    "MATCH (n:Barrier) SET n.label_en = 'x'",
    "MATCH (n:Barrier) DETACH DELETE n",
    "MATCH (n) DELETE n",
    "MERGE (n:Barrier {id: 'x'}) RETURN n",
    "MATCH (n:Barrier) REMOVE n:Barrier",
    "LOAD CSV FROM 'file:///etc/passwd' AS row RETURN row",
    "MATCH (n) FOREACH (x IN [1] | SET n.x = x)",
    "match (n) with n create (m) return m",
])
def test_writes_are_refused_before_anything_runs(query: str, seed_store: Path) -> None:
    assert "only reads" in one_line_error(seed_store, query)


def test_words_that_only_look_like_writes_are_read(seed_store: Path) -> None:
    code, out, err = kg_cypher(seed_store, "MATCH (b:Barrier {id: $id}) RETURN b.id AS delete, "
                               "{set: 1} AS map", "--param", f"id={BARRIER}", "--format", "json")
    assert code == 0, err
    assert json.loads(out) == [{"delete": BARRIER, "map": {"set": 1}}]


@pytest.mark.parametrize(("query", "named"), [
    ("CALL db.labels()", "the CALL clause"),
    ("MATCH (n:Barrier) RETURN n{.id}", "map projection"),
    ("MATCH (b:Barrier) RETURN [(b)-->(x) | x.id]", "pattern comprehension"),
    ("MATCH (n) RETURN id(n)", "id()"),
    ("MATCH (n) RETURN elementId(n)", "elementId()"),
    ("MATCH (n:Barrier) RETURN properties(n)", "properties()"),
    ("MATCH (b:Barrier) RETURN COLLECT { MATCH (b)-->(x) RETURN x.id }", "COLLECT"),
    ("MATCH (b:Barrier) WITH b ORDER BY b.id RETURN collect(b.id)", "ORDER BY in WITH"),
    ("MATCH (b:Barrier) WITH b ORDER BY b.id LIMIT 3 RETURN collect(b.id)", "aggregation after"),
    ("MATCH (n:!Barrier) RETURN n", "'!'"),
    ("MATCH (n) RETURN n.id; MATCH (m) RETURN m.id", "several statements"),
    ("MATCH (n) RETURN apoc.text.join(['a'], ',')", "apoc"),
    ("MATCH (n:Barrier) RETURN exists(n.actor)", "exists(n.prop) was removed"),
])
def test_what_the_engine_would_answer_otherwise_is_named(query: str, named: str,
                                                         seed_store: Path) -> None:
    err = one_line_error(seed_store, query)
    assert "not supported by `kg cypher`" in err and named.lower() in err.lower()


@pytest.mark.parametrize(("query", "said"), [
    ("MATCH (n) WHERE RETURN n", "cannot parse the Cypher query"),
    ("MATCH (n RETURN n", "unbalanced '('"),
    ("MATCH (n) WHERE n.id = 'unclosed RETURN n", "string is not closed"),
    ("MATCH (n) RETURN (n", "unbalanced"),
    ("MATCH (b:Barrier {id: $id}) RETURN b", "$id but no value was given"),
])
def test_bad_queries_get_one_clear_line(query: str, said: str, seed_store: Path) -> None:
    assert said in one_line_error(seed_store, query)


def test_a_property_no_node_has_is_null_as_in_neo4j(seed_store: Path) -> None:
    rows = run_cypher(seed_store, "MATCH (b:Barrier {id: $id}) RETURN b.nothing AS x, "
                      "b.actor AS actor", {"id": BARRIER}).rows
    assert rows == [{"x": None, "actor": None}]


def test_a_huge_query_is_refused(seed_store: Path) -> None:
    with pytest.raises(KgError, match="longer than"):
        run_cypher(seed_store, "RETURN 1 " + " " * 100_000)


def test_deep_nesting_is_refused_in_one_line(seed_store: Path) -> None:
    err = one_line_error(seed_store, "RETURN " + "(" * 5000 + "1" + ")" * 5000)
    assert "nested more than" in err


CYPHERISH = "MATCHRETURNWHEREOPTIONALWITHUNWINDCOUNTEXISTS nab:()[]{}-<>=~.,'\"$*|&!0123456789"


@given(st.text(alphabet=CYPHERISH, max_size=80))
@settings(max_examples=int(os.environ.get("KG_FUZZ_EXAMPLES", "30")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_text_translates_or_is_refused_in_one_line(text: str) -> None:
    schema = EngineSchema({"Barrier": frozenset({"Barrier", "InnovationKG"})},
                          frozenset({"HINDERS"}))
    try:
        translate(text, schema)
    except KgError as exc:
        assert "\n" not in str(exc)


@pytest.mark.parametrize(("head", "tail"), list(itertools.product(
    ["MATCH (b:Barrier)", "MATCH (b)-[r]->(x)", "UNWIND [1, 2] AS b", "MATCH p = (b:Barrier)--()"],
    ["RETURN b", "RETURN count(*)", "WHERE b.id =~ '(' RETURN b", "RETURN [x IN [1] | x][5]",
     "RETURN b.id[0..2]", "RETURN p", "WITH b RETURN b.x.y", "RETURN 1/0", "RETURN b + 1",
     "RETURN r"])))
def test_odd_queries_answer_or_fail_in_one_line(head: str, tail: str, seed_store: Path) -> None:
    try:
        run_cypher(seed_store, f"{head} {tail}")
    except KgError as exc:
        assert "\n" not in str(exc)


def test_parameters_are_typed_as_json_and_never_pasted(seed_store: Path) -> None:
    code, out, err = kg_cypher(seed_store, "MATCH (b:Barrier) WHERE b.id STARTS WITH $p "
                               "RETURN b.id ORDER BY b.id LIMIT $k", "--param", "p=barrier/data",
                               "--param", "k=2", "--format", "json")
    assert code == 0, err
    assert [r["b.id"] for r in json.loads(out)] == ["barrier/data-overload-analysis-deficit",
                                                    "barrier/data-quality-security"]
    hostile = "x' OR 1=1 //"
    code, out, err = kg_cypher(seed_store, "MATCH (b:Barrier {id: $id}) RETURN b.id",
                               "--param", f"id={hostile}", "--format", "json")
    assert code == 0 and json.loads(out) == []


def test_bad_param_is_one_line(seed_store: Path) -> None:
    code, _, err = kg_cypher(seed_store, "RETURN $x AS x", "--param", "no-equals-sign")
    assert code == 1 and "bad --param" in err


def test_formats(seed_store: Path) -> None:
    query = ("MATCH (b:Barrier {id: $id})-[r:HINDERS]->(m) RETURN m.id AS mechanism, "
             "r.evidence_starts AS starts ORDER BY mechanism")
    args = ("--param", f"id={BARRIER}")
    code, out, _ = kg_cypher(seed_store, query, *args, "--format", "json")
    rows = json.loads(out)
    assert code == 0 and rows[0]["mechanism"] == "mechanism/information-empowerment"
    assert all(isinstance(s, int) for s in rows[0]["starts"])
    code, out, _ = kg_cypher(seed_store, query, *args, "--format", "csv")
    table = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [r["mechanism"] for r in table] == [r["mechanism"] for r in rows]
    code, out, _ = kg_cypher(seed_store, query, *args, "--format", "table")
    assert code == 0 and "mechanism/information-empowerment" in out and "1 rows" in out
    code, out, _ = kg_cypher(seed_store, "MATCH (n:NoSuchLabel) RETURN n.id AS id, 1 AS one",
                             "--format", "csv")
    assert code == 0 and out.splitlines() == ["id,one"]


def test_whole_nodes_relationships_and_paths_look_like_kg_neo4j_query(seed_store: Path) -> None:
    row = run_cypher(seed_store, "MATCH p = (b:Barrier {id: $id})-[r:HINDERS]->(m) RETURN b, r, "
                     "p ORDER BY m.id LIMIT 1", {"id": BARRIER}).rows[0]
    assert row["b"]["_labels"] == ["Barrier", "InnovationKG"] and row["b"]["id"] == BARRIER
    assert None not in row["b"].values()
    assert row["r"]["_type"] == "HINDERS" and row["r"]["_start"] == BARRIER
    assert row["r"]["modality"] == "evidenced" and row["r"]["evidence_quotes"]
    assert [n["id"] for n in row["p"]["nodes"]] == [BARRIER, row["r"]["_end"]]
    assert row["p"]["relationships"] == [row["r"]]


def cached(store: Path) -> list[str]:
    """The files of the Cypher copy (the cache dir also holds other engines' copies)."""
    return sorted(p.name for p in (store / CACHE).glob("cypher-*"))


def forget_copies(store: Path) -> None:
    for leftover in (store / CACHE).glob("cypher-*"):
        leftover.unlink()


def test_the_engine_copy_is_made_once_per_build(store: Path, tmp_path: Path) -> None:
    forget_copies(store)
    run_cypher(store, "RETURN 1 AS one")
    build = source_stamp(store)["build"]
    assert cached(store) == [f"cypher-{build}.json", f"cypher-{build}.lbug"]
    made = (store / CACHE / f"cypher-{build}.lbug").stat().st_mtime_ns
    run_cypher(store, "MATCH (b:Barrier) RETURN count(b) AS n")
    assert (store / CACHE / f"cypher-{build}.lbug").stat().st_mtime_ns == made


def test_a_damaged_copy_is_made_again(store: Path) -> None:
    run_cypher(store, "RETURN 1 AS one")
    copy = next((store / CACHE).glob("*.lbug"))
    copy.write_bytes(b"\0" * 100)
    assert run_cypher(store, "MATCH (b:Barrier) RETURN count(b) AS n").rows == [{"n": 15}]


def test_an_altered_graph_file_is_caught_not_answered_from_the_copy(store: Path) -> None:
    from kg.store import GRAPH_JSON, StoreDamaged, current_build

    run_cypher(store, "RETURN 1 AS one")
    graph = current_build(store) / GRAPH_JSON
    data = bytearray(graph.read_bytes())
    at = data.index(b"Barrier")
    data[at:at + 7] = b"BARRIER"
    graph.write_bytes(bytes(data))
    with pytest.raises(StoreDamaged):
        run_cypher(store, "MATCH (b:Barrier) RETURN count(b) AS n")


def test_a_store_that_cannot_be_written_is_queried_in_memory(store: Path,
                                                              monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    import tempfile

    forget_copies(store)

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError("read-only")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    assert run_cypher(store, "MATCH (b:Barrier) RETURN count(b) AS n").rows == [{"n": 15}]
    assert cached(store) == []


def test_a_new_build_replaces_the_old_copy(store: Path, runner: CliRunner,
                                           source_copy: Path) -> None:
    run_cypher(store, "RETURN 1 AS one")
    old = source_stamp(store)["build"]
    annotations = source_copy / "annotations"
    target = annotations / "000-barriers.yaml"
    target.write_text(target.read_text(encoding="utf-8").replace(
        "Data security risk", "Data-security risk", 1), encoding="utf-8")
    built = runner.invoke(app, ["build", "--source", str(source_copy), "--data-dir", str(store),
                                "--no-validate"])
    assert built.exit_code == 0, built.stderr
    rows = run_cypher(store, "MATCH (b:Barrier {id: $id}) RETURN b.label_en AS l",
                      {"id": BARRIER}).rows
    assert rows == [{"l": "Data-security risk"}]
    assert all(old not in name for name in cached(store))


SCHEMA_QUERY = "MATCH (s:Statistic)-[r]->(x:Platform) RETURN labels(s), type(r), x.id[0]"


def test_the_translation_spells_the_differences_out(seed_store: Path) -> None:
    from kg.cypher.database import open_engine

    engine = open_engine(seed_store)
    try:
        schema = engine.layout.schema()
    finally:
        engine.close()
    text = translate(SCHEMA_QUERY, schema)
    assert "(`s`:`QuantitativeStatement`:`Statistic`)" in text  # a label is its tables
    assert "`s`.`kg_labels`" in text and "label(r)" in text and "[1]" in text
    assert "AS `labels(s)`" in text  # columns named as Neo4j names them
    assert "* TRAIL 1..30" in translate("MATCH (a)-[:PART_OF*]->(b) RETURN b", schema)
    assert "id(kg_r1) <> id(kg_r2)" in translate("MATCH (a)--(b)--(c) RETURN c", schema)
    assert "EXISTS { MATCH" in translate("MATCH (b) WHERE (b)-->() RETURN b", schema)
