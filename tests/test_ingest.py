"""``kg ingest``: readers, alignment, draft files, the pipeline's writes and the command.

The proposer is replaced by a small local fake (:func:`fake_propose`) so these tests do not
depend on the rules of ``kg.ingest.propose``; the end-to-end test at the bottom runs the real
one through ``kg ingest``, ``kg review``, ``kg build`` and ``kg trace``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from kg.cli import app
from kg.documents import DocumentText
from kg.errors import KgError
from kg.ingest import pipeline
from kg.ingest.align import THRESHOLD, align, pair_score
from kg.ingest.model import Proposal, ProposedEntity, ProposedRelation
from kg.ingest.readers import read_paper
from kg.loaders.corpus import read_documents

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ingest"
PAPER = FIXTURES / "paper-zh.txt"


def flat(text: str) -> str:
    return "".join(text.split())


# -- a fake proposer ---------------------------------------------------------------------------

def fake_propose(text: str, doc_id: str) -> Proposal:
    """Four entities and one relation of the test paper (simplified or traditional)."""
    import opencc

    doc = DocumentText(doc_id, text)
    traditional = "數據" in text
    conv = opencc.OpenCC("s2t").convert if traditional else (lambda s: s)

    def entity(kind: str, slug: str, cls: str, quote: str, section: str,
               **props: str) -> ProposedEntity:
        quote = conv(quote)
        match = doc.locate(quote, section=section)
        assert match is not None, quote
        return ProposedEntity(f"{kind}/d{doc_id}-{slug}", cls, {"zh": quote}, quote, match.start,
                              match.end, section, 0.7, "fake: heading of a section", props)

    entities = (
        entity("barrier", "data-security", "Barrier", "数据安全与隐私保护不足", "3.1"),
        entity("barrier", "homogenization", "Barrier", "同质化竞争加剧", "3.2"),
        entity("strategy", "data-governance", "Strategy", "完善数据治理体系", "4.1",
               actor="government"),
        entity("theory", "resource-dependence", "Theory", "资源依赖理论认为", "2"),
    )
    quote = conv("政府应加快数据确权与分级保护制度建设")
    match = doc.locate(quote)
    assert match is not None
    relations = (ProposedRelation(entities[2].id, "mitigates", entities[0].id, quote, match.start,
                                  match.end, "4.1", 0.6, "fake: parallel order", "recommended"),)
    return Proposal(doc_id, entities, relations)


@pytest.fixture()
def fake(monkeypatch: pytest.MonkeyPatch) -> None:
    """``kg ingest`` uses the fake proposer."""
    monkeypatch.setattr(pipeline, "_default_proposer", lambda: fake_propose)


def run(paths: list[Path], source: Path, data_dir: Path | None = None, **kw):  # type: ignore[no-untyped-def]
    return pipeline.ingest(paths, source=source, data_dir=data_dir, proposer=fake_propose, **kw)


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes (to prove nothing changed)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


# -- readers -----------------------------------------------------------------------------------

def test_utf8_text_is_read_as_is() -> None:
    paper = read_paper(PAPER)
    assert paper.encoding == "utf-8" and paper.notice is None
    assert paper.text == PAPER.read_text(encoding="utf-8")


@pytest.mark.parametrize("name, encoding, named", [
    ("paper-zh.gbk.txt", "gbk", "GBK"),
    ("paper-zh.utf16.txt", "utf-16-le", "UTF-16"),
])
def test_gbk_and_utf16_are_decoded_with_a_notice(name: str, encoding: str, named: str) -> None:
    paper = read_paper(FIXTURES / name)
    assert paper.encoding == encoding
    assert paper.notice and named in paper.notice and "UTF-8" in paper.notice
    assert paper.text == PAPER.read_text(encoding="utf-8")


def test_utf16_without_bom_and_gb18030(tmp_path: Path) -> None:
    text = PAPER.read_text(encoding="utf-8")
    (tmp_path / "le.txt").write_bytes(text.encode("utf-16-le"))
    (tmp_path / "gb.txt").write_bytes((text + "𠀀\n").encode("gb18030"))  # not in GBK
    assert read_paper(tmp_path / "le.txt").text == text
    paper = read_paper(tmp_path / "gb.txt")
    assert paper.encoding == "gb18030" and "GB18030" in (paper.notice or "")


def test_pdf_text_layer_is_extracted_exactly() -> None:
    paper = read_paper(FIXTURES / "paper-zh.pdf")
    assert paper.encoding == "pdf"
    assert flat(paper.text) == flat(PAPER.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name, message", [
    ("scanned.pdf", "no text layer: run OCR first"),
    ("encrypted.pdf", "PDF is encrypted"),
])
def test_unreadable_pdfs_are_one_line(name: str, message: str) -> None:
    with pytest.raises(KgError) as err:
        read_paper(FIXTURES / name)
    assert message in err.value.line() and "\n" not in err.value.line()


@pytest.mark.parametrize("data, message", [
    (b"", "empty"), (b" \n\n", "empty"), (bytes(range(256)) * 8, "binary"),
    (b"%PDF-1.4\n garbage", "cannot read the PDF"),
])
def test_empty_binary_and_broken_files_are_one_line(tmp_path: Path, data: bytes,
                                                    message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    with pytest.raises(KgError) as err:
        read_paper(path)
    assert message in err.value.line()


# -- alignment ---------------------------------------------------------------------------------

def test_pair_scores_use_label_cores() -> None:
    assert pair_score("同质化竞争", "创新同质化") >= THRESHOLD
    assert pair_score("数据安全与隐私保护", "数据安全") >= THRESHOLD
    assert pair_score("數據安全與隱私保護", "数据安全") == pair_score("数据安全与隐私保护", "数据安全")
    assert pair_score("人才短缺", "算法偏见") < THRESHOLD
    assert pair_score("物流成本", "平台依赖锁定") < THRESHOLD
    assert pair_score("homogeneous competition", "Innovation homogenization") >= THRESHOLD
    assert pair_score("shortage of digital talent", "talent shortage") >= THRESHOLD
    assert pair_score("data security risks", "Data security risk") >= THRESHOLD
    assert pair_score("digital talent", "digital economy") < THRESHOLD
    assert pair_score("platform dependence", "platform competition") < THRESHOLD
    assert pair_score("数据安全", "data security") == 0.0  # one language against the other: no


@pytest.mark.parametrize("name", ["paper-zh.txt", "paper-tw.txt"])
def test_alignments_match_seed_entities_with_quotes_of_both(view, name: str) -> None:  # type: ignore[no-untyped-def]
    text = (FIXTURES / name).read_text(encoding="utf-8")
    proposal = fake_propose(text, "009")
    found = {(a.entity, a.match): a for a in align(proposal, view)}
    assert ("barrier/d009-data-security", "barrier/data-security-risk") in found
    assert ("barrier/d009-homogenization", "barrier/innovation-homogenization") in found
    assert ("theory/d009-resource-dependence", "theory/resource-dependence") in found
    for alignment in found.values():
        assert 0 <= alignment.score <= 1
        mine, theirs = alignment.quotes
        assert mine["document"] == "009" and theirs["document"] in ("000", "003")
        assert flat(text[mine["start"]:mine["end"]]) == flat(mine["quote"])
    # type-compatible only: a strategy never aligns with a barrier
    assert all(not (e.startswith("strategy/") and m.startswith("barrier/")) for e, m in found)


def test_no_store_means_no_alignments_with_a_notice(source_copy: Path, tmp_path: Path) -> None:
    notices: list[str] = []
    [result] = run([PAPER], source_copy, data_dir=tmp_path / "no-store", notices=notices)
    assert result.ok and result.alignments == []
    assert notices and "no alignments" in notices[0]


# -- the pipeline ------------------------------------------------------------------------------

def test_ingest_writes_copy_metadata_and_a_loadable_draft(source_copy: Path, seed_store: Path
                                                          ) -> None:
    before = (source_copy / "documents" / "metadata.yaml").read_text(encoding="utf-8")
    [result] = run([FIXTURES / "paper-zh.gbk.txt"], source_copy, data_dir=seed_store)
    assert result.ok, result.error
    assert result.document == "004" and not result.rerun
    after = (source_copy / "documents" / "metadata.yaml").read_text(encoding="utf-8")
    assert after.startswith(before)  # other entries and every comment kept as they were
    entry = after[len(before):]
    assert 'id: "004"' in entry and "GBK" in entry and "sha256" in entry
    assert 'title:\n      zh: "电商平台赋能中小制造企业创新的障碍与对策"' in entry
    assert "language: [zh, en]" in entry
    assert result.copy is not None
    assert result.copy.read_bytes() == PAPER.read_bytes()  # UTF-8, the build accepts it
    assert {d.id for d in read_documents(source_copy)} == {"000", "003", "004"}
    draft = yaml.safe_load((source_copy / "annotations" / "004.draft.yaml").read_text("utf-8"))
    assert draft["document"] == "004" and draft["rejected"] == []
    assert all(item["status"] == "draft" and 0 <= item["confidence"] <= 1 and item["rule"]
               for item in draft["entities"] + draft["relations"])
    matches = [r for r in draft["relations"] if r["predicate"] == "closeMatch"]
    assert {"barrier/data-security-risk", "barrier/innovation-homogenization"} <= {
        r["object"] for r in matches}
    for relation in matches:
        assert relation["modality"] == "aligned"
        assert [e.get("document", "004") for e in relation["evidence"]][0] == "004"
        assert relation["evidence"][1]["document"] in ("000", "003")
    # every quote located exactly like a curated one: offsets index the copied text
    text = result.copy.read_text(encoding="utf-8")
    for entity in result.entities:
        assert flat(text[entity["start"]:entity["end"]]) == flat(entity["quote"])


def test_rerun_is_idempotent(source_copy: Path, seed_store: Path) -> None:
    [first] = run([PAPER], source_copy, data_dir=seed_store)
    snapshot = tree(source_copy)
    [again] = run([PAPER], source_copy, data_dir=seed_store)
    assert again.ok and again.rerun and again.document == first.document
    assert tree(source_copy) == snapshot  # byte-identical draft, metadata untouched
    # the same text in another encoding is the same document too
    [gbk] = run([FIXTURES / "paper-zh.gbk.txt"], source_copy, data_dir=seed_store)
    assert gbk.ok and gbk.document == first.document and gbk.rerun
    assert tree(source_copy) == snapshot


def test_reviewed_items_are_kept_and_rejected_ones_not_proposed(source_copy: Path,
                                                                seed_store: Path) -> None:
    [result] = run([PAPER], source_copy, data_dir=seed_store)
    path = source_copy / "annotations" / f"{result.document}.draft.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    accepted = data["entities"][0]
    del accepted["status"]
    accepted["label"]["en"] = "Insufficient data security and privacy protection"
    rejected = "barrier/d004-homogenization"
    data["rejected"] = [rejected, "strategy/d004-data-governance mitigates "
                                  "barrier/d004-data-security"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    [again] = run([PAPER], source_copy, data_dir=seed_store)
    assert again.ok, again.error
    redo = yaml.safe_load(path.read_text(encoding="utf-8"))
    kept = next(e for e in redo["entities"] if e["id"] == accepted["id"])
    assert kept == accepted  # the reviewed item as the researcher left it
    ids = {e["id"] for e in redo["entities"]}
    assert rejected not in ids
    assert all(rejected not in (r["subject"], r["object"]) for r in redo["relations"])
    assert not [r for r in redo["relations"] if r["predicate"] == "mitigates"]
    assert redo["rejected"] == data["rejected"]
    snapshot = tree(source_copy)
    run([PAPER], source_copy, data_dir=seed_store)
    assert tree(source_copy) == snapshot


def test_an_invalid_proposed_item_is_left_out(source_copy: Path) -> None:
    def propose(text: str, doc_id: str) -> Proposal:
        good = fake_propose(text, doc_id)
        bad = ProposedEntity(f"strategy/d{doc_id}-bad", "Strategy", {"zh": "培育数字人才"},
                             "培育数字人才", 0, 0, "4.3", 0.5, "fake", {"actor": "nobody"})
        lost = ProposedEntity(f"barrier/d{doc_id}-lost", "Barrier", {"zh": "不在文中"},
                              "这句话不在文中", 0, 0, None, 0.5, "fake")
        return Proposal(doc_id, good.entities + (bad, lost), good.relations)

    [result] = pipeline.ingest([PAPER], source=source_copy, proposer=propose)
    assert result.ok, result.error
    assert {e["id"] for e in result.entities} == {e.id for e in fake_propose(
        PAPER.read_text(encoding="utf-8"), "004").entities}
    assert len(result.skipped) == 2


def test_dry_run_writes_nothing(source_copy: Path, seed_store: Path) -> None:
    snapshot = tree(source_copy)
    [result] = run([PAPER], source_copy, data_dir=seed_store, dry_run=True)
    assert result.ok and result.document == "004" and result.entities
    assert tree(source_copy) == snapshot


def test_clashes_are_one_line_and_change_nothing(source_copy: Path) -> None:
    [first] = run([PAPER], source_copy)
    snapshot = tree(source_copy)
    [other_id] = run([PAPER], source_copy, doc_id="007")
    assert other_id.error and "already ingested as document 004" in other_id.error
    [taken] = run([FIXTURES / "paper-tw.txt"], source_copy, doc_id="000")
    assert taken.error and "document id 000 is already used" in taken.error
    [bad_id] = run([FIXTURES / "paper-tw.txt"], source_copy, doc_id="../x")
    assert bad_id.error and "malformed" in bad_id.error
    assert tree(source_copy) == snapshot
    [same] = run([PAPER], source_copy, doc_id=first.document)
    assert same.ok and same.rerun


def test_nothing_half_written_when_the_draft_cannot_be_written(
        source_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    snapshot = tree(source_copy)
    real = pipeline._replace

    def failing(tmp: Path, target: Path) -> None:
        if target.name.endswith(".draft.yaml"):
            raise OSError(28, "No space left on device")
        real(tmp, target)

    monkeypatch.setattr(pipeline, "_replace", failing)
    [result] = run([PAPER], source_copy)
    assert result.error and "nothing was changed" in result.error
    assert tree(source_copy) == snapshot  # no copy, no metadata entry, no temporary file


def test_store_is_never_touched(source_copy: Path, seed_store: Path) -> None:
    snapshot = tree(seed_store)
    run([PAPER], source_copy, data_dir=seed_store)
    assert tree(seed_store) == snapshot


# -- the command -------------------------------------------------------------------------------

def test_cli_json_contract(fake: None, runner, source_copy: Path, seed_store: Path) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["ingest", str(PAPER), "--source", str(source_copy),
                                 "--data-dir", str(seed_store), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"document", "entities", "relations", "alignments"}
    assert data["document"] == "004"
    for entity in data["entities"]:
        assert {"id", "type", "label", "quote", "start", "end", "section", "confidence",
                "rule"} <= set(entity)
        assert set(entity["label"]) <= {"zh", "en"}
    for relation in data["relations"]:
        assert {"subject", "predicate", "object", "quote", "confidence"} <= set(relation)
    assert data["alignments"]
    for alignment in data["alignments"]:
        assert set(alignment) == {"entity", "match", "score", "quotes"}
        assert len({q["document"] for q in alignment["quotes"]}) == 2
        assert all({"document", "section", "start", "end", "quote"} == set(q)
                   for q in alignment["quotes"])


def test_cli_folder_with_a_bad_file(fake: None, runner, source_copy: Path, tmp_path: Path  # type: ignore[no-untyped-def]
                                    ) -> None:
    folder = tmp_path / "papers"
    folder.mkdir()
    shutil.copy(PAPER, folder / "a-good.txt")
    (folder / "b-empty.txt").write_bytes(b"")
    shutil.copy(FIXTURES / "scanned.pdf", folder / "c-scanned.pdf")
    shutil.copy(FIXTURES / "paper-tw.txt", folder / "d-traditional.txt")
    (folder / "notes.md").write_text("ignored", encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(folder), "--source", str(source_copy),
                                 "--data-dir", str(tmp_path / "none")])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 2
    assert "b-empty.txt" in errors[0] and "empty" in errors[0]
    assert "c-scanned.pdf" in errors[1] and "no text layer: run OCR first" in errors[1]
    assert "2 of 4 files ingested, 2 failed" in result.stdout
    ids = {d.id for d in read_documents(source_copy)}
    assert ids == {"000", "003", "004", "005"}


def test_cli_dry_run_and_text_output(fake: None, runner, source_copy: Path,  # type: ignore[no-untyped-def]
                                     seed_store: Path) -> None:
    snapshot = tree(source_copy)
    result = runner.invoke(app, ["ingest", str(FIXTURES / "paper-zh.utf16.txt"), "--source",
                                 str(source_copy), "--data-dir", str(seed_store), "--dry-run"])
    assert result.exit_code == 0, result.stderr
    assert "would ingest" in result.stdout and "as document 004" in result.stdout
    assert "would write documents/004_" in result.stdout
    assert "barrier/d004-data-security ~ barrier/data-security-risk" in result.stdout
    assert "UTF-16" in result.stderr
    assert tree(source_copy) == snapshot


def test_cli_clash_is_one_line(fake: None, runner, source_copy: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    args = ["--source", str(source_copy), "--data-dir", str(tmp_path / "none")]
    assert runner.invoke(app, ["ingest", str(PAPER), *args]).exit_code == 0
    result = runner.invoke(app, ["ingest", str(PAPER), "--id", "042", *args])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if not line.startswith("note:")]
    assert len(errors) == 1 and "already ingested as document 004" in errors[0]


# -- end to end --------------------------------------------------------------------------------

@pytest.mark.slow
def test_ingest_review_build_trace(runner, source_copy: Path, seed_store: Path,  # type: ignore[no-untyped-def]
                                   tmp_path: Path) -> None:
    """The issue's flow with the real proposer: ingest, accept all, build, trace a barrier of
    the new paper and see the seed paper's matching barrier with quotes of both papers."""
    result = runner.invoke(app, ["ingest", str(PAPER), "--source", str(source_copy),
                                 "--data-dir", str(seed_store), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    doc = data["document"]
    barrier = next(a["entity"] for a in data["alignments"]
                   if a["match"] == "barrier/data-security-risk")
    snapshot = tree(source_copy)
    again = runner.invoke(app, ["ingest", str(PAPER), "--source", str(source_copy),
                                "--data-dir", str(seed_store), "--format", "json"])
    assert again.exit_code == 0 and json.loads(again.stdout) == data
    assert tree(source_copy) == snapshot  # the real proposer's draft is byte-identical too
    result = runner.invoke(app, ["review", doc, "--accept-all", "--source", str(source_copy)])
    assert result.exit_code == 0, result.stderr
    store = tmp_path / "store"
    result = runner.invoke(app, ["build", "--source", str(source_copy), "--data-dir", str(store)])
    assert result.exit_code == 0, result.stderr
    result = runner.invoke(app, ["trace", "barrier", barrier, "--data-dir", str(store)])
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert f"[{barrier}] (paper {doc})" in out
    assert "barrier/data-security-risk" in out and "mechanism/information-empowerment" in out
    assert "“数据安全与隐私保护不足”" in out and "“因担心核心数据泄露，放弃深度数据挖掘”" in out
    strategies = out[out.index("├── strategies"):]
    assert f"via: mitigates, target: {barrier})" in strategies  # the new paper's own strategy
    assert "[strategy/data-governance] (paper 000, aligned" in strategies  # and the seed's
    assert "(draft" not in out  # everything was accepted


def test_metadata_entry_goes_at_the_end_of_the_documents_list(tmp_path: Path) -> None:
    text = ("# header comment\n"
            "documents:\n"
            "  - id: \"001\"   # first\n"
            "    file: a.txt\n"
            "    # a comment inside the entry\n"
            "\n"
            "# a comment about what follows\n"
            "other: 1\n")
    meta = pipeline.Metadata(tmp_path / "metadata.yaml", text, {"001": "a.txt"}, {})
    assert meta.next_id() == "002" and meta.indent() == "  "
    out = meta.with_entry("  - id: \"002\"\n    file: b.txt\n")
    assert out == text.replace("    # a comment inside the entry\n",
                               "    # a comment inside the entry\n"
                               "  - id: \"002\"\n    file: b.txt\n")
    assert [e["id"] for e in yaml.safe_load(out)["documents"]] == ["001", "002"]


def test_ingest_into_an_empty_source(tmp_path: Path) -> None:
    source = tmp_path / "new"
    source.mkdir()
    [result] = run([PAPER], source)
    assert result.ok, result.error
    assert result.document == "001"
    assert [d.id for d in read_documents(source)] == ["001"]
    assert (source / "annotations" / "001.draft.yaml").is_file()


def test_an_orphan_annotation_file_is_a_clash_and_not_a_free_id(source_copy: Path) -> None:
    (source_copy / "annotations" / "004.draft.yaml").write_text("document: \"004\"\n",
                                                                encoding="utf-8")
    snapshot = tree(source_copy)
    [clash] = run([PAPER], source_copy, doc_id="004")
    assert clash.error and "clashes with annotations/004.draft.yaml" in clash.error
    assert tree(source_copy) == snapshot
    [result] = run([PAPER], source_copy)
    assert result.ok and result.document == "005"


def test_keywords_reach_the_metadata_and_the_graph(source_copy: Path, tmp_path: Path) -> None:
    """关键词 lines become the document's keywords (dcterms:subject), in the paper's order."""
    from kg.build import build
    from kg.ingest.pipeline import ingest
    from kg.store import load_projection

    ingest([FIXTURES / "paper-zh.txt"], source=source_copy, doc_id=None, dry_run=False,
           data_dir=None)
    meta = (source_copy / "documents" / "metadata.yaml").read_text(encoding="utf-8")
    assert 'keywords: ["电子商务", "中小企业", "平台赋能", "创新障碍"]' in meta
    build(source_copy, tmp_path / "kg", validate=False)
    docs = load_projection(tmp_path / "kg")["documents"]
    new = [d for d in docs.values() if d["bibliography"].get("keywords")]
    assert new and new[0]["bibliography"]["keywords"][0] == "电子商务"
    nt = next((tmp_path / "kg" / "builds").iterdir()) / "graph.nt"
    assert "<http://purl.org/dc/terms/subject> \"电子商务\"" in nt.read_text(encoding="utf-8")
