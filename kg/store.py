"""The persisted store under the data dir, written atomically.

Layout: ``<data-dir>/builds/<digest>/{graph.nt, graph.json, manifest.json}`` and
``<data-dir>/CURRENT`` naming the live build. A build is written completely, then ``CURRENT`` is
replaced in one ``os.replace``: readers see the old store or the new one, never half of one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from kg.errors import KgError, StoreMissing

DEFAULT_DATA_DIR = ".kg"
GRAPH_NT = "graph.nt"
GRAPH_JSON = "graph.json"
MANIFEST = "manifest.json"


def data_dir_from(option: str | None) -> Path:
    """The data dir: the option, else ``$KG_DATA_DIR``, else ``./.kg``."""
    return Path(option or os.environ.get("KG_DATA_DIR") or DEFAULT_DATA_DIR)


def dump_json(data: Any) -> str:
    """Stable JSON text (sorted keys, UTF-8, trailing newline)."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n"


def check_writable(data_dir: Path) -> None:
    """Fail early, before any work, when the data dir cannot be written."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=data_dir, prefix=".probe-"):
            pass
    except OSError as exc:
        raise KgError(f"cannot write the store: {exc.strerror}", where=str(data_dir),
                      hint="choose a writable --data-dir or set KG_DATA_DIR") from None


def save(data_dir: Path, *, ntriples: str, projection: dict[str, Any],
         manifest: dict[str, Any]) -> tuple[Path, dict[str, Any]]:
    """Write a complete build and make it current; returns its directory and manifest."""
    graph_json = dump_json(projection)
    digest = hashlib.sha256((ntriples + graph_json).encode()).hexdigest()[:16]
    manifest = {**manifest, "build": digest}
    try:
        builds = data_dir / "builds"
        builds.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=builds))
        staging.chmod(0o755)
        (staging / GRAPH_NT).write_text(ntriples, encoding="utf-8")
        (staging / GRAPH_JSON).write_text(graph_json, encoding="utf-8")
        (staging / MANIFEST).write_text(dump_json(manifest), encoding="utf-8")
        final = builds / digest
        if final.exists():
            shutil.rmtree(staging)
        else:
            os.replace(staging, final)
        pointer = data_dir / ".CURRENT.tmp"
        pointer.write_text(digest + "\n", encoding="utf-8")
        os.replace(pointer, data_dir / "CURRENT")
    except OSError as exc:
        raise KgError(f"cannot write the store: {exc.strerror}", where=str(data_dir),
                      hint="choose a writable --data-dir or set KG_DATA_DIR") from None
    for old in builds.iterdir():
        if old.name != digest:
            shutil.rmtree(old, ignore_errors=True)
    return final, manifest


def current_build(data_dir: Path) -> Path:
    """The live build directory, or a clear error telling to run ``kg build``."""
    pointer = data_dir / "CURRENT"
    try:
        digest = pointer.read_text(encoding="utf-8").strip()
    except OSError:
        raise StoreMissing("no graph built yet", where=str(data_dir),
                           hint="run `kg build` first, or pass --data-dir") from None
    build = data_dir / "builds" / digest
    if not (build / GRAPH_JSON).is_file():
        raise StoreMissing("the store is incomplete", where=str(build),
                           hint="run `kg build` again") from None
    return build


def load_projection(data_dir: Path) -> dict[str, Any]:
    """The property-graph view of the current build."""
    with open(current_build(data_dir) / GRAPH_JSON, encoding="utf-8") as fh:
        return json.load(fh)


def load_manifest(data_dir: Path) -> dict[str, Any]:
    """The manifest (counts, inputs, versions) of the current build."""
    with open(current_build(data_dir) / MANIFEST, encoding="utf-8") as fh:
        return json.load(fh)


def ntriples_path(data_dir: Path) -> Path:
    """The canonical N-Triples file of the current build."""
    return current_build(data_dir) / GRAPH_NT
