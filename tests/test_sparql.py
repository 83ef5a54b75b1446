"""`kg sparql`: checked bindings, predeclared prefixes, useful named queries, one engine's answers
equal to the other's, and one line for bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.errors import KgError
from kg.graphview import GraphView
from kg.ontology import ACTORS
from kg.sparql_runner import (named_query_specs, parse_bindings, predeclared_prefixes, query_shape,
                              run_sparql)
from kg.store import ntriples_path

from .conftest import document_text

#: Typical values for the bindings the named queries document.
EXAMPLES = {"barrier": "barrier/data-security-risk", "entity": "mechanism/information-empowerment",
            "actor": "government", "case": "case/small-furniture-maker"}
SPECS = named_query_specs()
EVIDENCE = {"document", "section", "start", "end", "quote"}

#: The actors the seed coding uses (the ontology also has industry, which no seed strategy has).
SEED_ACTORS = ("enterprise", "platform", "government")
assert set(SEED_ACTORS) < set(ACTORS)


def sparql(runner: CliRunner, store: Path, *args: str) -> Any:
    result = runner.invoke(app, ["sparql", *args, "--data-dir", str(store)])
    return result


def rows_of(runner: CliRunner, store: Path, *args: str) -> list[dict[str, Any]]:
    result = sparql(runner, store, *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def bind_args(name: str, optional: bool = False) -> list[str]:
    """``--bind`` options for a named query's required (and, if asked, optional) bindings."""
    args = []
    for b in SPECS[name].bindings:
        if b.required or optional:
            args += ["--bind", f"{b.name}={EXAMPLES[b.name]}"]
    return args


def one_error_line(result: Any) -> str:
    assert result.exit_code != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


# ---------------------------------------------------------------------------------------------
#  Bindings
# ---------------------------------------------------------------------------------------------

def test_a_binding_the_query_does_not_have_is_an_error(seed_store: Path, runner: CliRunner) -> None:
    result = sparql(runner, seed_store, "--name", "barrier-mechanisms", "--bind",
                    "barrier=barrier/data-security-risk", "--bind", "barier=barrier/data-security-risk")
    assert result.exit_code == 1
    line = one_error_line(result)
    assert "--bind barier: the query has no variable ?barier" in line
    assert "?barrier" in line and "?mechanism" in line  # the query's variables
    assert "named query barrier-mechanisms takes: barrier" in line

    adhoc = sparql(runner, seed_store, "SELECT ?b WHERE { ?b a ikg:Barrier }", "--bind", "x=1")
    assert adhoc.exit_code == 1
    assert one_error_line(adhoc) == "error: --bind x: the query has no variable ?x (its variables: ?b)"


def test_variables_in_strings_iris_and_comments_do_not_count(seed_store: Path,
                                                             runner: CliRunner) -> None:
    query = ('SELECT ?b WHERE { ?b a ikg:Barrier ; skos:prefLabel ?l . '
             'FILTER(?l != "?x" && ?b != <http://e.org/?x=1>) }  # ?x')
    assert query_shape(query).variables == {"b", "l"}
    result = sparql(runner, seed_store, query, "--bind", "x=1")
    assert result.exit_code == 1 and "no variable ?x" in one_error_line(result)


def test_a_bound_variable_must_be_selected(seed_store: Path, runner: CliRunner) -> None:
    result = sparql(runner, seed_store, "SELECT ?m WHERE { ?b ikg:hinders ?m }",
                    "--bind", "b=barrier/data-security-risk")
    assert result.exit_code == 1
    assert "?b is in the query but not selected (it selects ?m)" in one_error_line(result)
    star = rows_of(runner, seed_store, "SELECT * WHERE { ?b ikg:hinders ?m }",
                   "--bind", "b=barrier/data-security-risk")
    assert star == [{"b": "barrier/data-security-risk", "m": "mechanism/information-empowerment"}]


def test_a_binding_filters_and_is_a_result_column(seed_store: Path, runner: CliRunner) -> None:
    rows = rows_of(runner, seed_store, "SELECT ?b ?m WHERE { ?b ikg:hinders ?m }",
                   "--bind", "b=barrier/data-security-risk")
    assert rows == [{"b": "barrier/data-security-risk", "m": "mechanism/information-empowerment"}]
    ask = sparql(runner, seed_store, "ASK { ?b ikg:hinders ?m }", "--bind", "m=mechanism/nope")
    assert ask.exit_code == 0 and ask.stdout.strip() == "false"


def test_required_bindings_of_named_queries(seed_store: Path, runner: CliRunner) -> None:
    for name in ("barrier-mechanisms", "relation-evidence"):
        result = sparql(runner, seed_store, "--name", name)
        assert result.exit_code == 1
        binding = SPECS[name].bindings[0].name
        assert f"named query {name} needs --bind {binding}=" in one_error_line(result)
    # optional bindings: unbound means all, as documented
    everything = rows_of(runner, seed_store, "--name", "strategies-by-actor")
    assert {r["actor"] for r in everything} == set(SEED_ACTORS)


def test_list_documents_every_query_and_its_bindings(runner: CliRunner) -> None:
    result = runner.invoke(app, ["sparql", "--list"])
    assert result.exit_code == 0
    for name, spec in SPECS.items():
        assert f"{name}: {spec.summary}" in result.stdout
        for b in spec.bindings:
            assert f"--bind {b.name}=…  ({'required' if b.required else 'optional'}) {b.help}" \
                in result.stdout
    assert "--bind barrier=…  (required)" in result.stdout


@pytest.mark.parametrize("name", sorted(SPECS))
def test_documented_bindings_are_selected_variables(name: str) -> None:
    spec = SPECS[name]
    shape = query_shape(spec.text)
    assert spec.summary and shape.form == "SELECT"
    for b in spec.bindings:
        assert b.help and b.name in EXAMPLES
        assert shape.selected is None or b.name in shape.selected


def test_bindings_are_never_pasted(seed_store: Path, runner: CliRunner) -> None:
    hostile = 'government" } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o'
    result = sparql(runner, seed_store, "--name", "strategies-by-actor", "--bind", f"actor={hostile}",
                    "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout) == []
    assert result.stderr.startswith("note: no rows for actor=")
    bad_iri = sparql(runner, seed_store, "--name", "relation-evidence", "--bind",
                     "entity=<a> } ; DROP ALL #>")
    assert bad_iri.exit_code == 1 and "is not a valid IRI" in one_error_line(bad_iri)


def test_binding_values() -> None:
    terms = parse_bindings(["a=<http://e.org/x>", "b=barrier/x", "c=ikg:Barrier", "d=42",
                            "e=government", "f=a=b"])
    assert terms["a"].kind == "iri" and terms["a"].value == "http://e.org/x"
    assert terms["b"].value == "https://w3id.org/innovation-kg/id/barrier/x"
    assert terms["c"].value == "https://w3id.org/innovation-kg/ontology#Barrier"
    assert terms["d"].datatype == "http://www.w3.org/2001/XMLSchema#integer"
    assert (terms["e"].kind, terms["e"].value, terms["e"].datatype) == ("literal", "government", None)
    assert terms["f"].value == "a=b"


# ---------------------------------------------------------------------------------------------
#  Prefixes
# ---------------------------------------------------------------------------------------------

def test_common_prefixes_are_predeclared(seed_store: Path, runner: CliRunner, view: GraphView) -> None:
    prefixes = predeclared_prefixes()
    for prefix in ("ikg", "id", "skos", "rdf", "rdfs", "owl", "xsd", "prov", "dcterms", "cito",
                   "schema"):
        assert prefix in prefixes
    rows = rows_of(runner, seed_store, "SELECT ?b WHERE { ?b a ikg:Barrier }")
    assert {r["b"] for r in rows} == {n["id"] for n in view.of_class("Barrier")}
    ask = sparql(runner, seed_store,
                 r"ASK { id:barrier\/data-security-risk skos:prefLabel ?l ; rdf:type ikg:Barrier ;"
                 r" dcterms:source ?d . ?d a ikg:Document . ikg:Barrier a owl:Class ;"
                 r" rdfs:subClassOf* ?c }")
    assert ask.exit_code == 0 and ask.stdout.strip() == "true", ask.stderr


def test_a_query_prefix_overrides_the_predeclared_one(seed_store: Path, runner: CliRunner) -> None:
    rows = rows_of(runner, seed_store,
                   "PREFIX ikg: <http://example.org/> SELECT ?b WHERE { ?b a ikg:Barrier }")
    assert rows == []


def test_an_undeclared_prefix_is_still_an_error(seed_store: Path) -> None:
    for engine in ("oxigraph", "rdflib"):
        with pytest.raises(KgError, match="invalid SPARQL"):
            run_sparql(ntriples_path(seed_store), "SELECT ?x WHERE { ?x a nope:X }", {},
                       engine=engine)


# ---------------------------------------------------------------------------------------------
#  Named queries
# ---------------------------------------------------------------------------------------------

LABELS = {"barrier-mechanisms": ["barrier", "mechanism"], "case-indicators": ["case"],
          "cross-document-matches": ["a", "b"], "relation-evidence": ["subject", "object"],
          "strategies-by-actor": ["strategy", "target"]}


@pytest.mark.parametrize("name", sorted(SPECS))
def test_named_query_gives_labels_paper_and_evidence(name: str, seed_store: Path,
                                                     runner: CliRunner) -> None:
    rows = rows_of(runner, seed_store, "--name", name, *bind_args(name))
    assert rows, name
    columns = set(rows[0])
    assert EVIDENCE <= columns
    for entity in LABELS[name]:
        assert {entity, f"{entity}_en", f"{entity}_zh"} <= columns
    for row in rows:
        for entity in LABELS[name]:
            if row[entity] is not None:
                assert row[f"{entity}_en"] and row[f"{entity}_zh"], (name, row)
        assert row["document"] in ("000", "003")
        assert row["quote"] and row["section"]


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_evidence_quote_is_the_document_text(name: str, seed_store: Path,
                                                   runner: CliRunner) -> None:
    for optional in (False, True):
        rows = rows_of(runner, seed_store, "--name", name, *bind_args(name, optional))
        for row in rows:
            if row["quote"] is None:
                continue
            assert document_text(row["document"])[row["start"]:row["end"]] == row["quote"], row


@pytest.mark.parametrize("actor", SEED_ACTORS)
def test_strategies_by_actor_are_the_graphs_strategies_of_that_actor(
        actor: str, seed_store: Path, runner: CliRunner, view: GraphView) -> None:
    rows = rows_of(runner, seed_store, "--name", "strategies-by-actor", "--bind", f"actor={actor}")
    expected = {n["id"] for n in view.of_class("Strategy")
                if n.get("properties", {}).get("actor") == actor}
    assert expected
    assert {r["strategy"] for r in rows} == expected
    assert {r["actor"] for r in rows} == {actor}
    relations = {(r["strategy"], r["relation"], r["target"]) for r in rows if r["relation"]}
    assert relations == {(s, hop.relation, hop.node["id"]) for s in expected
                         for hop in view.out(s, "mitigates", "strengthens")}


def test_barrier_mechanisms_are_the_graphs_hinders(seed_store: Path, runner: CliRunner,
                                                   view: GraphView) -> None:
    for barrier in view.of_class("Barrier"):
        rows = rows_of(runner, seed_store, "--name", "barrier-mechanisms",
                       "--bind", f"barrier={barrier['id']}")
        expected = {(hop.node["id"], ev["document"], ev["start"], ev["end"])
                    for hop in view.out(barrier["id"], "hinders") for ev in hop.edge["evidence"]}
        assert {(r["mechanism"], r["document"], r["start"], r["end"]) for r in rows} == expected


def test_relation_evidence_is_every_relation_of_the_entity(seed_store: Path, runner: CliRunner,
                                                           view: GraphView) -> None:
    entity = EXAMPLES["entity"]
    rows = rows_of(runner, seed_store, "--name", "relation-evidence", "--bind", f"entity={entity}")
    got = {(r["direction"], r["subject"], r["relation"], r["object"], r["modality"], r["start"])
           for r in rows}
    expected = {("out", entity, hop.relation, hop.node["id"], hop.edge["modality"], ev["start"])
                for hop in view.out(entity) for ev in hop.edge["evidence"]}
    expected |= {("in", hop.node["id"], hop.relation, entity, hop.edge["modality"], ev["start"])
                 for hop in view.into(entity) for ev in hop.edge["evidence"]}
    assert got == expected


def test_cross_document_matches_are_the_links_between_the_papers(
        seed_store: Path, runner: CliRunner, view: GraphView) -> None:
    rows = rows_of(runner, seed_store, "--name", "cross-document-matches")
    expected = {(e["source"], e["relation"], e["target"]) for e in view.projection["edges"]
                if view.node(e["source"]).get("document") != view.node(e["target"]).get("document")}
    assert {(r["a"], r["relation"], r["b"]) for r in rows} == expected
    assert ("barrier/innovation-homogenization", "closeMatch", "problem/product-homogenization") \
        in expected
    for row in rows:
        assert row["a_document"] != row["b_document"]


def test_case_indicators_are_table_1(seed_store: Path, runner: CliRunner, view: GraphView) -> None:
    rows = rows_of(runner, seed_store, "--name", "case-indicators")
    cases = {n["id"]: n["properties"] for n in view.of_class("Case")}
    assert {r["case"] for r in rows} == set(cases)
    for row in rows:
        props = cases[row["case"]]
        assert (row["years"], row["transaction_pct"], row["investment_pct"], row["response_pct"]) == (
            props["yearsOnPlatform"], props["platformTransactionRatio"],
            props["innovationInvestmentRatio"], props["feedbackResponseRate"])
    one = rows_of(runner, seed_store, "--name", "case-indicators", "--bind",
                  "case=case/small-furniture-maker")
    assert {r["case"] for r in one} == {"case/small-furniture-maker"}


# ---------------------------------------------------------------------------------------------
#  Engines: pyoxigraph answers exactly what rdflib answers, and fast
# ---------------------------------------------------------------------------------------------

def engine_cases() -> list[tuple[str, list[str]]]:
    cases = []
    for name, spec in sorted(SPECS.items()):
        required = [f"{b.name}={EXAMPLES[b.name]}" for b in spec.bindings if b.required]
        everything = [f"{b.name}={EXAMPLES[b.name]}" for b in spec.bindings]
        cases.append((name, required))
        if everything != required:
            cases.append((name, everything))
    return cases


@pytest.mark.parametrize(("name", "binds"), engine_cases())
def test_engines_agree_on_named_queries(name: str, binds: list[str], seed_store: Path) -> None:
    path = ntriples_path(seed_store)
    text = SPECS[name].text
    fast = run_sparql(path, text, parse_bindings(binds), name=name, engine="oxigraph")
    reference = run_sparql(path, text, parse_bindings(binds), name=name, engine="rdflib")
    assert fast == reference
    assert fast["rows"]


@pytest.mark.parametrize("query", [
    "SELECT ?b ?l WHERE { ?b a ikg:Barrier ; skos:prefLabel ?l } ORDER BY ?b ?l",
    "SELECT ?c (COUNT(?x) AS ?n) WHERE { ?x a ?c } GROUP BY ?c ORDER BY ?c",
    "SELECT ?s ?v WHERE { ?s ikg:platformTransactionRatio ?v } ORDER BY DESC(?v)",
    "ASK { ?b ikg:hinders ?m }",
    "CONSTRUCT { ?b ikg:hinders ?m } WHERE { ?b ikg:hinders ?m }",
])
def test_engines_agree_on_other_queries(query: str, seed_store: Path) -> None:
    path = ntriples_path(seed_store)
    fast = run_sparql(path, query, {}, engine="oxigraph")
    reference = run_sparql(path, query, {}, engine="rdflib")
    if fast["kind"] == "graph":
        assert fast["triples"] == reference["triples"] and fast["triples"]
    else:
        assert fast == reference


def test_construct_prints_turtle(seed_store: Path, runner: CliRunner) -> None:
    result = sparql(runner, seed_store,
                    "CONSTRUCT { ?b ikg:hinders ?m } WHERE { ?b ikg:hinders ?m }",
                    "--bind", "b=barrier/data-security-risk")
    assert result.exit_code == 0, result.stderr
    assert "information-empowerment" in result.stdout and "ikg:hinders" in result.stdout


# ---------------------------------------------------------------------------------------------
#  Bad input: one line, non-zero exit, no traceback
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "message"), [
    (["SELECT WHERE {"], "error: invalid SPARQL"),
    (["SELECT ?x WHERE { ?x a nope:Thing }"], "error: invalid SPARQL"),
    (["INSERT DATA { <http://e.org/a> <http://e.org/b> <http://e.org/c> }"],
     "error: INSERT is an update: kg sparql only reads the graph"),
    (["PREFIX e: <http://e.org/>\n# a comment\ndelete where { ?s ?p ?o }"],
     "error: DELETE is an update"),
    (["DROP ALL"], "error: DROP is an update"),
    (["--name", "no-such-query"], "error: no named query 'no-such-query' (available: "),
    (["--name", "strategies-by-actor", "--bind", "actor"], "error: binding 'actor' is not var=value"),
    (["--name", "strategies-by-actor", "--bind", "1x=2"], "error: binding '1x=2': '1x' is not a"),
    (["--name", "strategies-by-actor", "--bind", "actor=platform", "--bind", "actor=government"],
     "error: variable ?actor is bound twice"),
    (["SELECT ?b WHERE { ?b a ikg:Barrier }", "--name", "case-indicators"],
     "error: give either a query or --name, not both"),
    ([], "error: give a SPARQL query, a .rq file, or --name NAME"),
])
def test_bad_input_is_one_line(args: list[str], message: str, seed_store: Path,
                               runner: CliRunner) -> None:
    result = sparql(runner, seed_store, *args)
    assert one_error_line(result).startswith(message), result.stderr


def test_update_never_changes_the_store(seed_store: Path, runner: CliRunner) -> None:
    before = ntriples_path(seed_store).read_bytes()
    sparql(runner, seed_store, "DELETE WHERE { ?s ?p ?o }")
    count = rows_of(runner, seed_store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert count[0]["n"] > 10000
    assert ntriples_path(seed_store).read_bytes() == before


def test_missing_store_is_one_line(tmp_path: Path, runner: CliRunner) -> None:
    result = sparql(runner, tmp_path / "nothing", "ASK {}")
    assert one_error_line(result).startswith("error: ")


def test_service_clauses_never_reach_the_network(seed_store: Path, runner: CliRunner) -> None:
    query = "SELECT ?s WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    result = runner.invoke(app, ["sparql", query, "--data-dir", str(seed_store)])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: SERVICE would query another endpoint")
    quoted = 'SELECT ?s WHERE { ?s ?p "SERVICE" } LIMIT 1'
    assert runner.invoke(app, ["sparql", quoted, "--data-dir", str(seed_store)]).exit_code == 0
