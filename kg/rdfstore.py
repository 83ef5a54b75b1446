"""The on-disk pyoxigraph store of a build (graph + ontology) that `kg sparql` opens.

Loading the N-Triples into memory costs seconds at a few hundred papers (1 M triples: 5.7 s,
issue 12); an on-disk store opens in milliseconds and answers from its indexes. It is derived
data, like the Cypher copy: made on the first SPARQL query of a build, from ``graph.nt`` (its
digest checked) and the ontology, into a temporary directory renamed into
``<data dir>/cache/oxigraph-<build>-<ontology>``; remade when ``graph.nt`` or the ontology
changed since; an in-memory store when the data dir cannot be written.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from kg.errors import KgError
from kg.ontology import ONTOLOGY_DIR, ontology_files

CACHE = "cache"
PREFIX = "oxigraph-"


def _ontology_key() -> str:
    sha = hashlib.sha256()
    for path in ontology_files(ONTOLOGY_DIR):
        sha.update(path.name.encode() + b"\0" + path.read_bytes())
    return sha.hexdigest()[:12]


def _source(data_dir: Path) -> tuple[Path, dict[str, Any]]:
    """``graph.nt`` of the current build and what a copy made from it records."""
    from kg.store import GRAPH_NT, current_build

    build = current_build(data_dir)
    st = (build / GRAPH_NT).stat()
    return build / GRAPH_NT, {"build": build.name, "size": st.st_size,
                              "mtime_ns": st.st_mtime_ns, "ontology": _ontology_key()}


def _load(store: Any, ntriples: Path) -> None:
    import pyoxigraph as ox

    store.bulk_load(path=str(ntriples), format=ox.RdfFormat.N_TRIPLES)
    for path in ontology_files(ONTOLOGY_DIR):
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)


def open_store(data_dir: Path) -> Any:
    """A read-only ``pyoxigraph.Store`` of the current build and the ontology."""
    import pyoxigraph as ox

    from kg.store import ntriples_path

    ntriples, stamp = _source(data_dir)
    target = data_dir / CACHE / f"{PREFIX}{stamp['build']}-{stamp['ontology']}"
    if not _made_from(target, stamp):
        ntriples = ntriples_path(data_dir)  # digest checked before it is loaded
        if not _make(target, ntriples, stamp):
            store = ox.Store()
            _load(store, ntriples)
            return store
    try:
        return ox.Store.read_only(str(target))
    except OSError as exc:
        raise KgError(f"cannot open the SPARQL store of this build: {exc}", where=str(target),
                      hint=f"delete {target} and run the query again") from None


def _made_from(target: Path, stamp: dict[str, Any]) -> bool:
    """Whether ``target`` is a complete copy made from the source ``stamp`` describes."""
    try:
        return json.loads((target / "kg-source.json").read_text(encoding="utf-8")) == stamp
    except (OSError, ValueError):
        return False


def _make(target: Path, ntriples: Path, stamp: dict[str, Any]) -> bool:
    """Write the store into ``target`` (atomically); False when the data dir is read-only."""
    import pyoxigraph as ox

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-" + PREFIX, dir=target.parent))
    except OSError:
        return False
    try:
        store = ox.Store(str(tmp))
        _load(store, ntriples)
        store.flush()
        store.optimize()
        del store
        (tmp / "kg-source.json").write_text(json.dumps(stamp, sort_keys=True), encoding="utf-8")
        if _made_from(target, stamp):  # another process made the same copy meanwhile
            shutil.rmtree(tmp, ignore_errors=True)
            return True
        shutil.rmtree(target, ignore_errors=True)
        tmp.rename(target)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        return target.exists() and (target / "kg-source.json").exists()
    for old in target.parent.glob(PREFIX + "*"):  # copies of earlier builds
        if old != target:
            shutil.rmtree(old, ignore_errors=True)
    return True
