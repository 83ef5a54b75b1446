/* kg viz page script: draws the network, the legend, the side panel and the search filter.
 * Every piece of graph text reaches the DOM through textContent (never innerHTML), so labels
 * and quotes show literally and nothing in them can run. No network access is used. */
(function () {
  "use strict";

  var DATA = JSON.parse(document.getElementById("kg-data").textContent);
  var LANG = DATA.lang;
  var DIM = {
    background: "#eceff3", border: "#d5dae0",
    highlight: { background: "#eceff3", border: "#9aa3ad" },
    hover: { background: "#eceff3", border: "#9aa3ad" }
  };
  var DIM_FONT_COLOR = "#c3c9d0";
  var DIM_EDGE = { color: "#e6e9ed", highlight: "#9aa3ad", hover: "#9aa3ad", inherit: false };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function pick(labels) {
    labels = labels || {};
    if (LANG === "both") {
      var parts = [];
      if (labels.zh) { parts.push(labels.zh); }
      if (labels.en && labels.en !== labels.zh) { parts.push(labels.en); }
      return parts.join(" / ");
    }
    return labels[LANG] || labels.en || labels.zh || "";
  }

  function langs() { return LANG === "both" ? ["zh", "en"] : [LANG]; }

  function normalize(text) {
    return String(text || "").normalize("NFKC").toLowerCase().replace(/\s+/g, "");
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  var nodeInfo = DATA.info.nodes;
  var edgeInfo = DATA.info.edges;
  var classInfo = {};
  DATA.legend.forEach(function (entry) { classInfo[entry["class"]] = entry; });

  function nodeName(id) {
    var info = nodeInfo[id];
    return info ? (pick(info.label) || id) : id;
  }

  /* ---------- network ---------- */
  var container = document.getElementById("mynetwork");
  var nodes = new vis.DataSet(DATA.nodes);
  var edges = new vis.DataSet(DATA.edges);
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, DATA.options);
  window.nodes = nodes;
  window.edges = edges;
  window.network = network;

  var original = {};
  DATA.nodes.forEach(function (n) {
    original[n.id] = { id: n.id, color: n.color, font: n.font, borderWidth: n.borderWidth };
  });
  var originalEdges = {};
  DATA.edges.forEach(function (e) {
    originalEdges[e.id] = { id: e.id, color: { color: "#9aa3ad", highlight: "#1f2933",
      hover: "#1f2933", inherit: false }, font: { color: "#57606a" } };
  });

  /* ---------- heading ---------- */
  document.title = DATA.title;
  document.getElementById("kg-title").textContent = DATA.title;
  document.getElementById("kg-subtitle").textContent =
    DATA.view + " · " + DATA.nodes.length + " nodes · " + DATA.edges.length + " edges";

  /* ---------- side panel ---------- */
  var panel = document.getElementById("kg-panel");
  var pinned = null;

  function hint() {
    clear(panel);
    panel.appendChild(el("p", "kg-hint",
      "Hover or click a node or an edge to see its labels, type, definition and evidence. " +
      "悬停或点击节点、连线查看标签、类型、定义与原文证据。"));
  }

  function section(title) { panel.appendChild(el("h3", null, title)); }

  function badge(text, extra) {
    return el("span", "kg-badge" + (extra ? " " + extra : ""), text);
  }

  function evidenceList(items) {
    section("Evidence · 证据 (" + items.length + ")");
    if (!items.length) { panel.appendChild(el("p", "kg-hint", "none")); return; }
    var list = el("ul", "kg-evidence");
    items.forEach(function (item) {
      var li = el("li");
      var doc = DATA.documents[item.document];
      var where = "paper " + item.document + (item.section ? " · §" + item.section : "") +
        " · [" + item.start + "–" + item.end + "]";
      if (doc) { where += " · " + pick(doc.title); }
      li.appendChild(el("div", "kg-where", where));
      li.appendChild(el("blockquote", "kg-quote", "“" + item.quote + "”"));
      list.appendChild(li);
    });
    panel.appendChild(list);
  }

  function showNode(id) {
    var info = nodeInfo[id];
    if (!info) { return; }
    clear(panel);
    panel.dataset.kind = "node";
    panel.dataset.id = id;
    var labels = info.label || {};
    panel.appendChild(el("h2", null, labels[langs()[0]] || pick(labels) || id));
    if (LANG === "both" && labels.en && labels.zh) {
      panel.appendChild(el("p", "kg-sub", labels.en));
    }
    var badges = el("div", "kg-badges");
    var cls = classInfo[info["class"]] || {};
    var className = pick(cls.label) || info["class"];
    if (className.indexOf(info["class"]) < 0) { className = info["class"] + " · " + className; }
    var classBadge = badge(className, "kg-class-badge");
    classBadge.style.background = cls.color || "#5b6672";
    badges.appendChild(classBadge);
    badges.appendChild(badge(id));
    if (info.document) { badges.appendChild(badge("paper " + info.document)); }
    panel.appendChild(badges);
    var alts = [];
    langs().forEach(function (lang) { alts = alts.concat(info.alt_labels[lang] || []); });
    if (alts.length) {
      section("Also called · 别名");
      panel.appendChild(el("p", "kg-text", alts.join("; ")));
    }
    var defs = langs().filter(function (lang) { return info.definition[lang]; });
    if (!defs.length && info.definition.en) { defs = ["en"]; }
    if (defs.length) {
      section("Definition · 定义");
      defs.forEach(function (lang) {
        panel.appendChild(el("p", "kg-text", info.definition[lang]));
      });
    }
    var keys = Object.keys(info.properties || {});
    if (keys.length) {
      section("Properties · 属性");
      var dl = el("dl", "kg-props");
      keys.forEach(function (key) {
        dl.appendChild(el("dt", null, key));
        var value = info.properties[key];
        dl.appendChild(el("dd", null, typeof value === "object" ? JSON.stringify(value) : value));
      });
      panel.appendChild(dl);
    }
    evidenceList(info.evidence || []);
    var connected = network.getConnectedEdges(id);
    if (connected.length) {
      section("Relations in view · 关系 (" + connected.length + ")");
      var list = el("ul", "kg-links");
      connected.slice().sort().forEach(function (edgeId) {
        var e = edgeInfo[edgeId];
        if (!e) { return; }
        var text = e.source === id
          ? "→ " + (pick(e.relation_label) || e.relation) + " → " + nodeName(e.target)
          : "← " + (pick(e.relation_label) || e.relation) + " ← " + nodeName(e.source);
        list.appendChild(el("li", null, text));
      });
      panel.appendChild(list);
    }
    if (pick(cls.definition)) {
      section("Type · 类型: " + className);
      panel.appendChild(el("p", "kg-text", pick(cls.definition)));
    }
  }

  function showEdge(id) {
    var info = edgeInfo[id];
    if (!info) { return; }
    clear(panel);
    panel.dataset.kind = "edge";
    panel.dataset.id = id;
    panel.appendChild(el("h2", null, pick(info.relation_label) || info.relation));
    panel.appendChild(el("p", "kg-sub", nodeName(info.source) + " → " + nodeName(info.target)));
    var badges = el("div", "kg-badges");
    badges.appendChild(badge(info.relation));
    if (info.type) { badges.appendChild(badge(info.type)); }
    if (info.modality) { badges.appendChild(badge(info.modality)); }
    panel.appendChild(badges);
    section("From · 起点");
    panel.appendChild(el("p", "kg-text", nodeName(info.source) + "  [" + info.source + "]"));
    section("To · 终点");
    panel.appendChild(el("p", "kg-text", nodeName(info.target) + "  [" + info.target + "]"));
    evidenceList(info.evidence || []);
  }

  function show(item) {
    if (!item) { hint(); delete panel.dataset.kind; delete panel.dataset.id; return; }
    if (item.kind === "node") { showNode(item.id); } else { showEdge(item.id); }
  }

  network.on("click", function (params) {
    if (params.nodes.length) { pinned = { kind: "node", id: params.nodes[0] }; }
    else if (params.edges.length) { pinned = { kind: "edge", id: params.edges[0] }; }
    else { pinned = null; }
    show(pinned);
  });
  network.on("hoverNode", function (params) { show({ kind: "node", id: params.node }); });
  network.on("hoverEdge", function (params) { show({ kind: "edge", id: params.edge }); });
  network.on("blurNode", function () { if (pinned) { show(pinned); } });
  network.on("blurEdge", function () { if (pinned) { show(pinned); } });

  /* ---------- legend ---------- */
  var classSelect = document.getElementById("kg-class");
  var legendList = document.getElementById("kg-legend-classes");
  DATA.legend.forEach(function (entry) {
    var li = el("li");
    li.dataset["class"] = entry["class"];
    var swatch = el("span", "kg-swatch kg-shape-" + entry.shape);
    swatch.style.background = entry.color;
    li.appendChild(swatch);
    var name = pick(entry.label) || entry["class"];
    li.appendChild(el("span", null, name));
    li.appendChild(el("span", "kg-count", entry.count));
    li.addEventListener("click", function () {
      classSelect.value = classSelect.value === entry["class"] ? "" : entry["class"];
      applyFilter();
    });
    legendList.appendChild(li);
    var option = el("option", null, name + " (" + entry.count + ")");
    option.value = entry["class"];
    classSelect.appendChild(option);
  });
  var edgeLegend = document.getElementById("kg-legend-edges");
  edgeLegend.appendChild(el("div", null,
    "Edges are labelled by relation; width = evidence passages · 线宽 = 证据条数"));
  [["kg-w1", "1 passage"], ["kg-w2", "2 passages"], ["kg-w3", "3 passages"], ["kg-w4", "4 or more"],
   ["kg-dashed", "dashed: cross-paper alignment (closeMatch)"]].forEach(function (row) {
    var div = el("div", "kg-edge-row");
    div.appendChild(el("span", "kg-edge-line " + row[0]));
    div.appendChild(el("span", null, row[1]));
    edgeLegend.appendChild(div);
  });

  /* ---------- search / filter ---------- */
  var searchBox = document.getElementById("kg-search");
  var status = document.getElementById("kg-status");
  var keys = {};
  Object.keys(nodeInfo).forEach(function (id) {
    var info = nodeInfo[id];
    var cls = classInfo[info["class"]] || {};
    var parts = [id, info["class"]];
    ["zh", "en"].forEach(function (lang) {
      if (info.label[lang]) { parts.push(info.label[lang]); }
      (info.alt_labels[lang] || []).forEach(function (a) { parts.push(a); });
      if (cls.label && cls.label[lang]) { parts.push(cls.label[lang]); }
    });
    keys[id] = parts.map(normalize).join("\u0000");
  });

  var view = {
    ready: false, matches: [], query: "", className: "",
    showNode: showNode, showEdge: showEdge
  };
  window.kgView = view;

  function applyFilter() {
    var query = normalize(searchBox.value);
    var wanted = classSelect.value;
    view.query = query;
    view.className = wanted;
    Array.prototype.forEach.call(legendList.children, function (li) {
      li.classList.toggle("kg-active", li.dataset["class"] === wanted);
    });
    if (!query && !wanted) {
      view.matches = [];
      nodes.update(Object.keys(original).map(function (id) { return original[id]; }));
      edges.update(Object.keys(originalEdges).map(function (id) { return originalEdges[id]; }));
      status.textContent = "";
      return;
    }
    var hit = {};
    var matches = [];
    Object.keys(nodeInfo).forEach(function (id) {
      var classOk = !wanted || nodeInfo[id]["class"] === wanted;
      if (classOk && (!query || keys[id].indexOf(query) >= 0)) {
        hit[id] = true;
        matches.push(id);
      }
    });
    matches.sort();
    view.matches = matches;
    nodes.update(Object.keys(original).map(function (id) {
      if (hit[id]) {
        return { id: id, color: original[id].color, borderWidth: 3,
                 font: { color: "#111827", size: original[id].font.size } };
      }
      return { id: id, color: DIM, borderWidth: 1,
               font: { color: DIM_FONT_COLOR, size: original[id].font.size } };
    }));
    edges.update(DATA.edges.map(function (e) {
      return (hit[e.from] || hit[e.to]) ? originalEdges[e.id]
        : { id: e.id, color: DIM_EDGE, font: { color: "rgba(0,0,0,0)" } };
    }));
    status.textContent = matches.length + " of " + DATA.nodes.length + " nodes match · " +
      matches.length + " / " + DATA.nodes.length + " 个节点匹配";
  }

  var pending = null;
  searchBox.addEventListener("input", function (event) {
    if (event.isComposing) { return; }
    clearTimeout(pending);
    pending = setTimeout(applyFilter, 80);
  });
  searchBox.addEventListener("compositionend", function () {
    clearTimeout(pending);
    applyFilter();
  });
  searchBox.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      clearTimeout(pending);
      applyFilter();
      if (view.matches.length) { network.fit({ nodes: view.matches, animation: false }); }
    }
  });
  classSelect.addEventListener("change", applyFilter);
  document.getElementById("kg-clear").addEventListener("click", function () {
    searchBox.value = "";
    classSelect.value = "";
    applyFilter();
    network.fit({ animation: false });
  });
  view.filter = function (query, className) {
    searchBox.value = query || "";
    classSelect.value = className || "";
    applyFilter();
    return view.matches.slice();
  };

  hint();
  network.once("afterDrawing", function () { view.ready = true; });
  network.fit({ animation: false });
  if (DATA.focus) {
    network.selectNodes([DATA.focus]);
    pinned = { kind: "node", id: DATA.focus };
    show(pinned);
  }
}());
