"""Building the seed graph: provenance, coverage, validity and byte-for-byte determinism."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from typer.testing import CliRunner

from kg.build import build
from kg.cli import app
from kg.exporters.rdf import export_rdf
from kg.store import GRAPH_NT, current_build, load_projection

from .conftest import SEED, document_text

#: Classes the curated coding of both papers must contain.
CODED_CLASSES = {"Theory", "Dimension", "Mechanism", "MechanismStage", "InnovationType", "Effect",
                 "Case", "Practice", "Outcome", "Sample", "Statistic", "Barrier", "Problem",
                 "Strategy", "Policy", "Organization", "Platform", "Programme", "InnovationMode",
                 "CompetitionEffect", "Reference", "QuantitativeStatement", "Document"}


def test_every_evidence_quote_is_the_text_at_its_offsets(seed_store: Path) -> None:
    projection = load_projection(seed_store)
    texts = {doc: document_text(doc) for doc in projection["documents"]}
    items = [ev for n in projection["nodes"] for ev in n["evidence"]]
    items += [ev for e in projection["edges"] for ev in e["evidence"]]
    assert len(items) > 500
    for ev in items:
        assert texts[ev["document"]][ev["start"]:ev["end"]] == ev["quote"]


def test_every_relation_and_annotated_entity_has_evidence(seed_store: Path) -> None:
    projection = load_projection(seed_store)
    assert all(edge["evidence"] for edge in projection["edges"])
    assert all(node["evidence"] for node in projection["nodes"] if node["class"] != "Document")


def test_the_coding_covers_both_papers(seed_store: Path) -> None:
    projection = load_projection(seed_store)
    classes = {n["class"] for n in projection["nodes"]}
    assert CODED_CLASSES <= classes
    by_doc = {doc: {n["class"] for n in projection["nodes"] if n["document"] == doc}
              for doc in ("000", "003")}
    assert {"Mechanism", "Case", "Barrier", "Strategy", "Theory"} <= by_doc["000"]
    assert {"InnovationMode", "CompetitionEffect", "Problem", "Policy", "Strategy"} <= by_doc["003"]
    ids = {n["id"] for n in projection["nodes"]}
    assert {"mechanism/information-empowerment", "mechanism/resource-reconstruction",
            "mechanism/organizational-transformation", "case/small-furniture-maker",
            "case/online-education-company", "barrier/data-security-risk",
            "strategy/data-governance", "mode/technology-innovation"} <= ids
    policies = [n for n in projection["nodes"] if n["class"] == "Policy"]
    assert len(policies) >= 8
    cross = [e for e in projection["edges"] if e["relation"] == "closeMatch"]
    assert cross and all({ev["document"] for ev in e["evidence"]} == {"000", "003"} for e in cross)


def test_cases_carry_their_table_1_indicators(seed_store: Path) -> None:
    nodes = {n["id"]: n for n in load_projection(seed_store)["nodes"]}
    furniture = nodes["case/small-furniture-maker"]["properties"]
    assert (furniture["yearsOnPlatform"], furniture["platformTransactionRatio"],
            furniture["innovationInvestmentRatio"], furniture["feedbackResponseRate"]) == (5, 60, 30, 90)
    education = nodes["case/online-education-company"]["properties"]
    assert education["feedbackResponseRate"] == 85


def test_seed_graph_conforms_to_the_shapes(seed_store: Path, runner: CliRunner) -> None:
    result = runner.invoke(app, ["validate", "--data-dir", str(seed_store)])
    assert result.exit_code == 0, result.stdout
    assert result.stdout.startswith("conforms: true")


def test_two_builds_give_identical_stores_and_exports(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    build(SEED, first, validate=False)
    build(SEED, second, validate=False)
    assert (current_build(first) / GRAPH_NT).read_bytes() == (current_build(second) / GRAPH_NT).read_bytes()
    for fmt in ("ttl", "nt", "jsonld"):
        assert export_rdf(first, fmt) == export_rdf(second, fmt)
    assert current_build(first).name == current_build(second).name


def test_stats_json_has_the_documented_shape(seed_store: Path, runner: CliRunner) -> None:
    result = runner.invoke(app, ["stats", "--format", "json", "--data-dir", str(seed_store)])
    assert result.exit_code == 0
    stats = json.loads(result.stdout)
    assert {"classes", "relations", "documents", "triples"} <= set(stats)
    assert stats["classes"]["Barrier"] >= 10 and stats["relations"]["hinders"] >= 10
    assert set(stats["documents"]) == {"000", "003"}
    assert stats["documents"]["003"]["classes"]["Policy"] >= 8
    assert stats["triples"] == (current_build(seed_store) / GRAPH_NT).read_text().count("\n")


def test_stats_table_names_every_class(seed_store: Path, runner: CliRunner) -> None:
    result = runner.invoke(app, ["stats", "--data-dir", str(seed_store)])
    assert result.exit_code == 0
    assert "Barrier" in result.stdout and "hinders" in result.stdout and "doc 003" in result.stdout


def test_exports_parse_back_to_the_same_graph(seed_store: Path, tmp_path: Path,
                                              runner: CliRunner) -> None:
    from rdflib import Graph
    from rdflib.compare import isomorphic

    reference = Graph().parse(current_build(seed_store) / GRAPH_NT, format="nt")
    for fmt, parser in (("ttl", "turtle"), ("jsonld", "json-ld"), ("nt", "nt")):
        out = tmp_path / f"graph.{fmt}"
        result = runner.invoke(app, ["export", "--format", fmt, "--out", str(out),
                                     "--data-dir", str(seed_store)])
        assert result.exit_code == 0, result.stderr
        assert isomorphic(Graph().parse(out, format=parser), reference)


def test_builds_in_processes_with_different_hash_seeds_are_identical(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    outputs = []
    for seed in ("1", "4242"):
        data_dir = tmp_path / f"store-{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-m", "kg", "build", "--no-validate", "--source",
                        str(SEED), "--data-dir", str(data_dir)], check=True, env=env,
                       capture_output=True)
        ttl = subprocess.run([sys.executable, "-m", "kg", "export", "--format", "ttl",
                              "--data-dir", str(data_dir)], check=True, env=env,
                             capture_output=True).stdout
        outputs.append(((current_build(data_dir) / GRAPH_NT).read_bytes(), ttl))
    assert outputs[0] == outputs[1]


def test_data_dir_comes_from_kg_data_dir(tmp_path: Path, runner: CliRunner,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KG_DATA_DIR", str(tmp_path / "from-env"))
    monkeypatch.chdir(SEED.parent)
    result = runner.invoke(app, ["build", "--no-validate"])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "from-env" / "CURRENT").is_file()
    stats = runner.invoke(app, ["stats", "--format", "json"])
    assert json.loads(stats.stdout)["triples"] > 1000


def test_the_canonical_ntriples_are_rdflibs_serialisation_sorted(seed_store: Path) -> None:
    """The build writes each line as rdflib's N-Triples serializer does, without a Graph."""
    from kg.graph import canonical_ntriples, rdf_graph
    from kg.store import read_ntriples

    stored = read_ntriples(seed_store).decode("utf-8")
    graph = rdf_graph(ln for ln in [])  # empty: the prefixes only
    graph.parse(data=stored, format="nt")
    text = graph.serialize(format="nt", encoding="utf-8").decode("utf-8")
    by_rdflib = "\n".join(sorted({ln for ln in text.splitlines() if ln.strip()})) + "\n"
    assert by_rdflib == stored == canonical_ntriples(graph)


def test_the_fast_lines_are_the_lines_of_the_rdflib_terms(source_copy: Path) -> None:
    """rdf_lines writes IRIs, strings and integers itself; each line must be the one rdflib
    writes for the same triple (hostile text included: quotes, backslashes, line breaks)."""
    from rdflib.plugins.serializers.nt import _nt_row

    from kg.graph import rdf_lines, rdf_triples
    from kg.loaders.corpus import load_corpus
    from kg.ontology import load_ontology

    target = source_copy / "annotations" / "000-barriers.yaml"
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace("en: Data security risk",
                                   'en: "Data \\"security\\" risk \\\\ \\r\\n\\t é"', 1),
                      encoding="utf-8")
    ontology = load_ontology()
    corpus = load_corpus(source_copy, ontology)
    expected = {_nt_row(t) for t in rdf_triples(corpus, ontology)}
    lines = rdf_lines(corpus, ontology)
    assert lines == expected
    label = next(line for line in lines if "security\\\"" in line and "@en" in line)
    assert '\\"security\\" risk \\\\' in label, label
