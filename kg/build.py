"""The build pipeline: source directory → checked corpus → RDF + property graph → store."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from kg import __version__
from kg.errors import KgError
from kg.graph import rdf_lines
from kg.loaders.corpus import load_corpus
from kg.ontology import ONTOLOGY_DIR, load_ontology, ontology_files
from kg.projection import project
from kg.render import safe
from kg.store import DEFAULT_LOCK_TIMEOUT, check_writable, save, to_stderr


@dataclass(frozen=True)
class BuildResult:
    """What a build wrote and what it holds."""

    path: Path
    manifest: dict[str, Any]


def build(source: Path, data_dir: Path, *, validate: bool = True,
          lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
          notify: Callable[[str], None] | None = None) -> BuildResult:
    """Build, validate and persist the graph of ``source``; the old store stays on failure.

    Another build of the same data dir is waited for (up to ``lock_timeout`` seconds, with one
    ``notify`` line, by default on stderr) only while it writes its store.
    """
    from kg.loaders.parse_cache import parse_cache

    # unchanged annotation files are not parsed again; new entries are kept once the store is
    # written (a failed build leaves the data dir as it was)
    with parse_cache(data_dir / "cache" / "yaml"):
        return _build(source, data_dir, validate=validate, lock_timeout=lock_timeout,
                      notify=notify)


def _build(source: Path, data_dir: Path, *, validate: bool, lock_timeout: float,
           notify: Callable[[str], None] | None) -> BuildResult:
    ontology = load_ontology(ONTOLOGY_DIR)
    corpus = load_corpus(source, ontology)
    say = notify or to_stderr
    for line in corpus.warnings:  # advice that does not stop the build (docs/annotations.md)
        say(f"warning: {safe(line)}")
    check_writable(data_dir)
    ntriples = "\n".join(sorted(rdf_lines(corpus, ontology))) + "\n"  # canonical
    conforms: bool | None = None
    if validate:
        from kg.graph import rdf_graph
        from kg.validation import validate_graph

        graph = rdf_graph(())
        graph.parse(data=ntriples, format="nt")
        report = validate_graph(graph, copy=False)
        conforms = report.conforms
        if not report.conforms:
            first = report.results[0]
            raise KgError(
                f"graph does not conform to the SHACL shapes ({len(report.results)} violations; "
                f"first: {first.focus}: {first.message})", where=str(source),
                hint="fix the annotations, or build with --no-validate and run `kg validate`")
    projection = project(corpus, ontology)
    manifest = {
        "kg_version": __version__,
        "source": str(source),
        "source_path": str(source.resolve()),
        "triples": ntriples.count("\n"),
        "shacl_conforms": conforms,
        "inputs": _input_digests(source),
        "ontology": {p.name: _sha256(p) for p in ontology_files(ONTOLOGY_DIR)},
    }
    path, manifest = save(data_dir, ntriples=ntriples, projection=projection, manifest=manifest,
                          lock_timeout=lock_timeout, notify=notify)
    return BuildResult(path, manifest)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _input_digests(source: Path) -> dict[str, str]:
    files = sorted(p for sub in ("documents", "annotations") for p in (source / sub).glob("*")
                   if p.is_file())
    return {str(p.relative_to(source)): _sha256(p) for p in files}
