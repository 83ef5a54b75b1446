"""Neo4j Cypher → the embedded engine's Cypher (LadybugDB, the maintained fork of Kùzu).

Both speak openCypher; this module rewrites, token by token, the few places where they differ,
so that a query gives the rows Neo4j gives on the pushed graph:

* labels: a node table per class; ``(n:Statistic)`` becomes the tables whose labels include
  Statistic, ``:InnovationKG`` every table, an unknown label no table (no rows, as in Neo4j);
  ``n:Label`` in an expression and ``labels(n)`` read the stored label list;
* relationship isomorphism: in one MATCH, two relationship patterns never bind the same
  relationship (Neo4j's rule), and variable-length patterns never repeat one (``TRAIL``);
* ``type(r)`` → ``label(r)``; ``shortestPath(…)`` → ``* SHORTEST``; lists are 0-based;
  ``[x IN l WHERE … | …]`` → ``list_filter``/``list_transform``; ``EXISTS {(a)--()}`` and
  pattern predicates → ``EXISTS { MATCH … }``; a few function names;
* result columns are named by the expression text, as Neo4j names them.

What cannot be rewritten faithfully is refused with one line naming the construct; clauses
that write are refused before anything runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Iterator

from kg.cypher.lexer import Token, matching, quote, tokenize
from kg.errors import KgError

#: Neo4j's default has no upper bound; the embedded engine's default maximum depth.
MAX_DEPTH = 30
#: Deeper nesting is refused (bounded work and recursion on hostile input).
MAX_NESTING = 100

_WRITES = {"CREATE", "MERGE", "SET", "DELETE", "DETACH", "REMOVE", "DROP", "FOREACH", "LOAD",
           "COPY", "ALTER", "INSTALL", "ATTACH", "EXPORT", "IMPORT", "CHECKPOINT",
           "BEGIN", "COMMIT", "ROLLBACK", "USE"}
_CLAUSES = {"MATCH", "OPTIONAL", "WHERE", "WITH", "RETURN", "UNWIND", "UNION", "ORDER", "SKIP",
            "LIMIT", "CALL", "FINISH", "YIELD", "SHOW", "PROFILE", "EXPLAIN"}
#: Words that may precede `(` without being a function call.
_KEYWORDS = {"AND", "OR", "XOR", "NOT", "IN", "IS", "NULL", "TRUE", "FALSE", "CASE", "WHEN",
             "THEN", "ELSE", "END", "AS", "DISTINCT", "STARTS", "ENDS", "CONTAINS", "WITH",
             "WHERE", "RETURN", "MATCH", "OPTIONAL", "UNWIND", "ORDER", "BY", "ASC", "DESC",
             "ASCENDING", "DESCENDING", "SKIP", "LIMIT", "UNION", "ALL", "EXISTS", "COUNT"}

#: Functions that behave the same in both engines, under the engine's name.
_SAME = {"count", "collect", "sum", "avg", "min", "max", "size", "coalesce", "trim", "ltrim",
         "rtrim", "abs", "ceil", "floor", "sqrt", "sign", "length", "nodes", "reverse",
         "replace", "lower", "upper", "any", "all", "none", "single", "left", "right",
         "stdev", "rand", "exp", "log", "log10", "sin", "cos", "tan", "pi", "e"}
_RENAMED = {"type": "label", "tolower": "lower", "toupper": "upper", "relationships": "rels",
            "split": "string_split"}
_CASTS = {"tointeger": "INT64", "tofloat": "DOUBLE"}
_UNSUPPORTED_FUNCTIONS = {
    "id": "id() differs between engines; use the `id` property",
    "elementid": "elementId() differs between engines; use the `id` property",
    "properties": "properties() would list the engine's empty columns; return the properties "
                  "you need",
    "keys": "keys() would list the engine's empty columns",
    "exists": "exists(n.prop) was removed in Neo4j 5; write `n.prop IS NOT NULL`",
    "shortestpath": "shortestPath(…) is supported in MATCH only",
    "allshortestpaths": "allShortestPaths(…) is supported in MATCH only",
}


@dataclass(frozen=True)
class EngineSchema:
    """What the translation needs to know of the stored graph."""

    tables: dict[str, frozenset[str]]   # node table -> its Neo4j labels (with the marker)
    rel_types: frozenset[str]
    marker: str = "InnovationKG"
    labels_column: str = "kg_labels"
    node_props: dict[str, frozenset[str]] = field(default_factory=dict)  # table -> columns
    rel_props: dict[str, frozenset[str]] = field(default_factory=dict)   # type -> columns

    def has_property(self, binding: "_Binding", name: str) -> bool:
        """Whether some table a variable may be bound to has a column ``name``."""
        columns = self.node_props if binding.kind == "node" else self.rel_props
        return any(name in columns.get(t, frozenset()) for t in binding.tables)

    def tables_with(self, required: Iterable[Iterable[str]]) -> list[str]:
        """Tables satisfying a label expression given as alternatives of label sets."""
        options = [frozenset(a) for a in required]
        return sorted(t for t, labels in self.tables.items()
                      if any(option <= labels for option in options))


def unsupported(construct: str, hint: str = "") -> KgError:
    """One line naming a construct the local engine does not run as Neo4j does."""
    return KgError(f"not supported by `kg cypher` (the local engine): {construct}",
                   hint=hint or "run it on a server with `kg neo4j query`")


@dataclass(frozen=True)
class _Binding:
    """What a variable is bound to: a node of these tables or a relationship of these types."""

    kind: str
    tables: frozenset[str]


@dataclass
class _State:
    schema: EngineSchema
    counter: int = 0
    varlength: set[str] = field(default_factory=set)
    ordered_with: bool = False
    bindings: dict[str, _Binding] = field(default_factory=dict)

    def fresh(self) -> str:
        self.counter += 1
        return f"kg_r{self.counter}"

    def bind(self, name: str, kind: str, tables: Iterable[str]) -> None:
        """Record a pattern variable (a second pattern on it narrows the tables)."""
        tables = frozenset(tables)
        known = self.bindings.get(name)
        if known is not None and known.kind == kind:
            tables &= known.tables
        self.bindings[name] = _Binding(kind, tables)


def translate(query: str, schema: EngineSchema) -> str:
    """The query in the embedded engine's dialect, or a KgError naming what is refused."""
    tokens = [Token("ws", " ", t.pos) if t.kind == "comment" else t for t in tokenize(query)]
    _refuse_writes(tokens)
    while tokens and (tokens[-1].kind == "ws" or tokens[-1].text == ";"):
        tokens.pop()
    if any(t.text == ";" for t in tokens):
        raise unsupported("several statements separated by ';'", "run one query at a time")
    depth = deepest = 0
    for tok in tokens:
        if tok.kind == "op" and tok.text in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif tok.kind == "op" and tok.text in ")]}":
            depth -= 1
    if deepest > MAX_NESTING:
        raise unsupported(f"brackets nested more than {MAX_NESTING} deep")
    state = _State(schema)
    return _query(tokens, state).strip()


def _sig(tokens: list[Token], i: int) -> int:
    """The index of the first non-space token at or after ``i`` (len if none)."""
    while i < len(tokens) and tokens[i].kind == "ws":
        i += 1
    return i


def _prev(tokens: list[Token], i: int) -> Token | None:
    i -= 1
    while i >= 0 and tokens[i].kind == "ws":
        i -= 1
    return tokens[i] if i >= 0 else None


def _refuse_writes(tokens: list[Token]) -> None:
    for i, tok in enumerate(tokens):
        if tok.word not in _WRITES:
            continue
        j = _sig(tokens, i + 1)
        before, after = _prev(tokens, i), (tokens[j] if j < len(tokens) else None)
        if before is not None and (before.text == "." or before.word == "AS"):
            continue  # a property such as n.set, an alias such as AS delete
        if after is not None and after.text == ":" and before is not None and before.text in "{,":
            continue  # a map key
        raise KgError(f"`kg cypher` only reads: {tok.text.upper()} is a writing clause",
                      hint="the local graph is rebuilt by `kg build`; write to a server with "
                           "`kg neo4j push`")


def _split_top(tokens: list[Token], words: set[str]) -> list[tuple[str, list[Token]]]:
    """Depth-0 segments that start at one of ``words`` (the first may start with none)."""
    out: list[tuple[str, list[Token]]] = [("", [])]
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.kind == "op" and tok.text in "([{":
            end = matching(tokens, i)
            out[-1][1].extend(tokens[i:end + 1])
            i = end + 1
            continue
        before = _prev(tokens, i)
        if tok.word in words and not (before is not None and (
                before.text == "." or (tok.word == "WITH" and before.word in ("STARTS", "ENDS")))):
            out.append((tok.word, [tok]))
        else:
            out[-1][1].append(tok)
        i += 1
    return [seg for seg in out if seg[1] or seg[0]]


def _query(tokens: list[Token], state: _State) -> str:
    """A query: clauses at depth 0, each translated."""
    parts: list[str] = []
    segments = _split_top(tokens, _CLAUSES)
    i = 0
    while i < len(segments):
        word, seg = segments[i]
        if word == "":
            if any(t.kind != "ws" for t in seg):
                first = next(t for t in seg if t.kind != "ws")
                raise unsupported(f"a query starting with {first.text!r}",
                                  "start with MATCH, OPTIONAL MATCH, UNWIND, WITH or RETURN")
            parts.append("".join(t.text for t in seg))
        elif word == "OPTIONAL":
            nxt = segments[i + 1] if i + 1 < len(segments) else ("", [])
            if nxt[0] != "MATCH" or any(t.kind != "ws" for t in seg[1:]):
                raise unsupported("OPTIONAL without MATCH")
            i += 1
            parts.append("OPTIONAL " + _match(nxt[1], segments, i, state))
            i = _skip_where(segments, i)
        elif word == "MATCH":
            parts.append(_match(seg, segments, i, state))
            i = _skip_where(segments, i)
        elif word in ("WITH", "RETURN"):
            if state.ordered_with and _aggregates(seg):
                raise unsupported("an aggregation after WITH … ORDER BY (the local engine does "
                                  "not keep that order into collect() or top-k)",
                                  "aggregate first, then ORDER BY in RETURN")
            if word == "WITH" and _with_orders(segments, i):
                state.ordered_with = True
            parts.append(_projection(seg, state))
        elif word in ("WHERE", "SKIP", "LIMIT"):
            parts.append(seg[0].text + _expr(seg[1:], state))
        elif word == "ORDER":
            parts.append(_order(seg, parts, state))
        elif word == "UNWIND":
            parts.append(_unwind(seg, state))
        elif word == "UNION":
            state.bindings.clear()
            parts.append("".join(t.text for t in seg))
        else:
            raise unsupported(f"the {word} clause",
                              "procedures and schema commands need a server: `kg neo4j query`")
        i += 1
    return "".join(parts)


_AGGREGATES = {"COUNT", "COLLECT", "SUM", "AVG", "MIN", "MAX", "STDEV", "STDEVP",
               "PERCENTILECONT", "PERCENTILEDISC"}


def _aggregates(seg: list[Token]) -> bool:
    """Whether a projection calls an aggregating function (at any depth)."""
    for i, tok in enumerate(seg):
        j = _sig(seg, i + 1)
        if tok.word in _AGGREGATES and j < len(seg) and seg[j].text == "(":
            return True
    return False


def _with_orders(segments: list[tuple[str, list[Token]]], i: int) -> bool:
    """Whether the WITH at ``i`` has ORDER BY; without SKIP/LIMIT it is refused (the engine
    requires them there, and then Neo4j's row order would not carry over)."""
    j = i + 1
    orders = limited = False
    while j < len(segments) and segments[j][0] in ("WHERE", "ORDER", "SKIP", "LIMIT"):
        orders = orders or segments[j][0] == "ORDER"
        limited = limited or segments[j][0] in ("SKIP", "LIMIT")
        j += 1
    if orders and not limited:
        raise unsupported("ORDER BY in WITH without SKIP or LIMIT (the local engine does not "
                          "keep that order)", "sort in RETURN, or write ORDER BY … LIMIT n")
    return orders


def _skip_where(segments: list[tuple[str, list[Token]]], i: int) -> int:
    """After a MATCH at ``i``, the index of its WHERE segment if it has one (consumed)."""
    return i + 1 if i + 1 < len(segments) and segments[i + 1][0] == "WHERE" else i


def _match(seg: list[Token], segments: list[tuple[str, list[Token]]], i: int,
           state: _State) -> str:
    """MATCH patterns [WHERE …], with the engine's labels and Neo4j's isomorphism rule."""
    patterns, extra = _patterns(seg[1:], state)
    where = segments[i + 1][1] if i + 1 < len(segments) and segments[i + 1][0] == "WHERE" else None
    conditions = []
    if where is not None:
        conditions.append("(" + _expr(where[1:], state).strip() + ")")
    conditions += extra
    tail = (" WHERE " + " AND ".join(conditions) + " ") if conditions else " "
    return "MATCH " + patterns.strip() + tail


@dataclass
class _Rel:
    name: str
    types: frozenset[str] | None  # None: any type
    varlength: bool


def _patterns(tokens: list[Token], state: _State) -> tuple[str, list[str]]:
    """Comma-separated patterns: (text, extra predicates)."""
    out: list[str] = []
    extra: list[str] = []
    rels: list[_Rel] = []
    i = _sig(tokens, 0)
    while i < len(tokens):
        tok = tokens[i]
        if tok.text == ",":
            out.append(", ")
            i = _sig(tokens, i + 1)
            continue
        text, i = _one_pattern(tokens, i, state, rels, extra)
        out.append(text)
        i = _sig(tokens, i)
    fixed = [r for r in rels if not r.varlength]
    for a_index, a in enumerate(fixed):
        for b in fixed[a_index + 1:]:
            if a.types is not None and b.types is not None and not (a.types & b.types):
                continue
            extra.append(f"id({a.name}) <> id({b.name})")
    return "".join(out), extra


def _one_pattern(tokens: list[Token], i: int, state: _State, rels: list[_Rel],
                 extra: list[str]) -> tuple[str, int]:
    """``[p =] [shortestPath(] (n)-[r]-(m)… [)]`` starting at ``i``; returns (text, next)."""
    prefix = ""
    tok = tokens[i]
    j = _sig(tokens, i + 1)
    if tok.ident is not None and j < len(tokens) and tokens[j].text == "=":
        prefix = f"{_var(tok)} = "
        i = _sig(tokens, j + 1)
        tok = tokens[i] if i < len(tokens) else tok
    shortest = ""
    if tok.word in ("SHORTESTPATH", "ALLSHORTESTPATHS"):
        shortest = "SHORTEST" if tok.word == "SHORTESTPATH" else "ALL SHORTEST"
        k = _sig(tokens, i + 1)
        if k >= len(tokens) or tokens[k].text != "(":
            raise unsupported(f"{tok.text} without a pattern")
        end = matching(tokens, k)
        inner, _ = _chain(tokens[k + 1:end], 0, state, rels, extra, shortest)
        return prefix + inner, end + 1
    text, i = _chain(tokens, i, state, rels, extra, shortest)
    return prefix + text, i


def _chain(tokens: list[Token], i: int, state: _State, rels: list[_Rel], extra: list[str],
           shortest: str) -> tuple[str, int]:
    """A node, then (relationship, node)* — stops at a depth-0 comma or the end."""
    i = _sig(tokens, i)
    if i >= len(tokens) or tokens[i].text != "(":
        got = tokens[i].text if i < len(tokens) else "the end"
        raise unsupported(f"a pattern starting with {got!r}", "patterns look like (a)-[:R]->(b)")
    out = []
    end = matching(tokens, i)
    out.append(_node(tokens[i + 1:end], state, extra))
    i = _sig(tokens, end + 1)
    while i < len(tokens) and tokens[i].text in ("-", "<"):
        arrow_left = tokens[i].text == "<"
        if arrow_left:
            i = _sig(tokens, i + 1)
        if i >= len(tokens) or tokens[i].text != "-":
            raise unsupported("a relationship pattern that is not (a)-[…]-(b)")
        i = _sig(tokens, i + 1)
        body = ""
        if i < len(tokens) and tokens[i].text == "[":
            close = matching(tokens, i)
            body = _relationship(tokens[i + 1:close], state, rels, extra, shortest)
            i = _sig(tokens, close + 1)
        else:
            body = _relationship([], state, rels, extra, shortest)
        if i >= len(tokens) or tokens[i].text != "-":
            raise unsupported("a relationship pattern that is not (a)-[…]-(b)")
        i = _sig(tokens, i + 1)
        arrow_right = i < len(tokens) and tokens[i].text == ">"
        if arrow_right:
            i = _sig(tokens, i + 1)
        if arrow_left and arrow_right:
            raise unsupported("a relationship pointing both ways (<-…->)")
        if i >= len(tokens) or tokens[i].text != "(":
            raise unsupported("a relationship pattern that does not end at a node")
        close = matching(tokens, i)
        node = _node(tokens[i + 1:close], state, extra)
        out.append(("<-" if arrow_left else "-") + body + ("->" if arrow_right else "-") + node)
        i = _sig(tokens, close + 1)
    if shortest and len(out) != 2:
        raise unsupported("shortestPath over more than one relationship pattern")
    return "".join(out), i


def _var(tok: Token) -> str:
    return quote(tok.ident or tok.text)


def _labels_expr(tokens: list[Token], i: int) -> tuple[list[frozenset[str]], int]:
    """``:A:B`` / ``:A&B`` (all) or ``:A|B`` / ``:A|:B`` (any) → alternatives of label sets;
    ``i`` is at the first ``:``."""
    alternatives: list[set[str]] = [set()]
    ops: set[str] = set()
    while i < len(tokens) and tokens[i].text in (":", "&", "|"):
        sep = tokens[i].text
        if sep != ":" or alternatives[-1]:
            ops.add("|" if sep == "|" else "&")
        if sep == "|":
            alternatives.append(set())
        i = _sig(tokens, i + 1)
        if i < len(tokens) and tokens[i].text == ":" and sep == "|":
            i = _sig(tokens, i + 1)
        if i < len(tokens) and tokens[i].text in ("!", "%", "("):
            raise unsupported(f"the label expression operator {tokens[i].text!r}")
        if i >= len(tokens) or tokens[i].ident is None:
            raise unsupported("a label expression without a label after ':'")
        alternatives[-1].add(tokens[i].ident or "")
        i = _sig(tokens, i + 1)
    if len(ops) > 1:
        raise unsupported("a label expression mixing & (or :) and |")
    return [frozenset(a) for a in alternatives if a], i


def _node(tokens: list[Token], state: _State, extra: list[str]) -> str:
    """A node pattern's inside: variable, labels as tables, properties."""
    i = _sig(tokens, 0)
    var = ""
    if i < len(tokens) and tokens[i].ident is not None:
        var = _var(tokens[i])
        i = _sig(tokens, i + 1)
    label = ""
    tables = list(state.schema.tables)
    if i < len(tokens) and tokens[i].text == ":":
        alternatives, i = _labels_expr(tokens, i)
        label, tables = _tables(alternatives, state, extra)
    binding = _Binding("node", frozenset(tables))
    if var:
        state.bind(var.strip("`"), "node", tables)
    props = ""
    if i < len(tokens) and tokens[i].text == "{":
        close = matching(tokens, i)
        props = _pattern_map(tokens[i:close + 1], state, binding, extra)
        i = _sig(tokens, close + 1)
    elif i < len(tokens) and tokens[i].kind == "param":
        raise unsupported("a parameter as a property map in a pattern", "write {id: $id}")
    if i < len(tokens):
        if tokens[i].word == "WHERE":
            raise unsupported("WHERE inside a node pattern", "move the condition to WHERE")
        raise unsupported(f"{tokens[i].text!r} in a node pattern")
    return f"({var}{label}{props})"


def _tables(alternatives: list[frozenset[str]], state: _State, extra: list[str]
            ) -> tuple[str, list[str]]:
    """``:T1:T2`` (any of these tables) for a label expression, and the tables; none → no
    rows (the pattern keeps every table, a ``false`` condition removes them)."""
    schema = state.schema
    tables = schema.tables_with(alternatives)
    if len(tables) == len(schema.tables):
        return "", tables
    if not tables:
        extra.append("false")
        return "", list(schema.tables)
    return ":" + ":".join(quote(t) for t in tables), tables


def _pattern_map(tokens: list[Token], state: _State, binding: _Binding,
                 extra: list[str]) -> str:
    """A pattern's ``{key: value}``: a key no table of the variable has matches nothing
    (Neo4j compares null), so it becomes a ``false`` condition."""
    text = _map(tokens, state)
    kept = []
    for key in _map_keys(tokens):
        if state.schema.has_property(binding, key):
            kept.append(key)
        else:
            extra.append("false")
    if len(kept) == len(_map_keys(tokens)):
        return " " + text
    items = _split_commas(tokens[1:-1])
    parts = [f"{quote(key)}: {_expr(item[_sig(item, _sig(item, 0) + 1) + 1:], state).strip()}"
             for key, item in zip(_map_keys(tokens), items, strict=True) if key in kept]
    return " {" + ", ".join(parts) + "}" if parts else ""


def _map_keys(tokens: list[Token]) -> list[str]:
    keys = []
    for item in _split_commas(tokens[1:-1]):
        k = _sig(item, 0)
        if k < len(item):
            keys.append(item[k].ident or item[k].text)
    return keys


def _relationship(tokens: list[Token], state: _State, rels: list[_Rel], extra: list[str],
                  shortest: str) -> str:
    """A relationship pattern's inside: variable, types, length, properties."""
    i = _sig(tokens, 0)
    name = ""
    if i < len(tokens) and tokens[i].ident is not None:
        name = _var(tokens[i])
        i = _sig(tokens, i + 1)
    types: set[str] | None = None
    if i < len(tokens) and tokens[i].text == ":":
        types = set()
        i = _sig(tokens, i + 1)
        while i < len(tokens) and tokens[i].ident is not None:
            types.add(tokens[i].ident or "")
            i = _sig(tokens, i + 1)
            if i < len(tokens) and tokens[i].text == "|":
                i = _sig(tokens, i + 1)
                if i < len(tokens) and tokens[i].text == ":":
                    i = _sig(tokens, i + 1)
                continue
            break
        if i < len(tokens) and tokens[i].text in ("&", "!", "%"):
            raise unsupported(f"the relationship type operator {tokens[i].text!r}")
    length = ""
    if i < len(tokens) and tokens[i].text == "*":
        length, i = _length(tokens, _sig(tokens, i + 1), shortest)
    elif shortest:
        raise unsupported("shortestPath over a fixed-length relationship", "write [*..N]")
    known = sorted(types & state.schema.rel_types) if types is not None else None
    binding = _Binding("rel", frozenset(known if known is not None else state.schema.rel_types))
    props = ""
    if i < len(tokens) and tokens[i].text == "{":
        if length:
            raise unsupported("properties on a variable-length relationship")
        close = matching(tokens, i)
        props = _pattern_map(tokens[i:close + 1], state, binding, extra)
        i = _sig(tokens, close + 1)
    if i < len(tokens):
        raise unsupported(f"{tokens[i].text!r} in a relationship pattern")
    if known is not None and not known:
        extra.append("false")
    if not name and not length:
        name = state.fresh()
    if length and name:
        state.varlength.add(name.strip("`"))
    elif name:
        state.bindings[name.strip("`")] = binding
    rels.append(_Rel(name, frozenset(known) if known is not None else None, bool(length)))
    typed = (":" + "|".join(quote(t) for t in known)) if known else ""
    return f"[{name}{typed}{length}{props}]"


def _length(tokens: list[Token], i: int, shortest: str) -> tuple[str, int]:
    """``*``, ``*n``, ``*a..b``, ``*..b``, ``*a..`` → ``* TRAIL a..b`` (or ``* SHORTEST``)."""
    low: int | None = None
    high: int | None = None
    ranged = False
    if i < len(tokens) and tokens[i].kind == "number":
        low = int(tokens[i].text)
        i = _sig(tokens, i + 1)
    if i < len(tokens) and tokens[i].text == "..":
        ranged = True
        i = _sig(tokens, i + 1)
        if i < len(tokens) and tokens[i].kind == "number":
            high = int(tokens[i].text)
            i = _sig(tokens, i + 1)
    elif low is not None:
        high = low
    if low is None:
        low = 1
    if high is None:
        high = MAX_DEPTH if (ranged or low <= MAX_DEPTH) else low
    if high > MAX_DEPTH:
        raise unsupported(f"a variable-length pattern longer than {MAX_DEPTH}")
    if low > high:
        return "*1..1", i  # no path can match; the engine needs a valid range
    mode = shortest or "TRAIL"
    if shortest and low > 1:
        raise unsupported("shortestPath with a minimum length above 1")
    return f"* {mode} {low}..{high}", i


def _map(tokens: list[Token], state: _State) -> str:
    """``{key: expr, …}`` with each value translated (``tokens`` include the braces)."""
    inner = tokens[1:-1]
    items = _split_commas(inner)
    out = []
    for item in items:
        k = _sig(item, 0)
        if k >= len(item):
            continue
        colon = _sig(item, k + 1)
        if item[k].ident is None or colon >= len(item) or item[colon].text != ":":
            raise unsupported("a map that is not {key: value, …}")
        out.append(f"{quote(item[k].ident or '')}: {_expr(item[colon + 1:], state).strip()}")
    return "{" + ", ".join(out) + "}"


def _split_commas(tokens: list[Token]) -> list[list[Token]]:
    """Depth-0 comma-separated parts."""
    parts: list[list[Token]] = [[]]
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.kind == "op" and tok.text in "([{":
            end = matching(tokens, i)
            parts[-1].extend(tokens[i:end + 1])
            i = end + 1
            continue
        if tok.text == ",":
            parts.append([])
        else:
            parts[-1].append(tok)
        i += 1
    return parts


def _projection(seg: list[Token], state: _State) -> str:
    """WITH/RETURN items: each translated, and named as Neo4j names it."""
    head = seg[0].text.upper()
    i = _sig(seg, 1)
    distinct = ""
    if i < len(seg) and seg[i].word == "DISTINCT":
        distinct = "DISTINCT "
        i = _sig(seg, i + 1)
    items = []
    carried: dict[str, _Binding | None] = {}
    for item in _split_commas(seg[i:]):
        k = _sig(item, 0)
        if k >= len(item):
            raise unsupported(f"an empty item in {head}")
        if item[k].text == "*" and _sig(item, k + 1) >= len(item):
            items.append("*")
            continue
        alias_at = _alias_index(item)
        if alias_at is not None:
            expr = item[:alias_at]
            name_tok = item[_sig(item, alias_at + 1)]
            alias = name_tok.ident or name_tok.text
        else:
            expr = item
            alias = "".join(t.text for t in item).strip()
        items.append(f"{_expr(expr, state).strip()} AS {quote(alias)}")
        if head == "WITH":
            words = [t for t in expr if t.kind != "ws"]
            source = words[0].ident if len(words) == 1 else None
            carried[alias] = state.bindings.get(source) if source else None
    if head == "WITH":  # a new scope: only variables passed on keep their tables
        for alias, binding in carried.items():
            if binding is None:
                state.bindings.pop(alias, None)
            else:
                state.bindings[alias] = binding
    return f"{head} {distinct}" + ", ".join(items) + " "


def _top_level(tokens: list[Token]) -> Iterator[tuple[int, Token]]:
    """(index, token) of the tokens outside any bracket."""
    depth = 0
    for i, tok in enumerate(tokens):
        if tok.kind == "op" and tok.text in "([{":
            depth += 1
        elif tok.kind == "op" and tok.text in ")]}":
            depth -= 1
        elif depth == 0:
            yield i, tok


def _alias_index(item: list[Token]) -> int | None:
    """The index of a depth-0 ``AS`` (an alias), if any."""
    return next((i for i, tok in _top_level(item) if tok.word == "AS"), None)


def _order(seg: list[Token], parts: list[str], state: _State) -> str:
    """ORDER BY items; an item written as a projected expression refers to its column."""
    i = _sig(seg, 1)
    if i >= len(seg) or seg[i].word != "BY":
        raise unsupported("ORDER without BY")
    previous = parts[-1] if parts else ""
    items = []
    for item in _split_commas(seg[i + 1:]):
        words = [t for t in item if t.kind != "ws"]
        direction = ""
        if words and words[-1].word in ("ASC", "DESC", "ASCENDING", "DESCENDING"):
            direction = " " + words[-1].word
            item = item[:item.index(words[-1])]
        text = "".join(t.text for t in item).strip()
        column = quote(text)
        if f" AS {column}" in previous and " AS " not in text.upper():
            items.append(column + direction)
        else:
            items.append(_expr(item, state).strip() + direction)
    return "ORDER BY " + ", ".join(items) + " "


def _unwind(seg: list[Token], state: _State) -> str:
    alias_at = _alias_index(seg[1:])
    if alias_at is None:
        raise unsupported("UNWIND without AS")
    expr = seg[1:alias_at + 1]
    rest = seg[alias_at + 1:]
    name = rest[_sig(rest, 1)]
    state.bindings.pop(name.ident or name.text, None)
    return f"UNWIND {_expr(expr, state).strip()} AS {_var(name)} "


_ENDS_VALUE = {"name", "quoted", "param", "string", "number"}


def _ends_value(tok: Token | None) -> bool:
    """Whether ``tok`` ends an expression (so a following ``[`` indexes it)."""
    if tok is None:
        return False
    if tok.kind == "name":
        return tok.word not in _KEYWORDS or tok.word in ("NULL", "TRUE", "FALSE", "END")
    return tok.kind in _ENDS_VALUE or tok.text in (")", "]", "}")


def _expr(tokens: list[Token], state: _State) -> str:
    """An expression: functions, label predicates, lists, subqueries and patterns rewritten."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        nxt_i = _sig(tokens, i + 1)
        nxt = tokens[nxt_i] if nxt_i < len(tokens) else None
        before = _prev(tokens, i)
        after_dot = before is not None and before.text == "."
        if tok.kind == "name" and tok.word in ("EXISTS", "COUNT", "COLLECT") and nxt is not None \
                and nxt.text == "{":
            close = matching(tokens, nxt_i)
            out.append(_subquery(tok, tokens[nxt_i + 1:close], state))
            i = close + 1
            continue
        if tok.word == "EXISTS" and not after_dot and nxt is not None and nxt.text == "(":
            raise unsupported("exists(…)", _UNSUPPORTED_FUNCTIONS["exists"])
        if tok.kind == "name" and after_dot and nxt is not None and nxt.text == "(":
            dotted = "".join(t.text for t in tokens[:i + 1]).split()[-1].lstrip("(,[{")
            raise unsupported(f"the function {dotted}() (procedures and plugin functions such "
                              "as APOC live on a server)")
        if tok.kind == "name" and not after_dot and nxt is not None and nxt.text == "(" \
                and tok.word not in _KEYWORDS:
            close = matching(tokens, nxt_i)
            out.append(_call(tok, tokens[nxt_i + 1:close], state))
            i = close + 1
            continue
        if tok.text == "(" and tok.kind == "op":
            close = matching(tokens, i)
            after = _sig(tokens, close + 1)
            if after < len(tokens) and tokens[after].text in ("-", "<") and \
                    not _ends_value(before) and _looks_like_pattern(tokens, after):
                end = _pattern_end(tokens, i)
                extra: list[str] = []
                text, _ = _chain(tokens[i:end], 0, state, [], extra, "")
                where = (" WHERE " + " AND ".join(extra)) if extra else ""
                out.append(f"EXISTS {{ MATCH {text}{where} }}")
                i = end
                continue
            out.append("(" + _expr(tokens[i + 1:close], state) + ")")
            i = close + 1
            continue
        if tok.text == "[" and tok.kind == "op":
            close = matching(tokens, i)
            if _ends_value(before):
                out.append(_index(tokens[i + 1:close], state))
            else:
                out.append(_list(tokens[i + 1:close], state))
            i = close + 1
            continue
        if tok.text == "{" and tok.kind == "op":
            close = matching(tokens, i)
            if _ends_value(before) and before is not None and before.kind in ("name", "quoted"):
                raise unsupported("a map projection such as n{.id}", "return n.id AS id")
            out.append(_map(tokens[i:close + 1], state))
            i = close + 1
            continue
        if tok.ident is not None and not after_dot and nxt is not None and nxt.text == ":":
            alternatives, end = _labels_expr(tokens, nxt_i)
            tables = state.schema.tables_with(alternatives)
            listed = "[" + ", ".join(_string(t) for t in tables) + "]"
            out.append(f"(label({_var(tok)}) IN {listed}) ")
            i = end
            continue
        if tok.ident is not None and not after_dot and nxt is not None and nxt.text == "." \
                and tok.ident in state.bindings:
            prop_i = _sig(tokens, nxt_i + 1)
            prop = tokens[prop_i].ident if prop_i < len(tokens) else None
            if prop is not None and not state.schema.has_property(state.bindings[tok.ident],
                                                                  prop):
                out.append("NULL")  # no table of this variable has it: null, as in Neo4j
                i = prop_i + 1
                continue
        if tok.ident is not None and not after_dot and tok.ident in state.varlength \
                and tok.kind in ("name", "quoted"):
            out.append(f"rels({_var(tok)})")
            i += 1
            continue
        out.append(tok.text)
        i += 1
    return "".join(out)


def _string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _looks_like_pattern(tokens: list[Token], i: int) -> bool:
    """After ``(…)``: ``-[``, ``--``, ``->``, ``<-`` start a relationship, ``- x`` does not."""
    j = _sig(tokens, i + 1)
    if tokens[i].text == "<":
        return j < len(tokens) and tokens[j].text == "-"
    return j < len(tokens) and tokens[j].text in ("[", "-", ">")


def _pattern_end(tokens: list[Token], i: int) -> int:
    """The index just after a pattern starting at the node ``(`` at ``i``."""
    end = matching(tokens, i)
    j = _sig(tokens, end + 1)
    while j < len(tokens) and tokens[j].text in ("-", "<"):
        k = j
        while k < len(tokens) and tokens[k].text != "(":
            if tokens[k].text == "[":
                k = matching(tokens, k)
            k += 1
        if k >= len(tokens):
            break
        end = matching(tokens, k)
        j = _sig(tokens, end + 1)
    return end + 1


def _subquery(tok: Token, body: list[Token], state: _State) -> str:
    """``EXISTS { … }`` / ``COUNT { … }``: a bare pattern gets its MATCH."""
    if tok.word == "COLLECT":
        raise unsupported("COLLECT { … } subqueries", "use collect() with OPTIONAL MATCH")
    k = _sig(body, 0)
    if k < len(body) and (body[k].text == "(" or (body[k].ident is not None and body[k].word
                                                   not in _CLAUSES)):
        body = [Token("name", "MATCH", body[k].pos), Token("ws", " ", body[k].pos)] + body[k:]
    return f"{tok.text.upper()} {{ {_query(body, state).strip()} }}"


def _call(tok: Token, args: list[Token], state: _State) -> str:
    """A function call under the engine's name, or refused when it would answer otherwise."""
    name = tok.text.lower()
    inner = _expr(args, state)
    if name in _UNSUPPORTED_FUNCTIONS:
        raise unsupported(f"the function {tok.text}()", _UNSUPPORTED_FUNCTIONS[name])
    if name == "labels":
        k = _sig(args, 0)
        if k >= len(args) or args[k].ident is None or _sig(args, k + 1) < len(args):
            raise unsupported("labels() of anything but a variable")
        return f"{_var(args[k])}.{quote(state.schema.labels_column)}"
    if name in _CASTS:
        return f"cast({inner} AS {_CASTS[name]})"
    if name == "substring":
        parts = _split_commas(args)
        if len(parts) not in (2, 3):
            raise unsupported("substring() with other than 2 or 3 arguments")
        text, start = (_expr(p, state).strip() for p in parts[:2])
        length = _expr(parts[2], state).strip() if len(parts) == 3 else f"size({text})"
        return f"substring({text}, ({start}) + 1, {length})"
    if name in ("head", "last"):
        return f"list_extract({inner}, {1 if name == 'head' else -1})"
    if name in _RENAMED:
        return f"{_RENAMED[name]}({inner})"
    if name in ("any", "all", "none", "single"):
        return f"{name}({inner})"
    if name in _SAME:
        return f"{tok.text}({inner})"
    raise unsupported(f"the function {tok.text}()",
                      "the local engine runs the common Neo4j functions (see docs/neo4j.md)")


def _index(tokens: list[Token], state: _State) -> str:
    """``l[i]`` (0-based, negative from the end) and ``l[a..b]`` → the engine's 1-based forms."""
    parts = [i for i, t in enumerate(tokens) if t.text == ".." and t.kind == "op"]
    if not parts:
        k = _sig(tokens, 0)
        if k < len(tokens) and tokens[k].kind == "string":
            raise unsupported("indexing with a string key", "use m.key")
        index = _expr(tokens, state).strip()
        if k < len(tokens) and tokens[k].kind == "number" and _sig(tokens, k + 1) >= len(tokens):
            value = int(tokens[k].text)
            return f"[{value + 1}]"
        return f"[CASE WHEN ({index}) >= 0 THEN ({index}) + 1 ELSE ({index}) END]"
    split = parts[0]
    low_tokens, high_tokens = tokens[:split], tokens[split + 1:]
    low = _literal_int(low_tokens, 0)
    high = _literal_int(high_tokens, None)
    if low is None or low < 0 or (high is not None and high < 0):
        raise unsupported("a list slice other than [a..b] with non-negative literal bounds")
    if high is None:
        raise unsupported("an open-ended list slice [a..]", "write [a..b]")
    if high <= low:
        return "[1:0]"
    return f"[{low + 1}:{high}]"


def _literal_int(tokens: list[Token], default: int | None) -> int | None:
    words = [t for t in tokens if t.kind != "ws"]
    if not words:
        return default
    if len(words) == 2 and words[0].text == "-" and words[1].kind == "number":
        return -int(words[1].text)
    if len(words) == 1 and words[0].kind == "number" and words[0].text.isdigit():
        return int(words[0].text)
    return None


def _list(tokens: list[Token], state: _State) -> str:
    """A list literal, or a list comprehension ``[x IN l WHERE p | e]``."""
    k = _sig(tokens, 0)
    j = _sig(tokens, k + 1)
    if k < len(tokens) and tokens[k].ident is not None and j < len(tokens) \
            and tokens[j].word == "IN":
        return _comprehension(tokens[k], tokens[j + 1:], state)
    if k < len(tokens) and tokens[k].text == "(":
        close = matching(tokens, k)
        after = _sig(tokens, close + 1)
        if after < len(tokens) and tokens[after].text in ("-", "<"):
            raise unsupported("pattern comprehensions [(a)-->(b) | …]",
                              "use OPTIONAL MATCH and collect()")
    return "[" + ", ".join(_expr(p, state).strip() for p in _split_commas(tokens)) + "]"


def _comprehension(var: Token, rest: list[Token], state: _State) -> str:
    where_at = bar_at = None
    for i, tok in _top_level(rest):
        if tok.word == "WHERE" and where_at is None:
            where_at = i
        elif tok.text == "|" and bar_at is None:
            bar_at = i
    stop = min(x for x in (where_at, bar_at, len(rest)) if x is not None)
    source = _expr(rest[:stop], state).strip()
    name = _var(var)
    if where_at is not None:
        cond = _expr(rest[where_at + 1:bar_at if bar_at is not None else len(rest)], state)
        source = f"list_filter({source}, {name} -> {cond.strip()})"
    if bar_at is not None:
        source = f"list_transform({source}, {name} -> {_expr(rest[bar_at + 1:], state).strip()})"
    return source
