"""Read-only questions over the built graph: traces, entity cards, lists, cases, search, paths.

Every function takes a :class:`GraphView` and returns plain JSON-ready data; evidence items are
``{"document", "section", "start", "end", "quote"}`` with offsets into the stored document file.
"""

from __future__ import annotations

import math
from typing import Any

from kg.errors import KgError
from kg.graphview import GraphView, Hop
from kg.resolve import BACKGROUND_CLASSES

TABLE1_INDICATORS = ("yearsOnPlatform", "platformTransactionRatio", "innovationInvestmentRatio",
                     "feedbackResponseRate")


def draft_mark(item: dict[str, Any]) -> dict[str, Any]:
    """``{"status": "draft"}`` for a draft node or edge (proposed, not reviewed), else ``{}``."""
    return {"status": "draft"} if item.get("status") == "draft" else {}


def ref(node: dict[str, Any]) -> dict[str, Any]:
    """The short form of a node inside a query result (``status`` only on a draft)."""
    return {"id": node["id"], "class": node["class"], "label": dict(node["label"]),
            "document": node["document"], **draft_mark(node)}


def edge_info(hop: Hop) -> dict[str, Any]:
    """How an edge is backed: its modality and its evidence passages (``status: draft`` when
    the edge is a draft; an item that joins a node and an edge is a draft if either is)."""
    return {"modality": hop.edge["modality"], "evidence": hop.edge["evidence"],
            **draft_mark(hop.edge)}


def dimension_of(view: GraphView, node_id: str) -> dict[str, Any] | None:
    """The dimension of a barrier or mechanism, directly or through what it is part of."""
    seen: set[str] = set()
    while node_id not in seen:
        seen.add(node_id)
        for hop in view.out(node_id, "inDimension"):
            return {"id": hop.node["id"], "label": dict(hop.node["label"])}
        wholes = [hop.node["id"] for hop in view.out(node_id, "partOf")]
        if not wholes:
            return None
        node_id = wholes[0]
    return None


def check_document(view: GraphView, document: str | None) -> None:
    """An unknown ``--document`` is a one-line error naming the known ones."""
    known = sorted(view.projection.get("documents", {}))
    if document is not None and document not in known:
        raise KgError(f"unknown document {document!r}", where="--document",
                      hint="use one of: " + ", ".join(known))


def show(view: GraphView, node_id: str) -> dict[str, Any]:
    """An entity card: labels, definition, properties, and every relation in and out."""
    node = view.node(node_id)
    return {
        "entity": {**ref(node), "alt_labels": node.get("alt_labels", {}),
                   "definition": node.get("definition", {}),
                   "properties": node.get("properties", {}), "origin": node.get("origin"),
                   "evidence": node.get("evidence", [])},
        "outgoing": [{"relation": h.relation, "modality": h.edge["modality"], **ref(h.node),
                      **edge_info(h)} for h in view.out(node_id)],
        "incoming": [{"relation": h.relation, "modality": h.edge["modality"], **ref(h.node),
                      **edge_info(h)} for h in view.into(node_id)],
    }


def class_names(view: GraphView) -> list[str]:
    """Every class that has at least one node."""
    return sorted({n["class"] for n in view.nodes.values()})


def resolve_class(view: GraphView, name: str) -> str:
    """A class from a loose name: ``barriers``, ``innovation-types``, ``Case`` …"""
    key = name.replace("-", "").replace("_", "").replace(" ", "").casefold()
    known = {c.casefold(): c for c in view.projection.get("classes", {})} | {
        c.casefold(): c for c in class_names(view)}
    for candidate in (key, key.removesuffix("s"), key.removesuffix("es"),
                      key.removesuffix("ies") + "y"):
        if candidate in known:
            return known[candidate]
    raise KgError(f"unknown type {name!r}",
                  hint="use one of: " + ", ".join(c for c in class_names(view)))


def list_entities(view: GraphView, cls: str) -> list[dict[str, Any]]:
    """All entities of a class (subclasses included) with their key properties."""
    rows = []
    for node in view.of_class(*view.subclasses(cls)):
        row = {**ref(node), "properties": node.get("properties", {})}
        if node["class"] in ("Barrier", "Mechanism"):
            row["dimension"] = dimension_of(view, node["id"])
        if node["class"] == "Policy":
            row["issued_by"] = [ref(h.node) for h in view.out(node["id"], "issuedBy")]
        rows.append(row)
    return rows


def cases_table(view: GraphView) -> list[dict[str, Any]]:
    """Table 1 of paper 000 rebuilt from the graph: indicators, practices and outcomes.

    Cases, practices and outcomes come in the paper's order: a node's ``order`` property when it
    has one, else where its first evidence passage stands in its paper. Each practice's
    ``mechanism`` carries that rank as ``order`` (the table's practice columns, left to right).
    ``units`` gives the unit of each indicator; ``enterpriseTypeLabel`` the type in zh and en.
    """
    def paper_order(node: dict[str, Any]) -> tuple[float, str, int, str]:
        starts = [e["start"] for e in node.get("evidence", []) if e["document"] == node["document"]]
        return (node.get("properties", {}).get("order", float("inf")), node["document"],
                min(starts, default=0), node["id"])

    # Table 1 gives the enterprise type in Chinese only, and so does the annotation.
    type_en = {"制造业": "manufacturing", "服务业": "services"}
    units = {"yearsOnPlatform": "years", "platformTransactionRatio": "%",
             "innovationInvestmentRatio": "%", "feedbackResponseRate": "%"}
    mechanisms = sorted(view.of_class("Mechanism"), key=paper_order)
    rank = {m["id"]: number for number, m in enumerate(mechanisms, 1)}
    rows = []
    for case in sorted(view.of_class("Case"), key=paper_order):
        props = case.get("properties", {})
        practices = {}
        for hop in view.out(case["id"], "hasPractice"):
            for mech in view.out(hop.node["id"], "exemplifies"):
                practices[mech.node["id"]] = {
                    **ref(hop.node), "mechanism": {**ref(mech.node),
                                  "order": rank.get(mech.node["id"], len(rank) + 1)},
                    "evidence": hop.node.get("evidence", [])}
        outcomes = [{**ref(h.node), "properties": h.node.get("properties", {}), **edge_info(h)}
                    for h in sorted(view.out(case["id"], "achieves"),
                                    key=lambda h: paper_order(h.node))]
        kind = props.get("enterpriseType")
        type_label = {"zh": kind, "en": type_en.get(kind)} if kind else {}
        rows.append({**ref(case), "enterpriseType": kind,
                     "enterpriseTypeLabel": {k: v for k, v in type_label.items() if v},
                     "industry": props.get("industry"), "size": props.get("size"),
                     "indicators": {k: props.get(k) for k in TABLE1_INDICATORS},
                     "units": units,
                     "practices": sorted(practices.values(), key=lambda p: p["mechanism"]["order"]),
                     "outcomes": outcomes})
    return rows


#: Classes that connect many unrelated entities; a path through them explains little.
HUB_CLASSES = frozenset({"Dimension", "InnovationType", "Sample", "Document"})
#: Cost of one hop: along the relation's direction, against it, and the extra for a hub.
FORWARD, BACKWARD, HUB = 1.0, 1.5, 3.0


def paths(view: GraphView, source: str, target: str, *, limit: int = 5) -> list[list[dict[str, Any]]]:
    """The most meaningful short paths between two entities, each hop with its evidence.

    Paths may use edges either way, but a hop along the relation's direction costs less than one
    against it, and passing through a generic hub (a dimension, an innovation type, the sample)
    costs more, so "barrier -hinders-> mechanism <-strengthens- strategy" beats a detour through
    a dimension. Every hop says whether it runs ``forward`` or ``backward`` (against the
    relation: ``target <-relation- source``).

    The search (networkx's ``shortest_simple_paths``) runs on a :func:`_path_graph`, which
    reads each node's neighbours from the view only when the search reaches it: on an indexed
    store a query reads the part of the graph it explores, not the whole graph.
    """
    import networkx as nx

    graph = _path_graph(view, source, target)
    if source not in graph or target not in graph:
        return []
    routes = []
    try:
        for route in nx.shortest_simple_paths(graph, source, target, weight="weight"):
            routes.append(route)
            if len(routes) >= limit:
                break
    except nx.NetworkXNoPath:
        return []
    return [_explain(view, route) for route in routes]


_PATH_GRAPH: list[type] = []


def _path_graph(view: GraphView, source: str, target: str) -> Any:
    """The weighted ``DiGraph`` the path search walks, read lazily from the view.

    The graph is the one the search has always used: every relation between two entities that
    are not background (or are the source or the target) gives an edge each way, weighted
    :data:`FORWARD` along the relation and :data:`BACKWARD` against it (the lower if both),
    plus :data:`HUB` into a hub that is not the target. A node's neighbours are read from the
    view when the search first asks for them, in the order in which building the whole graph
    from the sorted (source, target) pairs inserted them, so the search breaks ties as it
    always did and gives the same paths. (networkx is imported here, not with the module.)
    """
    if not _PATH_GRAPH:
        import networkx as nx

        class PathGraph(_PathGraphMixin, nx.DiGraph):  # type: ignore[misc]
            pass

        _PATH_GRAPH.append(PathGraph)
    return _PATH_GRAPH[0](view, source, target)


class _Lazy:
    """A read-only mapping over the path graph's nodes whose items are computed on demand
    (``_succ``, ``_pred`` and ``_node`` of :class:`_PathGraph`); iterating it would need the
    whole graph, so it refuses instead of answering wrongly."""

    def __init__(self, graph: "_PathGraphMixin", part: int) -> None:
        self._graph, self._part = graph, part

    def __getitem__(self, node_id: str) -> dict[str, Any]:
        found = self._graph.adjacency(node_id)
        if found is None:
            raise KeyError(node_id)
        return found[self._part]

    def __contains__(self, node_id: object) -> bool:
        return isinstance(node_id, str) and self._graph.adjacency(node_id) is not None

    def get(self, node_id: str, default: Any = None) -> Any:
        return self[node_id] if node_id in self else default

    def __iter__(self) -> Any:
        raise TypeError("the path graph is read node by node; it cannot be listed")

    def __len__(self) -> int:
        raise TypeError("the path graph is read node by node; it has no size")


class _PathGraphMixin:
    """The lazy parts of :func:`_path_graph`'s graph (mixed into ``networkx.DiGraph``)."""

    def __init__(self, view: GraphView, source: str, target: str) -> None:
        super().__init__()
        self._view, self._source, self._target = view, source, target
        self._cache: dict[str, tuple[dict[str, Any], dict[str, Any], dict[str, Any]] | None] = {}
        self._node = _Lazy(self, 2)  # type: ignore[assignment]
        self._succ = self._adj = _Lazy(self, 0)  # type: ignore[assignment]
        self._pred = _Lazy(self, 1)  # type: ignore[assignment]

    def _kept(self, node: dict[str, Any]) -> bool:
        return node["class"] not in BACKGROUND_CLASSES or node["id"] in (self._source,
                                                                         self._target)

    def _hub(self, node: dict[str, Any]) -> float:
        return HUB if node["id"] != self._target and node["class"] in HUB_CLASSES else 0.0

    def adjacency(self, node_id: str
                  ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]] | None:
        """(successors, predecessors, attributes) of a node, or None if it is not in the
        graph (unknown, background, or without a kept neighbour)."""
        if node_id in self._cache:
            return self._cache[node_id]
        found = None
        if node_id in self._view.nodes:
            node = self._view.node(node_id)
            if self._kept(node):
                found = self._neighbours(node)
        self._cache[node_id] = found
        return found

    def _neighbours(self, node: dict[str, Any]
                    ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]] | None:
        a = node["id"]
        first: dict[str, tuple[str, str]] = {}  # neighbour -> its first (u, v) pair
        forward: set[str] = set()  # a -> b relations
        backward: set[str] = set()  # b -> a relations
        nodes: dict[str, dict[str, Any]] = {}
        for hops, pair, seen in ((self._view.out(a), lambda b: (a, b), forward),
                                 (self._view.into(a), lambda b: (b, a), backward)):
            for hop in hops:
                b = hop.node["id"]
                if not self._kept(hop.node):
                    continue
                nodes[b] = hop.node
                seen.add(b)
                key = pair(b)
                if b not in first or key < first[b]:
                    first[b] = key
        if not first:
            return None
        succ: dict[str, Any] = {}
        pred: dict[str, Any] = {}
        for b in sorted(first, key=first.__getitem__):
            out_cost = min(FORWARD if b in forward else math.inf,
                           BACKWARD if b in backward else math.inf)
            in_cost = min(FORWARD if b in backward else math.inf,
                          BACKWARD if b in forward else math.inf)
            succ[b] = {"weight": out_cost + self._hub(nodes[b])}
            pred[b] = {"weight": in_cost + self._hub(node)}
        return succ, pred, {}


def _explain(view: GraphView, route: list[str]) -> list[dict[str, Any]]:
    """The hops of a route: every relation between consecutive nodes, forward ones first."""
    hops = []
    for a, b in zip(route, route[1:], strict=False):
        for u, v, direction in ((a, b, "forward"), (b, a, "backward")):
            for hop in view.out(u):  # by relation, then neighbour
                if hop.node["id"] != v:
                    continue
                edge = hop.edge
                hops.append({"source": ref(view.node(u)), "relation": hop.relation,
                             "target": ref(view.node(v)), "direction": direction,
                             "modality": edge["modality"], "evidence": edge["evidence"],
                             **draft_mark(edge)})
    return hops
