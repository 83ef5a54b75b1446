"""`kg viz` on a generated 20-paper corpus: every barrier's trace view is made from edges the
store holds, including strategies reached through the other paper's match of a mechanism
(a trace edge once paired such a match with the barrier and the view failed)."""

from __future__ import annotations


import pytest

from kg.build import build
from kg.graphview import GraphView
from kg.viz import make_page
from kg.viz.selection import barrier_trace, is_barrier

from .conftest import generate_corpus


@pytest.fixture(scope="module")
def corpus_view(tmp_path_factory: pytest.TempPathFactory) -> GraphView:
    base = tmp_path_factory.mktemp("viz-corpus")
    build(generate_corpus(20, base / "corpus"), base / "store", validate=False)
    return GraphView.loaded(base / "store")


def test_every_barrier_trace_uses_stored_edges(corpus_view: GraphView) -> None:
    barriers = [nid for nid, node in corpus_view.nodes.items() if is_barrier(node)]
    assert len(barriers) > 100
    through_a_match = 0
    for barrier in barriers:
        selection = barrier_trace(corpus_view, barrier)  # raises on an edge not in the store
        for edge in selection.edges:
            assert corpus_view.graph.has_edge(edge["source"], edge["target"],
                                              key=edge["relation"])
        through_a_match += any(e["relation"] == "closeMatch" and not e["source"].startswith(
            "barrier/") for e in selection.edges)
    assert through_a_match > 0  # the case that failed is exercised


def test_the_whole_corpus_page_embeds_every_trace(corpus_view: GraphView) -> None:
    import json

    html, selection = make_page(corpus_view)
    assert len(selection.nodes) > 1000
    data = json.loads(html.split('<script id="kg-data" type="application/json">')[1]
                      .split("</script>")[0])
    assert not data["traces_omitted"] and len(data["traces"]) > 300
