"""Find the entity a user means: by id, label, alternative label, substring, then fuzzily."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any, Iterable

from kg.errors import AmbiguousQuery, KgError
from kg.graphview import GraphView

#: Classes a free-text query never lands on unless asked for by type.
BACKGROUND_CLASSES = frozenset({"QuantitativeStatement", "Reference", "Document"})


@dataclass(frozen=True)
class Candidate:
    """A node that matches a query, with how well."""

    node: dict[str, Any]
    score: float
    how: str

    def describe(self) -> str:
        """One line naming the node (labels escaped: they are document data)."""
        from kg.render import safe

        label = self.node["label"]
        return safe(f"{self.node['id']} [{self.node['class']}] {label.get('zh', '')} / "
                    f"{label.get('en', '')}")


class NotFound(KgError):
    """No entity matches the query."""

    def __init__(self, query: str, suggestions: list[Candidate], hint: str = "") -> None:
        self.candidates = suggestions  # the nearest entities, listed under the error line
        hint = hint or "try `kg search` or `kg list`"
        if suggestions:
            hint = "nearest: " + "; ".join(c.node["id"] for c in suggestions)
        super().__init__(f"no entity matches {query!r}", hint=hint)


class Ambiguous(AmbiguousQuery):
    """Several entities match the query equally well."""

    def __init__(self, query: str, candidates: list[Candidate]) -> None:
        self.candidates = candidates
        super().__init__(f"{query!r} matches {len(candidates)} entities",
                         hint="give one of the ids listed below")


def normalize(text: str) -> str:
    """Case-, width- and whitespace-insensitive form of a label or a query.

    >>> normalize("  Data  SECURITY ") == normalize("data security")
    True
    """
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def labels_of(node: dict[str, Any]) -> list[tuple[str, str]]:
    """(kind, text) for every label and alternative label of a node."""
    out = [("label", text) for _, text in sorted(node.get("label", {}).items())]
    for _, texts in sorted(node.get("alt_labels", {}).items()):
        out.extend(("alt label", text) for text in texts)
    return out


#: Longest query text that is matched against labels (longer text is never a name).
MAX_QUERY = 200
#: A fuzzy match is taken only at or above this score, and this far ahead of the next one.
FUZZY_MIN = 85.0
FUZZY_MARGIN = 5.0
#: How a query may match; the first three are exact names, the others are reported.
EXACT = ("id", "label", "alt label")


def resolve(view: GraphView, query: str, *, classes: Iterable[str] = ()) -> dict[str, Any]:
    """The single node ``query`` names; :class:`Ambiguous` or :class:`NotFound` otherwise."""
    return resolve_match(view, query, classes=classes).node


def resolve_match(view: GraphView, query: str, *, classes: Iterable[str] = ()) -> Candidate:
    """Like :func:`resolve`, with how the query matched (``how`` outside :data:`EXACT` means
    the caller should say what the query was resolved to)."""
    wanted = set()
    for cls in classes:
        wanted |= view.subclasses(cls)

    def in_pool(node: dict[str, Any]) -> bool:
        return node["class"] in wanted if wanted else node["class"] not in BACKGROUND_CLASSES

    query = query.strip()
    if not query:
        raise NotFound(query, [])
    if len(query) > MAX_QUERY:
        raise NotFound(f"{query[:40]}…", [], hint=f"the query is {len(query)} characters; give "
                       f"an id or a label (at most {MAX_QUERY})")
    if query in view.nodes and (not wanted or view.nodes[query]["class"] in wanted):
        return Candidate(view.nodes[query], 100.0, "id")
    # the exact forms are looked up (an indexed view reads a few rows), the rest scans the pool
    by_suffix = [n for n in view.with_id_suffix(query) if in_pool(n)]
    if len(by_suffix) == 1:
        return Candidate(by_suffix[0], 100.0, "id")
    key = normalize(query)
    labelled = [(n, kind) for n, kind in view.labelled(key) if in_pool(n)]
    for kinds in (("label",), ("alt label",)):
        exact = [Candidate(n, 100.0, kind) for n, kind in labelled if kind in kinds]
        chosen = _unique(query, exact)
        if chosen is not None:
            return chosen
    pool = [n for n in view.nodes.values() if in_pool(n)]
    chosen = _unique(query, [Candidate(n, 90.0, "substring") for n in pool
                             if _contains(n, query)])
    if chosen is not None:
        return chosen
    ranked = rank(pool, query, partial_min=8)
    strong = [c for c in ranked if c.score >= FUZZY_MIN]
    if strong and (len(ranked) == 1 or ranked[0].score - ranked[1].score >= FUZZY_MARGIN):
        return Candidate(strong[0].node, strong[0].score, "fuzzy")
    if len(strong) > 1:
        raise Ambiguous(query, strong[:10])
    hint = ""
    if wanted:  # the query may name an entity of another class exactly
        others = [n for n in view.nodes.values() if n["class"] not in wanted
                  and any(normalize(text) == key for _, text in labels_of(n))]
        if others:
            hint = (f"{query!r} names {others[0]['id']}, a {others[0]['class']}: "
                    f"try `kg show {others[0]['id']}`")
    raise NotFound(query, [] if hint else rank(pool, query, limit=5), hint=hint)


def _words(text: str) -> str:
    """Text as space-separated lower-case words (``-`` and ``/`` of ids count as spaces)."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("-", " ").replace("/", " ")
    return " ".join(text.split())


def _contains(node: dict[str, Any], query: str) -> bool:
    """Whether ``query`` is part of a label or the id: whole words for Latin text (at least
    three letters), any run of at least two characters for Chinese."""
    if query.isascii():
        words = _words(query)
        if len(words.replace(" ", "")) < 3:
            return False
        texts = [text for _, text in labels_of(node)] + [node["id"]]
        return any(f" {words} " in f" {_words(text)} " for text in texts)
    key = normalize(query)
    return len(key) >= 2 and any(key in normalize(text) for _, text in labels_of(node))


def _unique(query: str, candidates: list[Candidate]) -> Candidate | None:
    by_id: dict[str, Candidate] = {}
    for cand in candidates:
        by_id.setdefault(cand.node["id"], cand)
    if len(by_id) == 1:
        return next(iter(by_id.values()))
    if len(by_id) > 1:
        raise Ambiguous(query, sorted(by_id.values(), key=lambda c: c.node["id"]))
    return None


def rank(nodes: Iterable[dict[str, Any]], query: str, *, with_evidence: bool = False,
         limit: int = 50, partial_min: int = 0) -> list[Candidate]:
    """Nodes ranked by fuzzy similarity of their labels (and evidence text) to ``query``.

    ``partial_min``: a query shorter than this is compared with whole labels only (a short
    word matches a part of a long label too easily: "nope" in "open innovation").
    """
    from rapidfuzz import fuzz

    key = normalize(query)
    partial = len(key) >= partial_min
    scored: list[Candidate] = []
    for node in nodes:
        best, how = 0.0, ""
        for kind, text in labels_of(node):
            norm = normalize(text)
            score = 100.0 if key == norm else max(
                fuzz.ratio(key, norm),
                fuzz.partial_ratio(key, norm) * (0.95 if len(key) <= len(norm) else 0.8)
                if partial else 0.0)
            if score > best:
                best, how = score, kind
        if with_evidence:
            for item in node.get("evidence", []):
                score = fuzz.partial_ratio(key, normalize(item["quote"])) * 0.85
                if score > best:
                    best, how = score, "evidence"
        if best >= 50:
            scored.append(Candidate(node, round(best, 1), how))
    scored.sort(key=lambda c: (-c.score, c.node["id"]))
    return scored[:limit]
