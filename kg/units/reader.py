"""Read a source directory as units, taking unchanged units' fragments from the cache.

The checks are those of :func:`kg.loaders.corpus.load_corpus`, in the same order: documents,
then every annotation file read, then entities (ids unique across the corpus), then relations
(their ends known and of classes the ontology allows; each relation stated once), then
``partOf`` cycles. A cached unit passed its own checks when it was made, with the same inputs,
so only what crosses units is checked again for it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.documents import DocumentText
from kg.errors import KgError
from kg.loaders.annotations import AnnotationFile
from kg.loaders.citations import find_citations
from kg.loaders.corpus import check_hierarchies, read_documents
from kg.loaders.parse_cache import keep_parsed
from kg.loaders.quantities import find_quantities
from kg.loaders.yaml_source import LINE_KEY
from kg.model import Corpus, Document, Entity, Relation
from kg.ontology import Ontology
from kg.units import code_digest
from kg.units.fragment import (EntityRow, Fragment, FragmentCache, compact_json,
                               fragment_key, make_fragment)

PARSER = "the parser"
#: Marks a cached warning that began with its file's path (put back when it is shown).
RELATIVE = "\0"
METADATA = "documents/metadata.yaml"


@dataclass
class Units:
    """A source read as units: its documents and one fragment per unit, in build order."""

    documents: list[Document]
    fragments: list[Fragment] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: How many fragments came from the cache, and how many were made.
    reused: int = 0
    made: int = 0


class _Texts(Mapping[str, DocumentText]):
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


def read_units(source: Path, ontology: Ontology, ontology_digest: str,
               cache: FragmentCache) -> Units:
    """The units of ``source``, checked; unchanged ones from ``cache``."""
    if not source.is_dir():
        raise KgError("source directory not found", where=str(source),
                      hint="pass --source DIR holding documents/ and annotations/")
    documents = read_documents(source)
    units = Units(documents)
    texts = _Texts(documents)
    code = code_digest()
    for doc in documents:  # sorted by id
        units.fragments.append(_document_fragment(doc, texts, ontology, cache,
                                                  fragment_key(code, ontology_digest,
                                                               *_document_inputs(doc)), units))
    files = _annotation_files(source)
    _AnnotationUnits(source, files, texts, ontology, cache, fragment_key, code,
                     ontology_digest, units).read()
    return units


def _document_inputs(doc: Document) -> tuple[str, str, str, str]:
    record = {"id": doc.id, "file": doc.file, "title": doc.title, "language": list(doc.language),
              "source": doc.source, "bibliography": doc.bibliography}
    return "document", f"documents/{doc.id}", compact_json(record), doc.sha256


def _document_fragment(doc: Document, texts: _Texts, ontology: Ontology, cache: FragmentCache,
                       key: str, units: Units) -> Fragment:
    """A document's fragment: its node, structure, and what the parser finds in its text."""
    name = f"documents/{doc.id}"
    cached = cache.get(key, "document", name)
    if cached is not None:
        units.reused += 1
        cache.keep(cached)
        return cached
    text = texts[doc.id]
    part = Corpus(documents=[doc], sections=list(text.sections), tables=list(text.tables))
    references, cites = find_citations(text)
    part.entities.extend(references)
    part.relations.extend(cites)
    part.entities.extend(find_quantities(text))
    fragment = make_fragment(
        key, "document", name, part, ontology,
        entities=[(e.id, e.type, e.document, 0) for e in part.entities],
        relations=[(*r.key, 0) for r in part.relations], warnings=[], depends={})
    units.made += 1
    cache.keep(fragment)
    return fragment


def _annotation_files(source: Path) -> list[Path]:
    annotation_dir = source / "annotations"
    files = sorted(annotation_dir.glob("*.yaml")) + sorted(annotation_dir.glob("*.yml"))
    if not files:
        raise KgError("no annotation files", where=str(annotation_dir),
                      hint="add <document-id>.yaml files (see docs/annotations.md)")
    return files


def _at(path: Path, line: int) -> str:
    return f"{path}:{line}" if line else str(path)


class _AnnotationUnits:
    """The annotation files of a source, read as units (see the module docstring)."""

    def __init__(self, source: Path, files: list[Path], texts: _Texts, ontology: Ontology,
                 cache: FragmentCache, key: Any, code: str, ontology_digest: str,
                 units: Units) -> None:
        self.source, self.files, self.texts, self.ontology = source, files, texts, ontology
        self.cache, self.units = cache, units
        self.keys: dict[Path, str] = {}
        self.cached: dict[Path, Fragment] = {}
        self.loaded: dict[Path, AnnotationFile] = {}
        for path in files:
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise KgError(f"cannot read file: {exc.strerror}", where=str(path)) from None
            keep_parsed(data)
            self.keys[path] = key(code, ontology_digest, "annotation",
                                  f"annotations/{path.name}", hashlib.sha256(data).hexdigest())
        self.shas = {doc.id: doc.sha256 for doc in units.documents}

    def read(self) -> None:
        for path in self.files:  # every file is read before any entity is checked
            fragment = self.cache.get(self.keys[path], "annotation", f"annotations/{path.name}")
            if fragment is not None and self._documents_unchanged(fragment):
                self.cached[path] = fragment
            else:
                self.loaded[path] = AnnotationFile(path, self.ontology, self.texts)
        entities = self._entities()
        types = {e[0]: e[1] for e in entities}
        homes = {e[0]: e[2] for e in entities}
        for doc in self.units.documents:
            types[f"document/{doc.id}"] = "Document"
            homes[f"document/{doc.id}"] = doc.id
        self._relations(types, homes)
        for path in self.files:
            fragment = self.cached.get(path)
            if fragment is not None:
                shown = " ".join(str(path).split())
                self.units.warnings.extend(shown + w[1:] if w.startswith(RELATIVE) else w
                                           for w in fragment.warnings)
            else:
                self.units.warnings.extend(self.loaded[path].warnings)

    def _documents_unchanged(self, fragment: Fragment) -> bool:
        documents = fragment.depends.get("documents")
        return isinstance(documents, dict) and all(
            self.shas.get(doc_id) == sha for doc_id, sha in documents.items())

    def _entities(self) -> list[EntityRow]:
        """Every entity of the corpus (documents' parser entities first), ids checked unique."""
        rows: list[EntityRow] = []
        origin: dict[str, str] = {}
        for fragment in self.units.fragments:
            for row in fragment.entities:
                rows.append(row)
                origin[row[0]] = PARSER
        for doc in self.units.documents:
            origin[f"document/{doc.id}"] = METADATA
        self.entity_objects: dict[Path, list[Entity]] = {}
        for path in self.files:
            if path in self.cached:
                file_rows = self.cached[path].entities
            else:
                annotation = self.loaded[path]
                objects = annotation.entities()
                self.entity_objects[path] = objects
                file_rows = [(e.id, e.type, e.document, int(raw.get(LINE_KEY, 0)))
                             for raw, e in zip(annotation.raw_entities, objects, strict=True)]
            for row in file_rows:
                at = _at(path, row[3])
                if row[0] in origin:
                    raise KgError(f"duplicate id '{row[0]}'", where=at,
                                  hint=f"already defined at {origin[row[0]]}; ids must be "
                                       "unique")
                origin[row[0]] = at
                rows.append(row)
        return rows

    def _relations(self, types: dict[str, str], homes: dict[str, str]) -> None:
        seen: dict[tuple[str, str, str], str] = {}
        for fragment in self.units.fragments:
            for s, p, o, _line in fragment.relations:
                seen[(s, p, o)] = PARSER
        for path in self.files:
            fragment = self.cached.get(path)
            if fragment is not None and not self._links_unchanged(fragment, types, homes):
                del self.cached[path]
                fragment = None
                self.loaded[path] = AnnotationFile(path, self.ontology, self.texts)
            if fragment is not None:
                self.units.reused += 1
                self.cache.keep(fragment)
                rows = fragment.relations
            else:
                fragment = self._make(path, types, homes)
                rows = fragment.relations
            for s, p, o, line in rows:
                key = (s, p, o)
                if key in seen:
                    raise KgError(f"duplicate relation {' '.join(key)}", where=_at(path, line),
                                  hint=f"already stated at {seen[key]}; merge the evidence "
                                       "into one entry")
                seen[key] = _at(path, line)
            self.units.fragments.append(fragment)
        check_hierarchies(list(seen), seen)

    @staticmethod
    def _links_unchanged(fragment: Fragment, types: dict[str, str],
                         homes: dict[str, str]) -> bool:
        links = fragment.depends.get("links")
        return isinstance(links, dict) and all(
            isinstance(v, list) and [types.get(i), homes.get(i)] == v for i, v in links.items())

    def _make(self, path: Path, types: dict[str, str], homes: dict[str, str]) -> Fragment:
        """Load one annotation file's relations and make its fragment."""
        annotation = self.loaded[path]
        entities = self.entity_objects.get(path)
        if entities is None:  # its entities came from the cache, its relations could not
            entities = annotation.entities()
        relations: list[Relation] = annotation.relations(types, homes)
        part = Corpus(entities=list(entities), relations=relations)
        documents = {annotation.document} | {e.document for e in entities}
        for item in (*entities, *relations):
            documents.update(p.document for p in item.evidence)
        links = {i: [types[i], homes[i]] for r in relations for i in (r.subject, r.object)}
        shown = " ".join(str(path).split())
        warnings = [RELATIVE + w[len(shown):] if w.startswith(shown) else w
                    for w in annotation.warnings]
        lines = [int(raw.get(LINE_KEY, 0)) for raw in annotation.raw_relations]
        fragment = make_fragment(
            self.keys[path], "annotation", f"annotations/{path.name}", part, self.ontology,
            entities=[(e.id, e.type, e.document, int(raw.get(LINE_KEY, 0)))
                      for raw, e in zip(annotation.raw_entities, entities, strict=True)],
            relations=[(*r.key, line) for r, line in zip(relations, lines, strict=True)],
            warnings=warnings,
            depends={"documents": {d: self.shas[d] for d in sorted(documents)},
                     "links": dict(sorted(links.items()))})
        self.units.made += 1
        self.cache.keep(fragment)
        return fragment
