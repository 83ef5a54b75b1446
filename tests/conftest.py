"""Shared fixtures: the seed graph is built once per session into a temporary data dir."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
from typer.testing import CliRunner

from kg.build import build
from kg.graphview import GraphView

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seed_data"


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir holding a validated build of ``seed_data/``."""
    data_dir = tmp_path_factory.mktemp("seed-store")
    build(SEED, data_dir, validate=False)
    return data_dir


@pytest.fixture(scope="session")
def view(seed_store: Path) -> GraphView:
    """The networkx view of the seed build."""
    return GraphView.from_store(seed_store)


@pytest.fixture()
def store(seed_store: Path, tmp_path: Path) -> Path:
    """A writable copy of the seed store: the previous store a failing build must leave alone."""
    target = tmp_path / "store"
    shutil.copytree(seed_store, target, symlinks=True)
    return target


@pytest.fixture()
def source_copy(tmp_path: Path) -> Path:
    """A writable copy of ``seed_data/`` to break on purpose."""
    target = tmp_path / "source"
    shutil.copytree(SEED, target)
    return target


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


#: The password of the throw-away server of scripts/neo4j-test-server (tools/neo4j-test-server).
NEO4J_TEST_PASSWORD = os.environ.get("NEO4J_TEST_PASSWORD") or "kg-test-password"
NEO4J_TEST_SERVER = ROOT / "scripts" / "neo4j-test-server"


def _neo4j_unavailable(reason: str) -> None:
    """With CI=true the live tests must run: fail them; elsewhere skip them, saying why."""
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"live Neo4j tests: no server ({reason})", pytrace=False)
    pytest.skip(f"live Neo4j test: no server ({reason}); set NEO4J_URI or install Java 17 + Maven")


@pytest.fixture(scope="session")
def neo4j_uri() -> Iterator[str]:
    """A live Neo4j: ``$NEO4J_URI`` (with ``$NEO4J_PASSWORD``) if set, else the throw-away
    server of ``scripts/neo4j-test-server`` (started here, stopped at the end of the session
    unless it was already running). Skips when none can be had; fails instead with CI=true."""
    given = os.environ.get("NEO4J_URI", "").strip()
    if given:
        yield given
        return
    if shutil.which("java") is None:
        _neo4j_unavailable("java not found")
    already = subprocess.run([str(NEO4J_TEST_SERVER), "uri"], capture_output=True, text=True)
    if already.returncode == 0 and already.stdout.strip():
        yield already.stdout.strip()
        return
    try:
        started = subprocess.run([str(NEO4J_TEST_SERVER), "start"], capture_output=True,
                                 text=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as exc:
        _neo4j_unavailable(f"{NEO4J_TEST_SERVER.name} start: {exc}")
        raise  # not reached
    lines = started.stdout.strip().splitlines()
    if started.returncode != 0 or not lines or not lines[-1].startswith("bolt://"):
        errors = started.stderr.strip().splitlines()
        _neo4j_unavailable(errors[-1] if errors else f"exit status {started.returncode}")
    try:
        yield lines[-1]
    finally:
        subprocess.run([str(NEO4J_TEST_SERVER), "stop"], capture_output=True, text=True)


@pytest.fixture(scope="session")
def neo4j_password(neo4j_uri: str) -> str:
    """The password for :func:`neo4j_uri` (``$NEO4J_PASSWORD`` for a server of your own)."""
    if os.environ.get("NEO4J_URI", "").strip():
        return os.environ.get("NEO4J_PASSWORD", "")
    return NEO4J_TEST_PASSWORD


def document_text(doc_id: str) -> str:
    """The stored text of a seed document, as the offsets count it."""
    name = {"000": "000_212eaf13b7b5280d.txt", "003": "003_ab607d9907479ba0.txt"}[doc_id]
    return (SEED / "documents" / name).read_text(encoding="utf-8")


def corpus_generator() -> Any:
    """The benchmarks' corpus generator (benchmarks/corpus.py) as a module."""
    if "bench_corpus" not in sys.modules:
        spec = importlib.util.spec_from_file_location("bench_corpus",
                                                      ROOT / "benchmarks" / "corpus.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules["bench_corpus"] = module
        spec.loader.exec_module(module)
    return sys.modules["bench_corpus"]


def generate_corpus(papers: int, out: Path, *, seed: int = 0) -> Path:
    """A generated corpus of ``papers`` papers written to ``out`` (see docs/scale.md)."""
    corpus_generator().generate(papers, out, seed=seed)
    return out
