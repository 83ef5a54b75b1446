"""A unit's part of the graph (a *fragment*) and the cache that keeps fragments between builds.

In the cache (``<data dir>/cache/units/``) a fragment is three files named by its key:
``<key>.nt``, its N-Triples lines sorted as bytes (the order of the store's ``graph.nt``);
``<key>.rows``, its rows of ``graph.json`` and the index, one per line, fields separated by
tabs (nodes and edges as the JSON text the store writes, label rows, searchable texts: none of
these fields can hold a tab or a newline); and ``<key>.json``, the rest (the ids, relation keys
and warnings the checks across units need, what the unit depends on, and the SHA-256 of the
other two files). All three are plain data: reading them runs nothing.

A cached fragment is read in parts, as the build needs them: its ``.json`` when the unit is
looked up, its rows and lines only if the build reads them (a rebuild that starts from the
previous build's files reads those of the changed units alone). Each part is checked against
its digest as it is read: a ``.json`` that does not read back exactly (foreign, truncated, of
another version) means the unit is made again; damaged rows or lines raise
:class:`DamagedFragment`, and the build starts again checking every fragment whole
(:func:`kg.build.build`). New fragments are written only when the build succeeds; fragments the
build did not use are removed then.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from kg.errors import KgError
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


class DamagedFragment(KgError):
    """A cached fragment's rows or lines are not what its ``.json`` recorded."""

    def __init__(self, key: str) -> None:
        super().__init__(f"the cached part of the graph {key} changed while the build read it",
                         hint="build again (the unit cache is checked whole then)")
        self.key = key


@dataclass
class Rows:
    """A fragment's rows of graph.json and the index."""

    nodes: list[NodeRow]  # (id, class, document, JSON), sorted by id
    edges: list[EdgeRow]  # ((source, relation, target), JSON), sorted
    #: The unit's rows of the index's labels table and its searchable texts (folded text,
    #: 1 for a label else 0, owner ids), sorted (see :func:`kg.index.writer.index_terms`).
    labels: list[tuple[str, str, str]] = field(default_factory=list)
    texts: list[tuple[str, int, list[str]]] = field(default_factory=list)


@dataclass
class Fragment:
    """One unit's part of the graph and what the checks across units need to know of it."""

    key: str
    kind: str  # "document" or "annotation"
    name: str  # documents/<id> or annotations/<file name>
    #: Its N-Triples lines (each with its newline, sorted, distinct) joined: the ``.nt`` file
    #: (empty for a cached fragment, whose lines stay in that file).
    data: bytes
    entities: list[EntityRow] = field(default_factory=list)
    relations: list[RelationRow] = field(default_factory=list)
    #: Warnings of the unit, without the file's path (added back by the reader).
    warnings: list[str] = field(default_factory=list)
    #: What the unit read besides its own file: {"documents": {id: sha256},
    #: "links": {entity id: [class, home document]}}.
    depends: dict[str, Any] = field(default_factory=dict)
    #: Its rows; None for a cached fragment until :attr:`rows` is first read.
    loaded_rows: Rows | None = None
    #: A cached fragment's files and their recorded digests (lines and rows not in memory).
    nt_path: Path | None = None
    nt_sha256: str = ""
    rows_path: Path | None = None
    rows_sha256: str = ""
    #: A made fragment's files, already written to the cache's staging directory.
    staged: bool = False

    @property
    def lines(self) -> list[bytes]:
        """A made fragment's N-Triples lines."""
        return self.data.splitlines(keepends=True)

    @property
    def rows(self) -> Rows:
        """The fragment's rows (a cached fragment's read and checked on first use)."""
        if self.loaded_rows is None:
            if self.rows_path is None:
                raise DamagedFragment(self.key)  # pragma: no cover - made fragments have rows
            self.loaded_rows = _read_rows(self.rows_path, self.rows_sha256, self.key)
        return self.loaded_rows

    def line_source(self) -> Iterator[bytes]:
        """The N-Triples lines, from memory or streamed from the cache (a cached file checked
        against its digest as it is read: :class:`DamagedFragment` after its last line)."""
        if self.nt_path is None:
            yield from self.lines
            return
        sha = hashlib.sha256()
        try:
            with open(self.nt_path, "rb") as handle:
                for line in handle:
                    sha.update(line)
                    yield line
        except OSError:
            raise DamagedFragment(self.key) from None
        if sha.hexdigest() != self.nt_sha256:
            raise DamagedFragment(self.key)


def make_fragment(key: str, kind: str, name: str, part: Corpus, ontology: Ontology, *,
                  entities: list[EntityRow], relations: list[RelationRow],
                  warnings: list[str], depends: dict[str, Any]) -> Fragment:
    """The fragment of a unit whose items are ``part`` (a corpus holding only them)."""
    # code point order is the UTF-8 bytes' order: sort the text, encode it once
    data = "".join(sorted(rdf_lines(part, ontology))).encode("utf-8")
    projection = project(part, ontology)
    nodes = [(n["id"], n["class"], n.get("document"), compact_json(n))
             for n in projection["nodes"]]
    edges = [((e["source"], e["relation"], e["target"]), compact_json(e))
             for e in projection["edges"]]
    labels: set[tuple[str, str, str]] = set()
    owners: dict[tuple[str, int], set[str]] = {}
    index_terms(projection["nodes"], projection["edges"], labels, owners)
    rows = Rows(nodes, edges, sorted(labels),
                [(text, flag, sorted(owners[(text, flag)])) for text, flag in sorted(owners)])
    return Fragment(key, kind, name, data, entities, relations, warnings, depends,
                    loaded_rows=rows)


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
        #: Check every part of a fragment when it is looked up, not when it is read.
        self.check_whole = False
        self._staging: Path | None = None
        #: The ontology to keep for the next build: (key, its JSON), see :meth:`ontology`.
        self.new_ontology: tuple[str, dict[str, Any]] | None = None

    def ontology(self, key: str, load: Any) -> Ontology:
        """The ontology whose files and code give ``key``: as the last build kept it, else
        ``load()`` (parsing the Turtle files takes rdflib, a tenth of a second), kept by
        :meth:`commit`."""
        from kg.ontology import ontology_from_json, ontology_to_json

        try:
            kept = json.loads((self.directory / ONTOLOGY).read_bytes())
            if isinstance(kept, dict) and kept.get("key") == key:
                return ontology_from_json(kept["ontology"])
        except (OSError, ValueError, TypeError, KeyError):
            pass
        ontology = load()
        self.new_ontology = (key, ontology_to_json(ontology))
        return ontology

    def get(self, key: str, kind: str, name: str) -> Fragment | None:
        """The cached fragment of ``key``, or None when there is none that reads back exactly
        (its rows and lines are checked when read, or now with :attr:`check_whole`)."""
        meta_path, nt_path, rows_path = self._paths(key)
        try:
            meta = json.loads(meta_path.read_bytes())
            if not isinstance(meta, dict):
                return None
            fragment = _from_json(meta, key, kind, name, nt_path, rows_path)
            if fragment is not None and self.check_whole:
                fragment.rows  # noqa: B018 - read and checked now
                for _line in fragment.line_source():
                    pass
            return fragment
        except (OSError, ValueError, TypeError, KeyError, IndexError, DamagedFragment):
            return None

    def restart(self) -> None:
        """Forget what a failed attempt used and made, and check fragments whole from now on
        (a build that met a damaged fragment starts again)."""
        self.used, self.new, self.base = set(), {}, None
        self.check_whole = True

    def keep(self, fragment: Fragment) -> None:
        """Note that the build uses ``fragment`` (written by :meth:`commit` if it is new)."""
        self.used.add(fragment.key)
        if fragment.nt_path is None:
            self.new[fragment.key] = fragment

    def staging(self) -> Path | None:
        """A directory of this build where the processes making fragments write their files
        (:func:`stage`), moved into the cache by :meth:`commit`; None if none can be made."""
        if self._staging is None:
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
                self._staging = Path(tempfile.mkdtemp(prefix=STAGING, dir=self.directory))
            except OSError:
                return None
        return self._staging

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
        if self.new_ontology is not None:
            key, data = self.new_ontology
            with contextlib.suppress(OSError):
                _atomic_write(self.directory / ONTOLOGY,
                              compact_json({"key": key, "ontology": data}).encode("utf-8"))
        self.close()
        with contextlib.suppress(OSError):
            for entry in self.directory.iterdir():
                if entry.name.startswith(STAGING):
                    _remove_stale(entry)
                elif (entry.name not in (BASE, ONTOLOGY)
                      and entry.name.split(".", 1)[0] not in self.used):
                    with contextlib.suppress(OSError):
                        entry.unlink()

    def close(self) -> None:
        """Remove this build's staging directory (what is left in it was not committed)."""
        if self._staging is not None:
            shutil.rmtree(self._staging, ignore_errors=True)
            self._staging = None

    def discard(self) -> None:
        """Keep nothing of a failed build (the cache directory too, if that leaves it empty)."""
        self.close()
        with contextlib.suppress(OSError):
            self.directory.rmdir()

    def _paths(self, key: str) -> tuple[Path, Path, Path]:
        return (self.directory / f"{key}.json", self.directory / f"{key}.nt",
                self.directory / f"{key}.rows")

    def _write(self, fragment: Fragment) -> None:
        staged = self._staging if fragment.staged else None
        if staged is None:
            stage(fragment, self.directory, atomic=True)  # not staged: written in place
            return
        for path in reversed(self._paths(fragment.key)):  # the .json last
            os.replace(staged / path.name, path)


#: The file keeping the parsed ontology (:meth:`FragmentCache.ontology`).
ONTOLOGY = "ontology.json"
#: Names of the directories where builds stage new fragments.
STAGING = ".staging-"
#: A staging directory older than this is a killed build's.
STALE_SECONDS = 24 * 3600


def _remove_stale(path: Path) -> None:
    with contextlib.suppress(OSError):
        if time.time() - path.stat().st_mtime > STALE_SECONDS:
            shutil.rmtree(path, ignore_errors=True)


def stage(fragment: Fragment, directory: Path, *, atomic: bool = False) -> None:
    """Write a made fragment's three files into ``directory`` (the .json last, so that a
    .json always has its files; each through a temporary file when ``atomic``); the fragment
    is then marked staged."""
    rows = _rows_text(fragment.rows).encode("utf-8")
    meta = {"version": FRAGMENT_VERSION, "key": fragment.key, "kind": fragment.kind,
            "name": fragment.name, "nt_sha256": hashlib.sha256(fragment.data).hexdigest(),
            "rows_sha256": hashlib.sha256(rows).hexdigest(),
            "entities": fragment.entities, "relations": fragment.relations,
            "warnings": fragment.warnings, "depends": fragment.depends}
    write = _atomic_write if atomic else _plain_write
    write(directory / f"{fragment.key}.nt", fragment.data)
    write(directory / f"{fragment.key}.rows", rows)
    write(directory / f"{fragment.key}.json", compact_json(meta).encode("utf-8"))
    fragment.staged = not atomic


def _rows_text(rows: Rows) -> str:
    """The ``.rows`` text of a fragment (see the module docstring)."""
    out = [f"N\t{i}\t{c}\t{d or ''}\t{t}\n" for i, c, d, t in rows.nodes]
    out += [f"E\t{s}\t{r}\t{o}\t{t}\n" for (s, r, o), t in rows.edges]
    out += [f"L\t{n}\t{i}\t{k}\n" for n, i, k in rows.labels]
    out += ["T\t{}\t{}\t{}\n".format(f, t, "\t".join(ids)) for t, f, ids in rows.texts]
    text = "".join(out)
    if text.count("\n") != len(out) or any(row.count("\t") != _TABS[row[0]] for row in out
                                           if row[0] != "T"):
        raise ValueError("a fragment row holds a tab or a newline")  # pragma: no cover
    return text


#: Tabs in a row of each kind (a text row has one per owner besides its two).
_TABS = {"N": 4, "E": 4, "L": 3}


def _from_json(meta: dict[str, Any], key: str, kind: str, name: str, nt_path: Path,
               rows_path: Path) -> Fragment | None:
    """A cached fragment from its ``.json`` (rows and lines left in their files), or None if it
    is not exactly one of ours for this unit."""
    if (meta.get("version"), meta.get("key"), meta.get("kind"),
            meta.get("name")) != (FRAGMENT_VERSION, key, kind, name):
        return None
    entities = [(str(i), str(c), str(h), int(n)) for i, c, h, n in meta["entities"]]
    relations = [(str(s), str(p), str(o), int(n)) for s, p, o, n in meta["relations"]]
    warnings = [str(w) for w in meta["warnings"]]
    depends = meta["depends"]
    nt_sha256, rows_sha256 = meta["nt_sha256"], meta["rows_sha256"]
    if not (isinstance(depends, dict) and isinstance(nt_sha256, str)
            and isinstance(rows_sha256, str)):
        return None
    return Fragment(key, kind, name, b"", entities, relations, warnings, depends,
                    nt_path=nt_path, nt_sha256=nt_sha256, rows_path=rows_path,
                    rows_sha256=rows_sha256)


def _read_rows(path: Path, sha256: str, key: str) -> Rows:
    """A cached fragment's rows, checked against their digest."""
    try:
        data = path.read_bytes()
    except OSError:
        raise DamagedFragment(key) from None
    if hashlib.sha256(data).hexdigest() != sha256:
        raise DamagedFragment(key)
    rows = Rows([], [], [], [])
    for row in data.decode("utf-8").split("\n")[:-1]:
        fields = row.split("\t")
        if fields[0] == "N" and len(fields) == 5:
            rows.nodes.append((fields[1], fields[2], fields[3] or None, fields[4]))
        elif fields[0] == "E" and len(fields) == 5:
            rows.edges.append(((fields[1], fields[2], fields[3]), fields[4]))
        elif fields[0] == "L" and len(fields) == 4:
            rows.labels.append((fields[1], fields[2], fields[3]))
        elif fields[0] == "T" and len(fields) >= 4 and fields[1] in ("0", "1"):
            rows.texts.append((fields[2], int(fields[1]), fields[3:]))
        else:
            raise DamagedFragment(key)
    return rows


def _plain_write(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)


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
