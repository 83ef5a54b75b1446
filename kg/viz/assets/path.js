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
    var classOf = {};
    var nodeIds = Object.keys(graph.nodes || {});
    nodeIds.forEach(function (id) { classOf[id] = (graph.nodes[id] || {}).cls; });
    var edges = (graph.edges || []).filter(function (e) {
      return Object.prototype.hasOwnProperty.call(classOf, e.from) &&
        Object.prototype.hasOwnProperty.call(classOf, e.to);
    });
    // edges between an ordered pair, for the explanation: from -> to -> [edge...]
    var between = new Map();
    var pairs = [];
    edges.forEach(function (e) {
      var key = e.from + "\u0000" + e.to;
      var list = between.get(key);
      if (!list) {
        list = [];
        between.set(key, list);
        if (e.from !== e.to) { pairs.push([e.from, e.to]); }
      }
      list.push(e);
    });
    between.forEach(function (list) {
      list.sort(function (x, y) { return cmp(x.relation, y.relation) || cmp(x.id, y.id); });
    });
    pairs.sort(function (x, y) { return cmp(x[0], y[0]) || cmp(x[1], y[1]); });
    // adjacency in networkx insertion order; weight = cheapest direction cost (hub added later)
    var succ = new Map();
    var pred = new Map();
    var cost = new Map();
    function arc(u, v, c) {
      var key = u + "\u0000" + v;
      var old = cost.get(key);
      if (old === undefined) {
        cost.set(key, c);
        if (!succ.has(u)) { succ.set(u, []); }
        succ.get(u).push(v);
        if (!pred.has(v)) { pred.set(v, []); }
        pred.get(v).push(u);
      } else if (c < old) {
        cost.set(key, c);
      }
    }
    pairs.forEach(function (p) {
      arc(p[0], p[1], FORWARD);
      arc(p[1], p[0], BACKWARD);
    });

    function explain(route) {
      var hops = [];
      for (var i = 0; i + 1 < route.length; i++) {
        var a = route[i];
        var b = route[i + 1];
        (between.get(a + "\u0000" + b) || []).forEach(function (e) {
          hops.push({ edge: e.id, from: e.from, to: e.to, relation: e.relation, forward: true });
        });
        (between.get(b + "\u0000" + a) || []).forEach(function (e) {
          hops.push({ edge: e.id, from: e.from, to: e.to, relation: e.relation, forward: false });
        });
      }
      return hops;
    }

    function shortest(source, target, options) {
      var has = Object.prototype.hasOwnProperty;
      if (!has.call(classOf, source) || !has.call(classOf, target)) { return null; }
      if (source === target) { return { nodes: [source], hops: [] }; }
      var allowed = options && options.allowed ? options.allowed : null;
      function usable(w) {
        if (w === source || w === target) { return true; }
        if (BACKGROUND_CLASSES[classOf[w]] === 1) { return false; }
        return !allowed || allowed.has(w);
      }
      function weight(u, v) {
        var c = cost.get(u + "\u0000" + v);
        if (v !== target && HUB_CLASSES[classOf[v]] === 1) { c += HUB; }
        return c;
      }
      var neighs = [succ, pred];
      var dists = [new Map(), new Map()];
      var paths = [new Map([[source, [source]]]), new Map([[target, [target]]])];
      var seen = [new Map([[source, 0]]), new Map([[target, 0]])];
      var fringe = [new Heap(), new Heap()];
      var counter = 0;
      fringe[0].push([0, counter++, source]);
      fringe[1].push([0, counter++, target]);
      var finalpath = null;
      var finaldist = 0;
      var dir = 1;
      while (fringe[0].size() && fringe[1].size()) {
        dir = 1 - dir;
        var item = fringe[dir].pop();
        var dist = item[0];
        var v = item[2];
        if (dists[dir].has(v)) { continue; }
        dists[dir].set(v, dist);
        if (dists[1 - dir].has(v)) {
          return { nodes: finalpath, hops: explain(finalpath) };
        }
        var list = neighs[dir].get(v) || [];
        for (var i = 0; i < list.length; i++) {
          var w = list[i];
          if (!usable(w)) { continue; }
          var vw = dist + (dir === 0 ? weight(v, w) : weight(w, v));
          if (dists[dir].has(w)) { continue; }
          var known = seen[dir].get(w);
          if (known === undefined || vw < known) {
            seen[dir].set(w, vw);
            fringe[dir].push([vw, counter++, w]);
            paths[dir].set(w, paths[dir].get(v).concat([w]));
            if (seen[0].has(w) && seen[1].has(w)) {
              var total = seen[0].get(w) + seen[1].get(w);
              if (finalpath === null || finaldist > total) {
                finaldist = total;
                var back = paths[1].get(w).slice().reverse();
                finalpath = paths[0].get(w).concat(back.slice(1));
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
