"""The documented example queries run on the embedded graph, give the documented results,
and agree with `kg trace barrier` (the same Cypher runs in Neo4j; the lint tests check it)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.cypher import run_cypher
from kg.graphview import GraphView
from kg.queries import cases_table
from kg.traces import trace_barrier
from kg.store import load_projection

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "docs" / "neo4j.md", ROOT / "README.md"]
BARRIER = "barrier/data-security-risk"
EXAMPLE = re.compile(r"(?:<!-- (?P<marker>[^\n]*?) -->\n)?```cypher\n(?P<query>.*?)^```\n"
                     r"(?:\n(?P<table>(?:\|[^\n]*\n)+))?", re.M | re.S)


def examples(path: Path) -> list[dict[str, str]]:
    """Each ```cypher block with its marker comment and the result table under it."""
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    return [{"marker": m["marker"] or "", "query": m["query"], "table": m["table"] or "",
             "where": f"{path.name}:{text[:m.start()].count(chr(10)) + 1}"}
            for m in EXAMPLE.finditer(text)]


def table_rows(table: str) -> list[dict[str, str]]:
    """A Markdown table as rows of strings (``\\|`` unescaped)."""
    lines = [line.strip() for line in table.strip().splitlines()]

    def cells(line: str) -> list[str]:
        parts = re.split(r"(?<!\\)\|", line.strip()[1:-1])
        return [part.strip().replace("\\|", "|") for part in parts]

    header = cells(lines[0])
    return [dict(zip(header, cells(line), strict=True)) for line in lines[2:]]


def as_text(rows: list[dict]) -> list[dict[str, str]]:
    return [{k: str(v) for k, v in row.items()} for row in rows]


ALL = [example for path in DOCS for example in examples(path)]
EMBEDDED = ALL  # the local engine holds the same graph as Neo4j, Passage nodes included
NAMED = {e["marker"].removeprefix("example: "): e for e in ALL
         if e["marker"].startswith("example: ")}


@pytest.fixture(scope="module")
def projection(seed_store: Path) -> dict:
    return load_projection(seed_store)


def test_there_are_enough_examples() -> None:
    assert len(EMBEDDED) >= 5
    assert {"trace-mechanisms", "trace-mitigating-strategies", "trace-strengthening-strategies",
            "trace-cases"} <= set(NAMED)
    assert all(e["table"] for e in EMBEDDED), "every runnable example shows its result"


@pytest.mark.parametrize("example", EMBEDDED, ids=[e["where"] for e in EMBEDDED])
def test_example_runs_locally_with_the_documented_result(example: dict, seed_store: Path) -> None:
    rows = run_cypher(seed_store, example["query"]).rows
    assert rows, "an example should return something on the seed graph"
    assert as_text(rows) == table_rows(example["table"])


def run(store: Path, name: str) -> list[dict]:
    return run_cypher(store, NAMED[name]["query"]).rows


def test_barrier_trace_mechanisms_agree_with_kg_trace(view: GraphView, seed_store: Path) -> None:
    trace = trace_barrier(view, BARRIER)
    rows = run(seed_store, "trace-mechanisms")
    assert [r["mechanism"] for r in rows] == sorted(m["id"] for m in trace["mechanisms"])
    by_id = {m["id"]: m for m in trace["mechanisms"]}
    for row in rows:
        assert row["label"] == by_id[row["mechanism"]]["label"]["en"]


def test_barrier_trace_strategies_agree_with_kg_trace(view: GraphView, seed_store: Path) -> None:
    trace = trace_barrier(view, BARRIER)
    mitigating = {(s["id"], s["target"], s["actor"]) for s in trace["strategies"]
                  if s["via"] == "mitigates"}
    rows = run(seed_store, "trace-mitigating-strategies")
    assert {(r["strategy"], r["mitigates"], r["actor"]) for r in rows} == mitigating
    strengthening = {(s["target"], s["id"], s["actor"]) for s in trace["strategies"]
                     if s["via"] == "strengthens"}
    rows = run(seed_store, "trace-strengthening-strategies")
    assert {(r["mechanism"], r["strategy"], r["actor"]) for r in rows} == strengthening


def test_barrier_trace_cases_agree_with_kg_trace(view: GraphView, seed_store: Path) -> None:
    trace = trace_barrier(view, BARRIER)
    expected = {(c["id"], c["mechanism"]) for c in trace["cases"] if c["role"] == "exemplifies"}
    rows = run(seed_store, "trace-cases")
    assert {(r["firm"], r["mechanism"]) for r in rows} == expected


def test_barrier_trace_agrees_through_the_cli(seed_store: Path, runner: CliRunner) -> None:
    query = NAMED["trace-mechanisms"]["query"]
    cypher = runner.invoke(app, ["cypher", query, "--format", "json", "--data-dir",
                                 str(seed_store)])
    trace = runner.invoke(app, ["trace", "barrier", BARRIER, "--format", "json", "--data-dir",
                                str(seed_store)])
    assert cypher.exit_code == 0 and trace.exit_code == 0, cypher.stderr + trace.stderr
    assert [r["mechanism"] for r in json.loads(cypher.stdout)] == sorted(
        m["id"] for m in json.loads(trace.stdout)["mechanisms"])


def test_table_1_agrees_with_kg_cases(view: GraphView, seed_store: Path) -> None:
    rows = run(seed_store, "table-1")
    cases = {c["id"]: c["indicators"] for c in cases_table(view)}
    assert {r["firm"] for r in rows} == set(cases)
    for row in rows:
        indicators = cases[row["firm"]]
        assert (row["years"], row["sales_pct"], row["investment_pct"], row["response_pct"]) == (
            indicators["yearsOnPlatform"], indicators["platformTransactionRatio"],
            indicators["innovationInvestmentRatio"], indicators["feedbackResponseRate"])


def test_counts_and_alignments_agree_with_the_projection(projection: dict, seed_store: Path) -> None:
    nodes = {n["id"]: n for n in projection["nodes"]}
    counts: dict[str, int] = {}
    for edge in projection["edges"]:
        if edge["relation"] == "mitigates" and nodes[edge["target"]]["class"] == "Barrier":
            actor = nodes[edge["source"]]["properties"]["actor"]
            counts[actor] = counts.get(actor, 0) + 1
    assert {r["actor"]: r["mitigations"] for r in run(seed_store, "mitigations-by-actor")} == counts
    matches = {(e["source"], e["target"]) for e in projection["edges"]
               if e["relation"] == "closeMatch"}
    assert {(r["paper_000"], r["paper_003"]) for r in run(seed_store, "cross-paper")} == matches
