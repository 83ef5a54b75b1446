"""Align a new paper's proposed entities with the entities the graph already holds (any paper).

Each proposed entity is compared with every reviewed entity of a compatible class in the
current build (a Barrier with Barriers and Problems, a Strategy with Strategies, a Mechanism
with Mechanisms and InnovationModes, a Theory with Theories, a Policy with Policies), on the
labels and alternative labels of both sides and on the candidate's definitions.

Texts are normalised like :mod:`kg.search` (NFKC, case-folded, whitespace removed) after
converting traditional to simplified Chinese (OpenCC ``t2s``), so 數據安全 matches 数据安全.
The genre's generic words (问题, 风险, 困境, 不足, 创新, 竞争, "risk", "problem" …) are then
removed to get a label's *core*: 同质化竞争 and 创新同质化 share the core 同质化.

Score (0..1) of one pair of texts:

- 1.0 for equal texts, 0.95 for equal cores;
- 0.75 + 0.2 × (shorter / longer) when one core contains the other (at least 3 characters of
  Chinese; for English, every word of a core of two or more words, words crudely stemmed so
  that homogeneous and homogenization meet);
- otherwise 0.9 × the rapidfuzz ratio of the cores (``token_sort_ratio`` for English).

A definition match counts 0.85 × that score. The entity's score is the best pair; a match is
kept at :data:`THRESHOLD` (0.75) and above — containment of a real core term, or cores within
one character of each other; plain character overlap (0.6 for 同质化竞争 vs 创新同质化 before
the generic words are removed) stays below. Per proposed entity the best match of each other
document is kept (at most :data:`MAX_MATCHES`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Mapping

from kg.ingest.model import Alignment, Proposal, ProposedEntity

#: Lowest score of an alignment that is proposed.
THRESHOLD = 0.75
#: Alignments kept per proposed entity (the best of each other document).
MAX_MATCHES = 3
#: Which graph classes a proposed class may align with.
COMPATIBLE: dict[str, frozenset[str]] = {
    "Barrier": frozenset({"Barrier", "Problem"}),
    "Problem": frozenset({"Problem", "Barrier"}),
    "Strategy": frozenset({"Strategy"}),
    "Mechanism": frozenset({"Mechanism", "InnovationMode"}),
    "InnovationMode": frozenset({"InnovationMode", "Mechanism"}),
    "Theory": frozenset({"Theory"}),
    "Policy": frozenset({"Policy"}),
}
#: Generic words of the genre, removed to get a label's core (longest first).
_GENERIC_ZH = sorted(["问题", "风险", "困境", "障碍", "挑战", "不足", "加剧", "缺乏", "创新", "竞争",
                      "的", "双重", "现象", "方面", "机制", "策略", "对策", "路径", "理论", "政策"],
                     key=len, reverse=True)
_GENERIC_EN = {"risk", "risks", "problem", "problems", "issue", "issues", "challenge", "challenges",
               "barrier", "barriers", "lack", "of", "the", "a", "an", "and", "in", "on", "for",
               "to", "insufficient", "innovation", "mechanism", "strategy", "theory", "policy",
               "competition"}
_CJK = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[a-z0-9]+")
_PUNCT = re.compile(r"[\W_]+")


@lru_cache(maxsize=1)
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """Simplified, NFKC, case-folded and whitespace-free (as :func:`kg.search.fold`).

    >>> normalise("數據 安全") == normalise("数据安全")
    True
    """
    text = _t2s().convert(text) if _CJK.search(text) else text
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


@lru_cache(maxsize=65536)
def core(text: str) -> str:
    """A label without the genre's generic words and punctuation.

    >>> core("同质化竞争"), core("创新同质化"), core("Data security risk")
    ('同质化', '同质化', 'data secur')
    """
    if _CJK.search(text):
        out = normalise(text)
        for word in _GENERIC_ZH:
            stripped = out.replace(word, "")
            if len(_PUNCT.sub("", stripped)) >= 2:
                out = stripped
        return _PUNCT.sub("", out)
    words = _WORD.findall(unicodedata.normalize("NFKC", text).casefold())
    kept = [w for w in words if w not in _GENERIC_EN]
    return " ".join(stem(w) for w in kept or words)


_SUFFIXES = ("izations", "ization", "isations", "isation", "ations", "ation", "eous", "ous",
             "ities", "ity", "ness", "ing", "ies", "es", "s", "e")


def stem(word: str) -> str:
    """A crude English stem, enough to match homogeneous/homogenization, risks/risk.

    >>> stem("homogeneous"), stem("homogenization"), stem("risks")
    ('homogen', 'homogen', 'risk')
    """
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[:-len(suffix)]
            if suffix not in ("e",) and word.endswith("e") and len(word) > 4:
                word = word[:-1]
            break
    return word


def pair_score(a: str, b: str) -> float:
    """How well two labels name the same thing (0..1).

    >>> round(pair_score("数据安全与隐私保护", "数据安全"), 2)
    0.84
    >>> pair_score("同质化竞争", "创新同质化")
    0.95
    >>> pair_score("人才短缺", "算法偏见") < THRESHOLD
    True
    """
    from rapidfuzz import fuzz

    na, nb = normalise(a), normalise(b)
    if not na or not nb:
        return 0.0
    if na == nb:
        return 1.0
    ca, cb = core(a), core(b)
    if not ca or not cb:
        return 0.0
    if ca == cb:
        return 0.95
    cjk = bool(_CJK.search(ca)) and bool(_CJK.search(cb))
    short, long_ = sorted((ca, cb), key=len)
    if cjk:
        if len(short) >= 3 and short in long_:
            return 0.75 + 0.2 * len(short) / len(long_)
        return 0.9 * fuzz.ratio(ca, cb) / 100
    if _CJK.search(ca) or _CJK.search(cb):
        return 0.0
    few, many = sorted((ca.split(), cb.split()), key=len)
    if len(few) >= 2 and set(few) <= set(many):
        return 0.75 + 0.2 * len(few) / len(many)
    return 0.9 * fuzz.token_sort_ratio(ca, cb) / 100


@dataclass(frozen=True)
class _Candidate:
    node: dict[str, Any]
    labels: tuple[str, ...]
    definitions: tuple[str, ...]


class AlignIndex:
    """The graph's alignable entities by class, prepared once for many papers."""

    def __init__(self, view: Any) -> None:
        classes = set().union(*COMPATIBLE.values())
        self.by_class: dict[str, list[_Candidate]] = {}
        for node_id in sorted(view.nodes):
            node = view.nodes[node_id]
            if node["class"] not in classes or node.get("status") == "draft":
                continue
            if not node.get("evidence"):
                continue
            labels = [t for t in (node.get("label") or {}).values() if t]
            for texts in (node.get("alt_labels") or {}).values():
                labels.extend(texts)
            definitions = tuple(t for t in (node.get("definition") or {}).values() if t)
            self.by_class.setdefault(node["class"], []).append(
                _Candidate(node, tuple(dict.fromkeys(labels)), definitions))

    def candidates(self, cls: str) -> Iterable[_Candidate]:
        for other in sorted(COMPATIBLE.get(cls, ())):
            yield from self.by_class.get(other, ())


def _definition_score(label: str, definition: str) -> float:
    """A proposed label's core found in a candidate's definition."""
    c = core(label)
    if len(c) < (4 if _CJK.search(c) else 8):
        return 0.0
    body = normalise(definition) if _CJK.search(c) else " ".join(
        _WORD.findall(definition.casefold()))
    return 0.9 if c in body else 0.0


def score(entity: ProposedEntity, candidate: _Candidate) -> float:
    """The best score of any pair of texts of the two entities (0..1)."""
    best_label = 0.0
    for mine in entity.label.values():
        for theirs in candidate.labels:
            best_label = max(best_label, pair_score(mine, theirs))
    best_def = 0.0
    for mine in entity.label.values():
        for definition in candidate.definitions:
            best_def = max(best_def, _definition_score(mine, definition))
    total = max(best_label, 0.85 * best_def)
    if best_label >= 0.5 and best_def > 0:
        total += 0.05
    return round(min(total, 1.0), 3)


def _first_evidence(node: dict[str, Any]) -> dict[str, Any]:
    item = node["evidence"][0]
    return {k: item.get(k) for k in ("document", "section", "start", "end", "quote")}


def align(proposal: Proposal, view: Any, texts: Mapping[str, Any] | None = None, *,
          index: AlignIndex | None = None) -> list[Alignment]:
    """Alignments of ``proposal``'s entities with the graph of ``view`` (None: no graph).

    ``texts`` maps a document id to its :class:`kg.documents.DocumentText`; the new paper's
    quote is given with its section as the text parses it when the text is there.
    """
    if view is None and index is None:
        return []
    index = index or AlignIndex(view)
    out: list[Alignment] = []
    for entity in proposal.entities:
        if entity.type not in COMPATIBLE:
            continue
        best: dict[str, tuple[float, _Candidate]] = {}
        for candidate in index.candidates(entity.type):
            document = candidate.node.get("document")
            if document == proposal.document:
                continue
            s = score(entity, candidate)
            if s < THRESHOLD:
                continue
            held = best.get(document)
            if held is None or s > held[0] or (s == held[0] and
                                               candidate.node["id"] < held[1].node["id"]):
                best[document] = (s, candidate)
        ranked = sorted(best.values(), key=lambda sc: (-sc[0], sc[1].node["id"]))[:MAX_MATCHES]
        for s, candidate in ranked:
            mine = {"document": proposal.document, "section": entity.section,
                    "start": entity.start, "end": entity.end, "quote": entity.quote}
            out.append(Alignment(entity.id, candidate.node["id"], s,
                                 (mine, _first_evidence(candidate.node))))
    return out
