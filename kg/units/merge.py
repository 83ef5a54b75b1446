"""Merge the fragments of a build into the store's files, streaming.

``graph.nt`` is a merge of the fragments' sorted lines (a triple two units emit, such as a
passage both quote, is written once): the lines of the fragments just made, which are in memory,
by one sort, those of cached fragments streamed from their files. ``graph.json`` is the
projection as compact JSON (:func:`graph_json`, the same text :func:`kg.store.save` writes for
a projection), its nodes and edges merged in order from the fragments; ``index.sqlite`` is
written from the same nodes and edges, by a second process for a large graph. Files are
written and hashed by a second thread (:mod:`kg.units.sink`).

A rebuild starts every file from the previous build's instead: graph.nt and graph.json are
spliced (:mod:`kg.units.delta`, :mod:`kg.units.splice`: the changed lines and texts put in
place, the rest copied by the kernel), and the previous index is updated
(:func:`kg.index.writer.update_index`). Only the changed units' rows and lines are read; if a
previous file is not what its build recorded, everything is merged.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import heapq
import itertools
import multiprocessing
import os
import resource
import threading
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from kg.digest import build_digest
from kg.durable import fsync_quietly
from kg.units.delta import Base, OwnerRow, StaleBase, delta_segments
from kg.units.fragment import Fragment
from kg.units.graph_json import Layout, graph_json, spliced_json
from kg.units.sink import Hasher, Sink
from kg.units.splice import OldFile, Segment, write_spliced

GRAPH_NT, GRAPH_JSON, INDEX = "graph.nt", "graph.json", "index.sqlite"
#: Bytes gathered before a write (and a digest update).
BLOCK = 1 << 20


@dataclass(frozen=True)
class Previous:
    """The previous build, for a rebuild that starts from its files (:mod:`kg.units.delta`)."""

    base: Base
    graph_nt: Path
    sha256: str
    index: Path
    index_sha256: str
    graph_json: Path
    #: The files' recorded digests ("" for a file known unchanged since its build wrote it).
    json_sha256: str
    #: How many triples (lines of graph.nt) it has.
    triples: int
    #: Its fragments that this build does not use, and this build's fragments it did not use.
    removed: list[Fragment]
    added: list[Fragment]


@dataclass(frozen=True)
class Written:
    """The files of a build, written into a work directory."""

    files: dict[str, Path]
    #: The build digest (:func:`kg.digest.build_digest` of graph.nt's and graph.json's).
    digest: str
    triples: int
    #: Size and SHA-256 of each file, as the manifest lists them.
    entries: dict[str, dict[str, Any]]
    #: Lines that several fragments emit, with how many do (the next base's counts).
    shared: dict[bytes, int]
    #: Text owner rows of the index that several fragments give, with how many do.
    owners: dict[OwnerRow, int]
    #: How graph.nt and the index were made: "delta" (from the previous build's) or "full".
    merged: str
    #: How many nodes the graph has.
    nodes: int
    #: Where graph.json's texts are (the next base's layout).
    layout: Layout


def write_files(fragments: list[Fragment], header: dict[str, Any], work: Path,
                previous: Previous | None = None,
                graph_nt_written: Callable[[Path], None] | None = None) -> Written:
    """Write graph.nt, graph.json and index.sqlite of ``fragments`` into ``work``: from the
    previous build's files when it is given and they are still what it recorded
    (:mod:`kg.units.delta`), else merged whole. ``graph_nt_written`` is called with graph.nt
    as soon as it is whole (again if a rebuild falls back to merging everything)."""
    done = graph_nt_written or (lambda path: None)
    if previous is not None:
        try:
            return _write_delta(fragments, header, work, previous, done)
        except StaleBase:  # an old file changed or went: merge everything
            for name in (GRAPH_NT, GRAPH_JSON, INDEX, INDEX + ".work"):
                (work / name).unlink(missing_ok=True)
    return _write_full(fragments, header, work, done)


def _write_full(fragments: list[Fragment], header: dict[str, Any], work: Path,
                graph_nt_written: Callable[[Path], None]) -> Written:
    rows = [f.rows for f in fragments]  # cached rows read and checked here, before the fork
    nodes = sum(len(r.nodes) for r in rows)
    index = _Background(_in_background(nodes), index_whole, fragments, header, work / INDEX)
    with _beside(index) as syncs:
        shared: dict[bytes, int] = {}
        nt_entry, triples = _write_ntriples(fragments, work / GRAPH_NT, work, shared)
        graph_nt_written(work / GRAPH_NT)
        syncs.start(work / GRAPH_NT)
        layout = Layout()
        json_entry = _write_chunks(
            graph_json(header, [n[3] for n in _merged(r.nodes for r in rows)],
                       [t for _k, t in _merged(r.edges for r in rows)], layout),
            work / GRAPH_JSON)
        syncs.start(work / GRAPH_JSON)
        owners, index_entry = index.result()
    return _written(work, triples, {GRAPH_NT: nt_entry, GRAPH_JSON: json_entry,
                                    INDEX: index_entry}, shared, owners, "full", nodes, layout)


def _write_delta(fragments: list[Fragment], header: dict[str, Any], work: Path,
                 previous: Previous, graph_nt_written: Callable[[Path], None]) -> Written:
    for fragment in (*previous.removed, *previous.added):
        fragment.rows  # noqa: B018 - read and checked here, before the fork
    nodes = previous.base.nodes + sum(len(f.rows.nodes) for f in previous.added) - sum(
        len(f.rows.nodes) for f in previous.removed)
    index = _Background(_in_background(nodes), update_index_file, previous, header, work)
    with _beside(index) as syncs:
        shared = dict(previous.base.shared)
        layout = Layout()
        with contextlib.ExitStack() as files:  # the hashers stop before the old files close
            old_nt = files.enter_context(OldFile(previous.graph_nt, previous.sha256))
            old_json = files.enter_context(OldFile(previous.graph_json, previous.json_sha256))
            nt_hash, json_hash = files.enter_context(Hasher()), files.enter_context(Hasher())
            segments, gained = delta_segments(old_nt.data, previous.removed, previous.added,
                                              shared)
            write_spliced(old_nt, segments, work / GRAPH_NT, nt_hash)
            graph_nt_written(work / GRAPH_NT)
            syncs.start(work / GRAPH_NT)
            write_spliced(old_json, _graph_json_delta(header, previous, old_json, layout),
                          work / GRAPH_JSON, json_hash)  # while graph.nt is still hashed
            syncs.start(work / GRAPH_JSON)
            nt_entry, json_entry = nt_hash.close(), json_hash.close()
        triples = previous.triples + gained
        owners, index_entry = index.result()
    return _written(work, triples, {GRAPH_NT: nt_entry, GRAPH_JSON: json_entry,
                                    INDEX: index_entry}, shared, owners, "delta", nodes, layout)


def _graph_json_delta(header: dict[str, Any], previous: Previous, old: OldFile,
                      layout: Layout) -> list[Segment]:
    """graph.json of a rebuild (:func:`kg.units.graph_json.spliced_json`) from the previous
    one, ``old``. Raises :class:`StaleBase` if that file does not match its layout."""
    removed = [f.rows for f in previous.removed]
    added = [f.rows for f in previous.added]
    edges = ([key for r in removed for key, _t in r.edges],
             [(key, text.encode("utf-8")) for r in added for key, text in r.edges])
    nodes = ([(n[0],) for r in removed for n in r.nodes],
             [((n[0],), n[3].encode("utf-8")) for r in added for n in r.nodes])
    return spliced_json(header, old.data, previous.base.layout, edges, nodes, layout)


def _written(work: Path, triples: int, entries: dict[str, dict[str, Any]],
             shared: dict[bytes, int], owners: dict[OwnerRow, int], merged: str,
             nodes: int, layout: Layout) -> Written:
    return Written({name: work / name for name in (GRAPH_NT, GRAPH_JSON, INDEX)},
                   build_digest(entries[GRAPH_NT]["sha256"], entries[GRAPH_JSON]["sha256"]),
                   triples, entries, shared, owners, merged, nodes, layout)


@contextlib.contextmanager
def _beside(index: "_Background") -> Iterator["_Syncs"]:
    """The graph files written while ``index`` is made beside them, each flushed to disk by
    a thread once written; on an error the index's process is stopped."""
    syncs = _Syncs()
    try:
        yield syncs
    except BaseException:
        index.stop()
        raise
    finally:
        syncs.wait()


class _Syncs:
    """Files flushed to disk by threads while the build goes on (``os.fsync`` lets the
    interpreter run), so that installing the build finds little left to sync."""

    def __init__(self) -> None:
        self.threads: list[threading.Thread] = []

    def start(self, path: Path) -> None:
        # an error is left to the install, which syncs every file again
        thread = threading.Thread(target=fsync_quietly, args=(path,), daemon=True)
        thread.start()
        self.threads.append(thread)

    def wait(self) -> None:
        for thread in self.threads:
            thread.join()


def _entry(path: Path) -> dict[str, Any]:
    """A written file's manifest entry (size and SHA-256), the file synced meanwhile."""
    syncs = _Syncs()
    syncs.start(path)
    try:
        return {"bytes": path.stat().st_size, "sha256": _sha256(path)}
    finally:
        syncs.wait()


def index_whole(fragments: list[Fragment], header: dict[str, Any],
                path: Path) -> tuple[dict[OwnerRow, int], dict[str, Any]]:
    """:func:`write_index`, then the index's entry."""
    owners = write_index(fragments, header, path)
    return owners, _entry(path)


def write_index(fragments: list[Fragment], header: dict[str, Any],
                path: Path) -> dict[OwnerRow, int]:
    """Write index.sqlite from the fragments' nodes, edges, label rows and texts; the text
    owner rows that several fragments give, with how many do."""
    from kg.index.writer import write_index_rows

    labels: set[tuple[str, str, str]] = set()
    owners: dict[tuple[str, int], set[str]] = {}
    counts: dict[OwnerRow, int] = {}
    for fragment in fragments:
        labels.update(fragment.rows.labels)
        for text, flag, ids in fragment.rows.texts:
            have = owners.setdefault((text, flag), set())
            if have.isdisjoint(ids):
                have.update(ids)
                continue
            for node_id in ids:  # some owner another fragment gave too
                if node_id in have:
                    counts[(text, flag, node_id)] = counts.get((text, flag, node_id), 1) + 1
                else:
                    have.add(node_id)
    write_index_rows(header, _merged(f.rows.nodes for f in fragments),
                     _merged(f.rows.edges for f in fragments), labels, owners, path)
    return counts


def _merged(runs: Iterable[list[Any]]) -> list[Any]:
    """Sorted runs merged into one list (one sort: it finds the runs, and compares in C)."""
    return sorted(itertools.chain.from_iterable(runs))


def update_index_file(previous: Previous, header: dict[str, Any],
                      work: Path) -> tuple[dict[OwnerRow, int], dict[str, Any]]:
    """The index of a rebuild, from the previous build's (:func:`kg.index.writer.update_index`):
    the new owner counts and the index's entry. Raises :class:`StaleBase` if the previous
    index is not what its build recorded."""
    from kg.index.writer import update_index

    if previous.index_sha256 and _sha256(previous.index) != previous.index_sha256:
        raise StaleBase
    counts = dict(previous.base.owners)
    update_index(previous.index, work / INDEX, header, _index_rows(previous.removed),
                 _index_rows(previous.added), counts)
    return counts, _entry(work / INDEX)


def _index_rows(fragments: list[Fragment]) -> Any:
    labels: set[tuple[str, str, str]] = set()
    for f in fragments:
        labels.update(f.rows.labels)
    return ([n for f in fragments for n in f.rows.nodes],
            [e for f in fragments for e in f.rows.edges], labels,
            [(text, flag, i) for f in fragments for text, flag, ids in f.rows.texts
             for i in ids])


def _sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(BLOCK), b""):
            sha.update(block)
    return sha.hexdigest()


#: Below this many nodes the index is written in the build's own process.
BACKGROUND_INDEX_NODES = 20_000


def _in_background(nodes: int) -> bool:
    return _cpus() > 1 and nodes >= BACKGROUND_INDEX_NODES


class _Background:
    """``fn(*args)`` in a forked process while this one writes the graph files (with one CPU,
    or a small graph, in this process when :meth:`result` is asked for)."""

    def __init__(self, background: bool, fn: Any, *args: Any) -> None:
        self.job = (fn, *args)
        self.process: Any = None
        if background:
            context = multiprocessing.get_context("fork")
            self.receive, send = context.Pipe(duplex=False)
            self.process = context.Process(target=_background_child, args=(send, *self.job),
                                           daemon=True)
            self.process.start()
            send.close()

    def stop(self) -> None:
        """Stop a child still running (the build failed)."""
        if self.process is not None and self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=5)

    def result(self) -> Any:
        """What ``fn`` returned, once it has; its error raised here."""
        if self.process is None:
            fn, *args = self.job
            return fn(*args)
        try:
            kind, number, value = self.receive.recv()
        except EOFError:
            kind, number, value = ("bug", None, "the process writing the index stopped "
                                   "unexpectedly")
        finally:
            self.process.join()
        if kind == "ok":
            return value
        if kind == "stale":
            raise StaleBase
        if kind == "os":
            raise OSError(number, value)
        raise RuntimeError(f"writing the index failed:\n{value}")


def _background_child(send: Any, fn: Any, *args: Any) -> None:
    """The forked writer: ("ok", None, result), else what went wrong."""
    try:
        send.send(("ok", None, fn(*args)))
    except StaleBase:
        send.send(("stale", None, None))
    except OSError as exc:
        send.send(("os", exc.errno, exc.strerror or str(exc)))
    except BaseException:  # noqa: BLE001 - a bug: the parent raises it
        send.send(("bug", None, traceback.format_exc()))


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _write_ntriples(fragments: list[Fragment], path: Path, work: Path,
                    shared: dict[bytes, int]) -> tuple[dict[str, Any], int]:
    """The merged, distinct lines of every fragment into ``path``; its entry and line count.
    ``shared`` gets the lines several fragments emit, with how many do."""
    in_memory: list[bytes] = []
    for fragment in fragments:
        if fragment.nt_path is None:
            in_memory.extend(fragment.data.splitlines(keepends=True))
    in_memory.sort()  # one C-level merge of the made fragments' sorted runs
    sources: list[Iterable[bytes]] = [in_memory]
    sources += [f.line_source() for f in fragments if f.nt_path is not None]
    if len(sources) == 1:  # all in memory (a clean build)
        return _write_sorted(in_memory, path, shared)
    limit = _open_files_limit()
    level = 0
    while len(sources) > limit:  # merge groups into sorted runs first
        runs = []
        for start in range(0, len(sources), limit):
            run = work / f"run-{level}-{start}.nt"
            _write_lines(heapq.merge(*sources[start:start + limit]), run, shared)
            runs.append(run)
        sources = [_read_lines(run) for run in runs]
        level += 1
    merged = sources[0] if len(sources) == 1 else heapq.merge(*sources)  # [] if none
    return _write_lines(merged, path, shared)


def _read_lines(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        yield from handle


def _write_lines(lines: Iterable[bytes], path: Path,
                 shared: dict[bytes, int]) -> tuple[dict[str, Any], int]:
    """Write the distinct ``lines`` (sorted) to ``path``; a repeat is counted in ``shared``."""
    count = 0
    block: list[bytes] = []
    pending = 0
    last = None
    with Sink(path) as sink:
        for line in lines:
            if line == last:
                shared[line] = shared.get(line, 1) + 1
                continue
            last = line
            count += 1
            block.append(line)
            pending += len(line)
            if pending >= BLOCK:
                sink.put(b"".join(block))
                block, pending = [], 0
        sink.put(b"".join(block))
        return sink.close(), count


def _write_sorted(lines: list[bytes], path: Path,
                  shared: dict[bytes, int]) -> tuple[dict[str, Any], int]:
    """:func:`_write_lines` of sorted lines held in a list, counted and joined in C."""
    counts = collections.Counter(lines)  # its keys in first-seen order: sorted, distinct
    if len(counts) < len(lines):
        for line, n in counts.items():
            if n > 1:
                shared[line] = shared.get(line, 1) + n - 1
    distinct = iter(counts)
    with Sink(path) as sink:
        while chunk := b"".join(itertools.islice(distinct, BLOCK >> 7)):
            sink.put(chunk)
        return sink.close(), len(counts)


def _write_chunks(chunks: Iterable[bytes], path: Path) -> dict[str, Any]:
    """Write chunks of bytes to ``path``; its entry."""
    with Sink(path) as sink:
        for chunk in chunks:
            sink.put(chunk)
        return sink.close()


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
