"""`kg cite`: bibliographic metadata of the papers, and citable references for passages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD
from typer.testing import CliRunner

from kg import cite, render
from kg.build import build
from kg.cli import app
from kg.errors import KgError
from kg.loaders.corpus import read_bibliography
from kg.store import GRAPH_NT, current_build, load_projection

from .conftest import document_text

BIBO = "http://purl.org/ontology/bibo/"
DOC = "https://w3id.org/innovation-kg/id/document/"
METADATA = "documents/metadata.yaml"
HANSPUB_000 = "https://hanspub.org/journal/paperinformation?paperid=125144"


def invoke(runner: CliRunner, data_dir: Path, *args: str):
    return runner.invoke(app, ["cite", *args, "--data-dir", str(data_dir)])


def cite_json(runner: CliRunner, data_dir: Path, query: str) -> dict:
    result = invoke(runner, data_dir, query, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def flat(text: str) -> str:
    return "".join(text.split())


# -- the metadata in the graph ----------------------------------------------------------------


def test_documents_carry_only_the_bibliographic_fields_that_are_known(seed_store: Path) -> None:
    projection = load_projection(seed_store)
    assert projection["documents"]["000"]["bibliography"] == {"url": HANSPUB_000}
    assert projection["documents"]["003"]["bibliography"] == {}
    nodes = {n["id"]: n for n in projection["nodes"]}
    assert nodes["document/000"]["properties"]["url"] == HANSPUB_000
    assert not {"authors", "year", "venue", "doi"} & set(nodes["document/003"]["properties"])
    graph = Graph().parse(current_build(seed_store) / GRAPH_NT, format="nt")
    paper = URIRef(DOC + "000")
    assert graph.value(paper, URIRef(BIBO + "uri")) == Literal(HANSPUB_000, datatype=XSD.anyURI)
    assert str(graph.value(paper, DCTERMS.bibliographicCitation)).endswith(HANSPUB_000)
    assert graph.value(URIRef(DOC + "003"), DCTERMS.creator) is None


def with_full_record(source: Path) -> None:
    """Give paper 000 every bibliographic field (made-up values, for the test only)."""
    path = source / METADATA
    text = path.read_text(encoding="utf-8")
    old = f"    url: {HANSPUB_000}\n"
    assert old in text
    path.write_text(text.replace(old, old + (
        "    authors: [Zhang San, Li Si]\n    year: 2024\n    venue: E-Commerce Letters\n"
        "    volume: 13\n    issue: \"2\"\n    pages: \"10–20\"\n"
        "    doi: 10.12677/ecl.2024.132001\n")), encoding="utf-8")


@pytest.fixture(scope="module")
def full_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A validated build of the seeds where paper 000 has a complete bibliographic record."""
    import shutil

    from .conftest import SEED

    source = tmp_path_factory.mktemp("full-source") / "source"
    shutil.copytree(SEED, source)
    with_full_record(source)
    data_dir = tmp_path_factory.mktemp("full-store")
    result = build(source, data_dir, validate=True)
    assert result.manifest["shacl_conforms"] is True
    return data_dir


def test_a_full_record_goes_into_rdf_and_the_projection(full_store: Path) -> None:
    graph = Graph().parse(current_build(full_store) / GRAPH_NT, format="nt")
    paper = URIRef(DOC + "000")
    assert set(graph.objects(paper, DCTERMS.creator)) == {Literal("Zhang San"), Literal("Li Si")}
    assert graph.value(paper, DCTERMS.issued) == Literal("2024", datatype=XSD.gYear)
    journal = graph.value(paper, DCTERMS.isPartOf)
    assert (journal, RDF.type, URIRef(BIBO + "Journal")) in graph
    assert graph.value(journal, DCTERMS.title) == Literal("E-Commerce Letters")
    assert graph.value(paper, URIRef(BIBO + "doi")) == Literal("10.12677/ecl.2024.132001")
    assert graph.value(paper, URIRef(BIBO + "volume")) == Literal("13")
    assert str(graph.value(paper, DCTERMS.bibliographicCitation)).startswith(
        "Zhang San, Li Si (2024). 电子商务影响企业创新的三维动态机制模型 [")
    node = next(n for n in load_projection(full_store)["nodes"] if n["id"] == "document/000")
    assert node["properties"]["authors"] == ["Zhang San", "Li Si"]
    assert node["properties"]["year"] == 2024
    from kg.neo4j.mapping import load

    _, schema = load(full_store)  # one type per property across the graph (year: Reference too)
    assert schema.property_types["authors"] == "LIST<STRING>"
    assert schema.property_types["year"] == "INTEGER"


def test_a_full_record_cites_in_full(full_store: Path, runner: CliRunner) -> None:
    line = invoke(runner, full_store, "barrier/data-security-risk").stdout.strip()
    assert re.fullmatch(
        r"Zhang San, Li Si \(2024\)\. 电子商务影响企业创新的三维动态机制模型 \[A three-dimensional [^]]+\]\. "
        r"E-Commerce Letters, 13\(2\), 10–20\. §5\.1, chars \d+–\d+: “[^”]+”\. "
        r"https://doi\.org/10\.12677/ecl\.2024\.132001", line), line
    entry = invoke(runner, full_store, "barrier/data-security-risk", "--format", "bibtex").stdout
    assert entry.startswith("@article{zhang2024_000,\n")
    for field in ("author = {Zhang San and Li Si}", "year = {2024}",
                  "journal = {E-Commerce Letters}", "volume = {13}", "number = {2}",
                  "pages = {10--20}", "doi = {10.12677/ecl.2024.132001}", f"url = {{{HANSPUB_000}}}"):
        assert f"  {field}" in entry, field


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("authors", "Zhang San", "a list of names"),
    ("authors", [], "a list of names"),
    ("year", "2024", "a four-digit year"),
    ("year", 24, "a four-digit year"),
    ("doi", "https://doi.org/10.1/x", "a bare DOI"),
    ("url", "ftp://example.org/x", "an http(s) URL"),
    ("url", "example.org", "an http(s) URL"),
    ("venue", "  ", "a non-empty string"),
    ("volume", True, "a string or an integer"),
])
def test_bad_bibliographic_values_are_one_clear_error(field: str, value: object,
                                                       expected: str) -> None:
    with pytest.raises(KgError) as info:
        read_bibliography({field: value}, where="metadata.yaml:4: document '000'")
    line = info.value.line()
    assert line.startswith("metadata.yaml:4: document '000': ") and f"field '{field}'" in line
    assert expected in line and "\n" not in line


@pytest.mark.parametrize(("addition", "needle"), [
    ("    year: \"2024\"\n", "field 'year' must be a four-digit year"),
    ("    doi: doi:10.1/x\n", "field 'doi' must be a bare DOI"),
    ("    author: [Zhang San]\n", "unknown field 'author'"),
])
def test_bad_metadata_fails_the_build_naming_file_and_field(
        source_copy: Path, tmp_path: Path, runner: CliRunner, addition: str, needle: str) -> None:
    path = source_copy / METADATA
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(f"    url: {HANSPUB_000}\n", f"    url: {HANSPUB_000}\n" + addition),
                    encoding="utf-8")
    result = runner.invoke(app, ["build", "--source", str(source_copy), "--no-validate",
                                 "--data-dir", str(tmp_path / "store")])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in result.output
    assert "metadata.yaml:" in lines[0] and needle in lines[0]


# -- citing ----------------------------------------------------------------------------------


def test_cite_an_entity_by_id(seed_store: Path, runner: CliRunner) -> None:
    projection = load_projection(seed_store)
    node = next(n for n in projection["nodes"] if n["id"] == "barrier/data-security-risk")
    result = invoke(runner, seed_store, "barrier/data-security-risk")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(node["evidence"])
    text = document_text("000")
    for line, ev in zip(lines, node["evidence"], strict=True):
        assert text[ev["start"]:ev["end"]] == ev["quote"]
        assert line == (
            "电子商务影响企业创新的三维动态机制模型 [A three-dimensional dynamic mechanism model of "
            f"e-commerce's impact on enterprise innovation]. §{ev['section']}, chars "
            f"{ev['start']}–{ev['end']}: “{render.flat(ev['quote'])}”. {HANSPUB_000}")


def test_an_entity_with_several_passages_is_one_bibtex_entry(seed_store: Path,
                                                             runner: CliRunner) -> None:
    projection = load_projection(seed_store)
    node = next(n for n in projection["nodes"]
                if n["class"] != "Document" and len({e["document"] for e in n["evidence"]}) == 1
                and len(n["evidence"]) >= 2)
    data = cite_json(runner, seed_store, node["id"])
    assert data["kind"] == "entity" and data["entity"]["id"] == node["id"]
    assert [(c["start"], c["end"]) for c in data["citations"]] == [
        (e["start"], e["end"]) for e in node["evidence"]]
    entry = invoke(runner, seed_store, node["id"], "--format", "bibtex").stdout
    assert entry.count("@article{") == 1
    note = re.search(r"^  note = \{(.*)\}$", entry, re.M).group(1)
    assert note.count("chars ") == len({(e["start"], e["end"]) for e in node["evidence"]})


def test_bibtex_shape_leaves_unknown_fields_out(seed_store: Path, runner: CliRunner) -> None:
    result = invoke(runner, seed_store, "barrier/data-security-risk", "--format", "bibtex")
    assert result.exit_code == 0, result.stderr
    assert re.fullmatch(
        r"@article\{paper000,\n"
        r"  title = \{电子商务影响企业创新的三维动态机制模型 \[A three-dimensional [^]]+\]\},\n"
        rf"  url = \{{{re.escape(HANSPUB_000)}\}},\n"
        r"  note = \{§5\.1, chars \d+–\d+\}\n\}\n", result.stdout), result.stdout
    for unknown in ("author", "year", "journal", "doi", "volume", "pages"):
        assert f"  {unknown} =" not in result.stdout


def test_cite_a_quote_from_a_stored_passage(seed_store: Path, runner: CliRunner) -> None:
    data = cite_json(runner, seed_store, "放弃深度数据挖掘")
    assert data["kind"] == "quote" and data["entity"] is None
    text = document_text("000")
    assert data["citations"]
    for item in data["citations"]:
        assert item["quote"] == "放弃深度数据挖掘" == text[item["start"]:item["end"]]
        assert item["section"] == "5.1"
        assert item["text"].endswith(f"“放弃深度数据挖掘”. {HANSPUB_000}")


@pytest.mark.parametrize(("doc", "quote"), [
    ("000", "Taking 30 manufacturing enterprises on Alibaba 1688 platform as samples"),
    ("000", "未涵盖农业、建筑业等领域"),
    ("003", "电商平台已成为现代商业活动的重要组成部分"),
])
def test_cite_a_quote_from_the_document_text(seed_store: Path, runner: CliRunner,
                                             doc: str, quote: str) -> None:
    """Quotes anywhere in a paper, across PDF line breaks and a hyphen at a line end."""
    data = cite_json(runner, seed_store, quote)
    text = document_text(doc)
    [item] = [c for c in data["citations"] if c["document"] == doc]
    assert item["quote"] == text[item["start"]:item["end"]]
    assert flat(item["quote"]).replace("-", "") == flat(quote).replace("-", "")


def test_cite_a_whole_paper_and_a_passage(seed_store: Path, runner: CliRunner) -> None:
    result = invoke(runner, seed_store, "document/003")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ("电商平台的创新模式及其对市场竞争的影响 [Innovation modes of e-commerce "
                             "platforms and their impact on market competition].\n")
    projection = load_projection(seed_store)
    ev = next(n for n in projection["nodes"] if n["id"] == "barrier/data-security-risk")["evidence"][0]
    data = cite_json(runner, seed_store, f"passage/{ev['document']}/{ev['start']}-{ev['end']}")
    assert data["kind"] == "passage" and data["citations"][0]["quote"] == ev["quote"]


def test_an_id_without_its_kind_is_cited_and_named(seed_store: Path, runner: CliRunner) -> None:
    result = invoke(runner, seed_store, "data-security-risk")
    assert result.exit_code == 0
    assert "note: citing barrier/data-security-risk" in result.stderr
    assert result.stdout == invoke(runner, seed_store, "barrier/data-security-risk").stdout


@pytest.mark.parametrize(("query", "needle"), [
    ("barrier/data-securty-risk", "did you mean: barrier/data-security-risk"),
    ("nope/nothing", "unknown id 'nope/nothing'"),
    ("这句话不在任何一篇论文里", "text not found in either paper"),
    ("   ", "nothing to cite"),
])
def test_unknown_id_or_text_is_one_line_and_exit_1(seed_store: Path, runner: CliRunner,
                                                   query: str, needle: str) -> None:
    result = invoke(runner, seed_store, query)
    assert result.exit_code == 1 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0]
    assert "(" in lines[0], "a hint follows the message"


def test_an_id_suffix_shared_by_several_entities_is_ambiguous() -> None:
    evidence = [{"document": "000", "section": "1", "start": 0, "end": 2, "quote": "ab"}]
    projection = {"documents": {}, "edges": [], "nodes": [
        {"id": f"{kind}/x", "class": "Barrier", "document": "000", "evidence": evidence}
        for kind in ("barrier", "problem")]}
    with pytest.raises(KgError) as info:
        cite.cite(projection, "x")
    assert info.value.exit_code == 2
    assert "give the full id: barrier/x, problem/x" in info.value.line()


def test_without_the_document_texts_only_passages_are_searched(seed_store: Path) -> None:
    projection = load_projection(seed_store)

    def unavailable(doc: str) -> str:
        raise KgError(f"the text of document {doc} is not available", where="x.txt")

    assert cite.cite(projection, "放弃深度数据挖掘", text_of=unavailable).kind == "quote"
    with pytest.raises(KgError) as info:
        cite.cite(projection, "未涵盖农业、建筑业等领域", text_of=unavailable)
    assert "only the stored passages were searched" in info.value.line()


def test_the_text_of_a_changed_document_is_refused(seed_store: Path, tmp_path: Path) -> None:
    projection = load_projection(seed_store)
    changed = {**projection, "documents": {
        "000": {**projection["documents"]["000"], "sha256": "0" * 64}}}
    with pytest.raises(KgError, match="changed since the build"):
        cite.source_text(seed_store, changed, "000")
