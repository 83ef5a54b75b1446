"""Records shared by the ingest parts (contract of issue 10): proposals and alignments.

All records are frozen dataclasses. Offsets are Python string indices into the text given
to ``propose``; ``text[start:end]`` equals ``quote`` ignoring whitespace.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ProposedEntity:
    id: str  # "<kind>/<slug>", lowercase ascii, prefixed by the doc id ("barrier/d005-data-security")
    type: str  # an ontology class: Barrier, Strategy, Mechanism, Theory, Policy, Organization, ...
    label: dict[str, str]  # {"zh": ...} and/or {"en": ...}
    quote: str  # verbatim from the text (whitespace-insensitive), 2–2000 chars
    start: int
    end: int
    section: str | None  # section id as kg.documents parses it ("4.1", "abstract-zh", ...)
    confidence: float  # 0..1
    rule: str  # the rule or signal that proposed it, human readable
    properties: dict[str, Any] = field(default_factory=dict)  # {"actor": ...}, {"date": ..., "title": ...}


@dataclass(frozen=True)
class ProposedRelation:
    subject: str
    predicate: str  # mitigates, hinders, grounds, issuedBy, strengthens, partOf, ...
    object: str
    quote: str
    start: int
    end: int
    section: str | None
    confidence: float
    rule: str
    modality: str = "stated"  # or "recommended" for strategies


@dataclass(frozen=True)
class Proposal:
    document: str
    entities: tuple[ProposedEntity, ...]
    relations: tuple[ProposedRelation, ...]


@dataclass(frozen=True)
class Alignment:
    entity: str  # the proposed entity id
    match: str  # an existing graph entity id (any paper)
    score: float  # 0..1
    quotes: tuple[dict, ...]  # evidence of both sides: {"document", "section", "start", "end", "quote"}
