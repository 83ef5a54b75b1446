"""Which nodes and edges a view shows: the whole model, a barrier's trace, or a neighbourhood.

Every function here is pure over a :class:`~kg.graphview.GraphView` and returns nodes sorted by
id and edges sorted by (source, relation, target), so the same store gives the same selection.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from kg.errors import KgError
from kg.graphview import GraphView
from kg.queries import check_document, resolve_class
from kg.traces import TRACES, trace_barrier
from kg.resolve import BACKGROUND_CLASSES

EdgeKey = tuple[str, str, str]

#: Roles of the nodes of a barrier trace, in priority order (a node keeps its first role).
TRACE_ROLES = ("barrier", "part", "mechanism", "innovation-type", "strategy-mitigates",
               "strategy-strengthens", "policy", "issuer", "practice", "case", "related",
               "dimension")


@dataclass(frozen=True)
class Selection:
    """The nodes and edges of one view, with what the layout needs to know about them.

    ``mode`` is ``model`` (whole graph), ``trace`` (a barrier's trace: ``roles`` says what each
    node is in it) or ``neighbourhood`` (``distance`` is the signed hop count from the focus:
    negative for nodes reached against the edge direction).
    """

    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    mode: str
    focus: Optional[str] = None
    roles: dict[str, str] = field(default_factory=dict)
    distance: dict[str, int] = field(default_factory=dict)

    @property
    def node_ids(self) -> set[str]:
        return {n["id"] for n in self.nodes}


def edge_key(edge: dict[str, Any]) -> EdgeKey:
    """The identity of an edge: (source, relation, target)."""
    return edge["source"], edge["relation"], edge["target"]


def parse_types(view: GraphView, types: Optional[str]) -> Optional[set[str]]:
    """``--types barriers,Strategy`` → the classes (with subclasses); ``None`` when not given."""
    if types is None:
        return None
    names = [t.strip() for t in types.split(",") if t.strip()]
    if not names:
        raise KgError("--types is empty",
                      hint="give class names separated by commas, e.g. Barrier,Mechanism")
    classes: set[str] = set()
    for name in names:
        classes |= view.subclasses(resolve_class(view, name))
    return classes


def allowed_ids(view: GraphView, classes: Optional[set[str]], document: Optional[str]) -> set[str]:
    """Nodes that pass the class and document filters (background classes only when asked)."""
    out = set()
    for node_id, node in view.nodes.items():
        if classes is None:
            if node["class"] in BACKGROUND_CLASSES:
                continue
        elif node["class"] not in classes:
            continue
        if document is not None and node.get("document") != document:
            continue
        out.add(node_id)
    return out


def _induced_edges(view: GraphView, ids: set[str]) -> list[dict[str, Any]]:
    edges = [e for e in view.projection["edges"] if e["source"] in ids and e["target"] in ids]
    return sorted(edges, key=edge_key)


def _nodes(view: GraphView, ids: Iterable[str]) -> list[dict[str, Any]]:
    return [view.nodes[i] for i in sorted(ids)]


def whole_model(view: GraphView, classes: Optional[set[str]] = None,
                document: Optional[str] = None) -> Selection:
    """Every node that passes the filters and every edge between two of them."""
    ids = allowed_ids(view, classes, document)
    if not ids:
        raise KgError("nothing to show: no node passes the filters",
                      where="--types/--document", hint="widen --types or drop --document")
    return Selection(_nodes(view, ids), _induced_edges(view, ids), "model")


def neighbourhood(view: GraphView, focus: str, depth: int, classes: Optional[set[str]] = None,
                  document: Optional[str] = None) -> Selection:
    """The focus and every allowed node within ``depth`` hops (either direction) of it."""
    if depth < 0:
        raise KgError(f"--depth must be 0 or more, not {depth}")
    allowed = allowed_ids(view, classes, document) | {focus}
    distance = {focus: 0}
    todo = deque([focus])
    while todo:
        current = todo.popleft()
        hops = abs(distance[current])
        if hops >= depth:
            continue
        side = 1 if distance[current] >= 0 else -1
        for hop in [*view.out(current), *view.into(current)]:
            nid = hop.node["id"]
            if nid in distance or nid not in allowed:
                continue
            if current == focus:
                side = 1 if hop.outgoing else -1
            distance[nid] = side * (hops + 1)
            todo.append(nid)
    ids = set(distance)
    return Selection(_nodes(view, ids), _induced_edges(view, ids), "neighbourhood",
                     focus=focus, distance=dict(sorted(distance.items())))


def trace_edges(view: GraphView, result: dict[str, Any]) -> list[EdgeKey]:
    """The edges a ``kg trace barrier`` result reports, as (source, relation, target)."""
    root = result["barrier"]
    bid = root["id"]
    out: dict[EdgeKey, None] = {}
    out.update({(bid, "partOf", p["id"]): None for p in root["part_of"]})
    out.update({(p["id"], "partOf", bid): None for p in root["parts"]})
    holder = _dimension_holder(view, bid)
    if holder is not None:
        out[(holder[0], "inDimension", holder[1])] = None
    for mech in result["mechanisms"]:
        out[(mech.get("via_barrier", bid), "hinders", mech["id"])] = None
        out.update({(mech["id"], "promotes", t["id"]): None for t in mech["innovation_types"]})
    out.update({(s["id"], s["via"], s["target"]): None for s in result["strategies"]})
    for policy in result["policies"]:
        out[(policy["id"], policy["via"], policy["target"])] = None
        out.update({(policy["id"], "issuedBy", o["id"]): None for o in policy["issued_by"]})
    for case in result["cases"]:
        if case["role"] == "experiences":
            out[(case["id"], "experiences", case["barrier"])] = None
        else:
            out[(case["id"], "hasPractice", case["practice"]["id"])] = None
            out[(case["practice"]["id"], "exemplifies", case["mechanism"])] = None
    for stat in result.get("statistics", []):  # held by the root, a part, or a match of either
        holder = (stat.get("via_match") or {}).get("id") or stat.get("via_part", bid)
        out[(holder, "hasStatistic", stat["id"])] = None
    for example in result.get("examples", []):
        out[(example["id"], "illustrates", example["target"])] = None
    matches = [(m["match_of"], m["id"]) for m in result["related"]]
    mechanisms = [m["id"] for m in result["mechanisms"]]
    for section in ("mechanisms", "strategies", "policies"):
        for item in result[section]:
            match = item.get("via_match")
            if match:
                # a match of the barrier (or of its part), or, for a strategy, of a mechanism
                # of the trace (the other paper's strategies that strengthen its match)
                holders = [item.get("via_part", bid), *mechanisms]
                holder = next((h for h in holders if _matched(view, h, match["id"])), holders[0])
                matches.append((holder, match["id"]))
    for a, b in matches:
        if not view.graph.has_edge(a, b, key="closeMatch"):
            a, b = b, a
        out[(a, "closeMatch", b)] = None
    return list(out)


def _matched(view: GraphView, a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` are linked by closeMatch (either way)."""
    return (view.graph.has_edge(a, b, key="closeMatch")
            or view.graph.has_edge(b, a, key="closeMatch"))


def trace_roles(result: dict[str, Any]) -> dict[str, str]:
    """What each node of a barrier trace is in it (the first of :data:`TRACE_ROLES` wins)."""
    root = result["barrier"]
    found: dict[str, list[str]] = {role: [] for role in TRACE_ROLES}
    found["barrier"].append(root["id"])
    found["part"] += [p["id"] for p in [*root["part_of"], *root["parts"]]]
    if root.get("dimension"):
        found["dimension"].append(root["dimension"]["id"])
    for mech in result["mechanisms"]:
        found["mechanism"].append(mech["id"])
        found["innovation-type"] += [t["id"] for t in mech["innovation_types"]]
    for strategy in result["strategies"]:
        via = "mitigates" if strategy["via"] == "mitigates" else "strengthens"
        found["strategy-" + via].append(strategy["id"])
    for policy in result["policies"]:
        found["policy"].append(policy["id"])
        found["issuer"] += [o["id"] for o in policy["issued_by"]]
    for case in result["cases"]:
        found["case"].append(case["id"])
        if case.get("practice"):
            found["practice"].append(case["practice"]["id"])
    found["related"] += [r["id"] for r in result["related"]]
    roles: dict[str, str] = {}
    for role in TRACE_ROLES:
        for node_id in found[role]:
            roles.setdefault(node_id, role)
    return roles


def _dimension_holder(view: GraphView, node_id: str) -> Optional[tuple[str, str]]:
    """The (node, dimension) pair behind ``_dimension`` in the trace: direct or via partOf."""
    seen: set[str] = set()
    while node_id not in seen:  # a partOf cycle in the data must not loop forever
        seen.add(node_id)
        for hop in view.out(node_id, "inDimension"):
            return node_id, hop.node["id"]
        wholes = [hop.node["id"] for hop in view.out(node_id, "partOf")]
        if not wholes:
            return None
        node_id = wholes[0]
    return None


def _ids_in(data: Any) -> set[str]:
    """Every ``id`` value anywhere inside a query result."""
    found: set[str] = set()
    if isinstance(data, dict):
        if isinstance(data.get("id"), str):
            found.add(data["id"])
        for value in data.values():
            found |= _ids_in(value)
    elif isinstance(data, list):
        for value in data:
            found |= _ids_in(value)
    return found


def barrier_trace(view: GraphView, focus: str, classes: Optional[set[str]] = None,
                  document: Optional[str] = None) -> Selection:
    """Exactly the nodes and edges ``kg trace barrier`` reports for ``focus``."""
    result = trace_barrier(view, focus)
    ids = _ids_in(result)
    if classes is not None or document is not None:
        ids = (ids & allowed_ids(view, classes, document)) | {focus}
    edges = []
    for source, relation, target in trace_edges(view, result):
        if source in ids and target in ids:
            data = view.graph.get_edge_data(source, target, key=relation)
            if data is None:  # pragma: no cover - the trace only reports stored edges
                raise KgError(f"trace edge {source} -{relation}-> {target} is not in the store",
                              hint="run `kg build` again")
            edges.append(data["data"])
    roles = trace_roles(result)
    return Selection(_nodes(view, ids), sorted(edges, key=edge_key), "trace", focus=focus,
                     roles={i: roles.get(i, "related") for i in sorted(ids)})


def is_barrier(node: dict[str, Any]) -> bool:
    """Whether ``kg trace barrier`` accepts this node (a Barrier or a Problem)."""
    return node["class"] in TRACES["barrier"][1]


def select(view: GraphView, *, focus: Optional[str] = None, depth: Optional[int] = None,
           classes: Optional[set[str]] = None, document: Optional[str] = None) -> Selection:
    """The selection for ``kg viz`` options (``focus`` is a resolved node id).

    A barrier focus without ``depth`` is its trace; any other focus is its neighbourhood to
    ``depth`` (default 1); no focus is the whole model.
    """
    check_document(view, document)
    if focus is None:
        if depth is not None:
            raise KgError("--depth needs --focus",
                          hint="add --focus QUERY, or drop --depth for the whole model")
        return whole_model(view, classes, document)
    if depth is None and is_barrier(view.nodes[focus]):
        return barrier_trace(view, focus, classes, document)
    return neighbourhood(view, focus, 1 if depth is None else depth, classes, document)
