"""The headline walks — from a barrier, a strategy or a mechanism — across both papers.

A walk starts from *anchors*: the root itself, its parts, the whole it is part of, and the
entities of the other paper it is aligned with (``closeMatch``). Every item of a result says how
it was reached, so a reader never mistakes another paper's claim or a parent's relation for the
root's own:

- ``via`` / ``target``: the relation and the node it touches (``strategy -mitigates-> target``);
- ``via_part``: the relation belongs to a part of the root;
- ``inherited_from``: the relation belongs to the whole the root is part of;
- ``via_match``: the item was reached through an alignment to the other paper (the
  ``closeMatch`` hop, with its own modality and evidence);
- ``aligned``: the item rests on an annotators' alignment (``via_match`` or an ``aligned`` edge);
- ``document`` and ``modality``: the item's paper and how the paper backs the last hop;
- ``status: "draft"`` (only on drafts): the item, its last hop or its alignment hop was proposed
  by ``kg ingest`` and is not reviewed yet (``--reviewed-only`` leaves such items out).

Every function takes a :class:`~kg.graphview.GraphView` and returns JSON-ready data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Optional

from kg.graphview import GraphView, Hop
from kg.queries import dimension_of, edge_info, ref

#: Relations through which a policy bears on a barrier, a strategy or a mechanism.
POLICY_RELATIONS = ("mitigates", "addresses", "strengthens")


@dataclass(frozen=True)
class Anchor:
    """A node a walk starts from, and how it stands to the root."""

    id: str
    qualifiers: dict[str, Any] = field(default_factory=dict)

    @property
    def own(self) -> bool:
        return not self.qualifiers


def _match_hop(hop: Hop) -> dict[str, Any]:
    return {**ref(hop.node), "relation": "closeMatch", **edge_info(hop)}


def _matches(view: GraphView, node_id: str) -> list[Hop]:
    return [*view.out(node_id, "closeMatch"), *view.into(node_id, "closeMatch")]


def anchors(view: GraphView, root: str, *, parents: bool = True) -> list[Anchor]:
    """The root, its parts, its wholes, and the other paper's matches of the root and its parts."""
    found = [Anchor(root)]
    parts = [Anchor(h.node["id"], {"via_part": h.node["id"]}) for h in view.into(root, "partOf")]
    found += parts
    if parents:
        found += [Anchor(h.node["id"], {"inherited_from": h.node["id"]})
                  for h in view.out(root, "partOf")]
    for base in [Anchor(root), *parts]:
        for hop in _matches(view, base.id):
            found.append(Anchor(hop.node["id"], {**base.qualifiers,
                                                 "via_match": _match_hop(hop)}))
    seen: set[str] = set()
    out = []
    for anchor in found:
        if anchor.id not in seen:
            seen.add(anchor.id)
            out.append(anchor)
    return out


def _aligned(item: dict[str, Any]) -> dict[str, Any]:
    if item.get("via_match") or item.get("modality") == "aligned":
        item["aligned"] = True
    if (item.get("via_match") or {}).get("status") == "draft":
        item["status"] = "draft"  # reached only through a draft alignment
    return item


class Collector:
    """Items of one section, one per (entity, relation, target), own items before inherited."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self._keys: set[tuple[Any, ...]] = set()

    def add(self, item: dict[str, Any], *key: Any) -> None:
        full = (item["id"], *key)
        if full not in self._keys:
            self._keys.add(full)
            self.items.append(_aligned(item))


def _through(anchor: Anchor, hop: Hop, **extra: Any) -> dict[str, Any]:
    return {**ref(hop.node), **extra, **anchor.qualifiers, **edge_info(hop)}


def _actor(node: dict[str, Any]) -> Optional[str]:
    return node.get("properties", {}).get("actor")


def _innovation_types(view: GraphView, node_id: str) -> list[dict[str, Any]]:
    return [_aligned({**ref(h.node), **edge_info(h)}) for h in view.out(node_id, "promotes")]


def figure(props: dict[str, Any]) -> str:
    """A statistic's value for reading: ``38 %``, ``40 → 70 %``, ``100000 user reviews``.

    >>> figure({"before": 40, "after": 70, "unit": "%"})
    '40 → 70 %'
    >>> figure({"value": 38, "unit": "%"})
    '38 %'
    """
    unit = props.get("unit", "")
    if "before" in props and "after" in props:
        text = f"{_number(props['before'])} → {_number(props['after'])}"
    elif "value" in props:
        text = _number(props["value"])
    elif "count" in props:
        text = _number(props["count"])
    else:
        return ""
    return f"{text} {unit}".strip()


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def statistics(view: GraphView, holders: Iterable[Anchor]) -> list[dict[str, Any]]:
    """The quantitative claims about the anchors, with their value and cited references."""
    out = Collector()
    for anchor in holders:
        for hop in view.out(anchor.id, "hasStatistic"):
            props = hop.node.get("properties", {})
            sources = [ref(h.node) for h in view.out(hop.node["id"], "hasSource")]
            out.add(_through(anchor, hop, value=figure(props), properties=props,
                             **({"sources": sources} if sources else {})), anchor.id)
    return out.items


def examples(view: GraphView, holders: Iterable[Anchor]) -> list[dict[str, Any]]:
    """Named organizations, platforms and programmes that illustrate the anchors."""
    out = Collector()
    for anchor in holders:
        for hop in view.into(anchor.id, "illustrates"):
            out.add(_through(anchor, hop, via="illustrates", target=anchor.id), anchor.id)
    return out.items


def policies(view: GraphView, targets: Iterable[Anchor],
             strategies: Iterable[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """Policies that bear on the anchors, and policies that address a strategy of the walk."""
    out = Collector()

    def add(anchor: Anchor, hop: Hop, **extra: Any) -> None:
        if hop.node["class"] != "Policy":
            return
        props = hop.node.get("properties", {})
        out.add(_through(anchor, hop, date=props.get("date"),
                         issued_by=[ref(h.node) for h in view.out(hop.node["id"], "issuedBy")],
                         via=hop.relation, target=anchor.id, **extra), hop.relation, anchor.id)

    for anchor in targets:
        for hop in view.into(anchor.id, *POLICY_RELATIONS):
            add(anchor, hop)
    for strategy in strategies:
        for hop in view.into(strategy["id"], "addresses"):
            add(Anchor(strategy["id"], _carried(strategy)), hop, via_strategy=strategy["id"])
    return out.items


def _carried(item: dict[str, Any]) -> dict[str, Any]:
    """The qualifiers an item passes on to what is reached through it."""
    return {k: item[k] for k in ("via_part", "inherited_from", "via_match") if k in item}


def related(view: GraphView, ids: Iterable[str]) -> list[dict[str, Any]]:
    """The other paper's entities aligned (``closeMatch``) with any of ``ids``."""
    out = Collector()
    for node_id in ids:
        for hop in _matches(view, node_id):
            out.add({**ref(hop.node), "relation": "closeMatch", "match_of": node_id,
                     **edge_info(hop)})
    return out.items


def _root(view: GraphView, node_id: str, **extra: Any) -> dict[str, Any]:
    node = view.node(node_id)
    return {**ref(node), **extra, "definition": node.get("definition", {}),
            "alt_labels": node.get("alt_labels", {}),
            "part_of": [ref(h.node) for h in view.out(node_id, "partOf")],
            "parts": [ref(h.node) for h in view.into(node_id, "partOf")],
            "evidence": node.get("evidence", [])}


def _cases_for_mechanisms(view: GraphView, mechanisms: Iterable[dict[str, Any]]) -> Collector:
    out = Collector()
    for mech in mechanisms:
        for practice in view.into(mech["id"], "exemplifies"):
            for case in view.into(practice.node["id"], "hasPractice"):
                out.add({**ref(case.node), "role": "exemplifies", "mechanism": mech["id"],
                         "practice": ref(practice.node), **_carried(mech),
                         **edge_info(practice)}, mech["id"])
    return out


def trace_barrier(view: GraphView, barrier_id: str) -> dict[str, Any]:
    """A barrier's mechanisms, innovation types, strategies, policies, cases, statistics and
    examples — its own, its parts', its whole's, and those of the other paper's matches."""
    reach = anchors(view, barrier_id)
    own_and_parts = [a for a in reach if "inherited_from" not in a.qualifiers]
    mechanisms = Collector()
    hindering = [a for a in reach if a.own or set(a.qualifiers) == {"via_match"}]
    if not any(True for _ in view.out(barrier_id, "hinders")):
        hindering = own_and_parts  # an umbrella barrier: the mechanisms of its parts
    for anchor in hindering:
        for hop in view.out(anchor.id, "hinders"):
            extra = {} if anchor.own else {"via_barrier": anchor.id}
            mechanisms.add(_through(anchor, hop, **extra,
                                    innovation_types=_innovation_types(view, hop.node["id"])))
    strategies = Collector()
    for anchor in reach:
        for hop in view.into(anchor.id, "mitigates"):
            if hop.node["class"] == "Strategy":
                strategies.add(_through(anchor, hop, actor=_actor(hop.node), via="mitigates",
                                        target=anchor.id), "mitigates", anchor.id)
    for mech in mechanisms.items:
        mech_anchors = [Anchor(mech["id"], _carried(mech))]
        mech_anchors += [Anchor(h.node["id"], {**_carried(mech), "via_match": _match_hop(h)})
                         for h in _matches(view, mech["id"]) if "via_match" not in mech]
        for anchor in mech_anchors:
            for hop in view.into(anchor.id, "strengthens"):
                if hop.node["class"] == "Strategy":
                    strategies.add(_through(anchor, hop, actor=_actor(hop.node),
                                            via="strengthens", target=anchor.id),
                                   "strengthens", anchor.id)
    cases = Collector()
    for anchor in reach:
        if "via_match" in anchor.qualifiers:
            continue
        for hop in view.into(anchor.id, "experiences"):
            cases.add(_through(anchor, hop, role="experiences", barrier=anchor.id), anchor.id)
    for case in _cases_for_mechanisms(view, mechanisms.items).items:
        cases.add(case, case["mechanism"])
    return {
        "barrier": _root(view, barrier_id, dimension=dimension_of(view, barrier_id)),
        "mechanisms": mechanisms.items,
        "strategies": strategies.items,
        "policies": policies(view, reach, strategies.items),
        "cases": cases.items,
        "statistics": statistics(view, own_and_parts),
        "examples": examples(view, own_and_parts),
        "related": related(view, [a.id for a in reach if "via_match" not in a.qualifiers]),
    }


def trace_strategy(view: GraphView, strategy_id: str) -> dict[str, Any]:
    """The barriers a strategy mitigates and the mechanisms it strengthens or unblocks — its own
    and its parts' first, then (marked) the whole's and the other paper's matches'."""
    reach = anchors(view, strategy_id)
    node = view.node(strategy_id)
    barriers, mechanisms = Collector(), Collector()
    for anchor in reach:
        for hop in view.out(anchor.id, "mitigates"):
            barriers.add(_through(anchor, hop, via="mitigates",
                                  dimension=dimension_of(view, hop.node["id"])),
                         *anchor.qualifiers)
        for hop in view.out(anchor.id, "strengthens"):
            mechanisms.add(_through(anchor, hop, via="strengthens",
                                    innovation_types=_innovation_types(view, hop.node["id"])),
                           "strengthens", *anchor.qualifiers)
    for barrier in list(barriers.items):
        for hop in view.out(barrier["id"], "hinders"):
            mechanisms.add({**ref(hop.node), "via": "unblocks", "via_barrier": barrier["id"],
                            **_carried(barrier),
                            "innovation_types": _innovation_types(view, hop.node["id"]),
                            **edge_info(hop)}, "unblocks", *_carried(barrier))
    barriers.items = _own_first(barriers.items)
    mechanisms.items = _own_first(mechanisms.items)
    own_and_parts = [a for a in reach if "inherited_from" not in a.qualifiers]
    return {
        "strategy": _root(view, strategy_id, actor=_actor(node)),
        "barriers": barriers.items,
        "mechanisms": mechanisms.items,
        "statistics": statistics(view, own_and_parts),
        "examples": examples(view, own_and_parts),
        "policies": policies(view, [*reach, *(Anchor(b["id"], _carried(b))
                                              for b in barriers.items)]),
        "related": related(view, [a.id for a in reach if "via_match" not in a.qualifiers]),
    }


def _own_first(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Own items first; an entity reached through a part, a whole or a match is dropped where
    the root reaches it itself, and kept once otherwise."""
    own = [i for i in items if not _carried(i)]
    seen = {i["id"] for i in own}
    rest = []
    for item in items:
        if _carried(item) and item["id"] not in seen:
            seen.add(item["id"])
            rest.append(item)
    return own + rest


def trace_mechanism(view: GraphView, mechanism_id: str) -> dict[str, Any]:
    """What hinders and strengthens a mechanism (and its match in the other paper), with the
    cases, theories, stages, effects and statistics behind it."""
    reach = anchors(view, mechanism_id, parents=False)
    barriers, strategies = Collector(), Collector()
    for anchor in reach:
        for hop in view.into(anchor.id, "hinders"):
            barriers.add(_through(anchor, hop, via="hinders", target=anchor.id,
                                  dimension=dimension_of(view, hop.node["id"])), anchor.id)
        for hop in view.into(anchor.id, "strengthens"):
            if hop.node["class"] == "Strategy":
                strategies.add(_through(anchor, hop, actor=_actor(hop.node), via="strengthens",
                                        target=anchor.id), "strengthens", anchor.id)
    for barrier in barriers.items:
        for hop in view.into(barrier["id"], "mitigates"):
            if hop.node["class"] == "Strategy":
                strategies.add(_through(Anchor(barrier["id"], _carried(barrier)), hop,
                                        actor=_actor(hop.node), via="mitigates",
                                        target=barrier["id"]), "mitigates", barrier["id"])
    own = Anchor(mechanism_id)

    def hops(relation: str, outgoing: bool = True) -> list[dict[str, Any]]:
        walk: Callable[..., Iterable[Hop]] = view.out if outgoing else view.into
        return [_aligned({**ref(h.node), **edge_info(h)}) for h in walk(mechanism_id, relation)]

    return {
        "mechanism": _root(view, mechanism_id, dimension=dimension_of(view, mechanism_id)),
        "stages": sorted(hops("hasStage"),
                         key=lambda s: view.node(s["id"]).get("properties", {}).get("order", 0)),
        "innovation_types": _innovation_types(view, mechanism_id),
        "barriers": barriers.items,
        "strategies": strategies.items,
        "theories": hops("grounds", outgoing=False),
        "cases": _cases_for_mechanisms(view, [{"id": mechanism_id}]).items,
        "reinforces": hops("reinforces") + [{**r, "direction": "in"}
                                            for r in hops("reinforces", outgoing=False)],
        "effects": hops("produces"),
        "statistics": statistics(view, [own]),
        "examples": examples(view, reach),
        "policies": policies(view, [*reach, *(Anchor(b["id"], _carried(b))
                                              for b in barriers.items)], strategies.items),
        "related": related(view, [mechanism_id]),
    }


TRACES = {"barrier": (trace_barrier, ("Barrier", "Problem")),
          "strategy": (trace_strategy, ("Strategy",)),
          "mechanism": (trace_mechanism, ("Mechanism", "InnovationMode"))}


def sections(result: dict[str, Any]) -> dict[str, int]:
    """Each list of a trace with its number of distinct entities.

    >>> sections({"barrier": {"id": "b"}, "strategies": [{"id": "s"}, {"id": "s"}]})
    {'strategies': 1}
    """
    root = next(iter(result))
    return {key: len({item["id"] for item in value})
            for key, value in result.items() if key != root and isinstance(value, list)}


def only_document(result: dict[str, Any], document: str) -> dict[str, Any]:
    """A trace keeping only the items of one paper (the root stays)."""
    root = next(iter(result))
    return {key: ([i for i in value if i.get("document") == document]
                  if key != root and isinstance(value, list) else value)
            for key, value in result.items()}
