"""The analyst view of `kg viz` in headless Chromium, through the page's controls and `kgView`.

One seed whole-model page serves the module (each test starts from `kgView.reset()`); pages
that need another viewport or a URL hash open their own. What the page shows is checked against
the Python side: `kg viz --focus` selections and layout, `kg trace`, `kg path`, `kg search`.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, Iterator

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.graphview import GraphView
from kg.queries import dimension_of, paths
from kg.render import flat
from kg.resolve import BACKGROUND_CLASSES
from kg.search import search
from kg.viz.layout import positions
from kg.viz.page import dimensions, edge_info, node_info
from kg.viz.selection import neighbourhood, select
from kg.viz.traces import trace_kind, walk_trace

from .test_viz import BARRIER, MECHANISM
from .test_viz_browser import Opened, browser  # noqa: F401  (the shared Chromium fixture)

STRATEGY = "strategy/improve-legal-safeguards"


def make(out: Path, seed_store: Path, *args: str) -> Path:
    result = CliRunner().invoke(app, ["viz", *args, "--out", str(out),
                                      "--data-dir", str(seed_store)])
    assert result.exit_code == 0, result.stderr
    return out


def opener(context: Any, url: str, viewport: dict[str, int] | None = None) -> Opened:
    page = context.new_page()
    if viewport:
        page.set_viewport_size(viewport)
    opened = Opened(page, url)
    page.on("request", lambda request: opened.requests.append(request.url))
    page.on("console", lambda msg: msg.type == "error" and opened.errors.append(msg.text))
    page.on("pageerror", lambda exc: opened.errors.append(str(exc)))
    page.goto(url)
    page.wait_for_function("window.kgView && window.kgView.ready === true")
    return opened


@pytest.fixture(scope="module")
def whole_path(seed_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make(tmp_path_factory.mktemp("viz-app") / "whole.html", seed_store)


@pytest.fixture(scope="module")
def shared(browser: Any, whole_path: Path) -> Iterator[Opened]:  # noqa: F811
    opened = opener(browser, whole_path.resolve().as_uri())
    yield opened
    opened.page.close()


@pytest.fixture()
def page(shared: Opened) -> Opened:
    """The module's whole-model page, back at its own view with nothing selected."""
    shared.js("() => { window.kgView.reset(); document.getElementById('kg-search').value = ''; }")
    shared.page.mouse.move(1, 1)
    return shared


def node_ids_of(view: GraphView, predicate: Any) -> list[str]:
    return sorted(i for i, n in view.nodes.items()
                  if n["class"] not in BACKGROUND_CLASSES and predicate(n))


def click_card_button(opened: Opened, node_id: str, css: str) -> None:
    opened.js("(id) => window.kgView.select(id)", node_id)
    opened.page.click(f"#kg-panel {css}")


# ------------------------------------------------------------------ focus, trace, neighbours

def test_focus_here_is_the_cli_neighbourhood_laid_out_by_hops(page: Opened,
                                                              view: GraphView) -> None:
    for depth in (1, 2, 3):
        expected = neighbourhood(view, MECHANISM, depth)
        assert page.js("([id, d]) => window.kgView.focus(id, d)", [MECHANISM, depth]) == sorted(
            expected.node_ids)
    page.js("() => window.kgView.reset()")
    page.js("(id) => window.kgView.select(id)", BARRIER)
    page.page.select_option("#kg-panel select", "2")
    page.page.click("#kg-panel .kg-focus")
    expected = neighbourhood(view, BARRIER, 2)
    assert page.js("() => window.kgView.visibleNodeIds()") == sorted(expected.node_ids)
    xy = page.js("() => network.getPositions()")
    shown = set(expected.node_ids)
    for node_id, hops in expected.distance.items():  # columns by signed hop distance
        if hops > 0:
            assert xy[node_id]["x"] > xy[BARRIER]["x"], node_id
        elif hops < 0:
            assert xy[node_id]["x"] < xy[BARRIER]["x"], node_id
    assert page.js("() => window.kgView.state()")["view"] == "focus"
    assert len(shown) < len(select(view).nodes)
    page.assert_clean()


def test_trace_button_shows_what_kg_viz_focus_shows(page: Opened, view: GraphView) -> None:
    click_card_button(page, BARRIER, ".kg-trace")
    expected = select(view, focus=BARRIER)  # `kg viz --focus <barrier>`: its trace
    assert page.js("() => window.kgView.visibleNodeIds()") == sorted(expected.node_ids)
    assert len(page.js("() => window.kgView.visibleEdgeIds()")) == len(expected.edges)
    xy = page.js("() => network.getPositions()")
    laid = positions(expected)
    assert {i: (xy[i]["x"], xy[i]["y"]) for i in expected.node_ids} == laid
    page.js("() => window.kgView.reset()")
    home = page.js("(id) => network.getPositions([id])[id]", BARRIER)
    assert (home["x"], home["y"]) != laid[BARRIER], "back home after the trace"
    page.assert_clean()


def test_every_embedded_trace_equals_the_python_trace(page: Opened, view: GraphView) -> None:
    roots = {i: trace_kind(n) for i, n in view.nodes.items()
             if n["class"] not in BACKGROUND_CLASSES and trace_kind(n)}
    assert {"barrier", "strategy", "mechanism"} <= set(roots.values())
    got = page.js("""(ids) => { const out = {};
        ids.forEach(id => { out[id] = window.kgView.trace(id); }); return out; }""",
                  sorted(roots))
    for root, kind in roots.items():
        assert got[root] == sorted(walk_trace(view, root, kind, None, None).node_ids), root
    page.assert_clean()


def test_neighbours_only_keeps_places_and_back_forward_walk_the_states(
        page: Opened, view: GraphView) -> None:
    before = page.js("(id) => network.getPositions([id])[id]", STRATEGY)
    click_card_button(page, STRATEGY, ".kg-neighbours")
    expected = neighbourhood(view, STRATEGY, 1)
    assert page.js("() => window.kgView.visibleNodeIds()") == sorted(expected.node_ids)
    assert page.js("(id) => network.getPositions([id])[id]", STRATEGY) == before
    page.page.click("#kg-panel .kg-focus")
    assert page.js("() => window.kgView.state().view") == "focus"
    page.page.click("#kg-back")
    assert page.js("() => window.kgView.state().view") == "neighbours"
    page.page.click("#kg-back")
    page.page.click("#kg-back")
    assert page.js("() => window.kgView.state()")["view"] == "page"
    assert page.js("() => window.kgView.visibleNodeIds().length") == len(select(view).nodes)
    page.page.click("#kg-forward")
    page.page.click("#kg-forward")
    assert page.js("() => window.kgView.state().view") == "neighbours"
    page.assert_clean()


def test_the_page_rebuilds_node_and_edge_info_as_page_py_makes_it(page: Opened,
                                                                   view: GraphView) -> None:
    """The data block is compact (wire form); what the card, the CSV and the SVG read is
    exactly node_info / edge_info."""
    selection = select(view)
    got = page.js("""() => { const out = {nodes: {}, edges: []};
        window.kgView.visibleNodeIds().forEach(id => { out.nodes[id] = window.kgView.info(id); });
        window.kgView.visibleEdgeIds().forEach(id => { out.edges.push(window.kgView.info(id)); });
        return out; }""")
    relations = view.projection["relations"]
    dims = dimensions(selection.nodes, selection.edges)
    assert got["nodes"] == {n["id"]: node_info(n, dims.get(n["id"])) for n in selection.nodes}
    key = lambda e: (e["source"], e["relation"], e["target"])  # noqa: E731
    assert sorted(got["edges"], key=key) == sorted(
        (edge_info(e, relations) for e in selection.edges), key=key)
    page.assert_clean()


# ------------------------------------------------------------------ filters

def test_filters_hide_by_class_paper_dimension_actor_and_modality(
        page: Opened, view: GraphView) -> None:
    kg = page.js
    assert kg("() => window.kgView.filter({classes: ['Barrier', 'Mechanism']})") == node_ids_of(
        view, lambda n: n["class"] in ("Barrier", "Mechanism"))
    assert kg("() => network.body.nodeIndices.length") == 18, "hidden, not greyed"
    assert kg("() => window.kgView.filter({documents: ['003']})") == node_ids_of(
        view, lambda n: n["document"] == "003")
    dims = {i: (dimension_of(view, i) or {}).get("id") for i in view.nodes}
    dim = "dimension/information"
    assert kg("(d) => window.kgView.filter({dimensions: [d]})", dim) == node_ids_of(
        view, lambda n: dims[n["id"]] == dim)
    assert kg("() => window.kgView.filter({actors: ['government']})") == node_ids_of(
        view, lambda n: n.get("properties", {}).get("actor") == "government")
    kg("() => window.kgView.filter({modalities: ['aligned']})")
    shown = kg("() => window.kgView.visibleEdgeIds().map(id => edges.get(id))")
    aligned = [e for e in select(view).edges if e["modality"] == "aligned"]
    assert len(shown) == len(aligned) and all(e["dashes"] for e in shown)
    assert kg("() => window.kgView.filter({})") == sorted(select(view).node_ids)
    page.assert_clean()


def test_legend_and_checkboxes_toggle_and_counts_update(page: Opened, view: GraphView) -> None:
    strategies = node_ids_of(view, lambda n: n["class"] == "Strategy")
    toggle = page.page.locator('#kg-legend-classes button[data-class="Strategy"]')
    assert toggle.locator(".kg-count").inner_text() == f"{len(strategies)} / {len(strategies)}"
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "false"
    assert toggle.locator(".kg-count").inner_text() == f"0 / {len(strategies)}"
    visible = set(page.js("() => window.kgView.visibleNodeIds()"))
    assert not visible & set(strategies) and len(visible) == len(select(view).nodes) - len(
        strategies)
    assert "filtered by classes" in page.page.inner_text("#kg-status")
    page.page.click('#kg-filters details[data-facet="documents"] summary')
    page.page.uncheck('#kg-filters details[data-facet="documents"] input[value="000"]')
    assert set(page.js("() => window.kgView.visibleNodeIds()")) == set(node_ids_of(
        view, lambda n: n["document"] == "003" and n["class"] != "Strategy"))
    assert page.js("() => window.kgView.state().filters.documents") == ["003"]
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    page.assert_clean()


def test_draft_filter_on_a_synthetic_page(browser: Any, tmp_path: Path) -> None:  # noqa: F811
    out = tmp_path / "synthetic.html"
    result = CliRunner().invoke(app, ["viz", "--synthetic", "400,900", "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    opened = opener(browser, out.resolve().as_uri())
    drafts = opened.js("""() => Object.values(JSON.parse(document.getElementById('kg-data')
        .textContent).info.nodes).filter(n => n.status === 'draft').map(n => n.id).sort()""")
    assert drafts
    shown = opened.js("() => window.kgView.filter({status: ['reviewed']})")
    assert not set(shown) & set(drafts) and len(shown) == 400 - len(drafts)
    assert opened.js("() => window.kgView.filter({status: ['draft']})") == drafts
    opened.assert_clean()
    opened.page.close()


# ------------------------------------------------------------------ search and path

def test_search_is_typo_tolerant_and_agrees_with_kg_search(page: Opened,
                                                          view: GraphView) -> None:
    assert page.js("() => window.kgView.search('data secruity')")[0] == (
        "barrier/data-security-risk")
    assert page.page.locator("#kg-results-list button").first.inner_text() == (
        "数据安全风险 / Data security risk")
    hits = page.js("() => window.kgView.search('privacy')")
    neighbours = {h.node["id"] for h in [*view.out(hits[0]), *view.into(hits[0])]}
    assert "barrier/data-security-risk" in neighbours, "privacy: a neighbour of the top hit"
    near = page.page.locator("#kg-results-near button")
    assert "数据安全风险 / Data security risk" in near.all_inner_texts()
    for text in ("数据安全", "platform dependence", "Pinduoduo", "算法", "talent"):
        cli = search(view, text, limit=50)
        best = {h["id"] for h in cli if h["score"] == cli[0]["score"]}
        assert page.js("(t) => window.kgView.search(t)", text)[0] in best, text
    assert page.js("() => window.kgView.search('   ')") == []
    page.assert_clean()


def python_route(view: GraphView, a: str, b: str) -> list[str]:
    nodes = [a]
    for hop in paths(view, a, b, limit=1)[0]:
        nxt = hop["target"]["id"] if hop["direction"] == "forward" else hop["source"]["id"]
        if nxt != nodes[-1]:
            nodes.append(nxt)
    return nodes


def test_path_agrees_with_kg_path_and_lists_hops_with_evidence(page: Opened,
                                                               view: GraphView) -> None:
    pairs = [("barrier/data-security-risk", STRATEGY),
             ("barrier/data-security-risk", "problem/product-homogenization"),
             ("case/medium-food-company", "problem/product-homogenization"),
             (MECHANISM, STRATEGY)]
    for a, b in pairs:
        assert page.js("([a, b]) => window.kgView.path(a, b)", [a, b]) == python_route(
            view, a, b), (a, b)
    page.js("() => window.kgView.reset()")
    a, b = pairs[2]
    click_card_button(page, a, ".kg-path")
    assert "pick the other end" in page.page.inner_text("#kg-status")
    click_card_button(page, b, ".kg-path")
    route = python_route(view, a, b)
    text = page.panel()
    assert f"{len(route) - 1} hops" in text
    for hop in paths(view, a, b, limit=1)[0]:
        for item in hop["evidence"]:
            assert f"“{flat(item['quote'])}”" in text
    assert page.js("() => window.kgView.state().path") == [a, b]
    page.assert_clean()


# ------------------------------------------------------------------ permalink and exports

def test_the_url_hash_reopens_the_same_state(page: Opened, browser: Any,  # noqa: F811
                                             view: GraphView) -> None:
    page.js("(id) => window.kgView.focus(id, 2)", MECHANISM)
    page.js("() => window.kgView.filter({classes: ['Barrier', 'Mechanism', 'Strategy', "
            "'InnovationType'], documents: ['000']})")
    page.js("(id) => window.kgView.select(id)", BARRIER)
    page.js("() => window.kgView.search('数据')")
    state = page.js("() => window.kgView.state()")
    visible = page.js("() => window.kgView.visibleNodeIds()")
    url = page.js("() => location.href")
    assert "#" in url and "view=focus" in url
    again = opener(browser, url)
    again.url = url.split("#")[0]  # the request for the file carries no fragment
    assert again.js("() => window.kgView.state()") == state
    assert again.js("() => window.kgView.visibleNodeIds()") == visible
    assert again.panel().startswith(view.nodes[BARRIER]["label"]["zh"])
    assert again.page.locator("#kg-results-list button").count() > 0
    again.assert_clean()
    again.page.close()
    page.assert_clean()


def test_exports_png_svg_and_csv_of_the_visible_view(page: Opened, view: GraphView) -> None:
    page.js("(id) => window.kgView.trace(id)", BARRIER)
    with page.page.expect_download() as got:
        page.page.click("#kg-csv")
    rows = list(csv.reader(io.StringIO(Path(got.value.path()).read_text(encoding="utf-8"),
                                       newline="")))
    expected = select(view, focus=BARRIER)
    assert rows[0][:3] == ["kind", "id", "class"]
    assert sorted(r[1] for r in rows[1:] if r[0] == "node") == sorted(expected.node_ids)
    edges = {(r[6], r[7], r[8]) for r in rows[1:] if r[0] == "edge"}
    assert edges == {(e["source"], e["relation"], e["target"]) for e in expected.edges}
    quote = flat(view.nodes[BARRIER]["evidence"][0]["quote"])
    assert any(quote in r[10] for r in rows if r[1] == BARRIER)
    with page.page.expect_download() as got:
        page.page.click("#kg-svg")
    svg = Path(got.value.path()).read_text(encoding="utf-8")
    assert svg.lstrip().startswith(("<svg", "<?xml"))
    assert svg.count('class="kg-node-shape"') == len(expected.nodes)
    with page.page.expect_download() as got:
        page.page.click("#kg-png")
    assert got.value.suggested_filename.endswith(".png")
    assert Path(got.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page.assert_clean()


# ------------------------------------------------------------------ keyboard and layout

def test_keyboard_zoom_pan_results_and_escape(page: Opened) -> None:
    page.page.focus("#mynetwork")
    scale = page.js("() => network.getScale()")
    page.page.keyboard.press("+")
    assert page.js("() => network.getScale()") > scale
    page.page.keyboard.press("-")
    page.page.keyboard.press("-")
    assert page.js("() => network.getScale()") < scale
    x = page.js("() => network.getViewPosition().x")
    page.page.keyboard.press("ArrowRight")
    assert page.js("() => network.getViewPosition().x") > x
    box = page.page.locator("#kg-search")
    box.click()
    box.press_sequentially("data security")
    page.page.wait_for_function("() => window.kgView.matches().length > 0")
    box.press("Tab")
    first = page.js("() => document.activeElement.dataset.id")
    assert first == page.js("() => window.kgView.matches()[0]")
    assert page.js("() => getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.page.keyboard.press("Tab")
    second = page.js("() => document.activeElement.dataset.id")
    assert second == page.js("() => window.kgView.matches()[1]")
    page.page.keyboard.press("Enter")
    assert page.js("() => window.kgView.state()")["node"] == second
    page.page.keyboard.press("Escape")
    assert page.js("() => [window.kgView.matches().length, window.kgView.state().selected]") == [
        0, None]
    page.assert_clean()


def test_first_sight_labels_key_classes_only_and_header_fits(page: Opened) -> None:
    assert page.js("() => 14 * network.getScale()") < 8, "vis-network labels too small: ours"
    ink = """() => { const c = document.getElementById('kg-overlay');
        const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
        for (let i = 3; i < px.length; i += 4) { if (px[i] > 0) { n++; } } return n; }"""
    page.js("() => window.kgView.filter({classes: ['Mechanism', 'Barrier', 'Strategy']})")
    page.page.wait_for_timeout(100)
    assert page.js(ink) > 2000, "mechanisms, barriers and strategies are labelled"
    page.js("() => window.kgView.filter({classes: ['Organization', 'Statistic']})")
    page.page.wait_for_timeout(100)
    assert page.js(ink) == 0, "the other classes wait for the zoom"
    fits = page.js("""() => { const h = document.getElementById('kg-header');
        const out = [...h.querySelectorAll('button, input')].filter(b => b.offsetParent)
            .map(b => b.getBoundingClientRect()).every(r => r.left >= 0 && r.right <= innerWidth);
        return [h.scrollWidth <= h.clientWidth, out, innerWidth]; }""")
    assert fits == [True, True, 1400]
    page.assert_clean()


def test_narrow_screen_panel_is_a_drawer(browser: Any, whole_path: Path) -> None:  # noqa: F811
    opened = opener(browser, whole_path.resolve().as_uri(), {"width": 800, "height": 800})
    graph = opened.js("() => document.getElementById('mynetwork').getBoundingClientRect().width")
    assert graph == 800
    assert opened.page.locator("#kg-side").is_hidden() or opened.js(
        "() => document.getElementById('kg-side').getBoundingClientRect().left") >= 800
    opened.page.click("#kg-drawer")
    opened.page.wait_for_function("""() => { const r = document.getElementById('kg-side')
        .getBoundingClientRect(); return r.left < 800 && r.right <= 801; }""")
    assert opened.page.locator("#kg-legend-classes button").first.is_visible()
    opened.page.keyboard.press("Escape")
    opened.page.wait_for_function("() => !document.body.classList.contains('kg-drawer-open')")
    opened.assert_clean()
    opened.page.close()


def test_a_paper_page_is_titled_by_the_paper(browser: Any, seed_store: Path,  # noqa: F811
                                             tmp_path: Path, view: GraphView) -> None:
    out = make(tmp_path / "paper.html", seed_store, "--document", "003", "--lang", "en")
    opened = opener(browser, out.resolve().as_uri())
    title = view.projection["documents"]["003"]["title"]["en"]
    assert opened.page.title() == f"innovation-kg · paper 003: {title}"
    assert "whole model" not in opened.page.inner_text("#kg-header")
    opened.assert_clean()
    opened.page.close()


def test_a_large_page_draws_edges_in_bulk_and_hands_vis_only_the_selected_ones(
        browser: Any, tmp_path: Path) -> None:  # noqa: F811
    """Beyond 5,000 visible edges vis-network holds only the selected node's edges (the rest
    are one cached path); filtering below that gives it every visible edge again."""
    out = tmp_path / "large.html"
    result = CliRunner().invoke(app, ["viz", "--synthetic", "3500,6000", "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    opened = opener(browser, out.resolve().as_uri())
    assert opened.js("() => [edges.length, window.kgView.visibleEdgeIds().length]") == [0, 6000]
    node = "barrier/n00010"
    opened.js("(id) => window.kgView.select(id)", node)
    degree = opened.js("""(id) => window.kgView.visibleEdgeIds().filter(e => {
        const i = window.kgView.info(e); return i.source === id || i.target === id; }).length""",
                       node)
    assert degree and opened.js("() => network.body.edgeIndices.length") == degree
    assert opened.js("() => edges.length") == degree
    shown = opened.js("() => window.kgView.filter({classes: ['Barrier', 'Strategy']})")
    visible_edges = opened.js("() => window.kgView.visibleEdgeIds()")
    assert 0 < len(visible_edges) <= 5000
    assert opened.js("() => network.body.edgeIndices.length") == len(visible_edges)
    assert opened.js("() => network.body.nodeIndices.length") == len(shown)
    assert len(opened.js("() => window.kgView.filter({})")) == 3500
    assert opened.js("() => edges.length") == degree
    opened.assert_clean()
    opened.page.close()
