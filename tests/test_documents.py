"""The document parser: decoding, structure, quote location, citations and numbers."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.documents import DocumentText, decode_document
from kg.errors import KgError
from kg.loaders.citations import find_citations
from kg.loaders.quantities import find_quantities

from .conftest import ROOT, document_text

TEXT_000 = document_text("000")
DOC_000 = DocumentText("000", TEXT_000)
DOC_003 = DocumentText("003", document_text("003"))


def test_seed_documents_are_byte_identical_to_the_shared_seeds() -> None:
    shared = ROOT.parent / "shared" / "seeds"
    if not shared.is_dir():
        pytest.skip("../shared/seeds is not beside this checkout")
    for path in shared.glob("*.txt"):
        assert (ROOT / "seed_data" / "documents" / path.name).read_bytes() == path.read_bytes()


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"   \n\n", "empty"),
    ("电子商务与企业创新".encode("gbk"), "GBK"),
    ("电子商务与企业创新".encode("utf-16"), "UTF-16"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
    ("\ufeff电子商务".encode(), "byte-order mark"),
])
def test_bad_documents_are_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(KgError, match=message) as info:
        decode_document(data, where="paper.txt")
    assert "paper.txt" in info.value.line()
    assert "\n" not in info.value.line()


def test_section_tree_of_paper_000() -> None:
    numbers = [s.number for s in DOC_000.sections]
    assert numbers[:3] == ["abstract-zh", "abstract-en", "1"]
    assert {"3.2.1", "3.2.2", "3.2.3", "5.1", "5.2", "5.3", "5.4", "6.1", "6.2", "6.3", "7.1"} <= set(numbers)
    by_number = {s.number: s for s in DOC_000.sections}
    assert by_number["5.1"].title == "信息维度：数据质量与安全的双重困境"
    assert by_number["5.1"].parent == "5"
    assert by_number["5"].start <= by_number["5.1"].start < by_number["5.4"].end <= by_number["5"].end


def test_section_tree_of_paper_003_has_no_false_headings() -> None:
    numbers = [s.number for s in DOC_003.sections]
    assert numbers == ["abstract-zh", "abstract-en", "1", "2", "3", "3.1", "3.2", "3.3", "4",
                       "4.1", "4.2", "5"]


def test_tables_are_found_with_both_captions() -> None:
    (table,) = DOC_000.tables
    assert table.caption_zh == "典型案例企业电商驱动创新实践与成果汇总表"
    assert "案例 4：在线" in TEXT_000[table.start:table.end]
    (policy_table,) = DOC_003.tables
    assert policy_table.caption_zh == "我国各部门关于电商行业相关政策"
    body = DOC_003.text[policy_table.start:policy_table.end]
    assert "巾帼电商" in body and "场公平" not in body


def test_quote_across_a_pdf_line_break_maps_to_original_offsets() -> None:
    match = DOC_000.locate("本文基于数字赋能理论与开放式创新框架")
    assert match is not None
    original = TEXT_000[match.start:match.end]
    assert "\n" in original
    assert re.sub(r"\s+", "", original) == "本文基于数字赋能理论与开放式创新框架"


def test_quote_is_searched_inside_the_section_hint() -> None:
    anywhere = DOC_000.locate("信息赋能")
    in_conclusion = DOC_000.locate("信息赋能", section="7.1")
    assert anywhere and in_conclusion and in_conclusion.start > anywhere.start
    assert DOC_000.locate("信息赋能", section="9.9") is None
    assert DOC_000.locate("这句话不在论文里") is None


@settings(max_examples=60, deadline=None)
@given(start=st.integers(0, len(TEXT_000) - 50), length=st.integers(1, 40),
       spacing=st.lists(st.sampled_from([" ", "\n", "\t", ""]), min_size=1, max_size=5))
def test_any_passage_is_found_whatever_its_whitespace(start: int, length: int,
                                                      spacing: list[str]) -> None:
    flat = re.sub(r"\s+", "", TEXT_000[start:start + length])
    if not flat:
        return
    noisy = "".join(ch + spacing[i % len(spacing)] for i, ch in enumerate(flat))
    match = DOC_000.locate(noisy)
    assert match is not None
    assert re.sub(r"\s+", "", TEXT_000[match.start:match.end]) == flat


def test_citation_markers_become_references_with_authors_and_years() -> None:
    references, cites = find_citations(DOC_000)
    by_number = {e.properties["citationNumber"]: e for e in references}
    assert sorted(by_number) == list(range(1, 26))
    assert by_number[2].properties["creator"] == "Sundbo" and by_number[2].properties["year"] == 2000
    assert by_number[6].properties["creator"] == "张丽君等"
    assert by_number[14].properties["creator"] == "Van de Ven"
    assert "year" not in by_number[1].properties
    assert all(r.predicate == "cites" and r.subject == "document/000" for r in cites)
    for reference in references:
        for passage in reference.evidence:
            assert reference.properties["marker"] in TEXT_000[passage.start:passage.end]


def test_quantitative_statements_include_before_after_figures() -> None:
    found = find_quantities(DOC_000)
    before_after = [q for q in found if "before" in q.properties]
    assert {(q.properties["before"], q.properties["after"]) for q in before_after} == {
        (60.0, 85.0), (40.0, 70.0)}
    shares = [q.properties["value"] for q in found if q.properties["unit"] == "%"]
    assert 38.0 in shares and 23.3 in shares
    counts = {(q.properties["value"], q.properties["unit"]) for q in found}
    assert (20000.0, "名") in counts and (100000.0, "条") in counts
    for q in found:
        (passage,) = q.evidence
        assert TEXT_000[passage.start:passage.end] == passage.text
        assert not passage.text.lstrip().startswith(("4.1.", "7. "))
