/* KGExport: CSV and SVG of the current view, and a download that works under the page's CSP.
 *
 *   KGExport.csv(nodes, edges) -> string   nodes: node-info objects (page.py `node_info`);
 *       edges: edge-info objects (page.py `edge_info`), each with its edge `id` added, or the
 *       page's {edgeId: info} map (rows in the array's or the map's own order). One RFC 4180 table (CRLF, no BOM), columns
 *       kind,id,class,label_zh,label_en,document,source,relation,target,modality,evidence;
 *       an edge row's labels are its relation's, its document the documents of its evidence.
 *       A cell starting with = + - @ tab or CR gets a leading ' (no spreadsheet formulas).
 *   KGExport.svg(scene) -> string   scene = {width, height, nodes: [{id, x, y, label, color,
 *       shape, size}], edges: [{from, to, label, dashes, width}]} in canvas coordinates; one
 *       shape element (class "kg-node-shape") per node, arrowheads, every text escaped.
 *   KGExport.download(filename, mime, text)   an <a download> on a blob: URL, clicked, removed
 *       (text: a string, written as UTF-8, or a Blob such as a canvas PNG).
 * ES2017, one global; only download() touches the DOM.
 */
(function (root) {
  "use strict";

  var COLUMNS = ["kind", "id", "class", "label_zh", "label_en", "document", "source", "relation",
                 "target", "modality", "evidence"];
  var FONT = "system-ui, 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif";
  var LABEL_INSIDE = { box: 1, ellipse: 1, circle: 1, database: 1, text: 1 };

  /* ---------- CSV ---------- */

  function cell(value) {
    var text = value == null ? "" : String(value);
    if (/^[=+\-@\t\r]/.test(text)) { text = "'" + text; }
    if (/[",\r\n]/.test(text)) { text = "\"" + text.replace(/"/g, "\"\"") + "\""; }
    return text;
  }

  function evidenceText(items) {
    return (items || []).map(function (e) {
      var where = e.section ? " \u00a7" + e.section : "";
      return e.document + where + " [" + e.start + "\u2013" + e.end + "] \"" + e.quote + "\"";
    }).join(" | ");
  }

  function documentsOf(items) {
    var seen = {};
    (items || []).forEach(function (e) { seen[e.document] = true; });
    return Object.keys(seen).sort().join(" ");
  }

  function listOf(items) {
    if (Array.isArray(items)) { return items; }
    return Object.keys(items || {}).map(function (id) {   // the map's own (page) order
      var info = items[id];
      return info && info.id != null ? info : Object.assign({ id: id }, info);
    });
  }

  function csv(nodes, edges) {
    var rows = [COLUMNS];
    listOf(nodes).forEach(function (n) {
      var label = n.label || {};
      rows.push(["node", n.id, n["class"], label.zh, label.en, n.document, "", "", "", "",
                 evidenceText(n.evidence)]);
    });
    listOf(edges).forEach(function (e) {
      var label = e.relation_label || {};
      rows.push(["edge", e.id, "", label.zh, label.en, documentsOf(e.evidence), e.source,
                 e.relation, e.target, e.modality, evidenceText(e.evidence)]);
    });
    return rows.map(function (row) { return row.map(cell).join(","); }).join("\r\n") + "\r\n";
  }

  /* ---------- SVG ---------- */

  function esc(value) {
    return String(value == null ? "" : value).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }[c];
    }).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "");
  }

  function num(value, fallback) {
    var n = Number(value);
    return isFinite(n) ? Math.round(n * 100) / 100 : fallback;
  }

  function safeColor(value, fallback) {
    var c = value && typeof value === "object" ? (value.background || value.color) : value;
    if (typeof c === "string" && /^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20}|rgba?\([0-9.,\s%]+\))$/.test(c)) {
      return c;
    }
    return fallback;
  }

  function borderColor(value, fallback) {
    if (value && typeof value === "object" && value.border) {
      return safeColor(value.border, fallback);
    }
    return fallback;
  }

  function polygon(x, y, points) {
    return points.map(function (p) { return num(x + p[0], 0) + "," + num(y + p[1], 0); })
      .join(" ");
  }

  function regular(x, y, r, count, rotate) {
    var pts = [];
    for (var i = 0; i < count; i++) {
      var a = rotate + 2 * Math.PI * i / count;
      pts.push([r * Math.cos(a), r * Math.sin(a)]);
    }
    return polygon(x, y, pts);
  }

  function star(x, y, r) {
    var pts = [];
    for (var i = 0; i < 10; i++) {
      var rr = i % 2 ? r * 0.45 : r;
      var a = -Math.PI / 2 + Math.PI * i / 5;
      pts.push([rr * Math.cos(a), rr * Math.sin(a)]);
    }
    return polygon(x, y, pts);
  }

  /* Rough width of a line at 14 px: CJK and other wide characters 14 px, the rest 8 px. */
  function textWidth(line) {
    var w = 0;
    for (var i = 0; i < line.length; i++) { w += line.charCodeAt(i) >= 0x2e80 ? 14 : 8; }
    return w;
  }

  function lines(label) {
    return String(label == null ? "" : label).split("\n");
  }

  function textBlock(x, y, label, size, anchorMiddle) {
    var parts = lines(label);
    if (!parts.join("")) { return ""; }
    var out = "<text x=\"" + num(x, 0) + "\" y=\"" + num(y, 0) + "\" font-size=\"" + size +
      "\" text-anchor=\"middle\"" + (anchorMiddle ? " dominant-baseline=\"middle\"" : "") + ">";
    var first = anchorMiddle ? -(parts.length - 1) * 0.6 : 0;
    parts.forEach(function (line, i) {
      out += "<tspan x=\"" + num(x, 0) + "\" dy=\"" + (i === 0 ? first : 1.2) + "em\">" +
        esc(line) + "</tspan>";
    });
    return out + "</text>";
  }

  /* The node's shape element and its radius (for where edges stop and labels go). */
  function shapeOf(node) {
    var x = num(node.x, 0);
    var y = num(node.y, 0);
    var r = Math.max(2, num(node.size, 10));
    var fill = safeColor(node.color, "#97c2fc");
    var stroke = borderColor(node.color, fill);
    var paint = " fill=\"" + esc(fill) + "\" stroke=\"" + esc(stroke) +
      "\" stroke-width=\"1.5\" class=\"kg-node-shape\" data-shape=\"" + esc(node.shape || "dot") +
      "\"";
    var shape = node.shape || "dot";
    if (LABEL_INSIDE[shape]) {
      var parts = lines(node.label);
      var longest = Math.max.apply(null, parts.map(textWidth));
      var w = Math.max(24, Math.round(longest + 14));
      var h = parts.length * 17 + 10;
      if (shape === "ellipse" || shape === "circle") {
        var rx = shape === "circle" ? Math.max(w, h) / 2 : w / 2 + 6;
        var ry = shape === "circle" ? rx : h / 2 + 2;
        return { svg: "<ellipse cx=\"" + x + "\" cy=\"" + y + "\" rx=\"" + num(rx, 10) +
          "\" ry=\"" + num(ry, 10) + "\"" + paint + "/>", r: ry, inside: true };
      }
      var visible = shape === "text" ? " fill-opacity=\"0\" stroke-opacity=\"0\"" : "";
      return { svg: "<rect x=\"" + num(x - w / 2, 0) + "\" y=\"" + num(y - h / 2, 0) +
        "\" width=\"" + w + "\" height=\"" + h + "\" rx=\"4\"" + paint + visible + "/>",
        r: h / 2, inside: true };
    }
    var svg;
    switch (shape) {
      case "square":
        svg = "<rect x=\"" + num(x - r, 0) + "\" y=\"" + num(y - r, 0) + "\" width=\"" +
          num(2 * r, 0) + "\" height=\"" + num(2 * r, 0) + "\"" + paint + "/>";
        break;
      case "diamond":
        svg = "<polygon points=\"" + polygon(x, y, [[0, -r], [r, 0], [0, r], [-r, 0]]) + "\"" +
          paint + "/>";
        break;
      case "triangle":
        svg = "<polygon points=\"" + regular(x, y, r, 3, -Math.PI / 2) + "\"" + paint + "/>";
        break;
      case "triangleDown":
        svg = "<polygon points=\"" + regular(x, y, r, 3, Math.PI / 2) + "\"" + paint + "/>";
        break;
      case "hexagon":
        svg = "<polygon points=\"" + regular(x, y, r, 6, 0) + "\"" + paint + "/>";
        break;
      case "star":
        svg = "<polygon points=\"" + star(x, y, r) + "\"" + paint + "/>";
        break;
      default:   // dot, and any shape this file does not know
        svg = "<circle cx=\"" + x + "\" cy=\"" + y + "\" r=\"" + r + "\"" + paint + "/>";
    }
    return { svg: svg, r: r, inside: false };
  }

  function svg(scene) {
    var nodes = (scene && scene.nodes) || [];
    var edges = (scene && scene.edges) || [];
    var shapes = {};
    var minX = Infinity;
    var minY = Infinity;
    var maxX = -Infinity;
    var maxY = -Infinity;
    nodes.forEach(function (n) {
      var s = shapeOf(n);
      shapes[n.id] = { node: n, shape: s };
      var x = num(n.x, 0);
      var y = num(n.y, 0);
      var pad = s.r + 40;
      minX = Math.min(minX, x - pad - 60);
      maxX = Math.max(maxX, x + pad + 60);
      minY = Math.min(minY, y - pad);
      maxY = Math.max(maxY, y + pad + 20);
    });
    if (!nodes.length) { minX = 0; minY = 0; maxX = 100; maxY = 100; }
    var width = Math.max(1, num(scene && scene.width, maxX - minX));
    var height = Math.max(1, num(scene && scene.height, maxY - minY));
    var out = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + width + "\" height=\"" + height +
      "\" viewBox=\"" + num(minX, 0) + " " + num(minY, 0) + " " + num(maxX - minX, 100) + " " +
      num(maxY - minY, 100) + "\" font-family=\"" + esc(FONT) + "\">\n",
      "<defs><marker id=\"kg-arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" " +
      "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">" +
      "<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#9aa3ad\"/></marker></defs>\n",
      "<rect x=\"" + num(minX, 0) + "\" y=\"" + num(minY, 0) + "\" width=\"" +
      num(maxX - minX, 100) + "\" height=\"" + num(maxY - minY, 100) + "\" fill=\"#ffffff\"/>\n",
      "<g class=\"kg-edges\" fill=\"none\" stroke=\"#9aa3ad\">\n"];
    var labels = [];
    edges.forEach(function (e) {
      var a = shapes[e.from];
      var b = shapes[e.to];
      if (!a || !b) { return; }
      var x1 = num(a.node.x, 0);
      var y1 = num(a.node.y, 0);
      var x2 = num(b.node.x, 0);
      var y2 = num(b.node.y, 0);
      var len = Math.sqrt((x2 - x1) * (x2 - x1) + (y2 - y1) * (y2 - y1));
      if (len > a.shape.r + b.shape.r) {   // stop at the shapes' rims
        x1 += (x2 - x1) * a.shape.r / len;
        y1 += (y2 - y1) * a.shape.r / len;
        var k = b.shape.r / len;
        x2 -= (num(b.node.x, 0) - num(a.node.x, 0)) * k;
        y2 -= (num(b.node.y, 0) - num(a.node.y, 0)) * k;
      }
      var dash = e.dashes ? " stroke-dasharray=\"6 4\"" : "";
      out.push("<line x1=\"" + num(x1, 0) + "\" y1=\"" + num(y1, 0) + "\" x2=\"" + num(x2, 0) +
        "\" y2=\"" + num(y2, 0) + "\" stroke-width=\"" + Math.max(0.5, num(e.width, 1)) + "\"" +
        dash + " marker-end=\"url(#kg-arrow)\"/>\n");
      if (e.label) {
        labels.push(textBlock((x1 + x2) / 2, (y1 + y2) / 2, e.label, 10, true));
      }
    });
    out.push("</g>\n<g class=\"kg-edge-labels\" fill=\"#57606a\" stroke=\"#ffffff\" " +
      "stroke-width=\"3\" paint-order=\"stroke\">\n");
    labels.forEach(function (l) { out.push(l + "\n"); });
    out.push("</g>\n<g class=\"kg-nodes\">\n");
    nodes.forEach(function (n) {
      var s = shapes[n.id].shape;
      var x = num(n.x, 0);
      var y = num(n.y, 0);
      out.push("<g class=\"kg-node\" data-id=\"" + esc(n.id) + "\">" + s.svg +
        "<g fill=\"#1f2933\" stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\">" +
        (s.inside ? textBlock(x, y, n.label, 14, true) : textBlock(x, y + s.r + 16, n.label, 14,
          false)) + "</g></g>\n");
    });
    out.push("</g>\n</svg>\n");
    return out.join("");
  }

  /* ---------- download ---------- */

  function download(filename, mime, text) {
    var blob = new Blob([text], { type: mime || "application/octet-stream" });   // text or Blob
    var url = URL.createObjectURL(blob);
    var a = document.createElement("a");
    a.href = url;
    a.download = filename;
    a.style.display = "none";
    document.body.appendChild(a);
    a.click();
    a.parentNode.removeChild(a);
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  root.KGExport = { csv: csv, svg: svg, download: download, COLUMNS: COLUMNS.slice() };
})(typeof window !== "undefined" ? window : globalThis);
