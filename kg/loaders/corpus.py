"""Read a source directory (``documents/`` + ``annotations/``) into one checked :class:`Corpus`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kg.documents import DocumentText, read_document
from kg.errors import KgError
from kg.loaders.annotations import AnnotationFile, check_language
from kg.loaders.citations import find_citations
from kg.loaders.quantities import find_quantities
from kg.loaders.yaml_source import LINE_KEY, read_yaml, where
from kg.model import Corpus, Document
from kg.ontology import Ontology, load_ontology

METADATA = "documents/metadata.yaml"
#: Optional bibliographic fields of a document entry, in citation order.
BIBLIOGRAPHIC_FIELDS = ("authors", "year", "venue", "volume", "issue", "pages", "doi", "url",
                        "keywords")
_ENTRY_FIELDS = {"id", "file", "title", "language", "source", *BIBLIOGRAPHIC_FIELDS, LINE_KEY}
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
#: A document id: it becomes part of IRIs (``document/<id>``, ``passage/<id>/…``) and file names.
DOCUMENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def load_corpus(source: Path, ontology: Ontology | None = None) -> Corpus:
    """Documents, their structure and every annotation of ``source``, all checked."""
    ontology = ontology or load_ontology()
    check_source(source)
    documents = read_documents(source)
    texts = {doc.id: DocumentText(doc.id, doc.text) for doc in documents}
    corpus = Corpus(documents=documents)
    for doc_id in sorted(texts):
        text = texts[doc_id]
        corpus.sections.extend(text.sections)
        corpus.tables.extend(text.tables)
        references, cites = find_citations(text)
        corpus.entities.extend(references)
        corpus.relations.extend(cites)
        corpus.entities.extend(find_quantities(text))
    parsed = [AnnotationFile(path, ontology, texts) for path in annotation_files(source)]
    origin: dict[str, str] = {e.id: "the parser" for e in corpus.entities}
    for doc in documents:
        origin[f"document/{doc.id}"] = "documents/metadata.yaml"
    for annotation in parsed:
        for raw, entity in zip(annotation.raw_entities, annotation.entities(), strict=True):
            at = where(annotation.path, raw)
            if entity.id in origin:
                raise KgError(f"duplicate id '{entity.id}'", where=at,
                              hint=f"already defined at {origin[entity.id]}; ids must be unique")
            origin[entity.id] = at
            corpus.entities.append(entity)
    types = {e.id: e.type for e in corpus.entities}
    homes = {e.id: e.document for e in corpus.entities}
    for doc in documents:
        types[f"document/{doc.id}"] = "Document"
        homes[f"document/{doc.id}"] = doc.id
    seen: dict[tuple[str, str, str], str] = {(r.subject, r.predicate, r.object): "the parser"
                                             for r in corpus.relations}
    for annotation in parsed:
        for raw, relation in zip(annotation.raw_relations, annotation.relations(types, homes),
                                 strict=True):
            at = where(annotation.path, raw)
            if relation.key in seen:
                raise KgError(f"duplicate relation {' '.join(relation.key)}", where=at,
                              hint=f"already stated at {seen[relation.key]}; merge the evidence "
                                   "into one entry")
            seen[relation.key] = at
            corpus.relations.append(relation)
    check_hierarchies([r.key for r in corpus.relations], seen)
    for annotation in parsed:
        corpus.warnings.extend(annotation.warnings)
    return corpus


def check_source(source: Path) -> None:
    """Refuse a source that is not a directory (one line)."""
    if not source.is_dir():
        raise KgError("source directory not found", where=str(source),
                      hint="pass --source DIR holding documents/ and annotations/")


def annotation_files(source: Path) -> list[Path]:
    """The annotation files of a source, in build order (``.yaml`` then ``.yml``)."""
    annotation_dir = source / "annotations"
    files = sorted(annotation_dir.glob("*.yaml")) + sorted(annotation_dir.glob("*.yml"))
    if not files:
        raise KgError("no annotation files", where=str(annotation_dir),
                      hint="add <document-id>.yaml files (see docs/annotations.md)")
    return files


#: Relations that build a hierarchy: a cycle in one of them is an error.
HIERARCHIES = ("partOf",)


def check_hierarchies(keys: list[tuple[str, str, str]],
                      located: Mapping[tuple[str, str, str], str]) -> None:
    """Refuse a cycle of ``partOf`` (a sub-barrier cannot contain its own whole).

    ``keys`` are the corpus's relations as (subject, predicate, object); ``located`` maps each
    to its ``file:line``. The error names the cycle and the line of each of its relations.
    """
    for predicate in HIERARCHIES:
        parents: dict[str, list[str]] = {}
        for subject, relation, obj in keys:
            if relation == predicate:
                parents.setdefault(subject, []).append(obj)
        cycle = _find_cycle(parents)
        if cycle:
            edges = [(a, predicate, b) for a, b in pairwise(cycle)]
            lines = [located.get(edge, "the parser") for edge in edges]
            raise KgError(f"'{predicate}' forms a cycle: {' -> '.join(cycle)}", where=lines[0],
                          hint=f"{predicate} must form a hierarchy: remove one of these "
                               f"relations ({', '.join(lines)})")


def _find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """The first cycle of a directed graph as ``[a, b, …, a]``, or None (iterative DFS).

    >>> _find_cycle({"a": ["b"], "b": ["c"], "c": ["a"]})
    ['a', 'b', 'c', 'a']
    >>> _find_cycle({"a": ["b"], "b": ["c"], "d": ["c"]}) is None
    True
    """
    done: set[str] = set()
    for root in sorted(graph):
        if root in done:
            continue
        path: list[str] = [root]
        on_path = {root}
        stack = [iter(sorted(graph.get(root, ())))]
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                stack.pop()
                finished = path.pop()
                on_path.discard(finished)
                done.add(finished)
                continue
            if nxt in on_path:
                return path[path.index(nxt):] + [nxt]
            if nxt not in done:
                path.append(nxt)
                on_path.add(nxt)
                stack.append(iter(sorted(graph.get(nxt, ()))))
    return None


def read_documents(source: Path) -> list[Document]:
    """The documents listed in ``documents/metadata.yaml``, decoded and hashed."""
    path = source / METADATA
    if not path.is_file():
        raise KgError("document metadata not found", where=str(path),
                      hint="list the documents in documents/metadata.yaml")
    data = read_yaml(path)
    entries = data.get("documents") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise KgError("expected 'documents:' with a list of entries", where=str(path))
    documents: list[Document] = []
    seen: set[str] = set()
    try:
        root: Path | None = (source / "documents").resolve()
    except (OSError, RuntimeError):  # a symlink loop: each document's check reports it
        root = None
    for entry in entries:
        at = where(path, entry)
        if not isinstance(entry, dict):
            raise KgError("each document entry must be a mapping", where=at)
        doc_id, file = str(entry.get("id", "")), entry.get("file")
        if not doc_id or not isinstance(file, str):
            raise KgError("document entry needs 'id' and 'file'", where=at)
        if not DOCUMENT_ID.fullmatch(doc_id):
            shown = doc_id if len(doc_id) <= 40 else doc_id[:40] + "…"
            raise KgError(f"document id {shown!r} is malformed", where=at,
                          hint="use 1-64 ascii letters, digits, '.', '_' or '-', starting with a "
                               "letter or digit, e.g. \"004\"")
        if doc_id in seen:
            raise KgError(f"duplicate document id '{doc_id}'", where=at)
        seen.add(doc_id)
        raw_title = entry.get("title") or {}
        if not isinstance(raw_title, dict):
            raise KgError(f"document '{doc_id}': title must map a language to text", where=at,
                          hint="write title: {zh: ..., en: ...}")
        title = {k: str(v) for k, v in raw_title.items() if k != LINE_KEY}
        for lang in title:
            check_language(lang, f"{at}: document '{doc_id}'", "title")
        if not title:
            raise KgError(f"document '{doc_id}' needs a title (zh and/or en)", where=at)
        unknown = sorted(str(k) for k in entry if k not in _ENTRY_FIELDS)
        if unknown:
            raise KgError(f"document '{doc_id}': unknown field '{unknown[0]}'", where=at,
                          hint="known fields: " + ", ".join(sorted(_ENTRY_FIELDS - {LINE_KEY})))
        bibliography = read_bibliography(entry, where=f"{at}: document '{doc_id}'")
        languages = entry.get("language") or ()
        if isinstance(languages, str):  # `language: zh` means one language, not "z" and "h"
            languages = [languages]
        if not isinstance(languages, list):
            raise KgError(f"document '{doc_id}': language must be a list of codes such as "
                          f"[zh, en], not {languages!r}", where=at)
        language = tuple(str(x) for x in languages)
        doc = read_document(document_path(source, file, where=f"{at}: document '{doc_id}'",
                                          root=root),
                            doc_id=doc_id, title=title,
                            language=language, source=str(entry.get("source", file)))
        documents.append(replace(doc, bibliography=bibliography))
    return sorted(documents, key=lambda d: d.id)


def document_path(source: Path, file: str, *, where: str, root: Path | None = None) -> Path:
    """The path of a document's ``file:``, which must stay inside ``documents/``.

    An absolute path, ``..`` or a symbolic link leading out of the source's ``documents/``
    directory is refused: a build reads only the source it is given (and lists what it read).
    ``root``, if given, is that directory resolved (for many documents, resolved once).
    """
    folder = source / "documents"
    hint = "put the text file in documents/ and give its name relative to that folder"
    if not file.strip() or Path(file).is_absolute() or "\x00" in file:
        raise KgError(f"file {file!r} must be a relative path inside documents/", where=where,
                      hint=hint)
    path = folder / file
    try:
        inside = path.resolve().is_relative_to(root or folder.resolve())
    except (OSError, RuntimeError):  # a symlink loop
        inside = False
    if not inside:
        how = "through a symbolic link" if ".." not in Path(file).parts else "with '..'"
        raise KgError(f"file {file!r} leads outside documents/ {how}", where=where, hint=hint)
    return path


def read_bibliography(entry: dict[str, Any], *, where: str = "") -> dict[str, Any]:
    """The bibliographic fields of a metadata entry, checked; absent fields stay absent.

    >>> read_bibliography({"authors": ["Li Hua"], "year": 2024, "doi": "10.12677/ecl.2024.1"})
    {'authors': ['Li Hua'], 'year': 2024, 'doi': '10.12677/ecl.2024.1'}
    """
    out: dict[str, Any] = {}
    for name in BIBLIOGRAPHIC_FIELDS:
        value = entry.get(name)
        if value is not None:
            out[name] = _bibliographic_value(name, value, where)
    return out


_EXPECTED = {
    "authors": ("a list of names (strings)", "[Zhang San, Li Si]"),
    "keywords": ("a list of keywords (strings)", "[电子商务, 平台赋能]"),
    "year": ("a four-digit year (an integer)", "2024"),
    "venue": ("a non-empty string", "E-Commerce Letters"),
    "volume": ("a string or an integer", '"14"'),
    "issue": ("a string or an integer", '"6"'),
    "pages": ("a non-empty string", '"1234-1240"'),
    "doi": ("a bare DOI (10.<registrant>/<suffix>)", "10.12677/ecl.2024.131001"),
    "url": ("an http(s) URL", "https://example.org/paper/1"),
}


def _bibliographic_value(name: str, value: Any, where: str) -> Any:
    """One checked bibliographic value, or a one-line error naming the field."""
    text = " ".join(value.split()) if isinstance(value, str) else None
    scalar = None if isinstance(value, bool) else text if text is not None else (
        str(value) if isinstance(value, int) else None)
    ok: Any = None
    if name in ("authors", "keywords"):
        if isinstance(value, list) and value and all(isinstance(a, str) and a.strip()
                                                     for a in value):
            ok = [" ".join(a.split()) for a in value]
    elif name == "year":
        if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 9999:
            ok = value
    elif name == "doi":
        ok = text if text and _DOI.match(text) else None
    elif name == "url":
        parts = urlsplit(text) if text and " " not in text else None
        ok = text if parts and parts.scheme in ("http", "https") and parts.netloc else None
    elif name in ("volume", "issue") or name == "pages":
        ok = scalar or None
    else:  # venue
        ok = text or None
    if ok is None:
        expected, example = _EXPECTED[name]
        raise KgError(f"field '{name}' must be {expected}, not {value!r}", where=where,
                      hint=f"e.g. {name}: {example}; leave the field out when it is unknown")
    return ok
