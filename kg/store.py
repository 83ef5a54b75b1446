"""The persisted store under the data dir, written atomically and checked when read.

Layout: ``<data-dir>/builds/<digest>/{graph.nt, graph.json, manifest.json}`` and
``<data-dir>/CURRENT`` naming the live build. A build is written completely (each file synced)
into a staging directory, renamed into place, then ``CURRENT`` is replaced in one ``os.replace``:
readers see the old store or the new one, never half of one.

Writers take an exclusive ``flock`` on ``<data-dir>/.lock`` for the whole staging → rename →
prune; readers take no lock. The manifest records the store format version and the size and
SHA-256 of ``graph.nt`` and ``graph.json``; readers check the version and every size on each
open (a few ``stat`` calls) and the digest of each file they read (about 1.5 ms for the seeds'
1.8 MB ``graph.nt``), so a damaged store is one clear line, never wrong output.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Callable, Iterator

from kg.durable import fsync_quietly
from kg.errors import KgError, StoreMissing

DEFAULT_DATA_DIR = ".kg"
GRAPH_NT = "graph.nt"
GRAPH_JSON = "graph.json"
MANIFEST = "manifest.json"
CURRENT = "CURRENT"
LOCK = ".lock"
STAGING_PREFIX = ".staging-"
INDEX_PREFIX = ".index-"
WORK_PREFIX = ".work-"
CHECKED_SUFFIX = ".checked"
POINTER_TMP = ".CURRENT.tmp"
#: The layout and manifest this kg writes and reads (1: the first layout, no version, no digests).
FORMAT_VERSION = 4
#: How long a build waits for another build of the same data dir (seconds).
DEFAULT_LOCK_TIMEOUT = 60.0
#: What ``CURRENT`` may name: a build digest, nothing else (no path, no ``..``).
_BUILD_NAME = re.compile(r"[0-9a-f]{16,64}")
INDEX = "index.sqlite"  # kg.index.INDEX: the indexed form that queries open (derived)
_DATA_FILES = (GRAPH_NT, GRAPH_JSON, INDEX)
_REBUILD = "run `kg build` to rebuild it"


class StoreDamaged(KgError):
    """The store exists but cannot be trusted: a file is missing, truncated, altered or foreign."""


def data_dir_from(option: str | None) -> Path:
    """The data dir: the option, else ``$KG_DATA_DIR``, else ``./.kg``."""
    return Path(option or os.environ.get("KG_DATA_DIR") or DEFAULT_DATA_DIR)


def dump_json(data: Any) -> str:
    """Stable JSON text (sorted keys, UTF-8, trailing newline)."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n"


def _cannot_write(data_dir: Path, exc: OSError) -> KgError:
    return KgError(f"cannot write the store: {exc.strerror or exc}", where=str(data_dir),
                   hint="choose a writable --data-dir or set KG_DATA_DIR")


def check_writable(data_dir: Path) -> None:
    """Fail early, before any work, when the data dir cannot be written."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=data_dir, prefix=".probe-"):
            pass
    except OSError as exc:
        raise _cannot_write(data_dir, exc) from None


# --------------------------------------------------------------------------------------------
#  Writing
# --------------------------------------------------------------------------------------------

def to_stderr(line: str) -> None:
    """Print a notice line on stderr (the default ``notify``)."""
    print(line, file=sys.stderr, flush=True)


@contextmanager
def build_lock(data_dir: Path, timeout: float = DEFAULT_LOCK_TIMEOUT,
               notify: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the data dir's build lock; wait up to ``timeout`` seconds for another build.

    The lock is an ``flock`` on ``<data-dir>/.lock`` (released by the kernel if the holder dies);
    the file itself stays, so that every build locks the same inode.
    """
    try:
        fd = os.open(data_dir / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise _cannot_write(data_dir, exc) from None
    try:
        _acquire(fd, data_dir, timeout, notify or to_stderr)
        yield
    finally:
        os.close(fd)  # releases the lock


def _acquire(fd: int, data_dir: Path, timeout: float, notify: Callable[[str], None]) -> None:
    import fcntl  # POSIX; only builds need it

    deadline = time.monotonic() + max(timeout, 0.0)
    waiting = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        except OSError as exc:  # e.g. ENOLCK on a file system without locks
            raise KgError(f"cannot lock the store: {exc.strerror}", where=str(data_dir / LOCK),
                          hint="use a --data-dir on a local file system") from None
        if time.monotonic() >= deadline:
            raise KgError(f"another build of this data dir is still running after {timeout:g} s",
                          where=str(data_dir),
                          hint="wait for it to finish, or pass a longer --lock-timeout")
        if not waiting:
            notify(f"waiting for another build of {data_dir}…")
            waiting = True
        time.sleep(min(0.05, max(deadline - time.monotonic(), 0.0)))


def _write_file(path: Path, data: bytes) -> None:
    """Write and sync one file: after a crash, a renamed build never holds an empty file."""
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _move_file(source: Path, target: Path) -> None:
    """Move a written file into the staging directory, synced, readable like the others."""
    with source.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(source, target)


def _sync_dir(path: Path) -> None:
    fsync_quietly(path, directory=True)


def _remove(path: Path) -> None:
    """Remove a file, a symlink or a directory tree; quietly, as cleanup must not mask errors."""
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass


def file_entry(data: bytes) -> dict[str, Any]:
    """What the manifest records of a data file: its size and SHA-256."""
    return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def graph_json_text(projection: dict[str, Any]) -> str:
    """The text of ``graph.json``: compact JSON, sorted keys, UTF-8, a trailing newline (what
    :func:`kg.units.graph_json.graph_json` streams)."""
    return json.dumps(projection, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")) + "\n"


def save(data_dir: Path, *, ntriples: str, projection: dict[str, Any],
         manifest: dict[str, Any], lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
         notify: Callable[[str], None] | None = None) -> tuple[Path, dict[str, Any]]:
    """Write a complete build of ``ntriples`` and ``projection`` held in memory and make it
    current (see :func:`save_files`); returns its directory and manifest."""
    from kg.digest import build_digest
    from kg.index.writer import write_index

    nt = ntriples.encode("utf-8")
    js = graph_json_text(projection).encode("utf-8")
    digest = build_digest(file_entry(nt)["sha256"], file_entry(js)["sha256"])
    with work_dir(data_dir) as work:
        _write_file(work / GRAPH_NT, nt)
        _write_file(work / GRAPH_JSON, js)
        write_index(projection, work / INDEX)
        return save_files(data_dir, work=work, digest=digest, triples=ntriples.count("\n"),
                          manifest=manifest, lock_timeout=lock_timeout, notify=notify)


@contextmanager
def work_dir(data_dir: Path) -> Iterator[Path]:
    """A private directory inside ``data_dir`` where a build writes its files before
    :func:`save_files` moves them into place; removed afterwards.

    The directory holds an ``flock`` for as long as it is in use, so a later build can tell a
    work directory left by a killed build (removed under the build lock) from one in use.
    """
    import fcntl

    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=WORK_PREFIX, dir=data_dir))
        fd = os.open(work / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise _cannot_write(data_dir, exc) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield work
    except OSError as exc:
        raise _cannot_write(data_dir, exc) from None
    finally:
        os.close(fd)
        _remove(work)


#: A work directory younger than this is never taken for stale (its build may be between
#: creating it and locking it).
WORK_GRACE_SECONDS = 30.0


def _remove_stale_work(data_dir: Path) -> None:
    """Remove the work directories of builds that no longer run (the caller holds the lock):
    those whose lock nobody holds, once they are older than :data:`WORK_GRACE_SECONDS`."""
    import fcntl

    for work in data_dir.glob(WORK_PREFIX + "*"):
        try:
            if time.time() - work.stat().st_mtime < WORK_GRACE_SECONDS:
                continue
            fd = os.open(work / LOCK, os.O_RDWR | os.O_CLOEXEC)
        except FileNotFoundError:
            _remove(work)  # no lock file: its build died before it wrote one
            continue
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue  # a running build holds it
        finally:
            os.close(fd)
        _remove(work)


def save_files(data_dir: Path, *, work: Path, digest: str, triples: int,
               manifest: dict[str, Any], entries: dict[str, dict[str, Any]] | None = None,
               lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
               notify: Callable[[str], None] | None = None) -> tuple[Path, dict[str, Any]]:
    """Make the build whose files are in ``work`` (from :func:`work_dir`) current; returns its
    directory and manifest. ``entries`` may give the size and SHA-256 of files already hashed.

    Under the data dir's lock: stale staging left by a killed build is removed, the build is
    staged and renamed into place (or, when a build with the same digest exists, its files are
    replaced one by one, each atomically, so that the manifest describes this build), ``CURRENT``
    is switched, and older builds are pruned. On any failure the staging directory and a build
    that ``CURRENT`` does not name are removed; the previous store is left as it was.
    """
    known = entries or {}
    builds = data_dir / "builds"
    try:
        with build_lock(data_dir, lock_timeout, notify):
            builds.mkdir(exist_ok=True)
            for stale in builds.glob(STAGING_PREFIX + "*"):
                _remove(stale)  # left by a build that was killed; no build runs but ours
            for stale in data_dir.glob(INDEX_PREFIX + "*"):
                _remove(stale)  # left by an older kg
            _remove_stale_work(data_dir)
            _remove(data_dir / POINTER_TMP)
            data: dict[str, bytes | Path] = {name: work / name for name in _DATA_FILES}
            manifest = {"triples": triples, **manifest, "build": digest,
                        "format": FORMAT_VERSION,
                        "files": {name: known.get(name) or _entry(data[name])
                                  for name in _DATA_FILES}}
            data[MANIFEST] = dump_json(manifest).encode("utf-8")
            final = _install(data_dir, builds, digest, data)
            st = (final / INDEX).stat()
            _stamp(final / (INDEX + CHECKED_SUFFIX), f"{st.st_size} {st.st_mtime_ns} "
                   f"{st.st_ino} {manifest['files'][INDEX]['sha256']}\n")
            _prune([old for old in builds.iterdir() if old.name != digest])
    except OSError as exc:
        raise _cannot_write(data_dir, exc) from None
    return final, manifest


#: Threads removing replaced builds, when :func:`pruning_in_background` asked for them.
_PRUNING: ContextVar[list[threading.Thread] | None] = ContextVar("kg_pruning", default=None)


@contextmanager
def pruning_in_background() -> Iterator[None]:
    """Within the block, :func:`save_files` removes the builds it replaced in a second thread
    (unlinking a large build takes a quarter of a second), so that the caller goes on with
    its own work meanwhile; the end of the block waits for the removal."""
    threads: list[threading.Thread] = []
    token = _PRUNING.set(threads)
    try:
        yield
    finally:
        _PRUNING.reset(token)
        for thread in threads:
            thread.join()


def _prune(olds: list[Path]) -> None:
    """Remove replaced builds: now, or in a thread of :func:`pruning_in_background`."""
    threads = _PRUNING.get()
    if threads is None:
        for old in olds:
            _remove(old)
        return
    thread = threading.Thread(target=lambda: [_remove(old) for old in olds], daemon=True)
    thread.start()
    threads.append(thread)


def _entry(data: bytes | Path) -> dict[str, Any]:
    """Size and SHA-256 of in-memory data or of a file (read in blocks)."""
    if isinstance(data, bytes):
        return file_entry(data)
    sha = hashlib.sha256()
    with data.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return {"bytes": data.stat().st_size, "sha256": sha.hexdigest()}


def _install(data_dir: Path, builds: Path, digest: str, data: dict[str, bytes | Path]) -> Path:
    """Stage, rename into place and point ``CURRENT`` at the build (the caller holds the lock).
    ``data`` holds bytes, or a written file (moved into the build)."""
    final = builds / digest
    pointer = data_dir / POINTER_TMP
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=builds))
    created = False
    names = (*_DATA_FILES, MANIFEST)
    try:
        staging.chmod(0o755)
        for name in names:
            content = data[name]
            if isinstance(content, Path):
                _move_file(content, staging / name)
            else:
                _write_file(staging / name, content)
        if final.is_dir() and not final.is_symlink():
            # Same graph as an existing build: replace its files (identical data, or repaired
            # if damaged; the manifest of this build: source, inputs), each in one rename.
            for name in names:
                os.replace(staging / name, final / name)
        else:
            _remove(final)
            os.replace(staging, final)
            created = True
        _sync_dir(builds)
        _write_file(pointer, (digest + "\n").encode("ascii"))
        os.replace(pointer, data_dir / CURRENT)
    except BaseException:
        _remove(pointer)
        if created:
            _remove(final)  # CURRENT does not name it
        raise
    finally:
        _remove(staging)
    _sync_dir(data_dir)
    return final


# --------------------------------------------------------------------------------------------
#  Reading
# --------------------------------------------------------------------------------------------

def _damaged(data_dir: Path, detail: str) -> StoreDamaged:
    return StoreDamaged(f"the store at {data_dir} is damaged ({detail})", hint=_REBUILD)


class _Vanished(Exception):
    """A file of the build is gone: damage, or a newer build pruned it while we read."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def _pointer(data_dir: Path) -> str:
    """The build that ``CURRENT`` names, refused unless it is a plain build digest."""
    try:
        with open(data_dir / CURRENT, "rb") as fh:
            raw = fh.read(200)
    except FileNotFoundError:
        raise StoreMissing("no graph built yet", where=str(data_dir),
                           hint="run `kg build` first, or pass --data-dir") from None
    except OSError as exc:
        raise _damaged(data_dir, f"{CURRENT}: {exc.strerror}") from None
    try:
        name = raw.decode("ascii").strip()
    except UnicodeDecodeError:
        name = None
    if not name or not _BUILD_NAME.fullmatch(name):
        shown = raw.decode("utf-8", "replace").strip()[:40]
        raise _damaged(data_dir, f"{CURRENT} names {shown!r}, not a build of this store")
    return name


def _manifest(data_dir: Path, build: Path) -> dict[str, Any]:
    """The manifest of ``build``, checked: version, own name, and the size of every data file."""
    if not build.is_dir() or build.is_symlink():
        if build.is_symlink() or build.exists():
            raise _damaged(data_dir, f"builds/{build.name} is not a build directory")
        raise _Vanished(f"{CURRENT} names build {build.name}, which is missing")
    raw = _read_raw(data_dir, build, MANIFEST)
    try:
        manifest = json.loads(raw)
    except ValueError:  # also UnicodeDecodeError
        raise _damaged(data_dir, f"{MANIFEST}: not valid JSON") from None
    if not isinstance(manifest, dict):
        raise _damaged(data_dir, f"{MANIFEST}: not a manifest")
    version = manifest.get("format", 1)
    if version != FORMAT_VERSION:
        raise StoreDamaged(f"the store at {data_dir} is from format version {version!r}, "
                           f"this kg reads {FORMAT_VERSION}", hint=_REBUILD)
    files = manifest.get("files")
    if manifest.get("build") != build.name:
        raise _damaged(data_dir, f"{MANIFEST}: describes build {manifest.get('build')!r}, "
                                 f"not {build.name}")
    if not isinstance(manifest.get("triples"), int) or not isinstance(files, dict):
        raise _damaged(data_dir, f"{MANIFEST}: fields missing")
    for name in _DATA_FILES:
        entry = files.get(name)
        if not (isinstance(entry, dict) and isinstance(entry.get("bytes"), int)
                and isinstance(entry.get("sha256"), str)):
            raise _damaged(data_dir, f"{MANIFEST}: no size and digest of {name}")
        try:
            st = os.stat(build / name)
        except FileNotFoundError:
            raise _Vanished(f"{name}: missing") from None
        except OSError as exc:
            raise _damaged(data_dir, f"{name}: {exc.strerror}") from None
        if not stat.S_ISREG(st.st_mode):
            raise _damaged(data_dir, f"{name}: not a file")
        if st.st_size != entry["bytes"]:
            raise _damaged(data_dir, f"{name}: {st.st_size} bytes, "
                                     f"the manifest says {entry['bytes']}")
    return manifest


def _open_current(data_dir: Path, read: Callable[[Path, dict[str, Any]], Any]) -> Any:
    """``read(build, manifest)`` on the current build, checked.

    Readers take no lock: if a file vanishes because a newer build replaced ``CURRENT`` and
    pruned the build we were reading, start again from the new ``CURRENT``.
    """
    for _attempt in range(20):
        name = _pointer(data_dir)
        build = data_dir / "builds" / name
        try:
            return read(build, _manifest(data_dir, build))
        except _Vanished as gone:
            if _pointer(data_dir) == name:  # nobody replaced the build: it is damaged
                raise _damaged(data_dir, gone.detail) from None
    raise _damaged(data_dir, f"{CURRENT} keeps changing while it is read")


def _verified(data_dir: Path, manifest: dict[str, Any], name: str, data: bytes) -> bytes:
    entry = manifest["files"][name]
    if len(data) != entry["bytes"] or hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise _damaged(data_dir, f"{name}: content does not match its SHA-256 in the manifest")
    return data


def _read_raw(data_dir: Path, build: Path, name: str) -> bytes:
    """A file of ``build``: gone is :class:`_Vanished` (a newer build may have pruned it),
    unreadable is damage."""
    try:
        return (build / name).read_bytes()
    except FileNotFoundError:
        raise _Vanished(f"{name}: missing") from None
    except OSError as exc:
        raise _damaged(data_dir, f"{name}: {exc.strerror}") from None


def _read(data_dir: Path, build: Path, manifest: dict[str, Any], name: str) -> bytes:
    """A data file of ``build``, checked against the manifest's size and digest."""
    return _verified(data_dir, manifest, name, _read_raw(data_dir, build, name))


def current_build(data_dir: Path) -> Path:
    """The live build directory (version and sizes checked), or one clear error line."""
    return _open_current(data_dir, lambda build, manifest: build)


def load_build(data_dir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The projection and the manifest of the current build, read from the same build (its
    digest checked), so a build landing meanwhile cannot pair one's nodes with another's counts."""

    def read(build: Path, manifest: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        data = _read(data_dir, build, manifest, GRAPH_JSON)
        try:
            projection = json.loads(data)
        except ValueError:
            raise _damaged(data_dir, f"{GRAPH_JSON}: not valid JSON") from None
        if not isinstance(projection, dict):
            raise _damaged(data_dir, f"{GRAPH_JSON}: not a graph")
        return projection, manifest

    return _open_current(data_dir, read)


def read_ntriples(data_dir: Path) -> bytes:
    """The canonical N-Triples of the current build, read whole and checked (no path to race
    with a build that prunes it)."""
    return _open_current(data_dir, lambda build, manifest: _read(data_dir, build, manifest,
                                                                   GRAPH_NT))


def load_projection(data_dir: Path) -> dict[str, Any]:
    """The property-graph view of the current build (its digest checked)."""
    return load_build(data_dir)[0]


def index_path(data_dir: Path) -> Path:
    """The SQLite index of the current build, checked against the manifest's digest.

    The full digest is computed once per version of the file: a stamp beside it records the
    size, time and inode it was checked at, so later queries cost a ``stat`` instead of a read
    of the whole index; a file changed since (its time moves) is checked again.
    """

    def read(build: Path, manifest: dict[str, Any]) -> Path:
        path = build / INDEX
        stamp = build / (INDEX + CHECKED_SUFFIX)
        try:
            st = path.stat()
        except OSError:
            raise _Vanished(f"{INDEX}: missing") from None
        entry = manifest["files"][INDEX]
        key = f"{st.st_size} {st.st_mtime_ns} {st.st_ino} {entry['sha256']}\n"
        try:
            if stamp.read_text(encoding="ascii") == key:
                return path
        except (OSError, ValueError):
            pass
        if _entry(path)["sha256"] != entry["sha256"]:
            raise _damaged(data_dir, f"{INDEX}: content does not match its SHA-256 in the "
                                     f"manifest")
        _stamp(stamp, key)
        return path

    return _open_current(data_dir, read)


def _stamp(path: Path, text: str) -> None:
    """Write a check stamp atomically; a store that cannot be written is checked every time."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=".stamp-", dir=path.parent)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError:
        pass


def load_manifest(data_dir: Path) -> dict[str, Any]:
    """The manifest (counts, inputs, versions, file digests) of the current build."""
    return _open_current(data_dir, lambda build, manifest: manifest)


#: Files whose digest this process has checked: (path, inode, size, mtime) → sha256.
_CHECKED: dict[tuple[str, int, int, int], str] = {}


def ntriples_path(data_dir: Path) -> Path:
    """The canonical N-Triples file of the current build (its digest checked once a process)."""

    def read(build: Path, manifest: dict[str, Any]) -> Path:
        path = build / GRAPH_NT
        expected = manifest["files"][GRAPH_NT]["sha256"]
        try:
            st = os.stat(path)
        except FileNotFoundError:
            raise _Vanished(f"{GRAPH_NT}: missing") from None
        key = (str(path), st.st_ino, st.st_size, st.st_mtime_ns)
        if _CHECKED.get(key) != expected:
            try:
                found = _entry(path)  # hashed in blocks: memory stays flat
            except FileNotFoundError:
                raise _Vanished(f"{GRAPH_NT}: missing") from None
            except OSError as exc:
                raise _damaged(data_dir, f"{GRAPH_NT}: {exc.strerror}") from None
            if found != manifest["files"][GRAPH_NT]:
                raise _damaged(data_dir, f"{GRAPH_NT}: content does not match its SHA-256 "
                                         f"in the manifest")
            _CHECKED[key] = expected
        return path

    return _open_current(data_dir, read)


# --------------------------------------------------------------------------------------------
#  Reviewed-only view (``--reviewed-only``): the current build without draft items
# --------------------------------------------------------------------------------------------

_STATUS_DRAFT = '<https://w3id.org/innovation-kg/ontology#status> "draft"'
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_REIFIED = {f"<{_RDF}subject>": 0, f"<{_RDF}predicate>": 1, f"<{_RDF}object>": 2}
_DERIVED = "<http://www.w3.org/ns/prov#wasDerivedFrom>"
_PASSAGE = "<https://w3id.org/innovation-kg/id/passage/"
_ID_IRI = "https://w3id.org/innovation-kg/id/"


def without_drafts(projection: dict[str, Any], ntriples: str) -> tuple[dict[str, Any], str]:
    """The projection and canonical N-Triples of a build with its draft items left out.

    Left out: draft nodes and edges (``status: "draft"``), edges touching a left-out node; in
    RDF the draft entities and assertions (``ikg:status "draft"``) with every triple about or
    pointing to them, the triples they reify, and passages that only they cited. A build
    without drafts comes back unchanged.
    """
    dropped = {n["id"] for n in projection["nodes"] if n.get("status") == "draft"}
    nodes = [n for n in projection["nodes"] if n["id"] not in dropped]
    edges = [e for e in projection["edges"] if e.get("status") != "draft"
             and e["source"] not in dropped and e["target"] not in dropped]
    view = {**projection, "nodes": nodes, "edges": edges}
    triples = [_split(line) for line in ntriples.splitlines() if line.strip()]
    gone = {s for s, p, o in triples if f"{p} {o}" == _STATUS_DRAFT}
    gone |= {f"<{_ID_IRI}{node_id}>" for node_id in dropped}
    reified: dict[str, list[str]] = {}
    for s, p, o in triples:
        if p in _REIFIED:
            reified.setdefault(s, ["", "", ""])[_REIFIED[p]] = o
    for assertion, (s, _p, o) in reified.items():  # an assertion about a left-out entity goes
        if s in gone or o in gone:
            gone.add(assertion)
    unsaid = {tuple(spo) for assertion, spo in reified.items() if assertion in gone}
    kept = [(s, p, o) for s, p, o in triples
            if s not in gone and o not in gone and (s, p, o) not in unsaid]
    cited = {o for s, p, o in kept if p == _DERIVED}
    kept = [t for t in kept if not t[0].startswith(_PASSAGE) or t[0] in cited]
    lines = [f"{s} {p} {o} ." for s, p, o in kept]
    return view, "".join(line + "\n" for line in lines)


def _split(line: str) -> tuple[str, str, str]:
    """``<s> <p> object .`` (canonical N-Triples: IRIs for subject and predicate)."""
    s, p, rest = line.split(" ", 2)
    return s, p, rest.removesuffix(" .")


def has_drafts(projection: dict[str, Any]) -> bool:
    """Whether a build holds draft nodes or edges."""
    return any(item.get("status") == "draft"
               for item in (*projection["nodes"], *projection["edges"]))


def reviewed_only(data_dir: Path) -> Path:
    """A data dir holding the current build of ``data_dir`` without its drafts.

    The one place ``--reviewed-only`` is implemented: every command that takes the option reads
    the data dir this returns, so queries, exports, Cypher, SPARQL, stats and the view all see
    the same reviewed graph. Without drafts it is ``data_dir`` itself; otherwise a private
    temporary store (:func:`without_drafts` of the current build, removed when the process
    ends).
    """
    import atexit

    projection, manifest = load_build(data_dir)
    if not has_drafts(projection):
        return data_dir
    ntriples = read_ntriples(data_dir).decode("utf-8")
    view, text = without_drafts(projection, ntriples)
    target = Path(tempfile.mkdtemp(prefix="kg-reviewed-"))
    atexit.register(shutil.rmtree, target, ignore_errors=True)
    keep = {k: v for k, v in manifest.items() if k not in ("build", "format", "files", "triples")}
    save(target, ntriples=text, projection=view,
         manifest={**keep, "reviewed_only": True, "reviewed_from": manifest.get("build")})
    return target
