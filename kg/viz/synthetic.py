"""A seeded random graph in the stored projection's shape, for load tests and benchmarks."""

from __future__ import annotations

import random
from typing import Any


def _evidence(quote: str) -> list[dict[str, Any]]:
    return [{"document": "000", "section": "1", "start": 0, "end": len(quote), "quote": quote}]


def synthetic_projection(n_nodes: int = 3000, n_edges: int = 4500,
                         seed: int = 7) -> dict[str, Any]:
    """A random graph the size of a large coded corpus, seeded (same seed → same graph)."""
    rng = random.Random(seed)
    classes = ["Barrier", "Mechanism", "Strategy", "InnovationType", "Case", "Practice",
               "Policy", "Organization"]
    relations = ["hinders", "mitigates", "strengthens", "promotes", "involves"]
    nodes = [{"id": f"{classes[i % 8].lower()}/n{i:05d}", "class": classes[i % 8],
              "label": {"zh": f"节点{i}", "en": f"Node {i}"}, "alt_labels": {},
              "definition": {}, "document": "000", "origin": "annotation", "properties": {},
              "evidence": _evidence(f"引文 {i}")} for i in range(n_nodes)]
    ids = [n["id"] for n in nodes]
    edges: dict[tuple[str, str, str], dict[str, Any]] = {}
    while len(edges) < n_edges:
        source, target = rng.sample(ids, 2)
        relation = rng.choice(relations)
        edges[(source, relation, target)] = {
            "source": source, "target": target, "relation": relation, "type": relation.upper(),
            "modality": "stated", "origin": "annotation",
            "evidence": _evidence("q") * rng.randint(1, 4)}
    return {"documents": {"000": {"title": {"en": "Synthetic", "zh": "合成"}}},
            "classes": {}, "relations": {r: {"label": {"en": r}, "type": r.upper()}
                                         for r in relations},
            "nodes": sorted(nodes, key=lambda n: n["id"]),
            "edges": [edges[k] for k in sorted(edges)]}
