"""Ranked, typo-tolerant search over everything the graph says about an entity.

An entity is found by its labels and alternative labels, its definition, its key properties
(a policy's key content, a statistic's measure), the passages it was coded from, and the
passages of its relations. Each hit says what matched and shows the matched snippet; a hit in
a passage carries the passage's document, section and offsets.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any, Iterator, Optional

from kg.graphview import GraphView
from kg.queries import ref
from kg.resolve import BACKGROUND_CLASSES, MAX_QUERY, labels_of

#: Properties whose text is searched (the rest are numbers, codes or dates).
TEXT_PROPERTIES = ("keyContent", "title", "measures", "enterpriseType", "industry")
#: Lowest score listed; passages and definitions must match almost exactly to score at all.
MIN_SCORE = 60.0
TEXT_MIN_PARTIAL = 88.0
#: Characters of context on each side of a matched snippet.
CONTEXT = 24


@dataclass(frozen=True)
class Text:
    """One searchable text of an entity: what kind it is, and its passage when it has one."""

    kind: str
    text: str
    passage: Optional[dict[str, Any]] = None


def squeeze(text: str) -> tuple[str, list[int]]:
    """Case-, width- and whitespace-free text, with each character's index in ``text``.

    >>> squeeze("Data  Sé")
    ('datasé', [0, 1, 2, 3, 6, 7])
    """
    chars: list[str] = []
    where: list[int] = []
    for index, char in enumerate(text):
        for folded in unicodedata.normalize("NFKC", char).casefold():
            if not folded.isspace():
                chars.append(folded)
                where.append(index)
    return "".join(chars), where


def texts_of(view: GraphView, node: dict[str, Any]) -> Iterator[Text]:
    """Every searchable text of a node, labels first."""
    yield from node_texts(node)
    for hop in [*view.out(node["id"]), *view.into(node["id"])]:
        arrow = f"-{hop.relation}-> {hop.node['id']}" if hop.outgoing else \
            f"{hop.node['id']} -{hop.relation}->"
        for item in hop.edge.get("evidence", []):
            yield Text(f"relation evidence ({arrow})", item["quote"], item)


def node_texts(node: dict[str, Any]) -> Iterator[Text]:
    """The searchable texts a node holds itself (its relations' passages aside)."""
    for kind, text in labels_of(node):
        yield Text(kind, text)
    for lang, text in sorted((node.get("definition") or {}).items()):
        yield Text(f"definition ({lang})", text)
    props = node.get("properties") or {}
    for key in TEXT_PROPERTIES:
        if isinstance(props.get(key), str):
            yield Text(key, props[key])
    for item in node.get("evidence", []):
        yield Text("evidence", item["quote"], item)


def fold(text: str) -> str:
    """The whitespace-free, case- and width-folded form the scores are computed on.

    >>> fold("Data  Sé")
    'datasé'
    """
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def _score(key: str, text: Text) -> tuple[float, int, int]:
    """(score, start, end) of ``key`` in ``text``; start/end index :func:`fold` of the text."""
    from rapidfuzz import fuzz

    norm = fold(text.text)
    if not norm:
        return 0.0, 0, 0
    is_label = text.kind in ("label", "alt label")
    if key == norm:
        return 100.0, 0, len(norm)
    at = norm.find(key)
    if at >= 0:
        return (95.0 if is_label else 85.0), at, at + len(key)
    if not is_label and len(key) < 4:
        return 0.0, 0, 0
    align = fuzz.partial_ratio_alignment(key, norm,
                                         score_cutoff=0 if is_label else TEXT_MIN_PARTIAL)
    if align is None:
        return 0.0, 0, 0
    start, end = align.dest_start, max(align.dest_end, align.dest_start + 1)
    if is_label:
        whole = fuzz.ratio(key, norm)
        return max(whole, align.score * (0.95 if len(key) <= len(norm) else 0.8)), start, end
    return align.score * 0.85, start, end


def _original_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Map a span of :func:`fold` ``(text)`` back to ``text`` itself."""
    norm, where = squeeze(text)
    if not where:
        return 0, 0
    if norm != fold(text):  # NFKC composed across characters: keep the folded positions
        return min(start, len(text)), min(end, len(text))
    return where[min(start, len(where) - 1)], where[min(end, len(where)) - 1] + 1


def snippet(text: str, start: int, end: int, context: int = CONTEXT) -> str:
    """The matched part of ``text`` with some context, on one line.

    >>> snippet("a long passage about data security in firms", 21, 34, context=5)
    '…bout data security in f…'
    """
    left, right = max(0, start - context), min(len(text), end + context)
    body = " ".join(text[left:right].split())
    return ("…" if left > 0 else "") + body + ("…" if right < len(text) else "")


def search(view: GraphView, query: str, *, limit: int = 20, document: Optional[str] = None,
           include_background: bool = False) -> list[dict[str, Any]]:
    """Entities ranked by how well ``query`` matches their texts, best first, with the snippet."""
    key = fold(query[:MAX_QUERY])
    if not key:
        return []
    hits = []
    candidates = view.search_candidates(key)
    nodes = view.nodes.values() if candidates is None else \
        (view.nodes[node_id] for node_id in sorted(candidates))
    for node in nodes:
        if not include_background and node["class"] in BACKGROUND_CLASSES:
            continue
        if document is not None and node.get("document") != document:
            continue
        best: tuple[float, Text, int, int] | None = None
        for text in texts_of(view, node):
            score, start, end = _score(key, text)
            if best is None or score > best[0]:
                best = (score, text, start, end)
            if score >= 100.0:
                break
        if best is None or best[0] < MIN_SCORE:
            continue
        score, text, start, end = best
        start, end = _original_span(text.text, start, end)
        hit = {**ref(node), "score": round(score, 1), "matched": text.kind,
               "snippet": snippet(text.text, start, end)}
        if text.passage is not None:
            hit["passage"] = {k: text.passage[k] for k in ("document", "section", "start", "end")}
        hits.append(hit)
    hits.sort(key=lambda h: (-h["score"], h["id"]))
    return hits[:limit]


def could_match(key: str, texts: list[str], labels: list[bool]) -> list[int]:
    """Indexes of the folded ``texts`` that :func:`_score` could score at or above
    :data:`MIN_SCORE` (a superset, computed in bulk: what the index narrows a search with)."""
    from rapidfuzz import fuzz, process

    label_at = [i for i, is_label in enumerate(labels) if is_label]
    other_at = [i for i, is_label in enumerate(labels) if not is_label]
    found: set[int] = set()
    label_texts = [texts[i] for i in label_at]
    # a label scores max(ratio, partial x 0.95 or 0.8) >= MIN_SCORE
    for scorer, cutoff in ((fuzz.ratio, MIN_SCORE), (fuzz.partial_ratio, MIN_SCORE / 0.95)):
        for _, _, at in process.extract(key, label_texts, scorer=scorer, score_cutoff=cutoff,
                                        limit=None):
            found.add(label_at[at])
    other_texts = [texts[i] for i in other_at]
    if len(key) < 4:  # only a substring scores
        found.update(other_at[j] for j, text in enumerate(other_texts) if key in text)
    else:  # a substring (100) or a partial match of TEXT_MIN_PARTIAL
        for _, _, at in process.extract(key, other_texts, scorer=fuzz.partial_ratio,
                                        score_cutoff=TEXT_MIN_PARTIAL, limit=None):
            found.add(other_at[at])
    return sorted(found)
