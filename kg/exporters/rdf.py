"""RDF serialisations of the built graph: Turtle, N-Triples, JSON-LD (byte-stable)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import BinaryIO, Iterator

from kg.errors import KgError
from kg.fileio import CHUNK, encoded_chunks
from kg.graph import PREFIXES, RDF
from kg.store import ntriples_path


def export_turtle(data_dir: Path, out: Path | None = None) -> Iterator[bytes]:
    """Turtle, byte-stable, streamed: one subject block at a time from the canonical N-Triples
    (memory stays flat whatever the size of the graph)."""
    return turtle_chunks(_open(data_dir))


def export_ntriples(data_dir: Path, out: Path | None = None) -> Iterator[bytes]:
    """Canonical (sorted) N-Triples: the stored file, streamed (its digest checked)."""
    return _file_chunks(_open(data_dir))


def _open(data_dir: Path) -> BinaryIO:
    """The checked ``graph.nt`` of the current build, opened now: a build that prunes it
    later cannot take it away from the export."""
    path = ntriples_path(data_dir)
    try:
        return path.open("rb")
    except OSError as exc:
        raise KgError(f"cannot read the stored graph: {exc.strerror}", where=str(path),
                      hint="a build may have replaced it: run the export again") from None


#: Turtle prefixes: the project's, and rdf: for the reified statements (rdf:type is ``a``).
TURTLE_PREFIXES = {**PREFIXES, "rdf": RDF, "rdfs": "http://www.w3.org/2000/01/rdf-schema#"}
_LOCAL = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_TYPE = f"<{RDF}type>"


def _file_chunks(handle: BinaryIO) -> Iterator[bytes]:
    with handle:
        yield from iter(lambda: handle.read(CHUNK), b"")


def _compact(term: str, namespaces: list[tuple[str, str]]) -> str:
    """``<iri>`` as ``prefix:local`` when a prefix covers it with a plain local name."""
    if not term.startswith("<"):
        return term
    iri = term[1:-1]
    for namespace, prefix in namespaces:
        if iri.startswith(namespace) and _LOCAL.fullmatch(iri[len(namespace):]):
            return f"{prefix}:{iri[len(namespace):]}"
    return term


def turtle_chunks(ntriples: Path | BinaryIO) -> Iterator[bytes]:
    """Turtle of a canonical N-Triples file: the prefixes, then each subject's triples as one
    block in the file's (sorted) order; literals are written as in N-Triples, which Turtle
    reads the same way."""
    namespaces = _namespaces()

    def pieces() -> Iterator[str]:
        yield "".join(f"@prefix {prefix}: <{ns}> .\n" for prefix, ns in
                      sorted(TURTLE_PREFIXES.items()))
        for subject, pairs in _subject_blocks(ntriples):
            lines = [f"{'a' if p == _TYPE else _compact(p, namespaces)} "
                     f"{_compact(o, namespaces)}" for p, o in pairs]
            yield f"\n{_compact(subject, namespaces)}\n    " + " ;\n    ".join(lines) + " .\n"

    return encoded_chunks(pieces())


def _namespaces() -> list[tuple[str, str]]:
    """(namespace, prefix) of the export prefixes, longest namespace first."""
    return sorted(((ns, prefix) for prefix, ns in TURTLE_PREFIXES.items()),
                  key=lambda item: -len(item[0]))


def export_jsonld(data_dir: Path, out: Path | None = None) -> Iterator[bytes]:
    """JSON-LD with a prefix context, streamed: one node object per subject (one per line, in
    the canonical file's order, every array sorted)."""
    return jsonld_chunks(_open(data_dir))


_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)")
_UNESCAPED = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'",
              "\\": "\\"}


def _unescape(text: str) -> str:
    """The string an N-Triples string literal's body stands for."""
    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        return chr(int(code[1:], 16)) if code[0] in "uU" and len(code) > 1 else \
            _UNESCAPED.get(code, code)

    return _ESCAPE.sub(one, text)


def _json_iri(iri: str, namespaces: list[tuple[str, str]]) -> str:
    """An IRI as JSON-LD writes it: ``prefix:rest`` under a context prefix, else whole."""
    for namespace, prefix in namespaces:
        rest = iri[len(namespace):]
        if iri.startswith(namespace) and rest and not rest.startswith("//"):
            return f"{prefix}:{rest}"
    return iri


def _json_value(term: str, namespaces: list[tuple[str, str]]) -> dict[str, str]:
    if term.startswith("<"):
        return {"@id": _json_iri(term[1:-1], namespaces)}
    end = term.rindex('"')
    value = {"@value": _unescape(term[1:end])}
    suffix = term[end + 1:]
    if suffix.startswith("@"):
        value["@language"] = suffix[1:]
    elif suffix.startswith("^^<"):
        value["@type"] = _json_iri(suffix[3:-1], namespaces)
    return value


def jsonld_chunks(ntriples: Path | BinaryIO) -> Iterator[bytes]:
    """JSON-LD of a canonical N-Triples file, a node object per subject."""
    namespaces = _namespaces()

    def node(subject: str, pairs: list[tuple[str, str]]) -> str:
        values: dict[str, list[object]] = {}
        for p, o in pairs:
            if p == _TYPE and o.startswith("<"):
                values.setdefault("@type", []).append(_json_iri(o[1:-1], namespaces))
            else:
                values.setdefault(_json_iri(p[1:-1], namespaces), []).append(
                    _json_value(o, namespaces))
        item: dict[str, object] = {"@id": _json_iri(subject[1:-1], namespaces)}
        for key, found in values.items():
            item[key] = sorted(found, key=lambda v: json.dumps(v, ensure_ascii=False,
                                                               sort_keys=True))
        return json.dumps(item, ensure_ascii=False, sort_keys=True)

    def pieces() -> Iterator[str]:
        context = json.dumps(dict(sorted(TURTLE_PREFIXES.items())), sort_keys=True)
        yield f'{{\n "@context": {context},\n "@graph": ['
        separator = "\n  "
        for subject, pairs in _subject_blocks(ntriples):
            yield separator + node(subject, pairs)
            separator = ",\n  "
        yield "\n ]\n}\n"

    return encoded_chunks(pieces())


def _subject_blocks(ntriples: Path | BinaryIO) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """(subject, [(predicate, object), …]) of each subject of a canonical N-Triples file."""
    binary = ntriples.open("rb") if isinstance(ntriples, Path) else ntriples
    subject: str | None = None
    pairs: list[tuple[str, str]] = []
    with io.TextIOWrapper(binary, encoding="utf-8", newline="\n") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if not line:
                continue
            s, p, o = line[:-2].split(" ", 2)
            if s != subject:
                if subject is not None:
                    yield subject, pairs
                subject, pairs = s, []
            pairs.append((p, o))
    if subject is not None:
        yield subject, pairs


def export_rdf(data_dir: Path, fmt: str) -> bytes:
    """The current build serialised as ``fmt``, whole; the same store gives the same bytes."""
    chunks = {"ttl": export_turtle, "jsonld": export_jsonld, "nt": export_ntriples}.get(fmt)
    if chunks is None:
        raise ValueError(f"unknown RDF format {fmt!r}")
    return b"".join(chunks(data_dir))
