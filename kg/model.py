"""Small frozen records that flow from the loaders to the graph builder and the exporters."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

PropertyValue = Union[str, int, float]
#: The status of a proposed item that no one has reviewed yet (absent status = reviewed).
DRAFT = "draft"


@dataclass(frozen=True)
class Passage:
    """A located span of a document: the evidence behind an entity or a relation."""

    document: str
    start: int
    end: int
    text: str
    section: str | None

    @property
    def id(self) -> str:
        return f"passage/{self.document}/{self.start}-{self.end}"


@dataclass(frozen=True)
class Section:
    """A numbered heading of a document and the span it covers."""

    document: str
    number: str
    title: str
    start: int
    end: int
    parent: str | None

    @property
    def id(self) -> str:
        return f"section/{self.document}/{self.number}"


@dataclass(frozen=True)
class Table:
    """A captioned table of a document."""

    document: str
    number: int
    caption_en: str
    caption_zh: str
    start: int
    end: int
    section: str | None

    @property
    def id(self) -> str:
        return f"table/{self.document}/{self.number}"


@dataclass(frozen=True)
class Document:
    """A source document with its metadata and decoded text."""

    id: str
    file: str
    title: dict[str, str]
    language: tuple[str, ...]
    source: str
    sha256: str
    text: str = field(repr=False)
    #: The paper's known bibliographic fields (authors, year, venue, doi, url …); blank ones absent.
    bibliography: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Entity:
    """A node of the domain model (barrier, mechanism, case …) with its evidence."""

    id: str
    type: str
    label: dict[str, str]
    document: str
    evidence: tuple[Passage, ...]
    alt_labels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    definition: dict[str, str] = field(default_factory=dict)
    properties: dict[str, PropertyValue] = field(default_factory=dict)
    origin: str = "annotation"
    #: ``"draft"`` for a proposed, not yet reviewed item (``status: draft``); None: reviewed.
    status: str | None = None
    #: Provenance of a proposed item (kept after review): how sure the proposer was, and why.
    confidence: float | None = None
    rule: str | None = None

    @property
    def draft(self) -> bool:
        return self.status == DRAFT


@dataclass(frozen=True)
class Relation:
    """A typed, evidenced edge between two entities."""

    subject: str
    predicate: str
    object: str
    modality: str
    evidence: tuple[Passage, ...]
    origin: str = "annotation"
    #: ``"draft"`` for a proposed, not yet reviewed relation; None: reviewed.
    status: str | None = None
    confidence: float | None = None
    rule: str | None = None

    @property
    def draft(self) -> bool:
        return self.status == DRAFT

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.subject, self.predicate, self.object)


@dataclass
class Corpus:
    """Everything one build reads: documents, their structure, entities and relations."""

    documents: list[Document] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    #: Advice that does not stop the build, one line each (``where: what (hint)``).
    warnings: list[str] = field(default_factory=list)
