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
        label = self.node["label"]
        return f"{self.node['id']} [{self.node['class']}] {label.get('zh', '')} / {label.get('en', '')}"


class NotFound(KgError):
    """No entity matches the query."""

    def __init__(self, query: str, suggestions: list[Candidate]) -> None:
        self.candidates = suggestions  # the nearest entities, listed under the error line
        hint = "try `kg search` or `kg list`"
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


def resolve(view: GraphView, query: str, *, classes: Iterable[str] = ()) -> dict[str, Any]:
    """The single node ``query`` names; :class:`Ambiguous` or :class:`NotFound` otherwise."""
    wanted = set()
    for cls in classes:
        wanted |= view.subclasses(cls)
    pool = [n for n in view.nodes.values()
            if (n["class"] in wanted if wanted else n["class"] not in BACKGROUND_CLASSES)]
    query = query.strip()
    if not query:
        raise NotFound(query, [])
    if query in view.nodes and (not wanted or view.nodes[query]["class"] in wanted):
        return view.nodes[query]
    by_suffix = [n for n in pool if n["id"].split("/", 1)[-1] == query]
    if len(by_suffix) == 1:
        return by_suffix[0]
    key = normalize(query)
    for kinds in (("label",), ("alt label",)):
        exact = [Candidate(n, 100.0, kind) for n in pool for kind, text in labels_of(n)
                 if kind in kinds and normalize(text) == key]
        chosen = _unique(query, exact)
        if chosen is not None:
            return chosen
    partial = [Candidate(n, 90.0, "substring") for n in pool
               if any(key in normalize(text) for _, text in labels_of(n)) or key in n["id"]]
    chosen = _unique(query, partial)
    if chosen is not None:
        return chosen
    ranked = rank(pool, query)
    if ranked and ranked[0].score >= 80 and (len(ranked) == 1 or ranked[0].score - ranked[1].score >= 5):
        return ranked[0].node
    strong = [c for c in ranked if c.score >= 80]
    if len(strong) > 1:
        raise Ambiguous(query, strong[:10])
    raise NotFound(query, ranked[:5])


def _unique(query: str, candidates: list[Candidate]) -> dict[str, Any] | None:
    by_id: dict[str, Candidate] = {}
    for cand in candidates:
        by_id.setdefault(cand.node["id"], cand)
    if len(by_id) == 1:
        return next(iter(by_id.values())).node
    if len(by_id) > 1:
        raise Ambiguous(query, sorted(by_id.values(), key=lambda c: c.node["id"]))
    return None


def rank(nodes: Iterable[dict[str, Any]], query: str, *, with_evidence: bool = False,
         limit: int = 50) -> list[Candidate]:
    """Nodes ranked by fuzzy similarity of their labels (and evidence text) to ``query``."""
    from rapidfuzz import fuzz

    key = normalize(query)
    scored: list[Candidate] = []
    for node in nodes:
        best, how = 0.0, ""
        for kind, text in labels_of(node):
            norm = normalize(text)
            score = 100.0 if key == norm else max(
                fuzz.ratio(key, norm),
                fuzz.partial_ratio(key, norm) * (0.95 if len(key) <= len(norm) else 0.8))
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
