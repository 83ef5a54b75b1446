"""The indexed store answers every query exactly as the whole graph loaded from graph.json does
(golden: the loaded view on the seeds), is written deterministically, and is checked."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.graphview import GraphView
from kg.index.view import IndexedView
from kg.queries import cases_table, list_entities, paths, show
from kg.resolve import NotFound, resolve_match
from kg.search import search
from kg.store import INDEX, current_build
from kg.traces import TRACES


@pytest.fixture(scope="module")
def both(seed_store: Path) -> tuple[GraphView, GraphView]:
    indexed = GraphView.from_store(seed_store)
    assert isinstance(indexed, IndexedView)
    return GraphView.loaded(seed_store), indexed


def test_every_trace_is_the_same(both: tuple[GraphView, GraphView]) -> None:
    loaded, indexed = both
    for kind, (function, classes) in TRACES.items():
        roots = loaded.of_class(*classes)
        assert roots, kind
        for node in roots:
            assert function(indexed, node["id"]) == function(loaded, node["id"]), node["id"]


def test_every_card_and_list_is_the_same(both: tuple[GraphView, GraphView]) -> None:
    loaded, indexed = both
    for node_id in loaded.nodes:
        assert show(indexed, node_id) == show(loaded, node_id), node_id
    for cls in sorted({n["class"] for n in loaded.nodes.values()}):
        assert list_entities(indexed, cls) == list_entities(loaded, cls), cls
    assert cases_table(indexed) == cases_table(loaded)
    assert indexed.of_class("Barrier", "Strategy") == loaded.of_class("Barrier", "Strategy")
    assert indexed.subclasses("Statistic") == loaded.subclasses("Statistic")


@pytest.mark.parametrize("query", ["data security", "data secruity", "privacy", "隐私",
                                   "homogenisation", "平台", "talent", "38", "zzzz"])
def test_search_and_resolve_are_the_same(query: str, both: tuple[GraphView, GraphView]) -> None:
    loaded, indexed = both
    assert search(indexed, query) == search(loaded, query)

    def outcome(view: GraphView) -> object:
        try:
            match = resolve_match(view, query)
            return match.node["id"], match.how
        except NotFound as exc:
            return type(exc).__name__, str(exc)
        except Exception as exc:  # noqa: BLE001 - Ambiguous and the like, compared as text
            return type(exc).__name__, str(exc)

    assert outcome(indexed) == outcome(loaded)


def test_search_is_the_same_for_labels_typos_and_quotes(both: tuple[GraphView, GraphView]
                                                       ) -> None:
    loaded, indexed = both
    queries: set[str] = set()
    for node in list(loaded.nodes.values())[::7]:
        label = (node.get("label") or {}).get("en") or ""
        if len(label) > 6:
            queries.add(label[:3] + label[4] + label[3] + label[5:])  # two letters swapped
            queries.add(label.upper())
        for item in node.get("evidence", [])[:1]:
            queries.add(item["quote"][2:9])
    assert len(queries) > 100
    for query in sorted(queries):
        assert search(indexed, query) == search(loaded, query), query


def test_paths_are_the_same(both: tuple[GraphView, GraphView]) -> None:
    loaded, indexed = both
    pairs = [("barrier/data-security-risk", "policy/quality-improvement-action-plan"),
             ("strategy/data-governance", "mechanism/resource-reconstruction"),
             ("barrier/innovation-homogenization", "problem/product-homogenization")]
    for source, target in pairs:
        assert source in loaded.nodes and target in loaded.nodes
        found = paths(loaded, source, target)
        assert found and paths(indexed, source, target) == found


def test_the_index_is_the_same_bytes_for_the_same_graph(tmp_path: Path, runner: CliRunner,
                                                        seed_store: Path) -> None:
    other = tmp_path / "again"
    assert runner.invoke(app, ["build", "--no-validate", "--data-dir", str(other)]).exit_code == 0
    first = (current_build(seed_store) / INDEX).read_bytes()
    assert (current_build(other) / INDEX).read_bytes() == first


@pytest.mark.parametrize("damage", ["truncate", "overwrite", "remove"])
def test_a_damaged_index_is_one_line(damage: str, store: Path, runner: CliRunner) -> None:
    path = current_build(store) / INDEX
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[:len(data) // 2])
    elif damage == "overwrite":
        path.write_bytes(data[:4096] + b"\xff" * (len(data) - 4096))
    else:
        path.unlink()
    result = runner.invoke(app, ["trace", "barrier", "data-security-risk", "--data-dir",
                                 str(store)])
    assert result.exit_code == 1, result.stdout
    assert result.stderr.count("\n") == 1 and "damaged" in result.stderr
    assert "index.sqlite" in result.stderr
