"""The visual encoding of the page: colour, shape and size by class, labels by language, edge
width by evidence. Pure functions of the data; no randomness.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from kg.render import label as text_label


@dataclass(frozen=True)
class ClassStyle:
    """How nodes of one ontology class are drawn (vis-network shapes with the label below)."""

    color: str
    shape: str
    size: int


CLASS_STYLES: dict[str, ClassStyle] = {
    "Barrier": ClassStyle("#d1495b", "triangleDown", 18),
    "Problem": ClassStyle("#f28e2b", "diamond", 15),
    "Mechanism": ClassStyle("#2a6fdb", "hexagon", 26),
    "MechanismStage": ClassStyle("#9dbdf0", "dot", 11),
    "Dimension": ClassStyle("#1d3557", "star", 18),
    "InnovationType": ClassStyle("#2a9d5c", "star", 22),
    "InnovationMode": ClassStyle("#66c2a5", "triangle", 15),
    "Effect": ClassStyle("#7cb342", "dot", 13),
    "CompetitionEffect": ClassStyle("#c0d96a", "hexagon", 13),
    "Strategy": ClassStyle("#e9a800", "square", 14),
    "Policy": ClassStyle("#8e5cb5", "square", 14),
    "Programme": ClassStyle("#c9a0dc", "triangle", 12),
    "Organization": ClassStyle("#7a8691", "dot", 11),
    "Platform": ClassStyle("#4f5d6b", "hexagon", 13),
    "Theory": ClassStyle("#17a2b8", "diamond", 13),
    "Case": ClassStyle("#a0522d", "triangle", 16),
    "Practice": ClassStyle("#d9a066", "dot", 11),
    "Outcome": ClassStyle("#b5892e", "star", 13),
    "Sample": ClassStyle("#5d4037", "square", 13),
    "Statistic": ClassStyle("#9aa5b1", "diamond", 9),
    "QuantitativeStatement": ClassStyle("#c5ccd3", "dot", 7),
    "Reference": ClassStyle("#b3bcc6", "triangle", 7),
    "Document": ClassStyle("#34495e", "square", 18),
}
#: Classes labelled at any zoom, in priority order (a label that would overlap one drawn before
#: it is left out until zoomed in); the other classes are labelled once zoomed in.
LABELLED_CLASSES = ("Mechanism", "Barrier", "Strategy", "InnovationType", "Dimension", "Problem")
FALLBACK_COLORS = ("#e76f51", "#264653", "#f4a261", "#6a4c93", "#1982c4", "#8ac926")
FALLBACK_SHAPES = ("dot", "square", "diamond", "triangle")

#: Characters of a canvas label before it is cut with "…" (the side panel shows it whole).
LABEL_CHARS = {"zh": 16, "en": 30}


def class_style(cls: str) -> ClassStyle:
    """The style of a class; unknown classes get a stable one derived from the name."""
    if cls in CLASS_STYLES:
        return CLASS_STYLES[cls]
    digest = int(hashlib.sha256(cls.encode()).hexdigest(), 16)
    return ClassStyle(FALLBACK_COLORS[digest % len(FALLBACK_COLORS)],
                      FALLBACK_SHAPES[digest // 7 % len(FALLBACK_SHAPES)], 12)


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis.

    >>> shorten("Dual dilemma of data quality and security", 12)
    'Dual dilemm…'
    """
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def node_label(node: dict[str, Any], lang: str) -> str:
    """The canvas label: one language, or Chinese over English for ``both``."""
    if lang == "both":
        labels = node.get("label") or {}
        lines = [shorten(labels[k], LABEL_CHARS[k]) for k in ("zh", "en") if labels.get(k)]
        return "\n".join(lines) or node["id"]
    return shorten(text_label(node, lang), LABEL_CHARS.get(lang, 30))


def relation_label(relation: str, info: dict[str, Any], lang: str) -> str:
    """An edge's label: the relation's label in the chosen language(s)."""
    labels = info.get("label") or {}
    if lang == "both":
        return " ".join(dict.fromkeys(v for v in (labels.get("zh"), labels.get("en") or relation)
                                      if v))
    return labels.get(lang) or labels.get("en") or relation


def edge_width(evidence_count: int) -> float:
    """Line width from the number of evidence passages: 1 → 1.5, 2 → 3, 3 → 4.5, 4+ → 6.

    >>> [edge_width(n) for n in (0, 1, 2, 3, 9)]
    [1.0, 1.5, 3.0, 4.5, 6.0]
    """
    if evidence_count <= 0:
        return 1.0
    return 1.5 * min(evidence_count, 4)
