"""`kg sparql` opens an on-disk pyoxigraph store of the build: made once, remade when the
graph file or the ontology changed, checked, and in memory when the store cannot be written."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.rdfstore import CACHE, PREFIX, open_store
from kg.sparql_runner import run_sparql
from kg.store import GRAPH_NT, StoreDamaged, current_build, ntriples_path

QUERY = ("SELECT ?m WHERE { <https://w3id.org/innovation-kg/id/barrier/data-security-risk> "
         "ikg:hinders ?m } ORDER BY ?m")


def copies(store: Path) -> list[Path]:
    return sorted((store / CACHE).glob(PREFIX + "*"))


def test_the_disk_store_answers_as_the_loaded_graph(store: Path) -> None:
    on_disk = run_sparql(open_store(store), QUERY, {})
    assert on_disk == run_sparql(ntriples_path(store), QUERY, {})
    assert on_disk["rows"] == [{"m": "mechanism/information-empowerment"}]


def test_it_is_made_once_per_build(store: Path) -> None:
    for made in copies(store):
        shutil.rmtree(made)
    open_store(store)
    [made] = copies(store)
    stamp = (made / "kg-source.json").stat().st_mtime_ns
    open_store(store)
    assert copies(store) == [made] and (made / "kg-source.json").stat().st_mtime_ns == stamp


def test_a_changed_graph_file_is_checked_before_it_is_loaded(store: Path) -> None:
    open_store(store)
    path = current_build(store) / GRAPH_NT
    data = bytearray(path.read_bytes())
    at = data.index(b"barrier/data-security-risk")
    data[at:at + 7] = b"BARRIER"
    path.write_bytes(bytes(data))
    with pytest.raises(StoreDamaged):
        open_store(store)


def test_a_read_only_store_is_queried_in_memory(store: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    for made in copies(store):  # the seed store may hold one from an earlier test
        shutil.rmtree(made)

    def refuse(*args: object, **kwargs: object) -> str:
        raise PermissionError("read-only")

    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    assert run_sparql(open_store(store), QUERY, {})["rows"]
    assert copies(store) == []


def test_the_cli_uses_it(store: Path, runner: CliRunner) -> None:
    for made in copies(store):
        shutil.rmtree(made)
    result = runner.invoke(app, ["sparql", QUERY, "--format", "json", "--data-dir", str(store)])
    assert result.exit_code == 0, result.stderr
    assert len(copies(store)) == 1
