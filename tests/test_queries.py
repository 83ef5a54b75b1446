"""Researcher queries on the real seed graph: library functions first, then the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg import queries, traces
from kg.search import search
from kg.cli import app
from kg.graphview import GraphView
from kg.resolve import Ambiguous, NotFound, resolve

from .conftest import document_text

EVIDENCE_KEYS = {"document", "section", "start", "end", "quote"}


def assert_evidence_is_real(items: list[dict]) -> None:
    assert items, "every hop must carry evidence"
    for item in items:
        assert set(item) == EVIDENCE_KEYS
        assert document_text(item["document"])[item["start"]:item["end"]] == item["quote"]


def test_data_security_barrier_leads_to_information_empowerment(view: GraphView) -> None:
    barrier = resolve(view, "数据安全风险", classes=("Barrier",))
    result = traces.trace_barrier(view, barrier["id"])
    assert result["barrier"]["id"] == "barrier/data-security-risk"
    assert result["barrier"]["dimension"]["id"] == "dimension/information"
    mechanisms = {m["id"]: m for m in result["mechanisms"]}
    assert "mechanism/information-empowerment" in mechanisms
    info = mechanisms["mechanism/information-empowerment"]
    assert {t["id"] for t in info["innovation_types"]} >= {"innovation-type/product",
                                                           "innovation-type/service"}
    assert_evidence_is_real(info["evidence"])
    strategies = {s["id"]: s for s in result["strategies"]}
    data_strategies = [s for s in strategies if "data" in s]
    assert data_strategies, "the data-related strategies must be reached"
    assert {"mitigates", "strengthens"} <= {s["via"] for s in result["strategies"]}
    for strategy in result["strategies"]:
        assert strategy["actor"] in ("enterprise", "platform", "government")
        assert_evidence_is_real(strategy["evidence"])
    assert result["cases"], "cases illustrating the hindered mechanism"
    for case in result["cases"]:
        assert_evidence_is_real(case["evidence"])


def test_homogenization_barrier_is_related_to_the_other_paper(view: GraphView) -> None:
    result = traces.trace_barrier(view, "barrier/innovation-homogenization")
    related = {r["id"]: r for r in result["related"]}
    assert "problem/product-homogenization" in related
    documents = {ev["document"] for ev in related["problem/product-homogenization"]["evidence"]}
    assert documents == {"000", "003"}


def test_trace_json_has_the_documented_shape(seed_store: Path, runner: CliRunner) -> None:
    result = runner.invoke(app, ["trace", "barrier", "data security risk", "--format", "json",
                                 "--data-dir", str(seed_store)])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data)[:6] == ["barrier", "cases", "mechanisms", "policies", "related", "strategies"] \
        or {"barrier", "mechanisms", "strategies", "policies", "cases", "related"} <= set(data)
    assert {"id", "label", "dimension", "document"} <= set(data["barrier"])
    assert set(data["barrier"]["label"]) == {"zh", "en"}
    for mechanism in data["mechanisms"]:
        assert {"id", "label", "innovation_types", "evidence"} <= set(mechanism)
        assert_evidence_is_real(mechanism["evidence"])
    for strategy in data["strategies"]:
        assert {"id", "label", "actor", "via", "evidence"} <= set(strategy)
        assert strategy["via"] in ("mitigates", "strengthens")


@pytest.mark.parametrize("fmt", ["tree", "table", "markdown"])
def test_trace_renders_quotes_in_every_format(fmt: str, seed_store: Path, runner: CliRunner) -> None:
    result = runner.invoke(app, ["trace", "barrier", "barrier/data-security-risk", "--format", fmt,
                                 "--lang", "en", "--data-dir", str(seed_store)])
    assert result.exit_code == 0, result.stderr
    assert "Information empowerment" in result.stdout
    assert "因担心核心数据泄露" in result.stdout
    assert "\x1b[" not in result.stdout  # no colour codes when not a terminal


def test_trace_strategy_walks_back_to_barriers_and_mechanisms(view: GraphView) -> None:
    result = traces.trace_strategy(view, "strategy/data-governance")
    assert result["strategy"]["actor"] in ("government", "enterprise", "platform")
    parts = {p["id"] for p in result["strategy"]["parts"]}
    for item in result["barriers"] + result["mechanisms"]:
        assert item.get("via_strategy", "") in parts | {""}, "via_strategy only names a part"
    assert any("via_strategy" not in b for b in result["barriers"])
    assert result["barriers"] or result["mechanisms"]
    for item in result["barriers"] + result["mechanisms"]:
        assert_evidence_is_real(item["evidence"])


def test_trace_mechanism_shows_hindrances_strengths_cases_and_theories(view: GraphView) -> None:
    result = traces.trace_mechanism(view, "mechanism/information-empowerment")
    assert any(b["id"] == "barrier/data-security-risk" for b in result["barriers"])
    assert result["strategies"] and result["theories"] and result["cases"]
    assert [s["id"] for s in result["stages"]], "input–transformation–output stages"
    assert any(t["id"] == "theory/digital-empowerment" for t in result["theories"])


def test_show_card_has_indicators_and_relations(view: GraphView, seed_store: Path,
                                                runner: CliRunner) -> None:
    card = queries.show(view, "case/small-furniture-maker")
    assert card["entity"]["properties"]["yearsOnPlatform"] == 5
    assert {r["relation"] for r in card["outgoing"]} >= {"hasPractice", "achieves"}
    result = runner.invoke(app, ["show", "小型家具制造商", "--data-dir", str(seed_store)])
    assert result.exit_code == 0 and "case/small-furniture-maker" in result.stdout
    for fragment in ("yearsOnPlatform: 5", "platformTransactionRatio: 60", "definition (en):",
                     "hasPractice"):
        assert fragment in result.stdout


def test_policy_card_shows_date_and_issuer(view: GraphView) -> None:
    policies = queries.list_entities(view, "Policy")
    livestream = [p for p in policies if "直播" in p["label"]["zh"]]
    assert livestream
    card = queries.show(view, livestream[0]["id"])
    assert card["entity"]["properties"]["date"].startswith("2021")
    assert any(r["relation"] == "issuedBy" for r in card["outgoing"])


def test_cases_rebuild_table_1(view: GraphView, seed_store: Path, runner: CliRunner) -> None:
    rows = queries.cases_table(view)
    assert len(rows) == 4
    for row in rows:
        assert all(isinstance(v, (int, float)) for v in row["indicators"].values())
        assert len(row["practices"]) == 3
        assert row["outcomes"]
    result = runner.invoke(app, ["cases", "--format", "csv", "--data-dir", str(seed_store)])
    assert result.exit_code == 0
    header, *lines = result.stdout.strip().splitlines()
    assert len(lines) == 4 and "transaction %" in header


@pytest.mark.parametrize("kind", ["barriers", "strategies", "cases", "policies", "theories",
                                  "innovation-types", "Mechanism"])
def test_list_every_type(kind: str, seed_store: Path, runner: CliRunner) -> None:
    result = runner.invoke(app, ["list", kind, "--format", "json", "--data-dir", str(seed_store)])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)


def test_list_unknown_type_is_one_line(seed_store: Path, runner: CliRunner) -> None:
    result = runner.invoke(app, ["list", "unicorns", "--data-dir", str(seed_store)])
    assert result.exit_code == 1 and result.stderr.count("\n") == 1


def test_search_tolerates_spelling_differences(view: GraphView) -> None:
    hits = search(view, "homogenisation")
    assert any("homogenization" in h["id"] for h in hits[:5])
    hits = search(view, "数据安全")
    assert hits[0]["id"] == "barrier/data-security-risk"


def test_path_explains_each_hop(view: GraphView) -> None:
    found = queries.paths(view, "barrier/data-security-risk", "theory/digital-empowerment")
    assert found
    for hops in found:
        for hop in hops:
            assert_evidence_is_real(hop["evidence"])


def test_ambiguous_query_lists_candidates_and_exits_2(view: GraphView, seed_store: Path,
                                                      runner: CliRunner) -> None:
    with pytest.raises(Ambiguous) as info:
        resolve(view, "数据", classes=("Barrier",))
    assert len(info.value.candidates) > 1
    result = runner.invoke(app, ["trace", "barrier", "数据", "--data-dir", str(seed_store)])
    assert result.exit_code == 2
    first, *listed = result.stderr.strip().splitlines()
    assert first.startswith("error: ") and len(listed) > 1
    assert all(line.startswith("  barrier/") for line in listed)


@pytest.mark.parametrize("query", ["MATCH (n) DETACH DELETE n", "SELECT * WHERE { ?s ?p ?o }",
                                   "'; DROP TABLE x; --", "<script>alert(1)</script>", "zzzqqq"])
def test_hostile_or_unknown_queries_are_plain_text(query: str, view: GraphView, seed_store: Path,
                                                   runner: CliRunner) -> None:
    with pytest.raises(NotFound):
        resolve(view, query, classes=("Barrier",))
    result = runner.invoke(app, ["trace", "barrier", query, "--data-dir", str(seed_store)])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: no entity matches")
    assert "Traceback" not in result.stderr


def test_named_sparql_with_bindings(seed_store: Path, runner: CliRunner) -> None:
    result = runner.invoke(app, ["sparql", "--name", "barrier-mechanisms", "--bind",
                                 "barrier=barrier/data-security-risk", "--format", "json",
                                 "--data-dir", str(seed_store)])
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert {r["mechanism"] for r in rows} == {"mechanism/information-empowerment"}
    for row in rows:
        assert document_text("000")[row["start"]:row["end"]] == row["quote"]


def test_sparql_binding_is_never_pasted_into_the_query(seed_store: Path, runner: CliRunner) -> None:
    hostile = 'enterprise" } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o'
    result = runner.invoke(app, ["sparql", "--name", "strategies-by-actor", "--bind",
                                 f"actor={hostile}", "--format", "json", "--data-dir", str(seed_store)])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == []
    ok = runner.invoke(app, ["sparql", "--name", "strategies-by-actor", "--bind", "actor=platform",
                             "--format", "json", "--data-dir", str(seed_store)])
    assert json.loads(ok.stdout)


def test_sparql_ask_and_bad_syntax(seed_store: Path, runner: CliRunner) -> None:
    ask = runner.invoke(app, ["sparql", "ASK { ?b <https://w3id.org/innovation-kg/ontology#hinders> ?m }",
                              "--data-dir", str(seed_store)])
    assert ask.exit_code == 0 and ask.stdout.strip() == "true"
    bad = runner.invoke(app, ["sparql", "SELECT WHERE {", "--data-dir", str(seed_store)])
    assert bad.exit_code == 1 and bad.stderr.startswith("error: invalid SPARQL")


def test_cypher_runs_locally_with_the_neo4j_model(seed_store: Path, runner: CliRunner) -> None:
    query = ('MATCH (b:Barrier)-[r:HINDERS]->(m:Mechanism) WHERE b.id = "barrier/data-security-risk" '
             'RETURN m.id, r.modality')
    result = runner.invoke(app, ["cypher", query, "--format", "json", "--data-dir", str(seed_store)])
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert {r["m.id"] for r in rows} == {"mechanism/information-empowerment"}


def test_cypher_write_is_refused(seed_store: Path, runner: CliRunner) -> None:
    result = runner.invoke(app, ["cypher", "CREATE (n:Barrier {id: 'x'})", "--data-dir",
                                 str(seed_store)])
    assert result.exit_code == 1 and "only reads: CREATE is a writing clause" in result.stderr
