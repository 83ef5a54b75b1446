"""Shared fixtures: the seed graph is built once per session into a temporary data dir."""

from __future__ import annotations

import shutil
from pathlib import Path

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
def source_copy(tmp_path: Path) -> Path:
    """A writable copy of ``seed_data/`` to break on purpose."""
    target = tmp_path / "source"
    shutil.copytree(SEED, target)
    return target


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def document_text(doc_id: str) -> str:
    """The stored text of a seed document, as the offsets count it."""
    name = {"000": "000_212eaf13b7b5280d.txt", "003": "003_ab607d9907479ba0.txt"}[doc_id]
    return (SEED / "documents" / name).read_text(encoding="utf-8")
