"""`kg review` (issue 10): list, accept and reject the draft items of a paper's coding."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from kg.cli import app
from kg.errors import KgError
from kg.loaders.corpus import load_corpus
from kg.review import draft_file, list_drafts, review

from .test_drafts import BARRIER, DRAFT_YAML, STRATEGY, add_draft_paper

#: The layout PyYAML writes (what `kg ingest` produces): items at column 0, block lists.
DUMPED = yaml.safe_dump(
    {k: v for k, v in yaml.safe_load(DRAFT_YAML).items() if k != "rejected"} | {"rejected": []},
    allow_unicode=True, sort_keys=False, width=100000)


def invoke(*args: str) -> object:
    return CliRunner().invoke(app, ["review", *args])


def test_lists_draft_items_numbered_with_quote_confidence_and_rule(source_copy: Path) -> None:
    add_draft_paper(source_copy)
    items = list_drafts(draft_file(source_copy, "900"))
    assert [i.number for i in items] == [1, 2, 3, 4, 5]
    assert (items[0].kind, items[0].type, items[0].key) == ("entity", "Barrier", BARRIER)
    assert items[0].label == {"zh": "数据安全与隐私保护问题"}
    assert (items[0].quote, items[0].section, items[0].confidence, items[0].rule) == (
        "数据安全与隐私保护问题", "1", 0.72, "cue: …问题")
    assert items[2].key == f"{STRATEGY} mitigates {BARRIER}" and items[2].type == "mitigates"
    result = invoke("900", "--source", str(source_copy))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("  1. entity Barrier 数据安全与隐私保护问题")
    assert "confidence 0.72; rule: cue: …问题" in result.stdout
    as_json = json.loads(invoke("900", "--source", str(source_copy), "--format", "json").stdout)
    assert as_json[4]["type"] == "closeMatch" and as_json[4]["confidence"] == 0.8


def test_accept_removes_status_and_keeps_provenance_and_comments(source_copy: Path) -> None:
    path = add_draft_paper(source_copy)
    result = invoke("900", "--source", str(source_copy), "--accept", "2", "--accept", "3")
    assert result.exit_code == 0, result.output
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Proposed by kg ingest")  # the comment is kept
    assert text.count("status: draft") == 3
    assert text.count("confidence:") == 5  # provenance kept on accepted items
    corpus = load_corpus(source_copy)
    strategy = next(e for e in corpus.entities if e.id == STRATEGY)
    assert strategy.status is None and strategy.confidence == 0.6
    assert [i.key for i in list_drafts(path)][:1] == [BARRIER]
    assert len(list_drafts(path)) == 3


def test_accept_all_leaves_no_draft_and_the_build_is_reviewed(source_copy: Path) -> None:
    path = add_draft_paper(source_copy)
    result = invoke("900", "--source", str(source_copy), "--accept-all")
    assert result.exit_code == 0, result.output
    assert "status" not in path.read_text(encoding="utf-8")
    assert list_drafts(path) == []


def test_reject_entity_removes_it_and_its_draft_relations(source_copy: Path) -> None:
    path = add_draft_paper(source_copy)
    result = review(path, reject=[1])
    assert result.rejected == (BARRIER,)
    assert len(result.removed) == 3
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert [e["id"] for e in data["entities"]] == [STRATEGY]
    assert not data["relations"]
    assert data["rejected"] == ["barrier/900-old-proposal", BARRIER]
    load_corpus(source_copy)  # still a valid coding


def test_reject_relation_adds_its_key(source_copy: Path) -> None:
    path = add_draft_paper(source_copy)
    review(path, reject=[4], accept=[1])
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert f"{BARRIER} hinders mechanism/information-empowerment" in data["rejected"]
    assert len(data["relations"]) == 2
    assert "status" not in data["entities"][0]


@pytest.mark.parametrize("layout", ["dumped", "no-rejected", "empty-rejected"])
def test_edits_the_layout_pyyaml_writes(source_copy: Path, layout: str) -> None:
    text = {"dumped": DUMPED,
            "no-rejected": DUMPED.replace("rejected: []\n", ""),
            "empty-rejected": DUMPED.replace("rejected: []\n", "rejected:\n")}[layout]
    assert text != DUMPED or layout == "dumped"
    path = add_draft_paper(source_copy, text)
    review(path, accept=[2], reject=[5])
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["rejected"] == [f"{BARRIER} closeMatch barrier/data-security-risk"]
    assert "status" not in data["entities"][1] and data["entities"][0]["status"] == "draft"
    review(path, reject=[1])
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["rejected"][-1] == BARRIER and [e["id"] for e in data["entities"]] == [STRATEGY]
    load_corpus(source_copy)


def test_status_as_first_key_of_an_item(source_copy: Path) -> None:
    text = DRAFT_YAML.replace("  - id: barrier/900-data-security-privacy\n",
                              "  - status: draft\n    id: barrier/900-data-security-privacy\n", 1)
    text = text.replace("    section: \"1\"\n    status: draft\n", "    section: \"1\"\n", 1)
    path = add_draft_paper(source_copy, text)
    review(path, accept=[1])
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["entities"][0]["id"] == BARRIER and "status" not in data["entities"][0]


@pytest.mark.parametrize("args, message", [
    (["901"], "no draft coding for document '901' (drafts: 900)"),
    (["900", "--accept", "6"], "--accept 6: no such draft item (the draft items are numbered 1 to 5)"),
    (["900", "--reject", "0"], "--reject 0: no such draft item"),
    (["900", "--accept", "2", "--reject", "2"], "item 2 is both accepted and rejected"),
    (["900", "--accept", "x"], "--accept 'x' is not a number"),
    (["900", "--accept-all", "--accept", "1"], "give --accept-all or --accept, not both"),
])
def test_bad_requests_are_one_line_and_exit_1(source_copy: Path, args: list[str],
                                              message: str) -> None:
    path = add_draft_paper(source_copy)
    before = path.read_bytes()
    result = invoke(*args, "--source", str(source_copy))
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
    assert path.read_bytes() == before


def test_unknown_id_in_a_source_without_drafts(source_copy: Path) -> None:
    with pytest.raises(KgError, match="run `kg ingest PATH` first"):
        draft_file(source_copy, "000")
    with pytest.raises(KgError):
        draft_file(source_copy, "../annotations/000-model")


def test_rejecting_an_entity_a_reviewed_relation_uses_is_refused(source_copy: Path) -> None:
    path = add_draft_paper(source_copy)
    review(path, accept=[4])  # the hinders relation is reviewed now
    before = path.read_bytes()
    with pytest.raises(KgError, match="the reviewed relation .* uses it"):
        review(path, reject=[1])
    assert path.read_bytes() == before


def test_write_is_atomic_no_temporary_file_left(source_copy: Path) -> None:
    path = add_draft_paper(source_copy)
    review(path, accept_all=True)
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith(".")) == []
