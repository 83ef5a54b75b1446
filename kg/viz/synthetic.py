"""A seeded random graph in the stored projection's shape, for load tests and benchmarks.

It looks like a large coded corpus: the seed build's class mix, several papers, a few
dimensions that barriers and mechanisms belong to, actors on strategies and policies, edges
whose relation fits their ends (a barrier hinders a mechanism, a strategy mitigates a barrier
…), every modality, about 4 % drafts, and words in labels, definitions and quotes that a search
can find. Same arguments → the same graph.
"""

from __future__ import annotations

import random
from typing import Any

from kg.errors import KgError

#: (class, share of the nodes) roughly as in the seed build, background classes left out.
CLASS_MIX = (("Barrier", 8), ("Problem", 6), ("Mechanism", 3), ("MechanismStage", 4),
             ("InnovationMode", 6), ("InnovationType", 2), ("Strategy", 12), ("Policy", 5),
             ("Programme", 6), ("Organization", 7), ("Platform", 4), ("Case", 4),
             ("Practice", 6), ("Theory", 4), ("Effect", 3), ("CompetitionEffect", 4),
             ("Outcome", 4), ("Statistic", 10))
#: (source class, relation, target class) the edges are drawn from, then any pair as "relatedTo".
RELATIONS = (("Barrier", "hinders", "Mechanism"), ("Problem", "hinders", "Mechanism"),
             ("Strategy", "mitigates", "Barrier"), ("Strategy", "strengthens", "Mechanism"),
             ("Mechanism", "promotes", "InnovationType"), ("Case", "experiences", "Barrier"),
             ("Case", "hasPractice", "Practice"), ("Practice", "exemplifies", "Mechanism"),
             ("Policy", "mitigates", "Barrier"), ("Policy", "issuedBy", "Organization"),
             ("Barrier", "partOf", "Barrier"), ("Barrier", "hasStatistic", "Statistic"),
             ("Programme", "implements", "Policy"), ("Platform", "supports", "Practice"),
             ("InnovationMode", "leadsTo", "Outcome"), ("Theory", "explains", "Mechanism"),
             ("Effect", "affects", "CompetitionEffect"), ("Barrier", "closeMatch", "Barrier"))
MODALITIES = ("stated", "stated", "evidenced", "evidenced", "recommended", "aligned")
WORDS = ("data", "security", "privacy", "platform", "talent", "finance", "policy", "digital",
         "supply", "chain", "skills", "cost", "culture", "market", "cloud", "standard",
         "数据", "安全", "平台", "人才", "融资", "政策", "数字", "供应链", "成本", "标准")
ACTORS = ("government", "enterprise", "platform")
DIMENSIONS = ("information", "resource", "organization", "institution", "technology")
PAPERS = 6


def parse_size(text: str) -> tuple[int, int]:
    """``"20000,60000"`` → (20000, 60000); anything else is a one-line error.

    >>> parse_size("20000,60000")
    (20000, 60000)
    """
    parts = [p.strip() for p in text.split(",")]
    try:
        n_nodes, n_edges = (int(p) for p in parts)
    except ValueError:
        raise KgError(f"--synthetic takes NODES,EDGES (two whole numbers), not {text!r}",
                      hint="e.g. --synthetic 20000,60000") from None
    if not 2 <= n_nodes <= 1_000_000 or not 0 <= n_edges <= n_nodes * (n_nodes - 1) // 2 \
            or n_edges > 5_000_000:
        raise KgError(f"--synthetic {text}: need 2..1000000 nodes and at most "
                      "min(n(n-1)/2, 5000000) edges")
    return n_nodes, n_edges


def _quotes(rng: random.Random, count: int = 4096) -> list[str]:
    """A pool of quotes of 3 to 9 words (drawn from once per evidence item: fast)."""
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9))) for _ in range(count)]


def _evidence(rng: random.Random, pool: list[str], document: str,
              count: int) -> list[dict[str, Any]]:
    out = []
    for _ in range(count):
        draw = int(rng.random() * 2**40)
        quote = pool[draw % len(pool)]
        start = draw // len(pool) % 90_000
        out.append({"document": document, "section": f"{draw % 6 + 1}.{draw % 4 + 1}",
                    "start": start, "end": start + len(quote), "quote": quote})
    return out


def _classes(n_nodes: int) -> list[str]:
    """``n_nodes`` class names in the mix's proportions (largest remainder, deterministic)."""
    total = sum(share for _, share in CLASS_MIX)
    counts = {cls: n_nodes * share // total for cls, share in CLASS_MIX}
    short = n_nodes - sum(counts.values())
    for cls, _ in sorted(CLASS_MIX, key=lambda c: -c[1])[:short]:
        counts[cls] += 1
    return [cls for cls, _ in CLASS_MIX for _ in range(counts[cls])]


def synthetic_projection(n_nodes: int = 3000, n_edges: int = 4500,
                         seed: int = 7) -> dict[str, Any]:
    """A random graph the size of a large coded corpus, seeded (same seed → same graph)."""
    rng = random.Random(seed)
    pool = _quotes(rng)
    documents = {f"{i:03d}": {"title": {"en": f"Synthetic paper {i}", "zh": f"合成论文 {i}"}}
                 for i in range(PAPERS)}
    dims = [{"id": f"dimension/{d}", "class": "Dimension",
             "label": {"zh": f"{d}维度", "en": f"{d.title()} dimension"}, "alt_labels": {},
             "definition": {}, "document": "000", "origin": "annotation", "properties": {},
             "evidence": []} for d in DIMENSIONS[:max(1, min(len(DIMENSIONS), n_nodes // 100))]]
    nodes = []
    for i, cls in enumerate(_classes(n_nodes - len(dims))):
        words = [rng.choice(WORDS) for _ in range(2)]
        document = f"{rng.randrange(PAPERS):03d}"
        node = {"id": f"{cls.lower()}/n{i:05d}", "class": cls,
                "label": {"zh": f"节点{i} {words[0]}", "en": f"Node {i} {words[1]}"},
                "alt_labels": {"en": [f"{words[1]} {rng.choice(WORDS)}"]} if i % 3 == 0 else {},
                "definition": {"en": " ".join(rng.choice(WORDS) for _ in range(8))}
                if i % 2 == 0 else {},
                "document": document, "origin": "annotation", "properties": {},
                "evidence": _evidence(rng, pool, document, i % 3)}
        if cls in ("Strategy", "Policy"):
            node["properties"]["actor"] = rng.choice(ACTORS)
        if rng.random() < 0.04:
            node["status"] = "draft"
        nodes.append(node)
    by_class: dict[str, list[str]] = {}
    for node in nodes:
        by_class.setdefault(node["class"], []).append(node["id"])
    ids = [n["id"] for n in nodes] + [d["id"] for d in dims]
    edges: dict[tuple[str, str, str], dict[str, Any]] = {}

    document_of = {n["id"]: n["document"] for n in [*nodes, *dims]}

    def source_doc(node_id: str) -> str:
        return document_of[node_id]

    def add(source: str, relation: str, target: str, modality: str) -> None:
        edge = {"source": source, "target": target, "relation": relation,
                "type": relation.upper(), "modality": modality, "origin": "annotation",
                "evidence": _evidence(rng, pool, source_doc(source), 1 + int(rng.random() * 4))}
        if rng.random() < 0.04:
            edge["status"] = "draft"
        edges.setdefault((source, relation, target), edge)

    for cls in ("Barrier", "Mechanism"):  # most barriers and mechanisms sit in a dimension
        for node_id in by_class.get(cls, []):
            if dims and rng.random() < 0.8 and len(edges) < n_edges:
                add(node_id, "inDimension", rng.choice(dims)["id"], "stated")
    while len(edges) < n_edges:
        source_cls, relation, target_cls = rng.choice(RELATIONS)
        if rng.random() < 0.15 or not by_class.get(source_cls) or not by_class.get(target_cls):
            source, target = rng.sample(ids, 2)
            relation = "relatedTo"
        else:
            source, target = rng.choice(by_class[source_cls]), rng.choice(by_class[target_cls])
            if source == target:
                continue
        add(source, relation, target,
            "aligned" if relation == "closeMatch" else rng.choice(MODALITIES[:5]))
    relations = sorted({key[1] for key in edges})
    return {"documents": documents, "classes": {},
            "relations": {r: {"label": {"en": r}, "type": r.upper()} for r in relations},
            "nodes": sorted([*nodes, *dims], key=lambda n: n["id"]),
            "edges": [edges[k] for k in sorted(edges)]}
