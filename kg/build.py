"""The build pipeline: source directory → units (checked, unchanged ones cached) → merged
store files → validated → installed as the current build. See :mod:`kg.units` for the flow."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from kg import __version__
from kg.errors import KgError
from kg.ontology import ONTOLOGY_DIR, load_ontology, ontology_files
from kg.projection import header
from kg.render import safe
from kg.store import (DEFAULT_LOCK_TIMEOUT, GRAPH_JSON, GRAPH_NT, INDEX, check_writable, save_files,
                      to_stderr, work_dir)


@dataclass(frozen=True)
class BuildResult:
    """What a build wrote and what it holds."""

    path: Path
    manifest: dict[str, Any]
    #: Units whose part of the graph came from the previous builds' cache, and units made.
    reused: int = 0
    made: int = 0
    #: How graph.nt was made: "delta" (from the previous build's) or "full".
    merged: str = "full"


def build(source: Path, data_dir: Path, *, validate: bool = True, shacl_engine: str = "auto",
          lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
          notify: Callable[[str], None] | None = None) -> BuildResult:
    """Build, validate and persist the graph of ``source``; the old store stays on failure.

    Units (documents, annotation files) unchanged since the last build of ``data_dir`` are not
    read again: their part of the graph comes from ``<data_dir>/cache/units``; the result is
    byte for byte that of a clean build. Another build of the same data dir is waited for (up
    to ``lock_timeout`` seconds, with one ``notify`` line, by default on stderr) only while it
    installs its store. ``shacl_engine`` validates: "auto" (Jena SHACL for a large graph when
    it can run, else pySHACL: :func:`kg.validation.choose_engine`), "jena" or "pyshacl".
    """
    from kg.gc_pause import no_cyclic_gc
    from kg.loaders.parse_cache import parse_cache
    from kg.store import pruning_in_background
    from kg.units.fragment import DamagedFragment, FragmentCache

    cache = FragmentCache(data_dir / "cache" / "units")
    # unchanged annotation files are not parsed again; new entries are kept once the store is
    # written (a failed build leaves the data dir as it was)
    with no_cyclic_gc(), pruning_in_background():  # the replaced build removed meanwhile
        with parse_cache(data_dir / "cache" / "yaml"):
            try:
                try:
                    result = _build(source, data_dir, cache, validate=validate,
                                    engine=shacl_engine, lock_timeout=lock_timeout,
                                    notify=notify)
                except DamagedFragment:  # a cached fragment read back wrong: check them all
                    cache.restart()
                    result = _build(source, data_dir, cache, validate=validate,
                                    engine=shacl_engine, lock_timeout=lock_timeout,
                                    notify=notify)
            except BaseException:
                cache.discard()  # nothing the failed build made is kept
                raise
        cache.commit()
    return result


def _build(source: Path, data_dir: Path, cache: Any, *, validate: bool, engine: str,
           lock_timeout: float, notify: Callable[[str], None] | None) -> BuildResult:
    from kg.units import code_digest
    from kg.units.delta import Base, file_stamp
    from kg.units.fragment import compact_json
    from kg.units.merge import write_files
    from kg.units.reader import read_units

    ontology_digests = {p.name: _sha256(p) for p in ontology_files(ONTOLOGY_DIR)}
    ontology = cache.ontology(compact_json([ontology_digests, code_digest()]),
                              lambda: load_ontology(ONTOLOGY_DIR))
    units = read_units(source, ontology, compact_json(ontology_digests), cache)
    say = notify or to_stderr
    for line in units.warnings:  # advice that does not stop the build (docs/annotations.md)
        say(f"warning: {safe(line)}")
    check_writable(data_dir)
    with work_dir(data_dir) as work, _Validating(engine if validate else None) as validating:
        written = write_files(units.fragments, header(units.documents, ontology), work,
                              _previous(data_dir, cache, units.fragments), validating.start)
        used = validating.check(source)
        manifest = {
            "kg_version": __version__,
            "source": str(source),
            "source_path": str(source.resolve()),
            "shacl_conforms": True if used else None,
            "shacl_engine": used,
            "inputs": _input_digests(source, units.digests),
            "ontology": ontology_digests,
        }
        path, manifest = save_files(data_dir, work=work, digest=written.digest,
                                    triples=written.triples, manifest=manifest,
                                    entries=written.entries, lock_timeout=lock_timeout,
                                    notify=notify)
    cache.base = Base(written.digest, {f.key: (f.kind, f.name) for f in units.fragments},
                      written.shared, written.owners, written.nodes,
                      {name: file_stamp(path / name) for name in (GRAPH_NT, GRAPH_JSON, INDEX)},
                      written.layout)
    return BuildResult(path, manifest, reused=units.reused, made=units.made,
                       merged=written.merged)


def _previous(data_dir: Path, cache: Any, fragments: list[Any]) -> Any:
    """The previous build to start graph.nt from, when the store still holds the build the
    unit cache describes and most units are unchanged; else None (merge everything)."""
    from kg.store import current_build, load_manifest
    from kg.units.delta import file_stamp, load_base
    from kg.units.merge import Previous

    base = load_base(cache.directory)
    if base is None:
        return None
    try:
        manifest = load_manifest(data_dir)
        build_dir = current_build(data_dir)
        files = manifest["files"]
        graph_nt, nt_sha = build_dir / GRAPH_NT, files[GRAPH_NT]["sha256"]
        index, index_sha = build_dir / INDEX, files[INDEX]["sha256"]
        graph_json, json_sha = build_dir / GRAPH_JSON, files[GRAPH_JSON]["sha256"]
        int(manifest["triples"])
    except (KgError, KeyError, TypeError, ValueError):  # no store yet, or a damaged one
        return None
    keys = {f.key for f in fragments}
    added = [f for f in fragments if f.key not in base.fragments]
    gone = [key for key in base.fragments if key not in keys]
    if manifest.get("build") != base.build or 2 * (len(added) + len(gone)) > len(fragments):
        return None
    removed = [cache.get(key, *base.fragments[key]) for key in gone]
    if any(f is None for f in removed):
        return None
    try:  # files still as the last build installed them are not read again to be checked
        if file_stamp(graph_nt) == base.stamps.get(GRAPH_NT):
            nt_sha = ""
        if file_stamp(index) == base.stamps.get(INDEX):
            index_sha = ""
        if file_stamp(graph_json) == base.stamps.get(GRAPH_JSON):
            json_sha = ""
    except OSError:
        return None
    return Previous(base, graph_nt, nt_sha, index, index_sha, graph_json, json_sha,
                    int(manifest["triples"]), removed, added)


class _Validating:
    """SHACL validation of the written graph (see :func:`kg.validation.start_validation`),
    started as soon as graph.nt is whole: Jena validates it while graph.json and the index are
    written. ``engine`` None: no validation."""

    def __init__(self, engine: str | None) -> None:
        self.engine = engine
        self.validation: Any = None

    def start(self, ntriples: Path) -> None:
        from kg.validation import start_validation

        if self.engine is not None:
            self.stop()  # graph.nt written again: that validation is of the old file
            self.validation = start_validation(ntriples, engine=self.engine)

    def check(self, source: Path) -> str | None:
        """A violation stops the build (one line); else the engine that validated."""
        if self.validation is None:
            return None
        return _conforming(self.validation.report(), source)

    def stop(self) -> None:
        if self.validation is not None:
            self.validation.stop()
            self.validation = None

    def __enter__(self) -> "_Validating":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _conforming(report: Any, source: Path) -> str:
    """The engine of a conforming report; a violation raised as one line."""
    if not report.conforms:
        first = next(f for f in report.results if f.severity == "Violation")
        violations = sum(f.severity == "Violation" for f in report.results)
        raise KgError(
            f"graph does not conform to the SHACL shapes ({violations} violations; "
            f"first: {first.focus}: {first.message})", where=str(source),
            hint="fix the annotations, or build with --no-validate and run `kg validate`")
    return report.engine


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _input_digests(source: Path, known: dict[str, str]) -> dict[str, str]:
    """SHA-256 of every file in the source's documents/ and annotations/ (``known``: those
    of files as the build read them)."""
    files = sorted(p for sub in ("documents", "annotations") for p in (source / sub).glob("*")
                   if p.is_file())
    names = {p: p.relative_to(source).as_posix() for p in files}
    return {name: known.get(name) or _sha256(p) for p, name in names.items()}
