"""The store under attack (issue 9 rows 1, 13, 16, 20, 21): concurrent builds, damaged or foreign
stores, a rebuild from another source, a full disk, and a ``CURRENT`` that points elsewhere.

Every failure is one line on stderr and exit 1, never a traceback or "unexpected"; a failed
build leaves the previous store byte for byte as it was.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import io
import json
import multiprocessing
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

import pytest
from typer.testing import CliRunner

from kg.build import build
from kg import store as kg_store
from kg.cli import app
from kg.store import (GRAPH_JSON, GRAPH_NT, INDEX, MANIFEST, current_build, load_manifest,
                      load_projection, ntriples_path, save)

from .conftest import SEED

BARRIERS = "annotations/000-barriers.yaml"
LABEL = "en: Dual dilemma of data quality and security"


def snapshot(data_dir: Path) -> dict[str, str]:
    """Every file of a data dir with its hash (directories too, so an extra one shows)."""
    return {str(p.relative_to(data_dir)): (hashlib.sha256(p.read_bytes()).hexdigest()
                                           if p.is_file() else "dir")
            for p in sorted(data_dir.rglob("*"))}


def leftovers(data_dir: Path) -> list[str]:
    """Staging directories and temporary pointers a build must never leave behind."""
    return sorted(str(p.relative_to(data_dir)) for p in data_dir.rglob(".*")
                  if p.name.startswith((".staging-", ".CURRENT", ".probe-", ".work-")))


def one_error_line(result: Any) -> str:
    """The single stderr line of a failed command, checked for the usual promises."""
    assert result.exit_code == 1, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "unexpected" not in lines[0] and "Traceback" not in result.stderr + result.stdout
    return lines[0]


@pytest.fixture()
def pristine(seed_store: Path) -> Path:
    """The seed build the `store` fixture (tests/conftest.py) copies; never modified."""
    return seed_store


@pytest.fixture()
def other_source(tmp_path: Path) -> Path:
    """A copy of the seeds whose graph differs (one English label)."""
    target = tmp_path / "other-source"
    shutil.copytree(SEED, target)
    path = target / BARRIERS
    text = path.read_text(encoding="utf-8")
    assert LABEL in text
    path.write_text(text.replace(LABEL, LABEL + " (edited)", 1), encoding="utf-8")
    return target


# --------------------------------------------------------------------------------------------
#  Row 13: damaged, truncated, deleted, garbage, or foreign-version stores
# --------------------------------------------------------------------------------------------

def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])


def delete(path: Path) -> None:
    path.unlink()


def garbage(path: Path) -> None:
    path.write_bytes(b"\x00\xffnot what kg wrote {[\n")


DAMAGE: dict[str, Callable[[Path], None]] = {"truncated": truncate, "deleted": delete,
                                              "garbage": garbage}

READERS = {
    "trace": ["trace", "barrier", "data-security-risk"],
    "export-nt": ["export", "--format", "nt"],
    "stats": ["stats"],
    "validate": ["validate"],
    "sparql": ["sparql", "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"],
    "cypher": ["cypher", "MATCH (n) RETURN n.id LIMIT 1"],
}


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize("kind", sorted(DAMAGE))
@pytest.mark.parametrize("name", [GRAPH_NT, GRAPH_JSON, MANIFEST])
def test_a_damaged_store_is_one_line_for_every_reader(name: str, kind: str, reader: str,
                                                       store: Path, runner: CliRunner) -> None:
    DAMAGE[kind](current_build(store) / name)
    result = runner.invoke(app, [*READERS[reader], "--data-dir", str(store)])
    line = one_error_line(result)
    assert f"the store at {store} is damaged ({name}:" in line, line
    assert line.endswith("(run `kg build` to rebuild it)")
    assert result.stdout == ""


def test_a_truncated_graph_nt_is_not_exported_as_half_a_graph(store: Path,
                                                              runner: CliRunner) -> None:
    path = current_build(store) / GRAPH_NT
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:len(lines) // 2]))  # still valid N-Triples
    line = one_error_line(runner.invoke(app, ["export", "--format", "nt", "--data-dir",
                                              str(store)]))
    assert "graph.nt: " in line and "bytes, the manifest says" in line


@pytest.mark.parametrize("name,reader", [(GRAPH_NT, "export-nt"), (GRAPH_NT, "sparql"),
                                         (GRAPH_NT, "validate"), (INDEX, "trace"),
                                         (GRAPH_JSON, "stats"), (GRAPH_JSON, "cypher")])
def test_altered_bytes_of_the_same_size_are_caught_by_the_digest(name: str, reader: str,
                                                                 store: Path,
                                                                 runner: CliRunner) -> None:
    path = current_build(store) / name
    data = bytearray(path.read_bytes())
    at = data.index(b"barrier/data-security-risk") if name != INDEX else len(data) // 2
    data[at:at + 7] = b"BARRIER"  # same size, still parses
    path.write_bytes(bytes(data))
    line = one_error_line(runner.invoke(app, [*READERS[reader], "--data-dir", str(store)]))
    assert f"damaged ({name}: content does not match its SHA-256 in the manifest)" in line


@pytest.mark.parametrize("version", [None, 1, 2, kg_store.FORMAT_VERSION + 1, "two"])
@pytest.mark.parametrize("reader", ["trace", "export-nt", "stats"])
def test_a_store_of_another_format_version_says_so(version: Any, reader: str, store: Path,
                                                   runner: CliRunner) -> None:
    path = current_build(store) / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if version is None:  # what the first layout wrote: no version, no digests
        del manifest["format"], manifest["files"]
    else:
        manifest["format"] = version
    path.write_text(json.dumps(manifest), encoding="utf-8")
    line = one_error_line(runner.invoke(app, [*READERS[reader], "--data-dir", str(store)]))
    shown = repr(1 if version is None else version)
    assert (f"the store at {store} is from format version {shown}, "
            f"this kg reads {kg_store.FORMAT_VERSION} (run `kg build` to rebuild it)") in line


@pytest.mark.parametrize("mutate", ["not a dict", "no digests", "another build"])
def test_a_manifest_that_parses_but_is_wrong_is_damage(mutate: str, store: Path,
                                                       runner: CliRunner) -> None:
    path = current_build(store) / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if mutate == "not a dict":
        manifest = [manifest]
    elif mutate == "no digests":
        del manifest["files"][GRAPH_NT]
    else:
        manifest["build"] = "0" * 16
    path.write_text(json.dumps(manifest), encoding="utf-8")
    line = one_error_line(runner.invoke(app, ["stats", "--data-dir", str(store)]))
    assert f"the store at {store} is damaged (manifest.json: " in line


def test_kg_build_repairs_a_damaged_store_with_the_same_inputs(store: Path, pristine: Path,
                                                               runner: CliRunner) -> None:
    build_dir = current_build(store)
    truncate(build_dir / GRAPH_NT)
    garbage(build_dir / GRAPH_JSON)
    result = runner.invoke(app, ["build", "--no-validate", "--source", str(SEED),
                                 "--data-dir", str(store)])
    assert result.exit_code == 0, result.stderr
    for name in (GRAPH_NT, GRAPH_JSON):
        assert (current_build(store) / name).read_bytes() == \
            (current_build(pristine) / name).read_bytes()
    exported = runner.invoke(app, ["export", "--format", "nt", "--data-dir", str(store)])
    assert exported.exit_code == 0
    assert exported.stdout_bytes == (current_build(pristine) / GRAPH_NT).read_bytes()


def test_the_manifest_records_the_version_and_the_digests(pristine: Path) -> None:
    manifest = load_manifest(pristine)
    build_dir = current_build(pristine)
    assert manifest["format"] == kg_store.FORMAT_VERSION and manifest["build"] == build_dir.name
    for name in (GRAPH_NT, GRAPH_JSON):
        data = (build_dir / name).read_bytes()
        assert manifest["files"][name] == {"bytes": len(data),
                                           "sha256": hashlib.sha256(data).hexdigest()}


# --------------------------------------------------------------------------------------------
#  Row 21: CURRENT naming something that is not a build of this store
# --------------------------------------------------------------------------------------------

def outside_build(store: Path) -> Path:
    """A complete, valid-looking build outside the data dir."""
    target = store.parent / "elsewhere" / current_build(store).name
    shutil.copytree(current_build(store), target)
    return target


CURRENT_CASES: dict[str, Callable[[Path], bytes | None]] = {
    "relative path outside": lambda s: f"../../elsewhere/{outside_build(s).name}\n".encode(),
    "absolute path outside": lambda s: f"{outside_build(s)}\n".encode(),
    "missing build": lambda s: b"0123456789abcdef\n",
    "garbage bytes": lambda s: b"\xff\xfe\x00garbage\n",
    "empty": lambda s: b"",
    "a directory": lambda s: None,
}


@pytest.mark.parametrize("case", sorted(CURRENT_CASES))
def test_current_naming_no_build_of_this_store_is_refused(case: str, store: Path,
                                                          runner: CliRunner) -> None:
    content = CURRENT_CASES[case](store)
    pointer = store / "CURRENT"
    if content is None:
        pointer.unlink()
        pointer.mkdir()
    else:
        pointer.write_bytes(content)
    for reader in ("trace", "export-nt", "stats"):
        result = runner.invoke(app, [*READERS[reader], "--data-dir", str(store)])
        line = one_error_line(result)
        assert f"the store at {store} is damaged (CURRENT" in line, line
        assert result.stdout == ""


def test_a_build_directory_that_is_a_symlink_out_of_the_store_is_refused(
        store: Path, runner: CliRunner) -> None:
    build_dir = current_build(store)
    moved = outside_build(store)
    shutil.rmtree(build_dir)
    build_dir.symlink_to(moved, target_is_directory=True)
    line = one_error_line(runner.invoke(app, ["stats", "--data-dir", str(store)]))
    assert f"builds/{build_dir.name} is not a build directory" in line


# --------------------------------------------------------------------------------------------
#  Row 16: a rebuild with the same graph from another source
# --------------------------------------------------------------------------------------------

def test_a_rebuild_of_the_same_graph_from_another_source_describes_this_build(
        store: Path, tmp_path: Path, runner: CliRunner) -> None:
    before = load_manifest(store)
    other = tmp_path / "moved" / "seed"
    shutil.copytree(SEED, other)
    with open(other / BARRIERS, "a", encoding="utf-8") as fh:
        fh.write("# a comment: the inputs change, the graph does not\n")
    result = runner.invoke(app, ["build", "--no-validate", "--source", str(other),
                                 "--data-dir", str(store)])
    assert result.exit_code == 0, result.stderr
    after = load_manifest(store)
    assert after["build"] == before["build"]  # the same graph: the same build
    assert after["source"] == str(other) and after["source_path"] == str(other.resolve())
    assert after["inputs"][BARRIERS] == hashlib.sha256((other / BARRIERS).read_bytes()).hexdigest()
    assert after["inputs"][BARRIERS] != before["inputs"][BARRIERS]
    assert after["inputs"] == {  # every file, digests the build took from its reading too
        p.relative_to(other).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for sub in ("documents", "annotations") for p in sorted((other / sub).glob("*"))
        if p.is_file()}
    assert [p.name for p in (store / "builds").iterdir()] == [after["build"]]


def test_the_manifest_is_byte_identical_for_the_same_source(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    build(SEED, first, validate=False)
    build(SEED, second, validate=False)
    for name in (GRAPH_NT, GRAPH_JSON, MANIFEST):
        assert (current_build(first) / name).read_bytes() == \
            (current_build(second) / name).read_bytes()


# --------------------------------------------------------------------------------------------
#  Row 20: a full disk at every write of a build
# --------------------------------------------------------------------------------------------

class FullDisk:
    """A file that takes half of what it is given, then reports ENOSPC (as a full disk does)."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle

    def write(self, data: Any) -> int:
        self._handle.write(data[:len(data) // 2])
        self._handle.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)

    def __enter__(self) -> "FullDisk":
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()


@pytest.mark.parametrize("victim", [GRAPH_NT, GRAPH_JSON, MANIFEST, ".CURRENT"])
def test_a_full_disk_leaves_the_old_store_and_no_staging(victim: str, store: Path,
                                                         other_source: Path, runner: CliRunner,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_open = io.open

    def open_on_a_full_disk(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        handle = real_open(file, mode, *args, **kwargs)
        name = Path(os.fsdecode(file)).name if isinstance(file, (str, os.PathLike)) else ""
        if set(mode) & set("wax") and (name == victim or name.startswith(victim + ".")):
            return FullDisk(handle)
        return handle

    # a rebuild splices graph.nt and graph.json with os-level writes and kernel copies
    real_os_open, full = os.open, set()

    def os_open_on_a_full_disk(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        fd = real_os_open(path, flags, *args, **kwargs)
        if flags & (os.O_WRONLY | os.O_RDWR) and Path(os.fsdecode(path)).name == victim:
            full.add(fd)
        return fd

    def refused(real: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            if args[1 if real is os.copy_file_range else 0] in full:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return real(*args, **kwargs)
        return call

    before = snapshot(store)
    monkeypatch.setattr(builtins, "open", open_on_a_full_disk)
    monkeypatch.setattr(io, "open", open_on_a_full_disk)
    monkeypatch.setattr(os, "open", os_open_on_a_full_disk)
    monkeypatch.setattr(os, "write", refused(os.write))
    monkeypatch.setattr(os, "copy_file_range", refused(os.copy_file_range))
    result = runner.invoke(app, ["build", "--no-validate", "--source", str(other_source),
                                 "--data-dir", str(store)])
    monkeypatch.undo()
    line = one_error_line(result)
    assert f"{store}: cannot write the store: No space left on device" in line
    assert leftovers(store) == []
    assert snapshot(store) == before


def test_stale_staging_of_a_killed_build_is_removed_by_the_next_build(
        store: Path, other_source: Path, runner: CliRunner) -> None:
    stale = store / "builds" / ".staging-killed"
    stale.mkdir()
    (stale / GRAPH_NT).write_text("half\n")
    (store / ".CURRENT.tmp").write_text("0123")
    result = runner.invoke(app, ["build", "--no-validate", "--source", str(other_source),
                                 "--data-dir", str(store)])
    assert result.exit_code == 0, result.stderr
    assert leftovers(store) == []
    assert [p.name for p in (store / "builds").iterdir()] == [current_build(store).name]


def test_work_dirs_of_killed_builds_go_and_those_of_running_builds_stay(
        store: Path, other_source: Path, runner: CliRunner) -> None:
    """A build writes its files in a locked .work-* directory: the next build removes one whose
    lock nobody holds (once it is older than a grace period), never one in use or just made."""
    old = time.time() - 2 * kg_store.WORK_GRACE_SECONDS
    killed = store / ".work-killed"
    killed.mkdir()
    (killed / ".lock").touch()
    (killed / GRAPH_NT).write_text("half\n")
    unlocked = store / ".work-nolock"
    unlocked.mkdir()
    for path in (killed, unlocked):
        os.utime(path, (old, old))
    fresh = store / ".work-fresh"
    fresh.mkdir()  # its build is about to lock it
    running = store / ".work-running"
    running.mkdir()
    fd = os.open(running / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.utime(running, (old, old))
    try:
        result = runner.invoke(app, ["build", "--no-validate", "--source", str(other_source),
                                     "--data-dir", str(store)])
        assert result.exit_code == 0, result.stderr
        assert sorted(p.name for p in store.glob(".work-*")) == [".work-fresh", ".work-running"]
    finally:
        os.close(fd)


# --------------------------------------------------------------------------------------------
#  Row 1: builds of one data dir at the same time
# --------------------------------------------------------------------------------------------

def hold_lock(data_dir: Path) -> int:
    fd = os.open(data_dir / ".lock", os.O_RDWR | os.O_CREAT, 0o644)  # the documented lock file
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def test_a_build_gives_up_cleanly_when_another_holds_the_lock(store: Path, other_source: Path,
                                                              runner: CliRunner) -> None:
    before = snapshot(store)
    fd = hold_lock(store)
    try:
        started = time.monotonic()
        result = runner.invoke(app, ["build", "--no-validate", "--source", str(other_source),
                                     "--data-dir", str(store), "--lock-timeout", "0.5"])
        waited = time.monotonic() - started
    finally:
        os.close(fd)
    assert result.exit_code == 1, result.stderr
    notice, error = result.stderr.strip().splitlines()
    assert notice == f"waiting for another build of {store}…"
    assert error == (f"error: {store}: another build of this data dir is still running after "
                     "0.5 s (wait for it to finish, or pass a longer --lock-timeout)")
    assert waited >= 0.5
    assert snapshot(store) == before


def test_queries_do_not_wait_for_the_build_lock(store: Path, runner: CliRunner) -> None:
    fd = hold_lock(store)
    try:
        result = runner.invoke(app, ["stats", "--format", "json", "--data-dir", str(store)])
    finally:
        os.close(fd)
    assert result.exit_code == 0, result.stderr


def lines_of(stream: Any) -> "queue.Queue[str | None]":
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        for line in stream:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def kg_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "kg", *args]


def test_a_second_build_waits_for_the_first_then_completes(store: Path, other_source: Path,
                                                           pristine: Path) -> None:
    fd = hold_lock(store)
    proc = subprocess.Popen(kg_command("build", "--no-validate", "--source", str(other_source),
                                       "--data-dir", str(store)),
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        lines = lines_of(proc.stderr)
        try:
            first = lines.get(timeout=120)
            assert first == f"waiting for another build of {store}…\n", first
            time.sleep(0.3)
            assert proc.poll() is None  # still waiting
            assert current_build(store).name == current_build(pristine).name
        finally:
            os.close(fd)
        assert proc.wait(timeout=120) == 0
        rest = []
        while (line := lines.get(timeout=10)) is not None:
            rest.append(line)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stderr.close()
    assert len(rest) == 1 and rest[0].startswith("built "), rest
    assert "data quality and security (edited)" in json.dumps(load_projection(store),
                                                              ensure_ascii=False)


def _writer(data_dir: str, writer: int, rounds: int, errors: Any) -> None:
    """Save ``rounds`` distinct stores (about 0.6 MB each) as fast as possible."""
    for n in range(rounds):
        lines = "".join(f'<urn:w{writer}> <urn:round{n}> "{i}" .\n' for i in range(12000))
        projection = {"nodes": [], "edges": [], "documents": {}, "classes": {}, "relations": {},
                      "writer": writer, "round": n, "padding": "x" * 200_000}
        try:
            save(Path(data_dir), ntriples=lines, projection=projection,
                 manifest={"writer": writer, "round": n}, notify=lambda line: None)
        except Exception as exc:  # noqa: BLE001 - reported to the test
            errors.put(f"writer {writer} round {n}: {type(exc).__name__}: {exc}")


def _reader(data_dir: str, stop: Any, errors: Any, reads: Any) -> None:
    """Read the store without the lock while builds replace it; every read must be whole."""
    count = 0
    while not stop.is_set():
        try:
            projection = load_projection(Path(data_dir))
            manifest = load_manifest(Path(data_dir))
            path = ntriples_path(Path(data_dir))
            assert {"writer", "round"} <= set(projection) and {"writer", "round"} <= set(manifest)
            assert path.name == GRAPH_NT
            count += 1
        except Exception as exc:  # noqa: BLE001 - reported to the test
            if "no graph built yet" not in str(exc):
                errors.put(f"reader: {type(exc).__name__}: {exc}")
    reads.put(count)


def test_concurrent_saves_and_lock_free_reads_always_see_a_whole_store(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    errors, reads, stop = ctx.Queue(), ctx.Queue(), ctx.Event()
    data_dir = tmp_path / "store"
    data_dir.mkdir()
    reader = ctx.Process(target=_reader, args=(str(data_dir), stop, errors, reads))
    writers = [ctx.Process(target=_writer, args=(str(data_dir), w, 8, errors)) for w in range(4)]
    reader.start()
    for proc in writers:
        proc.start()
    for proc in writers:
        proc.join(timeout=300)
        assert proc.exitcode == 0
    stop.set()
    reader.join(timeout=60)
    assert reader.exitcode == 0
    found = []
    while not errors.empty():
        found.append(errors.get())
    assert found == []
    assert reads.get(timeout=10) > 0
    manifest = load_manifest(data_dir)  # the last save wins, complete and checked
    assert load_projection(data_dir)["writer"] == manifest["writer"]
    assert ntriples_path(data_dir).read_text().startswith(f"<urn:w{manifest['writer']}>")
    assert [p.name for p in (data_dir / "builds").iterdir()] == [manifest["build"]]
    assert leftovers(data_dir) == []


def test_two_kg_builds_at_once_leave_one_complete_store(tmp_path: Path, other_source: Path,
                                                        pristine: Path) -> None:
    expected = {}
    for source in (SEED, other_source):
        reference = tmp_path / f"reference-{source.name}"
        build(source, reference, validate=False)
        expected[current_build(reference).name] = (current_build(reference) / GRAPH_NT).read_bytes()
    data_dir = tmp_path / "store"
    for _round in range(3):
        procs = [subprocess.Popen(kg_command("build", "--no-validate", "--source", str(source),
                                             "--data-dir", str(data_dir)),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                 for source in (SEED, other_source)]
        for proc in procs:
            _, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, err
            assert "error" not in err
        name = current_build(data_dir).name
        assert name in expected
        assert ntriples_path(data_dir).read_bytes() == expected[name]
        assert [p.name for p in (data_dir / "builds").iterdir()] == [name]
        assert leftovers(data_dir) == []
