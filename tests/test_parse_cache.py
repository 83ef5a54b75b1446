"""Rebuilds do not parse unchanged annotation files again (kg/loaders/parse_cache.py), and give
exactly the store a clean build gives. A unit whose part of the graph is cached
(kg/units, tests/test_incremental.py) is not even read; these tests remove that cache where
they need the parse cache itself."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kg.build import build
from kg.store import current_build

CACHE = Path("cache") / "yaml"
UNITS = Path("cache") / "units"


def files(store: Path) -> dict[str, bytes]:
    build_dir = current_build(store)
    return {p.name: p.read_bytes() for p in sorted(build_dir.iterdir())
            if not p.name.endswith(".checked")}


@pytest.fixture()
def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts the YAML reader parses (kg.loaders.yaml_source._load), as they are parsed."""
    from kg.loaders import yaml_source

    calls: list[str] = []
    real = yaml_source._load

    def load(text: str) -> object:
        calls.append(text[:40])
        return real(text)

    monkeypatch.setattr(yaml_source, "_load", load)
    return calls


def test_a_rebuild_parses_only_what_changed(source_copy: Path, tmp_path: Path,
                                             counted: list[str]) -> None:
    store = tmp_path / "store"
    build(source_copy, store, validate=False)
    parsed_first = len(counted)
    assert parsed_first >= 3 and len(list((store / CACHE).glob("*.json"))) == parsed_first
    counted.clear()
    shutil.rmtree(store / UNITS)
    build(source_copy, store, validate=False)
    assert counted == []
    target = source_copy / "annotations" / "000-barriers.yaml"
    target.write_text(target.read_text(encoding="utf-8").replace(
        "Data security risk", "Data-security risk", 1), encoding="utf-8")
    build(source_copy, store, validate=False)
    assert len(counted) == 1
    assert len(list((store / CACHE).glob("*.json"))) == parsed_first  # the old entry pruned
    clean = tmp_path / "clean"
    build(source_copy, clean, validate=False)
    assert files(store) == files(clean)


def test_a_damaged_entry_is_parsed_again(source_copy: Path, tmp_path: Path,
                                         counted: list[str]) -> None:
    store = tmp_path / "store"
    build(source_copy, store, validate=False)
    before = files(store)
    entries = sorted((store / CACHE).glob("*.json"))
    entries[0].write_text('["d", "not", ["x"', encoding="utf-8")
    entries[1].write_text('["weird-tag", 1]', encoding="utf-8")
    counted.clear()
    shutil.rmtree(store / UNITS)
    build(source_copy, store, validate=False)
    assert len(counted) == 2 and files(store) == before


def test_a_failed_build_writes_no_entry(source_copy: Path, tmp_path: Path) -> None:
    from kg.errors import KgError

    store = tmp_path / "store"
    target = source_copy / "annotations" / "000-barriers.yaml"
    target.write_text(target.read_text(encoding="utf-8").replace(
        "mechanism/information-empowerment", "mechanism/nope", 1), encoding="utf-8")
    with pytest.raises(KgError):
        build(source_copy, store, validate=False)
    assert not (store / CACHE).exists()
    shutil.rmtree(store, ignore_errors=True)
