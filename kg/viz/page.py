"""A selection → one self-contained HTML page (pyvis network data, vis-network inlined).

pyvis builds the network (nodes, edges, options) and ships vis-network 9.1.2; the page around
it is ours, because pyvis's own template links Bootstrap from a CDN even in ``in_line`` mode.
Safety by construction: all graph text travels in one JSON block that never executes (``<``,
``>``, ``&`` escaped), the only scripts are two static files pinned by hash in a
Content-Security-Policy that also forbids every network request, and the page script builds
the side panel with ``textContent`` only.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Optional

from kg.render import flat
from kg.viz.layout import MODEL_COLUMNS, OTHER_COLUMN
from kg.viz.selection import Selection, edge_key
from kg.viz.style import LABELLED_CLASSES, class_style, edge_width, node_label, relation_label
from kg.viz.traces import PageTraces

VIS_VERSION = "9.1.2"
FONT_FACE = "system-ui, 'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"
EXTERNAL_REF = re.compile(r"""(?:\b(?:src|href)\s*=\s*["']?|url\(\s*["']?|@import\s+["']?)\s*"""
                          r"""(?:[a-z][a-z0-9+.-]*:)?//""", re.IGNORECASE)
SCRIPT_BODY = re.compile(r"(<script\b[^>]*>).*?(</script>)", re.IGNORECASE | re.DOTALL)
#: The page modules inlined before viz.js (search, shortest path, export), in this order.
MODULES = ("search.js", "path.js", "export.js")
#: Above this many edges the canvas hides edges while it is dragged or zoomed.
LARGE_EDGES = 5000

#: vis-network options: positions are precomputed, so physics is off and nothing has to settle.
OPTIONS: dict[str, Any] = {
    "autoResize": True,
    "height": "100%",
    "width": "100%",
    "physics": {"enabled": False, "stabilization": {"enabled": False}},
    "layout": {"improvedLayout": False, "randomSeed": 1, "hierarchical": {"enabled": False}},
    "interaction": {"hover": True, "tooltipDelay": 200, "multiselect": False,
                    "navigationButtons": False, "keyboard": {"enabled": False},
                    "hideEdgesOnDrag": False, "hideEdgesOnZoom": False},
    "nodes": {"borderWidth": 1.5,
              "font": {"size": 14, "face": FONT_FACE, "color": "#1f2933", "strokeWidth": 3,
                       "strokeColor": "#ffffff"},
              # a label is drawn only once it is 8 px or more on screen; the page script draws
              # the labels of the LABELLED_CLASSES itself below that (level of detail)
              "scaling": {"label": {"enabled": False, "drawThreshold": 8}}},
    "edges": {"arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
              "smooth": False, "width": 1.0,
              "color": {"color": "#9aa3ad", "highlight": "#1f2933", "hover": "#1f2933",
                        "inherit": False},
              "selectionWidth": 1.5, "hoverWidth": 0.5},
}


@dataclass(frozen=True)
class PageContext:
    """What the page says about itself besides the selection."""

    lang: str
    title: str
    view: str
    classes: dict[str, Any]
    relations: dict[str, Any]
    documents: dict[str, Any]
    document: Optional[str] = None


def script_json(data: Any) -> str:
    """JSON that is inert inside ``<script type="application/json">``: stable and HTML-safe.

    >>> script_json({"q": "</script><img src=x onerror=alert(1)>&"})
    '{"q":"\\\\u003c/script\\\\u003e\\\\u003cimg src=x onerror=alert(1)\\\\u003e\\\\u0026"}'
    """
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return text


#: ``flat`` remembered per quote text: the same passage backs many nodes and edges.
_flat = functools.lru_cache(maxsize=1 << 16)(flat)


def _evidence(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"document": e["document"], "section": e.get("section") or "", "start": e["start"],
             "end": e["end"], "quote": _flat(e["quote"])} for e in items]


def group_style(cls: str) -> dict[str, Any]:
    """The vis-network group of a class: shape, size and colours shared by all its nodes."""
    style = class_style(cls)
    return {"shape": style.shape, "size": style.size,
            "color": {"background": style.color, "border": style.color,
                      "highlight": {"background": style.color, "border": "#111827"},
                      "hover": {"background": style.color, "border": "#111827"}}}


def vis_node(node: dict[str, Any], xy: tuple[int, int], lang: str, focus: bool) -> dict[str, Any]:
    """One vis-network node: label, class group (colour and shape), fixed position."""
    item = {"id": node["id"], "label": node_label(node, lang), "group": node["class"],
            "x": xy[0], "y": xy[1]}
    if focus:
        style = class_style(node["class"])
        item.update({"size": style.size + 8, "borderWidth": 4, "font": {"size": 18},
                     "color": {"background": style.color, "border": "#1f2933"}})
    return item


def vis_edges(edges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """vis-network edges (ids ``e0``, ``e1`` … in the given order); parallel edges curve.

    No labels on the canvas data: the page script draws relation labels when they are legible
    (zoomed in, hovered, or around the selected node) from the edge's info.
    """
    out, seen = [], {}
    for index, edge in enumerate(edges):
        pair = tuple(sorted((edge["source"], edge["target"])))
        nth = seen[pair] = seen.get(pair, -1) + 1
        item: dict[str, Any] = {"id": f"e{index}", "from": edge["source"], "to": edge["target"]}
        width = edge_width(len(edge.get("evidence", [])))
        if width != OPTIONS["edges"]["width"]:
            item["width"] = width
        if edge.get("modality") == "aligned":
            item["dashes"] = True
        if nth:
            item["smooth"] = {"enabled": True, "type": "curvedCW", "roundness": 0.25 * nth}
        out.append(item)
    return out


def node_info(node: dict[str, Any], dimension: Optional[str] = None) -> dict[str, Any]:
    """What the side panel shows for a node (``status`` and ``dimension`` only when set)."""
    info = {"id": node["id"], "class": node["class"], "label": node.get("label", {}),
            "alt_labels": node.get("alt_labels", {}), "definition": node.get("definition", {}),
            "document": node.get("document"), "properties": node.get("properties", {}),
            "evidence": _evidence(node.get("evidence", []))}
    if node.get("status") == "draft":
        info["status"] = "draft"
    if dimension:
        info["dimension"] = dimension
    return info


def edge_info(edge: dict[str, Any], relations: dict[str, Any]) -> dict[str, Any]:
    """What the side panel shows for an edge (``status`` only on a draft)."""
    info = relations.get(edge["relation"], {})
    out = {"relation": edge["relation"], "relation_label": info.get("label", {}),
           "type": edge.get("type") or info.get("type", ""), "modality": edge.get("modality"),
           "source": edge["source"], "target": edge["target"],
           "evidence": _evidence(edge.get("evidence", []))}
    if edge.get("status") == "draft":
        out["status"] = "draft"
    return out


def dimensions(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> dict[str, str]:
    """Each node's dimension: its own ``inDimension`` edge, or that of what it is part of
    (as ``kg.queries.dimension_of``, over the given edges)."""
    direct: dict[str, str] = {}
    wholes: dict[str, str] = {}
    for edge in edges:  # sorted by (source, relation, target): the first one wins
        if edge["relation"] == "inDimension":
            direct.setdefault(edge["source"], edge["target"])
        elif edge["relation"] == "partOf":
            wholes.setdefault(edge["source"], edge["target"])
    out = {}
    for node in nodes:
        current, seen = node["id"], set()
        while current not in seen and current not in direct and current in wholes:
            seen.add(current)
            current = wholes[current]
        if current in direct:
            out[node["id"]] = direct[current]
    return out


def legend(selection: Selection, classes: dict[str, Any]) -> list[dict[str, Any]]:
    """The classes present, in reading order, with colour, shape, count, label, definition."""
    counts: dict[str, int] = {}
    for node in selection.nodes:
        counts[node["class"]] = counts.get(node["class"], 0) + 1
    order = sorted(counts, key=lambda c: (MODEL_COLUMNS.get(c, OTHER_COLUMN), c))
    return [{"class": c, "count": counts[c], "color": class_style(c).color,
             "shape": class_style(c).shape, "label": classes.get(c, {}).get("label", {}),
             "definition": classes.get(c, {}).get("definition", {})} for c in order]


def options(classes: set[str], edge_count: int) -> dict[str, Any]:
    """vis-network options with one group per class (so nodes carry no colour of their own)."""
    out = json.loads(json.dumps(OPTIONS))
    out["groups"] = {c: group_style(c) for c in sorted(classes)}
    if edge_count > LARGE_EDGES:
        out["interaction"].update({"hideEdgesOnDrag": True, "hideEdgesOnZoom": True})
    return out


def network(nodes: list[dict[str, Any]], edges: list[dict[str, Any]], focus: Optional[str],
            xy: dict[str, tuple[int, int]], ctx: PageContext) -> Any:
    """The pyvis Network of the page (lists set directly: ``add_edge`` is O(n·e))."""
    from pyvis.network import Network

    net = Network(directed=True, cdn_resources="in_line", height="100%", width="100%")
    net.nodes = [vis_node(n, xy[n["id"]], ctx.lang, n["id"] == focus) for n in nodes]
    net.node_ids = [n["id"] for n in nodes]
    net.node_map = {n["id"]: n for n in net.nodes}
    net.edges = vis_edges(edges)
    net.set_options(json.dumps(options({n["class"] for n in nodes}, len(edges))))
    return net


def trace_extras(selection: Selection, traces: PageTraces, view_nodes: dict[str, Any],
            view_edges: dict[Any, dict[str, Any]]) -> tuple[list[dict], list[dict]]:
    """Nodes and edges that traces need but the page's selection does not hold."""
    shown, keys = selection.node_ids, {edge_key(e) for e in selection.edges}
    node_ids: set[str] = set()
    edge_keys: set[Any] = set()
    for _kind, ids, trace_edges, _xy in traces.traces.values():
        node_ids.update(i for i in ids if i not in shown)
        edge_keys.update(k for k in trace_edges if k not in keys)
    return ([view_nodes[i] for i in sorted(node_ids)],
            [view_edges[k] for k in sorted(edge_keys)])


def relation_table(relations: dict[str, Any], used: set[str], lang: str) -> dict[str, Any]:
    """Every relation used on the page: its labels, its type and its canvas label (``text``)."""
    return {r: {"label": relations.get(r, {}).get("label", {}),
                "type": relations.get(r, {}).get("type", ""),
                "text": relation_label(r, relations.get(r, {}), lang)} for r in sorted(used)}


def compact_evidence(items: list[dict[str, Any]]) -> list[list[Any]]:
    """Evidence items as ``[document, section, start, end, quote]`` (the page's wire form)."""
    return [[e["document"], e["section"], e["start"], e["end"], e["quote"]] for e in items]


def compact_node(info: dict[str, Any]) -> dict[str, Any]:
    """A :func:`node_info` with its evidence in the wire form (the page script expands it)."""
    return {**info, "evidence": compact_evidence(info["evidence"])}


def compact_edge(edge: dict[str, Any], relations: dict[str, Any]) -> list[Any]:
    """An edge's info on the wire: ``[relation, modality, evidence, draft(0/1)]`` and its type
    when it differs from its relation's; ends, labels and type come from the page's edge list
    and relation table. The page script rebuilds :func:`edge_info` from it."""
    out = [edge["relation"], edge.get("modality"),
           [[e["document"], e.get("section") or "", e["start"], e["end"], _flat(e["quote"])]
            for e in edge.get("evidence", [])],
           1 if edge.get("status") == "draft" else 0]
    kind = edge.get("type") or relations.get(edge["relation"], {}).get("type", "")
    if kind != relations.get(edge["relation"], {}).get("type", ""):
        out.append(kind)
    return out


def page_data(selection: Selection, xy: dict[str, tuple[int, int]], ctx: PageContext,
              traces: Optional[PageTraces] = None,
              extras: tuple[list[dict], list[dict]] = ([], [])) -> dict:
    """Everything the page script needs, as one JSON document.

    ``nodes``/``edges`` hold the selection first (``base`` says how many), then the extras
    that only traces show. ``info`` holds each node's :func:`node_info` and each edge's
    :func:`compact_edge` (in ``edges`` order), evidence in the wire form of
    :func:`compact_evidence`; the page script expands them back to what
    :func:`node_info`/:func:`edge_info` return. ``traces`` maps a root id to
    ``[kind, node indexes, edge indexes, [x0, y0, x1, y1 …]]`` (indexes into
    ``nodes``/``edges``; positions as the trace's own page lays them out).
    """
    traces = traces or PageTraces({})
    all_nodes = [*selection.nodes, *extras[0]]
    all_edges = [*selection.edges, *extras[1]]
    where = dict(xy)
    for node in extras[0]:
        where[node["id"]] = (0, 0)
    net = network(all_nodes, all_edges, selection.focus, where, ctx)
    nodes, edges, _heading, _height, _width, opts = net.get_network_data()
    for item in nodes[len(selection.nodes):]:
        item["hidden"] = True
    node_index = {n["id"]: i for i, n in enumerate(all_nodes)}
    edge_index = {edge_key(e): i for i, e in enumerate(all_edges)}
    embedded = {root: [kind, [node_index[i] for i in ids], [edge_index[k] for k in keys],
                       [c for i in ids for c in pos[i]]]
                for root, (kind, ids, keys, pos) in traces.traces.items()}
    dims = dimensions(all_nodes, all_edges)
    return {
        "title": ctx.title, "view": ctx.view, "lang": ctx.lang, "focus": selection.focus,
        "mode": selection.mode, "document": ctx.document, "nodes": nodes, "edges": edges,
        "base": {"nodes": len(selection.nodes), "edges": len(selection.edges)},
        "options": json.loads(opts), "legend": legend(selection, ctx.classes),
        "labelled": list(LABELLED_CLASSES),
        "relations": relation_table(ctx.relations, {e["relation"] for e in all_edges},
                                    ctx.lang),
        "traces": embedded, "traces_omitted": traces.omitted,
        "info": {"nodes": {n["id"]: compact_node(node_info(n, dims.get(n["id"])))
                           for n in all_nodes},
                 "edges": [compact_edge(edge, ctx.relations) for edge in all_edges]},
        "documents": {k: {"title": v.get("title", {})} for k, v in sorted(ctx.documents.items())},
    }


def _asset(name: str) -> str:
    return resources.files("kg.viz").joinpath("assets", name).read_text(encoding="utf-8")


def _vis_file(name: str) -> str:
    import pyvis

    path = Path(pyvis.__file__).parent / "templates" / "lib" / f"vis-{VIS_VERSION}" / name
    return path.read_text(encoding="utf-8")


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def content_security_policy(scripts: list[str]) -> str:
    """No network at all; only the given inline scripts run (inline handlers never do)."""
    return ("default-src 'none'; script-src " + " ".join(_sha256(s) for s in scripts)
            + "; style-src 'unsafe-inline'; img-src data:; font-src data:; "
            "base-uri 'none'; form-action 'none'")


def page_scripts() -> list[str]:
    """vis-network, the page modules and the page script, in the order they run."""
    return [_vis_file("vis-network.min.js"), *(_asset(m) for m in MODULES), _asset("viz.js")]


def html_page(data: dict[str, Any]) -> str:
    """The page: static markup, the data block, vis-network, the modules and the page script."""
    scripts = page_scripts()
    for script in scripts:
        if "</script" in script.lower():  # pragma: no cover - guards a future asset
            raise ValueError("an inlined script contains </script")
    body = _asset("body.html")
    lang = "en" if data["lang"] == "en" else "zh"
    return "".join([
        "<!DOCTYPE html>\n<html lang=\"", lang, "\">\n<head>\n<meta charset=\"utf-8\">\n",
        "<meta http-equiv=\"Content-Security-Policy\" content=\"",
        content_security_policy(scripts), "\">\n",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
        f"<meta name=\"generator\" content=\"innovation-kg kg viz (vis-network {VIS_VERSION})\">\n",
        "<title>innovation-kg view</title>\n",
        "<style>", _vis_file("vis-network.css"), "</style>\n",
        "<style>", _asset("viz.css"), "</style>\n</head>\n<body>\n", body,
        "<script id=\"kg-data\" type=\"application/json\">", script_json(data), "</script>\n",
        *("<script>" + script + "</script>\n" for script in scripts),
        "</body>\n</html>\n",
    ])


def external_references(html: str) -> list[str]:
    """Every ``src``/``href``/CSS ``url()``/``@import`` that points at another host.

    Script bodies are skipped (the data block is inert text; a quote may mention a URL);
    script and link tags themselves and all styles are checked.

    >>> external_references('<link href="https://cdn.example/x.css"><script>"src=//x"</script>')
    ['href="https://']
    """
    return [m.group(0) for m in EXTERNAL_REF.finditer(SCRIPT_BODY.sub(r"\1\2", html))]


def render_page(selection: Selection, xy: dict[str, tuple[int, int]], ctx: PageContext,
                traces: Optional[PageTraces] = None,
                extras: tuple[list[dict], list[dict]] = ([], [])) -> str:
    """The complete HTML text for a selection laid out at ``xy`` (with its embedded traces)."""
    html = html_page(page_data(selection, xy, ctx, traces, extras))
    leaks = external_references(html)
    if leaks:  # pragma: no cover - would mean a vis-network/pyvis update added a CDN link
        raise ValueError(f"the page references external files: {leaks[:3]}")
    return html
