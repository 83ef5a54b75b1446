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
import hashlib
import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from kg.render import flat
from kg.viz.layout import MODEL_COLUMNS, OTHER_COLUMN
from kg.viz.selection import Selection
from kg.viz.style import class_style, edge_width, node_label, relation_label

VIS_VERSION = "9.1.2"
FONT_FACE = "system-ui, 'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"
EXTERNAL_REF = re.compile(r"""(?:\b(?:src|href)\s*=\s*["']?|url\(\s*["']?|@import\s+["']?)\s*"""
                          r"""(?:[a-z][a-z0-9+.-]*:)?//""", re.IGNORECASE)
SCRIPT_BODY = re.compile(r"(<script\b[^>]*>).*?(</script>)", re.IGNORECASE | re.DOTALL)

#: vis-network options: positions are precomputed, so physics is off and nothing has to settle.
OPTIONS: dict[str, Any] = {
    "autoResize": True,
    "height": "100%",
    "width": "100%",
    "physics": {"enabled": False, "stabilization": {"enabled": False}},
    "layout": {"improvedLayout": False, "randomSeed": 1, "hierarchical": {"enabled": False}},
    "interaction": {"hover": True, "tooltipDelay": 200, "multiselect": False,
                    "navigationButtons": False, "keyboard": {"enabled": False}},
    "nodes": {"borderWidth": 1.5,
              "font": {"size": 14, "face": FONT_FACE, "strokeWidth": 3,
                       "strokeColor": "#ffffff"}},
    "edges": {"arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
              "smooth": False,
              "color": {"color": "#9aa3ad", "highlight": "#1f2933", "hover": "#1f2933",
                        "inherit": False},
              "font": {"size": 10, "face": FONT_FACE, "color": "#57606a", "strokeWidth": 3,
                       "strokeColor": "#ffffff", "align": "middle"},
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


def _evidence(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"document": e["document"], "section": e.get("section") or "", "start": e["start"],
             "end": e["end"], "quote": flat(e["quote"])} for e in items]


def vis_node(node: dict[str, Any], xy: tuple[int, int], lang: str, focus: bool) -> dict[str, Any]:
    """One vis-network node: label, class colour and shape, fixed position."""
    style = class_style(node["class"])
    color = {"background": style.color, "border": "#1f2933" if focus else style.color,
             "highlight": {"background": style.color, "border": "#111827"},
             "hover": {"background": style.color, "border": "#111827"}}
    return {"id": node["id"], "label": node_label(node, lang), "shape": style.shape,
            "size": style.size + (8 if focus else 0), "color": color,
            "borderWidth": 4 if focus else 1.5,
            "font": {"color": "#1f2933", "size": 18 if focus else 14},
            "x": xy[0], "y": xy[1]}


def vis_edges(edges: list[dict[str, Any]], relations: dict[str, Any],
              lang: str) -> list[dict[str, Any]]:
    """vis-network edges (ids ``e0``, ``e1`` … in the selection's order); parallel edges curve."""
    out, seen = [], {}
    for index, edge in enumerate(edges):
        pair = tuple(sorted((edge["source"], edge["target"])))
        nth = seen[pair] = seen.get(pair, -1) + 1
        item = {"id": f"e{index}", "from": edge["source"], "to": edge["target"],
                "label": relation_label(edge["relation"], relations.get(edge["relation"], {}),
                                        lang),
                "width": edge_width(len(edge.get("evidence", []))),
                "dashes": edge.get("modality") == "aligned"}
        if nth:
            item["smooth"] = {"enabled": True, "type": "curvedCW", "roundness": 0.25 * nth}
        out.append(item)
    return out


def node_info(node: dict[str, Any]) -> dict[str, Any]:
    """What the side panel shows for a node."""
    return {"id": node["id"], "class": node["class"], "label": node.get("label", {}),
            "alt_labels": node.get("alt_labels", {}), "definition": node.get("definition", {}),
            "document": node.get("document"), "properties": node.get("properties", {}),
            "evidence": _evidence(node.get("evidence", []))}


def edge_info(edge: dict[str, Any], relations: dict[str, Any]) -> dict[str, Any]:
    """What the side panel shows for an edge."""
    info = relations.get(edge["relation"], {})
    return {"relation": edge["relation"], "relation_label": info.get("label", {}),
            "type": edge.get("type") or info.get("type", ""), "modality": edge.get("modality"),
            "source": edge["source"], "target": edge["target"],
            "evidence": _evidence(edge.get("evidence", []))}


def legend(selection: Selection, classes: dict[str, Any]) -> list[dict[str, Any]]:
    """The classes present, in reading order, with colour, shape, count, label, definition."""
    counts: dict[str, int] = {}
    for node in selection.nodes:
        counts[node["class"]] = counts.get(node["class"], 0) + 1
    order = sorted(counts, key=lambda c: (MODEL_COLUMNS.get(c, OTHER_COLUMN), c))
    return [{"class": c, "count": counts[c], "color": class_style(c).color,
             "shape": class_style(c).shape, "label": classes.get(c, {}).get("label", {}),
             "definition": classes.get(c, {}).get("definition", {})} for c in order]


def network(selection: Selection, xy: dict[str, tuple[int, int]], ctx: PageContext) -> Any:
    """The pyvis Network of a selection (lists set directly: ``add_edge`` is O(n·e))."""
    from pyvis.network import Network

    net = Network(directed=True, cdn_resources="in_line", height="100%", width="100%")
    net.nodes = [vis_node(n, xy[n["id"]], ctx.lang, n["id"] == selection.focus)
                 for n in selection.nodes]
    net.node_ids = [n["id"] for n in selection.nodes]
    net.node_map = {n["id"]: n for n in net.nodes}
    net.edges = vis_edges(selection.edges, ctx.relations, ctx.lang)
    net.set_options(json.dumps(OPTIONS))
    return net


def page_data(selection: Selection, xy: dict[str, tuple[int, int]], ctx: PageContext) -> dict:
    """Everything the page script needs, as one JSON document."""
    net = network(selection, xy, ctx)
    nodes, edges, _heading, _height, _width, options = net.get_network_data()
    return {
        "title": ctx.title, "view": ctx.view, "lang": ctx.lang, "focus": selection.focus,
        "mode": selection.mode, "nodes": nodes, "edges": edges, "options": json.loads(options),
        "legend": legend(selection, ctx.classes),
        "info": {"nodes": {n["id"]: node_info(n) for n in selection.nodes},
                 "edges": {e["id"]: edge_info(edge, ctx.relations)
                           for e, edge in zip(edges, selection.edges, strict=True)}},
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


def html_page(data: dict[str, Any]) -> str:
    """The page: static markup, the data block, vis-network and the page script."""
    scripts = [_vis_file("vis-network.min.js"), _asset("viz.js")]
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
        "<script>", scripts[0], "</script>\n",
        "<script>", scripts[1], "</script>\n</body>\n</html>\n",
    ])


def external_references(html: str) -> list[str]:
    """Every ``src``/``href``/CSS ``url()``/``@import`` that points at another host.

    Script bodies are skipped (the data block is inert text; a quote may mention a URL);
    script and link tags themselves and all styles are checked.

    >>> external_references('<link href="https://cdn.example/x.css"><script>"src=//x"</script>')
    ['href="https://']
    """
    return [m.group(0) for m in EXTERNAL_REF.finditer(SCRIPT_BODY.sub(r"\1\2", html))]


def render_page(selection: Selection, xy: dict[str, tuple[int, int]], ctx: PageContext) -> str:
    """The complete HTML text for a selection laid out at ``xy``."""
    html = html_page(page_data(selection, xy, ctx))
    leaks = external_references(html)
    if leaks:  # pragma: no cover - would mean a vis-network/pyvis update added a CDN link
        raise ValueError(f"the page references external files: {leaks[:3]}")
    return html
