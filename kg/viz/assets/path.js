/* KGPath: the shortest explained path between two nodes, inside the page (no network, no DOM).
 *
 * A faithful port of kg/queries.py `paths(view, a, b, limit=1)[0]`: the weighted digraph is
 * built the same way (one arc per direction per linked pair, in sorted pair order; a hop along
 * the relation costs 1, against it 1.5, +3 when it enters a hub class unless that is the
 * target; background classes only as the endpoints) and searched with the same bidirectional
 * Dijkstra as networkx's `_bidirectional_dijkstra` (same heap tie-breaking by push order), so
 * the page and `kg path` name the same route.
 *
 *   var router = KGPath.prepare({nodes: {id: {cls}}, edges: [{id, from, to, relation}]});
 *   router.shortest(a, b, {allowed: Set}) -> null | {nodes: [a..b],
 *       hops: [{edge, from, to, relation, forward}]}   (from/to: the edge's own direction)
 * ES2017, one global.
 */
(function (root) {
  "use strict";

  var FORWARD = 1.0;
  var BACKWARD = 1.5;
  var HUB = 3.0;
  var HUB_CLASSES = { Dimension: 1, InnovationType: 1, Sample: 1, Document: 1 };
  var BACKGROUND_CLASSES = { QuantitativeStatement: 1, Reference: 1, Document: 1 };

  function cmp(a, b) { return a < b ? -1 : (a > b ? 1 : 0); }

  /* A binary min-heap of [dist, count, node] ordered like Python's heapq on tuples. */
  function Heap() { this.items = []; }
  function less(x, y) { return x[0] < y[0] || (x[0] === y[0] && x[1] < y[1]); }
  Heap.prototype.push = function (item) {
    var a = this.items;
    a.push(item);
    var i = a.length - 1;
    while (i > 0) {
      var p = (i - 1) >> 1;
      if (!less(a[i], a[p])) { break; }
      var t = a[i]; a[i] = a[p]; a[p] = t; i = p;
    }
  };
  Heap.prototype.pop = function () {
    var a = this.items;
    var top = a[0];
    var last = a.pop();
    if (a.length) {
      a[0] = last;
      var i = 0;
      var n = a.length;
      for (;;) {
        var l = 2 * i + 1;
        var r = l + 1;
        var m = i;
        if (l < n && less(a[l], a[m])) { m = l; }
        if (r < n && less(a[r], a[m])) { m = r; }
        if (m === i) { break; }
        var t = a[i]; a[i] = a[m]; a[m] = t; i = m;
      }
    }
    return top;
  };
  Heap.prototype.size = function () { return this.items.length; };

  function prepare(graph) {
    var has = Object.prototype.hasOwnProperty;
    var nodes = graph.nodes || {};
    // node numbers in id order, so that numeric pair order is networkx's sorted (u, v) order
    var ids = Object.keys(nodes).sort(cmp);
    var n = ids.length;
    var number = new Map();
    var hub = new Uint8Array(n);
    var background = new Uint8Array(n);
    for (var i = 0; i < n; i++) {
      number.set(ids[i], i);
      var cls = (nodes[ids[i]] || {}).cls;
      hub[i] = HUB_CLASSES[cls] === 1 ? 1 : 0;
      background[i] = BACKGROUND_CLASSES[cls] === 1 ? 1 : 0;
    }
    var edges = [];
    var pairSet = new Set();
    (graph.edges || []).forEach(function (e) {
      var u = number.get(e.from);
      var v = number.get(e.to);
      if (u === undefined || v === undefined) { return; }
      edges.push({ edge: e, u: u, v: v });
      if (u !== v) { pairSet.add(u * n + v); }
    });
    var pairs = Float64Array.from(pairSet).sort();
    // arcs in networkx insertion order: (u, v) forward then (v, u) backward, per sorted pair;
    // an arc seen again keeps its first place and the cheaper cost
    var arcAt = new Map();
    var arcFrom = [];
    var arcTo = [];
    var arcCost = [];
    function arc(u, v, c) {
      var key = u * n + v;
      var at = arcAt.get(key);
      if (at === undefined) {
        arcAt.set(key, arcFrom.length);
        arcFrom.push(u);
        arcTo.push(v);
        arcCost.push(c);
      } else if (c < arcCost[at]) {
        arcCost[at] = c;
      }
    }
    for (var p = 0; p < pairs.length; p++) {
      var u0 = Math.floor(pairs[p] / n);
      var v0 = pairs[p] - u0 * n;
      arc(u0, v0, FORWARD);
      arc(v0, u0, BACKWARD);
    }
    // compressed adjacency (stable: each list keeps insertion order)
    function bucket(keyOf, otherOf) {
      var start = new Int32Array(n + 1);
      for (var a = 0; a < keyOf.length; a++) { start[keyOf[a] + 1]++; }
      for (var k = 0; k < n; k++) { start[k + 1] += start[k]; }
      var fill = start.slice(0, n);
      var other = new Int32Array(keyOf.length);
      var cost = new Float64Array(keyOf.length);
      for (a = 0; a < keyOf.length; a++) {
        var at = fill[keyOf[a]]++;
        other[at] = otherOf[a];
        cost[at] = arcCost[a];
      }
      return { start: start, other: other, cost: cost };
    }
    var succ = bucket(arcFrom, arcTo);   // succ.cost: cost of the arc node -> other
    var pred = bucket(arcTo, arcFrom);   // pred.cost: cost of the arc other -> node

    function explain(route) {
      var step = new Map();   // pair number -> position in the route
      for (var r = 0; r + 1 < route.length; r++) {
        step.set(route[r] * n + route[r + 1], [r, true]);
        step.set(route[r + 1] * n + route[r], [r, false]);
      }
      var found = route.slice(1).map(function () { return [[], []]; });
      edges.forEach(function (item) {
        var hit = step.get(item.u * n + item.v);
        if (hit) { found[hit[0]][hit[1] ? 0 : 1].push(item.edge); }
      });
      var hops = [];
      found.forEach(function (both) {
        both.forEach(function (list, back) {
          list.sort(function (x, y) { return cmp(x.relation, y.relation) || cmp(x.id, y.id); });
          list.forEach(function (e) {
            hops.push({ edge: e.id, from: e.from, to: e.to, relation: e.relation,
                        forward: back === 0 });
          });
        });
      });
      return hops;
    }

    function shortest(sourceId, targetId, options) {
      if (!has.call(nodes, sourceId) || !has.call(nodes, targetId)) { return null; }
      var source = number.get(sourceId);
      var target = number.get(targetId);
      if (source === target) { return { nodes: [sourceId], hops: [] }; }
      var allowed = options && options.allowed ? options.allowed : null;
      var usable = new Int8Array(n);   // 0 unknown, 1 yes, -1 no
      function ok(w) {
        if (usable[w] === 0) {
          usable[w] = (w === source || w === target ||
            (!background[w] && (!allowed || allowed.has(ids[w])))) ? 1 : -1;
        }
        return usable[w] === 1;
      }
      var adjacency = [succ, pred];
      var done = [new Float64Array(n).fill(-1), new Float64Array(n).fill(-1)];
      var seen = [new Float64Array(n).fill(-1), new Float64Array(n).fill(-1)];
      var parent = [new Int32Array(n).fill(-1), new Int32Array(n).fill(-1)];
      var fringe = [new Heap(), new Heap()];
      var counter = 0;
      seen[0][source] = 0;
      seen[1][target] = 0;
      fringe[0].push([0, counter++, source]);
      fringe[1].push([0, counter++, target]);
      var finalpath = null;
      var finaldist = 0;
      function chain(dir, w) {   // w back to this direction's start
        var out = [];
        for (var x = w; x !== -1; x = parent[dir][x]) { out.push(x); }
        return out;
      }
      var dir = 1;
      while (fringe[0].size() && fringe[1].size()) {
        dir = 1 - dir;
        var item = fringe[dir].pop();
        var dist = item[0];
        var v = item[2];
        if (done[dir][v] >= 0) { continue; }
        done[dir][v] = dist;
        if (done[1 - dir][v] >= 0) {
          return { nodes: finalpath.map(function (x) { return ids[x]; }),
                   hops: explain(finalpath) };
        }
        var adj = adjacency[dir];
        for (var a = adj.start[v]; a < adj.start[v + 1]; a++) {
          var w = adj.other[a];
          if (!ok(w)) { continue; }
          // forward: the arc v -> w enters w; backward: the arc w -> v enters v
          var entered = dir === 0 ? w : v;
          var c = adj.cost[a] + (entered !== target && hub[entered] ? HUB : 0);
          var vw = dist + c;
          if (done[dir][w] >= 0) { continue; }
          if (seen[dir][w] < 0 || vw < seen[dir][w]) {
            seen[dir][w] = vw;
            fringe[dir].push([vw, counter++, w]);
            parent[dir][w] = v;
            if (seen[0][w] >= 0 && seen[1][w] >= 0) {
              var total = seen[0][w] + seen[1][w];
              if (finalpath === null || finaldist > total) {
                finaldist = total;
                finalpath = chain(0, w).reverse().concat(chain(1, w).slice(1));
              }
            }
          }
        }
      }
      return null;
    }

    return { shortest: shortest };
  }

  root.KGPath = { prepare: prepare };
})(typeof window !== "undefined" ? window : globalThis);
