"""Read a source directory as units, taking unchanged units' fragments from the cache.

The checks are those of :func:`kg.loaders.corpus.load_corpus`, and the first error is the one
it reports: documents, then every annotation file read, then entities (ids unique across the
corpus), then relations (their ends known and of classes the ontology allows; each relation
stated once), then ``partOf`` cycles. A cached unit passed its own checks when it was made,
from the same inputs, so only what crosses units is checked again for it. The units to make
are made by :mod:`kg.units.workers` (in parallel for a large source).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Iterator, Mapping
from typing import Any

from kg.errors import KgError
from kg.loaders.corpus import (annotation_files, check_hierarchies, check_source,
                                read_documents)
from kg.loaders.parse_cache import keep_parsed
from kg.model import Document
from kg.ontology import Ontology
from kg.units import code_digest
from kg.units.fragment import EntityRow, Fragment, FragmentCache, compact_json, fragment_key
from kg.units.making import RELATIVE, UnitMaker, unit_name
from kg.units.workers import Job, Outcome, Runner, worker_count

PARSER = "the parser"
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
    #: How many processes made them.
    workers: int = 1
    #: SHA-256 of the annotation files as they were read, by path in the source
    #: ("annotations/000-model.yaml").
    digests: dict[str, str] = field(default_factory=dict)


def read_units(source: Path, ontology: Ontology, ontology_digest: str,
               cache: FragmentCache) -> Units:
    """The units of ``source``, checked; unchanged ones from ``cache``."""
    check_source(source)
    documents = read_documents(source)
    files = annotation_files(source)
    return _Reading(documents, files, ontology, ontology_digest, cache).read()


def _document_inputs(doc: Document) -> tuple[str, str, str, str]:
    record = {"id": doc.id, "file": doc.file, "title": doc.title, "language": list(doc.language),
              "source": doc.source, "bibliography": doc.bibliography}
    return "document", f"documents/{doc.id}", compact_json(record), doc.sha256


def _at(path: Path, line: int) -> str:
    return f"{path}:{line}" if line else str(path)


#: Where an id or a relation is stated: a ``(file, line)`` or a name such as :data:`PARSER`.
Origin = Any


class _Places(Mapping[Any, str]):
    """Origins shown as ``file:line`` only when asked for (most never are)."""

    def __init__(self, origins: dict[Any, Origin]) -> None:
        self.origins = origins

    def __getitem__(self, key: Any) -> str:
        origin = self.origins[key]
        return origin if isinstance(origin, str) else _at(*origin)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.origins)

    def __len__(self) -> int:
        return len(self.origins)


def _raise(outcome: Outcome) -> Any:
    """The value of an outcome, or its error raised."""
    stage, value = outcome
    if stage != "ok":
        raise value
    return value


class _Reading:
    """One reading of a source (see the module docstring)."""

    def __init__(self, documents: list[Document], files: list[Path], ontology: Ontology,
                 ontology_digest: str, cache: FragmentCache) -> None:
        self.documents, self.files, self.cache = documents, files, cache
        self.units = Units(documents)
        self.maker = UnitMaker(documents, ontology, cache.staging())
        code = code_digest()
        self.doc_keys = {doc.id: fragment_key(code, ontology_digest, *_document_inputs(doc))
                         for doc in documents}
        self.keys: dict[Path, str] = {}
        self.sizes: dict[Path, int] = {}
        for path in files:
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise KgError(f"cannot read file: {exc.strerror}", where=str(path)) from None
            self.sizes[path] = len(data)
            digest = self.units.digests[unit_name(path)] = hashlib.sha256(data).hexdigest()
            keep_parsed(digest)
            self.keys[path] = fragment_key(code, ontology_digest, "annotation",
                                           unit_name(path), digest)

    def read(self) -> Units:
        doc_cached = {doc.id: self.cache.get(self.doc_keys[doc.id], "document",
                                             f"documents/{doc.id}") for doc in self.documents}
        cached: dict[Path, Fragment] = {}
        for path in self.files:
            fragment = self.cache.get(self.keys[path], "annotation", unit_name(path))
            if fragment is not None and self._documents_unchanged(fragment):
                cached[path] = fragment
        jobs: list[Job] = [("document", doc.id, self.doc_keys[doc.id])
                           for doc in self.documents if doc_cached[doc.id] is None]
        weights = [len(self.maker.documents[job[1]].text) for job in jobs]
        jobs += [("entities", path) for path in self.files if path not in cached]
        weights += [self.sizes[path] for path in self.files if path not in cached]
        runner = Runner(self.maker, worker_count(sum(weights)))
        self.units.workers = runner.workers
        try:
            outcomes = dict(zip((job[:2] for job in jobs), runner.run(jobs, weights),
                                strict=True))
            for doc in self.documents:  # sorted by id
                fragment = doc_cached[doc.id] or _raise(outcomes[("document", doc.id)])
                self._use(fragment, made=doc_cached[doc.id] is None)
            for path in self.files:  # every file is read before any entity is checked
                if path not in cached and outcomes[("entities", path)][0] == "open":
                    _raise(outcomes[("entities", path)])
            types, homes = self._entities(cached, outcomes)
            self._relations(cached, types, homes, runner)
        except BaseException:
            runner.terminate()
            raise
        runner.close()
        for path, fragment in zip(self.files, self.units.fragments[len(self.documents):],
                                  strict=True):
            shown = " ".join(str(path).split())
            self.units.warnings.extend(shown + w[1:] if w.startswith(RELATIVE) else w
                                       for w in fragment.warnings)
        return self.units

    def _use(self, fragment: Fragment, *, made: bool) -> None:
        self.units.fragments.append(fragment)
        self.cache.keep(fragment)
        if made:
            self.units.made += 1
        else:
            self.units.reused += 1

    def _documents_unchanged(self, fragment: Fragment) -> bool:
        documents = fragment.depends.get("documents")
        shas = self.maker.shas
        return isinstance(documents, dict) and all(
            shas.get(doc_id) == sha for doc_id, sha in documents.items())

    def _entities(self, cached: dict[Path, Fragment],
                  outcomes: dict[Any, Outcome]) -> tuple[dict[str, str], dict[str, str]]:
        """Every entity's class and home document, ids checked unique across the corpus."""
        rows: list[EntityRow] = []
        origin: dict[str, Origin] = {}
        for fragment in self.units.fragments:  # the documents' parser entities
            for row in fragment.entities:
                rows.append(row)
                origin[row[0]] = PARSER
        for doc in self.documents:
            origin[f"document/{doc.id}"] = METADATA
        for path in self.files:
            file_rows = (cached[path].entities if path in cached
                         else _raise(outcomes[("entities", path)]))
            for row in file_rows:
                if row[0] in origin:
                    raise KgError(f"duplicate id '{row[0]}'", where=_at(path, row[3]),
                                  hint=f"already defined at {_Places(origin)[row[0]]}; ids "
                                       "must be unique")
                origin[row[0]] = (path, row[3])
                rows.append(row)
        types = {row[0]: row[1] for row in rows}
        homes = {row[0]: row[2] for row in rows}
        for doc in self.documents:
            types[f"document/{doc.id}"] = "Document"
            homes[f"document/{doc.id}"] = doc.id
        return types, homes

    def _relations(self, cached: dict[Path, Fragment], types: dict[str, str],
                   homes: dict[str, str], runner: Runner) -> None:
        """Every file's relations (made again where a linked entity changed), each stated once."""
        for path in list(cached):
            if not self._links_unchanged(cached[path], types, homes):
                del cached[path]
        jobs: list[Job] = [("make", path, self.keys[path]) for path in self.files
                           if path not in cached]
        outcomes = dict(zip((job[1] for job in jobs),
                            runner.run(jobs, [self.sizes[job[1]] for job in jobs],
                                       shared=(types, homes)), strict=True))
        seen: dict[tuple[str, str, str], Origin] = {}
        for fragment in self.units.fragments:
            for s, p, o, _line in fragment.relations:
                seen[(s, p, o)] = PARSER
        for path in self.files:
            fragment = cached.get(path) or _raise(outcomes[path])
            for s, p, o, line in fragment.relations:
                key = (s, p, o)
                if key in seen:
                    raise KgError(f"duplicate relation {' '.join(key)}", where=_at(path, line),
                                  hint=f"already stated at {_Places(seen)[key]}; merge the "
                                       "evidence into one entry")
                seen[key] = (path, line)
            self._use(fragment, made=path not in cached)
        check_hierarchies(list(seen), _Places(seen))

    @staticmethod
    def _links_unchanged(fragment: Fragment, types: dict[str, str],
                         homes: dict[str, str]) -> bool:
        links = fragment.depends.get("links")
        return isinstance(links, dict) and all(
            isinstance(v, list) and [types.get(i), homes.get(i)] == v for i, v in links.items())
