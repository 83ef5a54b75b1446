/* kg viz page script: the network, the side panel (node/edge card, search results, legend and
 * filters), views (the page's own, focus, neighbours, trace, path), history, the URL-hash
 * permalink, exports and the keyboard; and `window.kgView`, the API scripts and tests use.
 *
 * Every piece of graph text reaches the DOM through textContent (never innerHTML), so labels
 * and quotes show literally and nothing in them can run. No network access is used. Search,
 * shortest paths and exports come from the page modules KGSearch, KGPath and KGExport. */
(function () {
  "use strict";

  var T0 = performance.now();
  var DATA = JSON.parse(document.getElementById("kg-data").textContent);
  var timings = { start: T0, parse: performance.now() - T0 };
  var LANG = DATA.lang;
  var NONE = "(none)";
  var COLUMN_GAP = 380, ROW_GAP = 70, STACK_GAP = 230, PER_STACK = 16;
  var LABEL_PX = 11;            // screen size of the labels this script draws
  var VIS_LABEL_MIN = 8;        // vis-network draws a node label from this screen size on
  var MAX_OVERLAY_LABELS = 400; // at most this many labels drawn by this script per frame
  var BULK_EDGES = 5000;        // beyond this many visible edges they are drawn in one path
  var EDGE_LABEL_SCALE = 1.2;   // every visible relation is labelled from this zoom on
  var SEARCH_DELAY = 120;

  /* ---------- small helpers ---------- */
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }
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
  function button(text, title, onClick, className) {
    var b = el("button", className, text);
    b.type = "button";
    if (title) { b.title = title; }
    b.addEventListener("click", onClick);
    return b;
  }
  function sorted(list) { return list.slice().sort(); }

  /* ---------- data ---------- */
  /* Evidence travels as [document, section, start, end, quote]; edges' info as
   * [relation, modality, evidence, draft, type?] in edge order (page.py compact_edge). */
  function expandEvidence(e) {
    return { document: e[0], section: e[1], start: e[2], end: e[3], quote: e[4] };
  }
  var nodeInfo = DATA.info.nodes;
  Object.keys(nodeInfo).forEach(function (id) {
    nodeInfo[id].evidence = nodeInfo[id].evidence.map(expandEvidence);
  });
  var edgeWire = DATA.info.edges;
  var edgeCache = {};
  var N = DATA.nodes.length, E = DATA.edges.length;
  var BASE_N = DATA.base.nodes, BASE_E = DATA.base.edges;
  var ids = DATA.nodes.map(function (n) { return n.id; });
  var index = {};
  ids.forEach(function (id, i) { index[id] = i; });
  var edgeIds = DATA.edges.map(function (e) { return e.id; });
  var edgeIndex = {};
  edgeIds.forEach(function (id, i) { edgeIndex[id] = i; });

  /* An edge's info as page.py edge_info makes it (built on first use). */
  function edgeInfoOf(id) {
    var i = edgeIndex[id];
    if (i === undefined) { return undefined; }
    if (!edgeCache[id]) {
      var w = edgeWire[i], rel = DATA.relations[w[0]] || {};
      var info = { relation: w[0], relation_label: rel.label || {},
                   type: w.length > 4 ? w[4] : (rel.type || ""), modality: w[1],
                   source: DATA.edges[i].from, target: DATA.edges[i].to,
                   evidence: w[2].map(expandEvidence) };
      if (w[3]) { info.status = "draft"; }
      edgeCache[id] = info;
    }
    return edgeCache[id];
  }
  var from = new Int32Array(E), to = new Int32Array(E);
  var links = [];  // per node: edge indexes of the page's own edges, both directions
  for (var li = 0; li < N; li++) { links.push([]); }
  DATA.edges.forEach(function (e, i) {
    from[i] = index[e.from]; to[i] = index[e.to];
    if (i < BASE_E) { links[from[i]].push(i); links[to[i]].push(i); }
  });
  var classInfo = {};
  DATA.legend.forEach(function (entry) { classInfo[entry["class"]] = entry; });
  var labelled = {};
  (DATA.labelled || []).forEach(function (c) { labelled[c] = true; });
  var groups = DATA.options.groups || {};

  function nodeName(id) {
    var info = nodeInfo[id];
    return info ? (pick(info.label) || id) : id;
  }
  function shortLabel(i) {
    var text = String(DATA.nodes[i].label || ids[i]);
    var cut = text.indexOf("\n");
    return cut < 0 ? text : text.slice(0, cut);
  }
  function relationName(e) {
    return (DATA.relations[e.relation] || {}).text || pick(e.relation_label) || e.relation;
  }
  function relationOf(i) { return edgeWire[i][0]; }

  /* ---------- facets: what the filters hide by ---------- */
  var FACETS = [
    { key: "classes", title: "Class · 类别", of: function (info) { return info["class"]; },
      name: function (v) { return pick((classInfo[v] || {}).label) || v; } },
    { key: "documents", title: "Paper · 论文", of: function (info) { return info.document || NONE; },
      name: function (v) {
        var doc = DATA.documents[v];
        return v === NONE ? "no paper" : "paper " + v + (doc ? " · " + pick(doc.title) : "");
      } },
    { key: "dimensions", title: "Dimension · 维度",
      of: function (info) { return info.dimension || NONE; },
      name: function (v) { return v === NONE ? "no dimension" : nodeName(v); } },
    { key: "actors", title: "Actor · 主体",
      of: function (info) { return (info.properties || {}).actor || NONE; },
      name: function (v) { return v === NONE ? "no actor" : String(v); } },
    { key: "modalities", title: "Modality (edges) · 模态", edges: true,
      of: function (info) { return info.modality || NONE; },
      ofEdge: function (w) { return w[1] || NONE; },
      name: function (v) { return v; } },
    { key: "status", title: "Draft / reviewed · 草稿", both: true,
      of: function (info) { return info.status === "draft" ? "draft" : "reviewed"; },
      ofEdge: function (w) { return w[3] ? "draft" : "reviewed"; },
      name: function (v) { return v === "draft" ? "draft (not reviewed)" : "reviewed"; } }
  ];
  var FILTER_KEYS = FACETS.map(function (f) { return f.key; });
  var nodeFacet = {}, edgeFacet = {};
  FACETS.forEach(function (f) {
    if (!f.edges) { nodeFacet[f.key] = ids.map(function (id) { return String(f.of(nodeInfo[id])); }); }
    if (f.edges || f.both) {
      edgeFacet[f.key] = edgeWire.map(function (w) { return String(f.ofEdge(w)); });
    }
  });
  function facetValues(f) {
    var seen = {};
    var source = f.edges ? edgeFacet[f.key] : nodeFacet[f.key];
    var limit = f.edges ? BASE_E : BASE_N;
    for (var i = 0; i < limit; i++) { seen[source[i]] = (seen[source[i]] || 0) + 1; }
    if (f.key === "classes") { return DATA.legend.map(function (e) { return e["class"]; }); }
    return Object.keys(seen).sort();
  }

  /* ---------- the network ---------- */
  var container = document.getElementById("mynetwork");
  var nodes = new vis.DataSet(DATA.nodes);
  // vis-network holds only the edges it draws itself (see syncEdges): on a large page none at
  // first, which saves it building 60,000 edge objects before the first frame.
  var inVis = new Uint8Array(E);
  var startEdges = [];
  if (BASE_E <= BULK_EDGES) {
    for (var se = 0; se < BASE_E; se++) { inVis[se] = 1; startEdges.push(DATA.edges[se]); }
  }
  var edges = new vis.DataSet(startEdges);
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, DATA.options);
  timings.network = performance.now() - T0;
  window.nodes = nodes;
  window.edges = edges;
  window.network = network;
  var home = DATA.nodes.map(function (n) { return [n.x, n.y]; });
  var hidden = new Uint8Array(N);
  DATA.nodes.forEach(function (n, i) { hidden[i] = n.hidden ? 1 : 0; });
  var moved = {};  // node index -> true while it is away from its home position
  var bulk = false;  // whether the visible edges are drawn in one path (see beforeDrawing)

  /* ---------- heading ---------- */
  document.title = DATA.title;
  document.getElementById("kg-title").textContent = DATA.title;
  document.getElementById("kg-subtitle").textContent =
    DATA.view + " · " + BASE_N + " nodes · " + BASE_E + " edges";

  /* ---------- state ---------- */
  function emptyState() {
    return { view: "page", node: null, depth: 1, filters: {}, selected: null, search: "",
             path: null };
  }
  var state = emptyState();
  var past = [], future = [];
  var matches = [];        // ids of the current search results, best first
  var pathResult = null;   // {nodes, hops} of the current path
  var pathStart = null;    // the first node picked for a path
  var hoverEdge = null;

  function copyState(s) { return JSON.parse(JSON.stringify(s)); }

  function encodeState(s) {
    var params = new URLSearchParams();
    if (s.view !== "page") { params.append("view", s.view); }
    if (s.node) { params.append("node", s.node); }
    if (s.view === "focus") { params.append("depth", String(s.depth)); }
    FILTER_KEYS.forEach(function (key) {
      var values = s.filters[key];
      if (!values) { return; }
      if (!values.length) { params.append(key, ""); }
      values.forEach(function (v) { params.append(key, v); });
    });
    if (s.selected) { params.append("selected", s.selected); }
    if (s.search) { params.append("search", s.search); }
    if (s.path) { params.append("path", s.path[0]); params.append("path", s.path[1]); }
    return params.toString();
  }

  function decodeState(text) {
    var params = new URLSearchParams(text);
    var s = emptyState();
    var viewName = params.get("view");
    if (["page", "focus", "neighbours", "trace"].indexOf(viewName) >= 0) { s.view = viewName; }
    var node = params.get("node");
    if (node && node in index) { s.node = node; } else if (s.view !== "page") { s.view = "page"; }
    var depth = parseInt(params.get("depth"), 10);
    s.depth = depth >= 1 && depth <= 3 ? depth : 1;
    FILTER_KEYS.forEach(function (key) {
      if (params.has(key)) {
        s.filters[key] = sorted(params.getAll(key).filter(function (v) { return v !== ""; }));
      }
    });
    var selected = params.get("selected");
    if (selected && (selected in nodeInfo || selected in edgeIndex)) { s.selected = selected; }
    s.search = params.get("search") || "";
    var path = params.getAll("path");
    if (path.length === 2 && path[0] in index && path[1] in index) { s.path = path; }
    return s;
  }

  function writeHash() {
    var text = encodeState(state);
    var url = location.href.split("#")[0] + (text ? "#" + text : "");
    if (url !== location.href) { history.replaceState(null, "", url); }
  }

  /* ---------- views: which nodes, where ---------- */
  /* A node's edges in the order `kg viz --depth` walks them: outgoing by (relation, target),
   * then incoming by (relation, source), so a node two ways away gets the same side. */
  function ordered(i) {
    return links[i].slice().sort(function (a, b) {
      var outA = from[a] === i ? 0 : 1, outB = from[b] === i ? 0 : 1;
      if (outA !== outB) { return outA - outB; }
      var ra = relationOf(a), rb = relationOf(b);
      if (ra !== rb) { return ra < rb ? -1 : 1; }
      var oa = ids[outA ? from[a] : to[a]], ob = ids[outB ? from[b] : to[b]];
      return oa < ob ? -1 : oa > ob ? 1 : 0;
    });
  }

  function neighbourhood(start, depth) {
    var distance = {};
    distance[start] = 0;
    var queue = [start];
    for (var q = 0; q < queue.length; q++) {
      var current = queue[q];
      var hops = Math.abs(distance[current]);
      if (hops >= depth) { continue; }
      ordered(current).forEach(function (e) {
        var other = from[e] === current ? to[e] : from[e];
        if (other in distance) { return; }
        var side = current === start ? (from[e] === current ? 1 : -1)
          : (distance[current] >= 0 ? 1 : -1);
        distance[other] = side * (hops + 1);
        queue.push(other);
      });
    }
    return distance;
  }

  /* Columns by signed hop distance, each a stack ordered by class then id (like --depth). */
  function columnLayout(distance) {
    var columns = {};
    Object.keys(distance).forEach(function (k) {
      var d = distance[k];
      (columns[d] = columns[d] || []).push(+k);
    });
    var xy = {};
    var keys = Object.keys(columns).map(Number).sort(function (a, b) { return a - b; });
    var x = 0;
    keys.forEach(function (d) {
      var members = columns[d].sort(function (a, b) {
        var ca = nodeInfo[ids[a]]["class"], cb = nodeInfo[ids[b]]["class"];
        return ca < cb ? -1 : ca > cb ? 1 : (ids[a] < ids[b] ? -1 : ids[a] > ids[b] ? 1 : 0);
      });
      var stacks = Math.max(1, Math.ceil(members.length / PER_STACK));
      var rows = Math.ceil(members.length / stacks);
      members.forEach(function (i, n) {
        var stack = Math.floor(n / rows), row = n % rows;
        xy[i] = [x + stack * STACK_GAP, (row - (rows - 1) / 2) * ROW_GAP];
      });
      x += (stacks - 1) * STACK_GAP + COLUMN_GAP;
    });
    return xy;
  }

  /* {nodes: Uint8Array, edges: Uint8Array, xy: {index: [x, y]} or null} of a state's view. */
  function viewOf(s) {
    var inNodes = new Uint8Array(N), inEdges = new Uint8Array(E);
    var i;
    var start = s.node === null ? -1 : index[s.node];
    if (s.view === "trace" && DATA.traces[s.node]) {
      var trace = DATA.traces[s.node];
      var xy = {};
      trace[1].forEach(function (n, k) {
        inNodes[n] = 1;
        xy[n] = [trace[3][2 * k], trace[3][2 * k + 1]];
      });
      trace[2].forEach(function (e) { inEdges[e] = 1; });
      return { nodes: inNodes, edges: inEdges, xy: xy };
    }
    if ((s.view === "focus" || s.view === "neighbours") && start >= 0) {
      var distance = neighbourhood(start, s.view === "focus" ? s.depth : 1);
      Object.keys(distance).forEach(function (k) { inNodes[k] = 1; });
      for (i = 0; i < BASE_E; i++) { inEdges[i] = inNodes[from[i]] && inNodes[to[i]] ? 1 : 0; }
      return { nodes: inNodes, edges: inEdges, xy: null,
               distance: s.view === "focus" ? distance : null };
    }
    for (i = 0; i < BASE_N; i++) { inNodes[i] = 1; }
    for (i = 0; i < BASE_E; i++) { inEdges[i] = 1; }
    return { nodes: inNodes, edges: inEdges, xy: null };
  }

  function allowedSets(filters) {
    var out = {};
    FILTER_KEYS.forEach(function (key) {
      if (filters[key]) {
        var set = {};
        filters[key].forEach(function (v) { set[v] = true; });
        out[key] = set;
      }
    });
    return out;
  }

  var current = { nodes: new Uint8Array(N), edges: new Uint8Array(E) };

  /* Hide/show and move nodes to match `state` (one batched DataSet update each). */
  function render(refit) {
    var v = viewOf(state);
    var allowed = allowedSets(state.filters);
    var keep = state.node === null ? -1 : index[state.node];
    var visibleNodes = new Uint8Array(N), visibleEdges = new Uint8Array(E);
    var i, key, k;
    for (i = 0; i < N; i++) {
      if (!v.nodes[i]) { continue; }
      var ok = true;
      if (i !== keep) {
        for (k = 0; k < FACETS.length && ok; k++) {
          key = FACETS[k].key;
          if (nodeFacet[key] && allowed[key] && !allowed[key][nodeFacet[key][i]]) { ok = false; }
        }
      }
      visibleNodes[i] = ok ? 1 : 0;
    }
    for (i = 0; i < E; i++) {
      if (!v.edges[i] || !visibleNodes[from[i]] || !visibleNodes[to[i]]) { continue; }
      var pass = true;
      if (allowed.modalities && !allowed.modalities[edgeFacet.modalities[i]]) { pass = false; }
      if (allowed.status && !allowed.status[edgeFacet.status[i]]) { pass = false; }
      visibleEdges[i] = pass ? 1 : 0;
    }
    if (v.distance) {  // a focus is laid out over the nodes the filters leave
      var kept = {};
      Object.keys(v.distance).forEach(function (k) { if (visibleNodes[k]) { kept[k] = v.distance[k]; } });
      v.xy = columnLayout(kept);
    }
    // Hide and move the network's own items directly, then recompute its visible indices once:
    // a DataSet update of 20,000 `hidden` flags takes seconds, this takes milliseconds. (The
    // DataSets keep the data as generated; vis-network draws and hit-tests body.nodeIndices.)
    var bodyNodes = network.body.nodes, changed = false;
    for (i = 0; i < N; i++) {
      var item = bodyNodes[ids[i]];
      if (hidden[i] !== (visibleNodes[i] ? 0 : 1)) {
        hidden[i] = visibleNodes[i] ? 0 : 1;
        item.options.hidden = !visibleNodes[i];
        changed = true;
      }
      var target = v.xy && v.xy[i] ? v.xy[i] : (moved[i] ? home[i] : null);
      if (target) {
        item.x = target[0]; item.y = target[1];
        if (v.xy && v.xy[i]) { moved[i] = true; } else { delete moved[i]; }
      }
    }
    current = { nodes: visibleNodes, edges: visibleEdges };
    visibility++;
    if (syncEdges() || changed) { network._updateVisibleIndices(); }
    updateCounts();
    updateStatus();
    if (refit) { fitVisible(); }
  }

  /* Which edges vis-network itself draws: all visible ones, or in bulk mode (more than
   * BULK_EDGES visible) only those of the selected node. True when anything changed. */
  function syncEdges() {
    var count = 0, i;
    for (i = 0; i < E; i++) { count += current.edges[i]; }
    bulk = count > BULK_EDGES;
    var live = {};
    if (bulk && state.selected in index) {
      links[index[state.selected]].forEach(function (e) { live[e] = true; });
    }
    if (bulk && state.selected in edgeIndex) { live[edgeIndex[state.selected]] = true; }
    var adds = [], removes = [];
    for (i = 0; i < E; i++) {
      var drawn = current.edges[i] && (!bulk || live[i]) ? 1 : 0;
      if (inVis[i] !== drawn) {
        inVis[i] = drawn;
        if (drawn) { adds.push(DATA.edges[i]); } else { removes.push(edgeIds[i]); }
      }
    }
    if (removes.length) { edges.remove(removes); }
    if (adds.length) {
      edges.add(adds.map(function (e) {
        var copy = Object.assign({}, e);
        delete copy.hidden;
        return copy;
      }));
    }
    var changed = adds.length > 0 || removes.length > 0;
    return changed;
  }

  function visibleIds() {
    var out = [];
    for (var i = 0; i < N; i++) { if (current.nodes[i]) { out.push(ids[i]); } }
    return out.sort();
  }

  function fitVisible() {
    var list = visibleIds();
    if (!list.length) { return; }
    if (list.length === BASE_N && state.view === "page") { network.fit({ animation: false }); }
    else { network.fit({ nodes: list, animation: false }); }
    if (network.getScale() > 1.4) { network.moveTo({ scale: 1.4, animation: false }); }
  }

  /* ---------- changing state (history, hash, panel) ---------- */
  function commit(next, options) {
    options = options || {};
    if (!options.noHistory) {
      past.push(copyState(state));
      if (past.length > 200) { past.shift(); }
      future = [];
    }
    var viewChanged = next.view !== state.view || next.node !== state.node ||
      next.depth !== state.depth;
    var filtersChanged = JSON.stringify(next.filters) !== JSON.stringify(state.filters);
    var selectionChanged = next.selected !== state.selected;
    state = copyState(next);
    var redraw = viewChanged || filtersChanged || options.force;
    if (redraw) { render(viewChanged || options.force); }
    else if (selectionChanged && syncEdges()) { network._updateVisibleIndices(); redraw = true; }
    if (state.path) { runPath(state.path[0], state.path[1]); } else { pathResult = null; }
    if (state.search !== searchBox.value && !options.keepBox) { searchBox.value = state.search; }
    if (state.search !== lastSearch) {
      if (state.search) { runSearchNow(state.search); } else { clearResults(); }
    }
    if (state.path && pathResult) { showPath(); }
    else if (state.selected) { showItem(state.selected); }
    else if (!options.keepPanel) { hint(); }
    var redrawn = syncSelection();
    updateHistoryButtons();
    writeHash();
    if (redraw && !redrawn) { network.redraw(); } else if (!redrawn) { redrawOverlay(); }
  }

  function change(mutator, options) {
    var next = copyState(state);
    mutator(next);
    commit(next, options);
  }

  /* The network's own selection follows state.selected (each vis call redraws: only on change). */
  function syncSelection() {
    var haveNodes = network.getSelectedNodes(), haveEdges = network.getSelectedEdges();
    var id = state.selected;
    if (id && id in index && current.nodes[index[id]]) {
      if (haveNodes.length !== 1 || haveNodes[0] !== id || haveEdges.length) {
        network.selectNodes([id]);
        return true;
      }
    } else if (id && id in edgeIndex && current.edges[edgeIndex[id]]) {
      if (haveNodes.length || haveEdges.length !== 1 || haveEdges[0] !== id) {
        network.selectEdges([id]);
        return true;
      }
    } else if (haveNodes.length || haveEdges.length) {
      network.unselectAll();
      return true;
    }
    return false;
  }

  function updateHistoryButtons() {
    document.getElementById("kg-back").disabled = !past.length;
    document.getElementById("kg-forward").disabled = !future.length;
  }

  function back() {
    if (!past.length) { return; }
    future.push(copyState(state));
    commit(past.pop(), { noHistory: true });
  }
  function forward() {
    if (!future.length) { return; }
    past.push(copyState(state));
    commit(future.pop(), { noHistory: true });
  }

  /* ---------- side panel ---------- */
  var panel = document.getElementById("kg-panel");

  function hint() {
    clear(panel);
    delete panel.dataset.kind;
    delete panel.dataset.id;
    panel.appendChild(el("p", "kg-hint",
      "Click a node or an edge for its labels, type, definition, evidence and relations; " +
      "then focus, trace or find a path from it. Search above. Keys: + − zoom, arrows pan, " +
      "Esc clears. 点击节点或连线查看详情与证据。"));
  }
  function section(title) { panel.appendChild(el("h3", null, title)); }
  function badge(text, extra) { return el("span", "kg-badge" + (extra ? " " + extra : ""), text); }

  function evidenceList(items, into) {
    into = into || panel;
    into.appendChild(el("h3", null, "Evidence · 证据 (" + items.length + ")"));
    if (!items.length) { into.appendChild(el("p", "kg-hint", "none")); return; }
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
    into.appendChild(list);
  }

  function nodeLink(id) {
    return button(nodeName(id), id, function () { selectNode(id, true); }, "kg-link");
  }

  function actions(id) {
    var row = el("div", "kg-actions");
    var depth = el("select");
    depth.setAttribute("aria-label", "Focus depth");
    [1, 2, 3].forEach(function (d) {
      var option = el("option", null, "depth " + d);
      option.value = String(d);
      depth.appendChild(option);
    });
    depth.value = String(state.view === "focus" && state.node === id ? state.depth : 1);
    row.appendChild(button("Focus here", "This node's neighbourhood, laid out by hops", function () {
      view.focus(id, +depth.value);
    }, "kg-focus"));
    row.appendChild(depth);
    var trace = DATA.traces[id];
    var traceButton = button("Trace", trace ? "Its " + trace[0] + " trace, as kg viz --focus"
      : "No embedded trace for this node", function () { view.trace(id); }, "kg-trace");
    if (!trace) { traceButton.disabled = true; }
    row.appendChild(traceButton);
    row.appendChild(button("Neighbours only", "Only this node and its direct neighbours",
      function () { view.neighbours(id); }, "kg-neighbours"));
    row.appendChild(button(pathStart && pathStart !== id ? "Path to here" : "Path from here",
      "Pick two nodes: the shortest explained path between them", function () {
        if (pathStart && pathStart !== id) { var a = pathStart; pathStart = null; view.path(a, id); }
        else { pathStart = id; updateStatus(); showNode(id); }
      }, "kg-path"));
    panel.appendChild(row);
    if (!trace && DATA.traces_omitted) {
      panel.appendChild(el("p", "kg-hint", "Traces are not embedded in pages with more than " +
        "1000 traceable nodes; run kg viz --focus " + id + "."));
    }
  }

  function showNode(id) {
    var info = nodeInfo[id];
    if (!info) { return; }
    clear(panel);
    panel.dataset.kind = "node";
    panel.dataset.id = id;
    var labels = info.label || {};
    panel.appendChild(el("h2", null, labels[langs()[0]] || pick(labels) || id));
    if (LANG === "both" && labels.en && labels.zh) { panel.appendChild(el("p", "kg-sub", labels.en)); }
    var badges = el("div", "kg-badges");
    var cls = classInfo[info["class"]] || {};
    var className = pick(cls.label) || info["class"];
    if (className.indexOf(info["class"]) < 0) { className = info["class"] + " · " + className; }
    var classBadge = badge(className, "kg-class-badge");
    classBadge.style.background = cls.color || (groups[info["class"]] || {}).color &&
      groups[info["class"]].color.background || "#5b6672";
    badges.appendChild(classBadge);
    badges.appendChild(badge(id));
    if (info.document) { badges.appendChild(badge("paper " + info.document)); }
    if (info.status === "draft") { badges.appendChild(badge("draft", "kg-draft")); }
    panel.appendChild(badges);
    actions(id);
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
      defs.forEach(function (lang) { panel.appendChild(el("p", "kg-text", info.definition[lang])); });
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
    var i = index[id];
    var own = (links[i] || []).slice().sort(function (a, b) { return a - b; });
    if (own.length) {
      section("Relations · 关系 (" + own.length + ")");
      var list = el("ul", "kg-links");
      own.forEach(function (e) {
        var info2 = edgeInfoOf(edgeIds[e]);
        var li = el("li");
        var out = from[e] === i;
        li.appendChild(button((out ? "→ " : "← ") + relationName(info2) + (out ? " →" : " ←"),
          "Show this relation and its evidence", function () { selectEdge(edgeIds[e]); },
          "kg-link"));
        li.appendChild(nodeLink(out ? info2.target : info2.source));
        if (!current.edges[e]) { li.appendChild(el("span", "kg-field", "(hidden)")); }
        list.appendChild(li);
      });
      panel.appendChild(list);
    }
    if (pick(cls.definition)) {
      section("Type · 类型: " + className);
      panel.appendChild(el("p", "kg-text", pick(cls.definition)));
    }
  }

  function showEdge(id) {
    var info = edgeInfoOf(id);
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
    if (info.status === "draft") { badges.appendChild(badge("draft", "kg-draft")); }
    panel.appendChild(badges);
    section("From · 起点");
    var a = el("p", "kg-text");
    a.appendChild(nodeLink(info.source));
    a.appendChild(document.createTextNode("  [" + info.source + "]"));
    panel.appendChild(a);
    section("To · 终点");
    var b = el("p", "kg-text");
    b.appendChild(nodeLink(info.target));
    b.appendChild(document.createTextNode("  [" + info.target + "]"));
    panel.appendChild(b);
    evidenceList(info.evidence || []);
  }

  function showItem(id) {
    if (id in nodeInfo) { showNode(id); } else if (id in edgeIndex) { showEdge(id); } else { hint(); }
  }

  function selectNode(id, center) {
    change(function (s) { s.selected = id; s.path = null; }, { keepBox: true });
    if (center && current.nodes[index[id]]) {
      network.focus(id, { scale: Math.max(network.getScale(), 0.8), animation: false });
    }
  }
  function selectEdge(id) { change(function (s) { s.selected = id; s.path = null; }, { keepBox: true }); }

  network.on("click", function (params) {
    var id = params.nodes.length ? params.nodes[0] : (params.edges.length ? params.edges[0] : null);
    if (id === state.selected) { return; }
    change(function (s) { s.selected = id; }, { keepBox: true });
  });
  network.on("hoverNode", function (params) { showItem(params.node); });
  network.on("hoverEdge", function (params) {
    hoverEdge = edgeIndex[params.edge];
    showItem(params.edge);
    redrawOverlay();
  });
  function restorePanel() {
    if (state.path && pathResult) { showPath(); }
    else if (state.selected) { showItem(state.selected); }
    else { hint(); }
  }
  network.on("blurNode", restorePanel);
  network.on("blurEdge", function () { hoverEdge = null; restorePanel(); redrawOverlay(); });

  /* ---------- legend and filters ---------- */
  var legendList = document.getElementById("kg-legend-classes");
  var filterBox = document.getElementById("kg-filters");
  var countCells = {};  // facet key -> value -> element
  function toggleValue(key, value, on) {
    change(function (s) {
      var f = FACETS.filter(function (x) { return x.key === key; })[0];
      var all = facetValues(f);
      var set = s.filters[key] ? s.filters[key].slice() : all.slice();
      var at = set.indexOf(value);
      if (on && at < 0) { set.push(value); }
      if (!on && at >= 0) { set.splice(at, 1); }
      if (set.length === all.length) { delete s.filters[key]; } else { s.filters[key] = sorted(set); }
    }, { keepBox: true, keepPanel: true });
  }
  DATA.legend.forEach(function (entry) {
    var li = el("li");
    var b = el("button");
    b.type = "button";
    b.dataset["class"] = entry["class"];
    b.setAttribute("aria-pressed", "true");
    var swatch = el("span", "kg-swatch kg-shape-" + entry.shape);
    swatch.style.background = entry.color;
    b.appendChild(swatch);
    var name = pick(entry.label) || entry["class"];
    b.title = name + " — " + entry["class"];
    b.appendChild(el("span", "kg-legend-name", name));
    var count = el("span", "kg-count", entry.count);
    b.appendChild(count);
    b.addEventListener("click", function () {
      toggleValue("classes", entry["class"], b.getAttribute("aria-pressed") === "false");
    });
    li.appendChild(b);
    legendList.appendChild(li);
    (countCells.classes = countCells.classes || {})[entry["class"]] = { count: count, toggle: b };
  });
  FACETS.forEach(function (f) {
    if (f.key === "classes") { return; }
    var values = facetValues(f);
    if (values.length < 2) { return; }
    var details = el("details");
    details.dataset.facet = f.key;
    details.appendChild(el("summary", null, f.title));
    values.forEach(function (v) {
      var label = el("label");
      var box = el("input");
      box.type = "checkbox";
      box.checked = true;
      box.value = v;
      box.addEventListener("change", function () { toggleValue(f.key, v, box.checked); });
      label.appendChild(box);
      label.appendChild(el("span", null, f.name(v)));
      var count = el("span", "kg-count");
      label.appendChild(count);
      details.appendChild(label);
      (countCells[f.key] = countCells[f.key] || {})[v] = { count: count, toggle: box };
    });
    filterBox.appendChild(details);
  });

  /* Counts: visible / in the view for every facet value; toggles mirror the filters. */
  function updateCounts() {
    var v = viewOf({ view: state.view, node: state.node, depth: state.depth });
    FACETS.forEach(function (f) {
      var cells = countCells[f.key];
      if (!cells) { return; }
      var shown = {}, total = {};
      var source = f.edges ? edgeFacet[f.key] : nodeFacet[f.key];
      var inView = f.edges ? v.edges : v.nodes, visible = f.edges ? current.edges : current.nodes;
      for (var i = 0; i < source.length; i++) {
        if (!inView[i]) { continue; }
        total[source[i]] = (total[source[i]] || 0) + 1;
        if (visible[i]) { shown[source[i]] = (shown[source[i]] || 0) + 1; }
      }
      var allowed = state.filters[f.key];
      Object.keys(cells).forEach(function (value) {
        var on = !allowed || allowed.indexOf(value) >= 0;
        var cell = cells[value];
        cell.count.textContent = (shown[value] || 0) + " / " + (total[value] || 0);
        if (cell.toggle.tagName === "INPUT") { cell.toggle.checked = on; }
        else { cell.toggle.setAttribute("aria-pressed", on ? "true" : "false"); }
      });
    });
  }

  var edgeLegend = document.getElementById("kg-legend-edges");
  edgeLegend.appendChild(el("div", null,
    "Edge width = evidence passages · 线宽 = 证据条数; relation labels show on hover and zoom"));
  [["kg-w1", "1"], ["kg-w2", "2"], ["kg-w3", "3"], ["kg-w4", "4+"],
   ["kg-dashed", "cross-paper alignment"]].forEach(function (row) {
    var div = el("div", "kg-edge-row");
    div.appendChild(el("span", "kg-edge-line " + row[0]));
    div.appendChild(el("span", null, row[1]));
    edgeLegend.appendChild(div);
  });

  /* ---------- status line ---------- */
  var status = document.getElementById("kg-status");
  function updateStatus() {
    var shown = 0, edgesShown = 0, i;
    for (i = 0; i < N; i++) { shown += current.nodes[i]; }
    for (i = 0; i < E; i++) { edgesShown += current.edges[i]; }
    var what = { page: "page view", focus: "focus (depth " + state.depth + ")",
                 neighbours: "neighbours", trace: "trace" }[state.view];
    var text = what + (state.node ? ": " + nodeName(state.node) : "") + " · " + shown + " of " +
      BASE_N + " nodes, " + edgesShown + " edges shown";
    var filters = FILTER_KEYS.filter(function (k) { return state.filters[k]; });
    if (filters.length) { text += " · filtered by " + filters.join(", "); }
    if (pathStart) { text += " · path from " + nodeName(pathStart) + ": pick the other end"; }
    status.textContent = text;
  }

  /* ---------- search (KGSearch) ---------- */
  var searchBox = document.getElementById("kg-search");
  var results = document.getElementById("kg-results");
  var resultsList = document.getElementById("kg-results-list");
  var searchIndex = null;
  var cancelSearch = null;
  var searchTimer = null;
  var lastSearch = "";

  function records() {
    var out = [];
    for (var i = 0; i < BASE_N; i++) {
      var info = nodeInfo[ids[i]];
      out.push({ id: info.id, cls: info["class"], label: info.label || {},
                 alt: info.alt_labels || {}, definition: info.definition || {},
                 quotes: (info.evidence || []).map(function (e) { return e.quote; }) });
    }
    return out;
  }
  var stopBuild = null;
  function getIndex() {
    if (!searchIndex) {
      if (stopBuild) { stopBuild(); stopBuild = null; }
      searchIndex = KGSearch.createIndex(records());
    }
    return searchIndex;
  }
  /* Build the index in slices once the page has drawn, so no keystroke waits for it. */
  function buildIndexSoon() {
    var t = performance.now();
    stopBuild = KGSearch.build(records(), function (made) {
      stopBuild = null;
      if (!searchIndex) { searchIndex = made; }
      timings.searchIndex = performance.now() - t;
    });
  }

  function clearResults() {
    if (cancelSearch) { cancelSearch(); cancelSearch = null; }
    matches = [];
    lastSearch = "";
    results.hidden = true;
    clear(resultsList);
    document.getElementById("kg-results-near").hidden = true;
  }

  function showResults(text, hits) {
    lastSearch = text;
    matches = hits.map(function (h) { return h.id; });
    clear(resultsList);
    results.hidden = false;
    document.getElementById("kg-results-title").textContent = hits.length ?
      hits.length + (hits.length === 50 ? "+" : "") + " results for “" + text + "” · Enter focuses" :
      "No results for “" + text + "”";
    hits.forEach(function (hit) {
      var li = el("li");
      var b = button(nodeName(hit.id), hit.id, function () { view.focus(hit.id, 1); });
      b.dataset.id = hit.id;
      b.addEventListener("keydown", function (event) {
        if (event.key === "ArrowDown" && li.nextSibling) { li.nextSibling.firstChild.focus(); event.preventDefault(); }
        if (event.key === "ArrowUp") {
          if (li.previousSibling) { li.previousSibling.firstChild.focus(); } else { searchBox.focus(); }
          event.preventDefault();
        }
      });
      li.appendChild(b);
      var hidden2 = current.nodes[index[hit.id]] ? "" : " · hidden";
      li.appendChild(el("span", "kg-field", nodeInfo[hit.id]["class"] + " · " + hit.field + hidden2));
      resultsList.appendChild(li);
    });
    // what the best result is linked to: the context a short query often means ("privacy" →
    // the action plan, which addresses data security risk)
    var near = document.getElementById("kg-results-near");
    clear(near);
    near.hidden = !hits.length;
    if (hits.length) {
      var best = index[hits[0].id], seen = {};
      near.appendChild(el("span", "kg-field", "Linked to the best result · 相关: "));
      links[best].forEach(function (e) {
        var other = from[e] === best ? to[e] : from[e];
        if (seen[other] || Object.keys(seen).length >= 8) { return; }
        seen[other] = true;
        near.appendChild(button(nodeName(ids[other]), relationName({ relation: relationOf(e) }),
                                function () { view.focus(ids[other], 1); }, "kg-link"));
      });
      if (!links[best].length) { near.hidden = true; }
    }
    redrawOverlay();
  }

  function runSearchNow(text) {
    if (cancelSearch) { cancelSearch(); cancelSearch = null; }
    if (!text.trim()) { clearResults(); return []; }
    var hits = getIndex().query(text, 50);
    showResults(text, hits);
    return matches.slice();
  }

  function searchLater() {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(function () {
      var text = searchBox.value;
      if (cancelSearch) { cancelSearch(); cancelSearch = null; }
      if (!text.trim()) {
        clearResults();
        change(function (s) { s.search = ""; }, { keepBox: true, noHistory: true, keepPanel: true });
        return;
      }
      cancelSearch = getIndex().start(text, 50, function (hits) {
        cancelSearch = null;
        state.search = text;
        showResults(text, hits);
        writeHash();
      });
    }, SEARCH_DELAY);
  }
  searchBox.addEventListener("input", function (event) {
    if (event.isComposing) { return; }
    searchLater();
  });
  searchBox.addEventListener("compositionend", searchLater);
  searchBox.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      clearTimeout(searchTimer);
      var found = runSearchNow(searchBox.value);
      state.search = searchBox.value;
      if (found.length) { view.focus(found[0], 1); }
      event.preventDefault();
    } else if ((event.key === "ArrowDown" || (event.key === "Tab" && !event.shiftKey)) &&
               resultsList.firstChild && !results.hidden) {
      // Tab and ↓ go from the box to the results (then Tab / ↓ through them, Enter focuses)
      resultsList.firstChild.firstChild.focus();
      event.preventDefault();
    } else if (event.key === "Escape") {
      searchBox.value = "";
      clearResults();
      change(function (s) { s.search = ""; }, { keepBox: true, keepPanel: true });
      event.stopPropagation();
    }
  });

  /* ---------- path (KGPath) ---------- */
  var router = null;
  function getRouter() {
    if (!router) {
      var graphNodes = {}, graphEdges = [];
      for (var i = 0; i < BASE_N; i++) { graphNodes[ids[i]] = { cls: nodeInfo[ids[i]]["class"] }; }
      for (var e = 0; e < BASE_E; e++) {
        graphEdges.push({ id: edgeIds[e], from: ids[from[e]], to: ids[to[e]],
                          relation: relationOf(e) });
      }
      router = KGPath.prepare({ nodes: graphNodes, edges: graphEdges });
    }
    return router;
  }
  function runPath(a, b) {
    var allowed = new Set(visibleIds());
    pathResult = getRouter().shortest(a, b, { allowed: allowed });
    pathNodes = {};
    pathEdges = {};
    if (pathResult) {
      pathResult.nodes.forEach(function (id) { pathNodes[index[id]] = true; });
      pathResult.hops.forEach(function (h) { pathEdges[edgeIndex[h.edge]] = true; });
    }
  }
  var pathNodes = {}, pathEdges = {};

  function showPath() {
    clear(panel);
    panel.dataset.kind = "path";
    panel.dataset.id = state.path.join(" → ");
    panel.appendChild(el("h2", null, "Path · 路径"));
    panel.appendChild(el("p", "kg-sub", nodeName(state.path[0]) + " → " + nodeName(state.path[1])));
    if (!pathResult) {
      panel.appendChild(el("p", "kg-hint", "No path between them among the nodes shown."));
      return;
    }
    panel.appendChild(el("p", "kg-hint", (pathResult.nodes.length - 1) + " hops · " +
      pathResult.hops.length + " relations"));
    var list = el("ol", "kg-hops");
    pathResult.hops.forEach(function (hop) {
      var info = edgeInfoOf(hop.edge);
      var li = el("li");
      var line = el("div");
      line.appendChild(nodeLink(hop.from));
      line.appendChild(document.createTextNode(" —" + relationName(info) + "→ "));
      line.appendChild(nodeLink(hop.to));
      if (!hop.forward) { line.appendChild(el("span", "kg-field", "(read against the arrow)")); }
      li.appendChild(line);
      var badges = el("div", "kg-badges");
      if (info.modality) { badges.appendChild(badge(info.modality)); }
      if (info.status === "draft") { badges.appendChild(badge("draft", "kg-draft")); }
      li.appendChild(badges);
      evidenceList(info.evidence || [], li);
      list.appendChild(li);
    });
    panel.appendChild(list);
  }

  /* ---------- drawing on top: labels by level of detail, hover, search and path marks ---------- */
  /* The key classes' nodes in label priority order (the order of DATA.labelled, then id). */
  var labelledNodes = [];
  for (var ln = 0; ln < BASE_N; ln++) {
    if (labelled[nodeInfo[ids[ln]]["class"]]) { labelledNodes.push(ln); }
  }
  var rank = {};
  (DATA.labelled || []).forEach(function (c, r) { rank[c] = r; });
  labelledNodes.sort(function (a, b) {
    return rank[nodeInfo[ids[a]]["class"]] - rank[nodeInfo[ids[b]]["class"]] || a - b;
  });
  var measureCache = {};

  /* Whether a label box overlaps one already drawn this frame (then it is left out). */
  function collides(placed, box) {
    for (var p = 0; p < placed.length; p++) {
      var o = placed[p];
      if (box[0] < o[2] && o[0] < box[2] && box[1] < o[3] && o[1] < box[3]) { return true; }
    }
    return false;
  }

  function textAt(ctx, text, x, y, px, scale, color) {
    ctx.font = (px / scale) + "px " + DATA.options.nodes.font.face;
    ctx.lineWidth = 3 / scale;
    ctx.strokeStyle = "#ffffff";
    ctx.fillStyle = color || "#1f2933";
    ctx.strokeText(text, x, y);
    ctx.fillText(text, x, y);
  }

  /* A relation's label on its edge, `t` of the way from its source (0.5: the middle), unless
   * it would overlap a label already in `placed` (then it waits for a closer zoom). */
  function edgeLabel(ctx, e, scale, px, t, placed) {
    var a = network.body.nodes[ids[from[e]]], b = network.body.nodes[ids[to[e]]];
    if (!a || !b) { return; }
    t = t === undefined ? 0.5 : t;
    var text = relationName({ relation: relationOf(e) });
    var x = a.x + (b.x - a.x) * t, y = a.y + (b.y - a.y) * t;
    if (placed) {
      ctx.font = px + "px " + DATA.options.nodes.font.face;
      var half = (ctx.measureText(text).width / 2 + 2) / scale;
      var box = [x - half, y, x + half, y + (px + 2) / scale];
      if (collides(placed, box)) { return; }
      placed.push(box);
    }
    textAt(ctx, text, x, y, px, scale, "#3e4a56");
  }

  /* The overlay: a canvas of our own over vis-network's, in the same coordinates, redrawn after
   * every network frame and on its own when only marks change (search results, hover), so a
   * keystroke never waits for the whole network to redraw. */
  var overlay = document.createElement("canvas");
  overlay.id = "kg-overlay";
  overlay.setAttribute("aria-hidden", "true");
  container.appendChild(overlay);
  var overlayQueued = false;
  function redrawOverlay() {
    if (overlayQueued) { return; }
    overlayQueued = true;
    requestAnimationFrame(function () { overlayQueued = false; drawOverlay(); });
  }
  network.on("afterDrawing", function () { drawOverlay(); });

  function drawOverlay() {
    var box = container.getBoundingClientRect();
    var ratio = window.devicePixelRatio || 1;
    var w = Math.max(1, Math.round(box.width * ratio)), h = Math.max(1, Math.round(box.height * ratio));
    if (overlay.width !== w || overlay.height !== h) { overlay.width = w; overlay.height = h; }
    var ctx = overlay.getContext("2d");
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, w, h);
    var scale = network.getScale();
    var shift = network.canvasToDOM({ x: 0, y: 0 });
    ctx.setTransform(ratio * scale, 0, 0, ratio * scale, ratio * shift.x, ratio * shift.y);
    var tl = network.DOMtoCanvas({ x: 0, y: 0 });
    var br = network.DOMtoCanvas({ x: box.width, y: box.height });
    function inside(p) { return p.x >= tl.x && p.x <= br.x && p.y >= tl.y && p.y <= br.y; }
    ctx.save();
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    var drawn = 0, i, body;
    // 1. edge labels: all visible ones when legible, else those of the hovered/selected item
    var edgePlaced = [];
    if (scale >= EDGE_LABEL_SCALE) {
      for (i = 0; i < BASE_E && drawn < MAX_OVERLAY_LABELS; i++) {
        if (!current.edges[i]) { continue; }
        var fa = network.body.nodes[ids[from[i]]], tb = network.body.nodes[ids[to[i]]];
        if (!inside({ x: (fa.x + tb.x) / 2, y: (fa.y + tb.y) / 2 })) { continue; }
        edgeLabel(ctx, i, scale, 10 * scale, 0.5, edgePlaced);
        drawn++;
      }
    } else {
      var sel = state.selected in index ? index[state.selected] : -1;
      if (sel >= 0 && current.nodes[sel]) {
        // each label 60 % of the way out to the neighbour, none on another
        links[sel].forEach(function (e) {
          if (current.edges[e]) {
            edgeLabel(ctx, e, scale, LABEL_PX, from[e] === sel ? 0.6 : 0.4, edgePlaced);
          }
        });
      }
      if (state.selected in edgeIndex) { edgeLabel(ctx, edgeIndex[state.selected], scale, LABEL_PX); }
    }
    if (hoverEdge !== null && current.edges[hoverEdge]) { edgeLabel(ctx, hoverEdge, scale, LABEL_PX + 1); }
    // 2. path: a thick line along its edges, rings on its nodes
    if (pathResult) {
      ctx.strokeStyle = "rgba(225, 29, 72, 0.75)";
      ctx.lineWidth = 6 / Math.min(scale, 1);
      Object.keys(pathEdges).forEach(function (e) {
        var a = network.body.nodes[ids[from[e]]], b = network.body.nodes[ids[to[e]]];
        ctx.beginPath(); ctx.moveTo(a.x, a.y); ctx.lineTo(b.x, b.y); ctx.stroke();
      });
      Object.keys(pathEdges).forEach(function (e) { edgeLabel(ctx, +e, scale, LABEL_PX); });
    }
    // 3. rings on search results and path nodes
    var ringed = [];
    matches.forEach(function (id) { ringed.push([index[id], "#f59e0b"]); });
    if (pathResult) { Object.keys(pathNodes).forEach(function (k) { ringed.push([+k, "#e11d48"]); }); }
    ringed.forEach(function (m) {
      if (!current.nodes[m[0]]) { return; }
      body = network.body.nodes[ids[m[0]]];
      ctx.strokeStyle = m[1];
      ctx.lineWidth = 3 / scale;
      ctx.beginPath();
      ctx.arc(body.x, body.y, (body.options.size || 10) + 6 / scale, 0, 2 * Math.PI);
      ctx.stroke();
    });
    // 4. node labels while vis-network's own are too small to read, by priority, never one
    //    over another: search results, path nodes, the neighbours of the best ten results (a
    //    match's context), then, when nothing is searched, the key classes (level of detail)
    if (14 * scale < VIS_LABEL_MIN) {
      var placed = [], seen = {};
      drawn = 0;
      var label = function (i, px, color, ring) {
        if (seen[i] || !current.nodes[i] || drawn >= MAX_OVERLAY_LABELS) { return; }
        seen[i] = true;
        var node = network.body.nodes[ids[i]];
        if (!inside(node)) { return; }
        var text = shortLabel(i);
        ctx.font = px + "px " + DATA.options.nodes.font.face;
        var key = px + " " + text;
        if (!(key in measureCache)) { measureCache[key] = ctx.measureText(text).width; }
        var half = (measureCache[key] / 2 + 2) / scale;
        var top = node.y + (node.options.size || 10) + (ring ? 8 : 2) / scale;
        var box2 = [node.x - half, top, node.x + half, top + (px + 2) / scale];
        if (collides(placed, box2)) { return; }
        placed.push(box2);
        textAt(ctx, text, node.x, top, px, scale, color);
        drawn++;
      };
      matches.forEach(function (id) { label(index[id], LABEL_PX + 1, "#111827", true); });
      if (pathResult) { pathResult.nodes.forEach(function (id) { label(index[id], LABEL_PX + 1, "#111827", true); }); }
      matches.slice(0, 10).forEach(function (id) {
        var m = index[id];
        links[m].forEach(function (e) { label(from[e] === m ? to[e] : from[e], LABEL_PX - 1, "#3e4a56"); });
      });
      for (var k = 0; !matches.length && k < labelledNodes.length && drawn < MAX_OVERLAY_LABELS; k++) {
        label(labelledNodes[k], LABEL_PX);  // (left out while search results are shown)
      }
    }
    ctx.restore();
  }

  /* Large views: vis-network draws each edge with its arrow (about 20 µs apiece, a second for
   * 60,000), so beyond BULK_EDGES visible edges the canvas gets them here as one thin path under
   * the nodes, and vis-network keeps only the edges of the selected node (clickable, with
   * arrows). The edges stay listed in the node cards, the CSV and the SVG. */
  var edgeLayer = document.createElement("canvas");
  var edgeLayerKey = "";
  var visibility = 0;  // bumped whenever the visible edges change
  network.on("beforeDrawing", function (ctx) {
    if (!bulk || network.renderer.dragging || network.renderer.zooming) { return; }
    var target = ctx.canvas;
    var scale = network.getScale(), shift = network.canvasToDOM({ x: 0, y: 0 });
    var key = [target.width, target.height, scale, shift.x, shift.y, visibility].join(",");
    if (key !== edgeLayerKey) {  // redrawn only when the view moved or the edges changed
      edgeLayerKey = key;
      edgeLayer.width = target.width;
      edgeLayer.height = target.height;
      var layer = edgeLayer.getContext("2d");
      var ratio = target.width / Math.max(1, container.getBoundingClientRect().width);
      layer.setTransform(ratio * scale, 0, 0, ratio * scale, ratio * shift.x, ratio * shift.y);
      var box = container.getBoundingClientRect();
      var tl = network.DOMtoCanvas({ x: 0, y: 0 });
      var br = network.DOMtoCanvas({ x: box.width, y: box.height });
      var bodyNodes = network.body.nodes;
      layer.beginPath();
      for (var i = 0; i < E; i++) {
        if (!current.edges[i] || inVis[i]) { continue; }
        var a = bodyNodes[ids[from[i]]], b = bodyNodes[ids[to[i]]];
        if ((a.x < tl.x && b.x < tl.x) || (a.x > br.x && b.x > br.x) ||
            (a.y < tl.y && b.y < tl.y) || (a.y > br.y && b.y > br.y)) { continue; }
        layer.moveTo(a.x, a.y);
        layer.lineTo(b.x, b.y);
      }
      layer.strokeStyle = "rgba(154, 163, 173, 0.55)";
      layer.lineWidth = 1 / scale;
      layer.stroke();
    }
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(edgeLayer, 0, 0);
    ctx.restore();
  });

  /* ---------- export (KGExport) ---------- */
  function stamp() { return state.node ? state.view + "-" + state.node.replace(/[^A-Za-z0-9._-]+/g, "_") : "view"; }
  function visibleEdgeIds() {
    var out = [];
    for (var i = 0; i < E; i++) { if (current.edges[i]) { out.push(edgeIds[i]); } }
    return out;
  }
  function exportCsv() {
    var ns = {}, es = {};
    visibleIds().forEach(function (id) { ns[id] = nodeInfo[id]; });
    visibleEdgeIds().forEach(function (id) { es[id] = edgeInfoOf(id); });
    return KGExport.csv(ns, es);
  }
  function scene() {
    var list = visibleIds();
    var pos = network.getPositions(list);
    var box = container.getBoundingClientRect();
    var sceneNodes = list.map(function (id) {
      var info = nodeInfo[id], g = groups[info["class"]] || {}, i = index[id];
      var own = DATA.nodes[i];
      return { id: id, x: pos[id].x, y: pos[id].y, label: String(own.label || id),
               color: own.color && own.color.background || (g.color || {}).background || "#888888",
               shape: own.shape || g.shape || "dot", size: own.size || g.size || 10 };
    });
    var sceneEdges = visibleEdgeIds().map(function (id) {
      var e = DATA.edges[edgeIndex[id]];
      return { from: e.from, to: e.to, label: relationName({ relation: relationOf(edgeIndex[id]) }), dashes: !!e.dashes,
               width: e.width || DATA.options.edges.width || 1 };
    });
    return { width: Math.round(box.width), height: Math.round(box.height), nodes: sceneNodes,
             edges: sceneEdges };
  }
  function exportPng() {
    var source = container.querySelector(".vis-network canvas");
    var canvas = document.createElement("canvas");
    canvas.width = source.width;
    canvas.height = source.height;
    var ctx = canvas.getContext("2d");
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(source, 0, 0);
    ctx.drawImage(overlay, 0, 0, canvas.width, canvas.height);
    canvas.toBlob(function (blob) { KGExport.download("kg-" + stamp() + ".png", "image/png", blob); },
                  "image/png");
  }
  document.getElementById("kg-png").addEventListener("click", exportPng);
  document.getElementById("kg-svg").addEventListener("click", function () {
    KGExport.download("kg-" + stamp() + ".svg", "image/svg+xml", KGExport.svg(scene()));
  });
  document.getElementById("kg-csv").addEventListener("click", function () {
    KGExport.download("kg-" + stamp() + ".csv", "text/csv", exportCsv());
  });

  /* ---------- buttons and keyboard ---------- */
  function clearAll() {
    pathStart = null;
    searchBox.value = "";
    clearResults();
    change(function (s) { s.search = ""; s.selected = null; s.path = null; });
  }
  document.getElementById("kg-clear").addEventListener("click", clearAll);
  document.getElementById("kg-back").addEventListener("click", back);
  document.getElementById("kg-forward").addEventListener("click", forward);
  document.getElementById("kg-home").addEventListener("click", function () {
    pathStart = null;
    searchBox.value = "";
    commit(emptyState(), { force: true });
  });
  var drawer = document.getElementById("kg-drawer");
  function setDrawer(open) {
    document.body.classList.toggle("kg-drawer-open", open);
    drawer.setAttribute("aria-expanded", open ? "true" : "false");
  }
  drawer.addEventListener("click", function () {
    setDrawer(!document.body.classList.contains("kg-drawer-open"));
  });

  document.addEventListener("keydown", function (event) {
    var tag = (event.target && event.target.tagName) || "";
    var typing = tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA";
    if (event.key === "Escape") {
      if (document.body.classList.contains("kg-drawer-open")) { setDrawer(false); }
      clearAll();
      return;
    }
    if (typing || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var scale = network.getScale(), step = 80 / scale, at = network.getViewPosition();
    var moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step],
                  ArrowDown: [0, step] };
    if (event.key === "+" || event.key === "=") {
      network.moveTo({ scale: scale * 1.25, animation: false });
    } else if (event.key === "-" || event.key === "_") {
      network.moveTo({ scale: scale / 1.25, animation: false });
    } else if (moves[event.key] && (event.target === container || event.target === document.body)) {
      network.moveTo({ position: { x: at.x + moves[event.key][0], y: at.y + moves[event.key][1] },
                       animation: false });
    } else {
      return;
    }
    event.preventDefault();
  });

  window.addEventListener("hashchange", function () {
    var next = decodeState(location.hash.slice(1));
    if (encodeState(next) !== encodeState(state)) { commit(next, { force: true }); }
  });

  /* ---------- the API ---------- */
  function known(id) {
    if (!(id in index)) { throw new Error("kgView: unknown node " + id); }
  }
  var view = {
    ready: false,
    /** The neighbourhood of `id` to `depth` hops (1–3), laid out by hops; → visible ids. */
    focus: function (id, depth) {
      known(id);
      var d = Math.max(1, Math.min(3, Math.round(depth || 1)));
      change(function (s) { s.view = "focus"; s.node = id; s.depth = d; s.selected = id; s.path = null; },
             { keepBox: true });
      return visibleIds();
    },
    /** Only `id` and its direct neighbours, where they are; → visible ids. */
    neighbours: function (id) {
      known(id);
      change(function (s) { s.view = "neighbours"; s.node = id; s.selected = id; s.path = null; },
             { keepBox: true });
      return visibleIds();
    },
    /** The embedded trace of a barrier, strategy or mechanism, as `kg viz --focus` lays it out. */
    trace: function (id) {
      known(id);
      if (!DATA.traces[id]) { throw new Error("kgView: no embedded trace for " + id); }
      change(function (s) { s.view = "trace"; s.node = id; s.selected = id; s.path = null; },
             { keepBox: true });
      return visibleIds();
    },
    /** Hide by {classes, documents, dimensions, actors, modalities, status}; {} clears. */
    filter: function (filters) {
      filters = filters || {};
      change(function (s) {
        s.filters = {};
        FILTER_KEYS.forEach(function (key) {
          if (filters[key] !== undefined && filters[key] !== null) {
            s.filters[key] = sorted(filters[key].map(String));
          }
        });
      }, { keepBox: true, keepPanel: true });
      return visibleIds();
    },
    /** Ranked ids of the search `text` (shown as the results list). */
    search: function (text) {
      searchBox.value = text || "";
      change(function (s) { s.search = text || ""; }, { keepBox: true, keepPanel: true, noHistory: true });
      return matches.slice();
    },
    /** The ids along the shortest explained path a → b among the visible nodes, or []. */
    path: function (a, b) {
      known(a); known(b);
      change(function (s) { s.path = [a, b]; s.selected = null; }, { keepBox: true });
      if (pathResult) {
        network.fit({ nodes: pathResult.nodes.filter(function (id) { return current.nodes[index[id]]; }),
                      animation: false });
      }
      return pathResult ? pathResult.nodes.slice() : [];
    },
    visibleNodeIds: visibleIds,
    visibleEdgeIds: function () { return visibleEdgeIds().sort(); },
    /** The state the URL hash holds. */
    state: function () { return copyState(state); },
    /** Go to a state (as given by state()). */
    restore: function (s) { commit(decodeState(encodeState(Object.assign(emptyState(), s))), { force: true }); },
    select: function (id) { selectNode(id, true); },
    back: back,
    forward: forward,
    reset: function () { commit(emptyState(), { force: true }); },
    /** A node's or edge's info, as page.py node_info / edge_info make it. */
    info: function (id) { return id in nodeInfo ? nodeInfo[id] : edgeInfoOf(id); },
    csv: exportCsv,
    scene: scene,
    matches: function () { return matches.slice(); },
    showNode: showNode,
    showEdge: showEdge,
    /** Milliseconds from the script's start: parse, network built, first draw; search index. */
    timings: timings
  };
  window.kgView = view;

  /* ---------- start ---------- */
  hint();
  updateHistoryButtons();
  network.once("afterDrawing", function () {
    timings.firstDraw = performance.now() - T0;
    setTimeout(function () {
      view.ready = true;
      if (!searchIndex) { setTimeout(buildIndexSoon, 50); }
    }, 0);
  });
  var initial = location.hash.length > 1 ? decodeState(location.hash.slice(1)) : emptyState();
  if (!location.hash && DATA.focus) { initial.selected = DATA.focus; }
  commit(initial, { noHistory: true, force: true });
}());
