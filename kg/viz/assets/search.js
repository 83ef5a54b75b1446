/* KGSearch: ranked, typo-tolerant search over node records, inside the page (no DOM, no network).
 *
 *   var index = KGSearch.createIndex(records);   // {id, cls, label, alt, definition, quotes}
 *   index.query("data secruity", 50)   -> [{id, score, field}]   best first (score, then id)
 *   var cancel = index.start(text, 50, function (hits) {...});  // same answer, in <= 30 ms slices
 *   var stop = KGSearch.build(records, function (index) {...});  // createIndex in <= 30 ms slices
 *
 * Texts are folded like kg/search.py `fold` (NFKC, case folding, whitespace removed). Scores:
 *   100  the exact id, or an exact label          99  an exact alternative label
 *   80-95 / 78-93 / 70-85 / 60-75 / 55-70  the query inside a label / alt label / id /
 *        definition / quote, higher the more of the text it covers
 *   35-75 every Latin word of the query matches a word of the text within 1 edit (2 from 8
 *        letters; a transposition is one edit; numbers exactly) or as a word prefix (from 3
 *        letters)
 * A record takes the best of its texts (field = where). CJK text needs no words: a substring of
 * any length finds it.
 *
 * Differences from the CLI `kg search`, on purpose: the page also finds ids; the CLI breaks a
 * tie by id, the page by how much of the matched text the query covers ("data security" in the
 * label "Data security risk" beats it inside "data security and algorithmic bias"); a relation's
 * evidence is not searched (records carry only the node's own quotes).
 * ES2017, one global.
 */
(function (root) {
  "use strict";

  var SLICE_MS = 30;
  var CHUNK = 4000;           // texts per unit of query work
  var BUILD_BATCH = 50;       // records per unit of index building
  var SEP = "\u0001";
  var FIELDS = ["id", "label", "alt", "definition", "quote"];
  var EXACT = { id: 100, label: 100, alt: 99 };
  var SUBSTRING = { label: [80, 15], alt: [78, 15], id: [70, 15], definition: [60, 15],
                    quote: [55, 15] };
  var FUZZY = { label: [50, 25], alt: [48, 25], definition: [40, 25], quote: [35, 25] };
  var WORD = /[a-z0-9\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff]+/g;

  var now = (typeof performance !== "undefined" && performance.now) ?
    function () { return performance.now(); } : function () { return Date.now(); };

  /* NFKC + case folding (toLowerCase plus the few full case foldings that differ). */
  var ASCII = /^[\x00-\x7f]*$/;
  var FULL_FOLD = /[\u00df\u03c2\u1e9e]/g;
  var FULL_FOLDED = { "\u00df": "ss", "\u03c2": "\u03c3", "\u1e9e": "ss" };
  function casefold(text) {
    var s = String(text);
    if (ASCII.test(s)) { return s.toLowerCase(); }   // ASCII is its own NFKC form
    return s.normalize("NFKC").toLowerCase().replace(FULL_FOLD, function (c) {
      return FULL_FOLDED[c];
    });
  }

  /* The whitespace-free folded form every substring score is computed on. */
  function fold(text) { return casefold(text).replace(/\s+/g, ""); }

  function words(folded) { return folded.match(WORD) || []; }

  /* Optimal-string-alignment distance of a and b, or max + 1 once it must exceed max. */
  function distance(a, b, max) {
    var n = a.length;
    var m = b.length;
    if (Math.abs(n - m) > max) { return max + 1; }
    var prev2 = null;
    var prev = new Array(m + 1);
    for (var j = 0; j <= m; j++) { prev[j] = j; }
    for (var i = 1; i <= n; i++) {
      var cur = new Array(m + 1);
      cur[0] = i;
      var best = cur[0];
      for (j = 1; j <= m; j++) {
        var c = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
        var v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + c);
        if (prev2 && i > 1 && j > 1 && a.charCodeAt(i - 1) === b.charCodeAt(j - 2) &&
            a.charCodeAt(i - 2) === b.charCodeAt(j - 1)) {
          v = Math.min(v, prev2[j - 2] + 1);
        }
        cur[j] = v;
        if (v < best) { best = v; }
      }
      if (best > max) { return max + 1; }
      prev2 = prev;
      prev = cur;
    }
    return prev[m];
  }

  /* Edits a query word may be away from a text word: none for numbers (123 is not 124). */
  function allowedEdits(word) {
    if (/^[0-9]+$/.test(word)) { return 0; }
    return word.length >= 8 ? 2 : (word.length >= 4 ? 1 : 0);
  }

  /* The index of `records` and the steps that fill it (run them all before querying):
   * one searchable text per (record, field, raw text), folded, then grouped in chunks. */
  function indexer(records) {
    var list = records || [];
    var ids = [];
    var texts = { id: [], label: [], alt: [], definition: [], quote: [] };
    var owners = { id: [], label: [], alt: [], definition: [], quote: [] };
    var vocab = new Map();   // word -> [text slot, ...] (slot = field index * 2^26 + text)
    var wordCount = { label: [], alt: [], definition: [], quote: [] };
    var chunks = [];
    var vocabWords = [];

    function add(field, record, raw) {
      if (typeof raw !== "string" || !raw) { return; }
      var folded = casefold(raw);
      var f = folded.replace(/\s+/g, "");
      if (!f) { return; }
      var at = texts[field].length;
      texts[field].push(f);
      owners[field].push(record);
      if (field === "id") { return; }
      var found = words(folded);
      wordCount[field].push(found.length);
      var slot = FIELDS.indexOf(field) * 67108864 + at;
      for (var i = 0; i < found.length; i++) {
        var w = found[i];
        if (found.indexOf(w) < i) { continue; }   // once per text
        var posting = vocab.get(w);
        if (!posting) { posting = []; vocab.set(w, posting); }
        posting.push(slot);
      }
    }
    function values(map) {
      var out = [];
      Object.keys(map || {}).sort().forEach(function (lang) {
        var v = map[lang];
        if (Array.isArray(v)) { v.forEach(function (x) { out.push(x); }); } else { out.push(v); }
      });
      return out;
    }
    function addRecords(from, to) {
      for (var n = from; n < to; n++) {
        var r = list[n];
        ids.push(String(r.id));
        add("id", n, String(r.id));
        values(r.label).forEach(function (t) { add("label", n, t); });
        values(r.alt).forEach(function (t) { add("alt", n, t); });
        values(r.definition).forEach(function (t) { add("definition", n, t); });
        (r.quotes || []).forEach(function (t) { add("quote", n, t); });
      }
    }
    // chunks: one joined string per CHUNK texts, with the start offset of each text
    function chunk(field, from) {
      var part = texts[field].slice(from, from + CHUNK);
      var starts = new Array(part.length);
      var pos = 0;
      for (var i = 0; i < part.length; i++) { starts[i] = pos; pos += part[i].length + 1; }
      part.push("");   // a trailing separator, without building a rope
      chunks.push({ field: field, from: from, joined: part.join(SEP), starts: starts });
    }
    var steps = [];
    for (var from = 0; from < list.length; from += BUILD_BATCH) {
      steps.push(addRecords.bind(null, from, Math.min(from + BUILD_BATCH, list.length)));
    }
    steps.push(function () {   // once the texts are known: a step per chunk, then the words
      FIELDS.forEach(function (field) {
        for (var at = 0; at < texts[field].length; at += CHUNK) {
          steps.push(chunk.bind(null, field, at));
        }
      });
      steps.push(function () { vocabWords = Array.from(vocab.keys()).sort(); });
    });

    /* The work of one query as a list of steps; each step is small (<= CHUNK texts). */
    function plan(text) {
      var key = fold(String(text == null ? "" : text).slice(0, 200));
      var best = new Map();   // record -> [score, field]
      function offer(record, score, field) {
        var old = best.get(record);
        if (!old || score > old[0] ||
            (score === old[0] && FIELDS.indexOf(field) < FIELDS.indexOf(old[1]))) {
          best.set(record, [score, field]);
        }
      }
      var steps = [];
      if (!key || key.indexOf(SEP) >= 0) { return { steps: steps, best: best }; }
      chunks.forEach(function (chunk) {
        steps.push(function () {
          var joined = chunk.joined;
          var starts = chunk.starts;
          var list = texts[chunk.field];
          var own = owners[chunk.field];
          var last = -1;
          var at = joined.indexOf(key);
          while (at >= 0) {
            var lo = 0;
            var hi = starts.length - 1;
            while (lo < hi) {   // the text holding offset `at`
              var mid = (lo + hi + 1) >> 1;
              if (starts[mid] <= at) { lo = mid; } else { hi = mid - 1; }
            }
            if (lo !== last) {
              last = lo;
              var t = list[chunk.from + lo];
              var score;
              if (t.length === key.length && EXACT[chunk.field]) {
                score = EXACT[chunk.field];
              } else {
                var s = SUBSTRING[chunk.field];
                score = s[0] + s[1] * key.length / t.length;
              }
              offer(own[chunk.from + lo], score, chunk.field);
            }
            var next = lo + 1 < starts.length ? starts[lo + 1] : joined.length;
            at = joined.indexOf(key, next);
          }
        });
      });
      var qwords = words(casefold(String(text).slice(0, 200)));
      if (qwords.length) {
        // per query word: text slot -> best similarity, from the vocabulary
        var sims = qwords.map(function () { return new Map(); });
        var step = 2000;
        for (var from = 0; from < vocabWords.length; from += step) {
          (function (from) {
            steps.push(function () {
              var end = Math.min(from + step, vocabWords.length);
              for (var i = from; i < end; i++) {
                var w = vocabWords[i];
                for (var q = 0; q < qwords.length; q++) {
                  var qw = qwords[q];
                  var sim = 0;
                  if (w === qw) {
                    sim = 1;
                  } else {
                    var max = allowedEdits(qw);
                    var d = max ? distance(qw, w, max) : max + 1;
                    if (d <= max) {
                      sim = 1 - d / Math.max(qw.length, w.length);
                    } else if (qw.length >= 3 && w.length > qw.length && w.indexOf(qw) === 0) {
                      sim = 0.9 * qw.length / w.length + 0.05;
                    }
                  }
                  if (sim > 0) {
                    var posting = vocab.get(w);
                    var map = sims[q];
                    for (var p = 0; p < posting.length; p++) {
                      var slot = posting[p];
                      var old = map.get(slot);
                      if (old === undefined || sim > old) { map.set(slot, sim); }
                    }
                  }
                }
              }
            });
          })(from);
        }
        steps.push(function () {
          sims.sort(function (x, y) { return x.size - y.size; });
          sims[0].forEach(function (sim0, slot) {
            var total = sim0;
            for (var q = 1; q < sims.length; q++) {
              var s = sims[q].get(slot);
              if (s === undefined) { return; }
              total += s;
            }
            var field = FIELDS[Math.floor(slot / 67108864)];
            var at = slot % 67108864;
            var cover = Math.min(1, qwords.length / Math.max(1, wordCount[field][at]));
            var f = FUZZY[field];
            offer(owners[field][at], f[0] + f[1] * (total / qwords.length) * (0.5 + 0.5 * cover),
                  field);
          });
        });
      }
      return { steps: steps, best: best };
    }

    /* The best `limit` hits (score desc, then id) without sorting every match. */
    function finish(best, limit) {
      var k = limit == null ? 50 : Math.max(0, Math.floor(limit));
      function worse(x, y) {   // x ranks below y
        return x[0] < y[0] || (x[0] === y[0] && ids[x[1]] > ids[y[1]]);
      }
      var heap = [];   // min-heap (worst on top) of [score, record, field]
      function down(i) {
        for (;;) {
          var l = 2 * i + 1;
          var r = l + 1;
          var m = i;
          if (l < heap.length && worse(heap[l], heap[m])) { m = l; }
          if (r < heap.length && worse(heap[r], heap[m])) { m = r; }
          if (m === i) { return; }
          var t = heap[i]; heap[i] = heap[m]; heap[m] = t; i = m;
        }
      }
      best.forEach(function (v, record) {
        var item = [Math.round(v[0] * 100) / 100, record, v[1]];
        if (heap.length < k) {
          heap.push(item);
          for (var i = heap.length - 1; i > 0;) {
            var p = (i - 1) >> 1;
            if (!worse(heap[i], heap[p])) { break; }
            var t = heap[i]; heap[i] = heap[p]; heap[p] = t; i = p;
          }
        } else if (k > 0 && worse(heap[0], item)) {
          heap[0] = item;
          down(0);
        }
      });
      heap.sort(function (x, y) { return worse(x, y) ? 1 : (worse(y, x) ? -1 : 0); });
      return heap.map(function (h) { return { id: ids[h[1]], score: h[0], field: h[2] }; });
    }

    function query(text, limit) {
      var work = plan(text);
      work.steps.forEach(function (s) { s(); });
      return finish(work.best, limit);
    }

    function start(text, limit, onDone) {
      var work = plan(text);
      return sliced(work.steps, function () { onDone(finish(work.best, limit)); });
    }

    return { steps: steps,
             index: { query: query, start: start, size: list.length } };
  }

  /* The index, built at once (about 0.3-0.9 s at 20,000 records with 60,000 quotes). */
  function createIndex(records) {
    var made = indexer(records);
    for (var i = 0; i < made.steps.length; i++) { made.steps[i](); }   // steps add steps
    return made.index;
  }

  /* The same index built in slices of <= 30 ms (setTimeout between them): onDone(index).
   * Returns cancel(). For building at page load without one long task. */
  function build(records, onDone) {
    var made = indexer(records);
    return sliced(made.steps, function () { onDone(made.index); });
  }

  /* Run steps (a list that steps may extend) in slices of <= SLICE_MS, a setTimeout between
   * slices, then done(). Returns cancel(). */
  function sliced(steps, done) {
    var next = 0;
    var cancelled = false;
    var timer = null;
    function run() {
      timer = null;
      if (cancelled) { return; }
      var began = now();
      while (next < steps.length) {
        steps[next++]();
        if (now() - began >= SLICE_MS && next < steps.length) {
          timer = setTimeout(run, 0);
          return;
        }
      }
      done();
    }
    timer = setTimeout(run, 0);
    return function cancel() {
      cancelled = true;
      if (timer !== null) { clearTimeout(timer); timer = null; }
    };
  }

  root.KGSearch = { createIndex: createIndex, build: build, fold: fold };
})(typeof window !== "undefined" ? window : globalThis);
