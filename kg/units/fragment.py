"""A unit's part of the graph (a *fragment*) and the cache that keeps fragments between builds.

In the cache (``<data dir>/cache/units/``) a fragment is three files named by its key:
``<key>.nt``, its N-Triples lines sorted as bytes (the order of the store's ``graph.nt``);
``<key>.rows``, its rows of ``graph.json`` and the index, one per line, fields separated by
tabs (nodes and edges as the JSON text the store writes, label rows, searchable texts: none of
these fields can hold a tab or a newline); and ``<key>.json``, the rest (the ids, relation keys
and warnings the checks across units need, what the unit depends on, and the SHA-256 of the
other two files). All three are plain data: reading them runs nothing. A fragment that
does not read back exactly (foreign, truncated, altered, of another version) is not used and
its unit is loaded again. New fragments are written only when the build succeeds; fragments
the build did not use are removed then.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from kg.graph import rdf_lines
from kg.index.writer import EdgeRow, NodeRow, index_terms
from kg.model import Corpus
from kg.ontology import Ontology
from kg.projection import project
from kg.units import FRAGMENT_VERSION

#: (entity id, class, home document, line of its entry or 0)
EntityRow = tuple[str, str, str, int]
#: (subject, predicate, object, line of its entry or 0)
RelationRow = tuple[str, str, str, int]


def compact_json(value: Any) -> str:
    """The store's JSON text of one value: sorted keys, UTF-8, no spaces.

    >>> compact_json({"b": [1, "中"], "a": None})
    '{"a":null,"b":[1,"中"]}'
    """
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@dataclass
class Fragment:
    """One unit's part of the graph and what the checks across units need to know of it."""

    key: str
    kind: str  # "document" or "annotation"
    name: str  # documents/<id> or annotations/<file name>
    lines: list[bytes]  # N-Triples lines with their newline, sorted, distinct
    nodes: list[NodeRow]  # (id, class, document, JSON), sorted by id
    edges: list[EdgeRow]  # ((source, relation, target), JSON), sorted
    entities: list[EntityRow] = field(default_factory=list)
    relations: list[RelationRow] = field(default_factory=list)
    #: Warnings of the unit, without the file's path (added back by the reader).
    warnings: list[str] = field(default_factory=list)
    #: What the unit read besides its own file: {"documents": {id: sha256},
    #: "links": {entity id: [class, home document]}}.
    depends: dict[str, Any] = field(default_factory=dict)
    #: The unit's rows of the index's labels table and its searchable texts (folded text,
    #: 1 for a label else 0, owner ids), sorted (see :func:`kg.index.writer.index_terms`).
    labels: list[tuple[str, str, str]] = field(default_factory=list)
    texts: list[tuple[str, int, list[str]]] = field(default_factory=list)
    #: The cached ``.nt`` file when the fragment came from the cache (lines not in memory).
    nt_path: Path | None = None

    def line_source(self) -> Iterator[bytes]:
        """The N-Triples lines, from memory or streamed from the cache."""
        if self.nt_path is None:
            yield from self.lines
            return
        with open(self.nt_path, "rb") as handle:
            yield from handle


def make_fragment(key: str, kind: str, name: str, part: Corpus, ontology: Ontology, *,
                  entities: list[EntityRow], relations: list[RelationRow],
                  warnings: list[str], depends: dict[str, Any]) -> Fragment:
    """The fragment of a unit whose items are ``part`` (a corpus holding only them)."""
    lines = sorted({(line + "\n").encode("utf-8") for line in rdf_lines(part, ontology)})
    projection = project(part, ontology)
    nodes = [(n["id"], n["class"], n.get("document"), compact_json(n))
             for n in projection["nodes"]]
    edges = [((e["source"], e["relation"], e["target"]), compact_json(e))
             for e in projection["edges"]]
    labels: set[tuple[str, str, str]] = set()
    owners: dict[tuple[str, int], set[str]] = {}
    index_terms(projection["nodes"], projection["edges"], labels, owners)
    return Fragment(key, kind, name, lines, nodes, edges, entities, relations, warnings,
                    depends, labels=sorted(labels),
                    texts=[(text, flag, sorted(owners[(text, flag)]))
                           for text, flag in sorted(owners)])


def fragment_key(*parts: str) -> str:
    """The cache key of a unit from what it is made of (kind, name, digests of its inputs)."""
    return hashlib.sha256("\0".join((FRAGMENT_VERSION, *parts)).encode()).hexdigest()[:32]


class FragmentCache:
    """The fragments kept under one directory (see the module docstring)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.used: set[str] = set()
        self.new: dict[str, Fragment] = {}
        #: What the build made, kept by :meth:`commit` for the next build (kg.units.delta).
        self.base: Any = None

    def get(self, key: str, kind: str, name: str) -> Fragment | None:
        """The cached fragment of ``key``, or None when there is none that reads back exactly."""
        meta_path, nt_path, rows_path = self._paths(key)
        try:
            meta = json.loads(meta_path.read_bytes())
            rows = rows_path.read_bytes()
            if (not isinstance(meta, dict)
                    or hashlib.sha256(rows).hexdigest() != meta.get("rows_sha256")
                    or _sha256_file(nt_path) != meta.get("nt_sha256")):
                return None
            return _from_json(meta, rows.decode("utf-8"), key, kind, name, nt_path)
        except (OSError, ValueError, TypeError, KeyError, IndexError):
            return None

    def keep(self, fragment: Fragment) -> None:
        """Note that the build uses ``fragment`` (written by :meth:`commit` if it is new)."""
        self.used.add(fragment.key)
        if fragment.nt_path is None:
            self.new[fragment.key] = fragment

    def commit(self) -> None:
        """Write the new fragments and the base, and remove the fragments the build did not
        use (never raises: a fragment that could not be written is made again next time)."""
        from kg.units.delta import BASE, save_base

        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError:
            return
        for key in sorted(self.new):
            with contextlib.suppress(OSError):
                self._write(self.new[key])
        if self.base is not None:
            save_base(self.directory, self.base)
        with contextlib.suppress(OSError):
            for entry in self.directory.iterdir():
                if entry.name != BASE and entry.name.split(".", 1)[0] not in self.used:
                    with contextlib.suppress(OSError):
                        entry.unlink()

    def _paths(self, key: str) -> tuple[Path, Path, Path]:
        return (self.directory / f"{key}.json", self.directory / f"{key}.nt",
                self.directory / f"{key}.rows")

    def _write(self, fragment: Fragment) -> None:
        meta_path, nt_path, rows_path = self._paths(fragment.key)
        data = b"".join(fragment.lines)
        rows = _rows_text(fragment).encode("utf-8")
        meta = {"version": FRAGMENT_VERSION, "key": fragment.key, "kind": fragment.kind,
                "name": fragment.name, "nt_sha256": hashlib.sha256(data).hexdigest(),
                "rows_sha256": hashlib.sha256(rows).hexdigest(),
                "entities": fragment.entities, "relations": fragment.relations,
                "warnings": fragment.warnings, "depends": fragment.depends}
        _atomic_write(nt_path, data)  # the data first: a .json always has its files
        _atomic_write(rows_path, rows)
        _atomic_write(meta_path, compact_json(meta).encode("utf-8"))


def _rows_text(fragment: Fragment) -> str:
    """The ``.rows`` text of a fragment (see the module docstring)."""
    out = [f"N\t{i}\t{c}\t{d or ''}\t{t}\n" for i, c, d, t in fragment.nodes]
    out += [f"E\t{s}\t{r}\t{o}\t{t}\n" for (s, r, o), t in fragment.edges]
    out += [f"L\t{n}\t{i}\t{k}\n" for n, i, k in fragment.labels]
    out += ["T\t{}\t{}\t{}\n".format(f, t, "\t".join(ids)) for t, f, ids in fragment.texts]
    text = "".join(out)
    if text.count("\n") != len(out) or any(row.count("\t") != _TABS[row[0]] for row in out
                                           if row[0] != "T"):
        raise ValueError("a fragment row holds a tab or a newline")  # pragma: no cover
    return text


#: Tabs in a row of each kind (a text row has one per owner besides its two).
_TABS = {"N": 4, "E": 4, "L": 3}


def _from_json(meta: dict[str, Any], rows: str, key: str, kind: str, name: str,
               nt_path: Path) -> Fragment | None:
    """A fragment from its ``.json`` and ``.rows``, or None if it is not exactly one of ours
    for this unit."""
    if (meta.get("version"), meta.get("key"), meta.get("kind"),
            meta.get("name")) != (FRAGMENT_VERSION, key, kind, name):
        return None
    entities = [(str(i), str(c), str(h), int(n)) for i, c, h, n in meta["entities"]]
    relations = [(str(s), str(p), str(o), int(n)) for s, p, o, n in meta["relations"]]
    warnings = [str(w) for w in meta["warnings"]]
    depends = meta["depends"]
    if not isinstance(depends, dict):
        return None
    nodes: list[NodeRow] = []
    edges: list[EdgeRow] = []
    labels: list[tuple[str, str, str]] = []
    texts: list[tuple[str, int, list[str]]] = []
    for row in rows.split("\n")[:-1]:
        fields = row.split("\t")
        if fields[0] == "N" and len(fields) == 5:
            nodes.append((fields[1], fields[2], fields[3] or None, fields[4]))
        elif fields[0] == "E" and len(fields) == 5:
            edges.append(((fields[1], fields[2], fields[3]), fields[4]))
        elif fields[0] == "L" and len(fields) == 4:
            labels.append((fields[1], fields[2], fields[3]))
        elif fields[0] == "T" and len(fields) >= 4:
            texts.append((fields[2], int(fields[1]), fields[3:]))
        else:
            return None
    return Fragment(key, kind, name, [], nodes, edges, entities, relations, warnings, depends,
                    labels=labels, texts=texts, nt_path=nt_path)


def _sha256_file(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
