"""`kg cypher` answers like Neo4j: the conformance suite (tests/cypher_suite.py) on both engines.

* live: the seed graph is pushed to a real Neo4j; every query runs there and locally, and the
  columns and rows must be identical (CI=true: the server must be there);
* recorded: Neo4j's answers are kept in tests/fixtures/cypher_conformance.json, so the local
  engine is held to them without a server too. Re-record with
  ``NEO4J_URI=… NEO4J_PASSWORD=… python -m tests.test_cypher_conformance`` (or the test server).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pytest

from kg.cypher import run_cypher
from tests.cypher_suite import SUITE, Case

GOLDEN = Path(__file__).parent / "fixtures" / "cypher_conformance.json"
USER = os.environ.get("NEO4J_USER") or "neo4j"
DATABASE = os.environ.get("NEO4J_DATABASE") or None
IDS = [case.id for case in SUITE]


def normal(value: Any) -> Any:
    """Values compared across engines: floats to 12 significant digits; a relationship without
    its end ids (the Neo4j driver only knows them when the end nodes are returned too)."""
    if isinstance(value, float):
        return float(f"{value:.12g}") if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        skip = ("_start", "_end") if "_type" in value else ()
        return {k: normal(v) for k, v in sorted(value.items()) if k not in skip}
    if isinstance(value, list):
        return [normal(v) for v in value]
    return value


def canonical(case: Case, columns: list[str], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Columns and rows; unordered results as a sorted multiset, open collect()s sorted."""
    out = []
    for row in rows:
        item = {k: normal(v) for k, v in row.items()}
        for name in case.unordered_lists:
            if isinstance(item.get(name), list):
                item[name] = sorted(item[name], key=lambda v: json.dumps(v, sort_keys=True))
        out.append(item)
    if not case.ordered:
        out.sort(key=lambda r: json.dumps(r, sort_keys=True, ensure_ascii=False))
    return {"columns": list(columns), "rows": out}


def local(store: Path, case: Case) -> dict[str, Any]:
    result = run_cypher(store, case.query, case.params)
    return canonical(case, result.columns, result.rows)


def test_the_suite_covers_what_neo4j_users_write() -> None:
    text = " ".join(case.query for case in SUITE).upper()
    assert len(SUITE) >= 40
    for construct in ("OPTIONAL MATCH", "CONTAINS", "STARTS WITH", "=~", " IN ", "*1..",
                      "SHORTESTPATH", "WITH ", "COUNT(*)", "COUNT(DISTINCT", "COLLECT(",
                      "ORDER BY", "SKIP", "LIMIT", "DISTINCT", "UNWIND", "CASE", "[0]",
                      "LABELS(", "TYPE(", "SIZE(", "EXISTS {", "COUNT {", "UNION", "$",
                      "EVIDENCE_", ")-[R]-(", "--("):
        assert construct in text, construct


@pytest.fixture(scope="module")
def golden() -> dict[str, Any]:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_every_case_has_a_recorded_neo4j_answer(golden: dict[str, Any]) -> None:
    assert sorted(golden["cases"]) == sorted(IDS)
    assert all(golden["cases"][c.id]["query"] == c.query for c in SUITE), "re-record the answers"


@pytest.mark.parametrize("case", SUITE, ids=IDS)
def test_local_engine_gives_neo4js_recorded_answer(case: Case, seed_store: Path,
                                                   golden: dict[str, Any]) -> None:
    recorded = golden["cases"][case.id]
    assert local(seed_store, case) == {"columns": recorded["columns"], "rows": recorded["rows"]}


@pytest.fixture(scope="module")
def neo4j_seed(neo4j_uri: str, neo4j_password: str, seed_store: Path) -> Any:
    """A driver to the live server holding exactly the seed graph."""
    from kg.neo4j.mapping import load
    from kg.neo4j.push import connect, push, wipe

    graph, schema = load(seed_store)
    with connect(neo4j_uri, USER, neo4j_password, DATABASE) as driver:
        wipe(driver, DATABASE)
        push(driver, graph, schema, database=DATABASE)
        yield driver


def neo4j(driver: Any, case: Case) -> dict[str, Any]:
    from kg.neo4j.push import plain

    with driver.session(database=DATABASE) as session:
        def work(tx: Any) -> tuple[list[str], list[dict[str, Any]]]:
            result = tx.run(case.query, case.params)
            keys = list(result.keys())
            return keys, [{k: plain(v) for k, v in record.items()} for record in result]

        columns, rows = session.execute_read(work)
    return canonical(case, columns, rows)


@pytest.mark.parametrize("case", SUITE, ids=IDS)
def test_local_engine_answers_like_the_live_neo4j(case: Case, neo4j_seed: Any,
                                                   seed_store: Path) -> None:
    expected = neo4j(neo4j_seed, case)
    assert expected["rows"], "a conformance query should return something on the seed graph"
    assert local(seed_store, case) == expected


def record(uri: str, password: str, store: Path) -> None:
    """Write Neo4j's answers to every case into the golden file."""
    from kg.neo4j.mapping import load
    from kg.neo4j.push import connect, push, wipe

    graph, schema = load(store)
    cases: dict[str, Any] = {}
    with connect(uri, USER, password, DATABASE) as driver:
        wipe(driver, DATABASE)
        push(driver, graph, schema, database=DATABASE)
        for case in SUITE:
            cases[case.id] = {"query": case.query, **neo4j(driver, case)}
    GOLDEN.write_text(json.dumps({"neo4j": "5.26", "cases": cases}, ensure_ascii=False,
                                 indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    import sys

    record(os.environ["NEO4J_URI"], os.environ.get("NEO4J_PASSWORD", "kg-test-password"),
           Path(sys.argv[1] if len(sys.argv) > 1 else ".kg"))
