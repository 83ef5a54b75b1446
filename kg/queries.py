"""Read-only questions over the built graph: traces, entity cards, lists, cases, search, paths.

Every function takes a :class:`GraphView` and returns plain JSON-ready data; evidence items are
``{"document", "section", "start", "end", "quote"}`` with offsets into the stored document file.
"""

from __future__ import annotations

from typing import Any, Iterable

from kg.errors import KgError
from kg.graphview import GraphView, Hop
from kg.resolve import BACKGROUND_CLASSES, rank

TABLE1_INDICATORS = ("yearsOnPlatform", "platformTransactionRatio", "innovationInvestmentRatio",
                     "feedbackResponseRate")


def ref(node: dict[str, Any]) -> dict[str, Any]:
    """The short form of a node inside a query result."""
    return {"id": node["id"], "class": node["class"], "label": dict(node["label"]),
            "document": node["document"]}


def _edge(hop: Hop) -> dict[str, Any]:
    """How an edge is backed: its modality and its evidence passages."""
    return {"modality": hop.edge["modality"], "evidence": hop.edge["evidence"]}


def _actor(node: dict[str, Any]) -> str | None:
    return node.get("properties", {}).get("actor")


def _dimension(view: GraphView, node_id: str) -> dict[str, Any] | None:
    for hop in view.out(node_id, "inDimension"):
        return {"id": hop.node["id"], "label": dict(hop.node["label"])}
    for hop in view.out(node_id, "partOf"):
        return _dimension(view, hop.node["id"])
    return None


def _scope(view: GraphView, node_id: str) -> list[str]:
    """The node, what it is part of, and its parts (one level each way)."""
    ids = [node_id]
    ids += [h.node["id"] for h in view.out(node_id, "partOf")]
    ids += [h.node["id"] for h in view.into(node_id, "partOf")]
    return list(dict.fromkeys(ids))


def _innovation_types(view: GraphView, node_id: str) -> list[dict[str, Any]]:
    return [{**ref(h.node), **_edge(h)} for h in view.out(node_id, "promotes")]


def _related(view: GraphView, ids: Iterable[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for node_id in ids:
        for hop in [*view.out(node_id, "closeMatch"), *view.into(node_id, "closeMatch")]:
            if hop.node["id"] not in seen:
                seen.add(hop.node["id"])
                out.append({**ref(hop.node), "relation": "closeMatch", "match_of": node_id,
                            **_edge(hop)})
    return out


def _policies(view: GraphView, ids: Iterable[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for node_id in ids:
        for hop in view.into(node_id, "mitigates", "addresses", "strengthens"):
            if hop.node["class"] == "Policy" and (hop.node["id"], node_id) not in seen:
                seen.add((hop.node["id"], node_id))
                props = hop.node.get("properties", {})
                out.append({**ref(hop.node), "date": props.get("date"),
                            "issued_by": [ref(h.node) for h in view.out(hop.node["id"], "issuedBy")],
                            "via": hop.relation, "target": node_id,
                            **_edge(hop)})
    return out


def _strategy_entry(hop: Hop, via: str, target: str) -> dict[str, Any]:
    return {**ref(hop.node), "actor": _actor(hop.node), "via": via, "target": target,
            **_edge(hop)}


def _cases_for_mechanisms(view: GraphView, mechanisms: Iterable[str]) -> list[dict[str, Any]]:
    out = []
    for mech in mechanisms:
        for practice in view.into(mech, "exemplifies"):
            for case in view.into(practice.node["id"], "hasPractice"):
                out.append({**ref(case.node), "role": "exemplifies", "mechanism": mech,
                            "practice": ref(practice.node), **_edge(practice)})
    return out


def trace_barrier(view: GraphView, barrier_id: str) -> dict[str, Any]:
    """A barrier's mechanisms, innovation types, strategies, policies, cases and matches."""
    node = view.node(barrier_id)
    scope = _scope(view, barrier_id)
    mechanisms, mech_ids = [], []
    for source in [barrier_id] + [i for i in scope if i != barrier_id]:
        for hop in view.out(source, "hinders"):
            if hop.node["id"] in mech_ids:
                continue
            mech_ids.append(hop.node["id"])
            entry = {**ref(hop.node), "innovation_types": _innovation_types(view, hop.node["id"]),
                     **_edge(hop)}
            if source != barrier_id:
                entry["via_barrier"] = source
            mechanisms.append(entry)
        if mechanisms and source == barrier_id:
            break
    strategies = [_strategy_entry(h, "mitigates", target) for target in scope
                  for h in view.into(target, "mitigates") if h.node["class"] == "Strategy"]
    strategies += [_strategy_entry(h, "strengthens", mech) for mech in mech_ids
                   for h in view.into(mech, "strengthens") if h.node["class"] == "Strategy"]
    related = _related(view, scope)
    cases = [{**ref(h.node), "role": "experiences", "barrier": target,
              **_edge(h)} for target in scope
             for h in view.into(target, "experiences")]
    cases += _cases_for_mechanisms(view, mech_ids)
    return {
        "barrier": {**ref(node), "definition": node.get("definition", {}),
                    "dimension": _dimension(view, barrier_id),
                    "part_of": [ref(h.node) for h in view.out(barrier_id, "partOf")],
                    "parts": [ref(h.node) for h in view.into(barrier_id, "partOf")],
                    "evidence": node.get("evidence", [])},
        "mechanisms": mechanisms,
        "strategies": strategies,
        "policies": _policies(view, scope + [r["id"] for r in related]),
        "cases": cases,
        "related": related,
    }


def trace_strategy(view: GraphView, strategy_id: str) -> dict[str, Any]:
    """The barriers a strategy mitigates, the mechanisms it strengthens or unblocks, and more."""
    node = view.node(strategy_id)
    scope = _scope(view, strategy_id)
    barriers, mechanisms, mech_seen = [], [], set()
    for source in scope:
        via = {} if source == strategy_id else {"via_strategy": source}
        for hop in view.out(source, "mitigates"):
            barriers.append({**ref(hop.node), **via,
                             "dimension": _dimension(view, hop.node["id"]), **_edge(hop)})
        for hop in view.out(source, "strengthens"):
            if hop.node["id"] not in mech_seen:
                mech_seen.add(hop.node["id"])
                mechanisms.append({**ref(hop.node), "via": "strengthens", **via,
                                   "innovation_types": _innovation_types(view, hop.node["id"]),
                                   **_edge(hop)})
    for barrier in barriers:
        for hop in view.out(barrier["id"], "hinders"):
            if hop.node["id"] not in mech_seen:
                mech_seen.add(hop.node["id"])
                mechanisms.append({**ref(hop.node), "via": "unblocks", "via_barrier": barrier["id"],
                                   "innovation_types": _innovation_types(view, hop.node["id"]),
                                   **_edge(hop)})
    examples = [{**ref(h.node), **_edge(h)}
                for h in view.into(strategy_id, "illustrates")]
    return {
        "strategy": {**ref(node), "actor": _actor(node), "definition": node.get("definition", {}),
                     "part_of": [ref(h.node) for h in view.out(strategy_id, "partOf")],
                     "parts": [ref(h.node) for h in view.into(strategy_id, "partOf")],
                     "evidence": node.get("evidence", [])},
        "barriers": barriers,
        "mechanisms": mechanisms,
        "examples": examples,
        "policies": _policies(view, [b["id"] for b in barriers]),
        "related": _related(view, scope),
    }


def trace_mechanism(view: GraphView, mechanism_id: str) -> dict[str, Any]:
    """What hinders and strengthens a mechanism, and the cases and theories behind it."""
    node = view.node(mechanism_id)
    barriers = [{**ref(h.node), "dimension": _dimension(view, h.node["id"]),
                 **_edge(h)} for h in view.into(mechanism_id, "hinders")]
    strategies = [_strategy_entry(h, "strengthens", mechanism_id)
                  for h in view.into(mechanism_id, "strengthens") if h.node["class"] == "Strategy"]
    strategies += [_strategy_entry(h, "mitigates", b["id"]) for b in barriers
                   for h in view.into(b["id"], "mitigates") if h.node["class"] == "Strategy"]

    def hops(relation: str, outgoing: bool = True) -> list[dict[str, Any]]:
        walk = view.out if outgoing else view.into
        return [{**ref(h.node), **_edge(h)} for h in walk(mechanism_id, relation)]

    return {
        "mechanism": {**ref(node), "definition": node.get("definition", {}),
                      "dimension": _dimension(view, mechanism_id),
                      "evidence": node.get("evidence", [])},
        "stages": sorted(hops("hasStage"),
                         key=lambda s: view.node(s["id"]).get("properties", {}).get("order", 0)),
        "innovation_types": _innovation_types(view, mechanism_id),
        "barriers": barriers,
        "strategies": strategies,
        "theories": hops("grounds", outgoing=False),
        "cases": _cases_for_mechanisms(view, [mechanism_id]),
        "reinforces": hops("reinforces") + [{**r, "direction": "in"}
                                            for r in hops("reinforces", outgoing=False)],
        "effects": hops("produces"),
        "examples": hops("illustrates", outgoing=False),
        "statistics": [{**r, "properties": view.node(r["id"]).get("properties", {})}
                       for r in hops("hasStatistic")],
        "policies": _policies(view, [mechanism_id]),
        "related": _related(view, [mechanism_id]),
    }


TRACES = {"barrier": (trace_barrier, ("Barrier", "Problem")),
          "strategy": (trace_strategy, ("Strategy",)),
          "mechanism": (trace_mechanism, ("Mechanism", "InnovationMode"))}


def show(view: GraphView, node_id: str) -> dict[str, Any]:
    """An entity card: labels, definition, properties, and every relation in and out."""
    node = view.node(node_id)
    return {
        "entity": {**ref(node), "alt_labels": node.get("alt_labels", {}),
                   "definition": node.get("definition", {}),
                   "properties": node.get("properties", {}), "origin": node.get("origin"),
                   "evidence": node.get("evidence", [])},
        "outgoing": [{"relation": h.relation, "modality": h.edge["modality"], **ref(h.node),
                      **_edge(h)} for h in view.out(node_id)],
        "incoming": [{"relation": h.relation, "modality": h.edge["modality"], **ref(h.node),
                      **_edge(h)} for h in view.into(node_id)],
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
            row["dimension"] = _dimension(view, node["id"])
        if node["class"] == "Policy":
            row["issued_by"] = [ref(h.node) for h in view.out(node["id"], "issuedBy")]
        rows.append(row)
    return rows


def cases_table(view: GraphView) -> list[dict[str, Any]]:
    """Table 1 of paper 000 rebuilt from the graph: indicators, practices and outcomes."""
    rows = []
    for case in sorted(view.of_class("Case"), key=lambda c: c["label"].get("en", c["id"])):
        props = case.get("properties", {})
        practices = {}
        for hop in view.out(case["id"], "hasPractice"):
            for mech in view.out(hop.node["id"], "exemplifies"):
                practices[mech.node["id"]] = {**ref(hop.node), "mechanism": ref(mech.node),
                                              "evidence": hop.node.get("evidence", [])}
        outcomes = [{**ref(h.node), "properties": h.node.get("properties", {}),
                     **_edge(h)} for h in view.out(case["id"], "achieves")]
        rows.append({**ref(case), "enterpriseType": props.get("enterpriseType"),
                     "industry": props.get("industry"), "size": props.get("size"),
                     "indicators": {k: props.get(k) for k in TABLE1_INDICATORS},
                     "practices": [practices[k] for k in sorted(practices)],
                     "outcomes": outcomes})
    return rows


def search(view: GraphView, text: str, *, limit: int = 20,
           include_background: bool = False) -> list[dict[str, Any]]:
    """Entities ranked by fuzzy match of labels, alternative labels and evidence text."""
    pool = [n for n in view.nodes.values()
            if include_background or n["class"] not in BACKGROUND_CLASSES]
    hits = rank(pool, text, with_evidence=True, limit=limit)
    return [{**ref(c.node), "score": c.score, "matched": c.how} for c in hits]


def paths(view: GraphView, source: str, target: str, *, limit: int = 5) -> list[list[dict[str, Any]]]:
    """Shortest paths between two entities, edges in either direction, each hop with evidence."""
    import networkx as nx

    keep = {nid for nid, n in view.nodes.items() if n["class"] not in BACKGROUND_CLASSES}
    keep |= {source, target}
    undirected = nx.Graph(view.graph.subgraph(keep))
    try:
        found = nx.all_shortest_paths(undirected, source, target)
        routes = []
        for route in found:
            routes.append(route)
            if len(routes) >= limit:
                break
    except nx.NetworkXNoPath:
        return []
    out = []
    for route in sorted(routes):
        hops = []
        for a, b in zip(route, route[1:], strict=False):
            for u, v in ((a, b), (b, a)):
                for key, data in sorted(view.graph.get_edge_data(u, v, default={}).items()):
                    edge = data["data"]
                    hops.append({"source": ref(view.node(u)), "relation": key,
                                 "target": ref(view.node(v)), "modality": edge["modality"],
                                 "evidence": edge["evidence"]})
        out.append(hops)
    return out
