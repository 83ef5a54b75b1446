"""Quantitative statements (percentages, counts, before→after figures) found in a document."""

from __future__ import annotations

import re

from kg.documents import DocumentText, QuoteMatch
from kg.model import Entity

_NUM = r"(\d+(?:\.\d+)?)"
_BEFORE_AFTER = re.compile(rf"从\s*{_NUM}\s*%\s*(?:提升|提高|增长|增加|下降|降低)至\s*{_NUM}\s*%")
_RANGE = re.compile(rf"{_NUM}\s*%?\s*~\s*{_NUM}\s*(?:%|[\u4e00-\u9fff])")
_PERCENT = re.compile(rf"(?<![\d.~]){_NUM}\s*%")
_COUNT = re.compile(rf"(?<![\d.~]){_NUM}\s*(万)?\s*(家|项|名|条|件|次|个|倍)")
_CLAUSE_STOP = "，。；：！？"


def find_quantities(doc: DocumentText) -> list[Entity]:
    """Every percentage, count and before→after figure outside headings and citation markers."""
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, int, dict[str, float | int | str]]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for m in _BEFORE_AFTER.finditer(doc.text):
        taken.append((m.start(), m.end()))
        found.append((m.start(), m.end(), {"before": float(m.group(1)), "after": float(m.group(2)),
                                           "value": float(m.group(2)), "unit": "%"}))
    for m in _RANGE.finditer(doc.text):
        taken.append((m.start(1), m.end(2)))
    for m in _PERCENT.finditer(doc.text):
        if free(m.start(), m.end()):
            taken.append((m.start(), m.end()))
            found.append((m.start(), m.end(), {"value": float(m.group(1)), "unit": "%"}))
    for m in _COUNT.finditer(doc.text):
        if free(m.start(), m.end()):
            value = float(m.group(1)) * (10000 if m.group(2) else 1)
            taken.append((m.start(), m.end()))
            found.append((m.start(), m.end(), {"value": value, "unit": m.group(3)}))
    headings = [(s.start, doc.text.find("\n", s.start)) for s in doc.sections]
    entities = []
    for start, end, props in sorted(found, key=lambda item: item[0]):
        if any(h0 <= start < h1 for h0, h1 in headings):
            continue
        c0, c1 = _clause(doc.text, start, end)
        for h0, h1 in headings:
            if c0 < h0 <= start:
                c0 = h1
            elif end <= h0 < c1:
                c1 = h0
        c0, c1 = _trim(doc.text, c0, c1)
        passage = doc.passage(QuoteMatch(c0, c1))
        clause = " ".join(passage.text.split())
        figure = " ".join(doc.text[start:end].split())
        where = f"§{passage.section}" if passage.section else "front matter"
        entities.append(Entity(
            id=f"quantity/{doc.doc_id}/{start}", type="QuantitativeStatement",
            document=doc.doc_id, evidence=(passage,),
            label={"zh": f"{figure}：{clause[:40]}", "en": f"{figure} (paper {doc.doc_id}, {where})"},
            properties={**props, "measures": clause}, origin="parser"))
    return entities


def _clause(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause around a figure, bounded by Chinese punctuation or a line break."""
    lo = start
    while lo > 0 and text[lo - 1] not in _CLAUSE_STOP and start - lo < 60:
        lo -= 1
    hi = end
    while hi < len(text) and text[hi] not in _CLAUSE_STOP and hi - end < 60:
        hi += 1
    return _trim(text, lo, hi)


def _trim(text: str, lo: int, hi: int) -> tuple[int, int]:
    while lo < hi and text[lo].isspace():
        lo += 1
    while hi > lo and text[hi - 1].isspace():
        hi -= 1
    return lo, hi
