"""Citation markers ``[n]`` found in a document, as Reference entities and ``cites`` relations."""

from __future__ import annotations

import re
from collections import defaultdict
from kg.documents import DocumentText, QuoteMatch
from kg.model import Entity, Passage, Relation

_MARKER = re.compile(r"\[(\d{1,3})\]")
_LATIN_AUTHOR = re.compile(
    r"([A-Z][A-Za-z\-]+(?:\s+(?:de|van|von|[A-Z][A-Za-z\-]+))*"
    r"(?:\s*(?:和|and|&)\s*[A-Z][A-Za-z\-]+)?)\s*(?:\((\d{4})\))?\s*$")
_LATIN_AUTHOR_YEAR = re.compile(
    r"([A-Z][A-Za-z\-]+(?:\s+(?:de|van|von|[A-Z][A-Za-z\-]+))*"
    r"(?:\s*(?:和|and|&)\s*[A-Z][A-Za-z\-]+)?)\s*\((\d{4})\)")
_ZH_AUTHOR = re.compile(r"([\u4e00-\u9fff]{2,4}?等?)\s*(?:\((\d{4})\))?\s*$")
_ZH_AUTHOR_YEAR = re.compile(r"([\u4e00-\u9fff]{2,4}等?)\s*\((\d{4})\)")
_ZH_PREFIXES = ("国内学者", "国外学者", "学者", "者")


def find_citations(doc: DocumentText) -> tuple[list[Entity], list[Relation]]:
    """References cited in ``doc`` with the sentences that cite them."""
    passages: dict[int, list[Passage]] = defaultdict(list)
    authors: dict[int, tuple[str, int | None]] = {}
    previous_end = 0
    for m in _MARKER.finditer(doc.text):
        number = int(m.group(1))
        start, end = doc.sentence_around(m.start())
        passage = doc.passage(QuoteMatch(start, end))
        if passage not in passages[number]:
            passages[number].append(passage)
        lead = doc.text[max(start, previous_end):m.start()]
        found = _author_before(lead)
        if found and number not in authors:
            authors[number] = found
        previous_end = m.end()
    entities: list[Entity] = []
    relations: list[Relation] = []
    for number in sorted(passages):
        evidence = tuple(passages[number])
        author, year = authors.get(number, ("", None))
        props: dict[str, str | int] = {"marker": f"[{number}]", "citationNumber": number}
        if author:
            props["creator"] = author
        if year:
            props["year"] = year
        who = f" {author}" + (f" ({year})" if year else "") if author else ""
        ref_id = f"reference/{doc.doc_id}/{number}"
        entities.append(Entity(
            id=ref_id, type="Reference", document=doc.doc_id, evidence=evidence,
            label={"en": f"[{number}]{who} — cited in paper {doc.doc_id}",
                   "zh": f"文献[{number}]{who}（论文 {doc.doc_id}）"},
            properties=props, origin="parser"))
        relations.append(Relation(f"document/{doc.doc_id}", "cites", ref_id, "stated", evidence,
                                  origin="parser"))
    return entities, relations


def _author_before(lead: str) -> tuple[str, int | None] | None:
    """The author (and year) named closest before a marker, if the text gives one."""
    lead = " ".join(lead.split())
    for pattern in (_LATIN_AUTHOR, _ZH_AUTHOR):
        m = pattern.search(lead)
        if m and (m.group(2) or pattern is _LATIN_AUTHOR or m.group(1).endswith("等")):
            return _clean(m.group(1)), int(m.group(2)) if m.group(2) else None
    best: re.Match[str] | None = None
    for pattern in (_LATIN_AUTHOR_YEAR, _ZH_AUTHOR_YEAR):
        for m in pattern.finditer(lead):
            if best is None or m.start() > best.start():
                best = m
    if best:
        return _clean(best.group(1)), int(best.group(2))
    return None


def _clean(name: str) -> str:
    for prefix in _ZH_PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix) + 1:
            return name[len(prefix):]
    return name

