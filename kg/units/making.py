"""Making one unit's fragment: the work that may run in a worker process (:mod:`kg.units.workers`).

A :class:`UnitMaker` holds what every unit may read (the ontology, the documents and their
lazily indexed texts) and makes fragments: a document's at once; an annotation file's in
three steps, because its relations are checked against every entity of the corpus: ``open``
(read the file), ``entities`` (its entity rows, for the checks across units), ``make`` (its
relations against the classes and home documents of all entities, then its fragment).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from kg.documents import DocumentText
from kg.loaders.annotations import AnnotationFile
from kg.loaders.citations import find_citations
from kg.loaders.quantities import find_quantities
from kg.loaders.yaml_source import LINE_KEY
from kg.model import Corpus, Document, Entity
from kg.ontology import Ontology
from kg.units.fragment import EntityRow, Fragment, make_fragment, stage

#: Marks a cached warning that began with its file's path (put back when it is shown).
RELATIVE = "\0"


class Texts(Mapping[str, DocumentText]):
    """Document texts by id, each indexed only when a unit that quotes it is loaded."""

    def __init__(self, documents: list[Document]) -> None:
        self._documents = {doc.id: doc for doc in documents}
        self._texts: dict[str, DocumentText] = {}

    def __getitem__(self, doc_id: str) -> DocumentText:
        if doc_id not in self._texts:
            doc = self._documents[doc_id]
            self._texts[doc_id] = DocumentText(doc.id, doc.text)
        return self._texts[doc_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._documents)

    def __len__(self) -> int:
        return len(self._documents)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._documents


def unit_name(path: Path) -> str:
    """The name of an annotation file's unit (independent of where the source is)."""
    return f"annotations/{path.name}"


class UnitMaker:
    """Makes the fragments of a source's units (see the module docstring)."""

    def __init__(self, documents: list[Document], ontology: Ontology,
                 staging: Path | None = None) -> None:
        self.documents = {doc.id: doc for doc in documents}
        #: Where made fragments' files are written at once (:func:`kg.units.fragment.stage`).
        self.staging = staging
        self.ontology = ontology
        self.texts = Texts(documents)
        self.shas = {doc.id: doc.sha256 for doc in documents}
        self.files: dict[Path, AnnotationFile] = {}
        self.entity_objects: dict[Path, list[Entity]] = {}

    def document(self, doc_id: str, key: str) -> Fragment:
        """A document's fragment: its node, structure, and what the parser finds in its text."""
        doc = self.documents[doc_id]
        text = self.texts[doc_id]
        part = Corpus(documents=[doc], sections=list(text.sections), tables=list(text.tables))
        references, cites = find_citations(text)
        part.entities.extend(references)
        part.relations.extend(cites)
        part.entities.extend(find_quantities(text))
        return self._staged(make_fragment(
            key, "document", f"documents/{doc.id}", part, self.ontology,
            entities=[(e.id, e.type, e.document, 0) for e in part.entities],
            relations=[(*r.key, 0) for r in part.relations], warnings=[], depends={}))

    def open(self, path: Path) -> None:
        """Read an annotation file (its top level checked)."""
        self.files[path] = AnnotationFile(path, self.ontology, self.texts)

    def entities(self, path: Path) -> list[EntityRow]:
        """The rows of an opened file's entities, each checked."""
        annotation = self.files[path]
        objects = annotation.entities()
        self.entity_objects[path] = objects
        return [(e.id, e.type, e.document, int(raw.get(LINE_KEY, 0)))
                for raw, e in zip(annotation.raw_entities, objects, strict=True)]

    def make(self, path: Path, key: str, types: dict[str, str],
             homes: dict[str, str]) -> Fragment:
        """An annotation file's fragment, its relations checked against ``types``/``homes``."""
        if path not in self.files:  # its entities came from the cache, its relations cannot
            self.open(path)
        if path not in self.entity_objects:
            self.entities(path)
        annotation = self.files[path]
        entities = self.entity_objects[path]
        relations = annotation.relations(types, homes)
        documents = {annotation.document} | {e.document for e in entities}
        for item in (*entities, *relations):
            documents.update(p.document for p in item.evidence)
        links = {i: [types[i], homes[i]] for r in relations for i in (r.subject, r.object)}
        shown = " ".join(str(path).split())
        warnings = [RELATIVE + w[len(shown):] if w.startswith(shown) else w
                    for w in annotation.warnings]
        lines = [int(raw.get(LINE_KEY, 0)) for raw in annotation.raw_relations]
        return self._staged(make_fragment(
            key, "annotation", unit_name(path), Corpus(entities=list(entities),
                                                       relations=relations), self.ontology,
            entities=[(e.id, e.type, e.document, int(raw.get(LINE_KEY, 0)))
                      for raw, e in zip(annotation.raw_entities, entities, strict=True)],
            relations=[(*r.key, line) for r, line in zip(relations, lines, strict=True)],
            warnings=warnings,
            depends={"documents": {d: self.shas[d] for d in sorted(documents)},
                     "links": dict(sorted(links.items()))}))

    def _staged(self, fragment: Fragment) -> Fragment:
        """The fragment, its files written to the staging directory (if there is one)."""
        if self.staging is not None:
            try:
                stage(fragment, self.staging)
            except OSError:
                pass  # not kept: made again next time
        return fragment
