"""Drafts in the build (issue 10): `status: draft` items are loaded, built and marked.

A small extra paper "900" is added to a copy of the seeds with a hand-written
``annotations/900.draft.yaml`` (the format `kg ingest` writes), so these tests do not depend on
the ingest pipeline.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.build import build
from kg.cli import app
from kg.errors import KgError
from kg.loaders.corpus import load_corpus

DRAFT_DOC = """数字平台与中小企业创新

摘 要
本文研究数字平台对中小企业创新的影响。

1. 引言
中小企业面临数据安全与隐私保护问题，制约了信息赋能。
2. 对策
政府应加强数据安全监管，企业应建立数据治理制度。
"""

DRAFT_YAML = """\
# Proposed by kg ingest (hand-written for the tests)
document: "900"
entities:
  - id: barrier/900-data-security-privacy
    type: Barrier
    label: {zh: 数据安全与隐私保护问题}
    quote: "数据安全与隐私保护问题"
    section: "1"
    status: draft
    confidence: 0.72
    rule: "cue: …问题"
  - id: strategy/900-data-security-supervision
    type: Strategy
    label: {zh: 加强数据安全监管, en: Strengthen data security supervision}
    quote: "政府应加强数据安全监管"
    section: "2"
    properties: {actor: government}
    status: draft
    confidence: 0.6
    rule: "enumeration: 政府应…"
relations:
  - subject: strategy/900-data-security-supervision
    predicate: mitigates
    object: barrier/900-data-security-privacy
    modality: recommended
    quote: "政府应加强数据安全监管"
    section: "2"
    status: draft
    confidence: 0.55
    rule: "lexical overlap"
  - subject: barrier/900-data-security-privacy
    predicate: hinders
    object: mechanism/information-empowerment
    modality: stated
    quote: "制约了信息赋能"
    section: "1"
    status: draft
    confidence: 0.5
    rule: "cue: 制约"
  - subject: barrier/900-data-security-privacy
    predicate: closeMatch
    object: barrier/data-security-risk
    modality: aligned
    evidence:
      - {quote: "数据安全与隐私保护问题", section: "1"}
      - {document: "000", quote: "因担心核心数据泄露，放弃深度数据挖掘"}
    status: draft
    confidence: 0.8
    rule: "alignment: label similarity"
rejected: ["barrier/900-old-proposal"]
"""

BARRIER = "barrier/900-data-security-privacy"
STRATEGY = "strategy/900-data-security-supervision"


def add_draft_paper(source: Path, draft: str = DRAFT_YAML) -> Path:
    """Add paper 900 (text, metadata entry, draft coding) to a source copy; the draft file."""
    (source / "documents" / "900_draft.txt").write_text(DRAFT_DOC, encoding="utf-8")
    with open(source / "documents" / "metadata.yaml", "a", encoding="utf-8") as fh:
        fh.write('  - id: "900"\n    file: 900_draft.txt\n'
                 "    title: {zh: 数字平台与中小企业创新}\n    language: [zh]\n")
    path = source / "annotations" / "900.draft.yaml"
    path.write_text(draft, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def draft_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A validated build of the seeds plus the draft paper 900."""
    import shutil

    from .conftest import SEED

    root = tmp_path_factory.mktemp("drafts")
    source = root / "source"
    shutil.copytree(SEED, source)
    add_draft_paper(source)
    data_dir = root / "store"
    build(source, data_dir, validate=True, notify=lambda line: None)
    return data_dir


def run(*args: str) -> "object":
    return CliRunner().invoke(app, list(args))


# -- loading -------------------------------------------------------------------------------


def test_draft_items_load_with_status_confidence_and_rule(source_copy: Path) -> None:
    add_draft_paper(source_copy)
    corpus = load_corpus(source_copy)
    barrier = next(e for e in corpus.entities if e.id == BARRIER)
    assert (barrier.status, barrier.confidence, barrier.rule) == ("draft", 0.72, "cue: …问题")
    assert barrier.label == {"zh": "数据安全与隐私保护问题"}  # one language is enough for a draft
    relation = next(r for r in corpus.relations if r.key == (STRATEGY, "mitigates", BARRIER))
    assert relation.draft and relation.confidence == 0.55
    reviewed = next(e for e in corpus.entities if e.id == "barrier/data-security-risk")
    assert reviewed.status is None and not reviewed.draft


@pytest.mark.parametrize("old, new, message", [
    ("    status: draft\n    confidence: 0.72\n", "    status: reviewed\n    confidence: 0.72\n",
     "status 'reviewed' is not allowed"),
    ("confidence: 0.72", "confidence: 1.5", "confidence '1.5' is not a number from 0 to 1"),
    ("confidence: 0.72", "confidence: high", "confidence 'high' is not a number from 0 to 1"),
    ("confidence: 0.72", "confidence: true", "confidence 'True' is not a number from 0 to 1"),
    ('rule: "cue: …问题"', "rule: 3", "rule must be a non-empty text"),
    ('rejected: ["barrier/900-old-proposal"]', "rejected: barrier/x",
     "'rejected' must be a list of item keys"),
    ("    properties: {actor: government}\n", "    properties: {actor: government, status: draft}\n",
     "'status' is not a property"),
])
def test_bad_draft_values_are_one_line_naming_file_line_and_key(
        source_copy: Path, old: str, new: str, message: str) -> None:
    assert old in DRAFT_YAML
    path = add_draft_paper(source_copy, DRAFT_YAML.replace(old, new, 1))
    with pytest.raises(KgError) as info:
        load_corpus(source_copy)
    line = info.value.line()
    assert "\n" not in line and message in line
    assert f"{path}:" in line


CURATED = "    status: draft\n    confidence: 0.72\n    rule: \"cue: …问题\"\n"


def test_curated_item_needs_both_labels(source_copy: Path) -> None:
    """Only a proposal (a draft, or an accepted one that keeps its rule) may have one label."""
    path = add_draft_paper(source_copy, DRAFT_YAML.replace(CURATED, "", 1))
    with pytest.raises(KgError, match="label needs both zh and en"):
        load_corpus(source_copy)
    accepted = DRAFT_YAML.replace("    status: draft\n    confidence: 0.72\n", "", 1)
    path.write_text(accepted, encoding="utf-8")
    barrier = next(e for e in load_corpus(source_copy).entities if e.id == BARRIER)
    assert barrier.status is None and barrier.rule == "cue: …问题"


# -- build ---------------------------------------------------------------------------------


def test_drafts_build_conforming_and_marked(draft_store: Path) -> None:
    from kg.store import load_build, read_ntriples
    from kg.validation import load_graph, validate_graph
    from kg.store import ntriples_path

    projection, manifest = load_build(draft_store)
    assert manifest["shacl_conforms"] is True
    nodes = {n["id"]: n for n in projection["nodes"]}
    assert nodes[BARRIER]["status"] == "draft" and nodes[BARRIER]["confidence"] == 0.72
    assert "status" not in nodes["barrier/data-security-risk"]
    edges = {(e["source"], e["relation"], e["target"]): e for e in projection["edges"]}
    assert edges[(STRATEGY, "mitigates", BARRIER)]["status"] == "draft"
    assert all("status" not in e for k, e in edges.items() if "900" not in " ".join(k))
    nt = read_ntriples(draft_store).decode()
    status = "<https://w3id.org/innovation-kg/ontology#status> \"draft\""
    assert f"<https://w3id.org/innovation-kg/id/{BARRIER}> {status}" in nt
    assert nt.count(status) == 5  # 2 entities, 3 assertions
    assert nt.count("#proposedBy>") == 5 and nt.count("#confidence>") == 5
    report = validate_graph(load_graph(ntriples_path(draft_store)))
    assert report.conforms
    warnings = [f for f in report.results if f.severity == "Warning"]
    assert {f.focus for f in warnings} == {"https://w3id.org/innovation-kg/id/" + BARRIER}
    assert all(f.severity != "Violation" for f in report.results)


def test_a_reviewed_item_that_breaks_a_shape_still_fails(source_copy: Path, tmp_path: Path) -> None:
    """The leniency is for proposals only: the same barrier written by hand (no status, no
    rule) but with no mechanism is a violation."""
    text = DRAFT_YAML.replace(
        "    label: {zh: 数据安全与隐私保护问题}\n", "    label: {zh: 数据安全与隐私保护问题, en: x}\n")
    text = text.replace(CURATED, "", 1)
    hinders = text.index("  - subject: barrier/900-data-security-privacy\n    predicate: hinders")
    end = text.index("  - subject: barrier/900-data-security-privacy\n    predicate: closeMatch")
    add_draft_paper(source_copy, text[:hinders] + text[end:])
    with pytest.raises(KgError, match="does not conform"):
        build(source_copy, tmp_path / "store", notify=lambda line: None)


def test_a_draft_that_breaks_a_strict_shape_fails(source_copy: Path, tmp_path: Path) -> None:
    """Evidence, domain and range hold for drafts too: a strategy without actor is a warning,
    but the loader's checks (quotes, ontology) still refuse what no build can hold."""
    text = DRAFT_YAML.replace("    properties: {actor: government}\n", "")
    add_draft_paper(source_copy, text)
    result = build(source_copy, tmp_path / "store", notify=lambda line: None)
    assert result.manifest["shacl_conforms"] is True


def test_seed_build_is_byte_identical_without_drafts(seed_store: Path, tmp_path: Path) -> None:
    from .conftest import SEED

    build(SEED, tmp_path / "again", validate=False, notify=lambda line: None)
    from kg.store import current_build

    for name in ("graph.nt", "graph.json"):
        assert (current_build(seed_store) / name).read_bytes() == \
            (current_build(tmp_path / "again") / name).read_bytes()
    assert b"status" not in (current_build(seed_store) / "graph.json").read_bytes()


# -- outputs -------------------------------------------------------------------------------


def test_trace_marks_draft_items_in_every_format(draft_store: Path) -> None:
    base = ["trace", "barrier", BARRIER, "--lang", "en", "--data-dir", str(draft_store)]
    tree = run(*base)
    assert tree.exit_code == 0, tree.output
    assert f"[{BARRIER}] (paper 900, draft)" in tree.stdout
    assert f"[{STRATEGY}] (draft, actor: government" in tree.stdout
    data = json.loads(run(*base, "--format", "json").stdout)
    assert data["barrier"]["status"] == "draft"
    assert {s["id"]: s.get("status") for s in data["strategies"]}[STRATEGY] == "draft"
    for fmt in ("csv", "markdown", "table"):
        out = run(*base, "--format", fmt)
        assert out.exit_code == 0 and "draft" in out.stdout, fmt
    # the seed barrier: items reached through the draft alignment are drafts, the rest are not
    seed = json.loads(run("trace", "barrier", "barrier/data-security-risk", "--format", "json",
                          "--data-dir", str(draft_store)).stdout)
    statuses = {s["id"]: s.get("status") for s in seed["strategies"]}
    assert statuses[STRATEGY] == "draft" and statuses["strategy/data-governance"] is None


def test_show_list_search_path_mark_drafts(draft_store: Path) -> None:
    d = ["--data-dir", str(draft_store)]
    card = json.loads(run("show", STRATEGY, "--format", "json", *d).stdout)
    assert card["entity"]["status"] == "draft" and card["outgoing"][0]["status"] == "draft"
    reviewed = json.loads(run("show", "barrier/data-security-risk", "--format", "json", *d).stdout)
    assert "status" not in reviewed["entity"]
    assert any(i.get("status") == "draft" for i in reviewed["incoming"])
    assert all("status" not in o for o in reviewed["outgoing"])
    listed = run("list", "barriers", "--document", "900", "--format", "csv", *d).stdout
    assert "draft" in listed.splitlines()[1]
    rows = json.loads(run("list", "strategies", "--format", "json", *d).stdout)
    assert {r["id"]: r.get("status") for r in rows}[STRATEGY] == "draft"
    assert sum(1 for r in rows if r.get("status")) == 1
    hits = json.loads(run("search", "数据安全监管", "--format", "json", *d).stdout)
    assert hits[0]["id"] == STRATEGY and hits[0]["status"] == "draft"
    assert "[draft]" in run("search", "数据安全监管", "--format", "csv", *d).stdout
    path = run("path", BARRIER, "mechanism/information-empowerment", *d).stdout
    assert "(stated, draft, paper 000/900)" in path
    hops = json.loads(run("path", BARRIER, "mechanism/information-empowerment",
                          "--format", "json", *d).stdout)["paths"][0]
    assert hops[0]["status"] == "draft" and hops[0]["source"]["status"] == "draft"


def test_reviewed_only_leaves_drafts_out_of_every_command(draft_store: Path, tmp_path: Path) -> None:
    d = ["--data-dir", str(draft_store), "--reviewed-only"]
    trace = json.loads(run("trace", "barrier", "barrier/data-security-risk", "--format", "json",
                           *d).stdout)
    assert STRATEGY not in {s["id"] for s in trace["strategies"]}
    assert "draft" not in json.dumps(trace)
    missing = run("show", BARRIER, *d)
    assert missing.exit_code != 0
    assert json.loads(run("list", "barriers", "--document", "900", "--format", "json",
                          *d).stdout) == []
    assert all(h["document"] != "900" for h in json.loads(
        run("search", "数据安全监管", "--format", "json", *d).stdout))
    assert run("path", "strategy/data-governance", "mechanism/information-empowerment",
               *d).exit_code == 0
    count = 'SELECT (COUNT(*) AS ?n) WHERE { ?s ikg:status "draft" }'
    assert json.loads(run("sparql", count, "--format", "json", *d).stdout)[0]["n"] == 0
    assert json.loads(run("sparql", count, "--format", "json", "--data-dir",
                          str(draft_store)).stdout)[0]["n"] == 5
    rows = json.loads(run("cypher", f'MATCH (n) WHERE n.id = "{BARRIER}" RETURN n.id',
                          "--format", "json", *d).stdout)
    assert rows == []
    stats = json.loads(run("stats", "--format", "json", *d).stdout)
    full = json.loads(run("stats", "--format", "json", "--data-dir", str(draft_store)).stdout)
    assert full["entities"] - stats["entities"] == 2 and full["edges"] - stats["edges"] == 3
    assert stats["triples"] < full["triples"]
    nt = run("export", "--format", "nt", *d).stdout
    assert "900-data-security" not in nt and "ikg:status" not in nt and "#status>" not in nt
    page = tmp_path / "view.html"
    viz = run("viz", "--out", str(page), *d)
    assert viz.exit_code == 0 and "900-data-security" not in page.read_text(encoding="utf-8")


def test_reviewed_only_graph_equals_the_build_without_the_draft_file(
        draft_store: Path, tmp_path: Path) -> None:
    """The filter is exact: the reviewed-only RDF is the graph built with no draft items."""
    import shutil

    from kg.store import read_ntriples, reviewed_only

    from .conftest import SEED

    source = tmp_path / "source"
    shutil.copytree(SEED, source)
    empty = DRAFT_YAML.split("entities:")[0] + "entities: []\nrelations: []\n"
    add_draft_paper(source, empty)
    build(source, tmp_path / "plain", validate=False, notify=lambda line: None)
    assert read_ntriples(reviewed_only(draft_store)) == read_ntriples(tmp_path / "plain")
    assert reviewed_only(tmp_path / "plain") == tmp_path / "plain"  # no drafts: the store itself


def test_accepted_proposals_build_with_warnings_for_what_they_lack(
        source_copy: Path, tmp_path: Path) -> None:
    """`kg review --accept-all` then `kg build`: an accepted barrier with one label and no
    mechanism is reported as warnings (its rule is kept as ikg:proposedBy), not a failure."""
    from kg.review import draft_file, review
    from kg.store import ntriples_path
    from kg.validation import load_graph, validate_graph

    hinders = DRAFT_YAML.index("  - subject: barrier/900-data-security-privacy\n    predicate: hinders")
    end = DRAFT_YAML.index("  - subject: barrier/900-data-security-privacy\n    predicate: closeMatch")
    add_draft_paper(source_copy, DRAFT_YAML[:hinders] + DRAFT_YAML[end:])
    review(draft_file(source_copy, "900"), accept_all=True)
    store = tmp_path / "store"
    assert build(source_copy, store, notify=lambda line: None).manifest["shacl_conforms"]
    report = validate_graph(load_graph(ntriples_path(store)))
    assert report.conforms
    assert {f.message for f in report.results} >= {
        "Entity has no English skos:prefLabel (@en).",
        "Barrier must hinder at least one ikg:Mechanism (ikg:hinders)."}
    assert {f.severity for f in report.results} == {"Warning"}
    trace = run("trace", "barrier", BARRIER, "--data-dir", str(store))
    assert trace.exit_code == 0 and "draft" not in trace.stdout
    assert "barrier/data-security-risk" in trace.stdout
