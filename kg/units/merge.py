"""Merge the fragments of a build into the store's files, streaming.

``graph.nt`` is a merge of the fragments' sorted lines (a triple two units emit, such as a
passage both quote, is written once): the lines of the fragments just made, which are in memory,
by one sort, those of cached fragments streamed from their files; a rebuild starts from the
previous ``graph.nt`` instead (:mod:`kg.units.delta`). ``graph.json`` is the projection as
compact JSON (:func:`graph_json`, the same text :func:`kg.store.save` writes for a projection),
its nodes and edges merged in order from the fragments; ``index.sqlite`` is written from the
same nodes and edges, by a second process for a large graph. The files are written in blocks;
the lines of the fragments just made are what is held in memory (all of them in a clean build,
the changed units' in a rebuild).
"""

from __future__ import annotations

import hashlib
import heapq
import multiprocessing
import os
import resource
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from kg.units.delta import Base, StaleBase, delta_chunks
from kg.units.fragment import Fragment, compact_json

GRAPH_NT, GRAPH_JSON, INDEX = "graph.nt", "graph.json", "index.sqlite"
#: Bytes gathered before a write (and a digest update).
BLOCK = 1 << 20


@dataclass(frozen=True)
class Previous:
    """The previous build, for a rebuild that starts from its graph.nt (:mod:`kg.units.delta`)."""

    base: Base
    graph_nt: Path
    sha256: str
    #: Its fragments that this build does not use, and this build's fragments it did not use.
    removed: list[Fragment]
    added: list[Fragment]


@dataclass(frozen=True)
class Written:
    """The files of a build, written into a work directory."""

    files: dict[str, Path]
    #: The build digest: SHA-256 of graph.nt then graph.json (first 16 hex digits).
    digest: str
    triples: int
    #: Size and SHA-256 of each file, as the manifest lists them.
    entries: dict[str, dict[str, Any]]
    #: Lines that several fragments emit, with how many do (the next base's counts).
    shared: dict[bytes, int]
    #: How graph.nt was made: "delta" (from the previous build's) or "full".
    merged: str


def graph_json(header: dict[str, Any], nodes: Iterable[str], edges: Iterable[str]) -> Iterator[str]:
    """The text of ``graph.json``: ``header`` (documents, classes, relations) with the node and
    edge JSON texts, in the order given; equal to :func:`compact_json` of the whole projection
    plus a newline.

    >>> "".join(graph_json({"classes": {}, "documents": {}, "relations": {}}, ['{"id":"a"}'], []))
    '{"classes":{},"documents":{},"edges":[],"nodes":[{"id":"a"}],"relations":{}}\\n'
    """
    yield '{"classes":' + compact_json(header["classes"])
    yield ',"documents":' + compact_json(header["documents"]) + ',"edges":['
    yield from _joined(edges)
    yield '],"nodes":['
    yield from _joined(nodes)
    yield '],"relations":' + compact_json(header["relations"]) + "}\n"


def _joined(texts: Iterable[str]) -> Iterator[str]:
    first = True
    for text in texts:
        yield text if first else "," + text
        first = False


def write_files(fragments: list[Fragment], header: dict[str, Any], work: Path,
                previous: Previous | None = None) -> Written:
    """Write graph.nt, graph.json and index.sqlite of ``fragments`` into ``work``: graph.nt
    from the previous build's when it is given (:mod:`kg.units.delta`), else merged whole."""
    index = _IndexWriter(fragments, header, work / INDEX)  # beside the graph files
    try:
        return _write_graph_files(fragments, header, work, previous, index)
    except BaseException:
        index.stop()
        raise


def _write_graph_files(fragments: list[Fragment], header: dict[str, Any], work: Path,
                       previous: Previous | None, index: "_IndexWriter") -> Written:
    merged = "full"
    build, shared = hashlib.sha256(), {}
    if previous is not None:
        try:
            shared = dict(previous.base.shared)
            nt_entry, triples = _write_chunks(
                delta_chunks(previous.graph_nt, previous.sha256, previous.removed,
                             previous.added, shared), work / GRAPH_NT, build)
            merged = "delta"
        except (StaleBase, OSError):  # the old file changed or went: merge everything
            build, shared = hashlib.sha256(), {}
    if merged == "full":
        nt_entry, triples = _write_ntriples(fragments, work / GRAPH_NT, work, build, shared)
    nodes = [f.nodes for f in fragments]
    edges = [f.edges for f in fragments]
    json_entry = _write_text(graph_json(header, (n[3] for n in heapq.merge(*nodes)),
                                        (t for _k, t in heapq.merge(*edges))),
                             work / GRAPH_JSON, build)
    index.wait()
    return Written({GRAPH_NT: work / GRAPH_NT, GRAPH_JSON: work / GRAPH_JSON,
                    INDEX: work / INDEX}, build.hexdigest()[:16], triples,
                   {GRAPH_NT: nt_entry, GRAPH_JSON: json_entry}, shared, merged)


def write_index(fragments: list[Fragment], header: dict[str, Any], path: Path) -> None:
    """Write index.sqlite from the fragments' nodes, edges, label rows and texts."""
    from kg.index.writer import write_index_rows

    labels: set[tuple[str, str, str]] = set()
    owners: dict[tuple[str, int], set[str]] = {}
    for fragment in fragments:
        labels.update(fragment.labels)
        for text, flag, ids in fragment.texts:
            owners.setdefault((text, flag), set()).update(ids)
    write_index_rows(header, heapq.merge(*(f.nodes for f in fragments)),
                     heapq.merge(*(f.edges for f in fragments)), labels, owners, path)


class _IndexWriter:
    """:func:`write_index` in a forked process while this one writes the graph files (with
    one CPU, or a small graph, in this process when :meth:`wait` is called)."""

    def __init__(self, fragments: list[Fragment], header: dict[str, Any], path: Path) -> None:
        self.job = (fragments, header, path)
        self.process: Any = None
        if _cpus() > 1 and sum(len(f.nodes) for f in fragments) >= BACKGROUND_INDEX_NODES:
            context = multiprocessing.get_context("fork")
            self.receive, send = context.Pipe(duplex=False)
            self.process = context.Process(target=_index_child, args=(send, *self.job),
                                           daemon=True)
            self.process.start()
            send.close()

    def stop(self) -> None:
        """Stop a writer still running (the build failed)."""
        if self.process is not None and self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=5)

    def wait(self) -> None:
        """Return once the index is written; its writer's error raised here."""
        if self.process is None:
            write_index(*self.job)
            return
        try:
            error = self.receive.recv()
        except EOFError:
            error = ("stopped", None, "the process writing the index stopped unexpectedly")
        finally:
            self.process.join()
        if error is not None:
            kind, number, text = error
            if kind == "os":
                raise OSError(number, text)
            raise RuntimeError(f"writing the index failed:\n{text}")


#: Below this many nodes the index is written in the build's own process.
BACKGROUND_INDEX_NODES = 20_000


def _index_child(send: Any, fragments: list[Fragment], header: dict[str, Any],
                 path: Path) -> None:
    """The forked index writer: None when done, else what went wrong."""
    try:
        write_index(fragments, header, path)
        send.send(None)
    except OSError as exc:
        send.send(("os", exc.errno, exc.strerror or str(exc)))
    except BaseException:  # noqa: BLE001 - a bug: the parent raises it
        send.send(("bug", None, traceback.format_exc()))


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _write_ntriples(fragments: list[Fragment], path: Path, work: Path, build: Any,
                    shared: dict[bytes, int]) -> tuple[dict[str, Any], int]:
    """The merged, distinct lines of every fragment into ``path``; its entry and line count.
    ``shared`` gets the lines several fragments emit, with how many do."""
    made = [f for f in fragments if f.nt_path is None]
    in_memory = [line for f in made for line in f.lines]
    in_memory.sort()  # one C-level merge of the made fragments' sorted runs
    sources: list[Iterable[bytes]] = [in_memory]
    sources += [f.line_source() for f in fragments if f.nt_path is not None]
    limit = _open_files_limit()
    level = 0
    while len(sources) > limit:  # merge groups into sorted runs first
        runs = []
        for start in range(0, len(sources), limit):
            run = work / f"run-{level}-{start}.nt"
            _write_lines(heapq.merge(*sources[start:start + limit]), run, None, shared)
            runs.append(run)
        sources = [_read_lines(run) for run in runs]
        level += 1
    merged = sources[0] if len(sources) == 1 else heapq.merge(*sources)  # [] if none
    return _write_lines(merged, path, build, shared)


def _read_lines(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        yield from handle


def _write_lines(lines: Iterable[bytes], path: Path, build: Any,
                 shared: dict[bytes, int] | None) -> tuple[dict[str, Any], int]:
    """Write the distinct ``lines`` (sorted) to ``path``; a repeat is counted in ``shared``."""
    sha = hashlib.sha256()
    count = size = 0
    block: list[bytes] = []
    pending = 0
    last = None
    with open(path, "wb") as out:
        for line in lines:
            if line == last:
                if shared is not None:
                    shared[line] = shared.get(line, 1) + 1
                continue
            last = line
            count += 1
            block.append(line)
            pending += len(line)
            if pending >= BLOCK:
                size += _flush(out, block, sha, build)
                block, pending = [], 0
        size += _flush(out, block, sha, build)
    return {"bytes": size, "sha256": sha.hexdigest()}, count


def _write_chunks(chunks: Iterable[bytes], path: Path,
                  build: Any) -> tuple[dict[str, Any], int]:
    """Write chunks of whole lines to ``path``; its entry and line count."""
    sha = hashlib.sha256()
    size = count = 0
    with open(path, "wb") as out:
        for chunk in chunks:
            count += chunk.count(b"\n")
            size += _flush(out, [chunk], sha, build)
    return {"bytes": size, "sha256": sha.hexdigest()}, count


def _flush(out: Any, block: list[bytes], sha: Any, build: Any) -> int:
    data = b"".join(block)
    out.write(data)
    sha.update(data)
    if build is not None:
        build.update(data)
    return len(data)


def _write_text(chunks: Iterable[str], path: Path, build: Any) -> dict[str, Any]:
    sha = hashlib.sha256()
    size = 0
    block: list[str] = []
    pending = 0
    with open(path, "wb") as out:
        for chunk in chunks:
            block.append(chunk)
            pending += len(chunk)
            if pending >= BLOCK:
                size += _flush(out, ["".join(block).encode("utf-8")], sha, build)
                block, pending = [], 0
        size += _flush(out, ["".join(block).encode("utf-8")], sha, build)
    return {"bytes": size, "sha256": sha.hexdigest()}


def _open_files_limit() -> int:
    """How many fragment files may be open at once (raising the soft limit when allowed)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    return max(16, min(soft // 2, 4096) - 64)
