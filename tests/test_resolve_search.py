"""Resolution never guesses silently; search finds what the papers say, with the snippet."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.graphview import GraphView
from kg.resolve import MAX_QUERY, Ambiguous, NotFound, resolve_match
from kg.search import search

from .conftest import document_text


@pytest.mark.parametrize("query", ["nope", "xyz", "qwertyuiop", "x" * 20_000, "数据" * 5_000,
                                   "the of and"])
def test_unknown_queries_are_not_guessed(query: str, view: GraphView) -> None:
    with pytest.raises(NotFound):
        resolve_match(view, query)


def test_unknown_query_exits_1_with_suggestions(seed_store: Path, runner: CliRunner) -> None:
    out = runner.invoke(app, ["show", "nope", "--data-dir", str(seed_store)])
    assert out.exit_code == 1 and out.stdout == ""
    assert out.stderr.startswith("error: no entity matches 'nope'")
    long = runner.invoke(app, ["trace", "barrier", "data security " * 2_000,
                               "--data-dir", str(seed_store)])
    assert long.exit_code == 1 and f"at most {MAX_QUERY}" in long.stderr
    assert len(long.stderr) < 500, "the error line does not echo the whole query"


@pytest.mark.parametrize(("query", "expected", "how"), [
    ("barrier/data-security-risk", "barrier/data-security-risk", "id"),
    ("data-security-risk", "barrier/data-security-risk", "id"),
    ("Data Security Risk", "barrier/data-security-risk", "label"),
    ("数据安全风险", "barrier/data-security-risk", "label"),
    ("informaton empowerment", "mechanism/information-empowerment", "fuzzy"),
])
def test_how_a_query_matched_is_known(query: str, expected: str, how: str,
                                      view: GraphView) -> None:
    match = resolve_match(view, query)
    assert match.node["id"] == expected and match.how == how


def test_a_non_exact_match_is_announced(seed_store: Path, runner: CliRunner) -> None:
    out = runner.invoke(app, ["show", "informaton empowerment", "--format", "json",
                              "--data-dir", str(seed_store)])
    assert out.exit_code == 0
    assert "resolved to mechanism/information-empowerment" in out.stderr
    assert "fuzzy" in out.stderr
    exact = runner.invoke(app, ["show", "数据安全风险", "--data-dir", str(seed_store)])
    assert exact.exit_code == 0 and "resolved to" not in exact.stderr


def test_a_close_tie_is_ambiguous_not_guessed(view: GraphView) -> None:
    with pytest.raises(Ambiguous) as caught:
        resolve_match(view, "homogenisation")
    ids = {c.node["id"] for c in caught.value.candidates}
    assert {"barrier/innovation-homogenization", "problem/product-homogenization"} <= ids


@pytest.mark.parametrize(("query", "expected"), [
    ("talent shortage", "barrier/compound-talent-shortage"),
    ("platform lock-in", "barrier/platform-dependence-lock-in"),
    ("质量管控", "policy/quality-improvement-action-plan"),
])
def test_natural_phrasings_resolve(query: str, expected: str, view: GraphView) -> None:
    match = resolve_match(view, query)
    assert match.node["id"] == expected


@pytest.mark.parametrize(("query", "expected"), [
    ("privacy", "policy/quality-improvement-action-plan"),
    ("隐私", "policy/quality-improvement-action-plan"),
    ("质量管控", "policy/quality-improvement-action-plan"),
    ("data secruity", "barrier/data-security-risk"),
    ("talent shortage", "barrier/compound-talent-shortage"),
])
def test_search_finds_natural_phrasings(query: str, expected: str, view: GraphView) -> None:
    hits = search(view, query, limit=5)
    assert expected in [h["id"] for h in hits], [h["id"] for h in hits]


def test_search_shows_where_it_matched(view: GraphView) -> None:
    hits = {h["id"]: h for h in search(view, "维护好个人隐私", limit=10)}
    policy = hits["policy/quality-improvement-action-plan"]
    assert "维护好个人隐私" in policy["snippet"]
    in_passages = [h for h in hits.values() if "passage" in h]
    assert in_passages
    for hit in in_passages:
        passage = hit["passage"]
        text = document_text(passage["document"])[passage["start"]:passage["end"]]
        assert "".join("维护好个人隐私".split()) in "".join(text.split())


def test_search_reads_definitions_and_relation_evidence(view: GraphView) -> None:
    kinds = {h["matched"] for h in search(view, "数据出境", limit=20)}
    assert any(k.startswith("relation evidence") or k == "evidence" for k in kinds)
    hits = search(view, "Data Security Law", limit=5)
    assert any(h["matched"].startswith("definition") for h in hits)


def test_search_document_filter(view: GraphView, seed_store: Path, runner: CliRunner) -> None:
    assert {h["document"] for h in search(view, "平台", document="003")} == {"003"}
    out = runner.invoke(app, ["search", "平台", "--document", "000", "--format", "csv",
                              "--data-dir", str(seed_store)])
    assert out.exit_code == 0
    header, *rows = out.stdout.splitlines()
    assert header.split(",")[:6] == ["score", "id", "class", "label", "paper", "matched"]
    assert rows and all(",000," in row for row in rows)


def test_list_document_filter_and_help(seed_store: Path, runner: CliRunner) -> None:
    out = runner.invoke(app, ["list", "strategies", "--document", "003", "--format", "json",
                              "--data-dir", str(seed_store)])
    rows = json.loads(out.stdout)
    assert rows and {r["document"] for r in rows} == {"003"}
    helptext = runner.invoke(app, ["list", "--help"]).stdout
    for kind in ("barriers", "strategies", "policies", "theories", "innovation-types", "cases"):
        assert kind in helptext


def test_every_listed_kind_resolves(view: GraphView) -> None:
    from kg.cli import LIST_KINDS
    from kg.queries import list_entities, resolve_class

    for kind in LIST_KINDS:
        assert list_entities(view, resolve_class(view, kind)), kind



def test_a_name_of_another_class_is_pointed_out(seed_store: Path, runner: CliRunner) -> None:
    out = runner.invoke(app, ["trace", "barrier", "privacy", "--data-dir", str(seed_store)])
    assert out.exit_code == 1
    assert "names policy/quality-improvement-action-plan, a Policy" in out.stderr
